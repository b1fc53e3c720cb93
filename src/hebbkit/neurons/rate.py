"""Rate transfer functions g(x): firing rate (Hz, or dimensionless) as a function of input.

Each is a frozen, validated dataclass. ``f(x, p)`` and ``df(x, p)`` are static methods that
take the input and the parameter vector ``p = transfer.param_array()`` and use only numpy
ufuncs that numba compiles (``np.tanh``, ``np.exp``, ``np.abs``), so the same function runs
in the numpy specification and, jitted, inside numba kernels. ``transfer(x)`` evaluates f.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any, ClassVar

import numpy as np

from .._params import Positive, Real, frozen
from ..errors import ParameterError


class AbstractTransfer(abc.ABC):
    """A transfer function g with its derivative g' (used by linearisations)."""

    name: ClassVar[str] = ""

    def param_array(self) -> np.ndarray:
        """The parameters as a float64 vector, in the order ``f`` reads them."""
        values: list[float] = []
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            values.extend(np.atleast_1d(np.asarray(value, dtype=np.float64)).tolist())
        return np.asarray(values, dtype=np.float64)

    def __call__(self, x: Any) -> Any:
        """g(x), elementwise, in float64."""
        return self.f(np.asarray(x, dtype=np.float64), self.param_array())

    def derivative(self, x: Any) -> Any:
        """g'(x)."""
        return self.df(np.asarray(x, dtype=np.float64), self.param_array())

    @staticmethod
    @abc.abstractmethod
    def f(x: Any, p: Any) -> Any:
        """g(x) for the parameter vector ``p``."""

    @staticmethod
    @abc.abstractmethod
    def df(x: Any, p: Any) -> Any:
        """g'(x) for the parameter vector ``p``."""


@frozen
class Linear(AbstractTransfer):
    """g(x) = gain * x + offset.

    Parameters
    ----------
    gain : float
        Output per unit of input (output unit / input unit).
    offset : float
        g(0), in the output unit.
    """

    name: ClassVar[str] = "linear"
    gain: Real = 1.0
    offset: Real = 0.0

    @staticmethod
    def f(x: Any, p: Any) -> Any:
        return p[0] * x + p[1]

    @staticmethod
    def df(x: Any, p: Any) -> Any:
        return p[0] + 0.0 * x


@frozen
class Rectified(AbstractTransfer):
    """g(x) = gain * max(x - threshold, 0), the rectified-linear unit.

    Parameters
    ----------
    gain : float, > 0
        Output per unit of input above the threshold (output unit / input unit).
    threshold : float
        The input below which g is 0 (input unit).
    """

    name: ClassVar[str] = "rectified"
    gain: Positive = 1.0
    threshold: Real = 0.0

    @staticmethod
    def f(x: Any, p: Any) -> Any:
        z = x - p[1]
        return p[0] * 0.5 * (z + np.abs(z))

    @staticmethod
    def df(x: Any, p: Any) -> Any:
        z = x - p[1]
        return p[0] * 0.5 * (1.0 + np.sign(z))


@frozen
class Tanh(AbstractTransfer):
    """g(x) = amplitude * tanh(gain * x).

    Parameters
    ----------
    gain : float, > 0
        Slope at 0 over amplitude (1 / input unit).
    amplitude : float, > 0
        The saturation value (output unit).
    """

    name: ClassVar[str] = "tanh"
    gain: Positive = 1.0
    amplitude: Positive = 1.0

    @staticmethod
    def f(x: Any, p: Any) -> Any:
        return p[1] * np.tanh(p[0] * x)

    @staticmethod
    def df(x: Any, p: Any) -> Any:
        t = np.tanh(p[0] * x)
        return p[1] * p[0] * (1.0 - t * t)


@frozen
class Sigmoid(AbstractTransfer):
    """g(x) = amplitude / (1 + exp(-gain (x - threshold))).

    Parameters
    ----------
    gain : float, > 0
        Steepness (1 / input unit): the slope at the threshold is gain * amplitude / 4.
    threshold : float
        The input where g = amplitude / 2 (input unit).
    amplitude : float, > 0
        The saturation value (output unit).
    """

    name: ClassVar[str] = "sigmoid"
    gain: Positive = 1.0
    threshold: Real = 0.0
    amplitude: Positive = 1.0

    @staticmethod
    def f(x: Any, p: Any) -> Any:
        return p[2] / (1.0 + np.exp(-p[0] * (x - p[1])))

    @staticmethod
    def df(x: Any, p: Any) -> Any:
        s = 1.0 / (1.0 + np.exp(-p[0] * (x - p[1])))
        return p[2] * p[0] * s * (1.0 - s)


@frozen
class PiecewiseLinear(AbstractTransfer):
    """g(x) = linear interpolation through (knots[k], values[k]), flat outside the knots.

    The Scarpetta-Li-Hertz activation functions (their Fig. 1B) are of this form: zero below
    a threshold, a low-gain and a high-gain segment, and saturation. Internally
    g(x) = values[0] + sum_k s_k (relu(x - knots[k]) - relu(x - knots[k+1])), with s_k the
    slope of segment k, which needs only operators and ``np.abs``.

    Parameters
    ----------
    knots : tuple of float
        Strictly increasing input values (same unit as x), at least two.
    values : tuple of float
        g at each knot (output unit).
    """

    name: ClassVar[str] = "piecewise-linear"
    knots: tuple[Real, ...] = (0.0, 1.0)
    values: tuple[Real, ...] = (0.0, 1.0)

    def _check(self) -> None:
        if len(self.knots) < 2:
            raise ParameterError("PiecewiseLinear.knots", "must have at least 2 points", self.knots)
        if len(self.values) != len(self.knots):
            raise ParameterError(
                "PiecewiseLinear.values", f"must have {len(self.knots)} entries", self.values
            )
        if any(b <= a for a, b in zip(self.knots, self.knots[1:], strict=False)):
            raise ParameterError("PiecewiseLinear.knots", "must be strictly increasing", self.knots)

    def param_array(self) -> np.ndarray:
        k = np.asarray(self.knots, dtype=np.float64)
        v = np.asarray(self.values, dtype=np.float64)
        slopes = np.diff(v) / np.diff(k)
        return np.concatenate([[float(len(k)), v[0]], k, slopes])

    @staticmethod
    def f(x: Any, p: Any) -> Any:
        n = int(p[0])
        out = p[1] + 0.0 * x
        for k in range(n - 1):
            a = x - p[2 + k]
            b = x - p[3 + k]
            out = out + p[2 + n + k] * 0.5 * ((a + np.abs(a)) - (b + np.abs(b)))
        return out

    @staticmethod
    def df(x: Any, p: Any) -> Any:
        n = int(p[0])
        out = 0.0 * x
        for k in range(n - 1):
            inside = 0.5 * (np.sign(x - p[2 + k]) - np.sign(x - p[3 + k]))
            out = out + p[2 + n + k] * inside
        return out


TRANSFERS: dict[str, type[AbstractTransfer]] = {
    cls.name: cls for cls in (Linear, Rectified, Tanh, Sigmoid, PiecewiseLinear)
}
