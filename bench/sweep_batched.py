"""Issue 7's sweep benchmark: the 256-point oscillator tuning sweep
(examples/oscillator_tuning_sweep.toml: 4 pattern counts x 4 windows a1 x 16 drive frequencies)
run by the default ``batched`` executor (points go through the engine's batch axis, up to
``sweep.BATCH_MAX`` at a time) against the same points run one by one in a Python loop
(``serial``), both through ``run_sweep`` into a fresh Zarr store, in one process, after a
warm-up that compiles every kernel. The two runs alternate, so that a change in the machine's
load hits both; the ratio is that of the median times, and also of the fastest ones. Every stored
metric must be identical. It also times the computation alone
(``run_points`` on every point against ``run_point`` on each), without the costs that both
executors pay once: validating the points and writing the store. ``--units N`` runs the sweep
at N units with one stored pattern (64 points), where the computation dominates.

    python bench/sweep_batched.py [--repeats 11] [--units 200]
"""

import os

# BLAS on one thread, for both executors, set before numpy loads it: every matrix here is
# 20 x 20, where a BLAS pool only adds hand-offs, and on a loaded machine its threads slowed
# expm 100-fold (0.5 s for 64 matrices), which inflated the one-by-one loop most. The batched
# executor's parallelism is numba's threads over batch members, which this leaves alone.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from hebbkit.sweep import from_toml, points, run_point, run_points, run_sweep  # noqa: E402

SPEC = Path(__file__).resolve().parents[1] / "examples" / "oscillator_tuning_sweep.toml"


def timed(executor: str, sweep) -> tuple[float, float, xr.Dataset]:
    """Wall and CPU seconds of one run (CPU time is what a loaded machine inflates least)."""
    tmp = Path(tempfile.mkdtemp())
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        ds = run_sweep(sweep, tmp / "sweep.zarr", executor=executor)
        return time.perf_counter() - wall, time.process_time() - cpu, ds
    finally:
        shutil.rmtree(tmp)


def computation(sweep, batched: bool) -> float:
    """CPU seconds of computing every point's metrics, batched or one by one, without a store."""
    models = [p.model for p in points(sweep)]
    cpu = time.process_time()
    if batched:
        run_points(sweep.experiment, models)
    else:
        for model in models:
            run_point(sweep.experiment, model)
    return time.process_time() - cpu


def max_relative_difference(a: xr.Dataset, b: xr.Dataset) -> float:
    """The largest |a - b| / max |b| over every metric stored by the sweep."""
    worst = 0.0
    for name in b.data_vars:
        x, y = a[name].values.astype(np.float64), b[name].values.astype(np.float64)
        scale = max(float(np.nanmax(np.abs(y))), np.finfo(float).tiny)
        worst = max(worst, float(np.nanmax(np.abs(x - y))) / scale)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--units", type=int, default=None)
    args = parser.parse_args()
    sweep, _ = from_toml(SPEC)
    if args.units:
        base = {**sweep.base, "model": {"n_units": args.units}}
        sweep = dataclasses.replace(sweep, base=base, grid={**sweep.grid, "n_patterns": [1]})
    points = int(np.prod(sweep.shape))
    timed("batched", sweep)  # warm-up: JIT of every kernel
    timed("serial", sweep)
    runs: dict[str, tuple[list[float], list[float]]] = {"batched": ([], []), "serial": ([], [])}
    results = {}
    for _ in range(args.repeats):
        for executor, (walls, cpus) in runs.items():
            wall, cpu, results[executor] = timed(executor, sweep)
            walls.append(wall)
            cpus.append(cpu)
    alone: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.repeats):
        for batched in alone:
            alone[batched].append(computation(sweep, batched))
    diff = max_relative_difference(results["batched"], results["serial"])
    (batched, batched_cpu), (serial, serial_cpu) = runs["batched"], runs["serial"]
    tb, ts = statistics.median(batched), statistics.median(serial)
    cb, cs = statistics.median(batched_cpu), statistics.median(serial_cpu)
    print(
        f"{points} points of {sweep.experiment}, median of {args.repeats} (store writes included)"
    )
    print(
        f"  batched executor : {tb:7.3f} s wall "
        f"({min(batched):.3f}-{max(batched):.3f}), {cb:.3f} s CPU"
    )
    print(
        f"  one-by-one loop  : {ts:7.3f} s wall "
        f"({min(serial):.3f}-{max(serial):.3f}), {cs:.3f} s CPU"
    )
    print(f"  ratio            : {ts / tb:7.1f}x wall, {cs / cb:.1f}x CPU   (target >= 10x)")
    # Interference from the rest of the machine only adds time, and it hits the 0.1 s batched
    # runs all or nothing but the 1 s loops in part: the fastest runs compare the two without it.
    print(f"  fastest runs     : {min(serial) / min(batched):7.1f}x wall")
    ca, cl = statistics.median(alone[True]), statistics.median(alone[False])
    print(
        f"  computation alone: {ca:.3f} s CPU batched, {cl:.3f} s one by one: {cl / ca:.1f}x "
        f"(no validation, no store)"
    )
    print(f"  max relative difference of the stored metrics: {diff:.1e}")


if __name__ == "__main__":
    main()
