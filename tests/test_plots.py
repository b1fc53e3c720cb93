"""hebbkit.plots.Plot: a figure still to be drawn, drawn the same here and in a helper process."""

import multiprocessing
import os
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from hebbkit import store
from hebbkit.experiments import Progress, Result, get_experiment
from hebbkit.plots import DPI, Plot, drawn_by
from hebbkit.plots.oscillator import frequency_tuning, unit_traces


def _plots() -> dict[str, Plot]:
    f = np.linspace(20.0, 60.0, 41)
    amp = 1.0 / np.hypot(1.0, (f - 41.0) / 2.0)
    t = np.linspace(0.0, 400.0, 401)
    traces = {f"drive {k}": np.sin(np.outer(t, [1.0, 2.0, 3.0]) * 0.1 * (k + 1)) for k in range(2)}
    return {
        "tuning": frequency_tuning(f, amp, f[::4], amp[::4], amp[::4], amp[::4] > 0.3, 41.0),
        "traces": unit_traces(t, traces, [1, 2, 5], traces),
    }


def test_a_plot_pickles_by_function_name_with_its_arguments():
    plot = _plots()["tuning"]
    back = pickle.loads(pickle.dumps(plot))
    assert back.function is frequency_tuning
    for a, b in zip(back.args, plot.args, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(back.figure().axes) == 1


def test_plots_drawn_by_a_helper_process_equal_plots_drawn_here(tmp_path):
    # The reference is the same Plot drawn in this process: Agg output is deterministic, so
    # the PNG files must be byte for byte equal.
    here = _plots()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool, drawn_by(pool):
        there = _plots()
    for name, plot in there.items():
        assert plot._png is not None  # drawing started when the Plot was made
        plot.savefig(tmp_path / f"{name}_there.png", dpi=DPI)
        here[name].savefig(tmp_path / f"{name}_here.png", dpi=DPI)
        drawn = (tmp_path / f"{name}_there.png").read_bytes()
        assert drawn[:8] == b"\x89PNG\r\n\x1a\n"
        assert drawn == (tmp_path / f"{name}_here.png").read_bytes()
    assert all(plot._png is None for plot in here.values())


def test_a_plot_that_fails_in_the_helper_leaves_no_result(tmp_path):
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool, drawn_by(pool):
        good = _plots()["tuning"]
        broken = unit_traces(np.arange(3.0), {"a": np.zeros((4, 1))}, [0], {"a": np.zeros(4)})
    result = Result(data={}, figures={"good": good, "bad": broken}, metrics={"x": 1.0})
    with pytest.raises(ValueError, match="same first dimension"):
        store.write_result(result, tmp_path / "out", {})
    assert list(tmp_path.iterdir()) == []


def test_plots_are_drawn_here_when_the_helper_process_dies(tmp_path):
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool, drawn_by(pool):
        pool.submit(os._exit, 1)  # the helper dies, as if killed: the pool is broken
        there = _plots()
    here = _plots()
    for name, plot in there.items():
        plot.savefig(tmp_path / f"{name}_there.png", dpi=DPI)
        here[name].savefig(tmp_path / f"{name}_here.png", dpi=DPI)
        drawn = (tmp_path / f"{name}_there.png").read_bytes()
        assert drawn == (tmp_path / f"{name}_here.png").read_bytes()


def test_figures_the_cli_draws_in_its_helper_equal_figures_drawn_here(tmp_path):
    # A fresh interpreter, as a user's: matplotlib is not loaded there, so `hebbkit run`
    # draws the figures in its helper process (on a machine with 2 or more cores).
    out = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, "-m", "hebbkit", "run", "pfister2006", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    exp = get_experiment("pfister2006")
    result = exp.run(exp.config(quick=True), Progress())
    assert result.figures
    for name, plot in result.figures.items():
        plot.savefig(tmp_path / f"{name}.png", dpi=DPI)
        assert (out / f"{name}.png").read_bytes() == (tmp_path / f"{name}.png").read_bytes()
