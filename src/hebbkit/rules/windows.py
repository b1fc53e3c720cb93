"""Learning windows A(tau) and their transforms A~(omega) = int A(tau) e^{-i omega tau} dtau.

A window weighs the product of a postsynaptic activity at time t + tau and a presynaptic
activity at time t (Scarpetta, Li & Hertz 2001, NIPS 13, eq. 6): tau > 0 is "post after pre"
(LTP in experiments), tau < 0 is "pre after post" (LTD). Each window gives

- ``A(tau)`` (``window(tau)``) for tau != 0, in 1/s, so that A~ is dimensionless;
- ``fourier(omega)``, closed form where one exists, numerical quadrature otherwise;
- the moments ``a0 = int A`` (dimensionless) and ``a1 = int tau A`` (s), which give the
  small-window expansion A~(omega) ~ a0 - i omega a1 (the paper's eq. 12 in our sign convention);
- ``quadrature(dt)``: integer lags k and weights w_k, int A(tau) f(tau) dtau ~ sum_k w_k f(k dt),
  which the time-domain learning rule uses.

:func:`small_window_error` says how far the expansion is from the exact transform: for a
Bi-Poo-like 20 ms window at 40 Hz it is off by a factor of 30.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from .._params import NonNegative, Real, TimeConstant, frozen
from ..errors import ParameterError

# Exponential tails are cut where they have fallen by e^-20 = 2e-9 (relative).
_TAIL_LENGTHS = 20.0


class AbstractWindow(abc.ABC):
    """A learning window: values, Fourier transform, moments and a quadrature rule."""

    name: ClassVar[str] = ""

    @abc.abstractmethod
    def __call__(self, tau: Any) -> Any:
        """A(tau) in 1/s for tau != 0."""

    @abc.abstractmethod
    def fourier(self, omega: Any) -> Any:
        """A~(omega) = int A(tau) e^{-i omega tau} dtau (dimensionless), omega in rad/s."""

    @property
    def a0(self) -> float:
        """int A(tau) dtau (dimensionless)."""
        return float(self.fourier(0.0).real)

    @property
    def a1(self) -> float:
        """int tau A(tau) dtau in s."""
        return 0.0

    def quadrature(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Lags (int, in steps of dt) and weights w_k: int A f dtau ~ sum_k w_k f(k dt)."""
        return np.zeros(1, dtype=np.int64), np.ones(1)


@frozen
class DeltaWindow(AbstractWindow):
    """Delta window, A(tau) = a0 delta(tau): the conventional Hebb rule.

    A~(omega) = a0 for every omega; a1 = 0 (Scarpetta, Li & Hertz 2001, after eq. 12).

    Parameters
    ----------
    a0 : float
        Area of the window (dimensionless), any real number.
    """

    name: ClassVar[str] = "delta"
    a0: Real = 1.0  # type: ignore[assignment]

    def __call__(self, tau: Any) -> Any:
        return 0.0 * np.asarray(tau, dtype=np.float64)

    def fourier(self, omega: Any) -> Any:
        return self.a0 + 0j * np.asarray(omega, dtype=np.float64)

    def quadrature(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(1, dtype=np.int64), np.array([self.a0])


@frozen
class SmallWindow(AbstractWindow):
    """Small-window form, A(tau) = a0 delta(tau) - a1 delta'(tau), so A~(omega) = a0 - i omega a1.

    This is the window of the paper's simulations: they used the expansion of eq. (12),
    A~'(omega) ~ a0 and A~''(omega) = Im A~ ~ -omega a1 (the sign that makes a1 > 0 raise the
    resonance of their eq 11, as they say it does), with a1 = 0.1 for a pattern imprinted at
    41 Hz and a1 = 1.1 at 63 Hz, which hebbkit reads as ms (``ModelConfig.a1_unit``:
    ``a1=1e-4`` and ``a1=1.1e-3`` here, in s)
    (Scarpetta, Li & Hertz 2001, NIPS 13, eq. 12 and Fig. 3). Acting on a signal f, the window
    gives int A(tau) f(tau) dtau = a0 f(0) + a1 f'(0).

    Parameters
    ----------
    a0 : float
        int A dtau (dimensionless), any real number.
    a1 : float
        int tau A dtau in s, any real number (> 0 when LTP follows pre-before-post).
    """

    name: ClassVar[str] = "small"
    a0: Real = 1.0  # type: ignore[assignment]
    a1: Real = 0.0  # type: ignore[assignment]

    def __call__(self, tau: Any) -> Any:
        return 0.0 * np.asarray(tau, dtype=np.float64)

    def fourier(self, omega: Any) -> Any:
        return self.a0 - 1j * np.asarray(omega, dtype=np.float64) * self.a1

    def quadrature(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        # a1 f'(0) by a central difference: error (omega dt)^2 / 6 relative.
        slope = self.a1 / (2.0 * dt)
        return np.array([-1, 0, 1], dtype=np.int64), np.array([-slope, self.a0, slope])


@frozen
class ExponentialWindow(AbstractWindow):
    """Exponential STDP window: a_plus e^{-tau/tau_plus} (tau > 0), -a_minus e^{tau/tau_minus} (<0).

    In closed form, A~(omega) = a_plus tau_plus / (1 + i omega tau_plus)
    - a_minus tau_minus / (1 - i omega tau_minus),
    a0 = a_plus tau_plus - a_minus tau_minus and a1 = a_plus tau_plus^2 + a_minus tau_minus^2.
    With a_minus = 0 it is one-sided (LTP only); with both it is the two-sided window fitted to
    hippocampal data by Bi & Poo (1998, J Neurosci 18:10464), see :func:`bi_poo_window`.

    Parameters
    ----------
    a_plus : float
        LTP amplitude in 1/s, >= 0.
    tau_plus : float
        LTP time constant in s, > 0.
    a_minus : float
        LTD amplitude in 1/s, >= 0.
    tau_minus : float
        LTD time constant in s, > 0.
    """

    name: ClassVar[str] = "exponential"
    a_plus: NonNegative = 1.0
    tau_plus: TimeConstant = 0.02
    a_minus: NonNegative = 0.0
    tau_minus: TimeConstant = 0.02

    def _check(self) -> None:
        if self.a_plus == 0.0 and self.a_minus == 0.0:
            raise ParameterError(
                "ExponentialWindow.a_plus", "a_plus or a_minus must be > 0", self.a_plus
            )

    def __call__(self, tau: Any) -> Any:
        tau = np.asarray(tau, dtype=np.float64)
        after = self.a_plus * np.exp(-np.abs(tau) / self.tau_plus)
        before = -self.a_minus * np.exp(-np.abs(tau) / self.tau_minus)
        return np.where(tau > 0, after, before)

    def fourier(self, omega: Any) -> Any:
        w = np.asarray(omega, dtype=np.float64)
        ltp = self.a_plus * self.tau_plus / (1.0 + 1j * w * self.tau_plus)
        ltd = self.a_minus * self.tau_minus / (1.0 - 1j * w * self.tau_minus)
        return ltp - ltd

    @property
    def a1(self) -> float:
        return self.a_plus * self.tau_plus**2 + self.a_minus * self.tau_minus**2

    def quadrature(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        # Trapezoid on each side of the jump at tau = 0: error (dt/tau)^2 / 12 relative.
        k_plus = math.ceil(_TAIL_LENGTHS * self.tau_plus / dt) if self.a_plus > 0 else 0
        k_minus = math.ceil(_TAIL_LENGTHS * self.tau_minus / dt) if self.a_minus > 0 else 0
        lags = np.arange(-k_minus, k_plus + 1, dtype=np.int64)
        tau = lags * dt
        weights = dt * np.asarray(self(tau), dtype=np.float64)
        weights[0] *= 0.5
        weights[-1] *= 0.5
        weights[k_minus] = 0.5 * dt * (self.a_plus - self.a_minus)
        return lags, weights


@frozen
class CallableWindow(AbstractWindow):
    """Any window A(tau) = fn(tau) given as a vectorised Python callable, zero outside ``support``.

    The transform, a0 and a1 are computed by trapezoidal quadrature on ``n_grid`` points on
    each side of tau = 0 (so a jump at 0 costs no accuracy).

    Parameters
    ----------
    fn : callable
        tau (s, numpy array) -> A(tau) (1/s).
    support : (float, float)
        (tau_min, tau_max) in s with tau_min <= 0 <= tau_max, tau_min < tau_max.
    n_grid : int
        Quadrature points on each side of 0, >= 16.
    """

    name: ClassVar[str] = "callable"
    fn: Callable[[Any], Any]
    support: tuple[Real, Real] = (-0.1, 0.1)
    n_grid: int = 20001

    def _check(self) -> None:
        lo, hi = self.support
        if not lo <= 0.0 <= hi or lo >= hi:
            raise ParameterError(
                "CallableWindow.support",
                "must satisfy tau_min <= 0 <= tau_max, tau_min < tau_max",
                self.support,
            )
        if self.n_grid < 16:
            raise ParameterError("CallableWindow.n_grid", "must be >= 16", self.n_grid)

    def __call__(self, tau: Any) -> Any:
        tau = np.asarray(tau, dtype=np.float64)
        lo, hi = self.support
        inside = (tau >= lo) & (tau <= hi)
        return np.where(inside, np.asarray(self.fn(tau), dtype=np.float64), 0.0)

    def _sides(self) -> list[tuple[np.ndarray, np.ndarray]]:
        lo, hi = self.support
        eps = 1e-12 * (hi - lo)
        sides = []
        for a, b, inner in ((lo, 0.0, -eps), (0.0, hi, eps)):
            if b > a:
                tau = np.linspace(a, b, self.n_grid)
                values = np.asarray(self.fn(tau), dtype=np.float64)
                values[tau == 0.0] = float(self.fn(np.array([inner]))[0])
                sides.append((tau, values))
        return sides

    def fourier(self, omega: Any) -> Any:
        w = np.atleast_1d(np.asarray(omega, dtype=np.float64))
        total = np.zeros(w.shape, dtype=np.complex128)
        for tau, values in self._sides():
            total += np.trapezoid(values * np.exp(-1j * w[:, None] * tau), tau, axis=-1)
        return total if np.ndim(omega) else complex(total[0])

    @property
    def a1(self) -> float:
        return float(sum(np.trapezoid(v * t, t) for t, v in self._sides()))

    def quadrature(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.support
        k_minus, k_plus = math.floor(-lo / dt), math.floor(hi / dt)
        lags = np.arange(-k_minus, k_plus + 1, dtype=np.int64)
        tau = lags * dt
        weights = dt * np.asarray(self.fn(tau), dtype=np.float64)
        weights[0] *= 0.5
        weights[-1] *= 0.5
        eps = 1e-12 * (hi - lo)
        left = float(self.fn(np.array([-eps]))[0]) if lo < 0 else 0.0
        right = float(self.fn(np.array([eps]))[0]) if hi > 0 else 0.0
        weights[k_minus] = 0.5 * dt * (left + right)
        return lags, weights


def bi_poo_window(scale: float = 1.0) -> ExponentialWindow:
    """The two-sided window fitted to the hippocampal data of Bi & Poo (1998, J Neurosci
    18:10464).

    LTP 0.777 e^{-tau/16.8 ms},
    LTD -0.273 e^{tau/33.7 ms} (amplitudes in 1/s times ``scale``); half-width about 20 ms. The
    time constants are the fit's as Bi & Poo (2001, Annu. Rev. Neurosci. 24:139) give it, which
    is where Pfister & Gerstner (2006) take theirs from (``rules.spike``)."""
    return ExponentialWindow(
        a_plus=0.777 * scale, tau_plus=16.8e-3, a_minus=0.273 * scale, tau_minus=33.7e-3
    )


def small_window_error(window: AbstractWindow, frequency: float) -> float:
    """|A~(omega) - (a0 - i omega a1)| / |A~(omega)| at ``frequency`` (Hz): the relative error of
    the paper's eq. (12). It grows like (omega tau)^2 and blows up where a0 is small: for
    :func:`bi_poo_window` at 40 Hz (omega tau_minus = 8.5, a0 nearly cancels) it is 32 (3200%);
    infinite where the exact transform is 0."""
    if not (isinstance(frequency, int | float) and math.isfinite(frequency) and frequency > 0):
        raise ParameterError(
            "small_window_error.frequency", "must be a finite number > 0 Hz", frequency
        )
    omega = 2.0 * math.pi * frequency
    exact = complex(window.fourier(omega))
    approx = window.a0 - 1j * omega * window.a1
    return abs(exact - approx) / abs(exact) if exact != 0 else math.inf


def small_window_fails(window: AbstractWindow, frequency: float, tolerance: float = 0.1) -> bool:
    """True where the small-window expansion (eq. 12) is off by more than ``tolerance`` (a
    relative error, > 0) at ``frequency`` (Hz, > 0)."""
    if not (isinstance(tolerance, int | float) and tolerance > 0):
        raise ParameterError("small_window_fails.tolerance", "must be a number > 0", tolerance)
    return small_window_error(window, frequency) > tolerance


WINDOWS: dict[str, type[AbstractWindow]] = {
    cls.name: cls for cls in (DeltaWindow, SmallWindow, ExponentialWindow, CallableWindow)
}
