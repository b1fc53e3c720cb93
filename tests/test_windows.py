"""Learning windows: closed-form transforms against numerical quadrature, moments, eq (12)."""

import math

import numpy as np
import pytest

from hebbkit.errors import ParameterError
from hebbkit.rules.windows import (
    CallableWindow,
    DeltaWindow,
    ExponentialWindow,
    SmallWindow,
    bi_poo_window,
    small_window_error,
    small_window_fails,
)
from tolerances import SMALL_WINDOW_RATIO_REL, TIME_DOMAIN_VS_CLOSED_FORM, WINDOW_QUADRATURE

WINDOWS = [
    ExponentialWindow(a_plus=50.0, tau_plus=2e-3),
    ExponentialWindow(a_plus=30.0, tau_plus=5e-3, a_minus=10.0, tau_minus=10e-3),
    bi_poo_window(),
]


def _numerical(window):
    lo = -20 * window.tau_minus if window.a_minus else 0.0
    return CallableWindow(fn=window, support=(lo, 20 * window.tau_plus), n_grid=200001)


@pytest.mark.parametrize("window", WINDOWS, ids=["ltp-2ms", "two-sided", "bi-poo"])
def test_exponential_window_fourier_matches_quadrature(window):
    omega = 2 * math.pi * np.array([0.0, 5.0, 41.0, 63.0, 200.0])
    exact = window.fourier(omega)
    numeric = _numerical(window).fourier(omega)
    assert np.max(np.abs(exact - numeric)) / np.max(np.abs(exact)) < WINDOW_QUADRATURE


@pytest.mark.parametrize("window", WINDOWS, ids=["ltp-2ms", "two-sided", "bi-poo"])
def test_exponential_window_moments_match_quadrature(window):
    numeric = _numerical(window)
    assert window.a0 == pytest.approx(numeric.a0, rel=WINDOW_QUADRATURE, abs=1e-12)
    assert window.a1 == pytest.approx(numeric.a1, rel=WINDOW_QUADRATURE)


def test_small_window_expansion_is_second_order():
    # A~(w) - (a0 - i w a1) = O(w^2): halving w quarters the error.
    window = ExponentialWindow(a_plus=30.0, tau_plus=5e-3, a_minus=10.0, tau_minus=10e-3)
    err = [abs(window.fourier(w) - (window.a0 - 1j * w * window.a1)) for w in (2.0, 1.0)]
    assert err[0] / err[1] == pytest.approx(4.0, rel=SMALL_WINDOW_RATIO_REL)


def test_small_window_fails_for_bi_poo_at_40hz():
    # The paper's eq (12) with a realistic 20 ms window at 40 Hz: far off.
    assert small_window_error(bi_poo_window(), 40.0) > 1.0
    assert small_window_fails(bi_poo_window(), 40.0)
    assert not small_window_fails(ExponentialWindow(a_plus=1.0, tau_plus=1e-3), 5.0)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: small_window_error(bi_poo_window(), float("nan")), "small_window_error.frequency"),
        (lambda: small_window_error(bi_poo_window(), -1.0), "small_window_error.frequency"),
        (lambda: small_window_fails(bi_poo_window(), 40.0, -1), "small_window_fails.tolerance"),
    ],
)
def test_small_window_checks_reject_bad_input_in_one_line(call, name):
    with pytest.raises(ParameterError, match=f"^{name}: ") as info:
        call()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("window", [*WINDOWS, SmallWindow(a0=0.3, a1=2e-4), DeltaWindow(a0=0.7)])
def test_window_quadrature_integrates_a_sinusoid(window):
    # sum_k w_k e^{i w k dt} must equal int A e^{i w tau} = conj(A~(w)).
    f = 41.0
    dt = 1.0 / (f * 512)
    lags, weights = window.quadrature(dt)
    w = 2 * math.pi * f
    approx = np.sum(weights * np.exp(1j * w * lags * dt))
    exact = np.conj(window.fourier(w))
    # the quadrature of the time-domain rule at its 512 steps per period
    assert abs(approx - exact) / abs(exact) < TIME_DOMAIN_VS_CLOSED_FORM


def test_small_and_delta_window_transforms():
    assert SmallWindow(a0=0.3, a1=1e-3).fourier(100.0) == pytest.approx(0.3 - 0.1j)
    assert DeltaWindow(a0=2.0).fourier(123.0) == pytest.approx(2.0)
    assert DeltaWindow().a1 == 0.0


def test_window_errors_name_the_parameter():
    with pytest.raises(ParameterError, match=r"ExponentialWindow\.tau_plus"):
        ExponentialWindow(tau_plus=-1.0)
    with pytest.raises(ParameterError, match=r"ExponentialWindow\.a_plus"):
        ExponentialWindow(a_plus=0.0, a_minus=0.0)
    with pytest.raises(ParameterError, match=r"CallableWindow\.support"):
        CallableWindow(fn=np.exp, support=(0.1, 0.2))
