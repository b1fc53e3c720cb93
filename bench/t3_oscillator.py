"""T3 of ../shared/peers: the E-I rate network at N = 10, 100, 1000 (10,000 forward-Euler steps).

u' = -a u - b tanh(v) + J tanh(u) + I0 + A xi cos(2 pi 41 Hz t),  v' = -a v + c tanh(u) + W tanh(u),
with the peers' exact parameters (common.t3_params), run by hebbkit's oscillator engine (numba)
and by the peers' numpy loop (t3_ei_numpy.run) in the same process. As in the peers' method,
only the simulation call is timed (the network and drive are built before it). One line per N:
median (min-max) seconds per 10,000 steps after JIT, the ratio to the numpy loop, and the
agreement max |u - u_numpy|. Usage: python bench/t3_oscillator.py [N ...]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared" / "peers"))

import common as c  # noqa: E402
import t3_ei_numpy  # noqa: E402

from backends import t3_case  # noqa: E402


def timed(fn, repeats: int) -> tuple[list[float], object, float]:
    """Wall times of each repeat, the last result, and the median CPU time of this process
    (less sensitive than wall time to other jobs on a shared machine)."""
    times, cpu, out = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return times, out, statistics.median(cpu)


def main(ns: list[int]) -> None:
    steps = c.t3_nsteps()
    t3_case(10, 1, 10, "float64", "numba")()  # JIT (or load from cache) outside the timings
    for n in ns:
        ours, u, cpu = timed(t3_case(n, 1, steps, "float64", "numba"), 5 if n < 1000 else 3)
        u = u[:, 0, :]
        ref_t, ref, ref_cpu = timed(lambda n=n: t3_ei_numpy.run(n), 3 if n < 1000 else 1)
        err = float(np.max(np.abs(np.asarray(u) - np.asarray(ref)[1:])))
        med, ref_med = statistics.median(ours), statistics.median(ref_t)
        print(
            f"T3 N={n:5d}: hebbkit numba {med * 1e3:9.2f} ms"
            f" ({min(ours) * 1e3:.2f}-{max(ours) * 1e3:.2f})"
            f" per {steps} steps (cpu {cpu * 1e3:.2f} ms); numpy loop {ref_med * 1e3:9.1f} ms"
            f" (cpu {ref_cpu * 1e3:.1f} ms); ratio {ref_med / med:6.1f}x;"
            f" max|u - u_numpy| = {err:.2e}"
        )


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [10, 100, 1000])
