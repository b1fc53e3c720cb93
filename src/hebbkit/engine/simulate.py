"""``simulate``: the one entry point that runs a network with a rule and a drive.

The network's class names its kind (``FeedForward.kind == "feedforward"``); the kind's module
``hebbkit.engine.<kind>`` holds the numpy specification and the compiled backends and returns
an ``xarray.Dataset``. This module validates what every kind shares, splits long runs into
chunks for the progress bar and checkpoints, and stamps the provenance.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import math
from typing import Any

import numpy as np
import xarray as xr

from .. import _threads
from .._gc import rare_collections
from .._progress import Progress
from ..errors import BackendUnavailable, ParameterError
from .record import Record

BACKENDS = ("numpy", "numba", "jax", "auto")
# backend="auto" (docs/backends.md has the measurements): a single float32 oscillator network
# goes to jax from this many units; everything else to numba (on 2 CPU cores numba wins below
# this size, on batches, and in float64 at every size).
AUTO_JAX_MIN_UNITS = 300
DTYPES = ("float64", "float32")


@rare_collections()  # it loads and compiles kernels: see hebbkit._gc
def simulate(
    network: Any,
    rule: Any = None,
    drive: Any = None,
    *,
    t_stop: float,
    dt: float,
    record: Record | None = None,
    backend: str = "numba",
    seed: int = 0,
    initial: xr.Dataset | None = None,
    dtype: str = "float64",
    chunks: int = 1,
    progress: Progress | None = None,
) -> xr.Dataset:
    """Run ``network`` under ``rule`` and ``drive`` for ``t_stop`` seconds of model time.

    Parameters
    ----------
    network : a network object (``FeedForward``, ``Oscillator``, ...)
    rule : a plasticity rule, a sequence of rules of one class (a batch), or None (no learning)
    drive : the input; its accepted types depend on the network
    t_stop : float
        Model time to simulate, in seconds, > 0.
    dt : float
        Time step in seconds, 0 < dt <= t_stop. Each network also checks it against its
        shortest time constant.
    record : Record
        What to save, how often and from when; by default the network's default variables at
        every step.
    backend : {"numpy", "numba", "jax", "auto"}
        ``numpy`` is the readable specification; ``numba`` compiles the whole time loop;
        ``jax`` scans it with batched matrix products; ``auto`` picks per workload
        (:func:`auto_backend`). ``attrs["backend"]`` records the backend that ran and
        ``attrs["backend_requested"]`` the request.
    seed : int
        Seed of every random draw (drives, initial weights); the same seed gives the same
        result on every backend, because all draws are made by numpy.
    initial : xarray.Dataset, optional
        A result of an earlier ``simulate`` call: the run continues from its final state
        and time.
    dtype : {"float64", "float32"}
    chunks : int
        Split the run into this many pieces, each continuing from the last (checkpoints and
        progress); the result is the same as one piece.
    progress : Progress, optional
        Reports the chunks as they finish.

    Returns
    -------
    xarray.Dataset
        Recorded variables with a ``time`` dimension (s), the final state as ``<var>_final``,
        units in each variable's ``attrs["units"]`` and the provenance in ``attrs``.
    """
    _check_positive("simulate.t_stop", t_stop, "s")
    _check_positive("simulate.dt", dt, "s")
    if dt > t_stop:
        raise ParameterError("simulate.dt", f"must be <= t_stop={t_stop!r} s", dt)
    if backend not in BACKENDS:
        raise ParameterError("simulate.backend", "must be one of " + ", ".join(BACKENDS), backend)
    requested = backend
    if backend == "auto":
        backend = auto_backend(network, drive, dtype)
    if backend == "jax" and importlib.util.find_spec("jax") is None:
        raise BackendUnavailable("jax", "jax")
    _threads.apply_default()
    if dtype not in DTYPES:
        raise ParameterError("simulate.dtype", "must be one of " + ", ".join(DTYPES), dtype)
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise ParameterError("simulate.seed", "must be an integer >= 0", seed)
    if not isinstance(chunks, int) or chunks < 1:
        raise ParameterError("simulate.chunks", "must be an integer >= 1", chunks)
    kind_name = getattr(type(network), "kind", None)
    if kind_name is None:
        raise ParameterError(
            "simulate.network", "must be a hebbkit network", type(network).__name__
        )
    kind = importlib.import_module(f"{__package__}.{kind_name}")
    record = Record() if record is None else record
    n_steps = round(t_stop / dt)
    if abs(n_steps * dt - t_stop) > 1e-9 * t_stop:
        raise ParameterError("simulate.t_stop", f"must be a whole multiple of dt={dt!r} s", t_stop)
    stride = record.stride(dt)
    skipped = record.skipped(dt, n_steps)
    pieces = _chunk_steps(n_steps - skipped, stride, chunks)
    progress = Progress() if progress is None else progress

    state = initial
    parts: list[xr.Dataset] = []
    for steps in progress.track(pieces, f"simulating {kind_name}", total=len(pieces)):
        # the first piece also runs the transient before Record.start, unrecorded
        state = kind.run(
            network,
            rule,
            drive,
            n_steps=steps,
            skip=0 if parts else skipped,
            dt=dt,
            record=record,
            backend=backend,
            seed=seed,
            initial=state,
            dtype=dtype,
        )
        parts.append(state)
    ds = parts[0] if len(parts) == 1 else _joined(parts)
    ds.attrs.update(provenance(backend=backend, seed=seed, dtype=dtype, dt=dt, t_stop=t_stop))
    ds.attrs["backend_requested"] = requested
    ds.attrs.update({"network": repr(network), "rule": repr(rule), "drive": repr(drive)})
    return ds


def auto_backend(network: Any, drive: Any, dtype: str = "float64") -> str:
    """The backend ``backend="auto"`` runs: "jax" (when installed) for a single float32
    oscillator network of at least ``AUTO_JAX_MIN_UNITS`` units, whose steps are large
    mat-vecs that XLA runs as fast as numba or faster; "numba" for everything else (online rate
    rules, event-driven spikes, smaller networks, batches, and float64, where numba's
    fused loops and split mat-vecs win on every size measured)."""
    if getattr(type(network), "kind", None) != "oscillator" or dtype != "float32":
        return "numba"
    if importlib.util.find_spec("jax") is None:
        return "numba"
    # one network under one drive: a batch comes from either (J with a batch axis, several
    # patterns or several frequencies)
    single = getattr(network, "batch", 1) == 1 and drive.size == 1
    return "jax" if single and int(network.n) >= AUTO_JAX_MIN_UNITS else "numba"


def provenance(**fields: Any) -> dict[str, Any]:
    """Attributes saved with every result: hebbkit's version, the time, and ``fields``."""
    from .. import __version__

    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return {"hebbkit_version": __version__, "created": now, **fields}


def _check_positive(name: str, value: Any, unit: str) -> None:
    if not isinstance(value, int | float | np.floating) or not math.isfinite(value) or value <= 0:
        raise ParameterError(name, f"must be a finite number > 0, in {unit}", value)


def _chunk_steps(n_steps: int, stride: int, chunks: int) -> list[int]:
    """Split ``n_steps`` into at most ``chunks`` pieces, each a whole number of records."""
    records = n_steps // stride
    if records * stride != n_steps:
        raise ParameterError(
            "Record.every", f"must divide t_stop into whole records ({n_steps} steps)", stride
        )
    chunks = min(chunks, records)
    sizes = [records // chunks + (1 if i < records % chunks else 0) for i in range(chunks)]
    return [size * stride for size in sizes]


def _joined(parts: list[xr.Dataset]) -> xr.Dataset:
    """Concatenate chunked results along time, keeping the last chunk's final state."""
    series = [p.drop_vars([v for v in p.data_vars if "time" not in p[v].dims]) for p in parts]
    ds = xr.concat(series, dim="time", data_vars="minimal", coords="minimal", join="exact")
    last = parts[-1]
    for name in last.data_vars:
        if "time" not in last[name].dims:
            ds[name] = last[name]
    ds.attrs = dict(last.attrs)
    return ds
