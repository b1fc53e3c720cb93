"""Compiled kernels of the spiking kind: the loops of ``engine._numpy.spiking`` themselves,
each compiled whole by ``numba.njit(cache=True)``."""

from __future__ import annotations

import numba

from .._numpy import spiking as numpy_spiking

synapse_events = numba.njit(cache=True)(numpy_spiking.synapse_events)
run_network = numba.njit(cache=True)(numpy_spiking.run_network)
_voltage_steps = numba.njit(cache=True)(numpy_spiking.voltage_steps)


def voltage_synapse(nrn, q, pre, post, current, w0):  # type: ignore[no-untyped-def]
    """``engine._numpy.spiking.voltage_synapse``, its loop compiled."""
    return _voltage_steps(pre, post, current, w0, *nrn, *q)
