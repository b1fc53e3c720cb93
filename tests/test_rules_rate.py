"""The rate rules against independent references: eigen-decompositions, closed-form fixed
points, brentq roots and exact sums. Thresholds and tolerances are in tests/tolerances.py."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.optimize import brentq

from hebbkit.drives import ArrayDrive, ConstantRates, DataDrive, GaussianDrive
from hebbkit.engine import Record, simulate
from hebbkit.errors import ParameterError
from hebbkit.networks.feedforward import FeedForward
from hebbkit.neurons.rate import Linear
from hebbkit.rules import rate as R
from tolerances import (
    BCM_FIXED_POINT_REL,
    NOT_AFFINE,
    OJA_COS_E1,
    OJA_NORM_REL,
    SAME_ALGORITHM_F64,
    SANGER_COS,
    STANDARD_ERRORS,
    STEADY_STATE_ABS,
    WHOLE_RUN_F64,
)


def known_covariance(eigenvalues, seed=7):
    """C = Q diag(lambda) Q^T with a random orthogonal Q: the eigenvectors are Q's columns."""
    n = len(eigenvalues)
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return (q * eigenvalues) @ q.T, q


def test_oja_converges_to_pc1_with_unit_norm():
    cov, q = known_covariance([4.0, 2.0, 1.5, 1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1])
    net = FeedForward(10, 3, Linear(), w_std=0.3)
    ds = simulate(
        net,
        R.Oja(gamma=0.1),
        GaussianDrive(cov),
        t_stop=200.0,
        dt=0.01,
        seed=4,
        record=Record(every=200.0),
    )
    w = ds.w_final.values
    norms = np.linalg.norm(w, axis=1)
    cos = np.abs(w @ q[:, 0]) / norms
    assert cos.min() >= OJA_COS_E1
    np.testing.assert_allclose(norms, 1.0, rtol=OJA_NORM_REL)


def test_sanger_finds_top4_eigenvectors_in_order():
    cov, q = known_covariance([8.0, 6.0, 4.0, 2.0, 1.0, 0.5, 0.3, 0.1])
    net = FeedForward(8, 4, Linear(), w_std=0.2)
    ds = simulate(
        net,
        R.Sanger(gamma=0.05),
        GaussianDrive(cov),
        t_stop=400.0,
        dt=0.01,
        seed=1,
        record=Record(every=400.0),
    )
    w = ds.w_final.values
    cos = np.abs(np.sum(w * q[:, :4].T, axis=1)) / np.linalg.norm(w, axis=1)
    assert cos.min() >= SANGER_COS, cos


def test_oja_subspace_spans_top_subspace_orthonormally():
    cov, q = known_covariance([8.0, 6.0, 4.0, 2.0, 1.0, 0.5, 0.3, 0.1])
    net = FeedForward(8, 3, Linear(), w_std=0.2)
    ds = simulate(
        net,
        R.OjaSubspace(gamma=0.05),
        GaussianDrive(cov),
        t_stop=300.0,
        dt=0.01,
        seed=2,
        record=Record(every=300.0),
    )
    w = ds.w_final.values
    gram = w @ w.T
    inside = np.linalg.norm(w @ q[:, :3], axis=1) / np.linalg.norm(w, axis=1)
    # same noise scale as Oja's rule: |w|^2 within 2 x 1% and 99% of each row in the subspace
    np.testing.assert_allclose(gram, np.eye(3), atol=2 * OJA_NORM_REL)
    assert inside.min() >= OJA_COS_E1


def test_bcm_outputs_become_selective_at_the_fixed_point():
    k, block, nu0 = 4, 4, 1.0
    protos = np.kron(np.eye(k), np.ones(block))
    rng = np.random.default_rng(0)
    n = 50_000
    data = protos[rng.integers(0, k, n)] + 0.05 * rng.standard_normal((n, k * block))
    net = FeedForward(k * block, 8, Linear(), w_mean=0.1, w_std=0.05)
    ds = simulate(
        net,
        R.BCM(eta=0.2, nu0=nu0, tau_theta=0.05),
        DataDrive(data),
        t_stop=n * 1e-3,
        dt=1e-3,
        seed=1,
        record=Record(every=0.1, vars=("w",)),
    )
    responses = np.einsum("kj,tij->tki", protos, ds.w.values)
    mean = responses[len(responses) // 2 :].mean(axis=0)  # (prototype, output), late half
    preferred = mean.max(axis=0)
    others = np.sort(mean, axis=0)[:-1]
    # the selective fixed point of linear BCM with K equiprobable patterns: nu* = K nu0, 0 else
    fixed_point = k * nu0
    np.testing.assert_allclose(preferred, fixed_point, rtol=BCM_FIXED_POINT_REL)
    assert np.abs(others).max() <= BCM_FIXED_POINT_REL * fixed_point


def _clamped(pre, post, rule, t_stop, dt=0.01, w0=0.3):
    net = FeedForward(len(pre), len(post), transfer=None, w_mean=w0, w_std=0.0)
    return simulate(
        net,
        rule,
        ConstantRates(pre=pre, post=post),
        t_stop=t_stop,
        dt=dt,
        record=Record(every=t_stop),
        backend="numba",
    )


def test_essay_figure7_soft_bounds_and_decay_closed_form():
    pre, post = np.array([0.5, 1.0, 2.0]), np.array([0.5, 2.0])
    gamma2, gamma0 = 1.5, 1.0
    ds = _clamped(pre, post, R.essay_figure7(gamma2, gamma0), t_stop=30.0)
    c = np.outer(post, pre)
    expected = gamma2 * c / (gamma2 * c + gamma0)
    np.testing.assert_allclose(ds.w_final, expected, rtol=0, atol=STEADY_STATE_ABS)


@pytest.mark.parametrize("beta", [0.5, 2.0, 3.0])
def test_soft_bounds_steady_state_is_the_root_for_any_beta(beta):
    pre, post = np.array([0.5, 1.0, 2.0]), np.array([1.0])
    gamma2, gamma0, w_max = 1.0, 0.5, 1.0
    rule = R.Composed(
        R.Hebb(c11=1.0), soft=R.SoftBounds(gamma2, 0.0, w_max, beta), decay=R.Decay(gamma0)
    )
    ds = _clamped(pre, post, rule, t_stop=80.0)
    for j, c in enumerate(np.outer(post, pre)[0]):
        root = brentq(
            lambda w, c=c: gamma2 * (w_max - w) ** beta * c - gamma0 * w, 0.0, w_max, xtol=1e-14
        )
        assert abs(float(ds.w_final[0, j]) - root) <= STEADY_STATE_ABS


def test_hard_bounds_stop_hebb_at_w_max_and_decay_at_w_min():
    ds = _clamped(
        [1.0, 2.0], [1.0], R.Composed(R.Hebb(c11=1.0), hard=R.HardBounds(0.0, 0.7)), t_stop=5.0
    )
    np.testing.assert_array_equal(ds.w_final, [[0.7, 0.7]])
    rule = R.Composed(R.Taylor(c11=0.0, c0=-1.0), hard=R.HardBounds(0.1, 1.0))
    ds = _clamped([1.0, 2.0], [1.0], rule, t_stop=5.0)
    np.testing.assert_array_equal(ds.w_final, [[0.1, 0.1]])


@pytest.mark.parametrize("tau", [0.0, 5.0])
def test_covariance_change_follows_the_sign_of_the_covariance(tau):
    rng = np.random.default_rng(3)
    n, dt, gamma = 4000, 0.01, 0.5
    z = rng.standard_normal(n)
    pre = 5.0 + np.stack([z, -z, rng.standard_normal(n), 0.5 * z + rng.standard_normal(n)], 1)
    post = (5.0 + z)[:, None]
    net = FeedForward(4, 1, transfer=None, w_mean=0.0, w_std=0.0)
    rule = R.Covariance(gamma=gamma, mean_post=5.0, mean_pre=5.0, tau=tau)
    ds = simulate(
        net,
        rule,
        ArrayDrive(pre, post),
        t_stop=n * dt,
        dt=dt,
        backend="numba",
        record=Record(every=n * dt),
    )
    dw = ds.w_final.values[0]
    assert dw[0] > 0 and dw[1] < 0 and dw[3] > 0
    if tau == 0:
        # with given means the change is exactly gamma dt sum_k (y_k - <y>)(x_k - <x>): a sum of
        # 4000 steps, accumulated in another order (WHOLE_RUN_F64)
        exact = gamma * dt * ((post[:, 0] - 5.0) @ (pre - 5.0))
        np.testing.assert_allclose(dw, exact, rtol=WHOLE_RUN_F64)
        # the uncorrelated input: its change is gamma T times a sample covariance of mean 0
        se = gamma * n * dt * np.std((post[:, 0] - 5.0) * (pre[:, 2] - 5.0)) / np.sqrt(n)
        assert abs(dw[2]) <= STANDARD_ERRORS * se


def test_hebb_grows_at_the_largest_eigenvalue_rate():
    cov, q = known_covariance([3.0, 1.0, 0.5, 0.2])
    c11, dt, t_stop = 0.05, 0.01, 200.0
    net = FeedForward(4, 1, Linear(), w_std=0.1)
    ds = simulate(
        net,
        R.Hebb(c11=c11),
        GaussianDrive(cov),
        t_stop=t_stop,
        dt=dt,
        seed=6,
        record=Record(every=1.0, vars=("w",)),
    )
    log_norm = np.log(np.linalg.norm(ds.w.values[:, 0], axis=1))
    t = ds.time.values
    late = t >= 50.0  # after the other directions have died out relative to e1
    rate = np.polyfit(t[late], log_norm[late], 1)[0]
    n_samples = late.sum() / dt
    # the growth rate is c11 times the Rayleigh quotient of the sample correlation along e1,
    # whose standard error is lambda1 sqrt(2 / N)
    se = c11 * 3.0 * np.sqrt(2.0 / n_samples)
    assert abs(rate - c11 * 3.0) <= STANDARD_ERRORS * se + c11 * 3.0 * (c11 * 3.0 * dt)


def test_rules_reject_crossed_bounds_naming_the_field():
    with pytest.raises(ParameterError, match=r"^HardBounds\.w_max: must be > w_min"):
        R.HardBounds(w_min=1.0, w_max=0.5)
    with pytest.raises(ParameterError, match=r"^SoftBounds\.w_max: must be > w_min"):
        dataclasses.replace(R.SoftBounds(), w_min=2.0)
    with pytest.raises(ParameterError, match=r"^Oja\.gamma: input should be greater than 0"):
        R.Oja(gamma=0.0)


def test_every_rule_maps_to_its_taylor_coefficients():
    """Each preset's dw equals the Taylor form with the coefficients its docstring states."""
    rng = np.random.default_rng(1)
    w, x, y, a, b = rng.uniform(0.1, 2.0, 5)
    taylor = R.Taylor.dw
    p = R.Hebb(c11=0.7)
    # the same O(1) polynomial evaluated in another order: rounding only
    close = dict(rel=SAME_ALGORITHM_F64, abs=0.0)
    assert R.Hebb.dw(w, x, y, a, b, p.dw_params()) == pytest.approx(
        taylor(w, x, y, a, b, (0, 0, 0, 0.7, 0, 0, 0, 0)), **close
    )
    bcm = R.BCMFixed(eta=0.3, theta=1.2)
    want = taylor(w, x, y, a, b, (0, 0, 0, -0.3 * 1.2, 0.3, 0, 0, 0))
    assert R.BCMFixed.dw(w, x, y, a, b, bcm.dw_params()) == pytest.approx(want, **close)
    cov = R.Covariance(gamma=0.4)
    want = taylor(w, x, y, a, b, (0.4 * a * b, -0.4 * a, -0.4 * b, 0.4, 0, 0, 0, 0))
    assert R.Covariance.dw(w, x, y, a, b, cov.dw_params()) == pytest.approx(want, **close)
    # Oja: c11 = gamma and the weight-dependent c2_post(w) = -gamma w
    oja = R.Oja(gamma=0.6)
    want = taylor(w, x, y, a, b, (0, 0, 0, 0.6, 0, 0, 0, -0.6 * w))
    assert R.Oja.dw(w, x, y, a, b, oja.dw_params()) == pytest.approx(want, **close)


def test_registry_holds_every_rule_class():
    exported = {
        obj
        for obj in vars(R).values()
        if isinstance(obj, type)
        and obj.__module__ == R.__name__
        and obj not in (R.RateRule, R.Composed)
    }
    assert exported == set(R.RATE_RULES.values())


def test_affine_form_is_the_rule():
    # RateRule.affine (the compiled engine then steps two samples per pass, with alpha and beta
    # read from dw at (w, x) = (1, 0) and (0, 1)) must hold: dw = alpha w + beta x for any w, x
    # and any pre term b, to rounding. Every rule that does not declare it (Oja's subspace rule,
    # the covariance rule with its x - <x>, ...) must fail the same check.
    rng = np.random.default_rng(3)
    w, x, y, a, b = rng.uniform(-2.0, 2.0, (5, 1000))

    def affine_error(cls):
        p = np.array(cls().dw_params() + (0.0,) * (8 - len(cls.dw_fields))) + 0.37
        alpha, beta = cls.dw(1.0, 0.0, y, a, 0.0, p), cls.dw(0.0, 1.0, y, a, 0.0, p)
        return np.max(np.abs(alpha * w + beta * x - cls.dw(w, x, y, a, b, p)))

    rules = [cls for cls in R.RATE_RULES.values() if issubclass(cls, R.RateRule)]
    declared = [cls for cls in rules if cls.affine]
    assert {c.__name__ for c in declared} == {"Hebb", "Oja", "BCM", "BCMFixed"}
    for cls in rules:
        if cls.affine:
            assert affine_error(cls) < SAME_ALGORITHM_F64, cls.__name__
        else:
            assert affine_error(cls) > NOT_AFFINE, cls.__name__
