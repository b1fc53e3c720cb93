"""Engine kind "spiking": input spike trains -> a layer of LIF neurons with pair or triplet STDP.

Neurons are clock-driven at dt (``neurons.spiking.LIF``). Plasticity is event-driven: a
synapse is touched only when its input or its neuron spikes, and its traces are decayed lazily
by table look-up (see ``engine._numpy.spiking.run_network``), so the cost is proportional to
the number of spikes times the fan-out, not to steps times synapses. Input spikes are drawn by
numpy in fixed blocks of steps (``neurons.spiking.POISSON_BLOCK``), so a run split into chunks
is identical to one piece.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DivergenceError, ParameterError
from ..networks.spiking import SpikingFeedForward
from ..neurons.spiking import PoissonInput, SpikeTrains
from ..rules import spike as sp
from ..rules.spike import PairSTDP, TripletSTDP
from .record import Record, transient_as_piece

AVAILABLE = ("v", "g", "w", "spike_count")
DEFAULT = ("v", "spike_count")
_UNITS = {"v": "V", "g": "1", "w": "1", "spike_count": "1"}
_TRACES = ("r1", "r2", "o1", "o2")
#: the scaled traces are rebased every J steps, J = min(2**16, 200 tau_min / dt)
_MAX_EXPONENT = 200.0


@transient_as_piece
def run(
    network: Any,
    rule: Any,
    drive: Any,
    *,
    n_steps: int,
    dt: float,
    record: Record,
    backend: str,
    seed: int,
    initial: xr.Dataset | None,
    dtype: str,
) -> xr.Dataset:
    """Run ``network`` for ``n_steps`` steps; see :func:`hebbkit.engine.simulate`."""
    if not isinstance(network, SpikingFeedForward):
        raise ParameterError(
            "simulate.network", "must be a SpikingFeedForward", type(network).__name__
        )
    if rule is not None and not isinstance(rule, PairSTDP | TripletSTDP):
        raise ParameterError(
            "simulate.rule",
            "must be PairSTDP, TripletSTDP or None for the spiking kind",
            type(rule).__name__,
        )
    if not isinstance(drive, PoissonInput | SpikeTrains):
        raise ParameterError(
            "simulate.drive", "must be PoissonInput or SpikeTrains", type(drive).__name__
        )
    if backend == "jax":
        raise ParameterError("simulate.backend", "jax is not available for spiking yet", "jax")
    if dtype != "float64":
        raise ParameterError("simulate.dtype", "spiking runs in float64 only", dtype)
    p = _rule_params(rule)
    neuron = network.neuron
    taus = {"LIF.tau_m": neuron.tau_m, "LIF.tau_syn": neuron.tau_syn}
    if rule is not None:
        taus.update(
            {
                f"{type(rule).__name__}.{n}": p[i]
                for n, i in (("tau_plus", sp.TAU_R1), ("tau_minus", sp.TAU_O1))
            }
        )
        if isinstance(rule, TripletSTDP):
            taus.update({"TripletSTDP.tau_x": rule.tau_x, "TripletSTDP.tau_y": rule.tau_y})
    name, shortest = min(taus.items(), key=lambda kv: kv[1])
    if dt > shortest / 10:
        raise ParameterError(
            "simulate.dt",
            f"must be <= {shortest / 10!r} s, a tenth of the shortest time constant ({name})",
            dt,
        )
    tau4 = p[sp.TAU_R1 : sp.TAU_O2 + 1]
    J = int(min(2**16, max(1, math.floor(_MAX_EXPONENT * tau4.min() / dt))))
    steps = np.arange(J + 1, dtype=np.float64)
    tabs = np.exp(steps[None, :] * dt / tau4[:, None])
    itabs = np.exp(-steps[None, :] * dt / tau4[:, None])

    n_post, n_pre = network.n_post, network.n_pre
    if initial is None:
        t0, k0 = 0.0, 0
        w = network.initial_weights(seed)
        if rule is not None:
            w = np.clip(w, p[sp.W_MIN], p[sp.W_MAX])
        v = np.full(n_post, neuron.E_L)
        g = np.zeros(n_post)
        ref = np.zeros(n_post)
        X = np.zeros((4, n_post, n_pre))
        count = np.zeros(n_post)
    else:
        t0 = float(initial.attrs["t_end"])
        k0 = round(t0 / dt)
        w = initial["w_final"].values.copy()
        v = initial["v_final"].values.copy()
        g = initial["g_final"].values.copy()
        ref = initial["refractory_final"].values.copy()
        X = initial["traces_scaled_final"].values.copy()
        count = initial["spike_count_final"].values.copy()
    kref = ((k0 - 1) // J) * J if k0 > 0 else 0

    run_network = importlib.import_module(f"._{backend}.spiking", __package__).run_network
    independent = network.inputs == "independent"
    n_sources = n_pre * n_post if independent else n_pre
    counts, ids = drive.spikes(n_sources, k0, n_steps, dt, seed)
    ptr = np.zeros(n_steps + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    ids = np.ascontiguousarray(ids, dtype=np.int64)

    stride = record.stride(dt)
    names = record.chosen(AVAILABLE, DEFAULT)
    n_rec = n_steps // stride
    shapes = {"v": (n_post,), "g": (n_post,), "w": (n_post, n_pre), "spike_count": (n_post,)}
    rec = {n: np.zeros((n_rec if n in names else 0, *s)) for n, s in shapes.items()}
    fail, kref = run_network(
        n_steps,
        k0,
        neuron.param_array(dt),
        p,
        w,
        v,
        g,
        ref,
        X,
        kref,
        tabs,
        itabs,
        ptr,
        ids,
        int(independent),
        stride,
        rec["v"],
        rec["g"],
        rec["w"],
        rec["spike_count"],
        count,
    )
    if fail >= 0:
        bad = v if not np.all(np.isfinite(v)) else g
        raise DivergenceError(
            "v" if bad is v else "g",
            t0 + (fail + 1) * dt,
            k0 + fail,
            float(bad[~np.isfinite(bad)][0]),
        )
    time = t0 + (np.arange(n_rec) + 1) * stride * dt
    dims = {
        "v": ("time", "post"),
        "g": ("time", "post"),
        "w": ("time", "post", "pre"),
        "spike_count": ("time", "post"),
    }
    data = {n: xr.Variable(dims[n], rec[n], {"units": _UNITS[n]}) for n in names}
    m = k0 + n_steps - kref
    final = {
        "w_final": (("post", "pre"), w, {"units": "1"}),
        "v_final": (("post",), v, {"units": "V"}),
        "g_final": (("post",), g, {"units": "1"}),
        "refractory_final": (("post",), ref, {"units": "steps"}),
        "spike_count_final": (("post",), count, {"units": "1"}),
        "traces_scaled_final": (("trace", "post", "pre"), X, {"units": "1"}),
        "traces_final": (("trace", "post", "pre"), X * itabs[:, m][:, None, None], {"units": "1"}),
    }
    ds = xr.Dataset(
        {**data, **final}, coords={"time": ("time", time, {"units": "s"}), "trace": list(_TRACES)}
    )
    ds.attrs["t_end"] = t0 + n_steps * dt
    return ds


def _rule_params(rule: PairSTDP | TripletSTDP | None) -> np.ndarray:
    if rule is not None:
        return rule.kernel_params()
    p = np.zeros(sp.N_TRACE_PARAMS)
    p[sp.TAU_R1 : sp.TAU_O2 + 1] = 1.0
    p[sp.W_MIN], p[sp.W_MAX] = -np.inf, np.inf
    p[sp.KEEP_R_PRE :] = 1.0
    return p
