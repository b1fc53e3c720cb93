"""Compiled kernels of the spiking kind: the algorithms of ``engine._numpy.spiking``,
statement for statement, with the whole loop compiled (``numba.njit(cache=True)``)."""

from __future__ import annotations

import math

import numba
import numpy as np

from ...rules import spike as sp
from ...rules.spike import AbstractTraceSTDP as R

_pot = numba.njit(cache=True)(R.potentiation)
_dep = numba.njit(cache=True)(R.depression)
_fplus = numba.njit(cache=True)(R.factor_plus)
_fminus = numba.njit(cache=True)(R.factor_minus)

A2P, A3P, A2M, A3M = sp.A2P, sp.A3P, sp.A2M, sp.A3M
TAU_R1, TAU_R2, TAU_O1, TAU_O2 = sp.TAU_R1, sp.TAU_R2, sp.TAU_O1, sp.TAU_O2
W_MIN, W_MAX, MU = sp.W_MIN, sp.W_MAX, sp.MU
KEEP_R_PRE, KEEP_R_POST, KEEP_O_POST, KEEP_O_PRE = (
    sp.KEEP_R_PRE, sp.KEEP_R_POST, sp.KEEP_O_POST, sp.KEEP_O_PRE)


@numba.njit(cache=True)
def synapse_events(times, is_post, starts, p, w0):  # pragma: no cover - compiled
    out = np.empty(len(times))
    for s in range(len(starts) - 1):
        w = w0[s]
        r1 = 0.0
        r2 = 0.0
        o1 = 0.0
        o2 = 0.0
        t_last = times[starts[s]] if starts[s + 1] > starts[s] else 0.0
        for n in range(starts[s], starts[s + 1]):
            h = times[n] - t_last
            t_last = times[n]
            r1 *= math.exp(-h / p[TAU_R1])
            r2 *= math.exp(-h / p[TAU_R2])
            o1 *= math.exp(-h / p[TAU_O1])
            o2 *= math.exp(-h / p[TAU_O2])
            if is_post[n]:
                dw = _pot(r1, o2, p[A2P], p[A3P])
                if p[MU] != 0.0:
                    dw *= _fplus(w, p[W_MIN], p[W_MAX], p[MU])
                w = min(max(w + dw, p[W_MIN]), p[W_MAX])
                r1 *= p[KEEP_R_POST]
                r2 *= p[KEEP_R_POST]
                o1 = p[KEEP_O_POST] * o1 + 1.0
                o2 = p[KEEP_O_POST] * o2 + 1.0
            else:
                dw = _dep(o1, r2, p[A2M], p[A3M])
                if p[MU] != 0.0:
                    dw *= _fminus(w, p[W_MIN], p[W_MAX], p[MU])
                w = min(max(w + dw, p[W_MIN]), p[W_MAX])
                o1 *= p[KEEP_O_PRE]
                o2 *= p[KEEP_O_PRE]
                r1 = p[KEEP_R_PRE] * r1 + 1.0
                r2 = p[KEEP_R_PRE] * r2 + 1.0
            out[n] = w
    return out
