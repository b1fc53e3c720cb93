"""The readable specification of the spiking kind: plain loops, one scalar at a time.

Three loops live here. ``synapse_events`` runs a plastic synapse through a merged, time-sorted
list of pre- and postsynaptic spikes with exact exponential decay between events (the
event-driven evaluation of :mod:`hebbkit.protocols`). ``run_network`` steps a layer of LIF
neurons driven by input spikes on the dt grid (clock-driven neurons, lazily decayed
presynaptic traces; see :mod:`hebbkit.engine.spiking`). ``voltage_steps`` runs one AdEx neuron
with a voltage-STDP synapse. Each runs as plain Python here, and ``hebbkit.engine._numba.spiking``
compiles these same functions with numba: the rule's update functions are wrapped with
``register_jitable`` below, and the loops use only what numba compiles (scalars, array
elements, no Python objects).
"""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

from ...rules import spike as sp
from ...rules.spike import AbstractTraceSTDP as R
from ...rules.spike import VoltageSTDP

# register_jitable leaves these plain functions for numpy and lets numba compile the loops
_potentiation = register_jitable(R.potentiation)
_depression = register_jitable(R.depression)
_factor_plus = register_jitable(R.factor_plus)
_factor_minus = register_jitable(R.factor_minus)
_ltd_rate = register_jitable(VoltageSTDP.ltd_rate)
_ltp_rate = register_jitable(VoltageSTDP.ltp_rate)


# The weight jumps take their parameters as scalars read once by the caller: reading them
# from p at every synapse cost T4 a third more time under numba (a store to w may alias p).
@register_jitable
def _after_post(w, r1, o2, A2, A3, lo, hi, mu):  # type: ignore[no-untyped-def]
    """w after a postsynaptic spike: w + r1 (A2+ + A3+ o2) F_+(w), clipped to [lo, hi]."""
    dw = _potentiation(r1, o2, A2, A3)
    if mu != 0.0:
        dw *= _factor_plus(w, lo, hi, mu)
    return min(max(w + dw, lo), hi)


@register_jitable
def _after_pre(w, o1, r2, A2, A3, lo, hi, mu):  # type: ignore[no-untyped-def]
    """w after a presynaptic spike: w - o1 (A2- + A3- r2) F_-(w), clipped to [lo, hi]."""
    dw = _depression(o1, r2, A2, A3)
    if mu != 0.0:
        dw *= _factor_minus(w, lo, hi, mu)
    return min(max(w + dw, lo), hi)


def synapse_events(
    times: np.ndarray, is_post: np.ndarray, starts: np.ndarray, p: np.ndarray, w0: np.ndarray
) -> np.ndarray:
    """The weight after each event. Synapse s owns events ``starts[s]:starts[s+1]``.

    Between events every trace decays exactly, x <- x exp(-h/tau_x) over the interval h. A
    postsynaptic spike potentiates by r1 (A2+ + A3+ o2) F_+(w), then r1, r2 are kept by
    KEEP_R_POST and o1, o2 <- KEEP_O_POST o + 1; a presynaptic spike depresses by
    -o1 (A2- + A3- r2) F_-(w), then o1, o2 are kept by KEEP_O_PRE and r1, r2 <- KEEP_R_PRE r + 1
    (``rules.spike``: F = 1 when mu = 0). The weight is clipped to [w_min, w_max] after each
    jump. At equal times the merge order decides; callers put presynaptic spikes first.
    """
    out = np.empty(len(times))
    a2p, a3p, a2m, a3m = p[sp.A2P], p[sp.A3P], p[sp.A2M], p[sp.A3M]
    lo, hi, mu = p[sp.W_MIN], p[sp.W_MAX], p[sp.MU]
    for s in range(len(starts) - 1):
        w = float(w0[s])
        r1 = r2 = o1 = o2 = 0.0
        t_last = times[starts[s]] if starts[s + 1] > starts[s] else 0.0
        for n in range(starts[s], starts[s + 1]):
            h = times[n] - t_last
            t_last = times[n]
            r1 *= math.exp(-h / p[sp.TAU_R1])
            r2 *= math.exp(-h / p[sp.TAU_R2])
            o1 *= math.exp(-h / p[sp.TAU_O1])
            o2 *= math.exp(-h / p[sp.TAU_O2])
            if is_post[n]:
                w = _after_post(w, r1, o2, a2p, a3p, lo, hi, mu)
                r1 *= p[sp.KEEP_R_POST]
                r2 *= p[sp.KEEP_R_POST]
                o1 = p[sp.KEEP_O_POST] * o1 + 1.0
                o2 = p[sp.KEEP_O_POST] * o2 + 1.0
            else:
                w = _after_pre(w, o1, r2, a2m, a3m, lo, hi, mu)
                o1 *= p[sp.KEEP_O_PRE]
                o2 *= p[sp.KEEP_O_PRE]
                r1 = p[sp.KEEP_R_PRE] * r1 + 1.0
                r2 = p[sp.KEEP_R_PRE] * r2 + 1.0
            out[n] = w
    return out


def run_network(
    n_steps: int,
    k0: int,
    nrn: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    v: np.ndarray,
    g: np.ndarray,
    ref: np.ndarray,
    X: np.ndarray,
    kref: int,
    tabs: np.ndarray,
    itabs: np.ndarray,
    ptr: np.ndarray,
    ids: np.ndarray,
    independent: int,
    stride: int,
    rec_v: np.ndarray,
    rec_g: np.ndarray,
    rec_w: np.ndarray,
    rec_count: np.ndarray,
    count: np.ndarray,
) -> tuple[int, int]:
    """Advance the layer ``n_steps`` steps in place; returns (failing step or -1, kref).

    Step k (absolute k0 + k): (1) the membrane and synaptic variables advance by dt (Euler or
    the exact propagator, see ``neurons.spiking.LIF``); (2) neurons above threshold spike;
    (3) each input spike of the step adds its weight to g, depresses by the post traces, then
    bumps the pre traces; (4) each spiking neuron potentiates by the pre traces (including the
    step's own input spikes: zero lag counts as pre-before-post), bumps its post traces and
    resets. With ``independent`` each post neuron has its own inputs: input id
    i * n_pre + j is synapse (i, j). Traces are stored scaled, x = X exp(-(k - kref) dt / tau);
    ``tabs[t, m]`` holds exp(m dt/tau_t) and ``itabs`` its inverse, and every
    J = tabs.shape[1] - 1 absolute steps X is rescaled so the exponents stay bounded.
    Every ``stride`` steps v and g are checked to be finite and the ``rec_*`` arrays with a
    non-zero first axis record v, g, w and the spike count.
    """
    tau_m, E_L, V_th, V_reset, ref_steps, E_syn, dt, P_m, P_s, c, cond = nrn
    J = tabs.shape[1] - 1
    a2p, a3p, a2m, a3m = p[sp.A2P], p[sp.A3P], p[sp.A2M], p[sp.A3M]
    lo, hi, mu = p[sp.W_MIN], p[sp.W_MAX], p[sp.MU]
    n_post, n_pre = w.shape
    spiked = np.zeros(n_post, np.bool_)
    n_rec = 0
    for k in range(n_steps):
        ka = k0 + k
        if ka % J == 0 and ka != kref:  # rebase: X <- X exp(-J dt / tau), kref <- ka
            for t in range(4):
                f = itabs[t, J]
                for i in range(n_post):
                    for j in range(n_pre):
                        X[t, i, j] *= f
            kref = ka
        m = ka - kref
        # trace t of synapse (i, j) is X[t, i, j] * itabs[t, m]; t = r1, r2, o1, o2
        i_r1, i_r2, i_o1, i_o2 = itabs[0, m], itabs[1, m], itabs[2, m], itabs[3, m]
        # (1) advance v (unless refractory) and g; (2) threshold
        for i in range(n_post):
            if cond:
                v_new = v[i] + dt * ((E_L - v[i]) + g[i] * (E_syn - v[i])) / tau_m
            else:
                v_new = E_L + (v[i] - E_L) * P_m + g[i] * c
            g[i] *= P_s
            if not ref[i] > 0:
                v[i] = v_new
            ref[i] = max(ref[i] - 1.0, 0.0)
            spiked[i] = v[i] > V_th
        # (3) input spikes: g += w, depression -o1 (A2- + A3- r2) F_-(w), then o kept, r bumped
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
                o1, r2 = X[2, i, j] * i_o1, X[1, i, j] * i_r2
                w[i, j] = _after_pre(w[i, j], o1, r2, a2m, a3m, lo, hi, mu)
                X[2, i, j] *= p[sp.KEEP_O_PRE]
                X[3, i, j] *= p[sp.KEEP_O_PRE]
                X[0, i, j] = p[sp.KEEP_R_PRE] * X[0, i, j] + tabs[0, m]
                X[1, i, j] = p[sp.KEEP_R_PRE] * X[1, i, j] + tabs[1, m]
        # (4) spiking neurons: potentiation r1 (A2+ + A3+ o2) F_+(w) on every input synapse,
        # then r kept, o bumped; reset and refractory period
        for i in range(n_post):
            if spiked[i]:
                for j in range(n_pre):
                    r1, o2 = X[0, i, j] * i_r1, X[3, i, j] * i_o2
                    w[i, j] = _after_post(w[i, j], r1, o2, a2p, a3p, lo, hi, mu)
                    X[0, i, j] *= p[sp.KEEP_R_POST]
                    X[1, i, j] *= p[sp.KEEP_R_POST]
                    X[2, i, j] = p[sp.KEEP_O_POST] * X[2, i, j] + tabs[2, m]
                    X[3, i, j] = p[sp.KEEP_O_POST] * X[3, i, j] + tabs[3, m]
                v[i] = V_reset
                ref[i] = ref_steps
                count[i] += 1.0
        if (k + 1) % stride == 0:
            for i in range(n_post):
                if not (math.isfinite(v[i]) and math.isfinite(g[i])):
                    return k, kref
            # element loops: under numba, slice assignment here costs ~4 s of compile time
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


def voltage_synapse(
    nrn: np.ndarray,
    q: np.ndarray,
    pre: np.ndarray,
    post: np.ndarray,
    current: np.ndarray,
    w0: float,
) -> tuple[np.ndarray, np.ndarray]:
    """One AdEx neuron (``neurons.spiking.AdExClopath``) and one synapse with voltage STDP
    (``rules.spike.VoltageSTDP``), clock-driven; returns the weight and u after each step.

    ``pre[k]`` marks presynaptic spikes at step k; ``post[k]`` starts a postsynaptic spike
    at step k (as a brief strong current pulse would); ``current`` is the injected current (A)
    per step or empty. Step k: (1) u and w_ad advance by Euler (or follow the spike shape),
    z and V_T decay; (2) a spike starts if u > V_peak or ``post[k]``; (3) the filters u_minus,
    u_plus (exact for u constant over the step) and x decay; (4) a presynaptic spike depresses
    by A_LTD [u_minus - theta_minus]+ and bumps x by 1/tau_x; (5) potentiation
    dt A_LTP x [u - theta_plus]+ [u_plus - theta_minus]+; the weight is clipped to its bounds.
    """
    return voltage_steps(pre, post, current, w0, *nrn, *q)


def voltage_steps(  # type: ignore[no-untyped-def]
    pre, post, current, w0,
    C, g_L, E_L, VT_rest, D_T, tau_w, a, b, I_sp, VT_max, V_peak, V_spike,
    spike_steps, V_reset, dt, f_z, f_VT,
    A_LTD, A_LTP, th_m, th_p, f_m, f_p, f_x, jump_x, homeo, u_ref2, f_bar, lo, hi, lag,
):  # fmt: skip
    """The loop of :func:`voltage_synapse` with every parameter a scalar: numba compiles this
    same function (``engine._numba.spiking``), since it cannot unpack an array into names."""
    n = len(pre)
    w_out, u_out = np.empty(n), np.empty(n)
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
            w -= _ltd_rate(u_m, th_m, amp)
            x += jump_x
        w += dt * _ltp_rate(u, u_p, x, th_m, th_p, A_LTP)
        w = min(max(w, lo), hi)
        w_out[k] = w
        u_out[k] = u
    return w_out, u_out
