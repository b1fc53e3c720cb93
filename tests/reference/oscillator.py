"""Slow loop reference of the Scarpetta-Li-Hertz equations (1)-(2), written straight from the paper.

One unit at a time, plain Python floats; the drive I_i(t) = I0_i + 2 |xi_i| cos(omega t + arg xi_i).
"""

import cmath
import math


def rhs(u, v, t, net, xi, omega, g_u, g_v):
    n = len(u)
    gu = [g_u(u[j]) for j in range(n)]
    du, dv = [0.0] * n, [0.0] * n
    for i in range(n):
        long_e = sum(net.J[i, j] * gu[j] for j in range(n))
        long_i = sum(net.W[i, j] * gu[j] for j in range(n))
        amp, phase = abs(xi[i]), cmath.phase(xi[i])
        drive = float(net.I0 if net.I0.ndim == 0 else net.I0[i]) + 2 * amp * math.cos(
            omega * t + phase
        )
        du[i] = -net.alpha * u[i] - net.beta * g_v(v[i]) + long_e + drive
        dv[i] = -net.alpha * v[i] + net.gamma * gu[i] + long_i
    return du, dv


def trajectory(net, xi, frequency, u0, v0, n_steps, dt, method, g_u, g_v):
    """u after each step (list of lists), by forward Euler or classical RK4.

    ``g_u`` and ``g_v`` are the transfer functions as plain float -> float closed forms, given by
    the caller rather than taken from ``net`` (the library's own functions)."""
    omega = 2 * math.pi * frequency
    u, v = list(u0), list(v0)
    n = len(u)
    out = []
    for k in range(n_steps):
        t = k * dt
        if method == "euler":
            du, dv = rhs(u, v, t, net, xi, omega, g_u, g_v)
            u = [u[i] + dt * du[i] for i in range(n)]
            v = [v[i] + dt * dv[i] for i in range(n)]
        else:
            k1 = rhs(u, v, t, net, xi, omega, g_u, g_v)
            s = (
                [u[i] + 0.5 * dt * k1[0][i] for i in range(n)],
                [v[i] + 0.5 * dt * k1[1][i] for i in range(n)],
            )
            k2 = rhs(*s, t + 0.5 * dt, net, xi, omega, g_u, g_v)
            s = (
                [u[i] + 0.5 * dt * k2[0][i] for i in range(n)],
                [v[i] + 0.5 * dt * k2[1][i] for i in range(n)],
            )
            k3 = rhs(*s, t + 0.5 * dt, net, xi, omega, g_u, g_v)
            s = ([u[i] + dt * k3[0][i] for i in range(n)], [v[i] + dt * k3[1][i] for i in range(n)])
            k4 = rhs(*s, t + dt, net, xi, omega, g_u, g_v)
            u = [
                u[i] + dt / 6 * (k1[0][i] + 2 * k2[0][i] + 2 * k3[0][i] + k4[0][i])
                for i in range(n)
            ]
            v = [
                v[i] + dt / 6 * (k1[1][i] + 2 * k2[1][i] + 2 * k3[1][i] + k4[1][i])
                for i in range(n)
            ]
        out.append(list(u))
    return out


def rule6_direct(y, x, lags, weights, start, n_t, dt):
    """dC_ij = sum_t dt x_j(t) sum_k w_k y_i(t + k): the rule (6) as an explicit double sum."""
    n = len(x[0])
    c = [[0.0] * n for _ in range(n)]
    for t in range(start, start + n_t):
        for i in range(n):
            z = sum(w * y[t + k][i] for k, w in zip(lags, weights, strict=True))
            for j in range(n):
                c[i][j] += dt * z * x[t][j]
    return c
