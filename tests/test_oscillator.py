"""The Scarpetta-Li-Hertz network: linear theory (eqs 3-5, 9-12), simulation and learning (eq 6)."""

import math

import numpy as np
import pytest

import hebbkit.engine._numba.oscillator as numba_osc
from hebbkit.engine.oscillator import drive_components, initial_state, time_domain_weights
from hebbkit.engine.record import Record
from hebbkit.engine.simulate import simulate
from hebbkit.errors import DivergenceError, ParameterError
from hebbkit.networks.oscillator import (
    Imprint,
    LinearOscillator,
    Oscillator,
    OscillatoryDrive,
    circular_patterns,
    closed_form_weights,
    eq10_response,
    eta_for_strength,
    kernel_for_resonance,
    learning_strength,
    nonlinear_network,
    resonance_frequency,
    small_window_resonance,
    tuned_eta_W,
)
from hebbkit.neurons.rate import Linear, PiecewiseLinear, Rectified, Sigmoid, Tanh
from hebbkit.rules.windows import ExponentialWindow, SmallWindow, bi_poo_window
from reference.oscillator import rule6_direct, trajectory
from tolerances import (
    EQ11_ITERATION,
    F32_VS_F64,
    LINEAR_ALGEBRA,
    LINEAR_VS_EQ10,
    PEAK_OFFSET_HZ,
    RK4_VS_EXACT,
    SAME_ALGORITHM_F64,
    TIME_DOMAIN_VS_CLOSED_FORM,
    VECTOR_TANH_ABS,
    VECTOR_TANH_REL,
    WHOLE_RUN_F64,
)

N = 10
ALPHA = 100.0
BG = (2 * math.pi * 39.87) ** 2 - ALPHA**2
J0 = 545.0
DELTA = 15.0


def _local(n=N):
    z = np.zeros((n, n))
    return LinearOscillator(alpha=ALPHA, beta=math.sqrt(BG), gamma=math.sqrt(BG), J=z, W=z)


def _imprint(local, xi, f, window=None, periods=10):
    window = window or kernel_for_resonance(f, local, J0, DELTA)
    eta = eta_for_strength(local, f, periods / f, J0)
    return Imprint(
        xi=xi,
        frequency=f,
        window=window,
        eta_J=eta,
        eta_W=tuned_eta_W(local, f, eta),
        duration=periods / f,
    )


@pytest.fixture(scope="module")
def stored():
    """Two orthonormal circular patterns stored at 41 and 63 Hz (Fig 3 setting)."""
    local = _local()
    xi = circular_patterns(N, 4, seed=3)
    imps = [_imprint(local, xi[0], 41.0), _imprint(local, xi[1], 63.0)]
    J, W = closed_form_weights(local, imps)
    return local.with_weights(J, W), imps, xi


def test_response_eq4_matches_eliminated_second_order_solve(rng):
    # eq (3) in the frequency domain: [(i w + a)^2 - (i w + a) J + B (G + W)] u+ = (i w + a) xi.
    beta = 200.0 + 50.0 * rng.random(N)
    gamma = 220.0 + 40.0 * rng.random(N)
    net = LinearOscillator(
        alpha=ALPHA,
        beta=beta,
        gamma=gamma,
        J=20 * rng.standard_normal((N, N)),
        W=20 * rng.standard_normal((N, N)),
    )
    xi = rng.standard_normal(N) + 1j * rng.standard_normal(N)
    for f in (20.0, 41.0, 63.0):
        s = 2j * math.pi * f + ALPHA
        h = s * s * np.eye(N) - s * net.J + np.diag(beta) @ (np.diag(gamma) + net.W)
        ref = np.linalg.solve(h, s * xi)
        for got in (net.response_eq4(f, xi), net.response(f, xi)[0]):
            assert np.max(np.abs(got - ref)) / np.max(np.abs(ref)) < LINEAR_ALGEBRA


def test_eq10_matches_exact_response_for_stored_patterns(stored):
    net, imps, xi = stored
    f = np.linspace(20.0, 70.0, 26)
    for x in (xi[0], xi[1], 0.6 * xi[0] + 0.8j * xi[1], 0.3 * xi[0] + 0.9 * xi[2]):
        ref = net.response(f, x)
        got = eq10_response(net, imps, f, x)
        assert np.max(np.abs(got - ref)) / np.max(np.abs(ref)) < LINEAR_ALGEBRA


def test_coupling_at_imprint_frequency_is_outer_product(stored):
    # With tuned rates, M+(w0) xi = J0 A~*(w0) xi (the paper's M+ = J0 A~ xi xi^dagger, conjugated).
    net, imps, xi = stored
    local = net.local()
    for imp, x in zip(imps, xi, strict=False):
        J, W = closed_form_weights(local, [imp])
        m = local.with_weights(J, W).coupling(imp.frequency)
        want = (
            learning_strength(local, imp)
            * np.conj(imp.window.fourier(2 * math.pi * imp.frequency))
            * x
        )
        assert np.max(np.abs(m @ x - want)) / np.max(np.abs(want)) < LINEAR_ALGEBRA


def test_network_is_stable_and_resonates_at_imprint_frequency(stored):
    net, imps, xi = stored
    assert net.eigenvalues().real.max() < 0
    for imp, x in zip(imps, xi, strict=False):
        f = np.arange(imp.frequency - 5, imp.frequency + 5, 0.01)
        amp = np.linalg.norm(net.response(f, x), axis=1)
        assert abs(f[np.argmax(amp)] - imp.frequency) < PEAK_OFFSET_HZ


def test_resonance_conditions_eq11_eq12():
    local = _local()
    # The Fig 3 numbers: a1 = 0.1 ms -> 41 Hz and a1 = 1.1 ms -> 63 Hz with J0 = 545/s.
    assert small_window_resonance(local, J0, 0.1e-3) == pytest.approx(41.0, abs=0.05)
    assert small_window_resonance(local, J0, 1.1e-3) == pytest.approx(63.0, abs=0.1)
    win = SmallWindow(a0=0.3, a1=1.1e-3)
    assert resonance_frequency(local, J0, win, 50.0) == pytest.approx(
        small_window_resonance(local, J0, 1.1e-3), rel=EQ11_ITERATION
    )


def test_kernel_for_resonance_puts_the_peak_at_the_target():
    local = _local()
    xi = circular_patterns(N, 1, seed=5)[0]
    for target in (45.0, 55.0):
        imp = _imprint(local, xi, target)
        net = local.with_weights(*closed_form_weights(local, [imp]))
        f = np.arange(target - 5, target + 5, 0.01)
        amp = np.linalg.norm(eq10_response(net, [imp], f, xi), axis=1)
        assert abs(f[np.argmax(amp)] - target) < PEAK_OFFSET_HZ
        assert resonance_frequency(local, J0, imp.window, 40.0) == pytest.approx(
            target, rel=EQ11_ITERATION
        )


def test_linear_simulation_steady_state_equals_eq10(stored, backend):
    net, imps, xi = stored
    x = np.array([xi[0], xi[1], xi[0], xi[1], (xi[0] + xi[1]) / math.sqrt(2), xi[2]])
    f = np.array([41.0, 63.0, 45.0, 37.0, 63.0, 41.0])
    ds = simulate(
        net, None, OscillatoryDrive(xi=x, frequency=f), t_stop=4.0, dt=1e-3, backend=backend
    )
    u_plus, lock = drive_components(ds.time.values, ds.u.values, 2 * math.pi * f, 3.0)
    want = eq10_response(net, imps, f, x)
    assert np.max(np.abs(u_plus - want) / np.abs(want).max(axis=1, keepdims=True)) < LINEAR_VS_EQ10
    # the AC power off the drive frequency is (amplitude error)^2 < LINEAR_VS_EQ10^2
    assert np.all(lock > 1 - LINEAR_VS_EQ10**2)


def _nonlinear_net(rng, g_u, g_v, method):
    n = 6
    return Oscillator(
        alpha=ALPHA,
        beta=250.0,
        gamma=250.0,
        J=30 * rng.standard_normal((n, n)),
        W=np.abs(20 * rng.standard_normal((n, n))),
        I0=20.0 + rng.random(n),
        g_u=g_u,
        g_v=g_v,
        method=method,
    )


@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_nonlinear_numpy_matches_loop_reference(rng, method):
    net = _nonlinear_net(
        rng, PiecewiseLinear(knots=(0.0, 0.5, 1.5), values=(0.0, 0.2, 1.4)), Tanh(), method
    )
    xi = 30 * (rng.standard_normal(net.n) + 1j * rng.standard_normal(net.n))
    u0, v0 = np.zeros(net.n), np.zeros(net.n)
    ds = simulate(
        net,
        None,
        OscillatoryDrive(xi=xi, frequency=41.0),
        t_stop=0.02,
        dt=1e-4,
        backend="numpy",
        initial=initial_state(u0, v0, 1),
    )
    # the transfers as their closed forms: interpolation, flat outside the knots, and tanh
    g_u = lambda x: float(np.interp(x, (0.0, 0.5, 1.5), (0.0, 0.2, 1.4)))  # noqa: E731
    ref = np.array(trajectory(net, xi, 41.0, u0, v0, 200, 1e-4, method, g_u, math.tanh))
    assert np.max(np.abs(ds.u.values[:, 0] - ref)) / np.max(np.abs(ref)) < SAME_ALGORITHM_F64


@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_nonlinear_numba_matches_numpy(rng, method, monkeypatch):
    net = _nonlinear_net(
        rng, PiecewiseLinear(knots=(0.0, 0.5, 1.5), values=(0.0, 0.2, 1.4)), Tanh(), method
    )
    # 5 drives: one group of 4 members stepped together, and one member alone
    xi = 30 * (rng.standard_normal((5, net.n)) + 1j * rng.standard_normal((5, net.n)))
    drive = OscillatoryDrive(xi=xi, frequency=[20.0, 30.0, 41.0, 50.0, 63.0])
    start = initial_state(rng.random((5, net.n)), rng.random((5, net.n)), 5)
    one_step = [
        simulate(
            net,
            None,
            drive,
            t_stop=1e-4,
            dt=1e-4,
            backend=b,
            initial=start,
            record=Record(vars=("u", "v")),
        )
        for b in ("numpy", "numba")
    ]
    for name in ("u", "v"):
        a, b = one_step[0][name].values, one_step[1][name].values
        assert np.max(np.abs(a - b)) / np.max(np.abs(a)) < SAME_ALGORITHM_F64
    runs = [
        simulate(net, None, drive, t_stop=0.1, dt=1e-4, backend=b, initial=start)
        for b in ("numpy", "numba")
    ]
    # and with the members split across threads, as large batches are
    monkeypatch.setattr(numba_osc, "THREADED_WORK", 0)
    runs.append(simulate(net, None, drive, t_stop=0.1, dt=1e-4, backend="numba", initial=start))
    for run in runs[1:]:
        a, b = runs[0].u.values, run.u.values
        assert np.max(np.abs(a - b)) / np.max(np.abs(a)) < WHOLE_RUN_F64


@pytest.mark.parametrize("kind", ["linear", "nonlinear"])
def test_split_matvec_numba_matches_numpy(rng, stored, kind, monkeypatch):
    """A single large network's mat-vecs are split by columns across numba's threads
    (``SPLIT_BYTES``); forced here on a small one (6 or 20 columns in 2 ranges, through the
    loop's remainder path), the run equals the numpy spec."""
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 numba threads")
    threads = numba.get_num_threads()
    numba.set_num_threads(2)
    monkeypatch.setattr(numba_osc, "SPLIT_BYTES", 0)
    chunks, split_chunks = [], numba_osc._split_chunks
    monkeypatch.setattr(
        numba_osc, "_split_chunks", lambda *a: chunks.append(split_chunks(*a)) or chunks[-1]
    )
    if kind == "linear":
        net, _, xi = stored
        xi = xi[:1]
    else:
        net = _nonlinear_net(rng, Tanh(), Tanh(), "euler")
        xi = 30 * (rng.standard_normal((1, net.n)) + 1j * rng.standard_normal((1, net.n)))
    drive = OscillatoryDrive(xi=xi, frequency=41.0)
    try:
        runs = [
            simulate(
                net, None, drive, t_stop=0.1, dt=1e-4, backend=b, record=Record(vars=("u", "v"))
            )
            for b in ("numpy", "numba")
        ]
    finally:
        numba.set_num_threads(threads)
    assert chunks == [2]  # the split kernel ran
    for name in ("u", "v"):
        a, b = runs[0][name].values, runs[1][name].values
        assert np.max(np.abs(a - b)) / np.max(np.abs(a)) < WHOLE_RUN_F64


@pytest.mark.parametrize("method", ["rk4", "euler"])
def test_float32_numba_matches_float64_numpy(rng, method):
    net = _nonlinear_net(rng, Tanh(), Tanh(), method)
    xi = 30 * (rng.standard_normal((2, net.n)) + 1j * rng.standard_normal((2, net.n)))
    drive = OscillatoryDrive(xi=xi, frequency=[41.0, 63.0])
    a, b = (
        simulate(net, None, drive, t_stop=0.1, dt=1e-4, backend=backend, dtype=dtype).u.values
        for backend, dtype in (("numpy", "float64"), ("numba", "float32"))
    )
    assert b.dtype == np.float32
    assert np.max(np.abs(a - b)) / np.max(np.abs(a)) < F32_VS_F64


def test_vector_tanh_matches_numpy_tanh(rng):
    import numba

    @numba.njit
    def tanh_of(x):  # type: ignore[no-untyped-def]
        out = np.empty_like(x)
        for i in range(x.size):
            out[i] = numba_osc._vector_tanh(x[i])
        return out

    tiny = np.logspace(-300, 1.5, 2000)
    x = np.concatenate(
        [np.linspace(-25, 25, 100_001), 3 * rng.standard_normal(10_000), tiny, -tiny]
    )
    got, want = tanh_of(x), np.tanh(x)
    assert np.max(np.abs(got - want)) <= VECTOR_TANH_ABS
    nonzero = want != 0
    assert np.max(np.abs(got - want)[nonzero] / np.abs(want[nonzero])) <= VECTOR_TANH_REL


def test_linear_numba_matches_numpy(stored):
    net, _, xi = stored
    drive = OscillatoryDrive(xi=xi[:3], frequency=[41.0, 63.0, 30.0])
    # 2000 steps of 3 members: enough work that numba splits the members across threads
    assert 3 * 2000 * (2 * net.n) ** 2 > numba_osc.THREADED_WORK
    runs = [
        simulate(net, None, drive, t_stop=1.0, dt=5e-4, backend=b, record=Record(vars=("u", "v")))
        for b in ("numpy", "numba")
    ]
    for name in ("u", "v"):
        a, b = runs[0][name].values, runs[1][name].values
        assert np.max(np.abs(a - b)) / np.max(np.abs(a)) < SAME_ALGORITHM_F64
    # the kernels record only the columns of z = (u, v) asked for: each variable alone is
    # the same, to the bit, as when both are recorded
    for backend, both in zip(("numpy", "numba"), runs, strict=True):
        for name in ("u", "v"):
            alone = simulate(
                net, None, drive, t_stop=1.0, dt=5e-4, backend=backend, record=Record(vars=(name,))
            )
            assert set(alone.data_vars) & {"u", "v"} == {name}
            np.testing.assert_array_equal(alone[name].values, both[name].values)


def test_linear_network_steps_from_record_to_record(stored, backend):
    # The exact stepping holds for any step, so with Record.every = 5 dt it takes one step of
    # exp(5 A dt) per record: the records must be every fifth record of the run stepped at dt,
    # to rounding (1e-12 of the largest |u|), for drives that start anywhere in their period.
    net, _, xi = stored
    drive = OscillatoryDrive(xi=xi[:2], frequency=[41.0, 63.0])
    start = initial_state(0.01 * xi[:2].real, 0.0 * xi[:2].real, 2, step=3, dt=2e-4)
    kw = dict(t_stop=0.1, dt=2e-4, backend=backend, initial=start)
    every_step = simulate(net, None, drive, **kw)
    sparse = simulate(net, None, drive, record=Record(every=1e-3), **kw)
    atol = 1e-12 * np.max(np.abs(every_step.u.values))
    np.testing.assert_allclose(sparse.u.values, every_step.u.values[4::5], rtol=0, atol=atol)
    np.testing.assert_allclose(sparse.time.values, every_step.time.values[4::5], rtol=1e-12)


@pytest.mark.parametrize("kind", ["linear", "nonlinear"])
def test_runs_in_pieces_are_identical(stored, kind, backend):
    # chunks, and Record.start (an unrecorded first piece), continue from each piece's final
    # state: the records must be the one-piece run's, to the bit; except that the linear
    # network crosses the unrecorded piece in one exact step (exp(A 0.04 s) against 39 of
    # exp(A 1 ms)), which differs from stepping by rounding only: 1e-12 of the largest |u|
    net, _, xi = stored
    if kind == "nonlinear":
        net = nonlinear_network(net, Linear(gain=0.5, offset=0.1), Linear(), 1.0)
    drive = OscillatoryDrive(xi=xi[:2], frequency=[41.0, 50.0])
    kw = dict(t_stop=0.06, dt=2e-4, backend=backend)
    one = simulate(net, None, drive, record=Record(every=1e-3), **kw)
    three = simulate(net, None, drive, record=Record(every=1e-3), chunks=3, **kw)
    late = simulate(net, None, drive, record=Record(every=1e-3, start=0.04), **kw)
    keep = one.time.values >= 0.04 - 1e-12
    for name in ("u", "time", "u_final"):
        np.testing.assert_array_equal(three[name].values, one[name].values)
    atol = 1e-12 * np.max(np.abs(one.u.values)) if kind == "linear" else 0.0
    np.testing.assert_allclose(late.u.values, one.u.values[keep], rtol=0, atol=atol)
    np.testing.assert_allclose(late.time.values, one.time.values[keep], rtol=1e-12)
    np.testing.assert_allclose(late.u_final.values, one.u_final.values, rtol=0, atol=atol)
    # the transient goes with the first of three pieces, which the others continue to the bit;
    # a continued run (from global step 7) crosses its own transient at its own phase
    late3 = simulate(net, None, drive, record=Record(every=1e-3, start=0.04), chunks=3, **kw)
    for name in ("u", "time", "u_final"):
        np.testing.assert_array_equal(late3[name].values, late[name].values)
    start = initial_state(one.u.values[1], 0.0 * xi[:2].real, 2, step=7, dt=2e-4)
    whole = simulate(net, None, drive, initial=start, record=Record(vars=("u", "v")), **kw)
    tail = simulate(
        net, None, drive, initial=start, record=Record(vars=("u", "v"), start=0.03), **kw
    )
    keep = whole.time.values >= 7 * 2e-4 + 0.03 - 1e-12
    atol = 1e-12 * np.max(np.abs(whole.u.values)) if kind == "linear" else 0.0
    np.testing.assert_allclose(tail.u.values, whole.u.values[keep], rtol=0, atol=atol)
    np.testing.assert_allclose(tail.v.values, whole.v.values[keep], rtol=0, atol=atol)
    np.testing.assert_allclose(tail.time.values, whole.time.values[keep], rtol=1e-12)


def test_nonlinear_fixed_point_and_linearisation(stored):
    net, _, _ = stored
    g_u = PiecewiseLinear(knots=(0.0, 1.05, 1.8), values=(0.0, 0.525, 0.945))
    g_v = PiecewiseLinear(knots=(0.0, 1000.0), values=(0.0, 1000.0))
    nl = nonlinear_network(net, g_u, g_v, 1.0)
    u, v = nl.fixed_point()
    # Newton stops once the residual is 1e-12 relative: agreement to rounding
    np.testing.assert_allclose(u, 1.0, rtol=0, atol=SAME_ALGORITHM_F64)
    lin = nl.linearised()
    for name in ("J", "W", "beta", "gamma"):
        a, b = getattr(lin, name), getattr(net, name)
        assert np.max(np.abs(a - b)) <= SAME_ALGORITHM_F64 * max(1.0, np.max(np.abs(b)))


def test_rk4_with_linear_transfer_matches_exact_stepping(stored):
    # With g linear the nonlinear equations are eq (3) around the fixed point: an independent
    # check of the RK4 stepper against the exact (matrix exponential) one.
    net, _, xi = stored
    nl = nonlinear_network(net, Linear(gain=0.5, offset=0.2), Linear(gain=2.0), 1.0)
    drive = OscillatoryDrive(xi=20 * xi[:2], frequency=[41.0, 63.0])
    exact = simulate(net, None, drive, t_stop=0.5, dt=1.25e-4)
    rk4 = simulate(nl, None, drive, t_stop=0.5, dt=1.25e-4)
    u_star = nl.fixed_point()[0]
    diff = rk4.u.values - u_star - exact.u.values
    assert np.max(np.abs(diff)) / np.max(np.abs(exact.u.values)) < RK4_VS_EXACT


@pytest.mark.parametrize(
    "window",
    [
        ExponentialWindow(a_plus=100.0, tau_plus=2e-3),
        ExponentialWindow(a_plus=50.0, tau_plus=5e-3, a_minus=20.0, tau_minus=10e-3),
        bi_poo_window(50.0),
    ],
    ids=["short-exponential", "two-sided", "bi-poo-20ms"],
)
def test_time_domain_learning_equals_closed_form(window):
    local = _local()
    xi = circular_patterns(N, 2, seed=4)
    imps = [
        Imprint(xi=xi[0], frequency=41.0, window=window, eta_J=1.0, eta_W=3.0, duration=10 / 41.0),
        Imprint(xi=xi[1], frequency=63.0, window=window, eta_J=2.0, eta_W=1.0, duration=12 / 63.0),
    ]
    J, W = closed_form_weights(local, imps)
    Jt, Wt = time_domain_weights(local, imps, backend="numba")
    assert np.max(np.abs(Jt - J)) / np.max(np.abs(J)) < TIME_DOMAIN_VS_CLOSED_FORM
    assert np.max(np.abs(Wt - W)) / np.max(np.abs(W)) < TIME_DOMAIN_VS_CLOSED_FORM


def test_time_domain_learning_fft_equals_direct_double_sum():
    local = _local(4)
    xi = circular_patterns(4, 1, seed=2)[0]
    window = ExponentialWindow(a_plus=50.0, tau_plus=2e-3, a_minus=20.0, tau_minus=3e-3)
    f, spp = 41.0, 64
    imp = Imprint(xi=xi, frequency=f, window=window, eta_J=1.0, eta_W=1.0, duration=2 / f)
    J, _ = time_domain_weights(local, [imp], backend="numpy", steps_per_period=spp)
    dt = 1 / (f * spp)
    ds = simulate(local, None, OscillatoryDrive(xi=xi, frequency=f), t_stop=dt * 2000, dt=dt)
    lags, weights = window.quadrature(dt)
    start = math.ceil(25.0 / ALPHA / dt) + int(-lags.min()) - 1
    u = ds.u.values[:, 0].tolist()
    ref = np.array(rule6_direct(u, u, lags.tolist(), weights.tolist(), start, 2 * spp, dt))
    assert np.max(np.abs(J - ref)) / np.max(np.abs(ref)) < LINEAR_ALGEBRA


def test_drive_components_lock_fraction():
    t = np.arange(0, 2.0, 1e-3)
    w = 2 * math.pi * np.array([41.0, 41.0])
    locked = 0.3 * np.cos(w[0] * t + 0.4)
    free = 0.3 * np.cos(w[0] * t + 0.4) + 0.5 * np.cos(2 * math.pi * 37.3 * t)
    u = np.stack([locked, free], axis=1)[:, :, None] + 1.0
    u_plus, lock = drive_components(t, u, w, 0.5)
    assert u_plus[0, 0] == pytest.approx(0.15 * np.exp(0.4j), abs=SAME_ALGORITHM_F64)
    # least squares is exact for a pure sinusoid: rounding only
    assert lock[0] == pytest.approx(1.0, abs=SAME_ALGORITHM_F64)
    assert lock[1] < 0.5


def test_drive_components_match_least_squares_member_by_member():
    """The compiled normal equations against numpy's least squares (SVD) for every member and
    unit of a noisy batch with an offset, two frequencies and its own phases, within
    LINEAR_ALGEBRA (the basis is well conditioned, so squaring its condition number in the
    normal equations still leaves rounding only); a member's numbers must not depend on the
    rest of the batch (to the bit)."""
    rng = np.random.default_rng(7)
    t = np.arange(0, 1.0, 1e-3)
    w = 2 * math.pi * np.array([41.0, 63.0, 41.0])
    phases = rng.uniform(0, 2 * math.pi, (3, 4))
    u = 0.3 * np.cos(w[None, :, None] * t[:, None, None] + phases) + 0.5
    u += 0.05 * rng.standard_normal(u.shape)
    u_plus, lock = drive_components(t, u, w, 0.25)
    first = int(np.searchsorted(t, 0.25))
    for b in range(3):
        basis = np.stack(
            [np.ones(t.size - first), np.cos(w[b] * t[first:]), np.sin(w[b] * t[first:])], 1
        )
        coef = np.linalg.lstsq(basis, u[first:, b], rcond=None)[0]
        np.testing.assert_allclose(
            u_plus[b], 0.5 * (coef[1] - 1j * coef[2]), rtol=0, atol=LINEAR_ALGEBRA
        )
        ac = u[first:, b] - coef[0]
        rest = u[first:, b] - basis @ coef
        assert lock[b] == pytest.approx(1 - np.sum(rest**2) / np.sum(ac**2), abs=LINEAR_ALGEBRA)
        alone = drive_components(t, u[:, b : b + 1], w[b : b + 1], 0.25)
        assert alone[0][0].tolist() == u_plus[b].tolist() and alone[1][0] == lock[b]
    # records and times that disagree would send the compiled passes past the records' end
    for bad_t, bad_u, bad_w in ((t[1:], u, w), (t, u[:, :2], w), (t, u[..., 0], w)):
        with pytest.raises(ParameterError, match=r"drive_components\.u: must be \(T, B, N\)"):
            drive_components(bad_t, bad_u, bad_w, 0.25)


def test_oscillator_errors_name_the_parameter(stored):
    net, _, xi = stored
    drive = OscillatoryDrive(xi=xi[0], frequency=41.0)
    with pytest.raises(ParameterError, match=r"simulate\.rule"):
        simulate(net, object(), drive, t_stop=0.01, dt=1e-3)
    with pytest.raises(ParameterError, match=r"simulate\.dt"):
        simulate(nonlinear_network(net, Linear(), Linear(), 0.0), None, drive, t_stop=0.1, dt=0.01)
    with pytest.raises(ParameterError, match=r"OscillatoryDrive\.frequency"):
        OscillatoryDrive(xi=xi[0], frequency=-1.0)
    with pytest.raises(ParameterError, match=r"LinearOscillator\.W"):
        LinearOscillator(alpha=1.0, beta=1.0, gamma=1.0, J=np.zeros((3, 3)), W=np.zeros((2, 2)))
    with pytest.raises(ParameterError, match=r"Imprint\.duration"):
        imp = Imprint(
            xi=xi[0], frequency=41.0, window=SmallWindow(), eta_J=1.0, eta_W=1.0, duration=0.1
        )
        time_domain_weights(net, [imp])
    with pytest.raises(ParameterError, match=r"circular_patterns\.p"):
        circular_patterns(4, 3, seed=0)


def test_divergence_is_reported(backend):
    n = 3
    net = Oscillator(
        alpha=10.0,
        beta=10.0,
        gamma=10.0,
        J=2e3 * np.eye(n),
        W=np.zeros((n, n)),
        g_u=Linear(),
        g_v=Linear(),
        method="euler",
    )
    drive = OscillatoryDrive(xi=np.ones(n), frequency=10.0)
    with pytest.raises(DivergenceError, match="u diverged"):
        simulate(
            net,
            None,
            drive,
            t_stop=2.0,
            dt=1e-3,
            backend=backend,
            initial=initial_state(np.ones(n), np.zeros(n), 1),
        )


TRANSFERS = {
    "linear": Linear(),
    "rectified": Rectified(),
    "tanh": Tanh(),
    "sigmoid": Sigmoid(),
    "piecewise": PiecewiseLinear(knots=(0.0, 0.5, 1.5), values=(0.0, 0.2, 1.4)),
}


@pytest.mark.parametrize("g_u", list(TRANSFERS))
def test_every_transfer_numba_matches_numpy(rng, g_u):
    """numba compiles each (g_u, g_v) pair as its own kernel (the transfer codes are closure
    constants): each g_u, with a different g_v, matches numpy over 1000 RK4 steps."""
    g_v = "tanh" if g_u != "tanh" else "sigmoid"
    net = _nonlinear_net(rng, TRANSFERS[g_u], TRANSFERS[g_v], "rk4")
    drive = OscillatoryDrive(xi=30 * rng.standard_normal((2, net.n)), frequency=[30.0, 41.0])
    a, b = (
        simulate(net, None, drive, t_stop=0.1, dt=1e-4, backend=backend).u.values
        for backend in ("numpy", "numba")
    )
    assert np.max(np.abs(a - b)) / np.max(np.abs(a)) < WHOLE_RUN_F64


@pytest.mark.parametrize("kind", ["linear", "nonlinear"])
def test_divergence_step_is_the_same_on_every_backend(kind, monkeypatch):
    """A batch of 8 unstable members (threaded on numba) where member 5, driven 1e100 times
    harder, overflows first: numba's vectorised finiteness check must stop at numpy's step."""
    n, members = 3, 8
    J = 400.0 * np.eye(n)  # growth rate about 400 - alpha = 390 / s
    local = {"alpha": 10.0, "beta": 10.0, "gamma": 10.0, "J": J, "W": np.zeros_like(J)}
    if kind == "linear":
        net = LinearOscillator(**local)
    else:
        net = Oscillator(**local, g_u=Linear(), g_v=Linear(), method="euler")
    xi = np.ones((members, n))
    xi[5] = 1e100
    drive = OscillatoryDrive(xi=xi, frequency=np.full(members, 10.0))
    monkeypatch.setattr(numba_osc, "THREADED_WORK", 0)  # members split across threads
    steps = {}
    for backend in ("numpy", "numba"):
        with pytest.raises(DivergenceError) as err:
            simulate(net, None, drive, t_stop=4.0, dt=1e-3, backend=backend)
        steps[backend] = err.value.step
    # member 5 alone: the others would overflow ln(1e100) / 390 = 0.6 s later
    assert 100 < steps["numpy"] < 4000
    assert steps["numba"] == steps["numpy"]


@pytest.mark.parametrize("kind", ["linear", "nonlinear"])
def test_divergence_before_record_start_is_reported(kind, backend):
    """A run that overflows in the unrecorded transient before Record.start stops at the end of
    the transient, 2999 steps of 1 ms (the records kept start at 3.0 s): like a recorded run,
    which stops at the first record after the overflow, the transient is checked at its end,
    which the linear network reaches in one exact step."""
    n = 3
    local = {"alpha": 10.0, "beta": 10.0, "gamma": 10.0, "J": 400.0 * np.eye(n)}
    local["W"] = np.zeros((n, n))
    if kind == "linear":
        net = LinearOscillator(**local)
    else:
        net = Oscillator(**local, g_u=Linear(), g_v=Linear(), method="euler")
    drive = OscillatoryDrive(xi=np.full(n, 1e100), frequency=10.0)
    steps = []
    for record in (Record(), Record(start=3.0)):
        with pytest.raises(DivergenceError) as err:
            simulate(net, None, drive, t_stop=4.0, dt=1e-3, backend=backend, record=record)
        steps.append(err.value.step)
    assert 100 < steps[0] < 2999
    assert steps[1] == 2999


def test_self_sustained_oscillation_is_detected(backend):
    # Stored with negative residual damping, the pattern mode is unstable and saturates into a
    # limit cycle near 41 Hz; a weak 30 Hz drive cannot entrain it, so the lock fraction is low,
    # while the same drive on the stable network is fully locked.
    local = _local()
    xi = circular_patterns(N, 1, seed=3)[0]
    g_u = PiecewiseLinear(knots=(0.0, 2.0), values=(0.0, 1.0))
    g_v = PiecewiseLinear(knots=(0.0, 1000.0), values=(0.0, 1000.0))
    locks = []
    for delta in (DELTA, -30.0):
        window = kernel_for_resonance(41.0, local, J0, delta)
        imp = _imprint(local, xi, 41.0, window)
        net = nonlinear_network(
            local.with_weights(*closed_form_weights(local, [imp])), g_u, g_v, 1.0
        )
        start = initial_state(1.0 + 0.1 * xi.real, net.fixed_point()[1], 1)
        drive = OscillatoryDrive(xi=2.0 * xi, frequency=30.0)
        ds = simulate(net, None, drive, t_stop=2.0, dt=2.5e-4, backend=backend, initial=start)
        _, lock = drive_components(ds.time.values, ds.u.values, np.array([2 * math.pi * 30.0]), 1.0)
        locks.append(float(lock[0]))
    assert locks[0] > 0.99
    assert locks[1] < 0.5


def test_batch_of_networks_equals_separate_runs(backend):
    """J, W with a leading batch axis: member b (its own weights, its own drive) gives the same
    trajectory as simulating that network alone, and its steady state is the exact linear
    solve of that network."""
    from hebbkit.networks.oscillator import LinearOscillator, OscillatoryDrive

    rng = np.random.default_rng(5)
    n, b = 6, 3
    J = rng.normal(0.0, 20.0, (b, n, n))
    W = rng.normal(0.0, 20.0, (b, n, n))
    xi = rng.normal(size=(b, n)) + 1j * rng.normal(size=(b, n))
    freq = np.array([35.0, 41.0, 52.0])
    batched = LinearOscillator(alpha=100.0, beta=250.0, gamma=250.0, J=J, W=W)
    ds = simulate(
        batched, None, OscillatoryDrive(xi=xi, frequency=freq), t_stop=0.2, dt=1e-3, backend=backend
    )
    for m in range(b):
        alone = LinearOscillator(alpha=100.0, beta=250.0, gamma=250.0, J=J[m], W=W[m])
        one = simulate(
            alone,
            None,
            OscillatoryDrive(xi=xi[m : m + 1], frequency=freq[m : m + 1]),
            t_stop=0.2,
            dt=1e-3,
            backend=backend,
        )
        np.testing.assert_allclose(
            ds.u.values[:, m],
            one.u.values[:, 0],
            rtol=0,
            atol=SAME_ALGORITHM_F64 * np.abs(one.u.values).max(),
        )
    # drives sent to networks by index, in any order and any number per network (two share
    # network 2, so numba steps them as a group): each still gives its network's run alone
    to = [2, 0, 2, 1, 0]
    xi5 = rng.normal(size=(5, n)) + 1j * rng.normal(size=(5, n))
    freq5 = np.array([35.0, 41.0, 52.0, 44.0, 60.0])
    kw = dict(t_stop=0.2, dt=1e-3, backend=backend)
    ds = simulate(batched, None, OscillatoryDrive(xi=xi5, frequency=freq5, network=to), **kw)
    for m, k in enumerate(to):
        alone = LinearOscillator(alpha=100.0, beta=250.0, gamma=250.0, J=J[k], W=W[k])
        one = simulate(alone, None, OscillatoryDrive(xi=xi5[m], frequency=freq5[m]), **kw)
        np.testing.assert_allclose(
            ds.u.values[:, m],
            one.u.values[:, 0],
            rtol=0,
            atol=SAME_ALGORITHM_F64 * np.abs(one.u.values).max(),
        )
    for drive, message in (
        (OscillatoryDrive(xi=xi[:2], frequency=freq[:2]), "must say which of the 3 networks"),
        (OscillatoryDrive(xi=xi, frequency=freq, network=[0, 1, 3]), "must be < 3"),
    ):
        with pytest.raises(ParameterError, match=r"^OscillatoryDrive\.network: " + message):
            simulate(batched, None, drive, t_stop=0.01, dt=1e-3, backend=backend)
    for bad in ([0, 1], [0, -1, 1], [0.0, 1.0, 2.0], [[0, 1, 2]]):
        with pytest.raises(ParameterError, match=r"^OscillatoryDrive\.network: must be 3 integer"):
            OscillatoryDrive(xi=xi, frequency=freq, network=bad)
