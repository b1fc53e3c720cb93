"""Spiking neurons and spike sources: the leaky integrate-and-fire neuron (current- or
conductance-based synapses), Poisson inputs and given spike trains.

All quantities are SI: volts, seconds, hertz. Synaptic weights are dimensionless for
conductance synapses (a conductance in units of the leak conductance) and in volts for current
synapses (the jump of the synaptic input R I).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from .._params import NonNegative, Positive, Rate, Real, TimeConstant, frozen
from ..errors import ParameterError

#: steps per block of Poisson draws; block b is drawn by ``default_rng([seed, b])``, so the
#: input at a step does not depend on how a run is split into chunks.
POISSON_BLOCK = 16384


@frozen
class LIF:
    """Leaky integrate-and-fire: tau_m dv/dt = E_L - v + g (E_syn - v) (conductance) or
    tau_m dv/dt = E_L - v + I (current), tau_syn dg/dt = -g, tau_syn dI/dt = -I; a spike when
    v > V_th, then v = V_reset for t_ref.

    The default is the neuron of Brian2's STDP example, adapted from Song, Miller & Abbott 2000
    (Nat. Neurosci. 3:919) and Song & Abbott 2001 (Neuron 32:339), the peers' T4 benchmark:
    tau_m = 10 ms, E_L = -74 mV, V_th = -54 mV, V_reset = -60 mV, excitatory conductance with
    E_syn = 0 V and tau_syn = 5 ms (Song, Miller & Abbott used tau_m = 20 ms, E_L = -70 mV).
    The synaptic variable decays exactly (factor exp(-dt/tau_syn) per step). Current synapses
    make the membrane equation linear and it is integrated exactly (the propagator of Rotter &
    Diesmann 1999, Biol. Cybern. 81:381); conductance synapses make it bilinear and it is
    integrated by forward Euler at dt, which the engine requires to be at most a tenth of the
    shortest time constant.

    Parameters
    ----------
    tau_m : float
        Membrane time constant, s.
    E_L, V_th, V_reset : float
        Resting, threshold and reset potentials, V; V_reset < V_th.
    t_ref : float
        Refractory period, s, >= 0 (rounded to whole steps).
    synapse : {"conductance", "current"}
    tau_syn : float
        Synaptic time constant, s (must differ from tau_m for current synapses).
    E_syn : float
        Synaptic reversal potential, V (conductance synapses only).
    """

    tau_m: TimeConstant = 0.010
    E_L: Real = -0.074
    V_th: Real = -0.054
    V_reset: Real = -0.060
    t_ref: NonNegative = 0.0
    synapse: Literal["conductance", "current"] = "conductance"
    tau_syn: TimeConstant = 0.005
    E_syn: Real = 0.0

    def _check(self) -> None:
        if not self.V_reset < self.V_th:
            raise ParameterError("LIF.V_reset", f"must be < V_th={self.V_th!r} V", self.V_reset)
        if self.synapse == "current" and abs(self.tau_syn - self.tau_m) < 1e-12 * self.tau_m:
            raise ParameterError(
                "LIF.tau_syn",
                "must differ from tau_m for the exact current propagator",
                self.tau_syn,
            )

    def propagators(self, dt: float) -> np.ndarray:
        """Per-step constants: [P_m, P_s, c, is_conductance] (see the class docstring)."""
        p_m = float(np.exp(-dt / self.tau_m))
        p_s = float(np.exp(-dt / self.tau_syn))
        if self.synapse == "current":
            c = self.tau_syn / (self.tau_syn - self.tau_m) * (p_s - p_m)
            return np.array([p_m, p_s, c, 0.0])
        return np.array([p_m, p_s, 0.0, 1.0])

    def param_array(self, dt: float) -> np.ndarray:
        """[tau_m, E_L, V_th, V_reset, ref_steps, E_syn, dt, P_m, P_s, c, is_conductance]."""
        ref_steps = float(round(self.t_ref / dt))
        return np.concatenate(
            [
                [self.tau_m, self.E_L, self.V_th, self.V_reset, ref_steps, self.E_syn, dt],
                self.propagators(dt),
            ]
        )


@frozen
class PoissonInput:
    """Independent Poisson spike trains, one per input, at ``rate`` Hz (one value for all
    inputs, or one per input), on the dt grid.

    The superposition of the inputs is a Poisson process of rate sum(rate), drawn as
    exponential intervals and binned into steps; each spike belongs to input i with
    probability rate_i / sum(rate) (the thinning theorem), which is the same law as
    independent Poisson trains. Drawn by numpy in blocks of ``POISSON_BLOCK`` steps, block b
    by ``default_rng([seed, b])``. Two spikes of one input in one step both count.
    """

    rate: Rate | tuple[Rate, ...] = 10.0

    def rates(self, n: int) -> np.ndarray:
        """The rate of each of ``n`` inputs, Hz."""
        r = np.asarray(self.rate, dtype=np.float64)
        if r.ndim == 0:
            return np.full(n, float(r))
        if r.shape != (n,):
            raise ParameterError("PoissonInput.rate", f"must have one value or {n}", len(r))
        return r

    def spikes(self, n: int, k0: int, n_steps: int, dt: float, seed: int) -> tuple[Any, Any]:
        """(number of input spikes at each step k0 <= k < k0 + n_steps, their inputs in step
        order)."""
        rates = self.rates(n)
        total = float(rates.sum())
        uniform = bool(np.all(rates == rates[0]))
        cdf = np.cumsum(rates)
        counts, ids = [], []
        for b in range(k0 // POISSON_BLOCK, (k0 + n_steps - 1) // POISSON_BLOCK + 1):
            rng = np.random.default_rng([seed, b])
            c = _poisson_counts(rng, total * dt, POISSON_BLOCK)
            if uniform:
                i = rng.integers(0, n, int(c.sum()))
            else:
                i = np.minimum(
                    np.searchsorted(cdf, rng.random(int(c.sum())) * total, side="right"), n - 1
                )
            lo = max(k0 - b * POISSON_BLOCK, 0)
            hi = min(k0 + n_steps - b * POISSON_BLOCK, POISSON_BLOCK)
            if lo > 0 or hi < POISSON_BLOCK:
                first = int(c[:lo].sum())
                i = i[first : first + int(c[lo:hi].sum())]
                c = c[lo:hi]
            counts.append(c)
            ids.append(i)
        return np.concatenate(counts), np.concatenate(ids)


@frozen
class SpikeTrains:
    """Given spike trains: ``times`` (s, sorted within each input) and the ``indices`` of
    the input that fires each spike. A spike at time t is registered at the end of the time
    step that contains it, ceil(t/dt) dt."""

    times: tuple[Real, ...]
    indices: tuple[int, ...]

    def _check(self) -> None:
        if len(self.times) != len(self.indices):
            raise ParameterError(
                "SpikeTrains.indices",
                f"must have as many entries as times ({len(self.times)})",
                len(self.indices),
            )
        t = np.asarray(self.times, dtype=np.float64)
        idx = np.asarray(self.indices, dtype=np.int64)
        if np.any(idx < 0):
            raise ParameterError("SpikeTrains.indices", "must be >= 0", int(idx.min()))
        if np.any(t < 0):
            raise ParameterError("SpikeTrains.times", "must be >= 0 s", float(t.min()))
        for i in np.unique(idx):
            ti = t[idx == i]
            if np.any(np.diff(ti) < 0):
                raise ParameterError(
                    "SpikeTrains.times",
                    f"must be sorted for each input (input {int(i)})",
                    ti.tolist()[:5],
                )

    def spikes(self, n: int, k0: int, n_steps: int, dt: float, seed: int) -> tuple[Any, Any]:
        """(number of input spikes at each step k0 <= k < k0 + n_steps, their inputs in step
        order)."""
        idx = np.asarray(self.indices, dtype=np.int64)
        if len(idx) and idx.max() >= n:
            raise ParameterError("SpikeTrains.indices", f"must be < n_pre={n}", int(idx.max()))
        t = np.asarray(self.times, dtype=np.float64)
        k = np.maximum(np.ceil(t / dt - 1e-9).astype(np.int64) - 1, 0)
        keep = (k >= k0) & (k < k0 + n_steps)
        k, idx = k[keep] - k0, idx[keep]
        order = np.argsort(k, kind="stable")
        return np.bincount(k, minlength=n_steps), idx[order]


def _poisson_counts(rng: np.random.Generator, rate_per_step: float, n_steps: int) -> np.ndarray:
    """Counts per step of a Poisson process with ``rate_per_step`` events per step."""
    if rate_per_step <= 0:
        return np.zeros(n_steps, dtype=np.int64)
    n = int(rate_per_step * n_steps + 6 * np.sqrt(rate_per_step * n_steps) + 20)
    t = np.cumsum(rng.standard_exponential(n)) / rate_per_step
    while t[-1] < n_steps:
        more = np.cumsum(rng.standard_exponential(n)) / rate_per_step
        t = np.concatenate([t, t[-1] + more])
    k = t[t < n_steps].astype(np.int64)
    return np.bincount(k, minlength=n_steps)


@frozen
class AdExClopath:
    """Adaptive exponential integrate-and-fire with spike afterpotential and adaptive threshold
    (Clopath, Buesing, Vasilaki & Gerstner 2010, Nat. Neurosci. 13:344, Methods; Brette &
    Gerstner 2005, J. Neurophysiol. 94:3637):

        C du/dt = -g_L (u - E_L) + g_L Delta_T exp((u - V_T)/Delta_T) - w_ad + z + I
        tau_w dw_ad/dt = a (u - E_L) - w_ad,   tau_z dz/dt = -z,
        tau_VT dV_T/dt = V_T_rest - V_T.

    When u > V_peak the neuron spikes: u is held at V_spike for t_spike, then set to V_reset,
    and w_ad += b, z = I_sp, V_T = V_T_max. The defaults are the paper's visual-cortex values
    (C = 281 pF, g_L = 30 nS, E_L = -70.6 mV, V_T_rest = -50.4 mV, Delta_T = 2 mV,
    tau_w = 144 ms, a = 4 nS, I_sp = 400 pA, tau_z = 40 ms, tau_VT = 50 ms) and
    V_T_max = -30.4 mV = V_T_rest + 20 mV, the authors' ModelDB code (144566, aEIF.m:
    VT_jump = 20; NEST's aeif_psc_delta_clopath has V_th_max = +30.4 mV instead), and
    b = 80.5 pA, the value of Brette & Gerstner 2005, of the authors' code (0.0805 nA) and of
    NEST (transcriptions of the paper's Table 1a give 0.805 pA). The spike shape follows the
    authors' code (dt = 1 ms there): detection at 20 mV, 2 ms at 29.4 mV then 32.862 mV
    (29.4 + 3.462, their "resolution trick"), reset to -49.5 mV (E_L + 21.0984 mV); here it
    is held at V_spike = 29.4 mV for the whole t_spike. u and w_ad are integrated by forward
    Euler at dt; z and V_T decay exactly.

    Parameters
    ----------
    C : float
        Capacitance, F.
    g_L, a : float
        Leak conductance and subthreshold adaptation, S.
    E_L, V_T_rest, V_T_max, Delta_T, V_peak, V_spike, V_reset : float
        Potentials, V.
    tau_w, tau_z, tau_VT, t_spike : float
        Time constants and spike duration, s.
    b, I_sp : float
        Spike-triggered adaptation and afterpotential currents, A.
    """

    C: Positive = 281e-12
    g_L: Positive = 30e-9
    E_L: Real = -70.6e-3
    V_T_rest: Real = -50.4e-3
    Delta_T: Positive = 2e-3
    tau_w: TimeConstant = 0.144
    a: NonNegative = 4e-9
    b: NonNegative = 80.5e-12
    I_sp: NonNegative = 400e-12
    tau_z: TimeConstant = 0.040
    tau_VT: TimeConstant = 0.050
    V_T_max: Real = -30.4e-3
    V_peak: Real = 20e-3
    V_spike: Real = 29.4e-3
    t_spike: NonNegative = 2e-3
    V_reset: Real = -49.5e-3

    def _check(self) -> None:
        if not self.V_T_rest < self.V_peak:
            raise ParameterError(
                "AdExClopath.V_peak", f"must be > V_T_rest={self.V_T_rest!r} V", self.V_peak
            )
        if not self.V_reset < self.V_peak:  # else it spikes again at once, every step
            raise ParameterError(
                "AdExClopath.V_reset", f"must be < V_peak={self.V_peak!r} V", self.V_reset
            )

    @property
    def tau_m(self) -> float:
        """Membrane time constant C / g_L, s."""
        return self.C / self.g_L

    def param_array(self, dt: float) -> np.ndarray:
        """[C, g_L, E_L, V_T_rest, Delta_T, tau_w, a, b, I_sp, V_T_max, V_peak, V_spike,
        spike_steps, V_reset, dt, exp(-dt/tau_z), exp(-dt/tau_VT)]."""
        return np.array(
            [
                self.C,
                self.g_L,
                self.E_L,
                self.V_T_rest,
                self.Delta_T,
                self.tau_w,
                self.a,
                self.b,
                self.I_sp,
                self.V_T_max,
                self.V_peak,
                self.V_spike,
                float(max(1, round(self.t_spike / dt))),
                self.V_reset,
                dt,
                float(np.exp(-dt / self.tau_z)),
                float(np.exp(-dt / self.tau_VT)),
            ]
        )
