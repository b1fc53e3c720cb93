"""The feed-forward engine: numpy spec == numba kernel == slow loop reference, and the contract
(batch, chunks, continuation, divergence, float32, records, errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hebbkit.drives import ArrayDrive, ConstantRates, DataDrive, GaussianDrive
from hebbkit.engine import Record, simulate
from hebbkit.errors import DivergenceError, ParameterError
from hebbkit.networks.feedforward import FeedForward
from hebbkit.neurons.rate import Linear, PiecewiseLinear, Rectified, Sigmoid, Tanh
from hebbkit.rules import rate as R
from reference import rate as reference
from tolerances import F32_VS_F64, SAME_ALGORITHM_F64, WHOLE_RUN_F64

DT = 0.1
unit = st.floats(0.05, 1.0)


RULES = [R.Taylor, R.Hebb, R.Covariance, R.Oja, R.OjaSubspace, R.Sanger, R.BCM, R.BCMFixed]
DEPENDENCES = ["", "soft", "decay", "hard", "soft+decay", "l1", "l2", "sub+hard", "soft+decay+hard"]


@st.composite
def rules(draw, cls, parts):
    if cls is R.Taylor:
        rule = R.Taylor(*draw(st.lists(st.floats(-0.5, 0.5), min_size=8, max_size=8)))
    elif cls is R.Covariance:
        rule = R.Covariance(
            gamma=draw(unit),
            mean_post=draw(unit),
            mean_pre=draw(unit),
            tau=draw(st.sampled_from([0.0, 0.5])),
        )
    elif cls is R.BCM:
        rule = R.BCM(
            eta=draw(unit),
            nu0=draw(st.floats(0.5, 2.0)),
            tau_theta=draw(st.floats(0.1, 2.0)),
            theta0=draw(unit),
        )
    elif cls is R.BCMFixed:
        rule = R.BCMFixed(eta=draw(unit), theta=draw(unit))
    elif cls is R.Hebb:
        rule = R.Hebb(c11=draw(unit))
    else:
        rule = cls(gamma=draw(unit))
    kw = {}
    if "soft" in parts:
        kw["soft"] = R.SoftBounds(
            gamma2=draw(unit),
            w_min=-0.5,
            w_max=1.5,
            beta=draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])),
        )
    if "decay" in parts:
        kw["decay"] = R.Decay(gamma0=draw(unit))
    if "hard" in parts:
        kw["hard"] = R.HardBounds(w_min=0.0, w_max=draw(st.floats(0.6, 1.5)))
    if parts in ("l1", "l2"):
        kw["norm"] = R.MultiplicativeNorm(total=draw(st.floats(0.5, 2.0)), norm=parts)
    if "sub" in parts:
        kw["norm"] = R.SubtractiveNorm(total=draw(st.floats(0.5, 2.0)))
    return R.Composed(rule, **kw) if kw else rule


@pytest.mark.parametrize("parts", DEPENDENCES)
@pytest.mark.parametrize("cls", RULES, ids=lambda c: c.__name__)
@settings(max_examples=3, deadline=None)
@given(
    data=st.data(),
    n_pre=st.integers(1, 5),
    n_post=st.integers(1, 4),
    steps=st.integers(1, 6),
    clamped=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_numba_equals_numpy_equals_reference(cls, parts, data, n_pre, n_post, steps, clamped, seed):
    rule = data.draw(rules(cls, parts))
    rng = np.random.default_rng(seed)
    pre = rng.uniform(0.0, 1.0, (steps, n_pre))
    post = rng.uniform(0.0, 1.0, (steps, n_post)) if clamped else None
    w0 = rng.uniform(0.2, 0.8, (n_post, n_pre))
    transfer = None if clamped else Linear(gain=0.5, offset=0.1)
    net = FeedForward(n_pre, n_post, transfer, weights=w0)
    out = {
        be: simulate(net, rule, ArrayDrive(pre, post), t_stop=steps * DT, dt=DT, backend=be)
        for be in ("numpy", "numba")
    }
    f = None if clamped else (lambda s: 0.5 * s + 0.1)
    w_ref, a_ref, _ = reference.run(rule, w0, pre, DT, f, post)
    scale = max(1.0, float(np.abs(w_ref).max()))
    np.testing.assert_allclose(
        out["numba"].w, out["numpy"].w, rtol=0, atol=SAME_ALGORITHM_F64 * scale
    )
    np.testing.assert_allclose(out["numpy"].w_final, w_ref, rtol=0, atol=SAME_ALGORITHM_F64 * scale)
    for name in R.inner(rule).state[:1]:
        np.testing.assert_allclose(
            out["numba"][name],
            out["numpy"][name],
            rtol=0,
            atol=SAME_ALGORITHM_F64 * max(1.0, float(np.abs(a_ref).max())),
        )
        np.testing.assert_allclose(
            out["numpy"][name + "_final"],
            a_ref,
            rtol=0,
            atol=SAME_ALGORITHM_F64 * max(1.0, float(np.abs(a_ref).max())),
        )


@pytest.mark.parametrize(
    ("transfer", "closed_form"),
    [
        (Rectified(gain=2.0, threshold=0.3), lambda s: 2.0 * max(s - 0.3, 0.0)),
        (Tanh(gain=0.5, amplitude=2.0), lambda s: 2.0 * math.tanh(0.5 * s)),
        (
            Sigmoid(gain=3.0, threshold=0.5, amplitude=2.0),
            lambda s: 2.0 / (1.0 + math.exp(-3.0 * (s - 0.5))),
        ),
        (
            PiecewiseLinear(knots=(0.0, 0.5, 1.5), values=(0.0, 0.2, 2.0)),
            lambda s: float(np.interp(s, (0.0, 0.5, 1.5), (0.0, 0.2, 2.0))),
        ),
    ],
    ids=["rectified", "tanh", "sigmoid", "piecewise-linear"],
)
def test_every_transfer_is_inlined_exactly(transfer, closed_form):
    # the reference gets each transfer as its documented closed form, not the library's own
    # function, so a wrong formula fails here as well as a wrong inlining
    rng = np.random.default_rng(5)
    pre, w0 = rng.uniform(0.0, 1.0, (8, 4)), rng.uniform(-0.2, 0.8, (3, 4))
    net = FeedForward(4, 3, transfer, weights=w0)
    rule = R.Oja(gamma=0.5)
    out = {
        be: simulate(net, rule, ArrayDrive(pre), t_stop=0.8, dt=DT, backend=be)
        for be in ("numpy", "numba")
    }
    w_ref, _, _ = reference.run(rule, w0, pre, DT, closed_form)
    np.testing.assert_allclose(out["numba"].w, out["numpy"].w, rtol=0, atol=SAME_ALGORITHM_F64)
    np.testing.assert_allclose(out["numpy"].w_final, w_ref, rtol=0, atol=SAME_ALGORITHM_F64)


def _bcm_setup(batch=1, shared=False):
    net = FeedForward(6, 3, Linear(), w_mean=0.2, w_std=0.05, batch=batch, shared_input=shared)
    drive = GaussianDrive(cov=0.2 * np.eye(6), mean=1.0)
    return net, drive


AFFINE = [R.Hebb(c11=0.1), R.Oja(gamma=0.5), R.BCM(eta=0.3, tau_theta=0.05), R.BCMFixed(eta=0.2)]


@pytest.mark.parametrize("rule", AFFINE, ids=lambda r: type(r).__name__)
@pytest.mark.parametrize(
    ("n_post", "steps", "every"),
    [(1, 7, None), (3, 12, 3), (5, 40, 4), (2, 15, 5), (3, 10, 1), (8, 6603, 3)],
)
def test_two_samples_per_pass_equals_numpy(rule, n_post, steps, every):
    # numba steps these rules two samples per pass over a row, two rows at a time: odd row
    # counts, odd runs, records (every `every` steps) after an odd sample, chunk ends and (last
    # case: 2.1 million multiply-adds) rows split across threads must all give numpy's records.
    # Tolerance: the same algorithm reassociated, so rounding only.
    rng = np.random.default_rng(n_post * steps)
    pre = rng.uniform(0.0, 1.0, (steps, 40))
    w0 = rng.uniform(0.0, 0.1, (n_post, 40))
    net = FeedForward(40, n_post, Tanh(gain=0.5, amplitude=2.0), weights=w0)
    names = ("w", "y", "theta") if isinstance(rule, R.BCM) else ("w", "y")
    dt = 0.01
    record = Record(every=None if every is None else every * dt, vars=names)
    out = {
        be: simulate(
            net, rule, ArrayDrive(pre), t_stop=steps * dt, dt=dt, backend=be, record=record
        )
        for be in ("numpy", "numba")
    }
    for name in names:
        a, b = out["numba"][name].values, out["numpy"][name].values
        np.testing.assert_allclose(
            a, b, rtol=0, atol=SAME_ALGORITHM_F64 * max(1.0, np.abs(b).max())
        )


def test_numba_equals_numpy_over_a_whole_run(backend):
    net, drive = _bcm_setup()
    rule = R.BCM(eta=0.05, nu0=1.0, tau_theta=0.2)
    ref = simulate(net, rule, drive, t_stop=50.0, dt=0.01, backend="numpy", seed=3)
    got = simulate(net, rule, drive, t_stop=50.0, dt=0.01, backend=backend, seed=3)
    np.testing.assert_allclose(got.w_final, ref.w_final, rtol=0, atol=WHOLE_RUN_F64)
    np.testing.assert_allclose(got.theta, ref.theta, rtol=0, atol=WHOLE_RUN_F64)


def _wide_setup():
    # 256 inputs: wide enough that the compiled dot products are vectorised, so that the order
    # of their additions could differ between a run and its continuation
    net = FeedForward(256, 3, Linear(), w_mean=0.0125, w_std=0.003)
    return net, GaussianDrive(cov=0.2 * np.eye(256), mean=1.0)


@pytest.mark.parametrize(
    ("setup", "rule"),
    [
        (_bcm_setup, R.BCM(eta=0.05, nu0=1.0, tau_theta=0.2)),  # the two-sample kernel
        (_wide_setup, R.BCM(eta=0.005, nu0=1.0, tau_theta=0.2)),
        (_wide_setup, R.Taylor(c11=0.01, c21=-0.001)),  # the one-sample kernel
    ],
    ids=["bcm-6", "bcm-256", "taylor-256"],
)
def test_chunks_and_continuation_are_identical(backend, setup, rule):
    net, drive = setup()
    kw = dict(dt=0.01, backend=backend, seed=5, record=Record(every=0.5))
    whole = simulate(net, rule, drive, t_stop=60.0, **kw)
    chunked = simulate(net, rule, drive, t_stop=60.0, chunks=4, **kw)
    first = simulate(net, rule, drive, t_stop=25.0, **kw)
    rest = simulate(net, rule, drive, t_stop=35.0, initial=first, **kw)
    assert chunked.w.shape == whole.w.shape
    assert np.array_equal(chunked.w.values, whole.w.values)
    for name in [v for v in whole.data_vars if str(v).endswith("_final")]:
        assert np.array_equal(chunked[name].values, whole[name].values)
    assert np.array_equal(rest.w.values, whole.w.values[50:])
    np.testing.assert_allclose(rest.time.values, whole.time.values[50:], rtol=1e-12)


def test_records_from_a_start_time_are_those_of_the_whole_run(backend):
    # Record.start runs the transient as an unrecorded piece and continues from its state:
    # the records kept must be exactly the whole run's records at t >= start.
    net, drive = _bcm_setup()
    rule = R.BCM(eta=0.05, nu0=1.0, tau_theta=0.2)
    kw = dict(dt=0.01, backend=backend, seed=5, t_stop=30.0)
    whole = simulate(net, rule, drive, record=Record(every=0.5), **kw)
    late = simulate(net, rule, drive, record=Record(every=0.5, start=12.2), **kw)
    keep = whole.time.values >= 12.2
    assert late.time.values[0] == pytest.approx(12.5)
    np.testing.assert_allclose(late.time.values, whole.time.values[keep], rtol=1e-12)
    for name in ("w", "theta"):
        assert np.array_equal(late[name].values, whole[name].values[keep])
    assert np.array_equal(late.w_final.values, whole.w_final.values)
    with pytest.raises(ParameterError, match="Record.start: must be <= t_stop"):
        simulate(net, rule, drive, record=Record(every=0.5, start=30.2), **kw)


def test_batch_members_equal_single_runs(backend):
    net, drive = _bcm_setup(batch=3, shared=True)
    rules = [R.BCM(eta=e, nu0=1.0, tau_theta=0.2) for e in (0.01, 0.03, 0.05)]
    batch = simulate(net, rules, drive, t_stop=5.0, dt=0.01, backend=backend, seed=2)
    assert batch.w.dims == ("time", "batch", "post", "pre")
    single_net = FeedForward(6, 3, Linear(), w_mean=0.2, w_std=0.05)
    for m, rule in enumerate(rules):
        one = simulate(single_net, rule, drive, t_stop=5.0, dt=0.01, backend=backend, seed=2)
        np.testing.assert_allclose(batch.w_final[m], one.w_final, rtol=0, atol=SAME_ALGORITHM_F64)


def test_batch_members_draw_their_own_seeds():
    net, drive = _bcm_setup(batch=2)
    ds = simulate(
        net,
        R.BCM(eta=0.01),
        drive,
        t_stop=1.0,
        dt=0.01,
        backend="numba",
        seed=2,
        record=Record(vars=("x",)),
    )
    assert ds.x.dims == ("time", "batch", "pre")
    assert not np.allclose(ds.x[:, 0], ds.x[:, 1])
    stream0 = GaussianDrive(cov=0.2 * np.eye(6), mean=1.0).pre_rates(0, 100, 6, 2, 2, "float64")
    np.testing.assert_array_equal(ds.x.values[:, 1], stream0[1])


def test_float32_follows_float64():
    net, drive = _bcm_setup()
    rule = R.Oja(gamma=0.05)
    f64 = simulate(net, rule, drive, t_stop=10.0, dt=0.01, backend="numba", seed=1)
    f32 = simulate(net, rule, drive, t_stop=10.0, dt=0.01, backend="numba", seed=1, dtype="float32")
    assert f32.w_final.dtype == np.float32
    np.testing.assert_allclose(f32.w_final, f64.w_final, rtol=F32_VS_F64, atol=F32_VS_F64)


def test_hebb_divergence_names_variable_and_step(backend):
    net = FeedForward(3, 2, Linear(), w_mean=1.0, w_std=0.0)
    drive = ConstantRates(pre=10.0)
    with pytest.raises(DivergenceError, match=r"^w diverged at t=") as err:
        simulate(
            net,
            R.Hebb(c11=100.0),
            drive,
            t_stop=10.0,
            dt=0.1,
            backend=backend,
            record=Record(every=0.5),
        )
    # w_{k+1} = w_k (1 + 0.1*100*10*30): |w| passes 1.8e308 after ~ 308/log10(3001) steps,
    # i.e. inside the first record interval that ends after step 89 (every 5 steps -> 90).
    assert err.value.variable == "w"
    assert err.value.step == 90
    assert math.isclose(err.value.time, 9.0)


def test_record_layout_and_units():
    net = FeedForward(4, 2, Linear())
    ds = simulate(
        net,
        R.Covariance(gamma=0.1, tau=1.0),
        ConstantRates(pre=1.0),
        t_stop=1.0,
        dt=0.1,
        record=Record(every=0.2, vars=("w", "y", "x", "mean_pre")),
    )
    assert ds.w.dims == ("time", "post", "pre")
    assert ds.mean_pre.dims == ("time", "pre")
    np.testing.assert_allclose(ds.time, [0.2, 0.4, 0.6, 0.8, 1.0])
    assert ds.time.attrs["units"] == "s" and ds.y.attrs["units"] == "Hz"
    assert {"w_final", "mean_post_final", "mean_pre_final"} <= set(ds.data_vars)
    assert ds.attrs["t_end"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(rule=R.BCM(tau_theta=0.05)), r"simulate\.dt: must be <= 0\.05"),
        (dict(record=Record(vars=("theta",))), r"Record\.vars"),
        (dict(rule=[R.Oja(), R.Hebb()]), r"simulate\.rule: a batch must hold rules of one class"),
        (dict(drive=ConstantRates(pre=1.0, post=1.0)), r"simulate\.drive"),
        (dict(drive=ConstantRates(pre=[1.0, 2.0])), r"ConstantRates\.pre"),
    ],
)
def test_bad_arguments_are_one_line_errors(kwargs, match):
    args = dict(rule=R.Oja(), drive=ConstantRates(pre=1.0), backend="numpy", record=None)
    args.update(kwargs)
    with pytest.raises(Exception, match=match) as err:
        simulate(
            FeedForward(3, 2),
            args["rule"],
            args["drive"],
            t_stop=1.0,
            dt=0.1,
            backend=args["backend"],
            record=args["record"],
        )
    assert "\n" not in str(err.value)


def test_clamped_network_needs_post_rates():
    with pytest.raises(ParameterError, match=r"simulate\.drive: must give post rates"):
        simulate(
            FeedForward(3, 2, transfer=None), R.Hebb(), ConstantRates(pre=1.0), t_stop=1.0, dt=0.1
        )


def test_threaded_row_blocks_equal_numpy():
    # large enough (> 2e6 synapse-steps) for the numba backend to split rows across threads
    rng = np.random.default_rng(8)
    data = rng.uniform(0.0, 1.0, (600, 40))
    net = FeedForward(40, 9, Linear(), w_mean=0.02, w_std=0.01, batch=2)
    rule = R.Composed(R.BCM(eta=0.05, tau_theta=0.5), hard=R.HardBounds(-1.0, 1.0))
    kw = dict(t_stop=60.0, dt=0.01, seed=4, record=Record(every=1.0, vars=("w", "y", "theta")))
    drive = DataDrive(data, order="shuffle")
    ref = simulate(net, rule, drive, backend="numpy", **kw)
    got = simulate(net, rule, drive, backend="numba", **kw)
    for name in ("w", "y", "theta"):
        np.testing.assert_allclose(got[name], ref[name], rtol=0, atol=WHOLE_RUN_F64)


def test_data_drive_shuffle_is_chunk_invariant():
    data = np.arange(30.0).reshape(10, 3)
    drive = DataDrive(data, order="shuffle")
    whole = drive.pre_rates(0, 25, 3, 9, 2, "float64")
    parts = np.concatenate(
        [drive.pre_rates(0, 7, 3, 9, 2, "float64"), drive.pre_rates(7, 18, 3, 9, 2, "float64")],
        axis=1,
    )
    np.testing.assert_array_equal(whole, parts)
    # each epoch is a permutation of the data rows
    np.testing.assert_array_equal(np.sort(whole[0, :10, 0]), data[:, 0])
    assert not np.array_equal(whole[0, :10], whole[1, :10])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: GaussianDrive(cov=[[1.0, 2.0], [0.0, 1.0]]),
            r"GaussianDrive\.cov: must be a symmetric",
        ),
        (
            lambda: GaussianDrive(cov=[[1.0, 0.0], [0.0, -1.0]]),
            r"GaussianDrive\.cov: must be positive",
        ),
        (lambda: DataDrive(np.ones(3)), r"DataDrive\.data"),
        (lambda: ArrayDrive(np.ones(3)), r"ArrayDrive\.pre"),
        (lambda: FeedForward(3, 2, weights=np.ones((3, 3))), r"FeedForward\.weights"),
    ],
)
def test_bad_drives_and_networks_are_one_line_errors(make, match):
    with pytest.raises(ParameterError, match=match):
        make()


def test_array_drive_must_cover_the_run():
    net = FeedForward(2, 1)
    with pytest.raises(ParameterError, match=r"ArrayDrive\.pre: must cover steps up to 20"):
        simulate(net, R.Hebb(), ArrayDrive(np.ones((10, 2))), t_stop=2.0, dt=0.1)
