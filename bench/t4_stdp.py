"""T4 (1000 Poisson inputs at 10 Hz -> one conductance LIF, 100 s at dt = 0.1 ms, additive
all-to-all pair STDP) against the peers' numpy loop, in the same process.

Parameters, initial weights and the check come from ../shared/peers/common.py (T4_*, t4_w0,
t4_check). hebbkit's time is end to end: ``simulate`` with the Poisson draws (numpy, inside the
call), the compiled loop and the Dataset. The baseline ``t4_stdp_numpy.run`` is a Python loop
over 1e6 steps (~8 s); by default it runs ``--baseline-t`` = 10 s of model time and its time is
scaled by 100 / 10 (its cost is linear in T). JIT: the first call in a fresh process with an
empty numba cache (compile) and with a warm cache (load).

    python bench/t4_stdp.py [--repeats 5] [--baseline-t 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PEERS = Path(__file__).resolve().parents[2] / "shared" / "peers"
sys.path.insert(0, str(PEERS))

import common  # noqa: E402
import t4_stdp_numpy  # noqa: E402

from hebbkit.engine import Record, simulate  # noqa: E402
from hebbkit.networks.spiking import SpikingFeedForward  # noqa: E402
from hebbkit.neurons.spiking import LIF, PoissonInput  # noqa: E402
from hebbkit.rules.spike import PairSTDP  # noqa: E402


def hebbkit_run(seed: int = common.T4_SEED, t_stop: float = common.T4_T) -> tuple[object, float]:
    """One T4 run; returns (final weights, post spike count)."""
    neuron = LIF(
        tau_m=common.T4_TAUM,
        E_L=common.T4_EL,
        V_th=common.T4_VT,
        V_reset=common.T4_VR,
        synapse="conductance",
        tau_syn=common.T4_TAUE,
        E_syn=common.T4_EE,
    )
    net = SpikingFeedForward(n_pre=common.T4_N, neuron=neuron, w0=tuple(common.t4_w0()))
    rule = PairSTDP(
        A_plus=common.T4_DAPRE,
        A_minus=-common.T4_DAPOST,
        tau_plus=common.T4_TAUPRE,
        tau_minus=common.T4_TAUPOST,
        w_min=0.0,
        w_max=common.T4_GMAX,
    )
    ds = simulate(
        net,
        rule,
        PoissonInput(rate=common.T4_RATE),
        t_stop=t_stop,
        dt=common.T4_DT,
        record=Record(every=t_stop, vars=("spike_count",)),
        backend="numba",
        seed=seed,
    )
    return ds["w_final"].values[0], float(ds["spike_count_final"].values[0])


def jit_seconds(cache_dir: str) -> float:
    """Time of the first call in a fresh interpreter (1 s of model time) with this cache."""
    here = str(Path(__file__).parent)
    code = (
        f"import sys, time; sys.path.insert(0, {str(PEERS)!r}); sys.path.insert(0, {here!r})\n"
        "import t4_stdp as b; t = time.perf_counter(); b.hebbkit_run(t_stop=1.0)\n"
        "print(time.perf_counter() - t)"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--baseline-t", type=float, default=10.0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        cold = jit_seconds(cache)
        warm = jit_seconds(cache)
    hebbkit_run(t_stop=1.0)
    times, result = [], None
    for _ in range(args.repeats):
        t = time.perf_counter()
        result = hebbkit_run()
        times.append(time.perf_counter() - t)
    assert result is not None
    w, n_post = result
    check = common.t4_check(w, n_post)

    base_times = []
    for _ in range(max(1, args.repeats // 2)):
        t = time.perf_counter()
        w_b, n_b = t4_stdp_numpy.run(T=args.baseline_t)
        base_times.append((time.perf_counter() - t) * common.T4_T / args.baseline_t)
    base_check = common.t4_check(w_b, n_b * common.T4_T / args.baseline_t)

    med, base = statistics.median(times), statistics.median(base_times)
    print(
        f"T4 hebbkit numba, {common.T4_T:g} s model time: median {med:.3f} s "
        f"(min {min(times):.3f}, max {max(times):.3f}, {len(times)} runs)"
    )
    print(f"  check: {check}")
    print(
        f"numpy loop baseline (t4_stdp_numpy.run, T={args.baseline_t:g} s, scaled x"
        f"{common.T4_T / args.baseline_t:g}): median {base:.2f} s (min {min(base_times):.2f},"
        f" max {max(base_times):.2f})"
    )
    print(f"  check (T={args.baseline_t:g} s run): {base_check}")
    print(f"ratio baseline / hebbkit: {base / med:.0f}x")
    print(f"JIT first call (1 s model time): cold cache {cold:.2f} s, warm cache {warm:.2f} s")


if __name__ == "__main__":
    main()
