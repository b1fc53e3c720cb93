"""Compiled kernels of the spiking kind: the algorithms of ``engine._numpy.spiking``,
statement for statement, with the whole loop compiled (``numba.njit(cache=True)``)."""

from __future__ import annotations

import math

import numba
import numpy as np

from ...rules import spike as sp
from ...rules.spike import AbstractTraceSTDP as R
from ...rules.spike import VoltageSTDP

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


_ltd_v = numba.njit(cache=True)(VoltageSTDP.ltd_rate)
_ltp_v = numba.njit(cache=True)(VoltageSTDP.ltp_rate)


@numba.njit(cache=True)
def voltage_synapse(nrn, q, pre, post, current, w0):  # pragma: no cover - compiled
    C, g_L, E_L, VT_rest, D_T, tau_w, a, b, I_sp, VT_max, V_peak, V_spike = (
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
        nrn[11],
    )
    spike_steps, V_reset, dt, f_z, f_VT = nrn[12], nrn[13], nrn[14], nrn[15], nrn[16]
    A_LTD, A_LTP, th_m, th_p, f_m, f_p, f_x, jump_x = (
        q[0],
        q[1],
        q[2],
        q[3],
        q[4],
        q[5],
        q[6],
        q[7],
    )
    homeo, u_ref2, f_bar, lo, hi, lag = q[8], q[9], q[10], q[11], q[12], q[13]
    n = len(pre)
    w_out = np.empty(n)
    u_out = np.empty(n)
    u, w_ad, z, V_T, clamp = E_L, 0.0, 0.0, VT_rest, 0.0
    u_m, u_p, x, u_bar, w = E_L, E_L, 0.0, 0.0, w0
    m = int(lag)
    past = np.full(max(m, 1), E_L)
    for k in range(n):
        I_k = current[k] if len(current) else 0.0
        if clamp > 0:
            clamp -= 1.0
            if clamp == 0:
                u = V_reset
                w_ad += b
                z = I_sp
                V_T = VT_max
        else:
            du = (-g_L * (u - E_L) + g_L * D_T * math.exp((u - V_T) / D_T) - w_ad + z + I_k) / C
            w_ad += dt * (a * (u - E_L) - w_ad) / tau_w
            u += dt * du
        z *= f_z
        V_T = VT_rest + (V_T - VT_rest) * f_VT
        if clamp == 0 and (u > V_peak or post[k]):
            u = V_spike
            clamp = spike_steps
        u_f = u
        if m > 0:
            u_f = past[k % m]
            past[k % m] = u
        u_m += (u_f - u_m) * f_m
        u_p += (u_f - u_p) * f_p
        u_bar += ((u_f - E_L) - u_bar) * f_bar
        x *= f_x
        if pre[k]:
            amp = A_LTD * (u_bar * u_bar / u_ref2 if homeo else 1.0)
            w -= _ltd_v(u_m, th_m, amp)
            x += jump_x
        w += dt * _ltp_v(u, u_p, x, th_m, th_p, A_LTP)
        w = min(max(w, lo), hi)
        w_out[k] = w
        u_out[k] = u
    return w_out, u_out
