"""Issue 7's sweep benchmark: the 256-point oscillator tuning sweep
(examples/oscillator_tuning_sweep.toml: 4 pattern counts x 4 windows a1 x 16 drive frequencies)
run by the default ``batched`` executor (points that share a network are one batched
simulation) against the same points run one by one in a Python loop (``serial``), in one
process, after a warm-up that compiles every kernel. Both results must be identical.

    python bench/sweep_batched.py [--repeats 3]
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from hebbkit.sweep import from_toml, run_sweep

SPEC = Path(__file__).resolve().parents[1] / "examples" / "oscillator_tuning_sweep.toml"


def timed(executor: str, sweep, repeats: int) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds of each repeat (CPU time is what a loaded machine cannot inflate)."""
    walls, cpus, ds = [], [], None
    for _ in range(repeats):
        tmp = Path(tempfile.mkdtemp())
        wall, cpu = time.perf_counter(), time.process_time()
        ds = run_sweep(sweep, tmp / "sweep.zarr", executor=executor)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        shutil.rmtree(tmp)
    return walls, cpus, ds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sweep, _ = from_toml(SPEC)
    points = int(np.prod(sweep.shape))
    timed("batched", sweep, 1)  # warm-up: JIT of every kernel
    batched, batched_cpu, a = timed("batched", sweep, args.repeats)
    serial, serial_cpu, b = timed("serial", sweep, args.repeats)
    diff = float(abs(a["amplitude"] - b["amplitude"]).max() / abs(b["amplitude"]).max())
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
    print(f"  max relative difference of the amplitudes: {diff:.1e}")


if __name__ == "__main__":
    main()
