"""hebbkit against Brian2, NEST, ANNarchy, Nengo and the numpy/scipy baselines, in one run.

1. Installs the peers in a separate venv (``--venv``, default /tmp/hebbkit-peers/venv) as
   ../shared/peers/RESULTS.md says: ``pip install "numpy<2.4" scipy brian2 nengo nest-simulator
   annarchy`` (skipped when the venv already imports them).
2. Runs the peers' scripts of ../shared/peers (the job list of its run_all.py, each in a fresh
   process with the venv's bin first on PATH, in a scratch directory since shared/ is
   read-only) and collects their ``RESULT`` records.
3. Runs hebbkit on T1-T4 with the same data and parameters and ``hebbkit reproduce
   scarpetta2001`` (full and ``--quick``), and applies the peers' check functions.
4. Writes docs/benchmarks.md (table: task, best peer, hebbkit, ratio; machine, versions, the
   command) and docs/benchmarks.png (the ratios), plus docs/benchmarks.json (every record).

``--short`` shortens every task through the peers' own variables (PEERS_N_SAMPLES, PEERS_T3_T,
PEERS_T4_T, PEERS_REPEATS); hebbkit then runs the same shortened work, so the ratios compare
equal work, and the table says so.

    python bench/peers.py [--short] [--venv DIR] [--skip-peers] [--jobs T1,T3-nest,...]
    python bench/peers.py --rewrite   # the docs again from docs/benchmarks.json, no runs
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT.parent / "shared" / "peers"
SHORT_ENV = {
    "PEERS_N_SAMPLES": "20000",
    "PEERS_T3_T": "0.2",
    "PEERS_T4_T": "20",
    "PEERS_REPEATS": "2",
}
PIP = ["numpy<2.4", "scipy", "brian2", "nengo", "nest-simulator", "annarchy"]


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", type=Path, default=Path("/tmp/hebbkit-peers/venv"))
    ap.add_argument("--short", action="store_true", help="shortened tasks (see the docstring)")
    ap.add_argument("--skip-peers", action="store_true", help="reuse docs/benchmarks.json peers")
    ap.add_argument("--rewrite", action="store_true", help="only rewrite the docs from the json")
    ap.add_argument("--jobs", default="", help="comma-separated job-id prefixes of run_all.py")
    ap.add_argument("--repeats", type=int, default=3)
    return ap.parse_args()


ARGS = parse()
if ARGS.short:  # before common.py is imported: it reads these at import
    os.environ.update(SHORT_ENV)
sys.path.insert(0, str(PEERS))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import numpy as np  # noqa: E402
import run_all  # noqa: E402
import t3_ei_numpy  # noqa: E402

from hebbkit import _threads  # noqa: E402


# ----------------------------------------------------------------------------- peers
def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    probe = "import brian2, nengo, nest, ANNarchy"
    if (
        python.exists()
        and subprocess.run([python, "-c", probe], capture_output=True).returncode == 0
    ):
        return python
    print(f"installing the peers into {venv} (a few minutes)", flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", *PIP], check=True)
    return python


def run_peers(python: Path, prefixes: list[str]) -> list[dict[str, Any]]:
    env = dict(os.environ)
    env["PATH"] = f"{python.parent}:{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(PEERS)
    for key in (
        "NUMBA_CACHE_DIR",
        "HEBBKIT_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
    ):
        env.pop(key, None)
    records: list[dict[str, Any]] = []
    scratch = Path(tempfile.mkdtemp(prefix="hebbkit_peers_"))
    for job, argv, job_env, timeout in run_all.JOBS:
        if job.startswith("limits") or (prefixes and not any(job.startswith(p) for p in prefixes)):
            continue
        if ARGS.short and "brian2-numpy" in job:
            continue  # Brian2's numpy target is 10-20x slower than its standalone one
        e = dict(env, **job_env)
        if ARGS.short:
            e["PEERS_REPEATS"] = SHORT_ENV["PEERS_REPEATS"]
        start = time.time()
        print(f"== {job}: {' '.join(argv)}", flush=True)
        try:
            p = subprocess.run(
                [str(python), str(PEERS / argv[0]), *argv[1:]],
                cwd=scratch,
                env=e,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            text, rc = p.stdout + p.stderr, p.returncode
        except subprocess.TimeoutExpired as ex:
            text, rc = str(ex.stdout or ""), "timeout"
        got = [json.loads(line[7:]) for line in text.splitlines() if line.startswith("RESULT ")]
        for r in got:
            r["job"] = job
        records += got
        print(f"   rc={rc} results={len(got)} wall={time.time() - start:.1f}s", flush=True)
        if rc != 0:
            print("\n".join(text.splitlines()[-5:]), flush=True)
    return records


# ----------------------------------------------------------------------------- hebbkit
def timed(fn: Any, repeats: int) -> tuple[list[float], Any]:
    out = fn()  # JIT (or load from the cache) outside the timing
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return times, out


def hebbkit_record(
    task: str, key: dict[str, Any], system: str, times: list[float], **kw: Any
) -> dict[str, Any]:
    return {
        "task": task,
        "system": "hebbkit " + system,
        "params": key,
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        **kw,
    }


def run_hebbkit() -> list[dict[str, Any]]:
    import backends

    out: list[dict[str, Any]] = []
    x1, w1 = common.oja_data()
    x2, w2, _ = common.bcm_data()
    for task, x, w0, check in (("T1", x1, w1, common.oja_check), ("T2", x2, w2, common.bcm_check)):
        for label, threads, dtype in (
            ("numba f64 1 thread", 1, "float64"),
            ("numba f64 2 threads", 2, "float64"),
            ("numba f32 1 thread", 1, "float32"),
        ):
            _threads.set_threads(threads)
            data = x.astype(dtype)
            ts, w = timed(
                functools.partial(backends.rate_run, task, data, w0, dtype, "numba"), ARGS.repeats
            )
            out.append(hebbkit_record(task, {"n_samples": len(x)}, label, ts, check=check(w)))
            print(f"hebbkit {task} {label}: {statistics.median(ts):.3f} s {check(w)}", flush=True)
    _threads.set_threads(os.cpu_count() or 1)
    steps = common.t3_nsteps()
    from hebbkit.engine.simulate import auto_backend

    for n, batch in ((10, 1), (100, 1), (1000, 1), (10, 64), (100, 64), (1000, 64)):
        ref = t3_ei_numpy.run(n) if batch == 1 else None
        for dtype in ("float64", "float32"):
            choice = auto_backend(backends.t3_network(n), backends.t3_drive(n, batch), dtype)
            try:
                repeats = 1 if n * batch >= 64000 else ARGS.repeats
                ts, u = timed(backends.t3_case(n, batch, steps, dtype, choice), repeats)
            except Exception as err:  # report a backend bug in the table rather than stop
                print(f"hebbkit T3 N={n} batch={batch} {dtype}: FAILED {str(err).splitlines()[0]}")
                continue
            check: dict[str, Any] = {"finite": bool(np.isfinite(u).all())}
            if ref is not None:
                check["max_abs_diff_vs_numpy_euler"] = float(np.abs(u[:, 0] - ref[1:]).max())
            label = f"auto={choice} {dtype[-2:]}"
            key = {"n": n, "batch": batch, "T": common.T3_T}
            out.append(hebbkit_record("T3", key, label, ts, check=check))
            print(
                f"hebbkit T3 N={n} batch={batch} {label}: {statistics.median(ts):.4f} s {check}",
                flush=True,
            )
            del u
    out += run_t4()
    out += run_reproduce()
    return out


def run_t4() -> list[dict[str, Any]]:
    try:
        import t4_stdp
    except Exception as err:
        return [{"task": "T4", "system": "hebbkit", "skipped": f"not available: {err}"}]
    ts, (w, n_post) = timed(t4_stdp.hebbkit_run, ARGS.repeats)
    check = common.t4_check(w, n_post)
    print(f"hebbkit T4: {statistics.median(ts):.3f} s {check}", flush=True)
    return [
        hebbkit_record(
            "T4", {"N": common.T4_N, "T": common.T4_T}, "numba, end to end", ts, check=check
        )
    ]


def run_reproduce() -> list[dict[str, Any]]:
    """The CLI's whole process, timed ``--repeats`` times after one untimed run (which fills
    numba's disk cache, as the other tasks' warm-up call does)."""
    out = []
    hebbkit = Path(sys.executable).parent / "hebbkit"
    for quick in (False, True):
        with tempfile.TemporaryDirectory() as d:
            cmd = [str(hebbkit), "reproduce", "scarpetta2001", "--out", d] + (
                ["--quick"] if quick else []
            )
            walls = []
            for _ in range(ARGS.repeats + 1):
                start = time.perf_counter()
                p = subprocess.run(cmd, capture_output=True, text=True)
                walls.append(time.perf_counter() - start)
                if p.returncode != 0:
                    break
            name = "reproduce scarpetta2001" + (" --quick" if quick else "")
            if p.returncode != 0:
                tail = (p.stdout + p.stderr).strip().splitlines()[-1:] or ["no output"]
                out.append({"task": name, "system": "hebbkit", "skipped": f"failed: {tail[0]}"})
                continue
            metrics = {}
            for path in Path(d).rglob("metrics.json"):
                metrics = json.loads(path.read_text())
            out.append(
                hebbkit_record(
                    name,
                    {},
                    "CLI, whole process",
                    walls[1:],
                    check={k: v for k, v in list(metrics.items())[:6]},
                )
            )
            print(f"hebbkit {name}: {statistics.median(walls[1:]):.2f} s", flush=True)
    return out


# ----------------------------------------------------------------------------- report
def row_key(r: dict[str, Any]) -> str:
    p = r.get("params", {})
    if r["task"] == "T3":
        return f"T3 N={p.get('n')}" + (f", batch {p.get('batch')}" if p.get("batch", 1) > 1 else "")
    return r["task"]


def table(
    peers: list[dict[str, Any]], ours: list[dict[str, Any]]
) -> tuple[list[list[str]], list[tuple[str, float]]]:
    rows, ratios = [], []
    keys = []
    for r in ours:
        if row_key(r) not in keys:
            keys.append(row_key(r))
    for key in keys:
        mine = [r for r in ours if row_key(r) == key]
        skipped = [r for r in mine if "skipped" in r]
        mine = [r for r in mine if "skipped" not in r]
        theirs = [r for r in peers if row_key(r) == key and r.get("median_s")]
        best = min(theirs, key=lambda r: r["median_s"]) if theirs else None
        peer_text = "no peer runs it"
        if best is not None:
            setup = f" + {best['setup_s']:.1f} s setup" if best.get("setup_s") else ""
            peer_text = f"{best['system']} ({best.get('job', '')}) {best['median_s']:.3g} s{setup}"
            if best.get("check"):
                peer_text += "; its check: " + summary(best["check"], 3)
        if not mine:
            why = skipped[0]["skipped"] if skipped else "not run"
            rows.append([key, peer_text, f"skipped ({why})", "-", "-"])
            continue
        for r in sorted(mine, key=lambda r: r["median_s"]):
            ratio = best["median_s"] / r["median_s"] if best else None
            spread = f"{r['median_s']:.3g} s ({r['min_s']:.3g}-{r['max_s']:.3g})"
            check = summary(r.get("check", {}))
            rows.append(
                [
                    key,
                    peer_text,
                    f"{r['system']}: {spread}",
                    f"{ratio:.1f}x" if ratio else "-",
                    check,
                ]
            )
            if ratio:
                ratios.append((f"{key}\n{r['system'].replace('hebbkit ', '')}", ratio))
            peer_text = '"'
    return rows, ratios


def summary(check: dict[str, Any], limit: int = 6) -> str:
    """The scalar entries of a check (or of a metrics section), shortened for the table."""
    items = []
    for key, value in check.items():
        if isinstance(value, dict):
            items += [(f"{key}.{k}", v) for k, v in value.items()]
        else:
            items.append((key, value))
    shown = [(k, v) for k, v in items if isinstance(v, bool | int | float | str)][:limit]
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown)


def chart(ratios: list[tuple[str, float]], path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 0.32 * len(ratios) + 1.5))
    ax = fig.add_subplot()
    names = [n.replace("\n", " | ") for n, _ in ratios]
    values = [v for _, v in ratios]
    colors = ["tab:green" if v >= 1 else "tab:red" for v in values]
    ax.barh(range(len(values)), values, color=colors)
    ax.set_yticks(range(len(values)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel("best peer time / hebbkit time (same run, same work; > 1: hebbkit faster)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_docs(
    peers: list[dict[str, Any]],
    ours: list[dict[str, Any]],
    started: str,
    load: float,
    peers_started: str,
) -> None:
    rows, ratios = table(peers, ours)
    docs = ROOT / "docs"
    chart(ratios, docs / "benchmarks.png")
    meta = {
        "started": started,
        "peers_started": peers_started,
        "load": load,
        "short": ARGS.short,
        "venv": str(ARGS.venv),
    }
    (docs / "benchmarks.json").write_text(
        json.dumps({"meta": meta, "peers": peers, "hebbkit": ours}, indent=1, default=str)
    )
    versions = {}
    for r in peers:
        versions.update(
            {k: v for k, v in r.get("versions", {}).items() if not str(v).startswith("unavail")}
        )
    import jax
    import numba

    cmd = "python bench/peers.py" + (" --short" if ARGS.short else "") + f" --venv {ARGS.venv}"
    lines = [
        "# Benchmarks: hebbkit against the peers, measured in one run",
        "",
        f"Generated by `{cmd}` (started {started} UTC, load average at start "
        f"{load:.2f} on {os.cpu_count()} cores). Regenerate with the same command.",
        "",
    ]
    if peers_started != started:
        lines += [
            f"The peer rows are those of the run started {peers_started} UTC, reused with "
            "`--skip-peers`; the hebbkit rows were measured in this one.",
            "",
        ]
    lines += [
        f"Machine: {cpu_model()} ({platform.machine()}), {os.cpu_count()} cores, no GPU. "
        "The cores were shared with other jobs during this run: times are noisy (repeat and "
        "compare ranges).",
        "",
        "Peers (separate venv, `../shared/peers` scripts): "
        + ", ".join(f"{k} {v}" for k, v in sorted(versions.items()) if "THREADS" not in k),
        "",
        f"hebbkit side: Python {platform.python_version()}, numpy {np.__version__}, "
        f"numba {numba.__version__}, jax {jax.__version__}.",
        "",
    ]
    if ARGS.short:
        lines += [
            "**Shortened run** (" + ", ".join(f"{k}={v}" for k, v in SHORT_ENV.items()) + "): "
            f"T1/T2 on {SHORT_ENV['PEERS_N_SAMPLES']} samples, T3 on {SHORT_ENV['PEERS_T3_T']} s "
            f"of model time, T4 on {SHORT_ENV['PEERS_T4_T']} s. hebbkit ran the same shortened "
            "work, so each ratio compares equal work; Brian2's numpy target was left out (never "
            "the best peer). Peer rows the peers' scripts extrapolate (NEST at N = 1000, "
            "solve_ivp batch 64 x 1000) are scaled by them.",
            "",
        ]
    lines += [
        "Best peer = the fastest peer system in this run (median over its repeats; its setup "
        "time, e.g. compilation, is shown but not counted). hebbkit times are medians after one "
        "untimed warm-up call; ratio = best peer / hebbkit. Checks are the peers' check functions.",
        "",
        "| task | best peer (this run) | hebbkit median (min-max) | ratio | check |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in rows]
    lines += [
        "",
        "![ratios](benchmarks.png)",
        "",
        "## Every peer record of this run",
        "",
        "| task | system | params | median s | min-max s | setup s | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in peers:
        p = ",".join(
            f"{k}={v}"
            for k, v in r.get("params", {}).items()
            if k in ("n", "batch", "T", "n_samples", "N")
        )
        setup = f"{r['setup_s']:.3g}" if r.get("setup_s") else "-"
        lines.append(
            f"| {r['task']} | {r['system']} ({r.get('job', '')}) | {p} | {r['median_s']:.4g} "
            f"| {r['min_s']:.4g}-{r['max_s']:.4g} | {setup} | {str(r.get('note', ''))[:80]} |"
        )
    (docs / "benchmarks.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {docs / 'benchmarks.md'} and benchmarks.png", flush=True)


LOAD = os.getloadavg()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    if ARGS.rewrite:
        saved = json.loads((ROOT / "docs" / "benchmarks.json").read_text())
        meta = saved["meta"]
        ARGS.short, ARGS.venv = meta["short"], Path(meta["venv"])
        peers_started = meta.get("peers_started", meta["started"])
        write_docs(saved["peers"], saved["hebbkit"], meta["started"], meta["load"], peers_started)
        return
    peers_started = started
    if ARGS.skip_peers:
        saved = json.loads((ROOT / "docs" / "benchmarks.json").read_text())
        peers = saved["peers"]
        meta = saved.get("meta", {})
        ARGS.venv = Path(meta.get("venv", ARGS.venv))
        peers_started = meta.get("peers_started", meta.get("started", started))
    else:
        python = ensure_venv(ARGS.venv)
        peers = run_peers(python, [p for p in ARGS.jobs.split(",") if p])
        # saved at once, so that a failure on the hebbkit side can be rerun with --skip-peers
        (ROOT / "docs" / "benchmarks.json").write_text(json.dumps({"peers": peers}, default=str))
    ours = run_hebbkit()
    write_docs(peers, ours, started, LOAD[0], peers_started)


if __name__ == "__main__":
    main()
