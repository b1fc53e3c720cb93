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
