"""The protocols plasticity experiments run on one synapse: pairings, the STDP window,
triplets and quadruplets, and Poisson drive, for :class:`~hebbkit.rules.spike.PairSTDP` and
:class:`~hebbkit.rules.spike.TripletSTDP`.

Two evaluations are offered for every protocol (``method``):

- ``"event"`` (event-driven, exact): the spike times are used as given and every trace decays
  by exp(-h / tau) over the exact interval h between consecutive events. This is the rule's
  definition; the closed forms below match it to rounding.
- ``"clock"`` (clock-driven, on a dt grid): each spike is registered at the end of the time
  step that contains it, t -> ceil(t / dt) dt, as a simulator stepping at ``dt`` sees it, and
  traces decay by the per-step factor exp(-dt / tau) raised to the number of steps. Its error
  against ``"event"`` is O(dt) and vanishes as dt -> 0 (``tests/test_protocols.py``).

At equal times a presynaptic spike is processed before a postsynaptic one, so a zero lag counts
as pre-before-post (potentiation), as in the clock-driven engine.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from .errors import ParameterError
from .neurons.spiking import AdExClopath
from .rules.spike import PairSTDP, TripletSTDP, VoltageSTDP

Rule = PairSTDP | TripletSTDP
Method = Literal["event", "clock"]


def pairing_times(n_pairs: int, frequency: float, delay: float) -> tuple[np.ndarray, np.ndarray]:
    """Pre spikes at k / frequency and post spikes at k / frequency + delay, k < n_pairs (s)."""
    _check_pairing(n_pairs, frequency, delay)
    pre = np.arange(n_pairs, dtype=np.float64) / frequency
    return pre, pre + delay


def weight_change(
    rule: Rule,
    pre: Any,
    post: Any,
    *,
    w0: float | None = None,
    method: Method = "event",
    dt: float | None = None,
    backend: str = "numba",
) -> float:
    """The weight change of one synapse after the pre and post spike trains (times in s).

    ``w0`` defaults to the middle of the rule's bounds. See the module docstring for
    ``method``; ``dt`` (s) is required for ``"clock"``.
    """
    pre = _train("protocols.pre", pre)
    post = _train("protocols.post", post)
    w_start = _w0(rule, w0)
    w = _final_weights(rule, [pre], [post], np.array([w_start]), method, dt, backend)
    return float(w[0] - w_start)


def pairing(
    rule: Rule,
    n_pairs: int,
    frequency: float,
    delay: float,
    *,
    w0: float | None = None,
    method: Method = "event",
    dt: float | None = None,
    backend: str = "numba",
) -> float:
    """Weight change after ``n_pairs`` pairings at ``frequency`` (Hz), post lagging pre by
    ``delay`` (s; negative for post-before-pre)."""
    pre, post = pairing_times(n_pairs, frequency, delay)
    return weight_change(rule, pre, post, w0=w0, method=method, dt=dt, backend=backend)


def pairing_closed_form(rule: PairSTDP, n_pairs: int, frequency: float, delay: float) -> float:
    """Closed form of :func:`pairing` for additive pair STDP (mu = 0, bounds not reached).

    With T = 1/frequency, the lag from the latest pre to a post is d+ = delay mod T and from
    the latest post to a pre d- = T - d+. All-to-all, post spike n sees m_n earlier pre
    spikes at lags d+ + jT, j < m_n, so its jump is A+ e^(-d+/tau+) S(m_n, q+) with
    q = e^(-T/tau) and S(m, q) = (1 - q^m)/(1 - q). Summing S over m = 1..M gives
    G(M, q) = (M - q S(M, q)) / (1 - q); with delay >= 0 the posts see M = N pre spikes in
    total and the pres see N - 1 posts (N - 1 and N for delay < 0):
    dw = A+ e^(-d+/tau+) G(M+, q+) - A- e^(-d-/tau-) G(M-, q-). Each nearest-neighbour scheme
    counts only the latest partner, S -> 1, so dw = A+ e^(-d+/tau+) M+ - A- e^(-d-/tau-) M-.
    The two differ once q is not small, i.e. above a few Hz for tau ~ 20 ms.
    """
    _check_pairing(n_pairs, frequency, delay)
    if rule.mu != 0.0:
        raise ParameterError("pairing_closed_form.rule.mu", "must be 0 (additive)", rule.mu)
    period = 1.0 / frequency
    d_plus = delay if delay >= 0 else delay + period
    d_minus = period - d_plus
    m_plus, m_minus = (n_pairs, n_pairs - 1) if delay >= 0 else (n_pairs - 1, n_pairs)
    if rule.scheme == "all_to_all":
        c_plus = _g(m_plus, math.exp(-period / rule.tau_plus))
        c_minus = _g(m_minus, math.exp(-period / rule.tau_minus))
    else:
        c_plus, c_minus = float(m_plus), float(m_minus)
    return (
        rule.A_plus * math.exp(-d_plus / rule.tau_plus) * c_plus
        - rule.A_minus * math.exp(-d_minus / rule.tau_minus) * c_minus
    )


def stdp_window(
    rule: Rule,
    lags: Any,
    *,
    n_pairs: int = 1,
    frequency: float = 1.0,
    w0: float | None = None,
    method: Method = "event",
    dt: float | None = None,
    backend: str = "numba",
) -> np.ndarray:
    """Weight change against lag (s, post minus pre) for ``n_pairs`` pairings at ``frequency``."""
    lags = np.asarray(lags, dtype=np.float64)
    pres, posts = [], []
    for lag in lags.ravel():
        pre, post = pairing_times(n_pairs, frequency, float(lag))
        pres.append(pre)
        posts.append(post)
    w_start = _w0(rule, w0)
    w0s = np.full(len(pres), w_start)
    w = _final_weights(rule, pres, posts, w0s, method, dt, backend)
    return (w - w_start).reshape(lags.shape)


def triplet(
    rule: Rule,
    order: Literal["pre-post-pre", "post-pre-post"],
    t1: float,
    t2: float,
    *,
    n_reps: int = 60,
    frequency: float = 1.0,
    w0: float | None = None,
    method: Method = "event",
    dt: float | None = None,
    backend: str = "numba",
) -> float:
    """Weight change after ``n_reps`` triplets at ``frequency`` (Wang et al. 2005, Nat.
    Neurosci. 8:187; Pfister & Gerstner 2006, Fig. 5). pre-post-pre: pre at 0, post at t1,
    pre at t1 + t2 (t1, t2 > 0 are the two gaps); post-pre-post likewise with roles swapped."""
    if t1 <= 0 or t2 <= 0:
        raise ParameterError("protocols.triplet.t1", "t1 and t2 must be > 0 s", (t1, t2))
    _check_pairing(n_reps, frequency, t1 + t2)
    starts = np.arange(n_reps) / frequency
    a = np.concatenate([starts, starts + t1 + t2])
    b = starts + t1
    pre, post = (np.sort(a), b) if order == "pre-post-pre" else (b, np.sort(a))
    return weight_change(rule, pre, post, w0=w0, method=method, dt=dt, backend=backend)


def quadruplet(
    rule: Rule,
    gap: float,
    *,
    delay: float = 0.005,
    n_reps: int = 60,
    frequency: float = 1.0,
    w0: float | None = None,
    method: Method = "event",
    dt: float | None = None,
    backend: str = "numba",
) -> float:
    """Weight change after ``n_reps`` quadruplets (Wang et al. 2005): a post-pre pair (lag
    ``delay``) and a pre-post pair (lag ``delay``) whose centres are ``gap`` s apart; gap > 0
    puts post-pre first, gap < 0 pre-post first."""
    if abs(gap) <= delay:
        raise ParameterError("protocols.quadruplet.gap", f"|gap| must be > delay={delay!r} s", gap)
    _check_pairing(n_reps, frequency, abs(gap) + delay)
    starts = np.arange(n_reps) / frequency + delay
    c1, c2 = (0.0, gap) if gap > 0 else (-gap, 0.0)  # centres of post-pre and pre-post
    pre = np.sort(np.concatenate([starts + c1 + delay / 2, starts + c2 - delay / 2]))
    post = np.sort(np.concatenate([starts + c1 - delay / 2, starts + c2 + delay / 2]))
    return weight_change(rule, pre, post, w0=w0, method=method, dt=dt, backend=backend)


def poisson_drift(
    rule: Rule,
    rate_pre: float,
    rate_post: float,
    *,
    duration: float = 20.0,
    n_synapses: int = 1000,
    seed: int = 0,
    w0: float | None = None,
    backend: str = "numba",
) -> tuple[float, float]:
    """Mean drift dw/dt (weight units per s) of synapses driven by independent Poisson pre and
    post trains at the given rates (Hz), and its standard error, event-driven.

    Each of ``n_synapses`` synapses gets its own pair of trains (exponential intervals drawn
    by ``numpy.random.default_rng(seed)``). Changes during a burn-in of 10 max(tau) are left
    out so that the traces start in their stationary state.
    """
    for name, rate in (("rate_pre", rate_pre), ("rate_post", rate_post)):
        if not rate > 0:
            raise ParameterError(f"protocols.poisson_drift.{name}", "must be > 0 Hz", rate)
    rng = np.random.default_rng(seed)
    taus = rule.kernel_params()[4:8]
    burn = 10.0 * float(taus.max() if isinstance(rule, TripletSTDP) else taus[[0, 2]].max())
    t_end = burn + duration
    pres = [_poisson(rng, rate_pre, t_end) for _ in range(n_synapses)]
    posts = [_poisson(rng, rate_post, t_end) for _ in range(n_synapses)]
    w_start = _w0(rule, w0)
    times, is_post, starts = _merged(pres, posts)
    kernel = _kernel(backend)
    w = kernel(times, is_post, starts, rule.kernel_params(), np.full(n_synapses, w_start))
    change = np.empty(n_synapses)
    for s in range(n_synapses):
        seg = slice(starts[s], starts[s + 1])
        t, ws = times[seg], w[seg]
        before = np.searchsorted(t, burn) - 1
        w_burn = ws[before] if before >= 0 else w_start
        change[s] = (ws[-1] if len(ws) else w_start) - w_burn
    drift = change / duration
    return float(drift.mean()), float(drift.std(ddof=1) / math.sqrt(n_synapses))


def poisson_drift_closed_form(rule: Rule, rate_pre: float, rate_post: float) -> float:
    """Expected drift (weight units per s) for independent Poisson trains, mu = 0, no bounds.

    A trace that sums over all earlier spikes of a rate-nu train has mean nu tau; one reset to
    1 at each spike has mean E[e^(-s/tau)] = nu tau / (1 + nu tau), s ~ Exp(nu). The
    presynaptic-centred scheme clears r1 at each post spike, so r1 sums over pres since the
    last post: nu_pre tau+ / (1 + nu_post tau+). The restricted scheme counts the latest
    partner only if no spike of either train came since: nu tau / (1 + (nu_pre + nu_post) tau).
    Independent trains factorise the triplet terms (Pfister & Gerstner 2006, eq. 5).
    """
    a, b = rate_pre, rate_post
    if isinstance(rule, PairSTDP):
        tp, tm = rule.tau_plus, rule.tau_minus
        ltp_trace, ltd_trace = {
            "all_to_all": (a * tp, b * tm),
            "nearest_symmetric": (a * tp / (1 + a * tp), b * tm / (1 + b * tm)),
            "nearest_presynaptic": (a * tp / (1 + b * tp), b * tm / (1 + b * tm)),
            "nearest_restricted": (a * tp / (1 + (a + b) * tp), b * tm / (1 + (a + b) * tm)),
        }[rule.scheme]
        return b * rule.A_plus * ltp_trace - a * rule.A_minus * ltd_trace

    def mean(rate: float, tau: float) -> float:
        return rate * tau if rule.interaction == "all_to_all" else rate * tau / (1 + rate * tau)

    ltp = rule.A2_plus + rule.A3_plus * mean(b, rule.tau_y)
    ltd = rule.A2_minus + rule.A3_minus * mean(a, rule.tau_x)
    return b * mean(a, rule.tau_plus) * ltp - a * mean(b, rule.tau_minus) * ltd


def voltage_pairing(
    rule: VoltageSTDP,
    n_pairs: int,
    frequency: float,
    delay: float,
    *,
    n_bursts: int = 1,
    neuron: AdExClopath | None = None,
    dt: float = 1e-4,
    w0: float = 1.0,
    backend: str = "numba",
) -> float:
    """Weight change after ``n_bursts`` bursts of ``n_pairs`` pairings under voltage STDP
    (clock-driven at dt; Clopath et al. 2010, Fig. 2, after Sjostrom et al. 2001: 5 pairings
    per burst, 15 bursts 10 s apart).

    Each postsynaptic spike is started at its time, as by a brief suprathreshold current pulse;
    the presynaptic spike drives the synapse's trace only (its EPSP is neglected, one weak
    synapse). Bursts are 10 s apart in the experiment, much longer than every time constant of
    the neuron and the rule, so each burst starts from rest and causes the same change; one
    burst is simulated (with 0.5 s to settle) and its change multiplied by ``n_bursts``. This
    needs the non-homeostatic rule, whose amplitude does not depend on the slow mean u_bar.
    """
    _check_pairing(n_pairs, frequency, delay)
    if rule.homeostatic:
        raise ParameterError("voltage_pairing.rule.homeostatic", "must be False", True)
    neuron = AdExClopath() if neuron is None else neuron
    shortest = min(neuron.tau_m, rule.tau_plus, rule.tau_minus, rule.tau_x)
    if not 0 < dt <= shortest / 10:
        raise ParameterError(
            "voltage_pairing.dt",
            f"must be <= {shortest / 10!r} s (a tenth of the shortest time constant)",
            dt,
        )
    start = 0.05 + max(0.0, -delay)
    pre_t = start + np.arange(n_pairs) / frequency
    post_t = pre_t + delay
    n_steps = int(np.ceil((pre_t[-1] + abs(delay) + 0.5) / dt))
    pre = np.zeros(n_steps, np.int8)
    post = np.zeros(n_steps, np.int8)
    pre[np.round(pre_t / dt).astype(np.int64)] = 1
    post[np.round(post_t / dt).astype(np.int64)] = 1
    if backend == "numpy":
        from .engine._numpy.spiking import voltage_synapse
    elif backend in ("numba", "auto"):
        from .engine._numba.spiking import voltage_synapse
    else:
        raise ParameterError("protocols.backend", _SPIKE_BACKENDS, backend)
    w, _ = voltage_synapse(
        neuron.param_array(dt), rule.param_array(dt), pre, post, np.zeros(0), float(w0)
    )
    return float(n_bursts * (w[-1] - w0))


def _g(m: int, q: float) -> float:
    if m <= 0:
        return 0.0
    s = (1.0 - q**m) / (1.0 - q)
    return (m - q * s) / (1.0 - q)


def _check_pairing(n_pairs: int, frequency: float, delay: float) -> None:
    if not isinstance(n_pairs, int | np.integer) or n_pairs < 1:
        raise ParameterError("protocols.n_pairs", "must be an integer >= 1", n_pairs)
    if not (isinstance(frequency, int | float) and math.isfinite(frequency) and frequency > 0):
        raise ParameterError("protocols.frequency", "must be a finite number > 0, in Hz", frequency)
    if not abs(delay) < 1.0 / frequency:
        raise ParameterError(
            "protocols.delay",
            f"|delay| must be < the period 1/frequency={1 / frequency!r} s",
            delay,
        )


def _train(name: str, times: Any) -> np.ndarray:
    t = np.asarray(times, dtype=np.float64).ravel()
    if not np.all(np.isfinite(t)):
        raise ParameterError(name, "spike times must be finite, in s", times)
    if np.any(np.diff(t) < 0):
        i = int(np.argmax(np.diff(t) < 0))
        raise ParameterError(
            name, f"spike times must be sorted (index {i + 1} is earlier)", t[i + 1]
        )
    return t


def _w0(rule: Rule, w0: float | None) -> float:
    if w0 is None:
        return 0.5 * (rule.w_min + rule.w_max)
    if not rule.w_min <= w0 <= rule.w_max:
        raise ParameterError("protocols.w0", f"must lie in [{rule.w_min}, {rule.w_max}]", w0)
    return float(w0)


_SPIKE_BACKENDS = "must be numpy, numba or auto (spike rules are event-driven: no jax backend)"


def _kernel(backend: str) -> Any:
    if backend == "numpy":
        from .engine._numpy.spiking import synapse_events
    elif backend in ("numba", "auto"):
        from .engine._numba.spiking import synapse_events
    else:
        raise ParameterError("protocols.backend", _SPIKE_BACKENDS, backend)
    return synapse_events


def _merged(
    pres: list[np.ndarray], posts: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenated per-synapse event lists, each sorted by time with pre before post at ties."""
    times, flags, sizes = [], [], []
    for pre, post in zip(pres, posts, strict=True):
        t = np.concatenate([pre, post])
        f = np.concatenate([np.zeros(len(pre), np.int8), np.ones(len(post), np.int8)])
        order = np.lexsort((f, t))
        times.append(t[order])
        flags.append(f[order])
        sizes.append(len(t))
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return np.concatenate(times), np.concatenate(flags), starts


def _final_weights(
    rule: Rule,
    pres: list[np.ndarray],
    posts: list[np.ndarray],
    w0s: np.ndarray,
    method: Method,
    dt: float | None,
    backend: str,
) -> np.ndarray:
    p = rule.kernel_params()
    if method == "clock":
        if dt is None or not dt > 0:
            raise ParameterError("protocols.dt", "must be > 0 s for method='clock'", dt)
        shortest = float(p[4:8].min())
        if dt > shortest:
            raise ParameterError(
                "protocols.dt", f"must be <= the shortest time constant {shortest!r} s", dt
            )
        # registered at the end of the step containing the spike; exp(-k dt/tau) is the
        # per-step decay factor raised to k steps, so the event kernel evaluates it exactly
        pres = [np.ceil(x / dt - 1e-9) * dt for x in pres]
        posts = [np.ceil(x / dt - 1e-9) * dt for x in posts]
    elif method != "event":
        raise ParameterError("protocols.method", "must be 'event' or 'clock'", method)
    times, is_post, starts = _merged(pres, posts)
    w = _kernel(backend)(times, is_post, starts, p, w0s)
    last = starts[1:] - 1
    return np.where(starts[1:] > starts[:-1], w[np.maximum(last, 0)], w0s)


def _poisson(rng: np.random.Generator, rate: float, t_end: float) -> np.ndarray:
    n = int(rate * t_end + 6 * math.sqrt(rate * t_end) + 10)
    t = np.cumsum(rng.exponential(1.0 / rate, n))
    while t[-1] < t_end:
        t = np.concatenate([t, t[-1] + np.cumsum(rng.exponential(1.0 / rate, n))])
    return t[t < t_end]
