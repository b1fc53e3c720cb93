"""Classic spike-timing plasticity experiments: the STDP window (Bi & Poo 1998), weight
distributions under additive and multiplicative STDP (Song, Miller & Abbott 2000), the
frequency dependence of pairing with triplet STDP (Pfister & Gerstner 2006, data of Sjostrom,
Turrigiano & Nelson 2001) and with voltage STDP (Clopath et al. 2010)."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import pydantic
import xarray as xr
from pydantic import Field

from .. import protocols as P
from .._progress import Progress
from ..engine import Record, simulate
from ..networks.spiking import SpikingFeedForward
from ..neurons.spiking import LIF, PoissonInput
from ..plots.spike import frequency_figure, histograms_figure, window_figure
from ..rules.spike import PairSTDP, TripletSTDP, VoltageSTDP
from .base import Experiment, ExperimentConfig, Result

# Sjostrom, Turrigiano & Nelson 2001 (Neuron 32:1149), 60 pairings at +-10 ms in layer-5
# visual cortex, as tabulated for the triplet fits of Pfister & Gerstner 2006 (the data of
# their pairing-frequency figure): frequency (Hz), dw pre-post (+10 ms), s.e.m., dw post-pre
# (-10 ms), s.e.m.
SJOSTROM_2001 = np.array(
    [
        [0.1, -0.04, 0.05, -0.29, 0.08],
        [10.0, 0.14, 0.10, -0.41, 0.11],
        [20.0, 0.29, 0.14, -0.34, 0.10],
        [40.0, 0.53, 0.11, 0.56, 0.32],
        [50.0, 0.56, 0.26, 0.75, 0.19],
    ]
)
PFISTER_SETS = {
    "all_to_all_full": "visual_cortex_all_to_all_full",
    "all_to_all_minimal": "visual_cortex_all_to_all_minimal",
    "nearest_full": "visual_cortex_nearest_full",
    "nearest_minimal": "visual_cortex_nearest_minimal",
}


class PairRuleConfig(pydantic.BaseModel):
    """Pair STDP parameters (see ``hebbkit.rules.spike.PairSTDP``)."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    A_plus: Annotated[float, Field(gt=0, description="potentiation per pairing at zero lag, 1")] = (
        0.777 / 60
    )
    A_minus: Annotated[float, Field(gt=0, description="depression per pairing at zero lag, 1")] = (
        0.273 / 60
    )
    tau_plus: Annotated[float, Field(gt=0, description="potentiation time constant, s")] = 0.0168
    tau_minus: Annotated[float, Field(gt=0, description="depression time constant, s")] = 0.0337
    scheme: Annotated[
        Literal["all_to_all", "nearest_symmetric", "nearest_presynaptic", "nearest_restricted"],
        Field(description="spike interaction scheme (Morrison et al. 2008)"),
    ] = "all_to_all"


class StdpWindowConfig(ExperimentConfig):
    """Experiment ``stdp-window``: ``n_pairs`` pairings at ``frequency`` for each of ``n_lags``
    lags in [-lag_max, lag_max], pair STDP with the Bi & Poo 2001 fit (``rule``)."""

    rule: PairRuleConfig = PairRuleConfig()
    n_pairs: Annotated[int, Field(ge=1, description="pairings per lag, 1")] = 60
    frequency: Annotated[float, Field(gt=0, description="pairing frequency, Hz")] = 1.0
    lag_max: Annotated[float, Field(gt=0, description="largest |lag|, s")] = 0.1
    n_lags: Annotated[int, Field(ge=3, description="number of lags, 1")] = 41
    dt: Annotated[float, Field(gt=0, description="time step of the clock-driven evaluation, s")] = (
        1e-4
    )


def run_stdp_window(config: StdpWindowConfig, progress: Progress) -> Result:
    """Bi & Poo 1998 (J. Neurosci. 18:10464): 60 pairings at 1 Hz against the lag. The
    default amplitudes are the fit of Bi & Poo 2001 (Annu. Rev. Neurosci. 24:139), +77.7% and
    -27.3% after 60 pairings with tau = 16.8 and 33.7 ms, divided by 60 pairings."""
    c = config.rule
    rule = PairSTDP(
        A_plus=c.A_plus,
        A_minus=c.A_minus,
        tau_plus=c.tau_plus,
        tau_minus=c.tau_minus,
        scheme=c.scheme,
        w_min=0.0,
        w_max=3.0,
    )
    n_lags = 9 if config.quick else config.n_lags
    lags = np.linspace(-config.lag_max, config.lag_max, n_lags)
    kw = dict(n_pairs=config.n_pairs, frequency=config.frequency, w0=1.0, backend=config.backend)
    event = P.stdp_window(rule, lags, **kw)  # type: ignore[arg-type]
    clock = P.stdp_window(rule, lags, method="clock", dt=config.dt, **kw)  # type: ignore[arg-type]
    closed = np.array(
        [P.pairing_closed_form(rule, config.n_pairs, config.frequency, float(x)) for x in lags]
    )
    at = {
        d: P.pairing(rule, config.n_pairs, config.frequency, d, w0=1.0, backend=config.backend)
        for d in (0.01, -0.01)
    }
    ds = xr.Dataset(
        {
            "dw_event": ("lag", event, {"units": "1"}),
            "dw_clock": ("lag", clock, {"units": "1"}),
            "dw_closed_form": ("lag", closed, {"units": "1"}),
        },
        coords={"lag": ("lag", lags, {"units": "s"})},
    )
    fig = window_figure(
        lags * 1e3,
        {"event-driven": event, f"clock-driven dt={config.dt} s": clock, "closed form": closed},
        title=f"{config.n_pairs} pairings at {config.frequency} Hz ({c.scheme})",
    )
    metrics = {
        "lag_ms": (lags * 1e3).tolist(),
        "dw": event.tolist(),
        "dw_at_plus10ms": at[0.01],
        "dw_at_minus10ms": at[-0.01],
        "closed_form_max_abs_err": float(np.max(np.abs(event - closed))),
        "clock_max_abs_err": float(np.max(np.abs(clock - event))),
    }
    return Result(data={"stdp_window": ds}, figures={"stdp_window": fig}, metrics=metrics)


class Pfister2006Config(ExperimentConfig):
    """Experiment ``pfister2006``: ``n_pairs`` pairings at +-``delay`` at each pairing
    frequency, triplet STDP with the four visual-cortex sets of Pfister & Gerstner 2006,
    Table 3."""

    frequencies: Annotated[tuple[float, ...], Field(description="pairing frequencies, Hz")] = (
        0.1,
        1,
        2,
        5,
        10,
        15,
        20,
        25,
        30,
        35,
        40,
        45,
        50,
    )
    n_pairs: Annotated[int, Field(ge=1, description="pairings, 1")] = 60
    delay: Annotated[float, Field(gt=0, description="|t_post - t_pre|, s")] = 0.01


def run_pfister2006(config: Pfister2006Config, progress: Progress) -> Result:
    """Pfister & Gerstner 2006 (J. Neurosci. 26:9673), their pairing-frequency figure: dw after
    60 pairings at +-10 ms against frequency, for the four visual-cortex parameter sets of their
    Table 3, on the Sjostrom 2001 data."""
    freqs = np.unique(np.concatenate([config.frequencies, SJOSTROM_2001[:, 0]]))
    if config.quick:
        freqs = SJOSTROM_2001[:, 0]
    metrics: dict[str, object] = {}
    curves = {}
    pre_post, post_pre = [], []
    for name, preset in progress.track(PFISTER_SETS.items(), "triplet parameter sets", 4):
        rule = TripletSTDP.preset(preset, w_min=-10.0, w_max=10.0)
        pp = np.array(
            [
                P.pairing(
                    rule, config.n_pairs, float(f), config.delay, w0=0.0, backend=config.backend
                )
                for f in freqs
            ]
        )
        pm = np.array(
            [
                P.pairing(
                    rule, config.n_pairs, float(f), -config.delay, w0=0.0, backend=config.backend
                )
                for f in freqs
            ]
        )
        at = np.searchsorted(freqs, SJOSTROM_2001[:, 0])
        d = SJOSTROM_2001
        chi2 = np.mean(
            np.concatenate(
                [((pp[at] - d[:, 1]) / d[:, 2]) ** 2, ((pm[at] - d[:, 3]) / d[:, 4]) ** 2]
            )
        )
        metrics[name] = {
            "frequency_hz": freqs.tolist(),
            "dw_pre_post": pp.tolist(),
            "dw_post_pre": pm.tolist(),
            "chi2_sjostrom": float(chi2),
            "preset": preset,
        }
        curves[name] = (pp, pm)
        pre_post.append(pp)
        post_pre.append(pm)
    metrics["sjostrom_2001"] = {
        "frequency_hz": SJOSTROM_2001[:, 0].tolist(),
        "dw_pre_post": SJOSTROM_2001[:, 1].tolist(),
        "sem_pre_post": SJOSTROM_2001[:, 2].tolist(),
        "dw_post_pre": SJOSTROM_2001[:, 3].tolist(),
        "sem_post_pre": SJOSTROM_2001[:, 4].tolist(),
    }
    ds = xr.Dataset(
        {
            "dw_pre_post": (("parameter_set", "frequency"), np.array(pre_post), {"units": "1"}),
            "dw_post_pre": (("parameter_set", "frequency"), np.array(post_pre), {"units": "1"}),
            "data_dw_pre_post": ("data_frequency", SJOSTROM_2001[:, 1], {"units": "1"}),
            "data_sem_pre_post": ("data_frequency", SJOSTROM_2001[:, 2], {"units": "1"}),
            "data_dw_post_pre": ("data_frequency", SJOSTROM_2001[:, 3], {"units": "1"}),
            "data_sem_post_pre": ("data_frequency", SJOSTROM_2001[:, 4], {"units": "1"}),
        },
        coords={
            "parameter_set": list(PFISTER_SETS),
            "frequency": ("frequency", freqs, {"units": "Hz"}),
            "data_frequency": ("data_frequency", SJOSTROM_2001[:, 0], {"units": "Hz"}),
        },
    )
    fig = frequency_figure(
        freqs,
        curves,
        data=SJOSTROM_2001.T,
        title="Triplet STDP, 60 pairings (Pfister & Gerstner 2006)",
    )
    return Result(data={"pfister2006": ds}, figures={"pfister2006": fig}, metrics=metrics)


class Song2000Config(ExperimentConfig):
    """Experiment ``song2000``: ``n_inputs`` Poisson inputs at ``rate`` onto one conductance
    LIF, additive and multiplicative pair STDP with A_minus tau_minus = ratio A_plus tau_plus
    (Song, Miller & Abbott 2000)."""

    n_inputs: Annotated[int, Field(ge=1, description="Poisson inputs, 1")] = 1000
    rate: Annotated[float, Field(gt=0, description="input rate, Hz")] = 14.0
    t_stop: Annotated[float, Field(gt=0, description="simulated time, s")] = 3000.0
    g_max: Annotated[
        float, Field(gt=0, description="largest weight, in units of the leak conductance")
    ] = 0.01
    A_plus: Annotated[
        float, Field(gt=0, description="potentiation per pair, in units of g_max")
    ] = 0.005
    ratio: Annotated[float, Field(gt=0, description="A_minus tau_minus / (A_plus tau_plus), 1")] = (
        1.05
    )
    tau: Annotated[float, Field(gt=0, description="tau_plus = tau_minus, s")] = 0.020
    dt: Annotated[float, Field(gt=0, description="time step, s")] = 1e-4
    n_records: Annotated[int, Field(ge=2, description="weight snapshots, 1")] = 30


def run_song2000(config: Song2000Config, progress: Progress) -> Result:
    """Song, Miller & Abbott 2000 (Nat. Neurosci. 3:919), the weight distributions: additive STDP
    with A_minus tau_minus slightly larger than A_plus tau_plus drives the weights of a conductance
    LIF to the two bounds; the multiplicative rule (Guetig's mu = 1: potentiation prop. to
    g_max - w, depression to w) gives one peak instead. Initial weights U(0, g_max)."""
    t_stop = 600.0 if config.quick else config.t_stop
    gmax = config.g_max
    net = SpikingFeedForward(n_pre=config.n_inputs, neuron=LIF(), w_init=(0.0, gmax))
    every = t_stop / config.n_records
    out, metrics, series = {}, {}, {}
    for label, mu in progress.track(
        (("additive", 0.0), ("multiplicative", 1.0)), "song2000 runs", 2
    ):
        rule = PairSTDP(
            A_plus=config.A_plus * gmax,
            A_minus=config.ratio * config.A_plus * gmax,
            tau_plus=config.tau,
            tau_minus=config.tau,
            w_min=0.0,
            w_max=gmax,
            mu=mu,
        )
        ds = simulate(
            net,
            rule,
            PoissonInput(rate=config.rate),
            t_stop=t_stop,
            dt=config.dt,
            record=Record(every=every, vars=("w", "spike_count")),
            backend=config.backend,
            seed=config.seed,
        )
        w = ds.w_final.values[0] / gmax
        counts = ds.spike_count.values[:, 0]
        rate = float((counts[-1] - counts[len(counts) // 2 - 1]) / (t_stop / 2))
        metrics[label] = {
            "frac_above_0.9gmax": float(np.mean(w > 0.9)),
            "frac_below_0.1gmax": float(np.mean(w < 0.1)),
            "w_mean_over_gmax": float(w.mean()),
            "w_std_over_gmax": float(w.std()),
            "post_rate_hz": rate,
        }
        # the initial weights as the first snapshot, so the histogram starts at t = 0
        series[label] = np.vstack([net.initial_weights(config.seed)[:1], ds.w.values[:, 0, :]])
        out[label] = ds
    data = xr.Dataset(
        {
            "w": (
                ("rule", "time", "pre"),
                np.stack([series["additive"], series["multiplicative"]]),
                {"units": "1"},
            ),
            "spike_count": (
                ("rule", "time"),
                np.stack(
                    [
                        np.r_[0.0, out[k].spike_count.values[:, 0]]
                        for k in ("additive", "multiplicative")
                    ]
                ),
                {"units": "1"},
            ),
        },
        coords={
            "rule": ["additive", "multiplicative"],
            "time": ("time", np.r_[0.0, out["additive"].time.values], {"units": "s"}),
        },
    )
    fig = histograms_figure(data.time.values, series, w_max=gmax)
    return Result(data={"song2000": data}, figures={"song2000": fig}, metrics=metrics)


class Clopath2010Config(ExperimentConfig):
    """Experiment ``clopath2010``: ``n_bursts`` bursts of ``n_pairs`` pairings at +-``delay``
    at each pairing frequency, voltage STDP on an AdEx neuron (Clopath et al. 2010)."""

    frequencies: Annotated[tuple[float, ...], Field(description="pairing frequencies, Hz")] = (
        0.1,
        1,
        5,
        10,
        15,
        20,
        25,
        30,
        35,
        40,
        45,
        50,
    )
    n_pairs: Annotated[int, Field(ge=1, description="pairings per burst, 1")] = 5
    n_bursts: Annotated[int, Field(ge=1, description="bursts, 10 s apart, 1")] = 15
    n_bursts_at_0_1_hz: Annotated[
        int, Field(ge=1, description="bursts when pairing at 0.1 Hz, 1 (authors' code: 10)")
    ] = 10
    delay: Annotated[float, Field(gt=0, description="|t_post - t_pre|, s")] = 0.01
    dt: Annotated[float, Field(gt=0, description="time step, s")] = 1e-4
    filter_delay: Annotated[
        float,
        Field(ge=0, description="delay of u seen by the filters, s (authors' code: 3 ms)"),
    ] = 0.003
    w0: Annotated[
        float, Field(gt=0, description="initial weight, 1 (authors' code: 0.5); % is 100 w / w0")
    ] = 0.5


def run_clopath2010(config: Clopath2010Config, progress: Progress) -> Result:
    """Clopath et al. 2010 (Nat. Neurosci. 13:344), Fig. 2b: voltage STDP on an AdEx neuron,
    weight after 15 bursts of 5 pairings at +-10 ms against the pairing frequency (the
    Sjostrom et al. 2001 protocol). Post-pre pairing depresses at low frequency and
    potentiates at high frequency; ``post_pre_ltd_to_ltp_hz`` is where it crosses 100%.

    The protocol follows the authors' own simulation (ModelDB 144566, ``VoTri.m`` and
    ``FrequencyDependence.m``), which the paper's figure came from: the filters u_minus and
    u_plus are read 3 ms late, the weight starts at w0 = 0.5 and is reported as 100 w / w0
    (the rule is additive, so the change in % is 200 dw), and 0.1 Hz pairing has 10 bursts
    (50 pairings) instead of 15."""
    rule = VoltageSTDP(w_min=-100.0, w_max=100.0, filter_delay=config.filter_delay)
    freqs = np.asarray(config.frequencies, dtype=np.float64)
    if config.quick:
        freqs = np.array([0.1, 10.0, 20.0, 30.0, 40.0, 50.0])
    pp: list[float] = []
    pm: list[float] = []
    for f in progress.track(freqs, "pairing frequencies", len(freqs)):
        for out, lag in ((pp, config.delay), (pm, -config.delay)):
            dw = P.voltage_pairing(
                rule,
                config.n_pairs,
                float(f),
                lag,
                n_bursts=config.n_bursts_at_0_1_hz if f == 0.1 else config.n_bursts,
                dt=config.dt,
                w0=config.w0,
                backend=config.backend,
            )
            out.append(100.0 * (1.0 + dw / config.w0))
    pre_post, post_pre = np.array(pp), np.array(pm)
    metrics = {
        "frequency_hz": freqs.tolist(),
        "w_pre_post_percent": pre_post.tolist(),
        "w_post_pre_percent": post_pre.tolist(),
        "post_pre_ltd_to_ltp_hz": _crossing(freqs, post_pre - 100.0),
    }
    d = SJOSTROM_2001
    if np.all(np.isin(d[:, 0], freqs)):
        at = np.searchsorted(freqs, d[:, 0])
        err = np.concatenate(
            [
                (pre_post[at] / 100 - 1 - d[:, 1]) / d[:, 2],
                (post_pre[at] / 100 - 1 - d[:, 3]) / d[:, 4],
            ]
        )
        metrics["chi2_sjostrom"] = float(np.mean(err**2))
    ds = xr.Dataset(
        {
            "w_pre_post": ("frequency", pre_post, {"units": "%"}),
            "w_post_pre": ("frequency", post_pre, {"units": "%"}),
        },
        coords={"frequency": ("frequency", freqs, {"units": "Hz"})},
    )
    d = SJOSTROM_2001
    data = (d[:, 0], 100 * (1 + d[:, 1]), 100 * d[:, 2], 100 * (1 + d[:, 3]), 100 * d[:, 4])
    fig = frequency_figure(
        freqs,
        {"voltage STDP": (pre_post, post_pre)},
        data=data,
        ylabel="weight (% of initial)",
        title="Voltage STDP on AdEx, authors' protocol (Clopath et al. 2010, Fig 2b)",
    )
    return Result(data={"clopath2010": ds}, figures={"clopath2010": fig}, metrics=metrics)


def _crossing(x: np.ndarray, y: np.ndarray) -> float | None:
    """The first x where y turns from negative to non-negative (linear interpolation)."""
    for i in range(1, len(x)):
        if y[i - 1] < 0 <= y[i]:
            return float(x[i - 1] + (x[i] - x[i - 1]) * -y[i - 1] / (y[i] - y[i - 1]))
    return None


EXPERIMENTS = {
    "stdp-window": Experiment(
        "stdp-window",
        "STDP window from simulated pairings, against its closed form",
        StdpWindowConfig,
        run_stdp_window,
        paper="Bi & Poo 1998, J. Neurosci. 18:10464",
    ),
    "pfister2006": Experiment(
        "pfister2006",
        "Triplet STDP: weight change against pairing frequency, Sjostrom data",
        Pfister2006Config,
        run_pfister2006,
        paper="Pfister & Gerstner 2006, J. Neurosci. 26:9673",
    ),
    "song2000": Experiment(
        "song2000",
        "Additive vs multiplicative STDP: bimodal vs unimodal weights",
        Song2000Config,
        run_song2000,
        paper="Song, Miller & Abbott 2000, Nat. Neurosci. 3:919",
    ),
    "clopath2010": Experiment(
        "clopath2010",
        "Voltage STDP on an AdEx neuron: weight change against pairing frequency",
        Clopath2010Config,
        run_clopath2010,
        paper="Clopath, Buesing, Vasilaki & Gerstner 2010, Nat. Neurosci. 13:344",
    ),
}
