"""Compiled kernels of the spiking kind: the algorithms of ``engine._numpy.spiking``,
statement for statement, with the whole loop compiled (``numba.njit(cache=True)``)."""

from __future__ import annotations

import math

import numba
import numpy as np

from ...rules import spike as sp
from ...rules.spike import AbstractTraceSTDP as R
from .._numpy import spiking as numpy_spiking

_pot = numba.njit(cache=True)(R.potentiation)
_dep = numba.njit(cache=True)(R.depression)
_fplus = numba.njit(cache=True)(R.factor_plus)
_fminus = numba.njit(cache=True)(R.factor_minus)

A2P, A3P, A2M, A3M = sp.A2P, sp.A3P, sp.A2M, sp.A3M
TAU_R1, TAU_R2, TAU_O1, TAU_O2 = sp.TAU_R1, sp.TAU_R2, sp.TAU_O1, sp.TAU_O2
W_MIN, W_MAX, MU = sp.W_MIN, sp.W_MAX, sp.MU
KEEP_R_PRE, KEEP_R_POST, KEEP_O_POST, KEEP_O_PRE = (
    sp.KEEP_R_PRE,
    sp.KEEP_R_POST,
    sp.KEEP_O_POST,
    sp.KEEP_O_PRE,
)


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


@numba.njit(cache=True)
def run_network(
    n_steps,
    k0,
    nrn,
    p,
    w,
    v,
    g,
    ref,
    X,
    kref,
    tabs,
    itabs,
    ptr,
    ids,
    independent,
    stride,
    rec_v,
    rec_g,
    rec_w,
    rec_count,
    count,
):  # pragma: no cover - compiled
    tau_m, E_L, V_th, V_reset, ref_steps, E_syn, dt, P_m, P_s, c, cond = (
        nrn[0],
        nrn[1],
        nrn[2],
        nrn[3],
        nrn[4],
        nrn[5],
        nrn[6],
        nrn[7],
        nrn[8],
        nrn[9],
        nrn[10],
    )
    J = tabs.shape[1] - 1
    lo, hi, mu = p[W_MIN], p[W_MAX], p[MU]
    n_post, n_pre = w.shape
    spiked = np.empty(n_post, np.bool_)
    n_rec = 0
    for k in range(n_steps):
        ka = k0 + k
        if ka % J == 0 and ka != kref:
            for t in range(4):
                f = itabs[t, J]
                for i in range(n_post):
                    for j in range(n_pre):
                        X[t, i, j] *= f
            kref = ka
        m = ka - kref
        for i in range(n_post):
            if cond != 0.0:
                v_new = v[i] + dt * ((E_L - v[i]) + g[i] * (E_syn - v[i])) / tau_m
            else:
                v_new = E_L + (v[i] - E_L) * P_m + g[i] * c
            g[i] *= P_s
            if not ref[i] > 0:
                v[i] = v_new
            ref[i] = max(ref[i] - 1.0, 0.0)
            spiked[i] = v[i] > V_th
        i_r1, i_r2, i_o1, i_o2 = itabs[0, m], itabs[1, m], itabs[2, m], itabs[3, m]
        for n in range(ptr[k], ptr[k + 1]):
            if independent:
                i_lo = ids[n] // n_pre
                i_hi = i_lo + 1
                j = ids[n] - i_lo * n_pre
            else:
                i_lo = 0
                i_hi = n_post
                j = ids[n]
            for i in range(i_lo, i_hi):
                g[i] += w[i, j]
                dw = _dep(X[2, i, j] * i_o1, X[1, i, j] * i_r2, p[A2M], p[A3M])
                if mu != 0.0:
                    dw = dw * _fminus(w[i, j], lo, hi, mu)
                w[i, j] = min(max(w[i, j] + dw, lo), hi)
                X[2, i, j] *= p[KEEP_O_PRE]
                X[3, i, j] *= p[KEEP_O_PRE]
                X[0, i, j] = p[KEEP_R_PRE] * X[0, i, j] + tabs[0, m]
                X[1, i, j] = p[KEEP_R_PRE] * X[1, i, j] + tabs[1, m]
        for i in range(n_post):
            if spiked[i]:
                for j in range(n_pre):
                    dw = _pot(X[0, i, j] * i_r1, X[3, i, j] * i_o2, p[A2P], p[A3P])
                    if mu != 0.0:
                        dw = dw * _fplus(w[i, j], lo, hi, mu)
                    w[i, j] = min(max(w[i, j] + dw, lo), hi)
                    X[0, i, j] *= p[KEEP_R_POST]
                    X[1, i, j] *= p[KEEP_R_POST]
                    X[2, i, j] = p[KEEP_O_POST] * X[2, i, j] + tabs[2, m]
                    X[3, i, j] = p[KEEP_O_POST] * X[3, i, j] + tabs[3, m]
                v[i] = V_reset
                ref[i] = ref_steps
                count[i] += 1.0
        if (k + 1) % stride == 0:
            for i in range(n_post):
                if not (np.isfinite(v[i]) and np.isfinite(g[i])):
                    return k, kref
            # element loops: slice assignment here costs ~4 s of compile time
            for i in range(n_post):
                if rec_v.shape[0]:
                    rec_v[n_rec, i] = v[i]
                if rec_g.shape[0]:
                    rec_g[n_rec, i] = g[i]
                if rec_count.shape[0]:
                    rec_count[n_rec, i] = count[i]
                if rec_w.shape[0]:
                    for j in range(n_pre):
                        rec_w[n_rec, i, j] = w[i, j]
            n_rec += 1
    return -1, kref


_voltage_steps = numba.njit(cache=True)(numpy_spiking.voltage_steps)


def voltage_synapse(nrn, q, pre, post, current, w0):  # type: ignore[no-untyped-def]
    """``engine._numpy.spiking.voltage_synapse``, its loop compiled."""
    return _voltage_steps(pre, post, current, w0, *nrn, *q)
