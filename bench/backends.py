"""numpy, numba and jax side by side on T1-T3 of ../shared/peers, plus cold and warm start.

T1 (Oja 256 -> 64, 100,000 samples) and T2 (BCM, same): float64 on 1 and 2 threads and float32,
against the peers' in-place-BLAS numpy scripts run in the same process. T3 (E-I oscillator,
10,000 Euler steps): N = 10, 100, 1000 (float64 and float32) and batches 64 x N = 100 and
64 x N = 1000, against the peers' numpy loop (``t3_ei_numpy.run`` / ``run_batch``). Every line
gives median (min-max) seconds over the repeats after one untimed warm-up call (the JIT), the
ratio baseline / hebbkit and the agreement with the baseline. Runs whose model time is shortened
(``--t3-big`` for the N = 1000 batch, ``--samples``) say so; their ratios compare equal work.

The "auto" sweep times numba and jax on the oscillator at N = 10 ... 1000 and batches 1 ... 64,
in float64 and float32: ``hebbkit.engine.simulate.auto_backend``'s rule comes from it
(docs/backends.md).

Start-up: a fresh process imports hebbkit and makes its first call (the JIT) with empty numba
and jax caches (cold), then a second process with the caches filled (warm).

    python bench/backends.py [--quick] [--repeats 3] [--json results.json] [--only T1,T3,...]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PEERS = Path(__file__).resolve().parents[2] / "shared" / "peers"
sys.path.insert(0, str(PEERS))

import common  # noqa: E402
import numpy as np  # noqa: E402
import t1_oja_numpy_vec  # noqa: E402
import t2_bcm_numpy  # noqa: E402
import t3_ei_numpy  # noqa: E402

from hebbkit import _threads  # noqa: E402
from hebbkit.drives import DataDrive  # noqa: E402
from hebbkit.engine import Record, simulate  # noqa: E402
from hebbkit.engine.oscillator import initial_state  # noqa: E402
from hebbkit.networks.feedforward import FeedForward  # noqa: E402
from hebbkit.networks.oscillator import Oscillator, OscillatoryDrive  # noqa: E402
from hebbkit.neurons.rate import Linear, Tanh  # noqa: E402
from hebbkit.rules.rate import BCM, Oja  # noqa: E402

RESULTS: list[dict[str, Any]] = []


def timed(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> tuple[list[float], Any]:
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(repeats):
        out = None
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return times, out


def fmt(times: list[float]) -> str:
    return f"{statistics.median(times):8.4f} s ({min(times):.4f}-{max(times):.4f})"


def note(
    task: str, system: str, times: list[float], base: list[float] | None, **extra: Any
) -> None:
    ratio = statistics.median(base) / statistics.median(times) if base else None
    rec = {"task": task, "system": system, "times_s": times, "median_s": statistics.median(times)}
    rec.update({"ratio_vs_baseline": ratio, **extra})
    RESULTS.append(rec)
    text = f"{task:<28} {system:<26} {fmt(times)}"
    if ratio is not None:
        text += f"  x{ratio:7.2f} vs baseline"
    text += "".join(
        f"  {k}={v:.3g}" if isinstance(v, float) else f"  {k}={v}" for k, v in extra.items()
    )
    print(text, flush=True)


# ----------------------------------------------------------------------------- T1 / T2
def rate_run(task: str, x: np.ndarray, w0: np.ndarray, dtype: str, backend: str) -> np.ndarray:
    """Final W of one hebbkit run of T1 (Oja) or T2 (BCM); dt = 1 s, so a step is a sample."""
    n = x.shape[0]
    net = FeedForward(n_pre=x.shape[1], n_post=w0.shape[0], transfer=Linear(), weights=w0)
    if task == "T1":
        rule: Any = Oja(gamma=common.ETA_OJA)
    else:
        rule = BCM(eta=common.ETA_BCM, nu0=1.0, tau_theta=common.TAU_THETA)
    ds = simulate(
        net,
        rule,
        DataDrive(x),
        t_stop=float(n),
        dt=1.0,
        backend=backend,
        record=Record(every=float(n), vars=("w",)),
        dtype=dtype,
    )
    return np.asarray(ds["w_final"].values, dtype=np.float64)


def bench_rate(args: argparse.Namespace) -> None:
    x1, w1 = common.oja_data(n=args.samples)
    x2, w2, _ = common.bcm_data(n=args.samples)
    tasks = {
        "T1": (x1, w1, lambda: t1_oja_numpy_vec.run(x1, w1), common.oja_check),
        "T2": (x2, w2, lambda: t2_bcm_numpy.run_vec(x2, w2)[0], common.bcm_check),
    }
    for task, (x, w0, baseline, check) in tasks.items():
        label = f"{task} n={x.shape[0]}"
        _threads.set_threads(1)
        base, w_base = timed(baseline, args.repeats, warmup=0)
        note(label, "peers numpy BLAS, 1 thr", base, None, check=str(check(w_base)))
        x32 = x.astype(np.float32)
        for backend in args.backends:
            cases = [("f64 1 thr", 1, "float64", x), ("f64 2 thr", 2, "float64", x)]
            cases.append(("f32 1 thr", 1, "float32", x32))
            if backend == "numpy":
                cases = cases[:1] + cases[2:]
            for what, threads, dtype, data in cases:
                _threads.set_threads(threads)
                repeats = 1 if backend == "numpy" else args.repeats
                ts, w = timed(functools.partial(rate_run, task, data, w0, dtype, backend), repeats)
                err = float(np.abs(w - w_base).max())
                note(
                    label,
                    f"{backend} {what}",
                    ts,
                    base,
                    max_dW=err,
                    ok=check(w).get("converged", check(w).get("selective_frac")),
                )
    _threads.set_threads(os.cpu_count() or 1)


# ----------------------------------------------------------------------------- T3
def t3_network(n: int) -> Oscillator:
    J, W, _ = common.t3_params(n)
    return Oscillator(
        alpha=common.T3_ALPHA,
        beta=common.T3_BETA,
        gamma=common.T3_GAMMA,
        J=J,
        W=W,
        I0=common.T3_I0,
        g_u=Tanh(),
        g_v=Tanh(),
        method="euler",
    )


def t3_drive(n: int, batch: int = 1) -> OscillatoryDrive:
    _, _, xi = common.t3_params(n)
    xi_c = 0.5 * common.T3_A * xi  # A xi cos(w t) = xi_c e^{iwt} + c.c.
    if batch == 1:
        return OscillatoryDrive(xi=xi_c, frequency=common.T3_F)
    freqs = np.linspace(20.0, 60.0, batch)
    return OscillatoryDrive(xi=np.tile(xi_c, (batch, 1)), frequency=freqs)


def t3_case(n: int, batch: int, steps: int, dtype: str, backend: str) -> Callable[[], np.ndarray]:
    """A call that runs T3 and returns u (steps, batch, n). The network, drive and start are
    built here, outside the call: as in the peers' method, only the simulation is timed."""
    net, drive = t3_network(n), t3_drive(n, batch)
    start = initial_state(np.zeros(n), np.zeros(n), batch)

    def run() -> np.ndarray:
        ds = simulate(
            net,
            None,
            drive,
            t_stop=steps * common.T3_DT,
            dt=common.T3_DT,
            backend=backend,
            dtype=dtype,
            initial=start,
        )
        return np.asarray(ds["u"].values)

    return run


def bench_t3(args: argparse.Namespace) -> None:
    full = common.t3_nsteps()
    cases = [(10, 1, full), (100, 1, full), (1000, 1, full), (100, 64, full)]
    cases.append((1000, 64, int(round(args.t3_big / common.T3_DT))))
    if args.quick:
        cases = [(n, b, min(s, 2000)) for n, b, s in cases]
    for n, batch, steps in cases:
        T = steps * common.T3_DT
        label = f"T3 N={n} batch={batch} T={T:g}s"
        if batch == 1:
            base, ref = timed(lambda n=n, T=T: t3_ei_numpy.run(n, T=T), 1 if n >= 1000 else 3, 0)
            ref = ref[1:, None, :]
        else:
            base, ref = timed(lambda n=n, T=T: t3_ei_numpy.run_batch(n, T=T), 1, 0)
            ref = ref[1:]
        note(label, "peers numpy loop", base, None)
        scale = float(np.abs(ref).max())
        for backend in args.backends:
            for dtype in ("float64", "float32"):
                if backend == "numpy" and (dtype == "float32" or n * batch >= 64000):
                    continue
                repeats = 1 if n * batch >= 64000 or backend == "numpy" else args.repeats
                try:
                    run = t3_case(n, batch, steps, dtype, backend)
                    ts, u = timed(run, repeats)
                except Exception as err:  # a backend's bug must not hide the other numbers
                    print(
                        f"{label:<28} {backend} {dtype[-2:]:<20} FAILED: {str(err).splitlines()[0]}"
                    )
                    continue
                err = float(np.abs(u.astype(np.float64) - ref).max()) / scale
                note(label, f"{backend} {dtype[-2:]}", ts, base, rel_err=err)
                del u
        del ref


def bench_auto(args: argparse.Namespace) -> None:
    """numba vs jax on the oscillator, in float64 and float32: where does jax start to win?"""
    steps = 1000
    cases = [(10, 1), (30, 1), (60, 1), (100, 1), (300, 1), (1000, 1)]
    cases += [(10, 2), (10, 8), (30, 4), (100, 4), (10, 64), (300, 64)]
    for dtype in ("float64", "float32"):
        for n, batch in cases:
            row = {}
            for backend in ("numba", "jax"):
                ts, _ = timed(t3_case(n, batch, steps, dtype, backend), args.repeats)
                row[backend] = statistics.median(ts)
            faster = min(row, key=lambda k: row[k])
            note(
                f"auto N={n} batch={batch} {dtype} 1000 steps",
                "numba vs jax",
                [row["numba"]],
                [row["jax"]],
                numba_s=row["numba"],
                jax_s=row["jax"],
                faster=faster,
            )


# ----------------------------------------------------------------------------- start-up
STARTUP = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from hebbkit.engine import simulate
t1 = time.perf_counter()
case = sys.argv[1]
if case == "rate-numba":
    from hebbkit.drives import DataDrive
    from hebbkit.networks.feedforward import FeedForward
    from hebbkit.rules.rate import Oja
    simulate(FeedForward(4, 2), Oja(gamma=1e-3), DataDrive(np.ones((10, 4))), t_stop=10.0, dt=1.0)
else:
    sys.path.insert(0, sys.argv[2])
    import backends as b
    b.t3_case(100, 4 if case == "osc-jax" else 1, 100, "float64", case.split("-")[1])()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "total_s": t2 - t0}))
"""


def bench_startup(args: argparse.Namespace) -> None:
    here = str(Path(__file__).resolve().parent)
    for case in ("rate-numba", "osc-numba", "osc-jax"):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache, HEBBKIT_JAX_CACHE=cache + "/jax")
            for label in ("cold", "warm", "warm"):
                start = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-c", STARTUP, case, here],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                wall = time.perf_counter() - start
                rec = json.loads(out.strip().splitlines()[-1])
                note(
                    f"start {case}",
                    label,
                    [rec["total_s"]],
                    None,
                    import_s=rec["import_s"],
                    first_call_s=rec["first_call_s"],
                    process_wall_s=wall,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=common.N_SAMPLES)
    parser.add_argument("--t3-big", type=float, default=0.1, help="model s for 64 x N=1000")
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    parser.add_argument("--only", default="T1T2,T3,auto,start")
    parser.add_argument("--backends", default="numpy,numba,jax")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    args.backends = args.backends.split(",")
    if args.quick:
        args.samples, args.repeats = min(args.samples, 5000), 1
    load = os.getloadavg()
    print(f"load average at start {load[0]:.2f}; cores {os.cpu_count()}; numpy {np.__version__}")
    parts = {"T1T2": bench_rate, "T3": bench_t3, "auto": bench_auto, "start": bench_startup}
    for name in args.only.split(","):
        parts[name](args)
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    if args.json is not None:
        args.json.write_text(json.dumps({"load_start": load[0], "results": RESULTS}, indent=1))


if __name__ == "__main__":
    main()
