"""The oscillator kind in vectorised numpy: the readable specification of the kernels.

Arrays have the batch first: u, v are (B, N). The drive of batch element b at step k is
2 Re[xi_b e^{i omega_b t_k}] = 2 (xr cos(omega t_k) - xim sin(omega t_k)) with t_k = k dt for the
global step index k, so a run split into chunks computes exactly the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np


# Overflow is reported by the divergence check, as in the compiled kernels.
@np.errstate(over="ignore", invalid="ignore")
def linear_steps(
    E: np.ndarray,
    net: np.ndarray,
    Gr: np.ndarray,
    Gi: np.ndarray,
    omega: np.ndarray,
    z: np.ndarray,
    step0: int,
    n_steps: int,
    dt: float,
    out: np.ndarray,
    first: int,
) -> tuple[np.ndarray, int]:
    """Exact stepping of z' = A z + [dI; 0]: z_{k+1} = E z_k + 2 Re[G e^{i omega t_k}].

    E = exp(A dt), one per network (K, 2N, 2N), and drive b runs on network net[b];
    G = (e^{i omega dt} - E) Z with Z the steady-state amplitude, so the forced part is carried
    exactly (and dt can be the whole time between two records). ``out`` (n_steps, B, C)
    receives z[:, first:first + C] at every step (u is z[:, :N], v is z[:, N:]). Returns the
    final z and the step (1-based) of the first non-finite z (of any component), or -1.
    """
    cols = slice(first, first + out.shape[2])
    E = E[0] if E.shape[0] == 1 else E[net]  # each drive's network
    for k in range(n_steps):
        phase = omega * ((step0 + k) * dt)
        z = (E @ z[..., None])[..., 0] + 2.0 * (
            Gr * np.cos(phase)[:, None] - Gi * np.sin(phase)[:, None]
        )
        out[k] = z[:, cols]
        if not np.all(np.isfinite(z)):
            return z, k + 1
    return z, -1


def _rhs(
    u: np.ndarray, v: np.ndarray, t: float, p: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    n = u.shape[1]
    gu = p["g_u"].f(u, p["pu"])
    gv = p["g_v"].f(v, p["pv"])
    h = gu @ p["JW"].T
    phase = p["omega"] * t
    drive = 2.0 * (p["xr"] * np.cos(phase)[:, None] - p["xim"] * np.sin(phase)[:, None])
    du = -p["alpha"] * u - p["beta"] * gv + h[:, :n] + p["I0"] + drive
    dv = -p["alpha"] * v + p["gamma"] * gu + h[:, n:]
    return du, dv


@np.errstate(over="ignore", invalid="ignore")
def nonlinear_steps(
    u: np.ndarray,
    v: np.ndarray,
    p: dict[str, Any],
    rk4: bool,
    step0: int,
    n_steps: int,
    dt: float,
    stride: int,
    out_u: np.ndarray,
    out_v: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Eqs (1)-(2) by RK4 (``rk4``) or forward Euler; records u, v every ``stride`` steps
    into ``out_u``, ``out_v`` (R, B, N; an empty array records nothing).

    ``p`` holds alpha, beta, gamma, I0 (N,), JW = [J0; W0] (2N, N), xr, xim (B, N), omega (B,),
    the transfer objects g_u, g_v and their parameter vectors pu, pv.
    """
    for k in range(n_steps):
        t = (step0 + k) * dt
        if rk4:
            k1u, k1v = _rhs(u, v, t, p)
            k2u, k2v = _rhs(u + 0.5 * dt * k1u, v + 0.5 * dt * k1v, t + 0.5 * dt, p)
            k3u, k3v = _rhs(u + 0.5 * dt * k2u, v + 0.5 * dt * k2v, t + 0.5 * dt, p)
            k4u, k4v = _rhs(u + dt * k3u, v + dt * k3v, t + dt, p)
            u = u + (dt / 6.0) * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
            v = v + (dt / 6.0) * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
        else:
            du, dv = _rhs(u, v, t, p)
            u = u + dt * du
            v = v + dt * dv
        if (k + 1) % stride == 0:
            r = (k + 1) // stride - 1
            if out_u.shape[0]:
                out_u[r] = u
            if out_v.shape[0]:
                out_v[r] = v
            if not (np.all(np.isfinite(u)) and np.all(np.isfinite(v))):
                return u, v, k + 1
    return u, v, -1
