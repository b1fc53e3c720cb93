"""The jax backend equals the numpy specification, and ``backend="auto"`` and threads behave.

The jax kernels are called on the very problems the kind modules build: each run goes through
``simulate(..., backend="numpy")`` with the numpy kernel replaced by the jax one, so the drives,
initial state, recording and Dataset are the kind module's own. The reference is the same call
with the numpy kernel. Tolerances: whole non-chaotic runs in float64 (WHOLE_RUN_F64) and float32
(F32_VS_F64), both relative to the largest recorded value.
"""

from __future__ import annotations

import importlib
import inspect
import math

import numpy as np
import pytest

pytest.importorskip("jax")

import hebbkit.engine._numpy.feedforward as numpy_ff  # noqa: E402
import hebbkit.engine._numpy.oscillator as numpy_osc  # noqa: E402
from hebbkit import _threads  # noqa: E402
from hebbkit.drives import ArrayDrive, GaussianDrive  # noqa: E402
from hebbkit.engine import Record, simulate  # noqa: E402
from hebbkit.engine._jax import feedforward as jax_ff  # noqa: E402
from hebbkit.engine._jax import oscillator as jax_osc  # noqa: E402
from hebbkit.errors import BackendUnavailable, DivergenceError, ParameterError  # noqa: E402
from hebbkit.networks.feedforward import FeedForward  # noqa: E402
from hebbkit.networks.oscillator import LinearOscillator, Oscillator, OscillatoryDrive  # noqa: E402
from hebbkit.networks.spiking import SpikingFeedForward  # noqa: E402
from hebbkit.neurons.rate import Linear, PiecewiseLinear, Tanh  # noqa: E402
from hebbkit.rules import rate as R  # noqa: E402
from tolerances import F32_VS_F64, SAME_ALGORITHM_F64, WHOLE_RUN_F64  # noqa: E402

simulate_module = importlib.import_module("hebbkit.engine.simulate")

DT = 0.05
STEPS = 120

RULES = {
    R.Taylor: R.Taylor(
        c0=0.01,
        c1_pre=-0.02,
        c1_post=0.03,
        c11=0.2,
        c21=-0.05,
        c12=0.04,
        c2_pre=0.02,
        c2_post=-0.01,
    ),
    R.Hebb: R.Hebb(c11=0.2),
    R.Covariance: R.Covariance(gamma=0.3, mean_post=0.4, mean_pre=0.6, tau=0.5),
    R.Oja: R.Oja(gamma=0.3),
    R.OjaSubspace: R.OjaSubspace(gamma=0.3),
    R.Sanger: R.Sanger(gamma=0.3),
    R.BCM: R.BCM(eta=0.2, nu0=1.5, tau_theta=0.4, theta0=0.5),
    R.BCMFixed: R.BCMFixed(eta=0.05, theta=1.0),
}
# Every weight dependence, alone and combined; one batch member each.
DEPENDENCES = [
    {},
    {"soft": R.SoftBounds(gamma2=0.7, w_min=-0.5, w_max=1.5, beta=2.0)},
    {"soft": R.SoftBounds(gamma2=1.0, w_min=0.0, w_max=1.2, beta=0.5), "decay": R.Decay(0.3)},
    {"decay": R.Decay(0.4)},
    {"hard": R.HardBounds(w_min=0.0, w_max=0.9)},
    {"norm": R.MultiplicativeNorm(total=1.5, norm="l1")},
    {"norm": R.MultiplicativeNorm(total=1.0, norm="l2"), "decay": R.Decay(0.1)},
    {"norm": R.SubtractiveNorm(total=1.2), "hard": R.HardBounds(w_min=0.0, w_max=1.0)},
]


def _with_jax(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numpy_ff, "run", jax_ff.run)
    monkeypatch.setattr(numpy_osc, "linear_steps", jax_osc.linear_steps)
    monkeypatch.setattr(numpy_osc, "nonlinear_steps", jax_osc.nonlinear_steps)


def _pair(monkeypatch, *args, **kwargs):
    """(numpy result, jax result) of the same simulate call."""
    reference = simulate(*args, backend="numpy", **kwargs)
    with monkeypatch.context() as m:
        _with_jax(m)
        got = simulate(*args, backend="numpy", **kwargs)
    return reference, got


def _assert_close(reference, got, names, tol):
    for name in names:
        want = np.asarray(reference[name].values, dtype=np.float64)
        have = np.asarray(got[name].values, dtype=np.float64)
        assert have.shape == want.shape, name
        scale = max(1.0, float(np.abs(want).max()))
        err = float(np.abs(have - want).max()) / scale
        assert err <= tol, f"{name}: relative error {err:.3g} > {tol}"


def test_every_rate_rule_and_weight_dependence_is_covered():
    rules = {cls for cls in R.RATE_RULES.values() if issubclass(cls, R.RateRule)}
    assert rules == set(RULES)
    parts = {type(p) for d in DEPENDENCES for p in d.values()}
    others = set(R.RATE_RULES.values()) - rules
    assert others == parts


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls", list(RULES), ids=lambda c: c.__name__)
def test_feedforward_jax_equals_numpy(monkeypatch, cls, dtype):
    rule = RULES[cls]
    batch = [R.Composed(rule, **parts) if parts else rule for parts in DEPENDENCES]
    net = FeedForward(
        n_pre=5, n_post=3, transfer=Tanh() if cls is R.Oja else Linear(), w_mean=0.3, w_std=0.1
    )
    cov = 0.05 * np.eye(5) + 0.02
    drive = GaussianDrive(cov=cov, mean=np.linspace(0.3, 0.8, 5))
    kwargs = dict(t_stop=STEPS * DT, dt=DT, record=Record(every=2 * DT), dtype=dtype, seed=4)
    reference, got = _pair(monkeypatch, net, batch, drive, **kwargs)
    names = [n for n in reference.data_vars if n in got.data_vars]
    assert set(names) >= {"w", "y", "w_final"}
    assert got["w"].dtype == np.dtype(dtype)
    _assert_close(reference, got, names, WHOLE_RUN_F64 if dtype == "float64" else F32_VS_F64)
    if dtype == "float32":  # float32 jax against the float64 specification, too
        exact = simulate(net, batch, drive, backend="numpy", **{**kwargs, "dtype": "float64"})
        _assert_close(exact, got, names, F32_VS_F64)


def test_feedforward_clamped_post_rates_and_chunks(monkeypatch):
    rng = np.random.default_rng(3)
    pre, post = rng.uniform(0, 1, (60, 4)), rng.uniform(0, 1, (60, 2))
    net = FeedForward(n_pre=4, n_post=2, transfer=None)
    rule = R.Composed(R.Covariance(gamma=0.5, tau=0.3), hard=R.HardBounds(-1.0, 1.0))
    kwargs = dict(t_stop=60 * DT, dt=DT, record=Record(vars=("w", "mean_post", "x")))
    reference, got = _pair(monkeypatch, net, rule, ArrayDrive(pre=pre, post=post), **kwargs)
    _assert_close(reference, got, ["w", "mean_post", "x", "w_final"], WHOLE_RUN_F64)
    with monkeypatch.context() as m:
        _with_jax(m)
        split = simulate(net, rule, ArrayDrive(pre=pre, post=post), chunks=3, **kwargs)
    _assert_close(got, split, ["w", "mean_post", "w_final"], SAME_ALGORITHM_F64)


def test_feedforward_divergence_is_reported_as_numpy_does(monkeypatch):
    net = FeedForward(n_pre=3, n_post=2, w_mean=1.0)
    drive = GaussianDrive(cov=np.eye(3), mean=5.0)
    errors = []
    for patch in (False, True):
        with monkeypatch.context() as m:
            if patch:
                _with_jax(m)
            with pytest.raises(DivergenceError) as info:
                simulate(net, R.Hebb(c11=5.0), drive, t_stop=30.0, dt=0.1, backend="numpy")
        errors.append(info.value)
    assert (errors[1].variable, errors[1].step) == (errors[0].variable, errors[0].step)


def _oscillators(n):
    rng = np.random.default_rng(5)
    J = rng.standard_normal((n, n)) * 20.0 / math.sqrt(n)
    W = np.abs(rng.standard_normal((n, n))) * 20.0 / n
    common = dict(alpha=100.0, beta=250.0, gamma=250.0, J=J, W=W)
    piecewise = PiecewiseLinear(knots=(-1.0, 0.0, 0.5, 2.0), values=(0.0, 0.0, 0.2, 1.5))
    networks = dict(common, J=np.stack([J, 0.5 * J, -J]), W=np.stack([W, W, 0.5 * W]))
    return {
        "linear": LinearOscillator(**common),
        "linear-3-networks": LinearOscillator(**networks),
        "rk4-tanh": Oscillator(**common, I0=5.0, g_u=Tanh(), g_v=Tanh(), method="rk4"),
        "euler-piecewise": Oscillator(
            **common, I0=1.0, g_u=piecewise, g_v=Linear(gain=0.5), method="euler"
        ),
    }


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["linear", "linear-3-networks", "rk4-tanh", "euler-piecewise"])
def test_oscillator_jax_equals_numpy_batched(monkeypatch, kind, dtype):
    n = 8
    net = _oscillators(n)[kind]
    rng = np.random.default_rng(6)
    xi = rng.standard_normal((3, n)) + 1j * rng.standard_normal((3, n))
    drive = OscillatoryDrive(xi=xi, frequency=[30.0, 41.0, 50.0])
    record = Record(every=4e-4, vars=("u", "v"))
    kwargs = dict(t_stop=0.1, dt=1e-4, record=record, dtype=dtype)
    reference, got = _pair(monkeypatch, net, None, drive, **kwargs)
    assert got["u"].shape == (250, 3, n)
    tol = WHOLE_RUN_F64 if dtype == "float64" else F32_VS_F64
    _assert_close(reference, got, ["u", "v", "u_final", "v_final"], tol)
    if dtype == "float32":
        return  # XLA fuses loops of other lengths differently: float32 chunks differ by ulps
    with monkeypatch.context() as m:
        _with_jax(m)
        split = simulate(net, None, drive, chunks=4, **kwargs)
    _assert_close(got, split, ["u", "v", "u_final"], SAME_ALGORITHM_F64)


def test_auto_backend_follows_the_documented_rules(monkeypatch):
    choose = simulate_module.auto_backend
    ff = FeedForward(n_pre=300, n_post=200, batch=8)
    assert choose(ff, GaussianDrive(cov=np.eye(300))) == "numba"  # online rules
    assert choose(SpikingFeedForward(n_pre=10), None) == "numba"  # event-driven spikes

    def drive(n, batch):
        xi = np.ones((batch, n))
        return OscillatoryDrive(xi=xi, frequency=np.linspace(20.0, 60.0, batch))

    net = {n: _oscillators(n)["linear"] for n in (10, 100, 299, 300)}
    f32 = "float32"
    assert choose(net[10], drive(10, 1), f32) == "numba"  # small, single
    assert choose(net[299], drive(299, 1), f32) == "numba"
    assert choose(net[300], drive(300, 1), f32) == "jax"  # large, single, float32
    assert choose(net[300], drive(300, 1)) == "numba"  # float64 (the default)
    assert choose(net[100], drive(100, 64), f32) == "numba"  # batches of smaller networks
    assert choose(net[300], drive(300, 64), f32) == "numba"  # batches of large ones
    # a batch made by frequencies alone, or by the network's own batch axis
    sweep = OscillatoryDrive(xi=np.ones(300), frequency=np.linspace(20.0, 60.0, 4))
    assert choose(net[300], sweep, f32) == "numba"
    stacked = net[300].with_weights(np.stack([net[300].J] * 2), np.stack([net[300].W] * 2))
    assert choose(stacked, drive(300, 1), f32) == "numba"
    monkeypatch.setattr(simulate_module.importlib.util, "find_spec", lambda name: None)
    assert choose(net[300], drive(300, 1), f32) == "numba"  # without jax


def test_auto_records_the_request_and_the_choice():
    net = FeedForward(n_pre=3, n_post=2)
    drive = GaussianDrive(cov=np.eye(3))
    ds = simulate(net, R.Oja(gamma=0.1), drive, t_stop=1.0, dt=0.1, backend="auto")
    assert (ds.attrs["backend"], ds.attrs["backend_requested"]) == ("numba", "auto")
    again = simulate(net, R.Oja(gamma=0.1), drive, t_stop=1.0, dt=0.1, backend="numpy")
    assert again.attrs["backend_requested"] == "numpy"
    np.testing.assert_allclose(ds["w"].values, again["w"].values, rtol=0, atol=WHOLE_RUN_F64)


def test_set_threads_sizes_numba_and_blas(monkeypatch):
    import os

    import numba

    monkeypatch.setenv(_threads.ENV, "1")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)  # restored after the test
    before = numba.get_num_threads()
    try:
        assert _threads.set_threads() == 1
        assert numba.get_num_threads() == 1
        assert _threads.threads() == 1
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    finally:
        _threads.set_threads(before)
    with pytest.raises(ParameterError, match=r"^threads: must be an integer >= 1 \(got 0\)$"):
        _threads.set_threads(0)


def test_thread_count_set_before_numba_loads_can_be_raised_later():
    """set_threads(1) before numba is imported must not size numba's pool for good (it did:
    a benchmark then ran every numba kernel on one thread after asking for two)."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from hebbkit import _threads; _threads.set_threads(1);"
        "assert 'numba' not in sys.modules; import hebbkit.engine._numba, numba;"
        "assert numba.get_num_threads() == 1; _threads.set_threads(2);"
        "print(numba.get_num_threads())"
    )
    env = {k: v for k, v in os.environ.items() if "NUM_THREADS" not in k}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == min(2, os.cpu_count() or 1)


def test_jax_modules_say_how_to_install(monkeypatch):
    from hebbkit.engine import _jax

    monkeypatch.setitem(__import__("sys").modules, "jax", None)
    _jax.modules.cache_clear()
    try:
        with pytest.raises(BackendUnavailable, match=r"pip install 'hebbkit\[jax\]'"):
            _jax.modules()
    finally:
        monkeypatch.undo()
        _jax.modules.cache_clear()
        _jax.modules()


def test_backend_modules_share_the_numpy_signatures():
    for ours, spec in ((jax_ff, numpy_ff), (jax_osc, numpy_osc)):
        for name in ("run", "linear_steps", "nonlinear_steps"):
            if hasattr(spec, name):
                a = inspect.signature(getattr(ours, name)).parameters
                b = inspect.signature(getattr(spec, name)).parameters
                assert list(a) == list(b), name
