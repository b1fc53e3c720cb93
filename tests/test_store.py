"""store.write_result: a failure anywhere leaves no result directory behind."""

import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure

from hebbkit import store
from hebbkit.experiments import Result


def _figure(k: int, panels: int) -> Figure:
    fig = Figure(figsize=(3, 2))
    for p, ax in enumerate(fig.subplots(1, panels, squeeze=False)[0]):
        ax.plot(np.arange(10.0), np.arange(10.0) ** (k + p), "o-")
        ax.set_title(f"figure {k} panel {p}")
    return fig


def _result(figures: dict) -> Result:
    ds = xr.Dataset({"w": ("time", np.arange(3.0), {"units": "1"})})
    return Result(data={"weights": ds}, figures=figures, metrics={"x": 1.0})


class _Broken:
    """A figure whose rendering fails."""

    axes = [object()] * 5

    def savefig(self, path, dpi):
        raise RuntimeError("cannot draw")


def test_failing_figure_raises_and_leaves_nothing(tmp_path):
    figures = {"bad": _Broken(), "good": _figure(1, 1)}
    with pytest.raises(RuntimeError, match="cannot draw"):
        store.write_result(_result(figures), tmp_path / "out", {})
    assert list(tmp_path.iterdir()) == []


def test_result_directory_gets_the_umask_permissions(tmp_path):
    # mkdtemp makes 0700 directories; a result is as readable as anything else the user writes
    import os

    old = os.umask(0o022)
    try:
        with store.atomic_dir(tmp_path / "out") as tmp:
            (tmp / "x.txt").write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755


def test_zarr_encoded_in_memory_is_what_xarray_writes_itself(tmp_path, monkeypatch):
    """A small Zarr result goes through memory first; the files must be those of xarray's own
    write to the directory (the reference), byte for byte, and read back identical."""
    ds = xr.Dataset(
        {
            "amplitude": (("a1", "hz"), np.arange(6.0).reshape(2, 3), {"units": "u"}),
            "done": ("a1", np.array([True, False])),
        },
        coords={"a1": [0.1, 0.4], "hz": [25.0, 28.0, 31.0]},
        attrs={"experiment": "oscillator-tuning", "point_keys": '["a", "b"]'},
    )
    store.save(ds, tmp_path / "memory.zarr")
    monkeypatch.setattr(store, "IN_MEMORY_BYTES", -1)
    store.save(ds, tmp_path / "direct.zarr")

    def files(root):
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    written = files(tmp_path / "memory.zarr")
    assert len(written) > 5 and written == files(tmp_path / "direct.zarr")
    xr.testing.assert_identical(store.load(tmp_path / "memory.zarr"), ds)
