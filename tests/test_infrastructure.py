"""The shared machinery: one-line errors, validated frozen classes, Record, simulate's argument
checks, atomic stores and config overrides. References here are the documented contracts."""

import dataclasses
import gc
import json
import threading

import numpy as np
import pytest
import xarray as xr

from hebbkit import config, store
from hebbkit._gc import THRESHOLDS, rare_collections
from hebbkit._params import Positive, frozen
from hebbkit.engine import Record, simulate
from hebbkit.errors import BackendUnavailable, ConfigError, DivergenceError, ParameterError
from hebbkit.experiments import ExperimentConfig
from hebbkit.networks.feedforward import FeedForward


@frozen
class _Example:
    eta: Positive = 1.0

    def _check(self) -> None:
        if self.eta > 10:
            raise ParameterError("_Example.eta", "must be <= 10", self.eta)


def test_frozen_class_validates_at_construction_and_replace():
    ok = _Example(eta=2.0)
    with pytest.raises(
        ParameterError, match=r"^_Example\.eta: input should be greater than 0 \(got -1"
    ):
        _Example(eta=-1.0)
    with pytest.raises(ParameterError, match=r"^_Example\.eta: must be <= 10 \(got 11"):
        dataclasses.replace(ok, eta=11.0)
    with pytest.raises(ParameterError, match=r"_Example\.eta: input should be a finite number"):
        _Example(eta=float("nan"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ok.eta = 3.0  # type: ignore[misc]


def test_errors_are_builtin_subclasses_and_one_line():
    err = DivergenceError("w", 1.5, 150, float("inf"))
    assert isinstance(err, FloatingPointError)
    assert str(err).startswith("w diverged at t=1.5 s (step 150")
    # a kernel's numpy scalar prints as a number, not as np.float64(nan)
    assert "(step 7, value nan)" in str(DivergenceError("w", 0.1, 7, np.float64("nan")))
    assert "\n" not in str(ParameterError("a.b", "must be > 0", "x" * 500))
    assert isinstance(BackendUnavailable("jax", "jax"), ImportError)


def test_record_stride_and_validation():
    assert Record().stride(1e-3) == 1
    assert Record(every=0.01).stride(1e-3) == 10
    with pytest.raises(ParameterError, match=r"Record\.every: must be a whole multiple of dt"):
        Record(every=0.0105).stride(1e-3)
    with pytest.raises(ParameterError, match=r"Record\.vars: must name at least one variable"):
        Record(vars=())
    with pytest.raises(ParameterError, match=r"Record\.vars: each must be one of w, y"):
        Record(vars=("theta",)).chosen(("w", "y"), ("w",))


class _NoKind:
    pass


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"t_stop": -1.0, "dt": 1e-3}, r"simulate\.t_stop: must be a finite number > 0"),
        ({"t_stop": 1.0, "dt": 0.0}, r"simulate\.dt: must be a finite number > 0"),
        ({"t_stop": 1.0, "dt": float("nan")}, r"simulate\.dt: must be a finite number > 0"),
        ({"t_stop": 1.0, "dt": 2.0}, r"simulate\.dt: must be <= t_stop"),
        ({"t_stop": 1.0, "dt": 1e-3, "backend": "cuda"}, r"simulate\.backend: must be one of"),
        ({"t_stop": 1.0, "dt": 1e-3, "dtype": "float16"}, r"simulate\.dtype: must be one of"),
        ({"t_stop": 1.0, "dt": 1e-3, "seed": -3}, r"simulate\.seed: must be an integer >= 0"),
        ({"t_stop": 1.0, "dt": 1e-3, "chunks": 0}, r"simulate\.chunks: must be an integer >= 1"),
        ({"t_stop": 1.0, "dt": 1e-3}, r"simulate\.network: must be a hebbkit network"),
    ],
)
def test_simulate_rejects_bad_arguments_with_one_line(kwargs, pattern):
    with pytest.raises(ParameterError, match=pattern) as info:
        simulate(_NoKind(), **kwargs)
    assert "\n" not in str(info.value)


def test_simulate_without_jax_says_how_to_install(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'hebbkit\[jax\]'"):
        simulate(_NoKind(), t_stop=1.0, dt=1e-3, backend="jax")


def _dataset():
    return xr.Dataset(
        {"w": (("time", "post"), np.arange(6.0).reshape(3, 2), {"units": "1"})},
        coords={"time": ("time", [0.1, 0.2, 0.3], {"units": "s"})},
        attrs={"seed": 3, "config": {"rule": {"eta": 0.1}}, "flag": True},
    )


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_store_round_trip(tmp_path, suffix):
    ds = _dataset()
    path = store.save(ds, tmp_path / f"run{suffix}")
    back = store.load(path)
    np.testing.assert_array_equal(back.w.values, ds.w.values)
    assert back.time.attrs["units"] == "s"
    assert json.loads(back.attrs["config"]) == {"rule": {"eta": 0.1}}
    assert [p.name for p in tmp_path.iterdir()] == [f"run{suffix}"]


def test_store_rejects_unknown_format(tmp_path):
    with pytest.raises(ParameterError, match=r"store\.save\.path: must end in \.nc or \.zarr"):
        store.save(_dataset(), tmp_path / "run.csv")


def test_atomic_dir_leaves_nothing_on_error(tmp_path):
    out = tmp_path / "result"
    with pytest.raises(RuntimeError), store.atomic_dir(out) as tmp:
        (tmp / "half.txt").write_text("partial")
        raise RuntimeError("failed mid-way")
    assert list(tmp_path.iterdir()) == []


def test_atomic_dir_replaces_existing_result(tmp_path):
    out = tmp_path / "result"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with store.atomic_dir(out) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["result"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rule.eta=1e-3", ("rule.eta", 1e-3)),
        ("n=3", ("n", 3)),
        ("name=oja", ("name", "oja")),
        ("flags=[1, 2]", ("flags", [1, 2])),
        ("quick=true", ("quick", True)),
    ],
)
def test_parse_override(text, expected):
    assert config.parse_override(text) == expected


@pytest.mark.parametrize("text", ["rule.eta", "=3", "a..b=1", "1a=2"])
def test_parse_override_rejects_malformed(text):
    with pytest.raises(ConfigError, match=r"^--set: must look like dotted\.path=value"):
        config.parse_override(text)


def test_with_overrides_sets_nested_paths_without_mutating():
    base = {"rule": {"eta": 1.0}, "seed": 0}
    out = config.with_overrides(base, {"rule.eta": 2.0, "drive.rate": 5.0})
    assert out == {"rule": {"eta": 2.0}, "seed": 0, "drive": {"rate": 5.0}}
    assert base == {"rule": {"eta": 1.0}, "seed": 0}


def test_flat_is_the_inverse_of_with_overrides():
    tree = {"rule": {"eta": 2.0, "bounds": {"w_max": 1.0}}, "seed": 0, "x": {"low": 1, "high": 2}}
    pairs = dict(config.flat(tree))
    assert pairs == {"rule.eta": 2.0, "rule.bounds.w_max": 1.0, "seed": 0, "x.low": 1, "x.high": 2}
    assert config.with_overrides({}, pairs) == tree
    ranges = dict(config.flat(tree, is_leaf=lambda t: "low" in t))
    assert ranges["x"] == {"low": 1, "high": 2} and "x.low" not in ranges


def test_build_names_file_and_dotted_path(tmp_path):
    class Cfg(ExperimentConfig):
        n: int = 3

    assert config.build(Cfg, {"n": 4}).n == 4
    with pytest.raises(ConfigError, match=r"^cfg\.toml: seed: input should be greater than"):
        config.build(Cfg, {"seed": -1}, "cfg.toml")
    with pytest.raises(ConfigError, match=r"^config: bogus: is not a parameter of this experiment"):
        config.build(Cfg, {"bogus": 1})
    with pytest.raises(ConfigError, match=r"^config: n: input should be a valid integer"):
        config.build(Cfg, {"n": "many"})


def test_load_toml_reports_malformed_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = = 3\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: is not valid TOML"):
        config.load_toml(bad)
    with pytest.raises(ConfigError, match=r"missing\.toml: must be a readable TOML file"):
        config.load_toml(tmp_path / "missing.toml")


def test_rare_collections_nest_across_threads_and_restore_the_thresholds():
    # The contract of hebbkit._gc: inside any open block the thresholds are THRESHOLDS, and
    # the caller's own thresholds come back when the last block (of any thread) ends, also
    # when simulate, which runs in one, raises.
    mine = (1234, 5, 6)
    saved = gc.get_threshold()
    gc.set_threshold(*mine)
    try:
        inside, entered, release = [], threading.Event(), threading.Event()

        def other() -> None:
            with rare_collections():
                entered.set()
                release.wait(10)
                inside.append(gc.get_threshold())

        thread = threading.Thread(target=other)
        with rare_collections():
            thread.start()
            assert entered.wait(10)
            assert gc.get_threshold() == THRESHOLDS
        assert gc.get_threshold() == THRESHOLDS  # the other thread's block is still open
        release.set()
        thread.join(10)
        assert inside == [THRESHOLDS]
        assert gc.get_threshold() == mine
        with pytest.raises(ParameterError):
            simulate(FeedForward(2, 1), None, None, t_stop=1.0, dt=-1.0)
        assert gc.get_threshold() == mine
    finally:
        gc.set_threshold(*saved)


def test_split_runs_contiguous_ranges_in_order_on_threads():
    from hebbkit import _threads

    seen: list[tuple[int, int, str]] = []

    def fn(lo: int, hi: int) -> tuple[int, int]:
        seen.append((lo, hi, threading.current_thread().name))
        return lo, hi

    ranges = _threads.split(fn, 10, 3)
    # in order, they cover range(10) once, in parts whose sizes differ by at most 1
    assert [i for lo, hi in ranges for i in range(lo, hi)] == list(range(10))
    assert len(ranges) == 3 and {hi - lo for lo, hi in ranges} == {3, 4}
    assert sorted(s[:2] for s in seen) == ranges
    assert {s[2] for s in seen if s[0] == 0} == {threading.current_thread().name}
    assert all(s[2].startswith("hebbkit") for s in seen if s[0] > 0)

    def fails(lo: int, hi: int) -> int:
        if lo > 0:
            raise ValueError(f"range {lo}-{hi}")
        return lo

    with pytest.raises(ValueError, match="range 5-10"):
        _threads.split(fails, 10, 2)


def test_split_works_in_a_forked_child():
    # a forked child has none of the parent's pool threads: a pool kept across the fork would
    # take the jobs and never run them. A fresh interpreter forks, so that no JAX threads (which
    # the test process may hold) are forked with it.
    import subprocess
    import sys

    script = """
import os, sys
from hebbkit import _threads
assert _threads.split(lambda lo, hi: hi - lo, 8, 2) == [4, 4]  # the parent's pool exists
pid = os.fork()
if pid == 0:
    os._exit(0 if _threads.split(lambda lo, hi: hi - lo, 8, 2) == [4, 4] else 1)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""
    done = subprocess.run([sys.executable, "-c", script], timeout=60, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
