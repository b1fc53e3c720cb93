"""The spiking engine kind against a per-step loop reference, across backends and chunks."""

import numpy as np
import pytest

from hebbkit.engine import Record, simulate
from hebbkit.errors import BackendUnavailable, ParameterError
from hebbkit.networks.spiking import SpikingFeedForward
from hebbkit.neurons.spiking import LIF, PoissonInput, SpikeTrains
from hebbkit.rules.spike import PairSTDP, TripletSTDP
from reference.spike import lif_layer
from tolerances import SAME_ALGORITHM_F64, WHOLE_RUN_F64

DT = 1e-4
RULES = (
    [None]
    + [
        PairSTDP(A_plus=0.002, A_minus=0.0021, w_max=0.15, scheme=s)
        for s in ("all_to_all", "nearest_symmetric", "nearest_presynaptic", "nearest_restricted")
    ]
    + [
        PairSTDP(A_plus=0.002, A_minus=0.0021, w_max=0.15, mu=1.0),
        TripletSTDP.preset("visual_cortex_all_to_all_full", w_max=0.15),
        TripletSTDP.preset("visual_cortex_nearest_minimal", w_max=0.15, mu=0.5),
    ]
)


def small_net(synapse="conductance", n_post=3):
    neuron = LIF(synapse=synapse, t_ref=0.002, tau_syn=0.005 if synapse == "conductance" else 0.003)
    return SpikingFeedForward(n_pre=40, n_post=n_post, neuron=neuron, w_init=(0.05, 0.1))


WSV = ("v", "w", "spike_count")


def run(rule, backend, t_stop=0.3, chunks=1, synapse="conductance", record=None, rate=40.0):
    record = record or Record(every=0.01, vars=WSV)
    w_init = (0.004, 0.008) if synapse == "current" else (0.05, 0.1)
    net = small_net(synapse)
    net = SpikingFeedForward(n_pre=40, n_post=3, neuron=net.neuron, w_init=w_init)
    return simulate(
        net,
        rule,
        PoissonInput(rate=rate),
        t_stop=t_stop,
        dt=DT,
        record=record,
        backend=backend,
        seed=5,
        chunks=chunks,
    )


@pytest.mark.parametrize("rule", RULES, ids=repr)
def test_spiking_numba_equals_numpy(rule):
    a = run(rule, "numpy")
    b = run(rule, "numba")
    assert float(a.spike_count_final.sum()) > 10  # the neurons fire, so plasticity acts
    np.testing.assert_allclose(b.w.values, a.w.values, rtol=0, atol=SAME_ALGORITHM_F64)
    np.testing.assert_allclose(b.v.values, a.v.values, rtol=0, atol=SAME_ALGORITHM_F64)
    np.testing.assert_array_equal(b.spike_count.values, a.spike_count.values)


@pytest.mark.parametrize("rule", [RULES[1], RULES[3], RULES[6]], ids=repr)
@pytest.mark.parametrize("synapse", ["conductance", "current"])
def test_spiking_engine_matches_per_step_loop_reference(rule, synapse):
    t_stop = 0.2
    ds = run(rule, "numba", t_stop=t_stop, synapse=synapse)
    net = SpikingFeedForward(
        n_pre=40,
        n_post=3,
        neuron=small_net(synapse).neuron,
        w_init=(0.004, 0.008) if synapse == "current" else (0.05, 0.1),
    )
    n_steps = round(t_stop / DT)
    counts, ids = PoissonInput(rate=40.0).spikes(40, 0, n_steps, DT, 5)
    ptr = np.concatenate([[0], np.cumsum(counts)])
    steps = {k: list(ids[ptr[k] : ptr[k + 1]]) for k in range(n_steps) if ptr[k + 1] > ptr[k]}
    w, v, g, count = lif_layer(
        net.neuron, rule.kernel_params(), net.initial_weights(5), n_steps, DT, steps
    )
    assert sum(count) > 5
    np.testing.assert_array_equal(ds.spike_count_final.values, count)
    np.testing.assert_allclose(ds.w_final.values, w, rtol=0, atol=WHOLE_RUN_F64)
    np.testing.assert_allclose(ds.v_final.values, v, rtol=0, atol=WHOLE_RUN_F64)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_spiking_chunks_are_identical_to_one_piece(backend):
    rule = TripletSTDP.preset("visual_cortex_all_to_all_full", w_max=0.15)
    one = run(rule, backend, t_stop=0.4)
    three = run(rule, backend, t_stop=0.4, chunks=3)
    for name in ("w", "v", "spike_count"):
        np.testing.assert_array_equal(three[name].values, one[name].values)
    np.testing.assert_array_equal(three.traces_final.values, one.traces_final.values)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_spiking_records_from_a_start_time_are_those_of_the_whole_run(backend):
    rule = TripletSTDP.preset("visual_cortex_all_to_all_full", w_max=0.15)
    whole = run(rule, backend, t_stop=0.4)
    late = run(rule, backend, t_stop=0.4, record=Record(every=0.01, vars=WSV, start=0.25))
    keep = whole.time.values >= 0.25 - 1e-12
    for name in WSV:
        np.testing.assert_array_equal(late[name].values, whole[name].values[keep])
    np.testing.assert_array_equal(late.traces_final.values, whole.traces_final.values)


def test_spiking_continues_across_trace_rebase():
    # dt = 1 ms and tau = 2 ms make the lazy traces rebase every 400 steps; a run continued
    # from a result must equal one run straight through
    rule = PairSTDP(A_plus=0.002, A_minus=0.0021, w_max=0.15, tau_plus=0.02, tau_minus=0.02)
    net = SpikingFeedForward(n_pre=20, neuron=LIF(tau_syn=0.01, tau_m=0.02), w_init=(0.05, 0.1))
    kw = dict(dt=1e-3, backend="numba", seed=2, record=Record(every=0.1, vars=("w",)))
    whole = simulate(net, rule, PoissonInput(rate=30.0), t_stop=2.0, **kw)
    first = simulate(net, rule, PoissonInput(rate=30.0), t_stop=0.7, **kw)
    rest = simulate(net, rule, PoissonInput(rate=30.0), t_stop=1.3, initial=first, **kw)
    np.testing.assert_array_equal(rest.w_final.values, whole.w_final.values)
    np.testing.assert_allclose(rest.time.values, whole.time.values[7:], rtol=1e-12)


def test_given_spike_trains_drive_the_conductance():
    # one input spike of weight 0.5 at t = 1 ms: g jumps at the end of step 0.0009-0.001 and
    # then decays exactly by exp(-dt / tau_syn) per step
    net = SpikingFeedForward(n_pre=2, neuron=LIF(), w0=(0.5, 0.0))
    ds = simulate(
        net,
        None,
        SpikeTrains(times=(0.001,), indices=(0,)),
        t_stop=0.003,
        dt=DT,
        record=Record(vars=("g",)),
        backend="numba",
    )
    g = ds.g.values[:, 0]
    assert g[8] == 0.0 and g[9] == 0.5
    assert g[29] == pytest.approx(0.5 * np.exp(-20 * DT / 0.005), rel=SAME_ALGORITHM_F64)


def test_spiking_rejects_bad_input_in_one_line():
    net = small_net()
    with pytest.raises(ParameterError, match=r"simulate\.dt: must be <= .* \(LIF\.tau_syn\)"):
        simulate(net, None, PoissonInput(), t_stop=0.01, dt=1e-3)
    with pytest.raises(ParameterError, match=r"simulate\.dt: .*PairSTDP\.tau_plus"):
        simulate(net, PairSTDP(tau_plus=0.002), PoissonInput(), t_stop=0.01, dt=5e-4)
    with pytest.raises((ParameterError, BackendUnavailable), match=r"jax"):
        simulate(net, None, PoissonInput(), t_stop=0.01, dt=1e-4, backend="jax")
    with pytest.raises(ParameterError, match=r"SpikeTrains\.times: must be sorted"):
        SpikeTrains(times=(0.02, 0.01), indices=(0, 0))
    with pytest.raises(ParameterError, match=r"PoissonInput\.rate"):
        PoissonInput(rate=-1.0)
    with pytest.raises(ParameterError, match=r"LIF\.V_reset"):
        LIF(V_reset=-0.05, V_th=-0.054)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_independent_inputs_batch_equals_separate_networks(backend, rng):
    # two neurons with their own given trains in one call == two one-neuron runs
    n_pre, neuron = 30, LIF(t_ref=0.002)
    rule = TripletSTDP.preset("visual_cortex_nearest_full", w_max=0.15)
    trains = [sorted(rng.uniform(0, 0.3, 12)) for _ in range(2 * n_pre)]
    times = [t for tr in trains for t in tr]
    index = [k for k, tr in enumerate(trains) for _ in tr]
    order = np.argsort(times, kind="stable")
    batch = SpikeTrains(times=tuple(np.array(times)[order]), indices=tuple(np.array(index)[order]))
    kw = dict(t_stop=0.3, dt=DT, backend=backend, record=Record(every=0.01, vars=("w", "v")))
    w0 = tuple(rng.uniform(0.08, 0.15, n_pre))
    both = simulate(
        SpikingFeedForward(n_pre=n_pre, n_post=2, neuron=neuron, w0=w0, inputs="independent"),
        rule,
        batch,
        **kw,
    )
    assert float(both.spike_count_final.min()) > 3
    for i in range(2):
        sel = [
            (t, k - i * n_pre)
            for t, k in zip(batch.times, batch.indices, strict=True)
            if i * n_pre <= k < (i + 1) * n_pre
        ]
        one = simulate(
            SpikingFeedForward(n_pre=n_pre, neuron=neuron, w0=w0),
            rule,
            SpikeTrains(times=tuple(t for t, _ in sel), indices=tuple(k for _, k in sel)),
            **kw,
        )
        np.testing.assert_array_equal(both.w.values[:, i], one.w.values[:, 0])
        np.testing.assert_array_equal(both.v.values[:, i], one.v.values[:, 0])
