"""store: a failure anywhere leaves no result directory behind; Zarr results are xarray's."""

import json

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


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _metadata(text: bytes) -> dict:
    """A zarr.json without the base64 ``_FillValue`` attribute that xarray adds to floats (the
    array's own fill value, NaN, is in the metadata either way)."""
    meta = json.loads(text)
    meta.get("attributes", {}).pop("_FillValue", None)
    return meta


_PLAIN = {
    "grid": xr.Dataset(
        {
            "amplitude": (("a1", "hz"), np.arange(6.0).reshape(2, 3), {"units": "u"}),
            "done": (("a1", "hz"), np.array([[True, False, True], [False, False, True]])),
        },
        coords={"a1": [0.1, 0.4], "hz": [25.0, 28.0, 31.0]},
        attrs={"experiment": "oscillator-tuning", "point_keys": '["a", "b"]', "n": 3},
    ),
    # random samples: the swept paths are coordinates along "sample", not dimensions
    "samples": xr.Dataset(
        {"m": ("sample", [0.0, np.nan, 1.0]), "done": ("sample", [True, False, True])},
        coords={"rule.eta": ("sample", [0.1, 0.2, 0.3]), "seed": ("sample", [0, 1, 2])},
    ),
    "strings": xr.Dataset(
        {"m": (("backend", "seed"), np.arange(6.0).reshape(2, 3))},
        coords={"backend": ["numpy", "numba"], "seed": [0, 1, 2]},
    ),
    "ints": xr.Dataset(
        {
            "k": ("x", np.array([0, -1, 5], np.int32)),
            "f": ("x", np.array([0, np.nan], "f4")[[0, 1, 0]]),
        }
    ),
    # a sweep's encoding: uncompressed chunks named c.0.0 beside zarr.json
    "sweep": xr.Dataset(
        {
            "m": (("a1", "hz"), np.arange(6.0).reshape(2, 3)),
            "done": (("a1", "hz"), np.ones((2, 3), bool)),
        },
        coords={"a1": [0.1, 0.4], "hz": [25.0, 28.0, 31.0]},
    ),
    # large enough for zarr to split it into chunks
    "chunked": xr.Dataset({"u": (("time", "unit"), np.arange(3e6).reshape(100_000, 30))}),
}
for _v in _PLAIN["sweep"].variables.values():
    _v.encoding.update(compressors=None, chunk_key_encoding={"name": "default", "separator": "."})


@pytest.mark.filterwarnings("ignore:The data type .* does not have a Zarr V3 specification")
@pytest.mark.parametrize("name", list(_PLAIN))
def test_zarr_written_by_zarr_is_what_xarray_writes_itself(tmp_path, name):
    """A result of plain arrays is written through zarr's async API in one round trip; the
    reference is xarray's own ``to_zarr``: the same files, chunks byte for byte, the same
    metadata but for xarray's ``_FillValue`` attribute, and the same Dataset read back."""
    ds = _PLAIN[name]
    store.save(ds, tmp_path / "ours.zarr")
    ds.to_zarr(tmp_path / "xarray.zarr", mode="w", consolidated=False)
    ours, theirs = _files(tmp_path / "ours.zarr"), _files(tmp_path / "xarray.zarr")
    assert sorted(ours) == sorted(theirs) and len(ours) >= 5
    for key, data in ours.items():
        if key.endswith("zarr.json"):
            assert _metadata(data) == _metadata(theirs[key]), key
        else:
            assert data == theirs[key], key
    xr.testing.assert_identical(store.load(tmp_path / "ours.zarr"), ds)


def test_zarr_of_what_needs_encoding_is_written_by_xarray(tmp_path, monkeypatch):
    """Dates need xarray's CF encoding, and a result over IN_MEMORY_BYTES goes straight to
    disk: both are written by xarray's to_zarr (its ``_FillValue`` attribute on floats shows
    it), and read back identical."""
    t = np.array(["2026-01-01", "2026-01-02"], "M8[ns]")
    dates = xr.Dataset({"x": ("t", [1.0, 2.0])}, coords={"t": t})
    for name, ds, floats in (("dates", dates, "x"), ("big", _PLAIN["grid"], "amplitude")):
        if name == "big":
            monkeypatch.setattr(store, "IN_MEMORY_BYTES", -1)
        store.save(ds, tmp_path / f"{name}.zarr")
        meta = json.loads((tmp_path / f"{name}.zarr" / floats / "zarr.json").read_text())
        assert "_FillValue" in meta["attributes"]
        xr.testing.assert_identical(store.load(tmp_path / f"{name}.zarr"), ds)
