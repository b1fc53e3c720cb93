"""Parameter sweeps over any experiment, stored in one Zarr store that a rerun resumes.

A sweep is a base experiment configuration, a grid over dotted parameter paths (and/or random
samples), expanded into points that are each validated before anything runs. Each point's
metrics (the numbers of its ``metrics.json``) become variables of one ``xarray.Dataset`` whose
dimensions are the sweep axes. The store is written by the main process as points finish; a
point's key is a content hash of its configuration, so a rerun after an interruption skips the
points already there and every point is stored exactly once.

Executors: ``batched`` (the default: points go through the experiment's ``run_batch``, one
batched compiled simulation per group of points; experiments without one run in a local pool),
``processes`` (a local pool), ``serial`` (one process, in order) and ``dask`` (a
``distributed.Client`` or a scheduler address; tasks are keyed by the point hash, so a lost
worker's points are recomputed by Dask and never run twice into the store).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pydantic
import xarray as xr

from . import config as cfg
from ._gc import rare_collections
from ._progress import Progress
from .errors import ConfigError, ParameterError
from .store import writable_result_path

EXECUTORS = ("batched", "processes", "serial", "dask")
RUN_KEYS = ("executor", "workers")  # a sweep file's [run] options
# Points per batched call, the unit of resumption of the batched executor: the first call
# takes BATCH_FIRST points; each later one as many as the last rate fits in flush_seconds, at
# most BATCH_MAX (few calls for a fast sweep, little work lost when a slow one is killed).
BATCH_FIRST = 16
BATCH_MAX = 256


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A sweep: ``experiment`` run at every combination of ``grid`` values over ``base``.

    Parameters
    ----------
    experiment : str
        A registered experiment name (``hebbkit list``).
    base : dict
        The experiment configuration every point starts from (as in a ``--config`` file).
    grid : dict of str to sequence
        Dotted parameter path (``rule.eta``, ``seed``) to the values it takes; the points are
        the Cartesian product, and each path becomes a dimension of the result.
    samples : int
        If > 0, draw this many random points instead of a grid: each path in ``ranges``
        is drawn uniformly (log-uniformly where ``log`` is true) with ``sample_seed``.
    ranges : dict of str to (low, high, log)
    sample_seed : int
    """

    experiment: str
    base: dict[str, Any] = dataclasses.field(default_factory=dict)
    grid: dict[str, Sequence[Any]] = dataclasses.field(default_factory=dict)
    samples: int = 0
    ranges: dict[str, tuple[float, float, bool]] = dataclasses.field(default_factory=dict)
    sample_seed: int = 0

    def __post_init__(self) -> None:
        for name, value in (("n", self.samples), ("seed", self.sample_seed)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"sweep.random.{name}", "must be an integer >= 0", value)
        if self.grid and self.samples:
            raise ConfigError("sweep", "must have a grid or random samples, not both")
        if not self.grid and self.samples == 0:
            raise ConfigError("sweep.grid", "must name at least one parameter path with values")
        for path, values in self.grid.items():
            if not isinstance(values, list | tuple) or len(values) == 0:
                raise ConfigError(
                    f"sweep.grid.{path}", "must be a non-empty list of values", values
                )
        if self.samples > 0 and not self.ranges:
            raise ConfigError("sweep.random", "must give a [low, high] range for each path")
        for path, (low, high, log) in self.ranges.items():
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ConfigError(
                    f"sweep.random.{path}", "must have finite low < high", (low, high)
                )
            if log and low <= 0:
                raise ConfigError(f"sweep.random.{path}", "must have low > 0 when log", low)

    @property
    def dims(self) -> tuple[str, ...]:
        """The result's dimensions: one per grid path, or ``sample``."""
        return ("sample",) if self.samples > 0 else tuple(self.grid)

    @property
    def shape(self) -> tuple[int, ...]:
        """The result's shape: the number of values of each grid path, or (samples,)."""
        if self.samples > 0:
            return (self.samples,)
        return tuple(len(v) for v in self.grid.values())

    def overrides(self) -> list[dict[str, Any]]:
        """The dotted-path overrides of each point, in C order of the result's cells."""
        if self.samples > 0:
            rng = np.random.default_rng(self.sample_seed)
            points = []
            for _ in range(self.samples):
                point = {}
                for path, (low, high, log) in self.ranges.items():
                    if log:
                        point[path] = float(math.exp(rng.uniform(math.log(low), math.log(high))))
                    else:
                        point[path] = float(rng.uniform(low, high))
                points.append(point)
            return points
        keys = list(self.grid)
        return [
            dict(zip(keys, values, strict=True))
            for values in itertools.product(*self.grid.values())
        ]


@dataclasses.dataclass(frozen=True)
class Point:
    """One validated point: its cell index in the result, its overrides, its validated
    configuration and its key."""

    index: tuple[int, ...]
    overrides: dict[str, Any]
    model: Any = dataclasses.field(compare=False, repr=False)
    key: str

    @property
    def config(self) -> dict[str, Any]:
        """The configuration as plain data (what a worker process receives)."""
        return self.model.model_dump(mode="json")  # type: ignore[no-any-return]


def points(sweep: Sweep) -> list[Point]:
    """Expand and validate every point; a bad value fails here, naming its dotted path."""
    from .experiments import get_experiment

    exp = get_experiment(sweep.experiment)
    out = []
    cells = itertools.product(*(range(n) for n in sweep.shape))  # C order, as overrides()
    for index, overrides in zip(cells, sweep.overrides(), strict=True):
        data = cfg.with_overrides(sweep.base, overrides)
        label = ", ".join(f"{k}={v!r}" for k, v in overrides.items())
        model = cfg.build(exp.config, data, f"sweep point ({label})")
        key = point_key(sweep.experiment, model)
        out.append(Point(index=index, overrides=overrides, model=model, key=key))
    return out


def point_key(experiment: str, model: pydantic.BaseModel) -> str:
    """A content hash of the experiment name and the point's whole validated configuration:
    every field, defaults included, so two spellings of one configuration share a key."""
    text = f"{experiment}\n{model.model_dump_json()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def run_point(experiment: str, config: Any) -> dict[str, Any]:
    """Run one point (its config as a dict, or as the validated model) and return its metrics
    flattened to dotted names (numbers and lists)."""
    from .experiments import get_experiment

    exp = get_experiment(experiment)
    model = _model(exp, config)
    # the batched form gives the same metrics without the data a saved result would hold
    result = (
        exp.run(model, Progress())
        if exp.run_batch is None
        else exp.run_batch([model], Progress())[0]
    )
    return dict(_flat(result.metrics))


def run_points(experiment: str, configs: Sequence[Any]) -> list[dict[str, Any]]:
    """Run several points as one batched simulation (``Experiment.run_batch``)."""
    from .experiments import get_experiment

    exp = get_experiment(experiment)
    assert exp.run_batch is not None
    models = [_model(exp, c) for c in configs]
    return [dict(_flat(r.metrics)) for r in exp.run_batch(models, Progress())]


def _model(exp: Any, config: Any) -> Any:
    return config if isinstance(config, exp.config) else exp.config.model_validate(config)


@rare_collections()  # it builds and keeps a config per point: see hebbkit._gc
def run_sweep(
    sweep: Sweep,
    store: str | os.PathLike[str],
    *,
    executor: str = "batched",
    workers: int | None = None,
    client: Any = None,
    progress: Progress | None = None,
    flush_seconds: float = 2.0,
) -> xr.Dataset:
    """Run every point of ``sweep`` not already in ``store`` (a ``.zarr`` path) and return the
    whole result. ``executor`` is ``batched``, ``processes`` (``workers`` processes, default
    all cores), ``serial`` or ``dask`` (``client`` is a ``distributed.Client``). Finished
    points are written at least every ``flush_seconds`` (s): an interruption loses at most
    that much work."""
    if executor not in EXECUTORS:
        raise ParameterError("sweep.executor", "must be one of " + ", ".join(EXECUTORS), executor)
    if executor == "dask" and client is None:
        raise ParameterError("sweep.client", "must be a distributed.Client for executor='dask'")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ParameterError("sweep.workers", "must be an integer >= 1", workers)
    if not (isinstance(flush_seconds, int | float) and 0 <= flush_seconds < math.inf):
        raise ParameterError("sweep.flush_seconds", "must be a finite number >= 0 s", flush_seconds)
    if Path(store).suffix != ".zarr":
        raise ParameterError("sweep.store", "must be a path ending in .zarr", str(store))
    store = writable_result_path(store, "zarr.json", "sweep.store")
    todo = points(sweep)
    current = _stored(store, sweep, todo)
    done = set() if current is None else _done_keys(current, todo)
    pending = [p for p in todo if p.key not in done]
    progress = Progress() if progress is None else progress
    results = _results(sweep.experiment, pending, executor, workers, client, flush_seconds)
    # Finished points are written together, on time only: a fast sweep writes its store once,
    # and an interruption loses at most flush_seconds of work.
    finished: list[tuple[Point, dict[str, Any]]] = []
    last = time.monotonic()
    for item in progress.track(results, f"sweep {sweep.experiment}", total=len(pending)):
        finished.append(item)
        if time.monotonic() - last >= flush_seconds:
            current = _write_points(store, sweep, todo, current, finished)
            finished, last = [], time.monotonic()
    if finished:
        current = _write_points(store, sweep, todo, current, finished)
    assert current is not None  # a sweep has points, so the store exists by now
    # current holds what load(store) would read back: no need to read it
    current.attrs["points_run"] = len(pending)
    return current


def load(store: str | os.PathLike[str]) -> xr.Dataset:
    """The sweep result in ``store``, fully read into memory."""
    with xr.open_zarr(store, consolidated=False) as ds:
        return ds.load()


def from_toml(path: str | os.PathLike[str]) -> tuple[Sweep, dict[str, Any]]:
    """A sweep from a TOML file, and the file's ``[run]`` options (executor, workers, ...)."""
    data = cfg.load_toml(path)
    known = {"experiment", "base", "grid", "random", "run"}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{path}: {key}", "is not a sweep key; use " + ", ".join(sorted(known))
            )
    if "experiment" not in data:
        raise ConfigError(f"{path}: experiment", "is required")
    for key in ("base", "grid", "random", "run"):
        if not isinstance(data.get(key, {}), dict):
            raise ConfigError(f"{path}: {key}", "must be a table, [" + key + "]", data[key])
    for key in data.get("run", {}):
        if key not in RUN_KEYS:
            raise ConfigError(
                f"{path}: run.{key}", "is not a run option; use " + ", ".join(RUN_KEYS)
            )
    random = dict(cfg.flat(data.get("random", {}), is_leaf=lambda v: "low" in v or "high" in v))
    samples, sample_seed = random.pop("n", 0), random.pop("seed", 0)  # checked by Sweep
    ranges = {}
    for name, spec in random.items():
        try:
            ranges[name] = (float(spec["low"]), float(spec["high"]), bool(spec.get("log", False)))
        except (TypeError, KeyError, ValueError, AttributeError):
            raise ConfigError(
                f"{path}: random.{name}",
                "must be a table {low = ..., high = ..., log = false}",
                spec,
            ) from None
    sweep = Sweep(
        experiment=str(data["experiment"]),
        base=dict(data.get("base", {})),
        grid=dict(cfg.flat(data.get("grid", {}))),
        samples=samples,
        ranges=ranges,
        sample_seed=sample_seed,
    )
    return sweep, dict(data.get("run", {}))


def _results(
    experiment: str,
    pending: list[Point],
    executor: str,
    workers: int | None,
    client: Any,
    flush_seconds: float,
) -> Iterator[tuple[Point, dict[str, Any]]]:
    from .experiments import get_experiment

    if executor == "batched" and get_experiment(experiment).run_batch is not None:
        start, size = 0, BATCH_FIRST
        while start < len(pending):
            group = pending[start : start + size]
            began = time.monotonic()
            metrics = run_points(experiment, [p.model for p in group])
            spent = time.monotonic() - began
            yield from zip(group, metrics, strict=True)
            start += len(group)
            fits = len(group) * flush_seconds / max(spent, 1e-9)
            size = int(min(max(fits, BATCH_FIRST), BATCH_MAX))
    elif executor == "serial" or not pending:
        for point in pending:
            yield point, run_point(experiment, point.model)
    elif executor in ("processes", "batched"):
        # spawn, not fork: a forked child of a process with numba or jax threads can deadlock
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count(), mp_context=spawn) as pool:
            futures = {pool.submit(run_point, experiment, p.config): p for p in pending}
            for future in as_completed(futures):
                yield futures[future], future.result()
    else:
        from distributed import as_completed as dask_completed

        futures = client.map(
            run_point,
            [experiment] * len(pending),
            [p.config for p in pending],
            key=[f"hebbkit-point-{p.key}" for p in pending],
            pure=True,
        )
        by_key = {f.key: p for f, p in zip(futures, pending, strict=True)}
        for future in dask_completed(futures):
            yield by_key[future.key], future.result()


def _stored(store: Path, sweep: Sweep, todo: list[Point]) -> xr.Dataset | None:
    """The result already in ``store`` (None if there is none); it must be this sweep's."""
    if not store.exists():
        return None
    try:
        ds = load(store)
        keys = json.loads(ds.attrs["point_keys"])
    except Exception:  # whatever zarr or json raise for a store that is not a sweep's
        raise ConfigError(
            f"sweep.store: {store}", "must be a new path or a store written by hebbkit sweep"
        ) from None
    if keys != [p.key for p in todo]:
        raise ConfigError(
            f"sweep.store: {store}", "holds the points of another sweep; choose a new path"
        )
    return ds


def _done_keys(ds: xr.Dataset, todo: list[Point]) -> set[str]:
    done = ds["done"].values
    return {p.key for p in todo if done[p.index]}


def _write_points(
    store: Path,
    sweep: Sweep,
    todo: list[Point],
    current: xr.Dataset | None,
    finished: list[tuple[Point, dict[str, Any]]],
) -> xr.Dataset:
    """Put finished points into their cells of ``current`` (the store's content, kept in
    memory) and write it, values first and ``done`` last, so that a point whose write was
    interrupted is simply run again. The first write creates the store with its values in one
    atomic step. Returns the updated ``current``."""
    import zarr

    created = current is None
    if current is None:
        current = _empty(sweep, todo, finished[0][1])
    names = [str(n) for n in current.data_vars if n != "done"]
    for name in [*names, "done"]:
        values = np.array(current[name].values)  # a copy: what load() read may be read-only
        for point, metrics in finished:
            values[point.index] = True if name == "done" else metrics.get(name, np.nan)
        current.variables[name].values = values
    if created:
        from .store import save

        save(current, store)
        return current
    root = zarr.open_group(str(store), mode="r+")
    for name in [*names, "done"]:
        array: Any = root[name]
        array[...] = current[name].values
    return current


def _empty(sweep: Sweep, todo: list[Point], metrics: dict[str, Any]) -> xr.Dataset:
    """The result with no point done: ``done`` false and every metric NaN, laid out (and with
    attributes encoded) exactly as :func:`load` reads it back from the store."""
    shape = sweep.shape
    coords: dict[str, Any] = {}
    if sweep.samples > 0:
        for path in sweep.ranges:
            coords[path] = ("sample", [p.overrides[path] for p in todo])
    else:
        coords = {path: list(values) for path, values in sweep.grid.items()}
    data: dict[str, Any] = {}
    for name, value in metrics.items():
        if name in coords:
            continue  # a metric that repeats a swept parameter is its coordinate
        arr = np.asarray(value, dtype=np.float64)
        extra = tuple(f"{name}_dim{i}" for i in range(arr.ndim))
        data[name] = (sweep.dims + extra, np.full(shape + arr.shape, np.nan))
    data["done"] = (sweep.dims, np.zeros(shape, dtype=bool))
    ds = xr.Dataset(data, coords=coords)
    for variable in ds.variables.values():
        # a few kB an array, rewritten at each flush: zarr would compress each chunk through a
        # hand-off to a thread, 5 of the 80 ms of the example sweep, to save nothing useful
        variable.encoding["compressors"] = None
        # chunk files named c.0.0 beside zarr.json, not c/0/0: one directory per array, not
        # one per dimension, and each directory costs 0.05-0.5 ms to make and to remove
        variable.encoding["chunk_key_encoding"] = {"name": "default", "separator": "."}
    ds.attrs.update(
        {
            "experiment": sweep.experiment,
            "base": json.dumps(sweep.base),
            "dims": json.dumps(list(sweep.dims)),
            # one content hash per cell, in C order: the identity of each stored point
            "point_keys": json.dumps([p.key for p in todo]),
        }
    )
    return ds


def _flat(metrics: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """A result's metrics as (dotted.name, number or list of numbers); the rest is dropped."""
    for name, value in cfg.flat(metrics):
        if type(value) is float:  # most metrics: skip the checks below
            yield name, value
        elif isinstance(value, bool | int | float | np.number):
            yield name, float(value)
        elif isinstance(value, list | tuple | np.ndarray):
            arr = np.asarray(value)
            if arr.dtype.kind in "biuf":
                yield name, arr.astype(np.float64).tolist()
