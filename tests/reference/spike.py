"""Slow references for spike-timing rules, written from the definitions, not from traces.

Each function sums over explicit spike pairs (or triplets) with plain Python loops, additive
(mu = 0) and without bounds. ``lif_layer`` steps the spiking engine's model with every trace
decayed by exp(-dt / tau) at every step (no lazy scaling, no tables).
"""

from __future__ import annotations

import math


def all_pairs(pre, post, A_plus, A_minus, tau_plus, tau_minus):
    """sum over every (pre, post) pair of W(t_post - t_pre); zero lag counts as potentiation."""
    dw = 0.0
    for tp in pre:
        for to in post:
            s = to - tp
            if s >= 0:
                dw += A_plus * math.exp(-s / tau_plus)
            else:
                dw -= A_minus * math.exp(s / tau_minus)
    return dw


def nearest_pairs(pre, post, scheme, A_plus, A_minus, tau_plus, tau_minus):
    """Morrison, Diesmann & Gerstner 2008 (Fig. 7) nearest-neighbour pairings, by search."""
    pre, post = list(pre), list(post)
    dw = 0.0

    def last_before(times, t, strict):
        best = None
        for x in times:
            if (x < t) if strict else (x <= t):
                best = x
        return best

    def first_after(times, t, strict):
        for x in times:
            if (x > t) if strict else (x >= t):
                return x
        return None

    if scheme == "nearest_symmetric":
        for to in post:
            tp = last_before(pre, to, strict=False)
            if tp is not None:
                dw += A_plus * math.exp(-(to - tp) / tau_plus)
        for tp in pre:
            to = last_before(post, tp, strict=True)
            if to is not None:
                dw -= A_minus * math.exp(-(tp - to) / tau_minus)
    elif scheme == "nearest_presynaptic":
        for tp in pre:
            to = first_after(post, tp, strict=False)
            if to is not None:
                dw += A_plus * math.exp(-(to - tp) / tau_plus)
            to = last_before(post, tp, strict=True)
            if to is not None:
                dw -= A_minus * math.exp(-(tp - to) / tau_minus)
    elif scheme == "nearest_restricted":
        for to in post:
            tp = last_before(pre, to, strict=False)
            if tp is not None and first_after(post, tp, strict=False) == to:
                dw += A_plus * math.exp(-(to - tp) / tau_plus)
        for tp in pre:
            to = last_before(post, tp, strict=True)
            if to is not None and first_after(pre, to, strict=True) == tp:
                dw -= A_minus * math.exp(-(tp - to) / tau_minus)
    else:
        raise ValueError(scheme)
    return dw


def triplets(pre, post, rule):
    """Pfister & Gerstner 2006 eqs. 3-4 as explicit sums: at each post spike,
    [sum_pre e^{-lag/tau+}] (A2+ + A3+ sum_{earlier post} e^{-lag/tau_y}); at each pre spike,
    -[sum_post e^{-lag/tau-}] (A2- + A3- sum_{earlier pre} e^{-lag/tau_x}). Nearest: the sums
    keep only their latest term."""
    nearest = rule.interaction == "nearest"

    def kernel(times, t, tau, strict):
        terms = [math.exp(-(t - x) / tau) for x in times if ((x < t) if strict else (x <= t))]
        if not terms:
            return 0.0
        return terms[-1] if nearest else sum(terms)

    dw = 0.0
    for to in post:
        r1 = kernel(pre, to, rule.tau_plus, strict=False)
        o2 = kernel(post, to, rule.tau_y, strict=True)
        dw += r1 * (rule.A2_plus + rule.A3_plus * o2)
    for tp in pre:
        o1 = kernel(post, tp, rule.tau_minus, strict=True)
        r2 = kernel(pre, tp, rule.tau_x, strict=True)
        dw -= o1 * (rule.A2_minus + rule.A3_minus * r2)
    return dw


def weighted(pre, post, rule, w0):
    """Pair or triplet STDP with Guetig's weight dependence and bounds, one event at a time.

    At each event, in time order (pre first at equal times), the jump is the explicit sum of
    :func:`triplets` (pair STDP: A3 = 0; nearest_symmetric: latest partner only) times
    F_+(w) = ((w_max - w)/(w_max - w_min))^mu or F_-(w) = ((w - w_min)/(w_max - w_min))^mu
    (Guetig et al. 2003, eq. 3), then w is clipped to [w_min, w_max]. Returns the final w.
    """
    if hasattr(rule, "A2_plus"):  # triplet
        amps = (rule.A2_plus, rule.A3_plus, rule.A2_minus, rule.A3_minus)
        taus = (rule.tau_plus, rule.tau_x, rule.tau_minus, rule.tau_y)
        nearest = rule.interaction == "nearest"
    else:
        if rule.scheme not in ("all_to_all", "nearest_symmetric"):
            raise ValueError(rule.scheme)
        amps = (rule.A_plus, 0.0, rule.A_minus, 0.0)
        taus = (rule.tau_plus, 1.0, rule.tau_minus, 1.0)
        nearest = rule.scheme == "nearest_symmetric"
    lo, hi, mu = rule.w_min, rule.w_max, rule.mu

    def kernel(times, t, tau, strict):
        terms = [math.exp(-(t - x) / tau) for x in times if ((x < t) if strict else (x <= t))]
        if not terms:
            return 0.0
        return terms[-1] if nearest else sum(terms)

    events = sorted([(t, 0) for t in pre] + [(t, 1) for t in post])
    w = float(w0)
    for t, is_post in events:
        if is_post:
            r1 = kernel(pre, t, taus[0], strict=False)
            o2 = kernel(post, t, taus[3], strict=True)
            dw = r1 * (amps[0] + amps[1] * o2) * ((hi - w) / (hi - lo)) ** mu
        else:
            o1 = kernel(post, t, taus[2], strict=True)
            r2 = kernel(pre, t, taus[1], strict=True)
            dw = -o1 * (amps[2] + amps[3] * r2) * ((w - lo) / (hi - lo)) ** mu
        w = min(max(w + dw, lo), hi)
    return w


def voltage_rule(u, pre, rule, dt, E_L, w0):
    """Clopath et al. 2010 eqs. 2-5 driven by a given membrane-potential trace u[k] (V).

    Per step k: u_-, u_+ and u_bar relax exactly (factor 1 - exp(-dt/tau)) towards u seen
    filter_delay earlier (E_L before the start); x decays by exp(-dt/tau_x); a presynaptic spike
    depresses by A_LTD [u_- - theta_-]+ (times u_bar^2/u_ref^2 if homeostatic), then raises x by
    1/tau_x; every step potentiates by dt A_LTP x [u - theta_+]+ [u_+ - theta_-]+; w is clipped
    to [w_min, w_max]. Returns w after every step.
    """
    delay = round(rule.filter_delay / dt)
    u_minus = u_plus = E_L
    u_bar = x = 0.0
    w = float(w0)
    out = []
    for k in range(len(u)):
        seen = (u[k - delay] if k >= delay else E_L) if delay else u[k]
        u_minus += (seen - u_minus) * (1.0 - math.exp(-dt / rule.tau_minus))
        u_plus += (seen - u_plus) * (1.0 - math.exp(-dt / rule.tau_plus))
        u_bar += ((seen - E_L) - u_bar) * (1.0 - math.exp(-dt / rule.tau_bar))
        x *= math.exp(-dt / rule.tau_x)
        if pre[k]:
            amp = rule.A_LTD * (u_bar**2 / rule.u_ref2 if rule.homeostatic else 1.0)
            w -= amp * max(u_minus - rule.theta_minus, 0.0)
            x += 1.0 / rule.tau_x
        w += (
            dt
            * rule.A_LTP
            * x
            * max(u[k] - rule.theta_plus, 0.0)
            * max(u_plus - rule.theta_minus, 0.0)
        )
        w = min(max(w, rule.w_min), rule.w_max)
        out.append(w)
    return out


def lif_layer(neuron, p, w, n_steps, dt, input_steps):
    """The spiking engine's step, one synapse at a time, traces decayed every step.

    ``input_steps[k]`` lists the inputs firing at step k; ``p`` is ``rule.kernel_params()``.
    Returns (w, v, g, post spike count).
    """
    n_post, n_pre = len(w), len(w[0])
    w = [list(row) for row in w]
    v = [neuron.E_L] * n_post
    g = [0.0] * n_post
    ref = [0] * n_post
    count = [0] * n_post
    tr = [[[0.0] * n_pre for _ in range(n_post)] for _ in range(4)]
    decay = [math.exp(-dt / p[4 + t]) for t in range(4)]
    ref_steps = round(neuron.t_ref / dt)
    P_m, P_s = math.exp(-dt / neuron.tau_m), math.exp(-dt / neuron.tau_syn)
    for k in range(n_steps):
        for t in range(4):
            for i in range(n_post):
                for j in range(n_pre):
                    tr[t][i][j] *= decay[t]
        spiked = []
        for i in range(n_post):
            if neuron.synapse == "conductance":
                dv = ((neuron.E_L - v[i]) + g[i] * (neuron.E_syn - v[i])) / neuron.tau_m
                v_new = v[i] + dt * dv
            else:
                c = neuron.tau_syn / (neuron.tau_syn - neuron.tau_m) * (P_s - P_m)
                v_new = neuron.E_L + (v[i] - neuron.E_L) * P_m + g[i] * c
            g[i] *= P_s
            if ref[i] <= 0:
                v[i] = v_new
            ref[i] = max(ref[i] - 1, 0)
            if v[i] > neuron.V_th:
                spiked.append(i)
        for j in input_steps.get(k, []):
            for i in range(n_post):
                g[i] += w[i][j]
                dw = -tr[2][i][j] * (p[2] + p[3] * tr[1][i][j])
                w[i][j] = min(max(w[i][j] + dw, p[8]), p[9])
                tr[2][i][j] *= p[14]
                tr[3][i][j] *= p[14]
                tr[0][i][j] = p[11] * tr[0][i][j] + 1.0
                tr[1][i][j] = p[11] * tr[1][i][j] + 1.0
        for i in spiked:
            for j in range(n_pre):
                dw = tr[0][i][j] * (p[0] + p[1] * tr[3][i][j])
                w[i][j] = min(max(w[i][j] + dw, p[8]), p[9])
                tr[0][i][j] *= p[12]
                tr[1][i][j] *= p[12]
                tr[2][i][j] = p[13] * tr[2][i][j] + 1.0
                tr[3][i][j] = p[13] * tr[3][i][j] + 1.0
            v[i] = neuron.V_reset
            ref[i] = ref_steps
            count[i] += 1
    return w, v, g, count
