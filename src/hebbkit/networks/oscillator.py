"""The Scarpetta-Li-Hertz oscillatory E-I network and its linear theory (NIPS 13, 2001).

Sign convention. The drive is I_i(t) = I0_i + (xi_i e^{i omega t} + c.c.) with complex patterns xi,
the positive-frequency response is u+ e^{i omega t}, and A~(omega) = int A(tau) e^{-i omega tau}
dtau. The paper writes e^{-i omega t}; its formulas are the complex conjugates of ours. Its
eqs (11)-(12) use A~'' = Im A~, for the small window Im A~ = -omega0 a1: with that sign
omega0^2 = alpha^2 + beta gamma - J0 omega0 A~'' rises with a1 > 0, as the paper says it does
(the extracted text of eqs 11-12 has lost its minus signs; docs/scarpetta2001.md derives every
prefactor).

- :class:`Oscillator`: eqs (1)-(2), the nonlinear model; :meth:`Oscillator.fixed_point` for the
  DC drive and :meth:`Oscillator.linearised`.
- :class:`LinearOscillator`: eq (3) with effective couplings; its exact frequency response,
  the coupling M(omega) of eqs (4)-(5) and stability.
- :class:`Imprint` and :func:`closed_form_weights`: learning in closed form, eq (9), for P
  patterns each with its own frequency, window and rates (the time-domain rule, eq (6), is
  :func:`hebbkit.engine.oscillator.time_domain_weights`).
- :func:`eq10_response`, :func:`resonance_frequency` (eq 11), :func:`small_window_resonance`
  (eqs 11-12) and :func:`kernel_for_resonance` (the inverse design).
- :func:`recall_quality`: recall of many stored patterns in linear theory (the capacity study);
  the response of a simulation at the drive frequency is
  :func:`hebbkit.engine.oscillator.drive_components`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pydantic

from .._params import Duration, Frequency, LearningRate, Positive, Real, frozen
from ..errors import ParameterError
from ..neurons.rate import AbstractTransfer, Linear
from ..rules.windows import AbstractWindow, SmallWindow


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _float_array(value: Any) -> np.ndarray:
    return _read_only(np.array(value, dtype=np.float64))


def _complex_array(value: Any) -> np.ndarray:
    return _read_only(np.array(value, dtype=np.complex128))


def _index_array(value: Any) -> np.ndarray | None:
    return None if value is None else _read_only(np.array(value))


# Typed Any for mypy: the validator turns scalars and lists into read-only float64 arrays.
FloatArray = Annotated[Any, pydantic.BeforeValidator(_float_array)]
ComplexArray = Annotated[Any, pydantic.BeforeValidator(_complex_array)]


def _summary(obj: Any) -> str:
    """A one-line repr: scalars in full, arrays by shape (provenance attributes stay short)."""
    parts = []
    for name in obj.__dataclass_fields__:
        value = getattr(obj, name)
        if isinstance(value, np.ndarray):
            text = f"<{value.dtype} {value.shape}>" if value.ndim else repr(value.item())
        else:
            text = repr(value)
        parts.append(f"{name}={text}")
    return f"{type(obj).__name__}({', '.join(parts)})"


def _check_square(owner: str, name: str, m: np.ndarray, n: int, lead: tuple[int, ...] = ()) -> None:
    if m.shape != (*lead, n, n) or not np.all(np.isfinite(m)):
        shape = ", ".join(str(d) for d in (*lead, n, n))
        raise ParameterError(f"{owner}.{name}", f"must be a finite ({shape}) matrix", m.shape)


def _check_units(owner: str, name: str, x: np.ndarray, n: int, positive: bool) -> None:
    if x.shape not in ((), (n,)) or not np.all(np.isfinite(x)) or (positive and np.any(x <= 0)):
        need = "> 0, " if positive else ""
        raise ParameterError(f"{owner}.{name}", f"must be {need}a scalar or ({n},) vector", x)


@frozen
class LinearOscillator:
    """Linearised network, eq (3): u'' + (2a - J)u' + [a^2 + beta(gamma + W) - aJ]u = (d/dt + a)dI.

    (a = alpha.)

    Written as the first-order system u' = -alpha u - beta v + J u + dI,
    v' = -alpha v + (gamma + W) u
    (u, v measured from the fixed point), from which eq (3) follows by eliminating v. Each unit
    alone is a damped oscillator with damping 2 alpha and frequency sqrt(alpha^2 + beta gamma)
    (Scarpetta, Li & Hertz 2001, NIPS 13, eqs 3-5).

    Parameters
    ----------
    alpha : float
        Leak rate 1/tau of both populations in 1/s, > 0.
    beta : float or (N,) array
        Effective local I -> E coupling beta_i = g_v'(v*_i) beta0 in 1/s, > 0.
    gamma : float or (N,) array
        Effective local E -> I coupling gamma_i = g_u'(u*_i) gamma0 in 1/s, > 0.
    J : (N, N) or (K, N, N) array
        Effective long-range E -> E couplings J_ij = g_u'(u*_j) J0_ij in 1/s. A leading batch
        axis holds K networks that ``simulate`` runs as one batch (a sweep over learned
        weights), network k driven by drive k or by the drives that
        ``OscillatoryDrive.network`` sends to it; the frequency-domain methods take one
        network.
    W : (N, N) or (K, N, N) array
        Effective long-range E -> I couplings W_ij = g_u'(u*_j) W0_ij in 1/s, shaped as J.
    """

    kind: ClassVar[str] = "oscillator"
    alpha: Positive
    beta: FloatArray
    gamma: FloatArray
    J: FloatArray
    W: FloatArray

    def _check(self) -> None:
        n = self.J.shape[-1] if self.J.ndim in (2, 3) else 0
        lead = self.J.shape[:-2] if self.J.ndim == 3 else ()
        _check_square("LinearOscillator", "J", self.J, n, lead)
        _check_square("LinearOscillator", "W", self.W, n, lead)
        _check_units("LinearOscillator", "beta", self.beta, n, positive=True)
        _check_units("LinearOscillator", "gamma", self.gamma, n, positive=True)

    def __repr__(self) -> str:
        return _summary(self)

    @property
    def n(self) -> int:
        """Number of E-I pairs."""
        return int(self.J.shape[-1])

    @property
    def batch(self) -> int:
        """Number of networks held (the leading axis of J and W), 1 for a single network."""
        return int(self.J.shape[0]) if self.J.ndim == 3 else 1

    def local(self) -> LinearOscillator:
        """The same network without long-range couplings (J = W = 0), as during learning."""
        zero = np.zeros((self.n, self.n))
        return LinearOscillator(alpha=self.alpha, beta=self.beta, gamma=self.gamma, J=zero, W=zero)

    def with_weights(self, J: Any, W: Any) -> LinearOscillator:
        """The same local circuit with long-range couplings J and W (1/s)."""
        return LinearOscillator(alpha=self.alpha, beta=self.beta, gamma=self.gamma, J=J, W=W)

    def system_matrix(self) -> np.ndarray:
        """A (2N x 2N, or B x 2N x 2N) of d/dt [u; v] = A [u; v] + [dI; 0]."""
        n, eye = self.n, np.eye(self.n)
        beta = np.broadcast_to(np.diag(np.broadcast_to(self.beta, (n,))), self.J.shape)
        gamma = np.broadcast_to(np.diag(np.broadcast_to(self.gamma, (n,))), self.J.shape)
        alpha = np.broadcast_to(self.alpha * eye, self.J.shape)
        top = np.concatenate([self.J - alpha, -beta], axis=-1)
        bottom = np.concatenate([gamma + self.W, -alpha], axis=-1)
        return np.concatenate([top, bottom], axis=-2)

    def response(self, frequency: Any, xi: Any) -> np.ndarray:
        """Exact steady-state u+ for dI = xi e^{i omega t} + c.c.: solve (i omega - A) z = [xi; 0].

        ``frequency`` (Hz) has shape (B,) and ``xi`` (B, N) or (N,); returns u+ (B, N).
        """
        freq = np.atleast_1d(np.asarray(frequency, dtype=np.float64))
        xi = np.broadcast_to(np.asarray(xi, dtype=np.complex128), (freq.size, self.n))
        a = self.system_matrix()
        lhs = 2j * np.pi * freq[:, None, None] * np.eye(2 * self.n) - a
        rhs = np.concatenate([xi, np.zeros_like(xi)], axis=1)
        return np.linalg.solve(lhs, rhs[..., None])[:, : self.n, 0]

    def coupling(self, frequency: float) -> np.ndarray:
        """M(omega) = J + (i/omega)(beta W - alpha J), eq (5): the effective coupling of eq (4)."""
        omega = 2.0 * math.pi * frequency
        beta = np.broadcast_to(self.beta, (self.n,))[:, None]
        return self.J + (1j / omega) * (beta * self.W - self.alpha * self.J)

    def response_eq4(self, frequency: float, xi: Any) -> np.ndarray:
        """u+ from eq (4).

        [2 alpha - (i/omega)(alpha^2 + beta gamma - omega^2)] u+ = M u+ + (1 - i alpha/omega) xi.
        """
        omega = 2.0 * math.pi * frequency
        own = self.alpha**2 + np.broadcast_to(self.beta * self.gamma, (self.n,)) - omega**2
        lhs = np.diag(2.0 * self.alpha - 1j * own / omega) - self.coupling(frequency)
        rhs = (1.0 - 1j * self.alpha / omega) * np.asarray(xi, dtype=np.complex128)
        return np.linalg.solve(lhs, rhs)

    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of A (1/s); the network is stable if all real parts are < 0."""
        return np.linalg.eigvals(self.system_matrix())

    def intrinsic_frequency(self) -> float:
        """sqrt(alpha^2 + beta gamma) / 2 pi in Hz (the mean over units)."""
        return float(np.mean(np.sqrt(self.alpha**2 + self.beta * self.gamma))) / (2.0 * math.pi)


Method = Literal["rk4", "euler"]


@frozen
class Oscillator:
    """Scarpetta-Li-Hertz E-I network, eqs (1)-(2).

    u_i' = -alpha u_i - beta0 g_v(v_i) + sum_j J0_ij g_u(u_j) + I_i(t),
    v_i' = -alpha v_i + gamma0 g_u(u_i) + sum_j W0_ij g_u(u_j),
    with I_i(t) = I0_i + (xi_i e^{i omega t} + c.c.). Small oscillations around the fixed point
    of the DC drive follow the linear network of :meth:`linearised` (Scarpetta, Li & Hertz 2001,
    NIPS 13, eqs 1-3; Li & Hertz 2000, Network 11:83). The paper's W sum excludes j = i: keep
    W's diagonal zero for that.

    Parameters
    ----------
    alpha : float
        Leak rate in 1/s, > 0.
    beta : float
        Local I -> E coupling beta0 in 1/s, > 0.
    gamma : float
        Local E -> I coupling gamma0 in 1/s, > 0.
    J : (N, N) array
        Long-range E -> E couplings J0 in 1/s.
    W : (N, N) array
        Long-range E -> I couplings W0 in 1/s.
    I0 : float or (N,) array
        DC drive of the E units, in units of u per s.
    g_u, g_v : transfer functions of ``hebbkit.neurons.rate`` (dimensionless rates).
    method : "rk4" or "euler"
        Time stepping of the nonlinear equations (fourth-order Runge-Kutta, or forward Euler as
        in the peer benchmark T3).
    """

    kind: ClassVar[str] = "oscillator"
    alpha: Positive
    beta: Positive
    gamma: Positive
    J: FloatArray
    W: FloatArray
    I0: FloatArray = pydantic.Field(default_factory=lambda: _float_array(0.0))
    g_u: AbstractTransfer = Linear()
    g_v: AbstractTransfer = Linear()
    method: Method = "rk4"

    def _check(self) -> None:
        n = self.J.shape[0] if self.J.ndim == 2 else 0
        _check_square("Oscillator", "J", self.J, n)
        _check_square("Oscillator", "W", self.W, n)
        _check_units("Oscillator", "I0", self.I0, n, positive=False)

    def __repr__(self) -> str:
        return _summary(self)

    @property
    def n(self) -> int:
        """Number of E-I pairs."""
        return int(self.J.shape[0])

    def fixed_point(
        self, guess: Any = None, tol: float = 1e-12, max_iter: int = 200
    ) -> tuple[np.ndarray, np.ndarray]:
        """(u*, v*) for the DC drive I0: damped Newton on the right-hand side of eqs (1)-(2),
        from ``guess`` = (u, v) or from u = I0/alpha, v = 0."""
        n, a = self.n, self.alpha
        i0 = np.broadcast_to(self.I0, (n,))
        u, v = (i0 / a, np.zeros(n)) if guess is None else (np.array(guess[0]), np.array(guess[1]))

        def residual(u: np.ndarray, v: np.ndarray) -> np.ndarray:
            gu = self.g_u(u)
            fu = -a * u - self.beta * self.g_v(v) + self.J @ gu + i0
            return np.concatenate([fu, -a * v + self.gamma * gu + self.W @ gu])

        f = residual(u, v)
        scale = a * (1.0 + np.max(np.abs(i0)) / a)
        for _ in range(max_iter):
            if np.max(np.abs(f)) <= tol * scale:
                return u, v
            du, dv = self.g_u.derivative(u), self.g_v.derivative(v)
            jac = np.block(
                [
                    [-a * np.eye(n) + self.J * du[None, :], -self.beta * np.diag(dv)],
                    [self.gamma * np.diag(du) + self.W * du[None, :], -a * np.eye(n)],
                ]
            )
            step = np.linalg.solve(jac, -f)
            size = 1.0
            while size > 1e-6:
                nu, nv = u + size * step[:n], v + size * step[n:]
                nf = residual(nu, nv)
                if np.linalg.norm(nf) < np.linalg.norm(f):
                    break
                size *= 0.5
            u, v, f = nu, nv, nf
        raise ParameterError("Oscillator.I0", "no fixed point found by Newton's method", "DC drive")

    def linearised(self) -> LinearOscillator:
        """Eq (3)'s network at the fixed point: beta = g_v'(v*) beta0, gamma = g_u'(u*) gamma0,
        J_ij = g_u'(u*_j) J0_ij, W_ij = g_u'(u*_j) W0_ij."""
        u, v = self.fixed_point()
        du, dv = self.g_u.derivative(u), self.g_v.derivative(v)
        return LinearOscillator(
            alpha=self.alpha,
            beta=self.beta * dv,
            gamma=self.gamma * du,
            J=self.J * du[None, :],
            W=self.W * du[None, :],
        )


def nonlinear_network(
    linear: LinearOscillator,
    g_u: AbstractTransfer,
    g_v: AbstractTransfer,
    u_star: float,
    method: Method = "rk4",
) -> Oscillator:
    """The nonlinear network whose fixed point has every u*_i = ``u_star`` and whose linearisation
    there is ``linear``: J0 = J / g_u'(u*), W0 = W / g_u'(u*), gamma0 = gamma / g_u'(u*),
    beta0 = beta / g_v'(v*), and I0 chosen so that (u*, v*) solves eqs (1)-(2)."""
    if np.ndim(linear.beta) or np.ndim(linear.gamma):
        raise ParameterError("nonlinear_network.linear", "needs scalar beta and gamma", "arrays")
    s_u = float(g_u.derivative(u_star))
    if s_u <= 0:
        raise ParameterError("nonlinear_network.u_star", "must be where g_u' > 0", u_star)
    g_star = float(g_u(u_star))
    J0, W0, gamma0 = linear.J / s_u, linear.W / s_u, float(linear.gamma) / s_u
    v_star = (gamma0 + W0.sum(axis=1)) * g_star / linear.alpha
    s_v = g_v.derivative(v_star)
    if np.ptp(s_v) > 1e-12 * np.max(np.abs(s_v)) or s_v[0] <= 0:
        raise ParameterError(
            "nonlinear_network.g_v",
            "must have one slope > 0 at every v*",
            (v_star.min(), v_star.max()),
        )
    beta0 = float(linear.beta) / float(s_v[0])
    I0 = linear.alpha * u_star + beta0 * g_v(v_star) - J0.sum(axis=1) * g_star
    return Oscillator(
        alpha=linear.alpha,
        beta=beta0,
        gamma=gamma0,
        J=J0,
        W=W0,
        I0=I0,
        g_u=g_u,
        g_v=g_v,
        method=method,
    )


@frozen
class OscillatoryDrive:
    """A batch of drives dI_b(t) = xi_b e^{i omega_b t} + c.c., omega_b = 2 pi frequency_b.

    Parameters
    ----------
    xi : (B, N) or (N,) complex array
        Complex amplitudes (units of u per s): unit i gets 2 |xi_i| cos(omega t + arg xi_i).
    frequency : float or (B,) array
        Drive frequencies in Hz, > 0.
    network : (B,) int array, optional
        For a batch of networks (J and W with a leading axis of K networks), the index
        0..K-1 of the network that each drive runs on, in any order: B drives through K < B
        networks (a sweep over drive frequency x learned weights) keep one copy of each
        network. By default drive b runs on network b, or every drive on a single network.
    """

    xi: ComplexArray
    frequency: FloatArray
    network: Annotated[Any, pydantic.BeforeValidator(_index_array)] = None

    def _check(self) -> None:
        if self.xi.ndim not in (1, 2) or not np.all(np.isfinite(self.xi)):
            raise ParameterError(
                "OscillatoryDrive.xi", "must be a finite (B, N) or (N,) array", self.xi.shape
            )
        f = self.frequency
        if f.ndim > 1 or not np.all(np.isfinite(f)) or np.any(f <= 0):
            raise ParameterError("OscillatoryDrive.frequency", "must be > 0 Hz, scalar or (B,)", f)
        if self.xi.ndim == 2 and f.ndim == 1 and f.size != self.xi.shape[0]:
            raise ParameterError(
                "OscillatoryDrive.frequency", f"must have {self.xi.shape[0]} entries", f.size
            )
        k, b = self.network, self.size
        if k is not None and (k.shape != (b,) or k.dtype.kind not in "iu" or np.any(k < 0)):
            raise ParameterError(
                "OscillatoryDrive.network",
                f"must be {b} integer indices >= 0 into the network batch, one per drive",
                k,
            )

    @property
    def size(self) -> int:
        """B, the number of drives."""
        return max(np.atleast_2d(self.xi).shape[0], np.atleast_1d(self.frequency).size)

    def __repr__(self) -> str:
        return _summary(self)

    def batch(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(xi (B, N) complex, omega (B,) rad/s) broadcast over the batch."""
        xi = np.atleast_2d(self.xi)
        f = np.atleast_1d(self.frequency)
        b = self.size
        if xi.shape[1] != n:
            raise ParameterError(
                "OscillatoryDrive.xi", f"must have {n} units per pattern", xi.shape[1]
            )
        xi = np.ascontiguousarray(np.broadcast_to(xi, (b, n)))
        return xi, 2.0 * math.pi * np.broadcast_to(f, (b,)).copy()

    def networks(self, n_networks: int) -> np.ndarray:
        """(B,) int64: the index of the network each drive runs on, for ``n_networks`` networks
        (the ``batch`` of a :class:`LinearOscillator`; 1 for a single network)."""
        b = self.size
        if self.network is None:
            if n_networks not in (1, b):
                raise ParameterError(
                    "OscillatoryDrive.network",
                    f"must say which of the {n_networks} networks each of the {b} drives runs on",
                    None,
                )
            return np.arange(b) if n_networks > 1 else np.zeros(b, dtype=np.int64)
        if np.any(self.network >= n_networks):
            raise ParameterError(
                "OscillatoryDrive.network",
                f"must be < {n_networks}, the number of networks",
                int(self.network.max()),
            )
        return self.network.astype(np.int64)


@frozen
class Imprint:
    """One learning phase: pattern xi driven at ``frequency`` for ``duration`` with window A(tau).

    During it J = W = 0 (cholinergic suppression) and the rule (6),
    dC_ij = eta int_0^T dt int dtau y_i(t + tau) A(tau) x_j(t), adds to J (y = u, rate eta_J)
    and W (y = v, rate eta_W), with x = u, all measured from the fixed point.

    Parameters
    ----------
    xi : (N,) complex array
        Pattern (drive dI = xi e^{i omega0 t} + c.c., units of u per s).
    frequency : float
        Imprinting frequency omega0 / 2 pi in Hz, > 0.
    window : a learning window of ``hebbkit.rules.windows``.
    eta_J, eta_W : float
        Learning rates of J and W in 1/(s^2 u^2), so that J and W come out in 1/s; > 0.
    duration : float
        Learning time T in s, > 0 (a whole number of periods for the time-domain rule).
    """

    xi: ComplexArray
    frequency: Frequency
    window: AbstractWindow
    eta_J: LearningRate
    eta_W: LearningRate
    duration: Duration

    def __repr__(self) -> str:
        return _summary(self)


def imprint_amplitude(local: LinearOscillator, frequency: float) -> complex:
    """U0 of eq (7): u+ = U0 xi during learning (J = W = 0).

    U0 = (alpha + i omega0) / (alpha^2 + beta gamma - omega0^2 + 2 i alpha omega0).
    """
    w, a = 2.0 * math.pi * frequency, local.alpha
    bg = float(np.mean(local.beta * local.gamma))
    return complex((a + 1j * w) / (a * a + bg - w * w + 2j * a * w))


def learning_strength(local: LinearOscillator, imprint: Imprint) -> float:
    """J0 = 2 eta_J T |U0|^2, the scale of eq (9) in the paper's normalisation.

    With eta_J in 1/(s^2 u^2), T and U0 in s, J0 is in s/u^2: J_ij = J0 Re[A~* xi_i xi_j*] is in
    1/s for patterns xi in u/s. For the unit-norm patterns used throughout (|xi| = 1 u/s) its
    number is the coupling scale in 1/s, as the tables quote it."""
    return (
        2.0
        * imprint.eta_J
        * imprint.duration
        * abs(imprint_amplitude(local, imprint.frequency)) ** 2
    )


def tuned_eta_W(local: LinearOscillator, frequency: float, eta_J: float) -> float:
    """eta_W = eta_J (alpha^2 + omega0^2) / (beta gamma).

    The tuning under which M+(omega0) = J0 A~*(omega0) xi xi^dagger (the paper's outer product).
    """
    w = 2.0 * math.pi * frequency
    return eta_J * (local.alpha**2 + w * w) / float(np.mean(local.beta * local.gamma))


def eta_for_strength(
    local: LinearOscillator, frequency: float, duration: float, J0: float
) -> float:
    """The eta_J giving learning strength J0 (:func:`learning_strength`; 1/s for patterns of
    norm 1 u/s) for ``duration`` s at ``frequency`` Hz."""
    return J0 / (2.0 * duration * abs(imprint_amplitude(local, frequency)) ** 2)


def closed_form_weights(local: LinearOscillator, imprints: Any) -> tuple[np.ndarray, np.ndarray]:
    """J and W after the imprints, eq (9), summed over patterns mu:

    J_ij = J0 Re[A~*(omega0) xi_i xi_j*],
    W_ij = (eta_W/eta_J) J0 Re[gamma A~*(omega0) xi_i xi_j* / (alpha + i omega0)],
    with J0 = 2 eta_J T |U0|^2 (the paper's eq 9 in our sign convention; derived in
    docs/scarpetta2001.md).
    """
    n = local.n
    J, W = np.zeros((n, n)), np.zeros((n, n))
    gamma = np.broadcast_to(local.gamma, (n,))
    for imp in imprints:
        w = 2.0 * math.pi * imp.frequency
        j0 = learning_strength(local, imp)
        outer = np.conj(complex(imp.window.fourier(w))) * np.outer(imp.xi, np.conj(imp.xi))
        J += j0 * outer.real
        W += (imp.eta_W / imp.eta_J) * j0 * (gamma[:, None] * outer / (local.alpha + 1j * w)).real
    return J, W


def eq10_response(local: LinearOscillator, imprints: Any, frequency: Any, xi: Any) -> np.ndarray:
    """u+ of eq (10), extended to P orthonormal stored patterns and any input.

    The input's component c_mu along each stored pattern is answered through the resonant
    denominator D_mu(omega) = alpha^2 + beta gamma - omega^2 + 2 i alpha omega
    - (i omega + alpha)(J0/2) A~* + r beta gamma (J0/2) A~* / (alpha + i omega0)
    (r = eta_W/eta_J; with the tuned r this is eq (10): the real part alpha^2 + beta gamma - omega^2
    - (J0/2)(omega + omega0) A~'' and the imaginary part
    2 alpha omega - (J0/2)(omega + omega0) A~'),
    and the orthogonal rest by the uncoupled oscillators (J0 = 0). Exact when the stored patterns
    are orthonormal and "circular" (xi^T xi = 0, see :func:`circular_patterns`), so that the
    conjugate parts of J and W do not act. Returns u+ (B, N).
    """
    freq = np.atleast_1d(np.asarray(frequency, dtype=np.float64))
    w = 2.0 * math.pi * freq[:, None]
    xi = np.broadcast_to(np.asarray(xi, dtype=np.complex128), (freq.size, local.n))
    a, bg = local.alpha, float(np.mean(local.beta * local.gamma))
    free = a * a + bg - w * w + 2j * a * w
    out = (a + 1j * w) * xi / free
    for imp in imprints:
        w0 = 2.0 * math.pi * imp.frequency
        half = 0.5 * learning_strength(local, imp) * np.conj(complex(imp.window.fourier(w0)))
        r = imp.eta_W / imp.eta_J
        denom = free - (1j * w + a) * half + r * bg * half / (a + 1j * w0)
        # a row sum, not a matrix product: each drive's answer is then the same bits whether
        # it comes alone or in a batch
        c = np.sum(xi * np.conj(imp.xi), axis=-1)
        out = out + (a + 1j * w) * c[:, None] * imp.xi[None, :] * (1.0 / denom - 1.0 / free)
    return np.asarray(out)


def resonance_frequency(
    local: LinearOscillator, J0: float, window: AbstractWindow, guess: float
) -> float:
    """omega0 / 2 pi (Hz) solving eq (11): omega0^2 = alpha^2 + beta gamma - J0 omega0 Im A~,
    by fixed-point iteration from ``guess`` (Hz) with the exact transform."""
    bg = float(np.mean(local.beta * local.gamma))
    w = 2.0 * math.pi * guess
    for _ in range(200):
        new = math.sqrt(max(local.alpha**2 + bg - J0 * w * complex(window.fourier(w)).imag, 0.0))
        if abs(new - w) < 1e-12 * w:
            break
        w = new
    return w / (2.0 * math.pi)


def small_window_resonance(local: LinearOscillator, J0: float, a1: float) -> float:
    """Eqs (11)-(12): omega0^2 (1 - J0 a1) = alpha^2 + beta gamma; returns omega0 / 2 pi in Hz."""
    if J0 * a1 >= 1.0:
        raise ParameterError("small_window_resonance.a1", f"must be < 1/J0 = {1.0 / J0:.4g} s", a1)
    bg = float(np.mean(local.beta * local.gamma))
    return math.sqrt((local.alpha**2 + bg) / (1.0 - J0 * a1)) / (2.0 * math.pi)


def kernel_for_resonance(
    target_hz: Frequency, local: LinearOscillator, J0: Positive, residual_damping: Real = 0.0
) -> SmallWindow:
    """The small window (a0, a1) that imprints a pattern resonating at ``target_hz``.

    a1 solves eqs (11)-(12), omega0^2 (1 - J0 a1) = alpha^2 + beta gamma; a0 sets the effective
    damping 2 alpha - J0 a0 to ``residual_damping`` (1/s, >= 0 keeps the network stable).
    """
    if target_hz <= 0 or J0 <= 0:
        raise ParameterError(
            "kernel_for_resonance.target_hz", "and J0 must be > 0", (target_hz, J0)
        )
    w = 2.0 * math.pi * target_hz
    bg = float(np.mean(local.beta * local.gamma))
    a1 = (1.0 - (local.alpha**2 + bg) / (w * w)) / J0
    a0 = (2.0 * local.alpha - residual_damping) / J0
    return SmallWindow(a0=a0, a1=a1)


def circular_patterns(n: int, p: int, seed: int) -> np.ndarray:
    """P orthonormal complex patterns (P, N) with xi_mu^T xi_nu = 0 for all mu, nu (needs 2P <= N).

    xi_mu = (a_mu + i b_mu)/sqrt(2) with a_1, b_1, ..., a_P, b_P orthonormal real vectors, so each
    unit has a random amplitude and phase and the conjugate parts of eq (9) do not act on the
    patterns (what eq (10) assumes).
    """
    if 2 * p > n:
        raise ParameterError("circular_patterns.p", f"must be <= n/2 = {n // 2}", p)
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, 2 * p)))
    return np.asarray(((q[:, 0::2] + 1j * q[:, 1::2]) / math.sqrt(2.0)).T)


def recall_quality(
    alpha: float,
    beta: float,
    gamma: float,
    xi: np.ndarray,
    freqs: np.ndarray,
    J0: float,
    windows: list[Any],
) -> tuple[bool, np.ndarray]:
    """(stable, overlap |xi_mu^dagger u+| / |u+| for each stored pattern driven at its frequency).

    J and W (eq 9, tuned rates) act only in the real span S of the stored patterns, so the
    linear network is solved there: eigenvalues of the 4P x 4P reduced system (plus the stable
    uncoupled oscillators outside S) and H^{-1} = (I - Q M (D0 + M)^{-1} Q^T) / D0 (Woodbury).
    """
    p, n = xi.shape
    q, _ = np.linalg.qr(np.concatenate([xi.real, xi.imag]).T)
    xs = xi @ q  # patterns in the basis of S, (P, 2P)
    w0 = 2 * math.pi * freqs
    c = np.array([np.conj(win.fourier(w)) for win, w in zip(windows, w0, strict=True)])
    r = (alpha**2 + w0**2) / (beta * gamma)
    j_s = J0 * np.real((xs.T * c) @ xs.conj())
    w_s = J0 * np.real((xs.T * (r * gamma * c / (alpha + 1j * w0))) @ xs.conj())
    k = j_s.shape[0]
    eye = np.eye(k)
    reduced = np.block([[j_s - alpha * eye, -beta * eye], [gamma * eye + w_s, -alpha * eye]])
    stable = bool(np.linalg.eigvals(reduced).real.max() < 0)
    quality = np.zeros(p)
    for f in np.unique(freqs):
        w = 2 * math.pi * f
        d0 = alpha**2 + beta * gamma - w * w + 2j * alpha * w
        m = -(1j * w + alpha) * j_s + beta * w_s
        mine = np.flatnonzero(freqs == f)
        proj = xs[mine].T  # (2P, m)
        corr = q @ (m @ np.linalg.solve(d0 * eye + m, proj))
        u = ((alpha + 1j * w) / d0) * (xi[mine].T - corr)
        quality[mine] = np.abs(np.sum(xi[mine].conj().T * u, axis=0)) / np.linalg.norm(u, axis=0)
    return stable, quality
