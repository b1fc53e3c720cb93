"""T1 (Oja, 256 -> 64, 100,000 samples) and T2 (BCM, sliding threshold) against the peers.

Data, parameters and checks come from ../shared/peers/common.py; the baseline is the peers'
in-place-BLAS numpy script (``t1_oja_numpy_vec.run``, ``t2_bcm_numpy.run_vec``), timed in the
same process. Prints hebbkit's times (float64 on 1 and 2 threads, float32 on 1 thread), the
ratio baseline/hebbkit, the first-call JIT time (cold disk cache) and the warm-cache load time.

    OPENBLAS_NUM_THREADS=1 python bench/t1_t2_rate.py [--repeats 3] [--samples 100000]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
PEERS = Path(__file__).resolve().parents[2] / "shared" / "peers"
sys.path.insert(0, str(PEERS))

import common  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
import t1_oja_numpy_vec  # noqa: E402
import t2_bcm_numpy  # noqa: E402

from backends import rate_run  # noqa: E402


def hebbkit_run(task: str, x: np.ndarray, w0: np.ndarray, dtype: str) -> np.ndarray:
    """One hebbkit numba run of the task (``backends.rate_run``)."""
    return rate_run(task, x, w0, dtype, "numba")


def timed(fn, repeats: int) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def jit_times() -> list[tuple[float, float, float]]:
    """(numba start-up, first hebbkit call, its CPU time) in fresh processes: cold disk
    cache, then warm. The CPU time is the better measure while other jobs share the cores.

    numba's start-up (its first compilation of anything, here a one-line function) is paid
    once per process by any numba code; the first hebbkit call after it is the kernel's own
    JIT (cold) or its load from the disk cache (warm).
    """
    code = (
        "import time, numba, numpy as np, xarray\n"
        "xarray.Dataset({'a': ('t', np.zeros(2))}).copy()  # xarray's lazy imports\n"
        "from hebbkit.drives import DataDrive\n"
        "from hebbkit.engine import simulate\n"
        "from hebbkit.networks.feedforward import FeedForward\n"
        "from hebbkit.rules.rate import Oja\n"
        "t = time.perf_counter()\n"
        "numba.njit(lambda v: v + 1.0)(1.0)\n"
        "start = time.perf_counter() - t\n"
        "net = FeedForward(4, 2)\n"
        "t, c = time.perf_counter(), time.process_time()\n"
        "simulate(net, Oja(gamma=1e-3), DataDrive(np.ones((10, 4))), t_stop=10.0, dt=1.0)\n"
        "print(start, time.perf_counter() - t, time.process_time() - c)\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = []
        for _ in range(2):
            out = subprocess.run(
                [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
            ).stdout.split()
            runs.append((float(out[0]), float(out[1]), float(out[2])))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=common.N_SAMPLES)
    args = parser.parse_args()
    (start_cold, cold, cpu_cold), (start_warm, warm, cpu_warm) = jit_times()
    print(
        f"first Oja call in a fresh process: cold disk cache {cold:.2f} s wall, {cpu_cold:.2f} s "
        f"CPU (JIT); warm cache {warm:.3f} s wall, {cpu_warm:.3f} s CPU (load); numba's own "
        f"start-up before it: {start_cold:.2f} / {start_warm:.2f} s"
    )
    x1, w1 = common.oja_data(n=args.samples)
    x2, w2, _ = common.bcm_data(n=args.samples)
    tasks = {
        "T1": (x1, w1, lambda: t1_oja_numpy_vec.run(x1, w1), common.oja_check),
        "T2": (x2, w2, lambda: t2_bcm_numpy.run_vec(x2, w2)[0], common.bcm_check),
    }
    for task, (x, w0, baseline, check) in tasks.items():
        base, w_base = timed(baseline, args.repeats)
        print(f"{task} numpy in-place BLAS baseline: {summary(base)}; check {check(w_base)}")
        x32 = x.astype(np.float32)
        for label, threads, dtype, data in (
            ("float64, 1 thread", 1, "float64", x),
            ("float64, 2 threads", 2, "float64", x),
            ("float32, 1 thread", 1, "float32", x32),
        ):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            hebbkit_run(task, data[:100], w0, dtype)  # load the kernel outside the timing
            ts, w = timed(functools.partial(hebbkit_run, task, data, w0, dtype), args.repeats)
            ratio = statistics.median(base) / statistics.median(ts)
            diff = float(np.abs(np.asarray(w, dtype=np.float64) - w_base).max())
            print(
                f"{task} hebbkit numba {label}: {summary(ts)}; ratio vs baseline {ratio:.1f}x; "
                f"max|W - W_baseline| {diff:.2e}; check {check(np.asarray(w, np.float64))}"
            )


if __name__ == "__main__":
    main()
