"""Strict numerics for every test: float64 by default, and numpy errors raise."""

import importlib.util

import numpy as np
import pytest

BACKENDS = ["numpy", "numba"] + (["jax"] if importlib.util.find_spec("jax") else [])


@pytest.fixture(autouse=True)
def _strict_numpy():
    old = np.seterr(all="raise", under="ignore")
    yield
    np.seterr(**old)


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Every backend importable here; tests that take it run once per backend."""
    return request.param


@pytest.fixture
def rng():
    return np.random.default_rng(20011)
