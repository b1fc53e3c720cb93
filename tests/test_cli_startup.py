"""What the command line imports before it works: each check runs in a fresh interpreter,
since imports are per process."""

import subprocess
import sys

import pytest


def _modules_after(code: str) -> set[str]:
    """The top-level modules imported by ``code``, run in a fresh interpreter (a None entry in
    sys.modules marks a module blocked from import, not imported)."""
    probe = code + (
        "\nimport sys\nprint(' '.join({m.split('.')[0] for m, v in sys.modules.items() if v}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stdout.split())


def test_listing_experiments_imports_no_plotting_or_compiler():
    # `hebbkit list` and `describe` read every experiment's config and summary only.
    loaded = _modules_after(
        "from hebbkit.experiments import get_experiment, names\n"
        "for name in names():\n"
        "    get_experiment(name).config()"
    )
    assert {"hebbkit", "pydantic"} <= loaded
    assert not loaded & {"matplotlib", "numba", "scipy", "h5py", "jax"}


def test_commands_other_than_sweep_run_without_dask():
    pytest.importorskip("dask")
    make = "import numpy, xarray\nxarray.Dataset({'a': ('x', numpy.zeros(2))})"
    hidden = _modules_after(
        f"from hebbkit.cli import _without_dask\n_without_dask(['run'])\n{make}"
    )
    assert "xarray" in hidden and "dask" not in hidden
    # xarray checks new arrays against dask's type, so dask is imported where it is allowed.
    swept = _modules_after(
        f"from hebbkit.cli import _without_dask\n_without_dask(['sweep', 'x.toml'])\n{make}"
    )
    assert "dask" in swept
