"""The oscillatory network's tuning curve: one point of a sweep over drive frequency, window a1
and number of stored patterns (Scarpetta, Li & Hertz 2001, eqs 9-12).

Each point imprints ``n_patterns`` orthonormal circular patterns with the small window
A~(omega) = a0 - i omega a1 (eq 12) at the frequency that this a1 makes resonant, eqs (11)-(12):
omega0^2 (1 - J0 a1) = alpha^2 + beta gamma (as the paper imprints xi2 at 63 Hz with a1 = 1.1).
It then drives the linear network (eq 3) with the first pattern at ``drive_hz`` and measures the
response at the drive frequency, checked against eq (10) at every point. ``run_batch`` simulates all
points that share a network (they differ only in the drive frequency) as one batch.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pydantic
import xarray as xr
from pydantic import Field

from .._progress import Progress
from ..engine.oscillator import drive_components
from ..engine.record import Record
from ..engine.simulate import simulate
from ..networks.oscillator import (
    Imprint,
    OscillatoryDrive,
    circular_patterns,
    closed_form_weights,
    eq10_response,
    eta_for_strength,
    small_window_resonance,
    tuned_eta_W,
)
from ..rules.windows import SmallWindow
from .base import Experiment, ExperimentConfig, Result
from .scarpetta2001 import ModelConfig, derived, local_circuit


class TuningConfig(ExperimentConfig):
    """One point of the tuning sweep; units in each field's description."""

    model: ModelConfig = ModelConfig()
    drive_hz: float = Field(default=41.0, gt=0, description="drive frequency, Hz")
    a1: float = Field(
        default=0.1, description="window a1 in units of model.a1_unit (0.1 -> 41 Hz, 1.1 -> 63 Hz)"
    )
    n_patterns: int = Field(default=1, ge=1, description="stored patterns (<= n_units / 2)")
    amplitude: float = Field(default=20.0, gt=0, description="drive amplitude |xi|, u/s")
    dt: float = Field(default=1e-3, gt=0, description="record step of the exact stepping, s")
    settle: float = Field(default=1.5, gt=0, description="transient discarded, s")
    window: float = Field(default=0.5, gt=0, description="analysis window after it, s")

    @pydantic.model_validator(mode="after")
    def _patterns_fit(self) -> TuningConfig:
        if 2 * self.n_patterns > self.model.n_units:
            raise ValueError(f"n_patterns must be <= model.n_units / 2 = {self.model.n_units // 2}")
        if derived(self.model)["J0"] * self.a1 * self.model.a1_unit >= 1.0:
            raise ValueError("a1 must be < 1 / (J0 a1_unit), or the resonance is undefined")
        return self


def _network(
    config: TuningConfig, local: Any, xi: np.ndarray
) -> tuple[Any, list[Imprint], np.ndarray, dict[str, float]]:
    """The learned network of ``config``, from its local circuit and its stored patterns."""
    model = config.model
    J0 = derived(model)["J0"]
    window = SmallWindow(
        a0=(2 * local.alpha - model.residual_damping) / J0, a1=config.a1 * model.a1_unit
    )
    f0 = small_window_resonance(local, J0, window.a1)
    duration = model.learning_periods / f0
    eta = eta_for_strength(local, f0, duration, J0)
    imprints = [
        Imprint(
            xi=x,
            frequency=f0,
            window=window,
            eta_J=eta,
            eta_W=tuned_eta_W(local, f0, eta),
            duration=duration,
        )
        for x in xi
    ]
    linear = local.with_weights(*closed_form_weights(local, imprints))
    theory = {"resonance_hz_eq11": f0}
    return linear, imprints, xi, theory


def run_batch(configs: list[TuningConfig], progress: Progress) -> list[Result]:
    """Run every configuration as one batched simulation: a batch of the distinct learned
    networks (J and W with a batch axis), each driven by the drives of its configurations.
    Configurations that share a network (they differ only in the drive) share it, its learning
    step and one eq (10) evaluation."""
    first = configs[0]
    shared = (first.settle, first.window, first.dt, first.backend)
    if any((c.settle, c.window, c.dt, c.backend) != shared for c in configs):
        return [run_batch([c], progress)[0] for c in configs]
    keys = [(c.model, c.a1, c.n_patterns) for c in configs]  # all that _network depends on
    networks: dict[tuple[Any, ...], tuple[Any, list[Imprint], np.ndarray, dict[str, float]]] = {}
    # networks that share a model share its local circuit, and its patterns for a count
    local, patterns = functools.cache(local_circuit), functools.cache(circular_patterns)
    for key, config in zip(keys, configs, strict=True):
        if key not in networks:
            m = config.model
            xi = patterns(m.n_units, config.n_patterns, m.pattern_seed)
            networks[key] = _network(config, local(m), xi)
    members = [networks[key] for key in keys]
    nets = list(networks.values())
    index = {key: k for k, key in enumerate(networks)}
    to = np.array([index[key] for key in keys])  # each configuration's network
    batched = nets[0][0].with_weights(
        np.stack([net[0].J for net in nets]), np.stack([net[0].W for net in nets])
    )
    freq = np.array([c.drive_hz for c in configs])
    drive_xi = np.stack([c.amplitude * m[2][0] for c, m in zip(configs, members, strict=True)])
    ds = simulate(
        batched,
        None,
        OscillatoryDrive(xi=drive_xi, frequency=freq, network=to),
        t_stop=first.settle + first.window,
        dt=first.dt,
        backend=first.backend,
        seed=first.seed,
        record=Record(start=first.settle),
    )
    u_plus, lock = drive_components(ds.time.values, ds.u.values, 2 * math.pi * freq, first.settle)
    analytic = np.empty_like(u_plus)
    for k, (linear, imprints, _, _) in enumerate(nets):
        mine = to == k
        analytic[mine] = eq10_response(linear, imprints, freq[mine], drive_xi[mine])
    stored = np.stack([m[2][0] for m in members])
    return _results(u_plus, analytic, lock, stored, [m[3] for m in members])


def run(config: TuningConfig, progress: Progress) -> Result:
    """One point: the response amplitude, its overlap with the stored pattern, eq (10), and
    the response of every unit (u+, complex, as real and imaginary parts)."""
    result = run_batch([config], progress)[0]
    u_plus = result.data.pop("u_plus")
    result.data["response"] = xr.Dataset(
        {
            "u_plus_real": ("unit", u_plus.real, {"units": "u"}),
            "u_plus_imag": ("unit", u_plus.imag, {"units": "u"}),
        }
    )
    return result


def _results(
    u_plus: np.ndarray,
    analytic: np.ndarray,
    lock: np.ndarray,
    stored: np.ndarray,
    theories: list[dict[str, float]],
) -> list[Result]:
    """One result per batch member from u+ (B, N), eq (10)'s u+ (B, N), the lock fraction (B,),
    the first stored pattern (B, N) and the theory numbers of each member. Every reduction runs
    along a member's own row, so a member's numbers do not depend on the rest of the batch."""
    norm = np.sqrt(np.sum(u_plus.real**2 + u_plus.imag**2, axis=1))
    norm_eq10 = np.sqrt(np.sum(analytic.real**2 + analytic.imag**2, axis=1))
    overlap = np.abs(np.sum(np.conj(stored) * u_plus, axis=1)) / np.maximum(norm, 1e-300)
    amp, amp_eq10 = 2.0 * norm, 2.0 * norm_eq10
    rel_err = np.abs(amp - amp_eq10) / amp_eq10
    out = []
    for b, theory in enumerate(theories):
        metrics = {
            "amplitude": float(amp[b]),
            "amplitude_eq10": float(amp_eq10[b]),
            "rel_err_vs_eq10": float(rel_err[b]),
            "overlap_stored": float(overlap[b]),
            "lock_fraction": float(lock[b]),
            **theory,
        }
        out.append(Result(data={"u_plus": u_plus[b]}, figures={}, metrics=metrics))
    return out


EXPERIMENTS = {
    "oscillator-tuning": Experiment(
        name="oscillator-tuning",
        summary="one point of the tuning sweep: drive frequency x window a1 x stored patterns",
        config=TuningConfig,
        run=run,
        run_batch=run_batch,
    )
}
