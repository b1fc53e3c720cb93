"""Sweeps: expansion validates every point, the Zarr result has the sweep axes as dimensions,
an interrupted sweep resumes with every point stored exactly once, and a Dask cluster that loses
a worker gives the same numbers as the serial run.

The experiment swept is `hebb-bounds`. Each cell's simulated `soft_decay_w_final` is checked
against the closed form of the Euler map the engine iterates for soft bounds + decay,
w_n = w* + (w0 - w*) (1 - (gamma2 c + gamma0) dt)^n with w* = gamma2 c / (gamma2 c + gamma0):
it depends on both swept parameters, so a result stored in the wrong cell, or not simulated,
fails. (`soft_decay_w_star` alone is computed from the config and does not depend on w0.)"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from hebbkit import sweep as sw
from hebbkit._progress import Progress
from hebbkit.errors import ConfigError, ParameterError
from hebbkit.experiments import get_experiment
from tolerances import LINEAR_VS_EQ10, SAME_ALGORITHM_F64, WHOLE_RUN_F64

BASE = {"t_stop": 0.5, "dt": 0.0025, "pre": [0.5, 1.0, 2.0], "post": 1.0, "gamma2": 1.0}
GAMMA0 = [0.25, 0.5, 1.0]
W0 = [0.1, 0.2]


def _sweep() -> sw.Sweep:
    return sw.Sweep(experiment="hebb-bounds", base=BASE, grid={"gamma0": GAMMA0, "w0": W0})


def _closed_form(gamma0: float) -> np.ndarray:
    c = np.array(BASE["pre"]) * BASE["post"]
    return BASE["gamma2"] * c / (BASE["gamma2"] * c + gamma0)


def _w_final(gamma0: float, w0: float, t_stop: float = BASE["t_stop"]) -> np.ndarray:
    """The soft-bound + decay weight after round(t_stop / dt) Euler steps from w0 (c11 = 1)."""
    c = np.array(BASE["pre"]) * BASE["post"]
    rate = BASE["gamma2"] * c + gamma0
    steps = round(t_stop / BASE["dt"])
    w_star = BASE["gamma2"] * c / rate
    return w_star + (w0 - w_star) * (1.0 - rate * BASE["dt"]) ** steps


def test_bad_point_fails_at_expansion_with_its_dotted_path():
    bad = sw.Sweep(experiment="hebb-bounds", base=BASE, grid={"gamma0": [0.5, -1.0]})
    with pytest.raises(ConfigError, match=r"sweep point \(gamma0=-1\.0\): gamma0: input should be"):
        sw.points(bad)
    with pytest.raises(ConfigError, match=r"sweep\.grid\.w0: must be a non-empty list"):
        sw.Sweep(experiment="hebb-bounds", grid={"w0": []})


@pytest.mark.parametrize(
    "text, message",
    [
        ("grid = 3", r"grid: must be a table"),
        ("base = 3\n[grid]\nseed = [1, 2]", r"base: must be a table"),
        ("[grid]\ngamma0 = 0.5", r"sweep\.grid\.gamma0: must be a non-empty list"),
        ('[random]\nn = "many"', r"random\.n: must be an integer >= 0"),
        ("[random]\nn = 2\ngamma0 = {low = 0.0, high = 1.0, log = true}", r"low > 0 when log"),
        ("[random]\nn = 2\ngamma0 = {low = 1.0, high = 0.5}", r"finite low < high"),
        ("[random]\nn = 2\ngamma0 = 5", r"random\.gamma0: must be a table"),
        ("[grid]\nseed = [1]\n[random]\nn = 2\ngamma0 = {low = 0.1, high = 1.0}", r"not both"),
        ('[grid]\nseed = [1]\n[run]\nexecuter = "serial"', r"run\.executer: is not a run option"),
    ],
)
def test_malformed_sweep_file_fails_in_one_line(tmp_path, text, message):
    spec = tmp_path / "s.toml"
    spec.write_text('experiment = "hebb-bounds"\n' + text + "\n")
    with pytest.raises(ConfigError, match=message) as info:
        sw.from_toml(spec)
    assert "\n" not in str(info.value)


def test_dotted_paths_in_a_sweep_file_are_toml_dotted_keys(tmp_path):
    """TOML reads ``model.alpha = [...]`` as a nested table: the file's sweep must be the one
    written with the dotted path itself (the reference), point for point, key for key."""
    spec = tmp_path / "s.toml"
    spec.write_text(
        'experiment = "oscillator-tuning"\n[grid]\nmodel.alpha = [100.0, 90.0]\n'
        "drive_hz = [41.0, 63.0]\n"
    )
    grid = {"model.alpha": [100.0, 90.0], "drive_hz": [41.0, 63.0]}
    reference = sw.points(sw.Sweep(experiment="oscillator-tuning", grid=grid))
    read = sw.points(sw.from_toml(spec)[0])
    assert [p.key for p in read] == [p.key for p in reference]
    assert [p.model.model.alpha for p in read] == [100.0, 100.0, 90.0, 90.0]
    spec.write_text(
        'experiment = "oscillator-tuning"\n[random]\nn = 3\nseed = 2\n'
        "model.alpha = {low = 80.0, high = 120.0}\n"
    )
    sweep = sw.from_toml(spec)[0]
    assert sweep.ranges == {"model.alpha": (80.0, 120.0, False)}
    assert all(80.0 <= p.model.model.alpha <= 120.0 for p in sw.points(sweep))


def test_store_that_is_not_a_sweep_is_refused(tmp_path):
    """A foreign Zarr store, a directory of something else or a file: refused before any point
    runs, and left as it was."""
    foreign = tmp_path / "foreign.zarr"
    xr.Dataset({"a": ("x", np.arange(3.0))}).to_zarr(foreign, consolidated=False)
    other = tmp_path / "other.zarr"
    other.mkdir()
    (other / "notes.txt").write_text("hi")
    afile = tmp_path / "file.zarr"
    afile.write_text("hi")
    for store in (foreign, other, afile):
        with pytest.raises(ParameterError, match=r"sweep\.store"):
            sw.run_sweep(_sweep(), store, executor="serial")
    assert (other / "notes.txt").read_text() == "hi" and afile.read_text() == "hi"
    assert float(xr.open_zarr(foreign, consolidated=False)["a"][2]) == 2.0


def test_point_key_is_a_content_hash():
    a, b = sw.points(_sweep())[:2]
    assert a.key != b.key
    # the same configuration spelled otherwise (an int for a float, a default given), and
    # rebuilt from the plain data a worker receives, has the same key; another value does not
    exp = get_experiment("hebb-bounds")
    respelled = {**BASE, "gamma0": 0.25, "w0": 0.1, "post": 1, "seed": exp.config().seed}
    assert sw.points(sw.Sweep("hebb-bounds", base=respelled, grid={"w0": [0.1]}))[0].key == a.key
    assert sw.point_key("hebb-bounds", exp.config.model_validate(a.config)) == a.key
    assert sw.point_key("covariance", a.model) != a.key


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> xr.Dataset:
    store = tmp_path_factory.mktemp("serial") / "serial.zarr"
    return sw.run_sweep(_sweep(), store, executor="serial")


def test_result_has_sweep_dims_coords_and_closed_form_values(serial):
    assert serial["done"].dims == ("gamma0", "w0")
    assert serial["gamma0"].values.tolist() == GAMMA0
    assert serial["w0"].values.tolist() == W0
    assert bool(serial["done"].all())
    star = serial["soft_decay_w_star"]
    assert star.dims == ("gamma0", "w0", "soft_decay_w_star_dim0")
    for g in GAMMA0:
        for w in W0:
            np.testing.assert_allclose(
                star.sel(gamma0=g, w0=w).values, _closed_form(g), rtol=SAME_ALGORITHM_F64
            )
            # the simulated weight of this very cell: 200 steps of a contracting map in float64
            np.testing.assert_allclose(
                serial["soft_decay_w_final"].sel(gamma0=g, w0=w).values,
                _w_final(g, w),
                rtol=0,
                atol=WHOLE_RUN_F64,
            )
    keys = json.loads(serial.attrs["point_keys"])
    assert keys == [p.key for p in sw.points(_sweep())] and len(set(keys)) == 6


def test_rerun_skips_finished_points(tmp_path, serial):
    store = tmp_path / "again.zarr"
    first = sw.run_sweep(_sweep(), store, executor="serial")
    again = sw.run_sweep(_sweep(), store, executor="serial")
    assert first.attrs["points_run"] == 6 and again.attrs["points_run"] == 0
    xr.testing.assert_identical(again.drop_attrs(), serial.drop_attrs())


def test_returned_result_is_what_the_store_holds(tmp_path):
    # run_sweep returns the result it kept in memory instead of reading the store back
    store = tmp_path / "held.zarr"
    fresh = sw.run_sweep(_sweep(), store, executor="serial")
    xr.testing.assert_identical(fresh, sw.load(store).assign_attrs(points_run=6))
    # a resumed sweep: the store is read once, then written; undo the row gamma0 = 0.25
    zarr = pytest.importorskip("zarr")
    done = zarr.open_group(str(store), mode="r+")["done"]
    flags = done[...]
    flags[0, :] = False
    done[...] = flags
    again = sw.run_sweep(_sweep(), store, executor="serial", flush_seconds=0.0)
    assert again.attrs["points_run"] == 2
    xr.testing.assert_identical(again, sw.load(store).assign_attrs(points_run=2))
    xr.testing.assert_identical(again.drop_attrs(), fresh.drop_attrs())
    # random samples: the sampled paths are coordinates along "sample"
    sampled = sw.Sweep(
        experiment="hebb-bounds", base=BASE, samples=3, ranges={"gamma0": (0.25, 1.0, True)}
    )
    ds = sw.run_sweep(sampled, tmp_path / "sampled.zarr", executor="serial")
    assert ds["gamma0"].dims == ("sample",)
    xr.testing.assert_identical(ds, sw.load(tmp_path / "sampled.zarr").assign_attrs(points_run=3))


def test_store_of_another_sweep_is_refused(tmp_path):
    store = tmp_path / "one.zarr"
    sw.run_sweep(_sweep(), store, executor="serial")
    other = sw.Sweep(experiment="hebb-bounds", base=BASE, grid={"gamma0": [0.5, 2.0]})
    with pytest.raises(ConfigError, match=r"holds the points of another sweep"):
        sw.run_sweep(other, store, executor="serial")


def test_tuning_batch_gives_the_one_by_one_numbers_and_eq10():
    # The batched executor's speed must not change a number: each member of one batched run
    # (members of two networks, interleaved) equals its own one-point run bit for bit, and the
    # simulated response matches eq (10) (3 s of settling leaves a transient < 1e-9).
    exp = get_experiment("oscillator-tuning")
    assert exp.run_batch is not None
    configs = [
        exp.config(a1=a1, n_patterns=n, drive_hz=f, settle=3.0)
        for f in (30.0, 41.0, 63.0)
        for a1, n in ((0.1, 1), (1.0, 3))
    ]
    batch = exp.run_batch(configs, Progress())
    for config, got in zip(configs, batch, strict=True):
        assert got.metrics == exp.run(config, Progress()).metrics
        assert got.metrics["rel_err_vs_eq10"] < LINEAR_VS_EQ10


def test_killed_sweep_resumes_with_every_point_once(tmp_path, serial):
    slow = {**BASE, "t_stop": 20.0}  # ~0.2 s a point, so the kill lands mid-sweep
    grid = {"gamma0": [round(0.1 + 0.05 * k, 2) for k in range(16)], "w0": W0}  # 32 points
    spec = tmp_path / "slow.toml"
    spec.write_text(
        'experiment = "hebb-bounds"\n[base]\n'
        + "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in slow.items())
        + "[grid]\n"
        + "".join(f"{k} = {v!r}\n" for k, v in grid.items())
    )
    store = tmp_path / "slow.zarr"
    cmd = [sys.executable, "-m", "hebbkit", "sweep", str(spec), "--out", str(store)]
    proc = subprocess.Popen(
        [*cmd, "--executor", "serial", "--flush-seconds", "0"], stdout=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if store.exists():
            try:
                done = int(sw.load(store)["done"].sum())
            except (OSError, ValueError, KeyError):
                done = 0
            if done >= 3:
                proc.send_signal(signal.SIGKILL)
                break
        time.sleep(0.05)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    interrupted = int(sw.load(store)["done"].sum())
    assert 3 <= interrupted < 32
    out = subprocess.run([*cmd, "--executor", "serial"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert f"ran {32 - interrupted} points; 32 of 32 done" in out.stdout
    ds = sw.load(store)
    keys = [p.key for p in sw.points(sw.from_toml(spec)[0])]
    assert json.loads(ds.attrs["point_keys"]) == keys and bool(ds["done"].all())
    for g in grid["gamma0"]:
        np.testing.assert_allclose(
            ds["soft_decay_w_star"].sel(gamma0=g).values,
            np.tile(_closed_form(g), (2, 1)),
            rtol=SAME_ALGORITHM_F64,
        )
        # each cell's simulated weight, whether it ran before the kill or after the resume
        for w in W0:
            np.testing.assert_allclose(
                ds["soft_decay_w_final"].sel(gamma0=g, w0=w).values,
                _w_final(g, w, slow["t_stop"]),
                rtol=0,
                atol=WHOLE_RUN_F64,
            )


class _KillOneWorker(Progress):
    """After the first finished point, kill one of the cluster's worker processes."""

    def __init__(self, client):
        self.client = client
        self.killed = None

    def track(self, items, description, total=None):
        for item in items:
            if self.killed is None:
                pids = self.client.run(os.getpid)
                self.killed = pids[sorted(pids)[0]]
                os.kill(self.killed, signal.SIGKILL)
            yield item


def test_dask_cluster_losing_a_worker_matches_serial(tmp_path, serial):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        progress = _KillOneWorker(client)
        ds = sw.run_sweep(
            _sweep(), tmp_path / "dask.zarr", executor="dask", client=client, progress=progress
        )
    assert progress.killed is not None
    assert ds.attrs["points_run"] == 6 and bool(ds["done"].all())
    xr.testing.assert_identical(ds.drop_attrs(), serial.drop_attrs())


def test_processes_executor_matches_serial(tmp_path, serial):
    ds = sw.run_sweep(_sweep(), tmp_path / "pool.zarr", executor="processes", workers=2)
    xr.testing.assert_identical(ds.drop_attrs(), serial.drop_attrs())
