"""Slow references for the rate rules: explicit Python loops written straight from the papers'
equations, independent of the rules' ``dw`` methods and of the engine's vectorised code.

One Euler step of size dt for every synapse, in the engine's documented order: rates, the
non-local sums from the old weights, the drift with weight dependence, normalisation, clipping,
then the low-pass states with the exact factor 1 - exp(-dt/tau).
"""

from __future__ import annotations

import math

import numpy as np

from hebbkit.rules import rate as R


def drift(rule, w, x_j, y_i, a_i, b_j):
    """dw_ij/dt of the bare rule, from its paper's equation."""
    if isinstance(rule, R.Taylor):
        return (
            rule.c0
            + rule.c1_pre * x_j
            + rule.c1_post * y_i
            + rule.c2_pre * x_j**2
            + rule.c2_post * y_i**2
            + rule.c11 * y_i * x_j
            + rule.c21 * y_i**2 * x_j
            + rule.c12 * y_i * x_j**2
        )
    if isinstance(rule, R.Hebb):
        return rule.c11 * y_i * x_j
    if isinstance(rule, R.Covariance):  # Sejnowski 1977
        return rule.gamma * (y_i - a_i) * (x_j - b_j)
    if isinstance(rule, R.Oja):  # Oja 1982 eq. 3
        return rule.gamma * (y_i * x_j - w * y_i**2)
    if isinstance(rule, R.OjaSubspace | R.Sanger):  # b_j is the reconstruction sum
        return rule.gamma * y_i * (x_j - b_j)
    if isinstance(rule, R.BCM):
        return rule.eta * y_i * (y_i - a_i) * x_j
    if isinstance(rule, R.BCMFixed):
        return rule.eta * y_i * (y_i - rule.theta) * x_j
    return 0.0


def states(rule):
    """The low-pass states, from the papers: (tau_post, tau_pre) in s (0: held fixed) and their
    values at t = 0. Sejnowski's covariance rule tracks the means <nu_i>, <nu_j> with tau from
    the given means; BCM's threshold theta_i relaxes with tau_theta from theta0."""
    if isinstance(rule, R.Covariance):
        return (rule.tau, rule.tau), (rule.mean_post, rule.mean_pre)
    if isinstance(rule, R.BCM):
        return (rule.tau_theta, 0.0), (rule.theta0, 0.0)
    return (0.0, 0.0), (0.0, 0.0)


def pre_term(rule):
    """What b_j is: the mean <nu_j> (covariance), the reconstruction sum_k w_kj nu_k (Oja's
    subspace rule) or its lower-triangular part k <= i (Sanger), else unused."""
    if isinstance(rule, R.Covariance):
        return "state"
    if isinstance(rule, R.Sanger):
        return "wty_lower"
    if isinstance(rule, R.OjaSubspace):
        return "wty"
    return "none"


def run(rule, W0, X, dt, transfer=None, Yc=None):
    """Return (W, A, Bs) after len(X) steps; W0 (post, pre), X (n, pre), Yc (n, post) or None.

    The time constants, initial states and the pre term come from the functions above, written
    from the papers, not from the rule's own ``lowpass``, ``initial_state`` and ``pre_term``."""
    base = rule.rule if isinstance(rule, R.Composed) else rule
    (tau_post, tau_pre), state0 = states(base)
    soft = getattr(rule, "soft", None)
    decay = getattr(rule, "decay", None)
    hard = getattr(rule, "hard", None)
    norm = getattr(rule, "norm", None)
    n_post, n_pre = len(W0), len(W0[0])
    W = [list(map(float, row)) for row in W0]
    A = [float(state0[0])] * n_post
    B = [float(state0[1])] * n_pre
    term = pre_term(base)
    for k in range(len(X)):
        x = [float(v) for v in X[k]]
        if Yc is None:
            y = [transfer(sum(W[i][j] * x[j] for j in range(n_pre))) for i in range(n_post)]
        else:
            y = [float(v) for v in Yc[k]]
        old = [row[:] for row in W]
        for i in range(n_post):
            for j in range(n_pre):
                if term == "state":
                    b = B[j]
                elif term == "wty":
                    b = sum(old[q][j] * y[q] for q in range(n_post))
                elif term == "wty_lower":
                    b = sum(old[q][j] * y[q] for q in range(i + 1))
                else:
                    b = 0.0
                w = old[i][j]
                f = drift(base, w, x[j], y[i], A[i], b)
                if soft is not None:
                    up = max(soft.w_max - w, 0.0) ** soft.beta
                    down = max(w - soft.w_min, 0.0) ** soft.beta
                    f = soft.gamma2 * (up * max(f, 0.0) - down * max(-f, 0.0))
                if decay is not None:
                    f -= decay.gamma0 * w
                W[i][j] = w + dt * f
            if isinstance(norm, R.MultiplicativeNorm):
                size = sum(W[i]) if norm.norm == "l1" else math.sqrt(sum(v * v for v in W[i]))
                W[i] = [v * norm.total / size for v in W[i]]
            elif isinstance(norm, R.SubtractiveNorm):
                shift = (sum(W[i]) - norm.total) / n_pre
                W[i] = [v - shift for v in W[i]]
            if hard is not None:
                W[i] = [min(max(v, hard.w_min), hard.w_max) for v in W[i]]
        if tau_post > 0:
            target = [
                y[i] ** 2 / base.nu0 if isinstance(base, R.BCM) else y[i] for i in range(n_post)
            ]
            A = [A[i] + (1 - math.exp(-dt / tau_post)) * (target[i] - A[i]) for i in range(n_post)]
        if tau_pre > 0:
            B = [B[j] + (1 - math.exp(-dt / tau_pre)) * (x[j] - B[j]) for j in range(n_pre)]
    return np.array(W), np.array(A), np.array(B)
