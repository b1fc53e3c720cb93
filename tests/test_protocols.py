"""Protocols against closed forms and explicit sums over spike pairs."""

import numpy as np
import pytest

from hebbkit import protocols as P
from hebbkit.errors import ParameterError
from hebbkit.rules.spike import PairSTDP, TripletSTDP
from reference.spike import all_pairs, nearest_pairs, triplets, weighted
from tolerances import (
    CLOCK_CONVERGENCE_FACTOR,
    CLOCK_RESIDUAL_REL,
    CLOSED_FORM_EVENT,
    SAME_ALGORITHM_F64,
    STANDARD_ERRORS,
)

SCHEMES = ["all_to_all", "nearest_symmetric", "nearest_presynaptic", "nearest_restricted"]
UNBOUNDED = dict(w_min=-100.0, w_max=100.0)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    "frequency, delay",
    [(0.1, 0.01), (1, -0.01), (10, 0.01), (20, -0.01), (40, 0.005), (50, -0.015)],
)
@pytest.mark.parametrize("backend", ["numpy", "numba"])  # spike rules have no jax backend
def test_pair_stdp_pairing_matches_closed_form(scheme, frequency, delay, backend):
    rule = PairSTDP(
        scheme=scheme, A_plus=0.01, A_minus=0.0105, tau_plus=0.0168, tau_minus=0.0337, **UNBOUNDED
    )
    got = P.pairing(rule, 60, frequency, delay, w0=0.0, backend=backend)
    assert abs(got - P.pairing_closed_form(rule, 60, frequency, delay)) < CLOSED_FORM_EVENT


def test_pair_stdp_all_to_all_and_nearest_differ_above_a_few_hz():
    a = PairSTDP(**UNBOUNDED)
    n = PairSTDP(scheme="nearest_symmetric", **UNBOUNDED)
    low = [P.pairing_closed_form(r, 60, 0.5, 0.01) for r in (a, n)]
    high = [P.pairing_closed_form(r, 60, 20.0, 0.01) for r in (a, n)]
    # at 0.5 Hz the earlier partners add exp(-2 s / tau) < 1e-25: equal to rounding
    assert abs(low[0] - low[1]) < SAME_ALGORITHM_F64 * abs(low[0])
    assert abs(high[0] - high[1]) > 0.05 * abs(high[1])


def test_pair_stdp_traces_match_all_pairs_sum(rng):
    rule = PairSTDP(A_plus=0.01, A_minus=0.012, tau_plus=0.017, tau_minus=0.034, **UNBOUNDED)
    pre = np.sort(rng.uniform(0, 3, 60))
    post = np.sort(rng.uniform(0, 3, 45))
    got = P.weight_change(rule, pre, post, w0=0.0)
    want = all_pairs(pre, post, 0.01, 0.012, 0.017, 0.034)
    assert abs(got - want) < CLOSED_FORM_EVENT


@pytest.mark.parametrize("scheme", SCHEMES[1:])
def test_pair_stdp_nearest_schemes_match_their_definitions(scheme, rng):
    rule = PairSTDP(
        scheme=scheme, A_plus=0.01, A_minus=0.012, tau_plus=0.017, tau_minus=0.034, **UNBOUNDED
    )
    pre = np.sort(rng.uniform(0, 3, 70))
    post = np.sort(rng.uniform(0, 3, 50))
    got = P.weight_change(rule, pre, post, w0=0.0)
    want = nearest_pairs(pre, post, scheme, 0.01, 0.012, 0.017, 0.034)
    assert abs(got - want) < CLOSED_FORM_EVENT


@pytest.mark.parametrize("name", list(TripletSTDP.PRESETS))
def test_triplet_stdp_traces_match_triplet_sums(name, rng):
    rule = TripletSTDP.preset(name, **UNBOUNDED)
    pre = np.sort(rng.uniform(0, 2, 50))
    post = np.sort(rng.uniform(0, 2, 40))
    assert abs(P.weight_change(rule, pre, post, w0=0.0) - triplets(pre, post, rule)) < (
        CLOSED_FORM_EVENT
    )


@pytest.mark.parametrize(
    "rule, w0",
    [
        (PairSTDP(A_plus=0.05, A_minus=0.06, mu=0.5), 0.5),
        (PairSTDP(A_plus=0.05, A_minus=0.06, mu=1.0, scheme="nearest_symmetric"), 0.5),
        (TripletSTDP.preset("visual_cortex_nearest_full", mu=1.0, w_max=1.5), 0.75),
        (TripletSTDP.preset("hippocampal_all_to_all_full", mu=0.5, w_max=1.0), 0.5),
        # additive with bounds that are reached: the clipping after each jump (these trains
        # clip the weight at w_min 13 times and at w_max 14 times)
        (PairSTDP(A_plus=0.05, A_minus=0.06, w_min=0.0, w_max=0.1), 0.05),
    ],
    ids=repr,
)
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_weight_dependent_stdp_matches_event_by_event_sums(rule, w0, backend, rng):
    # Guetig's F(w)^mu and the bounds: the explicit pair/triplet sums of each jump times the
    # factor at the weight of the moment (reference.spike.weighted), against the traces. Both
    # are exact; only the order of float64 operations differs (CLOSED_FORM_EVENT).
    pre = np.sort(rng.uniform(0, 3, 70))
    post = np.sort(rng.uniform(0, 3, 55))
    got = P.weight_change(rule, pre, post, w0=w0, backend=backend)
    want = weighted(pre, post, rule, w0) - w0
    assert abs(want) > 1e3 * CLOSED_FORM_EVENT  # the weight moved: the check can see a bug
    assert abs(got - want) < CLOSED_FORM_EVENT


@pytest.mark.parametrize(
    "rule",
    [PairSTDP(scheme=s, **UNBOUNDED) for s in SCHEMES]
    + [
        TripletSTDP.preset(n, **UNBOUNDED)
        for n in (
            "visual_cortex_all_to_all_full",
            "visual_cortex_nearest_full",
            "hippocampal_all_to_all_full",
        )
    ],
    ids=repr,
)
def test_poisson_drift_matches_rate_formula(rule):
    mean, se = P.poisson_drift(rule, 10.0, 20.0, duration=20.0, n_synapses=600, seed=3, w0=0.0)
    want = P.poisson_drift_closed_form(rule, 10.0, 20.0)
    assert abs(mean - want) < STANDARD_ERRORS * se
    assert se < 0.2 * abs(want)  # the test has the power to see the drift


def test_pair_stdp_all_to_all_drift_is_rates_times_window_integral():
    rule = PairSTDP(A_plus=0.01, A_minus=0.0105, tau_plus=0.02, tau_minus=0.03, **UNBOUNDED)
    assert P.poisson_drift_closed_form(rule, 7.0, 11.0) == pytest.approx(
        7.0 * 11.0 * (0.01 * 0.02 - 0.0105 * 0.03), rel=SAME_ALGORITHM_F64
    )


@pytest.mark.parametrize(
    "rule", [PairSTDP(**UNBOUNDED), TripletSTDP.preset("visual_cortex_all_to_all_full")], ids=repr
)
@pytest.mark.parametrize("delay", [19 / 1800, -19 / 1800])  # lag error 0.44 or 0.56 dt
def test_clock_driven_converges_to_event_driven(rule, delay):
    exact = P.pairing(rule, 60, 20.0, delay, w0=1.0)
    errors = [
        abs(P.pairing(rule, 60, 20.0, delay, w0=1.0, method="clock", dt=dt) - exact)
        for dt in (1e-3, 1e-4, 1e-5)
    ]
    assert errors[1] < errors[0] / CLOCK_CONVERGENCE_FACTOR
    assert errors[2] < errors[1] / CLOCK_CONVERGENCE_FACTOR
    assert errors[2] < CLOCK_RESIDUAL_REL * abs(exact)


def test_triplet_and_quadruplet_protocols_match_explicit_sums():
    rule = TripletSTDP.preset("hippocampal_all_to_all_full", **UNBOUNDED)
    got = P.triplet(rule, "pre-post-pre", 0.005, 0.005, n_reps=60, w0=0.0)
    s = np.arange(60.0)
    pre, post = np.sort(np.concatenate([s, s + 0.01])), s + 0.005
    assert abs(got - triplets(pre, post, rule)) < CLOSED_FORM_EVENT
    q = P.quadruplet(rule, 0.02, n_reps=60, w0=0.0)
    c = s + 0.005
    pre = np.sort(np.concatenate([c + 0.0025, c + 0.02 - 0.0025]))
    post = np.sort(np.concatenate([c - 0.0025, c + 0.02 + 0.0025]))
    assert abs(q - triplets(pre, post, rule)) < CLOSED_FORM_EVENT


def test_protocols_reject_bad_input_in_one_line():
    rule = PairSTDP()
    with pytest.raises(ParameterError, match=r"protocols\.pre: spike times must be sorted"):
        P.weight_change(rule, [0.1, 0.05], [0.2])
    with pytest.raises(ParameterError, match=r"protocols\.dt: must be <= the shortest"):
        P.weight_change(rule, [0.1], [0.2], method="clock", dt=0.05)
    with pytest.raises(ParameterError, match=r"protocols\.delay"):
        P.pairing(rule, 10, 50.0, 0.03)
    with pytest.raises(ParameterError, match=r"protocols\.w0"):
        P.pairing(rule, 10, 1.0, 0.01, w0=2.0)
