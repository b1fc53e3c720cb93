"""The oscillator kind compiled with numba: the whole time loop, recording and divergence check
in one call per run, batched over drives. Same arithmetic as ``engine._numpy.oscillator``.

Transfer functions are those of ``hebbkit.neurons.rate``; their ``f(x, p)`` static methods are
jitted here and chosen inside the loop by an integer code (:data:`TRANSFER_CODES`).
"""

from __future__ import annotations

import numba
import numpy as np

from ...neurons.rate import Linear, PiecewiseLinear, Rectified, Sigmoid, Tanh

TRANSFER_CODES = {Linear: 0, Rectified: 1, Tanh: 2, Sigmoid: 3, PiecewiseLinear: 4}

_linear = numba.njit(cache=True)(Linear.f)
_rectified = numba.njit(cache=True)(Rectified.f)
_tanh = numba.njit(cache=True)(Tanh.f)
_sigmoid = numba.njit(cache=True)(Sigmoid.f)
_piecewise = numba.njit(cache=True)(PiecewiseLinear.f)

# Reassociation lets the dot products vectorise; no nnan/ninf, so isfinite checks stay.
_FAST = {"reassoc", "contract", "nsz"}
# Below this many columns the mat-vec is register-blocked; above, memory bandwidth dominates
# and plain rows are as fast (within 15% of BLAS, without np.dot's 3.5 s of compile time).
_BLOCKED_N = 256


@numba.njit(cache=True)
def _g(code, x, p):  # type: ignore[no-untyped-def]
    if code == 0:
        return _linear(x, p)
    if code == 1:
        return _rectified(x, p)
    if code == 2:
        return _tanh(x, p)
    if code == 3:
        return _sigmoid(x, p)
    return _piecewise(x, p)


@numba.njit(cache=True, inline="always")
def _transfer(code, x, p, out):  # type: ignore[no-untyped-def]
    b_n, n = x.shape
    if code == 2:
        # tanh(k x) = 1 - 2 / (e^{2 k x} + 1): exp is ~3x cheaper than libm tanh here, and the
        # result differs from np.tanh by a few ulps (absolute), far inside the 1e-12 contract.
        two_k = 2.0 * p[0]
        for b in range(b_n):
            for i in range(n):
                out[b, i] = p[1] * (1.0 - 2.0 / (np.exp(two_k * x[b, i]) + 1.0))
    else:
        for b in range(b_n):
            for i in range(n):
                out[b, i] = _g(code, x[b, i], p)


@numba.njit(cache=True, fastmath=_FAST)
def linear_steps(E, Gr, Gi, omega, z0, step0, n_steps, dt, stride, out):  # type: ignore[no-untyped-def]
    """z_{k+1} = E z_k + 2 Re[G e^{i omega t_k}]; see ``engine._numpy.oscillator.linear_steps``."""
    b_n, m = z0.shape
    z = z0.copy()
    new = np.empty(m)
    for k in range(n_steps):
        t = (step0 + k) * dt
        for b in range(b_n):
            c = np.cos(omega[b] * t)
            s = np.sin(omega[b] * t)
            Eb = E[b] if E.ndim == 3 else E
            for i in range(m):
                acc = 0.0
                for j in range(m):
                    acc += Eb[i, j] * z[b, j]
                new[i] = acc + 2.0 * (Gr[b, i] * c - Gi[b, i] * s)
            for i in range(m):
                z[b, i] = new[i]
        if (k + 1) % stride == 0:
            r = (k + 1) // stride - 1
            bad = False
            for b in range(b_n):
                for i in range(m):
                    out[r, b, i] = z[b, i]
                    if not np.isfinite(z[b, i]):
                        bad = True
            if bad:
                return z, k + 1
    return z, -1


@numba.njit(cache=True, fastmath=_FAST, inline="always")
def _matvec(m, x, b, out):  # type: ignore[no-untyped-def]
    rows, cols = m.shape
    first = 0
    if cols < _BLOCKED_N:
        # Four rows per pass share the loads of x: ~1.5x faster while m fits in cache.
        for i in range(0, rows - 3, 4):
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            for j in range(cols):
                xj = x[b, j]
                a0 += m[i, j] * xj
                a1 += m[i + 1, j] * xj
                a2 += m[i + 2, j] * xj
                a3 += m[i + 3, j] * xj
            out[b, i] = a0
            out[b, i + 1] = a1
            out[b, i + 2] = a2
            out[b, i + 3] = a3
        first = rows - rows % 4
    for i in range(first, rows):
        acc = 0.0
        for j in range(cols):
            acc += m[i, j] * x[b, j]
        out[b, i] = acc


@numba.njit(cache=True, fastmath=_FAST, inline="always")
def _rhs(u, v, t, alpha, beta, gamma, I0, JW, xr, xim, omega, cu, pu, cv, pv, gu, gv, h, du, dv, s):  # type: ignore[no-untyped-def]
    b_n, n = u.shape
    _transfer(cu, u, pu, gu)
    _transfer(cv, v, pv, gv)
    for b in range(b_n):
        _matvec(JW, gu, b, h)
    for b in range(b_n):
        cos2 = 2.0 * np.cos(omega[b] * t)
        sin2 = 2.0 * np.sin(omega[b] * t)
        for i in range(n):
            drive = xr[b, i] * cos2 - xim[b, i] * sin2
            du[s, b, i] = -alpha * u[b, i] - beta * gv[b, i] + h[b, i] + I0[i] + drive
            dv[s, b, i] = -alpha * v[b, i] + gamma * gu[b, i] + h[b, n + i]


@numba.njit(cache=True, fastmath=_FAST)
def nonlinear_steps(  # type: ignore[no-untyped-def]
    u0,
    v0,
    alpha,
    beta,
    gamma,
    I0,
    JW,
    xr,
    xim,
    omega,
    cu,
    pu,
    cv,
    pv,
    rk4,
    step0,
    n_steps,
    dt,
    stride,
    out_u,
    out_v,
):
    """Eqs (1)-(2) by RK4 or forward Euler; see ``engine._numpy.oscillator.nonlinear_steps``."""
    b_n, n = u0.shape
    u = u0.copy()
    v = v0.copy()
    gu = np.empty((b_n, n))
    gv = np.empty((b_n, n))
    h = np.empty((b_n, 2 * n))
    ku = np.empty((4, b_n, n))
    kv = np.empty((4, b_n, n))
    su = np.empty((b_n, n))
    sv = np.empty((b_n, n))
    stages = 4 if rk4 else 1
    # RK4 stage s is evaluated at t + offset[s] dt from u + offset[s] dt k_{s-1}; one call site
    # for the right-hand side keeps the compiled code (and the JIT time) small.
    offset = np.array([0.0, 0.5, 0.5, 1.0])
    sixth = dt / 6.0
    for k in range(n_steps):
        t = (step0 + k) * dt
        for s in range(stages):
            c = offset[s] * dt
            for b in range(b_n):
                for i in range(n):
                    if s == 0:
                        su[b, i] = u[b, i]
                        sv[b, i] = v[b, i]
                    else:
                        su[b, i] = u[b, i] + c * ku[s - 1, b, i]
                        sv[b, i] = v[b, i] + c * kv[s - 1, b, i]
            _rhs(
                su,
                sv,
                t + c,
                alpha,
                beta,
                gamma,
                I0,
                JW,
                xr,
                xim,
                omega,
                cu,
                pu,
                cv,
                pv,
                gu,
                gv,
                h,
                ku,
                kv,
                s,
            )
        for b in range(b_n):
            for i in range(n):
                if rk4:
                    u[b, i] += sixth * (
                        ku[0, b, i] + 2.0 * ku[1, b, i] + 2.0 * ku[2, b, i] + ku[3, b, i]
                    )
                    v[b, i] += sixth * (
                        kv[0, b, i] + 2.0 * kv[1, b, i] + 2.0 * kv[2, b, i] + kv[3, b, i]
                    )
                else:
                    u[b, i] += dt * ku[0, b, i]
                    v[b, i] += dt * kv[0, b, i]
        if (k + 1) % stride == 0:
            r = (k + 1) // stride - 1
            bad = False
            for b in range(b_n):
                for i in range(n):
                    if out_u.shape[0]:
                        out_u[r, b, i] = u[b, i]
                    if out_v.shape[0]:
                        out_v[r, b, i] = v[b, i]
                    if not (np.isfinite(u[b, i]) and np.isfinite(v[b, i])):
                        bad = True
            if bad:
                return u, v, k + 1
    return u, v, -1
