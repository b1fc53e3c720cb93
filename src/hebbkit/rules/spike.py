"""Spike-timing-dependent plasticity: pair, triplet and voltage STDP, all driven by traces.

Pair and triplet STDP share one trace machine (Pfister & Gerstner 2006 write the pair rule as
the triplet rule with A3 = 0). Four traces are kept per synapse: r1 (tau_plus) and r2 (tau_x)
jump at presynaptic spikes, o1 (tau_minus) and o2 (tau_y) at postsynaptic spikes; between
spikes each decays exponentially, which the engine does exactly (decay factors computed once
per dt, or exp of the exact interval when event-driven). At a presynaptic spike

    w <- w - o1 (A2_minus + A3_minus r2) F_-(w)        (then r1, r2 jump)

and at a postsynaptic spike

    w <- w + r1 (A2_plus + A3_plus o2) F_+(w)           (then o1, o2 jump)

with r2 and o2 taken just before the jump. F_+(w) = ((w_max - w)/(w_max - w_min))^mu and
F_-(w) = ((w - w_min)/(w_max - w_min))^mu (Guetig et al. 2003, J. Neurosci. 23:3697, eq. 2):
mu = 0 is additive with hard bounds (the engine clips to [w_min, w_max]), mu = 1 multiplicative
(soft bounds). A jump is x <- keep * x + 1: keep = 1 sums over all spikes (all-to-all),
keep = 0 resets the trace to 1 (nearest spike). The nearest-neighbour pair schemes of Morrison,
Diesmann & Gerstner 2008 (Biol. Cybern. 98:459, Fig. 7) also clear a trace after the partner
neuron's spike has used it; see :class:`PairSTDP`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from .._params import NonNegative, Positive, Real, TimeConstant, Weight, frozen
from ..errors import ParameterError
from .base import AbstractSpikeRule

Exponent = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

# keep factors (r on pre, r on post, o on post, o on pre) for each interaction scheme:
# 1 on the own neuron's spike = accumulate, 0 = reset to 1; 1 on the partner's = keep, 0 = clear.
_KEEP = {
    "all_to_all": (1.0, 1.0, 1.0, 1.0),
    "nearest_symmetric": (0.0, 1.0, 0.0, 1.0),
    "nearest_presynaptic": (1.0, 0.0, 0.0, 1.0),
    "nearest_restricted": (0.0, 0.0, 0.0, 0.0),
    "nearest": (0.0, 1.0, 0.0, 1.0),
}

# Index of each entry of ``kernel_params()``; kernels read the vector by these positions.
A2P, A3P, A2M, A3M, TAU_R1, TAU_R2, TAU_O1, TAU_O2, W_MIN, W_MAX, MU = range(11)
KEEP_R_PRE, KEEP_R_POST, KEEP_O_POST, KEEP_O_PRE = range(11, 15)
N_TRACE_PARAMS = 15


class AbstractTraceSTDP(AbstractSpikeRule):
    """Pair and triplet STDP: the update functions below, the traces in the engine."""

    state: ClassVar[tuple[str, ...]] = ("r1", "r2", "o1", "o2")

    @staticmethod
    def potentiation(r1: Any, o2: Any, A2_plus: Any, A3_plus: Any) -> Any:
        """Weight-independent jump at a postsynaptic spike: r1 (A2+ + A3+ o2)."""
        return r1 * (A2_plus + A3_plus * o2)

    @staticmethod
    def depression(o1: Any, r2: Any, A2_minus: Any, A3_minus: Any) -> Any:
        """Weight-independent jump at a presynaptic spike: -o1 (A2- + A3- r2)."""
        return -o1 * (A2_minus + A3_minus * r2)

    @staticmethod
    def factor_plus(w: Any, w_min: Any, w_max: Any, mu: Any) -> Any:
        """Guetig's potentiation factor ((w_max - w)/(w_max - w_min))^mu."""
        return ((w_max - w) / (w_max - w_min)) ** mu

    @staticmethod
    def factor_minus(w: Any, w_min: Any, w_max: Any, mu: Any) -> Any:
        """Guetig's depression factor ((w - w_min)/(w_max - w_min))^mu."""
        return ((w - w_min) / (w_max - w_min)) ** mu

    def _bounds_check(self, owner: str) -> None:
        w_min, w_max = self.w_min, self.w_max  # type: ignore[attr-defined]
        if not w_min < w_max:
            raise ParameterError(f"{owner}.w_max", f"must be > w_min={w_min!r}", w_max)


@frozen
class PairSTDP(AbstractTraceSTDP):
    """Pair STDP: dw = A_plus exp(-s/tau_plus) F_+(w) for pre-before-post by s > 0,
    dw = -A_minus exp(-s/tau_minus) F_-(w) for post-before-pre by s.

    All-to-all (every pair counts) the mean drift for independent Poisson trains at rates
    nu_pre, nu_post is nu_pre nu_post (A_plus tau_plus - A_minus tau_minus) at mu = 0
    (Kempter, Gerstner & van Hemmen 1999, Phys. Rev. E 59:4498, eq. 8); Song, Miller & Abbott
    2000 (Nat. Neurosci. 3:919) show additive STDP with A_minus tau_minus > A_plus tau_plus
    makes the weights bimodal; Guetig et al. 2003 (mu = 1) make them unimodal, as does van
    Rossum et al. 2000's rule (additive potentiation, multiplicative depression: mu_plus = 0,
    mu_minus = 1 in NEST's stdp_synapse, which one mu here cannot express). The schemes
    (Morrison, Diesmann & Gerstner 2008, Biol. Cybern. 98:459, Fig. 7): ``nearest_symmetric``
    pairs each spike with the latest spike of the other neuron; ``nearest_presynaptic`` pairs
    each presynaptic spike with its nearest preceding and its nearest following postsynaptic
    spike; ``nearest_restricted`` counts a pair only when the two spikes are each other's
    nearest (no spike of either neuron between them).

    Parameters
    ----------
    A_plus : float
        Potentiation amplitude at zero lag, in weight units, > 0.
    A_minus : float
        Depression amplitude at zero lag, in weight units, > 0 (it is subtracted).
    tau_plus, tau_minus : float
        Time constants of the window, in s, > 0.
    w_min, w_max : float
        Bounds of the weight, w_min < w_max (weight units).
    mu : float
        Guetig's weight-dependence exponent in [0, 1]: 0 additive, 1 multiplicative.
    scheme : {"all_to_all", "nearest_symmetric", "nearest_presynaptic", "nearest_restricted"}
    """

    A_plus: Positive = 0.005
    A_minus: Positive = 0.00525
    tau_plus: TimeConstant = 0.020
    tau_minus: TimeConstant = 0.020
    w_min: Weight = 0.0
    w_max: Weight = 1.0
    mu: Exponent = 0.0
    scheme: Literal[
        "all_to_all", "nearest_symmetric", "nearest_presynaptic", "nearest_restricted"
    ] = "all_to_all"

    def _check(self) -> None:
        self._bounds_check("PairSTDP")

    def window(self, lag: Any) -> Any:
        """The pair window W(s) (weight units) at s = t_post - t_pre (s), for mu = 0."""
        s = np.asarray(lag, dtype=np.float64)
        return np.where(
            s >= 0,
            self.A_plus * np.exp(-np.abs(s) / self.tau_plus),
            -self.A_minus * np.exp(-np.abs(s) / self.tau_minus),
        )

    def kernel_params(self) -> np.ndarray:
        """The spiking kernels' parameter vector: this rule as the triplet rule with no triplet
        terms (A3 = 0, tau_x = tau_y = 1 s, unused)."""
        return np.array(
            [
                self.A_plus,
                0.0,
                self.A_minus,
                0.0,
                self.tau_plus,
                1.0,
                self.tau_minus,
                1.0,
                self.w_min,
                self.w_max,
                self.mu,
                *_KEEP[self.scheme],
            ],
            dtype=np.float64,
        )


# Pfister & Gerstner 2006, J. Neurosci. 26:9673. Table 3 (visual cortex, fitted to the
# Sjostrom et al. 2001 pairing-frequency data) and Table 4 (hippocampal culture, Wang et al.
# 2005). tau_plus = 16.8 ms and tau_minus = 33.7 ms in every row (Bi & Poo 2001's fit of their
# 1998 data, as in windows.bi_poo_window). Where a minimal model has A3_minus = 0, tau_x does
# not enter and the full row's value is used.
_PRESETS: dict[str, dict[str, Any]] = {
    "visual_cortex_all_to_all_full": dict(
        interaction="all_to_all",
        tau_x=0.101,
        tau_y=0.125,
        A2_plus=5e-10,
        A3_plus=6.2e-3,
        A2_minus=7e-3,
        A3_minus=2.3e-4,
    ),
    "visual_cortex_all_to_all_minimal": dict(
        interaction="all_to_all",
        tau_x=0.101,
        tau_y=0.114,
        A2_plus=0.0,
        A3_plus=6.5e-3,
        A2_minus=7.1e-3,
        A3_minus=0.0,
    ),
    "visual_cortex_nearest_full": dict(
        interaction="nearest",
        tau_x=0.714,
        tau_y=0.040,
        A2_plus=8.8e-11,
        A3_plus=5.3e-2,
        A2_minus=6.6e-3,
        A3_minus=3.1e-3,
    ),
    "visual_cortex_nearest_minimal": dict(
        interaction="nearest",
        tau_x=0.714,
        tau_y=0.040,
        A2_plus=0.0,
        A3_plus=5.0e-2,
        A2_minus=8e-3,
        A3_minus=0.0,
    ),
    "hippocampal_all_to_all_full": dict(
        interaction="all_to_all",
        tau_x=0.946,
        tau_y=0.027,
        A2_plus=6.1e-3,
        A3_plus=6.7e-3,
        A2_minus=1.6e-3,
        A3_minus=1.4e-3,
    ),
    "hippocampal_all_to_all_minimal": dict(
        interaction="all_to_all",
        tau_x=0.946,
        tau_y=0.040,
        A2_plus=5.3e-3,
        A3_plus=8.0e-3,
        A2_minus=3.5e-3,
        A3_minus=0.0,
    ),
    "hippocampal_nearest_full": dict(
        interaction="nearest",
        tau_x=0.575,
        tau_y=0.047,
        A2_plus=4.6e-3,
        A3_plus=9.1e-3,
        A2_minus=3e-3,
        A3_minus=7.5e-9,
    ),
}


@frozen
class TripletSTDP(AbstractTraceSTDP):
    """Triplet STDP: at a post spike dw = r1 (A2_plus + A3_plus o2), at a pre spike
    dw = -o1 (A2_minus + A3_minus r2) (Pfister & Gerstner 2006, J. Neurosci. 26:9673, eqs. 3-4).

    With Poisson trains the all-to-all rule is a BCM rule in the rates (Pfister & Gerstner
    2006, eq. 5): drift = nu_pre nu_post (A2+ tau+ - A2- tau- + A3+ tau+ tau_y nu_post
    - A3- tau- tau_x nu_pre) at mu = 0. It reproduces the frequency dependence of pairing in
    visual cortex (Sjostrom, Turrigiano & Nelson 2001, Neuron 32:1149): post-pre depression at
    low frequency turns into potentiation at 40-50 Hz. ``interaction="nearest"`` resets each
    trace to 1 at a spike (the paper's nearest-spike model) instead of adding 1. The published
    parameter sets are presets: ``TripletSTDP.preset("visual_cortex_all_to_all_minimal")``.

    Parameters
    ----------
    A2_plus, A3_plus, A2_minus, A3_minus : float
        Pair and triplet amplitudes, weight units, >= 0 (the minus ones are subtracted).
    tau_plus, tau_x, tau_minus, tau_y : float
        Time constants of r1, r2, o1, o2, in s, > 0.
    interaction : {"all_to_all", "nearest"}
    w_min, w_max : float
        Bounds of the weight (weight units), w_min < w_max.
    mu : float
        Guetig's weight-dependence exponent in [0, 1]; the paper's rule is additive (0).
    """

    A2_plus: NonNegative = 5e-10
    A3_plus: NonNegative = 6.2e-3
    A2_minus: NonNegative = 7e-3
    A3_minus: NonNegative = 2.3e-4
    tau_plus: TimeConstant = 0.0168
    tau_x: TimeConstant = 0.101
    tau_minus: TimeConstant = 0.0337
    tau_y: TimeConstant = 0.125
    interaction: Literal["all_to_all", "nearest"] = "all_to_all"
    w_min: Weight = 0.0
    w_max: Weight = 10.0
    mu: Exponent = 0.0

    PRESETS: ClassVar[dict[str, dict[str, Any]]] = _PRESETS

    def _check(self) -> None:
        self._bounds_check("TripletSTDP")

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> TripletSTDP:
        """A published parameter set (see ``TripletSTDP.PRESETS``), with optional overrides."""
        if name not in _PRESETS:
            raise ParameterError(
                "TripletSTDP.preset", "must be one of " + ", ".join(_PRESETS), name
            )
        return cls(**{**_PRESETS[name], **overrides})

    def kernel_params(self) -> np.ndarray:
        """The spiking kernels' parameter vector: A2+, A3+, A2-, A3-, tau+, tau_x, tau-, tau_y,
        w_min, w_max, mu, then the interaction's keep flags."""
        return np.array(
            [
                self.A2_plus,
                self.A3_plus,
                self.A2_minus,
                self.A3_minus,
                self.tau_plus,
                self.tau_x,
                self.tau_minus,
                self.tau_y,
                self.w_min,
                self.w_max,
                self.mu,
                *_KEEP[self.interaction],
            ],
            dtype=np.float64,
        )


@frozen
class VoltageSTDP(AbstractSpikeRule):
    """Voltage STDP: dw/dt = -A_LTD X(t) [u_minus - theta_minus]+
    + A_LTP x(t) [u - theta_plus]+ [u_plus - theta_minus]+ (Clopath et al. 2010, Nat.
    Neurosci. 13:344, eqs. 2-4).

    X is the presynaptic spike train, x its trace (tau_x, jump 1 per spike, here scaled by
    1/tau_x as in the paper so that x is a rate), u the membrane potential and u_minus, u_plus
    its low-pass filters (tau_minus, tau_plus). With ``homeostatic`` the LTD amplitude is
    A_LTD u_bar^2 / u_ref^2 (eq. 5), u_bar the slow mean of u - E_L; off by default, as in the
    pairing protocols of the paper's Fig. 2. Fitted to visual cortex (Sjostrom 2001) in the
    paper's Table 1b (voltages in mV there, V here).

    Parameters
    ----------
    A_LTD : float
        Depression amplitude, 1/V, > 0 (paper: 14e-5 /mV).
    A_LTP : float
        Potentiation amplitude, 1/V^2, > 0 (paper: 8e-5 /mV^2 with x in 1/ms and t in ms;
        the same rule in s and V).
    theta_minus, theta_plus : float
        LTD and LTP thresholds, V, theta_minus < theta_plus.
    tau_minus, tau_plus, tau_x : float
        Filter time constants of u_minus, u_plus and x, s.
    homeostatic : bool
    u_ref2 : float
        Reference value of u_bar^2, V^2 (homeostatic only).
    tau_bar : float
        Time constant of u_bar, s (homeostatic only).
    filter_delay : float
        u_minus, u_plus and u_bar filter u(t - filter_delay), s >= 0 (rounded to steps), so
        that a spike's own depolarization can be kept out of the filters at its own time
        (0: the paper's equations; the authors' code reads the filters 3 ms late).
    w_min, w_max : float
        Bounds of the weight (weight units), w_min < w_max.
    """

    A_LTD: Positive = 0.14
    A_LTP: Positive = 80.0
    theta_minus: Real = -70.6e-3
    theta_plus: Real = -45.3e-3
    tau_minus: TimeConstant = 0.010
    tau_plus: TimeConstant = 0.007
    tau_x: TimeConstant = 0.015
    homeostatic: bool = False
    u_ref2: Positive = 60e-6
    tau_bar: TimeConstant = 1.0
    filter_delay: NonNegative = 0.0
    w_min: Weight = 0.0
    w_max: Weight = 10.0

    state: ClassVar[tuple[str, ...]] = ("u_minus", "u_plus", "x", "u_bar")

    def _check(self) -> None:
        if not self.theta_minus < self.theta_plus:
            raise ParameterError(
                "VoltageSTDP.theta_plus",
                f"must be > theta_minus={self.theta_minus!r} V",
                self.theta_plus,
            )
        if not self.w_min < self.w_max:
            raise ParameterError("VoltageSTDP.w_max", f"must be > w_min={self.w_min!r}", self.w_max)

    def param_array(self, dt: float) -> np.ndarray:
        """[A_LTD, A_LTP, theta_minus, theta_plus, 1 - exp(-dt/tau_minus),
        1 - exp(-dt/tau_plus), exp(-dt/tau_x), 1/tau_x, homeostatic, u_ref2,
        1 - exp(-dt/tau_bar), w_min, w_max, delay steps] for time step dt (s)."""
        return np.array(
            [
                self.A_LTD,
                self.A_LTP,
                self.theta_minus,
                self.theta_plus,
                -np.expm1(-dt / self.tau_minus),
                -np.expm1(-dt / self.tau_plus),
                np.exp(-dt / self.tau_x),
                1.0 / self.tau_x,
                float(self.homeostatic),
                self.u_ref2,
                -np.expm1(-dt / self.tau_bar),
                self.w_min,
                self.w_max,
                float(round(self.filter_delay / dt)),
            ]
        )

    @staticmethod
    def ltd_rate(u_minus: Any, theta_minus: Any, A_LTD: Any) -> Any:
        """Depression per presynaptic spike: A_LTD [u_minus - theta_minus]+."""
        d = u_minus - theta_minus
        return A_LTD * 0.5 * (d + abs(d))

    @staticmethod
    def ltp_rate(u: Any, u_plus: Any, x: Any, theta_minus: Any, theta_plus: Any, A_LTP: Any) -> Any:
        """Potentiation rate: A_LTP x [u - theta_plus]+ [u_plus - theta_minus]+."""
        a = u - theta_plus
        b = u_plus - theta_minus
        return A_LTP * x * 0.5 * (a + abs(a)) * 0.5 * (b + abs(b))


SPIKE_RULES: dict[str, type] = {
    "pair-stdp": PairSTDP,
    "triplet-stdp": TripletSTDP,
    "voltage-stdp": VoltageSTDP,
}
