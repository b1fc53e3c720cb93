"""Scarpetta, Li & Hertz (2001, NIPS 13): every figure of the paper, by one command.

Figs 2A-2C and 3 with the nonlinear simulation (eqs 1-2), the linear simulation (eq 3, stepped
exactly) and the analytic response (eq 10) overlaid, plus a check that the time-domain learning
rule (eq 6) gives the closed form (eq 9). Every sweep (frequency, overlap, angle) is one batched
simulation. Parameters are labelled in docs/scarpetta2001.md as from the paper, derived or chosen.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pydantic
import xarray as xr
from pydantic import Field

from .._progress import Progress
from ..engine.oscillator import drive_components, time_domain_weights
from ..engine.record import Record
from ..engine.simulate import simulate
from ..errors import ParameterError
from ..networks.oscillator import (
    Imprint,
    LinearOscillator,
    OscillatoryDrive,
    circular_patterns,
    closed_form_weights,
    eq10_response,
    eta_for_strength,
    kernel_for_resonance,
    nonlinear_network,
    recall_quality,
    tuned_eta_W,
)
from ..neurons.rate import PiecewiseLinear
from ..plots import oscillator as plots
from ..rules.windows import ExponentialWindow, bi_poo_window
from .base import Experiment, ExperimentConfig, Result

# A response counts as locked to the drive when this share of its AC power is at the drive
# frequency; below it, it is reported as self-sustained oscillation.
LOCK_THRESHOLD = 0.9
# --quick's nonlinear RK4 step, s
QUICK_DT_NONLINEAR = 5e-4


class ModelConfig(pydantic.BaseModel):
    """The network and learning parameters; units and provenance in each description."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    n_units: int = Field(default=10, ge=4, description="E-I pairs N (from the paper)")
    alpha: float = Field(default=100.0, gt=0, description="leak rate 1/tau in 1/s (chosen)")
    beta_over_gamma: float = Field(
        default=1.0, gt=0, description="beta/gamma, dimensionless (chosen)"
    )
    residual_damping: float = Field(
        default=15.0,
        gt=0,
        description="2 alpha - J0 A~'(omega0) in 1/s (chosen; sets the sharpness)",
    )
    imprint_hz: float = Field(
        default=41.0, gt=0, description="imprinting frequency of Figs 2A-C in Hz (from the paper)"
    )
    fig3_hz: tuple[float, float] = Field(
        default=(41.0, 63.0), description="Fig 3 frequencies in Hz (from the paper)"
    )
    fig3_a1: tuple[float, float] = Field(
        default=(0.1, 1.1), description="Fig 3 window a1 in units of a1_unit (from the paper)"
    )
    a1_unit: float = Field(
        default=1e-3, gt=0, description="unit of the paper's a1 in s (chosen: ms)"
    )
    learning_periods: int = Field(
        default=10, ge=1, description="learning time T in drive periods (chosen)"
    )
    pattern_seed: int = Field(default=1, ge=0, description="seed of the stored patterns")


class _Nonlinear(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    u_star: float = Field(
        default=1.0, description="fixed point u* of every E unit (chosen, Fig 1B cross)"
    )
    gu_knots: tuple[float, ...] = Field(
        default=(0.0, 1.4, 2.2), description="g_u knots, units of u (chosen)"
    )
    gu_values: tuple[float, ...] = Field(
        default=(0.0, 0.7, 1.18), description="g_u at the knots (chosen)"
    )
    gv_knots: tuple[float, ...] = Field(
        default=(0.0, 1000.0), description="g_v knots, units of v (chosen)"
    )
    gv_values: tuple[float, ...] = Field(
        default=(0.0, 1000.0), description="g_v at the knots (chosen)"
    )


class _Drive(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    amplitude: float = Field(
        default=20.0, gt=0, description="|xi| of the drive in units of u per s (chosen)"
    )


class _Sim(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    dt_nonlinear: float = Field(default=2.5e-4, gt=0, description="RK4 step in s")
    dt_linear: float = Field(
        default=1e-3, gt=0, description="record step of the exact linear stepping in s"
    )
    settle: float = Field(default=1.0, gt=0, description="nonlinear transient discarded in s")
    settle_linear: float = Field(default=2.0, gt=0, description="linear transient discarded in s")
    window: float = Field(default=0.5, gt=0, description="analysis window after the transient in s")


class _Studies(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    attractors: bool = Field(default=False, description="sweep g_u's high-gain slope (Fig 2C)")
    attractor_slopes: tuple[float, ...] = Field(
        default=(0.52, 0.56, 0.6, 0.7, 0.8), description="high-gain slopes of g_u (1/u)"
    )
    capacity: bool = Field(default=False, description="capacity sweep (linear theory)")
    capacity_n: tuple[int, ...] = Field(
        default=(10, 30, 100, 300, 1000), description="network sizes N of the capacity sweep"
    )
    capacity_threshold: float = Field(
        default=0.9, gt=0, le=1, description="recall overlap counted as success (1)"
    )


class Scarpetta2001Config(ExperimentConfig):
    """Parameters of the reproduction; units in each field's description."""

    model: ModelConfig = ModelConfig()
    nonlinear: _Nonlinear = _Nonlinear()
    drive: _Drive = _Drive()
    sim: _Sim = _Sim()
    studies: _Studies = _Studies()


def derived(model: ModelConfig) -> dict[str, float]:
    """J0 (1/s) and the intrinsic frequency (Hz) from Fig 3 through eqs (11)-(12):
    omega_k^2 (1 - J0 a1_k) = omega_int^2 for (41 Hz, a1 = 0.1) and (63 Hz, a1 = 1.1)."""
    (f1, f2), (a1, a2) = model.fig3_hz, (x * model.a1_unit for x in model.fig3_a1)
    J0 = (f2**2 - f1**2) / (f2**2 * a2 - f1**2 * a1)
    f_int = f1 * math.sqrt(1.0 - J0 * a1)
    return {"J0": J0, "intrinsic_hz": f_int}


def local_circuit(model: ModelConfig) -> LinearOscillator:
    """The local E-I circuit (J = W = 0) whose intrinsic frequency is derived from Fig 3."""
    d = derived(model)
    bg = (2 * math.pi * d["intrinsic_hz"]) ** 2 - model.alpha**2
    if bg <= 0:
        raise ParameterError("model.alpha", "must be below 2 pi intrinsic_hz", model.alpha)
    gamma = math.sqrt(bg / model.beta_over_gamma)
    zero = np.zeros((model.n_units, model.n_units))
    return LinearOscillator(
        alpha=model.alpha, beta=model.beta_over_gamma * gamma, gamma=gamma, J=zero, W=zero
    )


def imprints_for(
    model: ModelConfig, local: LinearOscillator, xis: Any, freqs: Any
) -> list[Imprint]:
    """One imprint per pattern with the window that puts its resonance at its frequency."""
    J0 = derived(model)["J0"]
    out = []
    for xi, f in zip(xis, freqs, strict=True):
        window = kernel_for_resonance(f, local, J0, model.residual_damping)
        duration = model.learning_periods / f
        eta = eta_for_strength(local, f, duration, J0)
        out.append(
            Imprint(
                xi=xi,
                frequency=f,
                window=window,
                eta_J=eta,
                eta_W=tuned_eta_W(local, f, eta),
                duration=duration,
            )
        )
    return out


def _networks(
    config: Scarpetta2001Config, imprints: list[Imprint], local: LinearOscillator
) -> tuple[Any, Any]:
    J, W = closed_form_weights(local, imprints)
    linear = local.with_weights(J, W)
    nl = config.nonlinear
    g_u = PiecewiseLinear(knots=nl.gu_knots, values=nl.gu_values)
    g_v = PiecewiseLinear(knots=nl.gv_knots, values=nl.gv_values)
    return linear, nonlinear_network(linear, g_u, g_v, nl.u_star)


def responses_sim(config: Scarpetta2001Config) -> Any:
    """The simulation settings of the frequency responses (Figs 2A-2C, 3): ``config.sim``, or
    under ``--quick`` shorter transients and window and RK4 at 0.5 ms at least (32 steps per
    63 Hz period, which moves the quick metrics by < 1e-4 relative)."""
    sim = config.sim
    if not config.quick:
        return sim
    quick = {"settle": 0.5, "settle_linear": 1.5, "window": 0.3}
    quick["dt_nonlinear"] = max(sim.dt_nonlinear, QUICK_DT_NONLINEAR)
    return sim.model_copy(update=quick)


def _responses(
    config: Scarpetta2001Config, linear: Any, nonlinear: Any, xi: np.ndarray, freq: np.ndarray
) -> dict[str, np.ndarray]:
    """u+ (B, N) and lock fraction of the linear and nonlinear simulations, one batch each."""
    sim = responses_sim(config)
    drive = OscillatoryDrive(xi=xi, frequency=freq)
    omega = 2 * math.pi * freq

    def recorded(network: Any, settle: float, dt: float) -> Any:
        """The run's records after the transient ``settle`` (s)."""
        return simulate(
            network,
            None,
            drive,
            t_stop=settle + sim.window,
            dt=dt,
            record=Record(start=settle),
            backend=config.backend,
        )

    ds = recorded(linear, sim.settle_linear, sim.dt_linear)
    u_lin, _ = drive_components(ds.time.values, ds.u.values, omega, sim.settle_linear)
    ds = recorded(nonlinear, sim.settle, sim.dt_nonlinear)
    u_star = nonlinear.fixed_point()[0]
    u_nl, lock = drive_components(ds.time.values, ds.u.values - u_star, omega, sim.settle)
    return {"linear": u_lin, "nonlinear": u_nl, "lock": lock}


def _amp(u_plus: np.ndarray) -> np.ndarray:
    return np.asarray(2.0 * np.linalg.norm(u_plus, axis=-1))


def _fig2a(
    config: Scarpetta2001Config, parts: dict[str, Any]
) -> tuple[xr.Dataset, Any, dict[str, Any]]:
    model, quick = config.model, config.quick
    f0 = model.imprint_hz
    coarse = np.arange(20.0, 60.01, 2.0 if quick else 1.0)
    fine = np.arange(f0 - 2.0, f0 + 2.01, 0.25)
    f = np.unique(np.concatenate([coarse, fine]))
    xi = config.drive.amplitude * parts["xi"][0]
    r = _responses(
        config, parts["linear"], parts["nonlinear"], np.broadcast_to(xi, (f.size, xi.size)), f
    )
    f_an = np.arange(20.0, 60.0001, 0.01)
    amp_an = _amp(eq10_response(parts["linear"], parts["imprints"], f_an, xi))
    amp_an_sim = _amp(eq10_response(parts["linear"], parts["imprints"], f, xi))
    amp_lin, amp_nl = _amp(r["linear"]), _amp(r["nonlinear"])
    locked = r["lock"] >= LOCK_THRESHOLD
    half = f_an[amp_an >= amp_an.max() / 2.0]
    peak = amp_an.max()
    metrics = {
        "imprint_hz": f0,
        "peak_hz_analytic": float(f_an[np.argmax(amp_an)]),
        "peak_hz_linear": float(f[np.argmax(amp_lin)]),
        "peak_hz_nonlinear": float(f[np.argmax(np.where(locked, amp_nl, -1.0))]),
        "fwhm_hz_analytic": float(half.max() - half.min()),
        "max_rel_err_linear_vs_analytic": float(
            np.max(np.abs(r["linear"] - eq10_response(parts["linear"], parts["imprints"], f, xi)))
            / np.max(np.abs(r["linear"]))
        ),
        "amp_ratio_20hz_to_peak": float(np.interp(20.0, f_an, amp_an) / peak),
        "amp_ratio_60hz_to_peak": float(np.interp(60.0, f_an, amp_an) / peak),
        "amp_ratio_20hz_to_peak_linear": float(amp_lin[0] / amp_lin.max()),
        "amp_ratio_60hz_to_peak_linear": float(amp_lin[-1] / amp_lin.max()),
        "nonlinear_locked_fraction_of_points": float(np.mean(locked)),
    }
    ds = xr.Dataset(
        {
            "amp_linear": ("frequency", amp_lin, {"units": "1"}),
            "amp_nonlinear": ("frequency", amp_nl, {"units": "1"}),
            "amp_eq10": ("frequency", amp_an_sim, {"units": "1"}),
            "lock_fraction": ("frequency", r["lock"], {"units": "1"}),
        },
        coords={"frequency": ("frequency", f, {"units": "Hz"})},
    )
    fig = plots.frequency_tuning(f_an, amp_an, f, amp_lin, amp_nl, locked, f0)
    return ds, fig, metrics


def _fig2b(
    config: Scarpetta2001Config, parts: dict[str, Any]
) -> tuple[xr.Dataset, Any, dict[str, Any]]:
    xi = parts["xi"]
    overlaps = np.linspace(0.0, 1.0, 6 if config.quick else 11)
    inputs, ov = [], []
    for k in range(1, 3 if config.quick else 4):
        rest = xi[k] * np.exp(1j * k)
        for c in overlaps:
            inputs.append(c * xi[0] + math.sqrt(max(1.0 - c * c, 0.0)) * rest)
            ov.append(c)
    x = config.drive.amplitude * np.array(inputs)
    f = np.full(len(x), config.model.imprint_hz)
    r = _responses(config, parts["linear"], parts["nonlinear"], x, f)
    amp_lin, amp_nl = _amp(r["linear"]), _amp(r["nonlinear"])
    amp_an = _amp(eq10_response(parts["linear"], parts["imprints"], f, x))
    overlap = np.array(ov)
    metrics = {
        "overlap": overlap.tolist(),
        "amp_linear": amp_lin.tolist(),
        "amp_nonlinear": amp_nl.tolist(),
        "amp_eq10": amp_an.tolist(),
        "lock_fraction": r["lock"].tolist(),
    }
    ds = xr.Dataset(
        {
            "overlap": ("input", overlap, {"units": "1"}),
            "amp_linear": ("input", amp_lin, {"units": "1"}),
            "amp_nonlinear": ("input", amp_nl, {"units": "1"}),
            "amp_eq10": ("input", amp_an, {"units": "1"}),
            "lock_fraction": ("input", r["lock"], {"units": "1"}),
        },
    )
    fig = plots.overlap_tuning(overlap, amp_an, amp_lin, amp_nl, r["lock"] >= LOCK_THRESHOLD)
    return ds, fig, metrics


def output_angle(u_plus: np.ndarray, xi1: np.ndarray, xi2: np.ndarray) -> np.ndarray:
    """Angle (deg) of the response in the xi1-xi2 plane: atan2(|xi2^dagger u+|, |xi1^dagger u+|)."""
    return np.asarray(
        np.degrees(np.arctan2(np.abs(u_plus @ xi2.conj()), np.abs(u_plus @ xi1.conj())))
    )


def _fig2c(
    config: Scarpetta2001Config, parts2: dict[str, Any]
) -> tuple[xr.Dataset, Any, dict[str, Any]]:
    xi = parts2["xi"]
    deg = np.linspace(0.0, 90.0, 7 if config.quick else 19)
    th = np.radians(deg)
    x = config.drive.amplitude * (np.cos(th)[:, None] * xi[0] + np.sin(th)[:, None] * xi[1])
    f = np.full(deg.size, config.model.imprint_hz)
    r = _responses(config, parts2["linear"], parts2["nonlinear"], x, f)
    out_lin = output_angle(r["linear"], xi[0], xi[1])
    out_nl = output_angle(r["nonlinear"], xi[0], xi[1])
    metrics = {
        "input_deg": deg.tolist(),
        "output_deg_linear": out_lin.tolist(),
        "output_deg_nonlinear": out_nl.tolist(),
        "lock_fraction": r["lock"].tolist(),
        "max_abs_err_linear_deg": float(np.max(np.abs(out_lin - deg))),
    }
    ds = xr.Dataset(
        {
            "output_deg_linear": ("input_deg", out_lin, {"units": "degree"}),
            "output_deg_nonlinear": ("input_deg", out_nl, {"units": "degree"}),
            "lock_fraction": ("input_deg", r["lock"], {"units": "1"}),
        },
        coords={"input_deg": ("input_deg", deg, {"units": "degree"})},
    )
    fig = plots.angle_map(deg, out_lin, out_nl, r["lock"] >= LOCK_THRESHOLD)
    return ds, fig, metrics


def _fig3(
    config: Scarpetta2001Config, parts3: dict[str, Any]
) -> tuple[xr.Dataset, Any, dict[str, Any]]:
    xi1, xi2 = parts3["xi"][0], parts3["xi"][1]
    f1, f2 = config.model.fig3_hz
    h = config.drive.amplitude
    mix = (xi1 + xi2) / math.sqrt(2.0)
    cases = {
        "xi1 at f1": (xi1, f1),
        "xi2 at f2": (xi2, f2),
        "xi1 at f2": (xi1, f2),
        "mixture at f2": (mix, f2),
        "mixture at f1": (mix, f1),
    }
    x = h * np.array([c[0] for c in cases.values()])
    f = np.array([c[1] for c in cases.values()])
    r = _responses(config, parts3["linear"], parts3["nonlinear"], x, f)
    amp = _amp(r["linear"])
    an = eq10_response(parts3["linear"], parts3["imprints"], f, x)

    def overlap(u: np.ndarray, xi: np.ndarray) -> float:
        return float(abs(u @ xi.conj()) / np.linalg.norm(u))

    metrics = {
        "ratio_xi1_41_over_xi1_63": float(amp[0] / amp[2]),
        "ratio_xi2_63_over_xi1_63": float(amp[1] / amp[2]),
        "mixture_63hz_overlap_xi2": overlap(r["linear"][3], xi2),
        "mixture_41hz_overlap_xi1": overlap(r["linear"][4], xi1),
        "mixture_63hz_overlap_xi2_nonlinear": overlap(r["nonlinear"][3], xi2),
        "mixture_41hz_overlap_xi1_nonlinear": overlap(r["nonlinear"][4], xi1),
        "ratio_xi1_41_over_xi1_63_eq10": float(_amp(an[0]) / _amp(an[2])),
        "ratio_xi2_63_over_xi1_63_eq10": float(_amp(an[1]) / _amp(an[2])),
        "lock_fraction_nonlinear": r["lock"].tolist(),
    }
    units = [1, 2, 5]
    t_show = 0.4
    ds = simulate(
        parts3["linear"],
        None,
        OscillatoryDrive(xi=x[:4], frequency=f[:4]),
        t_stop=t_show,
        dt=config.sim.dt_linear,
        backend=config.backend,
    )
    t = ds.time.values
    names = list(cases)[:4]
    traces = {name: ds.u.values[:, b, units] for b, name in enumerate(names)}
    steady = {
        name: 2.0 * np.real(an[b, units][None, :] * np.exp(2j * math.pi * f[b] * t[:, None]))
        for b, name in enumerate(names)
    }
    fig = plots.unit_traces(1e3 * t, traces, units, steady)
    data = xr.Dataset(
        {
            "u": (("time", "case", "unit"), ds.u.values[:, :, units], {"units": "1"}),
            "amp_linear": ("case_all", amp, {"units": "1"}),
            "amp_nonlinear": ("case_all", _amp(r["nonlinear"]), {"units": "1"}),
            "amp_eq10": ("case_all", _amp(an), {"units": "1"}),
        },
        coords={
            "time": ("time", t, {"units": "s"}),
            "case": names,
            "unit": np.array(units) + 1,
            "case_all": list(cases),
        },
    )
    return data, fig, metrics


def _learning(
    config: Scarpetta2001Config, local: LinearOscillator, xi: np.ndarray
) -> dict[str, Any]:
    """eq (9) against the time-domain rule (6) for four windows, each at the imprint frequency."""
    f = config.model.imprint_hz
    windows = {
        "exponential_2ms": ExponentialWindow(a_plus=100.0, tau_plus=2e-3),
        "two_sided_5_10ms": ExponentialWindow(
            a_plus=50.0, tau_plus=5e-3, a_minus=20.0, tau_minus=10e-3
        ),
        "bi_poo_20ms": bi_poo_window(50.0),
        "small_window_fig2": kernel_for_resonance(
            f, local, derived(config.model)["J0"], config.model.residual_damping
        ),
    }
    errors = {}
    for name, window in windows.items():
        duration = config.model.learning_periods / f
        imp = Imprint(
            xi=xi,
            frequency=f,
            window=window,
            eta_J=1.0,
            eta_W=tuned_eta_W(local, f, 1.0),
            duration=duration,
        )
        J, W = closed_form_weights(local, [imp])
        Jt, Wt = time_domain_weights(
            local, [imp], backend=config.backend, steps_per_period=256 if config.quick else 512
        )
        errors[name] = max(
            float(np.max(np.abs(Jt - J)) / np.max(np.abs(J))),
            float(np.max(np.abs(Wt - W)) / np.max(np.abs(W))),
        )
    return {"max_rel_err_time_domain_vs_closed_form": max(errors.values()), "per_window": errors}


def run(config: Scarpetta2001Config, progress: Progress) -> Result:
    """Figs 2A-2C and 3 with nonlinear, linear and analytic responses, and the learning check."""
    model = config.model
    local = local_circuit(model)
    xi = circular_patterns(model.n_units, min(4, model.n_units // 2), model.pattern_seed)
    f0 = model.imprint_hz
    one = imprints_for(model, local, xi[:1], [f0])
    two = imprints_for(model, local, xi[:2], [f0, f0])
    fig3 = imprints_for(model, local, xi[:2], list(model.fig3_hz))
    parts = {}
    for name, imps in (("one", one), ("two", two), ("fig3", fig3)):
        linear, nonlinear = _networks(config, imps, local)
        parts[name] = {"xi": xi, "imprints": imps, "linear": linear, "nonlinear": nonlinear}
    data, figures, metrics = {}, {}, {}
    steps = [
        ("fig2a", _fig2a, "one"),
        ("fig2b", _fig2b, "one"),
        ("fig2c", _fig2c, "two"),
        ("fig3", _fig3, "fig3"),
    ]
    for name, fn, which in progress.track(steps, "scarpetta2001 figures", total=len(steps)):
        data[name], figures[name], metrics[name] = fn(config, parts[which])
    metrics["learning"] = _learning(config, local, xi[0])
    if config.studies.attractors:
        data["attractors"], figures["attractors"], metrics["attractors"] = _attractors(
            config, parts["two"], local
        )
    if config.studies.capacity:
        data["capacity"], figures["capacity"], metrics["capacity"] = _capacity(config, progress)
    metrics["params"] = _params(config, local, one[0])
    return Result(data=data, figures=figures, metrics=metrics)


def _params(config: Scarpetta2001Config, local: LinearOscillator, imp: Imprint) -> dict[str, Any]:
    d, m, nl = derived(config.model), config.model, config.nonlinear
    w: Any = imp.window
    sim = responses_sim(config)  # the attractor study of Fig 2C keeps config.sim's
    quick = " (--quick)" if config.quick else ""
    rows = [
        ("n_units", m.n_units, "1", "from the paper"),
        ("alpha", local.alpha, "1/s", "chosen"),
        ("beta", float(local.beta), "1/s", "chosen (beta = gamma)"),
        ("gamma", float(local.gamma), "1/s", "derived: alpha^2 + beta gamma = omega_int^2"),
        ("J0", d["J0"], "1/s", "derived from Fig 3 via eqs (11)-(12); patterns of norm 1 u/s"),
        ("intrinsic_hz", d["intrinsic_hz"], "Hz", "derived from Fig 3"),
        ("imprint_hz", m.imprint_hz, "Hz", "from the paper"),
        ("fig3_hz", list(m.fig3_hz), "Hz", "from the paper"),
        ("fig3_a1", [x * m.a1_unit for x in m.fig3_a1], "s", "from the paper, read in ms (chosen)"),
        ("a0", w.a0, "1", "derived: J0 a0 = 2 alpha - residual_damping"),
        ("a1_fig2", w.a1, "s", "derived: resonance at imprint_hz"),
        ("residual_damping", m.residual_damping, "1/s", "chosen"),
        ("drive_amplitude", config.drive.amplitude, "u/s", "chosen"),
        ("u_star", nl.u_star, "u", "chosen"),
        ("g_u", {"knots": list(nl.gu_knots), "values": list(nl.gu_values)}, "u -> 1", "chosen"),
        ("g_v", {"knots": list(nl.gv_knots), "values": list(nl.gv_values)}, "v -> 1", "chosen"),
        ("learning_periods", m.learning_periods, "periods", "chosen"),
        ("dt_nonlinear", sim.dt_nonlinear, "s", "chosen" + quick),
        ("settle_nonlinear", sim.settle, "s", "chosen" + quick),
        ("settle_linear", sim.settle_linear, "s", "chosen" + quick),
        ("window", sim.window, "s", "chosen" + quick),
        ("dt_linear", config.sim.dt_linear, "s", "chosen"),
        ("eta_J", imp.eta_J, "1/(s^2 u^2)", "derived from J0"),
        ("eta_W", imp.eta_W, "1/(s^2 u^2)", "derived: tuned eta_W"),
    ]
    return {name: {"value": v, "unit": unit, "source": src} for name, v, unit, src in rows}


def _attractors(
    config: Scarpetta2001Config, parts2: dict[str, Any], local: LinearOscillator
) -> tuple[xr.Dataset, Any, dict[str, Any]]:
    """Fig 2C's nonlinear angle map for a family of g_u differing in the high-gain slope."""
    nl = config.nonlinear
    xi = parts2["xi"]
    deg = np.linspace(0.0, 90.0, 19)
    th = np.radians(deg)
    x = config.drive.amplitude * (np.cos(th)[:, None] * xi[0] + np.sin(th)[:, None] * xi[1])
    drive = OscillatoryDrive(xi=x, frequency=np.full(deg.size, config.model.imprint_hz))
    knots = nl.gu_knots
    low = nl.gu_values[1] / knots[1]
    outputs, metrics = {}, {}
    for slope in config.studies.attractor_slopes:
        values = (0.0, low * knots[1], low * knots[1] + slope * (knots[2] - knots[1]))
        g_u = PiecewiseLinear(knots=knots[:3], values=values)
        g_v = PiecewiseLinear(knots=nl.gv_knots, values=nl.gv_values)
        net = nonlinear_network(parts2["linear"], g_u, g_v, nl.u_star)
        t_stop = config.sim.settle + config.sim.window
        ds = simulate(
            net,
            None,
            drive,
            t_stop=t_stop,
            dt=config.sim.dt_nonlinear,
            record=Record(start=config.sim.settle),
            backend=config.backend,
        )
        u_star = net.fixed_point()[0]
        omega = 2 * math.pi * drive.frequency
        u_plus, lock = drive_components(
            ds.time.values, ds.u.values - u_star, omega, config.sim.settle
        )
        out = output_angle(u_plus, xi[0], xi[1])
        gap = out - deg
        # Stable fixed points of the input -> output map: out - in changes from + to -.
        crossings = [
            float(deg[k] + gap[k] * 5.0 / (gap[k] - gap[k + 1]))
            for k in range(deg.size - 1)
            if gap[k] > 0 >= gap[k + 1]
        ]
        label = f"high-gain slope {slope:g}"
        outputs[label] = out
        metrics[label] = {
            "output_deg": out.tolist(),
            "attractors_deg": crossings,
            "min_lock_fraction": float(lock.min()),
            "plateau_30_60_within_5deg_of_45": bool(
                np.all(np.abs(out[(deg >= 30) & (deg <= 60)] - 45) < 5)
            ),
        }
    ds = xr.Dataset(
        {
            "output_deg": (
                ("g_u", "input_deg"),
                np.array(list(outputs.values())),
                {"units": "degree"},
            )
        },
        coords={"g_u": list(outputs), "input_deg": ("input_deg", deg, {"units": "degree"})},
    )
    return ds, plots.angle_maps(deg, outputs), metrics


def _capacity(
    config: Scarpetta2001Config, progress: Progress
) -> tuple[xr.Dataset, Any, dict[str, Any]]:
    """Largest P at which every stored random pattern is recalled (linear theory)."""
    model, st = config.model, config.studies
    J0 = derived(model)["J0"]
    curves, metrics, rows = {}, {}, []
    for n in progress.track(st.capacity_n, "capacity sweep", total=len(st.capacity_n)):
        local = local_circuit(model.model_copy(update={"n_units": n}))
        grid = np.unique(np.round(np.geomspace(1, max(2, n // 2), 12)).astype(int))
        for mode, spread in (("one frequency", False), ("8 frequencies", True)):
            worst = []
            for p in grid:
                rng = np.random.default_rng([model.pattern_seed, n, int(p)])
                xi = np.exp(2j * math.pi * rng.random((p, n))) / math.sqrt(n)
                freqs = (
                    np.linspace(30.0, 60.0, 8)[np.arange(p) % 8]
                    if spread
                    else np.full(p, model.imprint_hz)
                )
                wins = [kernel_for_resonance(f, local, J0, model.residual_damping) for f in freqs]
                stable, quality = recall_quality(
                    local.alpha, float(local.beta), float(local.gamma), xi, freqs, J0, wins
                )
                worst.append(float(quality.min()) if stable else 0.0)
                rows.append((n, mode, int(p), worst[-1], stable))
            ok = np.cumprod(np.array(worst) >= st.capacity_threshold).astype(bool)
            capacity = int(grid[ok].max()) if ok.any() else 0
            label = f"N={n}, {mode}"
            curves[label] = (grid, np.array(worst))
            metrics[label] = {"capacity_P": capacity, "P": grid.tolist(), "worst_overlap": worst}
    ds = xr.Dataset(
        {
            "worst_overlap": ("point", np.array([r[3] for r in rows]), {"units": "1"}),
            "stable": ("point", np.array([r[4] for r in rows])),
            "n_units": ("point", np.array([r[0] for r in rows])),
            "patterns": ("point", np.array([r[2] for r in rows])),
            "mode": ("point", np.array([r[1] for r in rows])),
        },
    )
    return ds, plots.capacity(curves, st.capacity_threshold), metrics


EXPERIMENTS = {
    "scarpetta2001": Experiment(
        name="scarpetta2001",
        summary="oscillatory associative memory: STDP kernel learning, resonance, Figs 2A-C and 3",
        config=Scarpetta2001Config,
        run=run,
        paper="Scarpetta, Li & Hertz 2001 (NIPS 13)",
    )
}
