"""The rate-based Hebbian family: dw_ij/dt = F(w_ij; nu_i, nu_j), its presets and weight dependence.

Every rule is a preset or a documented extension of the essay's Taylor expansion (Gerstner &
Kistler 2002, *Spiking Neuron Models*, eq. 10.2, to second order; the essay seed, Figs. 4-12,
whose BCM reading, Fig. 12, adds the third-order c21)

    dw_ij/dt = c0 + c1_pre nu_j + c1_post nu_i + c2_pre nu_j^2 + c2_post nu_i^2 + c11 nu_i nu_j
               + c21 nu_i^2 nu_j + c12 nu_i nu_j^2

with nu_i the postsynaptic and nu_j the presynaptic rate.

The contract the engine relies on. A rule's update is the static method
``dw(w, x, y, a, b, p)`` written with arithmetic operators only, so that it runs on numpy arrays
(broadcasting over batch, post and pre), inlined into numba kernels and on jax tracers:

* ``w``: w_ij; ``x``: nu_j (pre rate); ``y``: nu_i (post rate);
* ``a``: the rule's per-post-unit state a_i (BCM's threshold theta_i, the covariance rule's
  running mean <nu_i>), or 0;
* ``b``: the per-presynaptic quantity b_j that ``pre_term`` names, computed by the engine each
  step: ``"state"`` a low-pass state (the covariance rule's <nu_j>); ``"wty"`` the reduction
  sum_k w_kj nu_k over all post units (Oja's subspace rule); ``"wty_lower"`` the lower-triangular
  reduction sum_{k<=i} w_kj nu_k (Sanger's rule); ``"none"`` 0;
* ``p``: the vector ``rule.dw_params()``.

Rules whose ``a`` is a low-pass state give ``lowpass()`` = (tau_post, tau_pre) in s (0 = held
fixed) and ``post_target(y, p)``: a_i relaxes towards post_target(nu_i), b_j towards nu_j, with
the exact factor 1 - exp(-dt/tau) the engine computes once per dt, after the weight update of
each step. Weight dependence (``SoftBounds``, ``Decay``, ``HardBounds``) and normalisation
(``MultiplicativeNorm``, ``SubtractiveNorm``) compose with any rule through ``Composed``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from .._params import LearningRate, Positive, Rate, Real, TimeConstant, frozen
from ..errors import ParameterError
from .base import AbstractRateRule

Coefficient = Annotated[float, Field(allow_inf_nan=False, description="Taylor coefficient")]
Exponent = Annotated[float, Field(gt=0, le=10, allow_inf_nan=False, description="dimensionless")]
OptionalTime = Annotated[float, Field(ge=0, allow_inf_nan=False, description="s; 0 = fixed")]

PRE_TERMS = ("none", "state", "wty", "wty_lower")


class RateRule(AbstractRateRule):
    """Base of the rate rules: the contract the feed-forward engine calls (module docstring)."""

    pre_term: ClassVar[str] = "none"
    dw_fields: ClassVar[tuple[str, ...]] = ()

    def dw_params(self) -> tuple[float, ...]:
        """The parameter vector ``p`` that ``dw`` reads, in the order of ``dw_fields``."""
        return tuple(float(getattr(self, name)) for name in self.dw_fields)

    def lowpass(self) -> tuple[float, float]:
        """Time constants (s) of the post and pre states; 0 holds a state fixed."""
        return (0.0, 0.0)

    def initial_state(self) -> tuple[float, float]:
        """Initial values of the post state a_i and the pre state b_j (Hz)."""
        return (0.0, 0.0)

    def time_constants(self) -> tuple[float, ...]:
        """The time constants (s) that bound the engine's dt."""
        return tuple(t for t in self.lowpass() if t > 0)

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        """dw_ij/dt for one synapse (or broadcast arrays of synapses)."""
        return 0.0 * w

    @staticmethod
    def post_target(y: Any, p: Any) -> Any:
        """The value the post state a_i relaxes to."""
        return y

    # True where dw is alpha(y, a, p) w + beta(y, a, p) x (Hebb, Oja, BCM), so that
    # alpha = dw(w=1, x=0) and beta = dw(w=0, x=1): the compiled engine then steps two samples
    # per pass over a row (``engine/_numba/feedforward.py``).
    affine: ClassVar[bool] = False


@frozen
class Taylor(RateRule):
    """Taylor: dw/dt = c0 + c1_pre nu_j + c1_post nu_i + c2_pre nu_j^2 + ... + c12 nu_i nu_j^2.

    The full form: dw_ij/dt = c0 + c1_pre nu_j + c1_post nu_i + c2_pre nu_j^2 + c2_post nu_i^2
    + c11 nu_i nu_j + c21 nu_i^2 nu_j + c12 nu_i nu_j^2.

    The expansion of dw_ij/dt = F(w_ij; nu_i, nu_j) in the rates: every term of second order
    (Gerstner & Kistler 2002, Spiking Neuron Models, eq. 10.2; essay seed, Figs. 4-5) and the
    two mixed terms of third order that BCM (c21, essay Fig. 12) and its presynaptic mirror
    (c12) use. With all coefficients constant it has no fixed point in w: combine it with
    ``Composed`` weight dependence to bound it.

    Parameters
    ----------
    c0 : float, 1/s
    c1_pre, c1_post : float, 1/(s Hz)
    c11, c2_pre, c2_post : float, 1/(s Hz^2)
    c21, c12 : float, 1/(s Hz^3)
        Any finite value; the sign of c11 decides whether joint activity potentiates.
    """

    c0: Coefficient = 0.0
    c1_pre: Coefficient = 0.0
    c1_post: Coefficient = 0.0
    c11: Coefficient = 1.0
    c21: Coefficient = 0.0
    c12: Coefficient = 0.0
    c2_pre: Coefficient = 0.0
    c2_post: Coefficient = 0.0
    dw_fields: ClassVar[tuple[str, ...]] = (
        "c0", "c1_pre", "c1_post", "c11", "c21", "c12", "c2_pre", "c2_post"
    )  # fmt: skip

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        linear = p[0] + p[1] * x + p[2] * y + p[6] * x * x + p[7] * y * y
        return linear + p[3] * y * x + p[4] * y * y * x + p[5] * y * x * x


@frozen
class Hebb(RateRule):
    """Hebb: dw_ij/dt = c11 nu_i nu_j.

    Plain Hebbian learning, the Taylor preset with only c11 (essay seed, Fig. 5; Hebb 1949).
    With linear units y = W x and input correlation Q = <x x^T>, the averaged dynamics
    dW/dt = c11 W Q grow along the top eigenvector of Q at the rate c11 lambda_max: the weights
    run away unless bounded (``Composed`` with ``HardBounds``, ``SoftBounds`` or ``Decay``).

    Parameters
    ----------
    c11 : float, 1/(s Hz^2), > 0
        Learning rate of the correlation term.
    """

    c11: LearningRate = 1.0
    dw_fields: ClassVar[tuple[str, ...]] = ("c11",)
    affine: ClassVar[bool] = True

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        return p[0] * y * x


@frozen
class Covariance(RateRule):
    """Covariance: dw_ij/dt = gamma (nu_i - <nu_i>) (nu_j - <nu_j>).

    Sejnowski (1977) J. Math. Biol. 4:303; essay seed, Fig. 8. The averaged change is
    gamma Cov(nu_i, nu_j): synapses between positively correlated units grow, between
    anti-correlated units shrink. As a Taylor preset: c11 = gamma, c1_pre = -gamma <nu_i>,
    c1_post = -gamma <nu_j>, c0 = gamma <nu_i><nu_j>. The means are either given
    (``tau = 0``) or tracked as low-pass averages d<nu>/dt = (nu - <nu>)/tau, starting from the
    given values.

    Parameters
    ----------
    gamma : float, 1/(s Hz^2), > 0
    mean_post, mean_pre : float, Hz, >= 0
        The given means, or the initial values of the tracked means.
    tau : float, s, >= 0
        Time constant of the tracked means; 0 keeps them fixed at the given values.
    """

    gamma: LearningRate = 1.0
    mean_post: Rate = 0.0
    mean_pre: Rate = 0.0
    tau: OptionalTime = 0.0
    pre_term: ClassVar[str] = "state"
    state: ClassVar[tuple[str, ...]] = ("mean_post", "mean_pre")
    dw_fields: ClassVar[tuple[str, ...]] = ("gamma",)

    def lowpass(self) -> tuple[float, float]:
        return (self.tau, self.tau)

    def initial_state(self) -> tuple[float, float]:
        return (self.mean_post, self.mean_pre)

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        return p[0] * (y - a) * (x - b)


@frozen
class Oja(RateRule):
    """Oja: dw_ij/dt = gamma (nu_i nu_j - w_ij nu_i^2), per output unit.

    Oja (1982) J. Math. Biol. 15:267, eq. 3; essay seed, Fig. 9. For a linear unit driven by
    zero-mean input of covariance C, each row w_i converges to +-e1, the principal eigenvector of
    C, with |w_i| = 1. As a Taylor form: c11 = gamma plus the weight-dependent term
    c2_post(w) nu_i^2 with c2_post = -gamma w_ij.

    Parameters
    ----------
    gamma : float, 1/(s Hz^2), > 0
    """

    gamma: LearningRate = 1.0
    dw_fields: ClassVar[tuple[str, ...]] = ("gamma",)
    affine: ClassVar[bool] = True

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        return p[0] * (y * x - w * y * y)


@frozen
class OjaSubspace(RateRule):
    """OjaSubspace: dw_ij/dt = gamma nu_i (nu_j - sum_k w_kj nu_k).

    Oja's subspace rule (Oja 1989, Int. J. Neural Syst. 1:61, eq. 9): the rows of W converge to
    an orthonormal basis of the span of the top n_post eigenvectors of the input covariance. It
    is Oja's rule with the decay term replaced by the network reconstruction: the Taylor form
    c11 = gamma plus the non-local term -gamma nu_i b_j with b_j = (W^T nu)_j, which the engine
    computes once per step (``pre_term = "wty"``).

    Parameters
    ----------
    gamma : float, 1/(s Hz^2), > 0
    """

    gamma: LearningRate = 1.0
    pre_term: ClassVar[str] = "wty"
    dw_fields: ClassVar[tuple[str, ...]] = ("gamma",)

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        return p[0] * y * (x - b)


@frozen
class Sanger(RateRule):
    """Sanger: dw_ij/dt = gamma nu_i (nu_j - sum_{k<=i} w_kj nu_k).

    Sanger's generalised Hebbian algorithm (Sanger 1989, Neural Networks 2:459, eq. 3): row i
    converges to +-e_i, the i-th principal eigenvector of the input covariance, in order of
    decreasing eigenvalue. The Taylor form is c11 = gamma plus -gamma nu_i b_ij with the
    lower-triangular reduction b_ij = sum_{k<=i} w_kj nu_k (``pre_term = "wty_lower"``); for
    n_post = 1 it is Oja's rule.

    Parameters
    ----------
    gamma : float, 1/(s Hz^2), > 0
    """

    gamma: LearningRate = 1.0
    pre_term: ClassVar[str] = "wty_lower"
    dw_fields: ClassVar[tuple[str, ...]] = ("gamma",)

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        return p[0] * y * (x - b)


@frozen
class BCM(RateRule):
    """BCM: dw_ij/dt = eta nu_i (nu_i - theta_i) nu_j, tau_theta dtheta_i/dt = nu_i^2/nu0 - theta_i.

    Bienenstock, Cooper & Munro (1982) J. Neurosci. 2:32; the sliding threshold as the low-pass
    of nu_i^2/nu_0 follows Intrator & Cooper (1992) Neural Networks 5:3 and the essay seed
    (Figs. 11-12). As a Taylor form: c21 = eta, c11 = -eta theta_i. For a linear unit and K
    equiprobable patterns, the stable fixed points are selective: the unit answers one pattern
    with nu* = K nu_0 and the others with 0 (so theta* = <nu^2>/nu_0 = nu*).

    Parameters
    ----------
    eta : float, 1/(s Hz^3), > 0
    nu0 : float, Hz, > 0
        Scale of the threshold.
    tau_theta : float, s, > 0
        Time constant of the threshold.
    theta0 : float, Hz, >= 0
        Initial threshold.
    """

    eta: LearningRate = 1.0
    nu0: Positive = 1.0
    tau_theta: TimeConstant = 1.0
    theta0: Rate = 0.0
    state: ClassVar[tuple[str, ...]] = ("theta",)
    dw_fields: ClassVar[tuple[str, ...]] = ("eta", "nu0")
    affine: ClassVar[bool] = True

    def lowpass(self) -> tuple[float, float]:
        return (self.tau_theta, 0.0)

    def initial_state(self) -> tuple[float, float]:
        return (self.theta0, 0.0)

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        return p[0] * y * (y - a) * x

    @staticmethod
    def post_target(y: Any, p: Any) -> Any:
        return y * y / p[1]


@frozen
class BCMFixed(RateRule):
    """BCMFixed: dw_ij/dt = eta nu_i (nu_i - theta) nu_j with a constant threshold theta.

    The fixed-threshold BCM form of the essay seed (Fig. 12; Bienenstock, Cooper & Munro 1982):
    c21 = eta, c11 = -eta theta. Its fixed point nu_i = theta is unstable, which is why BCM
    slides the threshold.

    Parameters
    ----------
    eta : float, 1/(s Hz^3), > 0
    theta : float, Hz, >= 0
    """

    eta: LearningRate = 1.0
    theta: Rate = 1.0
    dw_fields: ClassVar[tuple[str, ...]] = ("eta", "theta")
    affine: ClassVar[bool] = True

    @staticmethod
    def dw(w: Any, x: Any, y: Any, a: Any, b: Any, p: Any) -> Any:
        return p[0] * y * (y - p[1]) * x


@frozen
class SoftBounds:
    """SoftBounds: F -> gamma2 [(w_max - w)^beta F_+ - (w - w_min)^beta F_-].

    The essay's soft bound c11(w) = gamma2 (w_max - w)^beta (Fig. 6; Gerstner & Kistler 2002,
    eq. 10.4), applied to potentiation (F_+ = max(F, 0)); depression (F_- = max(-F, 0)) is
    scaled by (w - w_min)^beta. Learning slows as w nears a bound, so w stays in
    [w_min, w_max] in continuous time.

    Parameters
    ----------
    gamma2 : float, dimensionless, > 0
    w_min, w_max : float, dimensionless (weight units), w_min < w_max
    beta : float, dimensionless, in (0, 10]
    """

    gamma2: Positive = 1.0
    w_min: Real = 0.0
    w_max: Real = 1.0
    beta: Exponent = 1.0

    def _check(self) -> None:
        if not self.w_min < self.w_max:
            raise ParameterError("SoftBounds.w_max", f"must be > w_min={self.w_min!r}", self.w_max)

    def vector(self) -> tuple[float, ...]:
        """Its part of :func:`weight_dependence_vector`: (on, gamma2, w_min, w_max, beta)."""
        return (1.0, self.gamma2, self.w_min, self.w_max, self.beta)

    @staticmethod
    def factor(f: Any, w: Any, gamma2: Any, w_min: Any, w_max: Any, beta: Any) -> Any:
        """The bounded drift for the unbounded drift ``f``."""
        # max(z, 0) written as (z + |z|)/2: operators only, for numpy, numba and jax alike
        room_up = w_max - w
        room_down = w - w_min
        up = (0.5 * (room_up + abs(room_up))) ** beta
        down = (0.5 * (room_down + abs(room_down))) ** beta
        return gamma2 * (up * 0.5 * (f + abs(f)) - down * 0.5 * (abs(f) - f))


@frozen
class Decay:
    """Decay: dw_ij/dt += -gamma0 w_ij.

    Weight decay, the depression term of the essay's Fig. 7 (Gerstner & Kistler 2002,
    eq. 10.5). It is an Euler term of dw/dt, not an exact exponential factor, so the discrete
    map keeps the ODE's fixed points exactly (gamma2 c/(gamma2 c + gamma0) for Fig. 7).

    Parameters
    ----------
    gamma0 : float, 1/s, > 0
    """

    gamma0: LearningRate = 1.0


@frozen
class HardBounds:
    """HardBounds: w_ij is clipped to [w_min, w_max] after every step.

    The essay's hard bound (Sec. 4.3): learning stops at the bounds.

    Parameters
    ----------
    w_min, w_max : float, dimensionless (weight units), w_min < w_max
    """

    w_min: Real = 0.0
    w_max: Real = 1.0

    def _check(self) -> None:
        if not self.w_min < self.w_max:
            raise ParameterError("HardBounds.w_max", f"must be > w_min={self.w_min!r}", self.w_max)


@frozen
class MultiplicativeNorm:
    """MultiplicativeNorm: w_i <- w_i * total / s_i after every step, s_i = sum_j w_ij or |w_i|.

    Multiplicative normalisation of each unit's incoming weights (von der Malsburg 1973,
    Kybernetik 14:85; Miller & MacKay 1994, Neural Comput. 6:100, Sec. 2). ``"l1"`` divides by
    the sum of the weights, as those papers do, and keeps sum_j w_ij = total: the L1 norm for
    the non-negative weights it is meant for (with mixed signs the sum can approach 0 and the
    scale blow up; use ``"l2"`` or hard bounds at 0 there). ``"l2"`` divides by the Euclidean
    norm and keeps |w_i| = total.

    Parameters
    ----------
    total : float, dimensionless (weight units), > 0
        The sum (``"l1"``) or the norm (``"l2"``) each unit's weights are scaled to.
    norm : {"l1", "l2"}
    """

    total: Positive = 1.0
    norm: Literal["l1", "l2"] = "l1"

    def vector(self) -> tuple[float, float]:
        """Its part of :func:`weight_dependence_vector`: (kind 1 or 2, total)."""
        return (1.0 if self.norm == "l1" else 2.0, self.total)


@frozen
class SubtractiveNorm:
    """SubtractiveNorm: w_ij <- w_ij - (sum_k w_ik - total)/n_pre after every step.

    Subtractive normalisation (Miller & MacKay 1994, Neural Comput. 6:100, Sec. 2): the same
    amount is removed from every synapse of a unit so that sum_j w_ij = total. Combined with
    ``HardBounds`` (clipped afterwards) it produces the competition that makes units selective.

    Parameters
    ----------
    total : float, dimensionless (weight units), any finite value
        The sum each unit's weights are shifted to.
    """

    total: Real = 1.0

    def vector(self) -> tuple[float, float]:
        """Its part of :func:`weight_dependence_vector`: (kind 3, total)."""
        return (3.0, self.total)


Norm = MultiplicativeNorm | SubtractiveNorm


@frozen
class Composed:
    """A rule with weight dependence: dw/dt = S(F(w; nu_i, nu_j)) - gamma0 w, then norm, then clip.

    ``soft`` (``SoftBounds``) scales the rule's drift F, ``decay`` (``Decay``) adds -gamma0 w,
    the Euler step is taken, then ``norm`` (``MultiplicativeNorm`` or ``SubtractiveNorm``)
    renormalises each unit's incoming weights and ``hard`` (``HardBounds``) clips. Every part is
    optional and composes with every rule.
    """

    rule: RateRule
    soft: SoftBounds | None = None
    decay: Decay | None = None
    norm: MultiplicativeNorm | SubtractiveNorm | None = None
    hard: HardBounds | None = None

    def _check(self) -> None:
        if not isinstance(self.rule, RateRule):
            raise ParameterError("Composed.rule", "must be a rate rule", self.rule)


def essay_figure7(gamma2: float = 1.0, gamma0: float = 1.0) -> Composed:
    """The essay's Fig. 7 rule: dw_ij/dt = gamma2 (1 - w_ij) nu_i nu_j - gamma0 w_ij.

    Hebb (c11 = 1) with soft bounds on [0, 1] (beta = 1) and decay. With constant rates and
    c = nu_i nu_j the weight settles at w* = gamma2 c / (gamma2 c + gamma0).
    """
    return Composed(
        Hebb(c11=1.0), soft=SoftBounds(gamma2=gamma2, w_min=0.0, w_max=1.0), decay=Decay(gamma0)
    )


WD_SIZE = 11


def weight_dependence_vector(rule: Any) -> tuple[float, ...]:
    """The engine's weight-dependence vector for ``rule`` (a rule or ``Composed``).

    Layout: soft_on, gamma2, soft w_min, soft w_max, beta, gamma0, hard_on, hard w_min,
    hard w_max, norm kind (0 none, 1 L1, 2 L2, 3 subtractive), norm total.
    """
    soft: tuple[float, ...] = (0.0, 1.0, 0.0, 1.0, 1.0)
    gamma0, hard, norm = 0.0, (0.0, 0.0, 0.0), (0.0, 0.0)
    if isinstance(rule, Composed):
        if rule.soft is not None:
            soft = rule.soft.vector()
        if rule.decay is not None:
            gamma0 = rule.decay.gamma0
        if rule.hard is not None:
            hard = (1.0, rule.hard.w_min, rule.hard.w_max)
        if rule.norm is not None:
            norm = rule.norm.vector()
    return (*soft, gamma0, *hard, *norm)


def inner(rule: Any) -> RateRule:
    """The learning rule inside ``rule`` (itself, or the rule a ``Composed`` wraps)."""
    return rule.rule if isinstance(rule, Composed) else rule  # type: ignore[no-any-return]


RATE_RULES: dict[str, type] = {
    "taylor": Taylor,
    "hebb": Hebb,
    "covariance": Covariance,
    "oja": Oja,
    "oja-subspace": OjaSubspace,
    "sanger": Sanger,
    "bcm": BCM,
    "bcm-fixed": BCMFixed,
    "soft-bounds": SoftBounds,
    "decay": Decay,
    "hard-bounds": HardBounds,
    "multiplicative-norm": MultiplicativeNorm,
    "subtractive-norm": SubtractiveNorm,
}
