"""Engine kind "oscillator": the Scarpetta-Li-Hertz network, linear (eq 3) or nonlinear (eqs 1-2).

``simulate(network, None, OscillatoryDrive(xi, frequency), ...)`` runs a batch of drives (one per
row of xi) through one network in one kernel call; a :class:`LinearOscillator` with a batch of
networks runs drive b on network b, or on the network ``OscillatoryDrive.network`` names. A
:class:`LinearOscillator` is stepped exactly (matrix exponential with the sinusoidal forcing
carried in closed form), so its only error is rounding, and it steps from record to record (a
run costs its records, not its steps); an :class:`Oscillator` is stepped by RK4 or forward Euler
(``network.method``).

Recorded: ``u`` and ``v`` (time, batch, unit), deviations from the fixed point for the linear
network and membrane potentials for the nonlinear one. ``initial=None`` starts the linear network
at 0 and the nonlinear one at its fixed point; :func:`initial_state` builds any other start.

:func:`drive_components` measures a recorded response at the drive frequency;
:func:`time_domain_weights` is the learning rule (6) in the time domain.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DivergenceError, ParameterError
from ..networks.oscillator import Imprint, LinearOscillator, Oscillator, OscillatoryDrive
from .record import Record

VARIABLES = ("u", "v")


def run(
    network: Any,
    rule: Any,
    drive: Any,
    *,
    n_steps: int,
    dt: float,
    record: Record,
    backend: str,
    seed: int,
    initial: xr.Dataset | None,
    dtype: str,
    skip: int = 0,
) -> xr.Dataset:
    """One piece of a run, ``skip`` unrecorded steps and then ``n_steps`` recorded ones; see
    :func:`hebbkit.engine.simulate`. ``seed`` is unused (no noise). The linear network crosses
    the skipped steps in one exact step, the nonlinear one in a kernel call that records
    nothing."""
    if rule is not None:
        raise ParameterError(
            "simulate.rule",
            "must be None for the oscillator (learning: time_domain_weights)",
            type(rule).__name__,
        )
    if not isinstance(drive, OscillatoryDrive):
        raise ParameterError("simulate.drive", "must be an OscillatoryDrive", type(drive).__name__)
    n = network.n
    xi, omega = drive.batch(n)
    net_of = drive.networks(getattr(network, "batch", 1))
    names = record.chosen(VARIABLES, ("u",))
    stride = record.stride(dt)
    ftype = np.float32 if dtype == "float32" else np.float64
    u, v, step0 = _start(network, initial, xi.shape[0])
    n_rec = n_steps // stride
    if isinstance(network, LinearOscillator):
        # the kernel records the wanted columns of z = (u, v); u and v are views of them
        first = 0 if "u" in names else n
        out = np.empty((n_rec, xi.shape[0], n * len(names)), dtype=ftype)
        u, v, bad = _run_linear(
            network, xi, omega, net_of, u, v, step0, skip, n_steps, dt, stride, out, first,
            backend, ftype,
        )  # fmt: skip
        out_u = out[..., :n] if "u" in names else out[:0]
        out_v = out[..., -n:] if "v" in names else out[:0]
    elif isinstance(network, Oscillator):
        _check_dt(network, dt, omega)
        bad = -1
        if skip:
            dropped = np.empty((1, xi.shape[0], n), dtype=ftype)  # the transient's one record
            u, v, bad = _run_nonlinear(
                network, xi, omega, u, v, step0, skip, dt, skip, dropped, dropped, backend, ftype
            )
        shape = (n_rec, xi.shape[0], n)
        out_u = np.empty(shape if "u" in names else (0, 1, 1), dtype=ftype)
        out_v = np.empty(shape if "v" in names else (0, 1, 1), dtype=ftype)
        if bad < 0:
            u, v, bad = _run_nonlinear(
                network, xi, omega, u, v, step0 + skip, n_steps, dt, stride, out_u, out_v,
                backend, ftype,
            )  # fmt: skip
            bad = bad + skip if bad >= 0 else bad
    else:
        raise ParameterError(
            "simulate.network", "must be an Oscillator or LinearOscillator", type(network).__name__
        )
    if bad >= 0:
        r = (bad - skip) // stride - 1  # the record that holds it; < 0 within the skipped steps
        held = out_u[r] if 0 <= r and out_u.shape[0] else np.asarray(u)
        bad_u = held[~np.isfinite(held)]
        raise DivergenceError(
            "u",
            (step0 + bad) * dt,
            step0 + bad,
            float(bad_u.flat[0]) if bad_u.size else float("nan"),
        )
    step0 += skip
    time = (step0 + stride * np.arange(1, n_rec + 1)) * dt
    data: dict[str, Any] = {}
    for name, buf in (("u", out_u), ("v", out_v)):
        if name in names:
            data[name] = (("time", "batch", "unit"), buf, {"units": "1 (u, v as in eqs 1-2)"})
    data["u_final"] = (("batch", "unit"), u.astype(np.float64), {"units": "1"})
    data["v_final"] = (("batch", "unit"), v.astype(np.float64), {"units": "1"})
    data["drive_frequency"] = (("batch",), omega / (2.0 * math.pi), {"units": "Hz"})
    ds = xr.Dataset(data, coords={"time": ("time", time, {"units": "s"})})
    ds.attrs.update({"t_end": (step0 + n_steps) * dt, "step_end": step0 + n_steps})
    return ds


def initial_state(u: Any, v: Any, batch: int, step: int = 0, dt: float = 1.0) -> xr.Dataset:
    """A start for ``simulate(..., initial=...)``: u, v ((N,) or (B, N)) at global step ``step``."""
    u = np.broadcast_to(np.asarray(u, dtype=np.float64), (batch, np.shape(u)[-1])).copy()
    v = np.broadcast_to(np.asarray(v, dtype=np.float64), u.shape).copy()
    ds = xr.Dataset({"u_final": (("batch", "unit"), u), "v_final": (("batch", "unit"), v)})
    ds.attrs.update({"t_end": step * dt, "step_end": step})
    return ds


def _start(
    network: Any, initial: xr.Dataset | None, batch: int
) -> tuple[np.ndarray, np.ndarray, int]:
    if initial is not None:
        u = np.asarray(initial["u_final"].values, dtype=np.float64)
        v = np.asarray(initial["v_final"].values, dtype=np.float64)
        if u.shape != (batch, network.n):
            raise ParameterError(
                "simulate.initial", f"must hold u_final of shape {(batch, network.n)}", u.shape
            )
        return u, v, int(initial.attrs["step_end"])
    if isinstance(network, Oscillator):
        u_star, v_star = network.fixed_point()
        return np.tile(u_star, (batch, 1)), np.tile(v_star, (batch, 1)), 0
    return np.zeros((batch, network.n)), np.zeros((batch, network.n)), 0


def _check_dt(network: Oscillator, dt: float, omega: np.ndarray) -> None:
    # The local pair oscillates at up to sqrt(alpha^2 + beta0 gamma0) (gain 1); RK4 and Euler
    # need several steps per period of it and of the drive.
    rate = max(network.alpha + math.sqrt(network.beta * network.gamma), float(np.max(omega)))
    limit = 1.0 / rate
    if dt > limit:
        raise ParameterError("simulate.dt", f"must be <= {limit:.3g} s for this oscillator", dt)


def _run_linear(
    net: LinearOscillator,
    xi: np.ndarray,
    omega: np.ndarray,
    net_of: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    step0: int,
    skip: int,
    n_steps: int,
    dt: float,
    stride: int,
    out: np.ndarray,
    first: int,
    backend: str,
    ftype: Any,
) -> tuple[np.ndarray, np.ndarray, int]:
    n, m = net.n, 2 * net.n
    a = net.system_matrix().reshape(-1, m, m)  # one per network
    import scipy.linalg  # 0.3 s: only runs of a linear network load it

    # The stepping is exact for any step, so it goes from record to record: a step of
    # h = stride dt, with the phase of the run's first step carried in G. The skipped steps
    # are one step more, of skip dt, taken here.
    h = stride * dt
    rhs = np.concatenate([xi, np.zeros_like(xi)], axis=1)[..., None]
    G = np.empty(rhs.shape[:2], dtype=np.complex128)
    z = np.concatenate([u, v], axis=1)[..., None]
    per = max(1, 2**25 // (16 * m * m))  # drives per solve: 32 MB of (i omega - A)
    # an unstable network may overflow in the skipped step: the finiteness check below stops it
    with np.errstate(over="ignore", invalid="ignore"):
        E = scipy.linalg.expm(a * h)
        E_skip = scipy.linalg.expm(a * (skip * dt)) if skip else None
        for lo in range(0, len(net_of), per):
            # steady states (i omega - A) Z = [xi; 0], member by member (a batch gives what one
            # by one gives), and the forcing of a step of h
            mine, k = slice(lo, lo + per), net_of[lo : lo + per]
            Z = np.linalg.solve(1j * omega[mine, None, None] * np.eye(m) - a[k], rhs[mine])
            G[mine] = _forcing(E[k], Z, omega[mine], h)[..., 0]
            if E_skip is not None:  # the skipped steps: one exact step of skip dt from step0
                G_skip = _forcing(E_skip[k], Z, omega[mine], skip * dt)
                phasor = np.exp(1j * omega[mine] * (step0 * dt))[:, None, None]
                z[mine] = E_skip[k] @ z[mine] + 2.0 * (G_skip * phasor).real
    bad = -1 if np.isfinite(z).all() else skip
    step0, lag = divmod(step0 + skip, stride)
    if lag:
        G *= np.exp(1j * omega * (lag * dt))[:, None]
    z = z[..., 0].astype(ftype)
    if bad >= 0:
        return z[:, :n], z[:, n:], bad
    args = (
        E.astype(ftype),
        net_of,
        G.real.astype(ftype).copy(),
        G.imag.astype(ftype).copy(),
        omega,
        z,
        step0,
        n_steps // stride,
        h,
    )
    kernel: Any
    if backend == "numba":
        from ._numba.oscillator import linear_steps as kernel
    elif backend == "jax":
        from ._jax.oscillator import linear_steps as kernel
    else:
        from ._numpy.oscillator import linear_steps as kernel
    z, bad = kernel(*args, out, first)
    return z[:, :n], z[:, n:], skip + bad * stride if bad > 0 else bad


def _forcing(E: np.ndarray, Z: np.ndarray, omega: np.ndarray, h: float) -> np.ndarray:
    """G = e^{i omega h} Z - E Z, the forcing of an exact step of h (s) with E = exp(A h) and
    the steady states Z (B, m, 1): z(t + h) = E z(t) + 2 Re[G e^{i omega t}]."""
    return np.exp(1j * omega * h)[:, None, None] * Z - E @ Z


def _run_nonlinear(
    net: Oscillator,
    xi: np.ndarray,
    omega: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    step0: int,
    n_steps: int,
    dt: float,
    stride: int,
    out_u: np.ndarray,
    out_v: np.ndarray,
    backend: str,
    ftype: Any,
) -> tuple[np.ndarray, np.ndarray, int]:
    n = net.n
    JW = np.ascontiguousarray(np.vstack([net.J, net.W]), dtype=ftype)
    I0 = np.broadcast_to(net.I0, (n,)).astype(ftype)
    xr_, xim = xi.real.astype(ftype).copy(), xi.imag.astype(ftype).copy()
    pu, pv = net.g_u.param_array().astype(ftype), net.g_v.param_array().astype(ftype)
    u, v = u.astype(ftype), v.astype(ftype)
    rk4 = net.method == "rk4"
    kernel: Any
    if backend == "numba":
        from ._numba.oscillator import nonlinear_steps as kernel
    elif backend == "jax":
        from ._jax.oscillator import nonlinear_steps as kernel
    else:
        from ._numpy.oscillator import nonlinear_steps as kernel
    p = {
        "alpha": net.alpha,
        "beta": net.beta,
        "gamma": net.gamma,
        "I0": I0,
        "JW": JW,
        "xr": xr_,
        "xim": xim,
        "omega": omega,
        "g_u": net.g_u,
        "g_v": net.g_v,
        "pu": pu,
        "pv": pv,
    }
    return kernel(u, v, p, rk4, step0, n_steps, dt, stride, out_u, out_v)  # type: ignore[no-any-return]


def drive_components(
    t: np.ndarray, u: np.ndarray, omega: np.ndarray, t_from: float
) -> tuple[np.ndarray, np.ndarray]:
    """(u+ (B, N) complex, lock fraction (B,)) of responses u (T, B, N) at increasing times t (s).

    For t >= t_from, a least-squares fit u_i(t) ~ c_i + 2 Re[u+_i e^{i omega_b t}] over the
    window (exact for a pure sinusoid whatever the window), by its normal equations; the lock
    fraction is the power of the fitted sinusoid over the total AC power, summed over units: 1
    for a response locked to the drive, well below 1 for a self-sustained oscillation at another
    frequency. The sums over the records are compiled (two passes, in the records' own layout:
    3.5x the stacked numpy products they replaced) and run member by member, so a batch gives
    what one-by-one gives.
    """
    from ._numba.oscillator import fit_powers, window_sums

    u = np.ascontiguousarray(u, dtype=np.float64)
    if u.ndim != 3 or t.shape != u.shape[:1] or omega.shape != u.shape[1:2]:
        raise ParameterError(
            "drive_components.u", "must be (T, B, N) with t (T,) and omega (B,)", u.shape
        )
    first = int(np.searchsorted(t, t_from))  # t increases: the window is t[first:]
    # one basis, and one Gram matrix, per distinct frequency (a sweep repeats each over its
    # networks); each entry of the Gram matrix is its own row's sum, whatever the batch
    freqs, which = np.unique(omega, return_inverse=True)
    phase = freqs[:, None] * t[None, first:]
    cosine, sine = np.cos(phase), np.sin(phase)
    basis = np.stack([np.ones_like(phase), cosine, sine], axis=1)  # (F, 3, T)
    gram = np.sum(basis[:, :, None] * basis[:, None], axis=-1)  # (F, 3, 3)
    proj = np.zeros((u.shape[1], 3, u.shape[2]))
    window_sums(u, first, cosine, sine, which, proj)
    coef = np.linalg.solve(gram[which], proj)  # (B, 3, N): c, a cos + b sin
    residual, total = np.zeros(u.shape[1:]), np.zeros(u.shape[1:])
    fit_powers(u, first, cosine, sine, which, coef, residual, total)
    residual, total = residual.sum(axis=1), total.sum(axis=1)  # over units, row by row
    u_plus = 0.5 * (coef[:, 1] - 1j * coef[:, 2])
    return u_plus, 1.0 - residual / np.maximum(total, np.finfo(float).tiny)


def time_domain_weights(
    network: LinearOscillator, imprints: Any, *, backend: str = "numba", steps_per_period: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    """J and W from the learning rule (6), integrated in the time domain.

    For each imprint the local network (J = W = 0, cholinergic suppression) is driven with
    xi e^{i omega0 t} + c.c. and simulated (exactly, see :func:`run`) at dt = period /
    ``steps_per_period``; after the transient (25/alpha s) the rule
    dC_ij = eta int_0^T dt int dtau y_i(t + tau) A(tau) x_j(t), x = u, y = u (J) or v (W),
    is summed with the window's quadrature in tau (:meth:`AbstractWindow.quadrature`) and the
    rectangle rule over whole periods in t (exact for periodic signals). The tau sum is done for
    all t at once as an FFT correlation.
    """
    from .simulate import simulate

    local = network.local()
    n = local.n
    J, W = np.zeros((n, n)), np.zeros((n, n))
    for imp in imprints:
        if not isinstance(imp, Imprint):
            raise ParameterError(
                "time_domain_weights.imprints", "must hold Imprint objects", type(imp).__name__
            )
        periods = imp.duration * imp.frequency
        if abs(periods - round(periods)) > 1e-9 * periods or round(periods) < 1:
            raise ParameterError(
                "Imprint.duration", "must be a whole number of periods", imp.duration
            )
        dt = 1.0 / (imp.frequency * steps_per_period)
        lags, weights = imp.window.quadrature(dt)
        k_minus, k_plus = int(max(0, -lags.min())), int(max(0, lags.max()))
        n_t = round(periods) * steps_per_period
        start = math.ceil(25.0 / local.alpha / dt) + k_minus
        total = start + n_t + k_plus
        drive = OscillatoryDrive(xi=imp.xi, frequency=imp.frequency)
        ds = simulate(
            local,
            None,
            drive,
            t_stop=total * dt,
            dt=dt,
            record=Record(vars=("u", "v")),
            backend=backend,
        )
        u = ds["u"].values[:, 0, :]
        v = ds["v"].values[:, 0, :]
        # records start after step 1: record r is the state at step r + 1.
        x = u[start - 1 : start - 1 + n_t]
        kernel = np.zeros(k_minus + k_plus + 1)
        kernel[lags + k_minus] = weights
        for y, eta, target in ((u, imp.eta_J, J), (v, imp.eta_W, W)):
            segment = y[start - 1 - k_minus : start - 1 + n_t + k_plus]
            z = _correlate(segment, kernel, n_t)
            target += eta * dt * (z.T @ x)
    return J, W


def _correlate(y: np.ndarray, kernel: np.ndarray, n_t: int) -> np.ndarray:
    """z[t] = sum_m kernel[m] y[t + m] for t < n_t, by FFT."""
    k = kernel.size
    size = 1 << int(math.ceil(math.log2(y.shape[0] + k)))
    spec = np.fft.rfft(y, size, axis=0) * np.fft.rfft(kernel[::-1], size)[:, None]
    return np.fft.irfft(spec, size, axis=0)[k - 1 : k - 1 + n_t]
