"""Backend kernels, one module per network kind."""

from ... import _threads

_threads.apply_numba()
