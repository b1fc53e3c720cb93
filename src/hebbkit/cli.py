"""The ``hebbkit`` command line. Every error is one line on stderr and exit code 2."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import __version__
from ._gc import THRESHOLDS
from .errors import HebbkitError

if TYPE_CHECKING:
    from concurrent.futures import Executor

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Hebbian and spike-timing-dependent plasticity: run experiments, reproduce papers.",
)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML file with the experiment's parameters.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override one parameter, e.g. --set rule.eta=1e-3 (repeatable)."),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Result directory (default: results/NAME).")
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed of every random draw (>= 0).")]
BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend", help="numpy (the specification), numba, jax, or auto (chosen per workload)."
    ),
]
QuickOpt = Annotated[bool, typer.Option("--quick", help="A smaller, faster run.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hebbkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            envvar="HEBBKIT_NUM_THREADS",
            help="Threads for numba and BLAS: one pool per process (default: all cores).",
        ),
    ] = None,
) -> None:
    """hebbkit: every classic Hebbian and STDP rule, validated, fast, reproducible."""
    if threads is not None:
        from ._threads import set_threads

        set_threads(threads)


@app.command("list")
def list_experiments() -> None:
    """List the experiments that `hebbkit run` and `hebbkit reproduce` know."""
    from rich.console import Console
    from rich.table import Table

    from .experiments import get_experiment, names

    table = Table("name", "reproduces", "what it shows")
    for name in names():
        exp = get_experiment(name)
        table.add_row(name, exp.paper or "", exp.summary)
    Console().print(table)


@app.command()
def describe(
    name: Annotated[str, typer.Argument(help="Experiment name (see `hebbkit list`).")],
) -> None:
    """List an experiment's parameters: dotted path for --set, default, unit and meaning."""
    from rich.console import Console
    from rich.table import Table

    from .experiments import get_experiment

    exp = get_experiment(name)
    table = Table(
        "parameter (--set)", "default", "unit and meaning", title=f"{name}: {exp.summary}"
    )
    for path, default, text in _fields(exp.config):
        table.add_row(path, repr(default), text)
    Console(width=120).print(table)


def _fields(model: Any, prefix: str = "") -> list[tuple[str, Any, str]]:
    import pydantic

    rows: list[tuple[str, Any, str]] = []
    for key, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, pydantic.BaseModel):
            rows.extend(_fields(kind, f"{prefix}{key}."))
        else:
            rows.append(
                (prefix + key, info.get_default(call_default_factory=True), info.description or "")
            )
    return rows


@app.command()
def run(
    name: Annotated[str, typer.Argument(help="Experiment name (see `hebbkit list`).")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    out: OutOpt = None,
    seed: SeedOpt = None,
    backend: BackendOpt = None,
    quick: QuickOpt = False,
) -> None:
    """Run one experiment; write its data (.nc), figures (.png) and metrics.json to --out.

    `hebbkit describe NAME` lists the parameters that --set and --config accept, with units.
    """
    _run(name, config, set_ or [], out, seed, backend, quick, paper_only=False)


@app.command()
def reproduce(
    name: Annotated[str, typer.Argument(help="Paper to reproduce, e.g. scarpetta2001.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    out: OutOpt = None,
    seed: SeedOpt = None,
    backend: BackendOpt = None,
    quick: QuickOpt = False,
) -> None:
    """Reproduce a paper's figures: simulation, linear theory and analytic prediction."""
    _run(name, config, set_ or [], out, seed, backend, quick, paper_only=True)


@app.command()
def sweep(
    file: Annotated[
        Path, typer.Argument(help="Sweep TOML: experiment, \\[base], \\[grid] or \\[random].")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Zarr store (default: results/FILE-STEM.zarr).")
    ] = None,
    executor: Annotated[
        str | None, typer.Option("--executor", help="batched (default), processes, serial or dask.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Processes for --executor processes (>= 1)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    local_cluster: Annotated[
        int | None,
        typer.Option("--local-cluster", min=1, help="Start a Dask LocalCluster of N >= 1 workers."),
    ] = None,
    flush_seconds: Annotated[
        float,
        typer.Option(
            "--flush-seconds",
            help="Write finished points at least this often, s (>= 0; 0: every point).",
        ),
    ] = 2.0,
) -> None:
    """Run a parameter sweep; a rerun skips the points already in the store."""
    from ._progress import RichProgress
    from .errors import BackendUnavailable
    from .sweep import from_toml, run_sweep

    spec, options = from_toml(file)
    out = out or Path("results") / f"{file.stem}.zarr"
    executor = executor or options.get("executor", "batched")
    client = None
    if scheduler or local_cluster:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BackendUnavailable("dask", "dask") from None
        executor = "dask"
        target = scheduler or LocalCluster(n_workers=local_cluster, threads_per_worker=1)
        client = Client(target)
    try:
        with RichProgress() as progress:
            ds = run_sweep(
                spec,
                out,
                executor=str(executor),
                workers=workers or options.get("workers"),
                client=client,
                progress=progress,
                flush_seconds=flush_seconds,
            )
    finally:
        if client is not None:
            client.close()
    done = int(ds["done"].sum())
    ran = ds.attrs.get("points_run", 0)
    typer.echo(
        f"sweep {spec.experiment}: ran {ran} points; {done} of {ds['done'].size} done in {out}"
    )


@app.command()
def show(
    directory: Annotated[Path, typer.Argument(help="A result directory of run or reproduce.")],
) -> None:
    """Print a result's provenance and metrics, and write its report.html (figures included)."""
    from rich.console import Console
    from rich.table import Table

    from .config import flat
    from .report import read_result, shown, write_report

    provenance, metrics = read_result(directory)
    console = Console(width=120)
    about = Table("provenance", "value")
    for key, value in flat({k: v for k, v in provenance.items() if k != "config"}):
        about.add_row(key, shown(value))
    numbers = Table("metric", "value")
    for key, value in flat(metrics):
        numbers.add_row(key, shown(value))
    console.print(about)
    console.print(numbers)
    console.print(f"wrote {write_report(directory)}")


def _run(
    name: str,
    config_file: Path | None,
    sets: list[str],
    out: Path | None,
    seed: int | None,
    backend: str | None,
    quick: bool,
    paper_only: bool,
) -> None:
    from . import config as cfg
    from .errors import ParameterError
    from .experiments import get_experiment, names
    from .plots import drawn_by
    from .store import writable_result_path

    exp = get_experiment(name)
    if paper_only and exp.paper is None:
        papers = [n for n in names() if get_experiment(n).paper]
        raise ParameterError("reproduce", "must name a paper: " + ", ".join(papers), name)
    data: dict[str, Any] = cfg.load_toml(config_file) if config_file else {}
    overrides = dict(cfg.parse_override(text) for text in sets)
    for key, value in (("seed", seed), ("backend", backend)):
        if value is not None:
            overrides[key] = value
    if quick:
        overrides["quick"] = True
    source = str(config_file) if config_file else "config"
    config = cfg.build(exp.config, cfg.with_overrides(data, overrides), source)
    out = writable_result_path(out or Path("results") / name, "provenance.json")
    # the config is valid: start the helper that draws, which loads matplotlib meanwhile
    with _drawing_pool() as pool, drawn_by(pool):
        from ._progress import RichProgress
        from .engine.simulate import provenance
        from .store import write_result

        start = time.perf_counter()
        with RichProgress() as progress:
            result = exp.run(config, progress)
        elapsed = time.perf_counter() - start
        meta = provenance(
            experiment=name, config=config.model_dump(mode="json"), run_seconds=elapsed
        )
        try:
            write_result(result, out, meta)
        except OSError as err:  # what the checks before the run cannot see (full disk, ...)
            raise ParameterError(f"--out {out}", "must be writable", err.strerror) from None
    typer.echo(f"{name}: wrote {out} in {elapsed:.2f} s")


def _drawing_pool() -> contextlib.AbstractContextManager[Executor | None]:
    """Helper processes that draw the figures (:class:`hebbkit.plots.Plot`, each as soon as it
    is made) while this one runs the experiment and writes its data. Where the platform has a
    fork server (Linux, macOS) it loads matplotlib (0.4 s) meanwhile, once, and two helpers
    forked from it at the first figures draw two at a time (`--quick`, median of 10 runs,
    1.81 -> 1.76 s); elsewhere one spawned helper loads it. Only where that saves time: two cores
    or more, ``--threads`` not 1, and matplotlib not loaded here already (as in a test
    session)."""
    from ._threads import threads

    if (os.cpu_count() or 1) < 2 or threads() == 1 or "matplotlib" in sys.modules:
        return contextlib.nullcontext()
    import multiprocessing
    from concurrent.futures import BrokenExecutor, ProcessPoolExecutor

    if "forkserver" in multiprocessing.get_all_start_methods():
        import multiprocessing.forkserver

        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(["hebbkit.plots._warm"])
        try:
            multiprocessing.forkserver.ensure_running()  # it starts loading now
        except OSError:  # no process could start: draw here
            return contextlib.nullcontext()
        return ProcessPoolExecutor(2, mp_context=server)
    from .plots import warm_up

    spawn = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(1, mp_context=spawn, initializer=warm_up)
    try:
        pool.submit(os.getpid)  # a first task starts the helper now, not at the first figure
    except (OSError, BrokenExecutor):  # no process could start: draw here
        pool.shutdown(wait=False)
        return contextlib.nullcontext()
    return pool


def main() -> None:
    """Entry point of the ``hebbkit`` console script: errors are one line and exit code 2."""
    # A command keeps most of what it allocates to its end: it collects rarely (see _gc) up to
    # its exit, not in a rare_collections() block, whose end would restore the thresholds and
    # set off a collection of the run's garbage (50 ms) just before the exit.
    gc.set_threshold(*THRESHOLDS)
    _without_dask(sys.argv[1:])
    try:
        code = app(standalone_mode=False)
    except HebbkitError as err:
        _fail(str(err), 2)
    except Exception as err:
        if not (hasattr(err, "format_message") and hasattr(err, "exit_code")):
            raise
        _fail(err.format_message(), err.exit_code)  # typer/click usage errors
    finally:
        # The interpreter's exit collects the objects of every module loaded (0.2 s once
        # xarray, numba and matplotlib are): frozen, they are left to the OS.
        gc.freeze()
    sys.exit(code if isinstance(code, int) else 0)


def _without_dask(args: list[str]) -> None:
    """Let every command but ``sweep`` run as if the optional dask extra were not installed.

    xarray checks each new array against dask's array type, and that check imports dask and
    dask.array (0.5-0.7 s of the 2 s a small ``run`` took) the first time a Dataset is made.
    Only sweeps can use dask; a None in ``sys.modules`` makes ``import dask`` fail, which
    xarray handles as dask being absent. The console script is a fresh process, so nothing
    else sees it; once xarray is imported it may have cached that dask exists, so then
    nothing is changed.
    """
    if "sweep" not in args and "dask" not in sys.modules and "xarray" not in sys.modules:
        sys.modules["dask"] = None  # type: ignore[assignment]


def _fail(message: str, code: int) -> None:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    sys.exit(code)
