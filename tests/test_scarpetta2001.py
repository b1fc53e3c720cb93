"""The reproduction `hebbkit reproduce scarpetta2001`: every acceptance number of issue 4."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from hebbkit import config as cfg
from hebbkit.cli import app
from hebbkit.errors import ConfigError
from hebbkit.experiments import get_experiment
from hebbkit.experiments.scarpetta2001 import derived
from tolerances import (
    ANGLE_DEG,
    FREQUENCY_SELECTIVITY,
    LINEAR_ALGEBRA,
    LINEAR_VS_EQ10,
    LINEAR_VS_EQ10_QUICK,
    OFF_RESONANCE_FRACTION,
    PEAK_OFFSET_HZ,
    TIME_DOMAIN_VS_CLOSED_FORM,
)

EXP = get_experiment("scarpetta2001")


@pytest.fixture(scope="module")
def metrics():
    return EXP.run(cfg.build(EXP.config, {"quick": True}), _silent()).metrics


def _silent():
    from hebbkit._progress import Progress

    return Progress()


def test_required_metric_keys_are_present(metrics):
    required = {
        "fig2a": [
            "imprint_hz",
            "peak_hz_analytic",
            "peak_hz_linear",
            "peak_hz_nonlinear",
            "fwhm_hz_analytic",
            "max_rel_err_linear_vs_analytic",
            "amp_ratio_20hz_to_peak",
            "amp_ratio_60hz_to_peak",
        ],
        "fig2b": ["overlap", "amp_linear", "amp_nonlinear"],
        "fig2c": ["input_deg", "output_deg_linear", "output_deg_nonlinear"],
        "fig3": [
            "ratio_xi1_41_over_xi1_63",
            "ratio_xi2_63_over_xi1_63",
            "mixture_63hz_overlap_xi2",
            "mixture_41hz_overlap_xi1",
        ],
        "learning": ["max_rel_err_time_domain_vs_closed_form"],
    }
    for fig, keys in required.items():
        assert set(keys) <= set(metrics[fig]), fig
    assert all("unit" in p and "source" in p for p in metrics["params"].values())
    json.dumps(metrics)


def test_derived_parameters_follow_fig3():
    d = derived(EXP.config().model)
    # 41^2 (1 - 0.1 J0) = 63^2 (1 - 1.1 J0) with a1 in ms: J0 = 0.545/ms.
    assert d["J0"] == pytest.approx(545.05, abs=0.01)
    assert d["intrinsic_hz"] == pytest.approx(39.866, abs=0.001)


def test_fig2a_frequency_tuning(metrics):
    m = metrics["fig2a"]
    assert abs(m["peak_hz_analytic"] - 41.0) < PEAK_OFFSET_HZ
    assert abs(m["peak_hz_linear"] - 41.0) < PEAK_OFFSET_HZ
    assert m["amp_ratio_20hz_to_peak"] < OFF_RESONANCE_FRACTION
    assert m["amp_ratio_60hz_to_peak"] < OFF_RESONANCE_FRACTION
    assert m["amp_ratio_20hz_to_peak_linear"] < OFF_RESONANCE_FRACTION
    assert m["amp_ratio_60hz_to_peak_linear"] < OFF_RESONANCE_FRACTION
    # --quick settles the linear runs 1.5 s: transient exp(-7.5 * 1.5) = 1e-5 of the response.
    assert m["max_rel_err_linear_vs_analytic"] < LINEAR_VS_EQ10_QUICK


def test_fig2b_linear_follows_overlap_and_nonlinear_saturates(metrics):
    m = metrics["fig2b"]
    ov, lin, nl, an = (
        np.array(m[k]) for k in ("overlap", "amp_linear", "amp_nonlinear", "amp_eq10")
    )
    assert np.max(np.abs(lin - an) / an) < LINEAR_VS_EQ10_QUICK
    full = lin[ov == 1.0].mean()
    # Linear theory: the stored component is amplified ~ overlap, the rest barely.
    assert np.all(np.abs(lin[ov >= 0.2] / full - ov[ov >= 0.2]) < 0.1)
    # The paper: nonlinear ~ linear for small overlaps, and above ~0.4-0.6 "the amplification is
    # as high as for the perfect match": at 0.6 the nonlinear response is > 80% of the full one
    # while the linear one is 60%.
    nl_full = nl[ov == 1.0].mean()
    above = ov >= 0.6
    assert np.all(nl[above] / nl_full > 0.8)
    assert np.all(lin[above] / full < 0.05 + ov[above])
    below = (ov > 0) & (ov <= 0.2)
    assert np.all(np.abs(nl[below] / lin[below] - 1) < 0.05)
    assert np.all(np.array(m["lock_fraction"]) > 0.9)


def test_fig2c_linear_output_angle_is_input_angle(metrics):
    m = metrics["fig2c"]
    assert np.max(np.abs(np.array(m["output_deg_linear"]) - np.array(m["input_deg"]))) < ANGLE_DEG


def test_fig3_frequency_selectivity(metrics):
    m = metrics["fig3"]
    assert m["ratio_xi1_41_over_xi1_63"] >= FREQUENCY_SELECTIVITY
    assert m["ratio_xi2_63_over_xi1_63"] >= FREQUENCY_SELECTIVITY
    assert m["mixture_63hz_overlap_xi2"] > 0.99
    assert m["mixture_41hz_overlap_xi1"] > 0.99


def test_learning_time_domain_equals_closed_form(metrics):
    assert (
        metrics["learning"]["max_rel_err_time_domain_vs_closed_form"] < TIME_DOMAIN_VS_CLOSED_FORM
    )


def test_cli_reproduce_writes_every_figure(tmp_path):
    out = tmp_path / "s2001"
    result = CliRunner().invoke(
        app,
        [
            "reproduce",
            "scarpetta2001",
            "--quick",
            "--out",
            str(out),
            "--set",
            "model.residual_damping=20",
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("fig2a", "fig2b", "fig2c", "fig3"):
        assert (out / f"{name}.png").stat().st_size > 0
        assert (out / f"{name}.nc").stat().st_size > 0
    written = json.loads((out / "metrics.json").read_text())
    assert written["params"]["residual_damping"]["value"] == 20.0
    # A wider residual damping widens the resonance: FWHM ~ sqrt(3) delta / (2 pi).
    assert written["fig2a"]["fwhm_hz_analytic"] == pytest.approx(
        np.sqrt(3) * 20 / (2 * np.pi), rel=0.1
    )


def test_bad_override_is_one_line_error():
    with pytest.raises(ConfigError, match=r"model\.alpha"):
        cfg.build(EXP.config, {"model": {"alpha": -1.0}})


def test_linear_vs_eq10_full_settling():
    # The full (non-quick) settling reaches the 1e-6 on Fig 2A's linear sweep.
    from hebbkit.experiments.scarpetta2001 import (
        Scarpetta2001Config,
        _fig2a,
        _networks,
        imprints_for,
        local_circuit,
    )
    from hebbkit.networks.oscillator import circular_patterns

    config = Scarpetta2001Config()
    local = local_circuit(config.model)
    xi = circular_patterns(10, 4, 1)
    imps = imprints_for(config.model, local, xi[:1], [41.0])
    linear, nonlinear = _networks(config, imps, local)
    parts = {"xi": xi, "imprints": imps, "linear": linear, "nonlinear": nonlinear}
    _, _, m = _fig2a(config.model_copy(update={"quick": True}), parts)
    assert m["max_rel_err_linear_vs_analytic"] < LINEAR_VS_EQ10_QUICK
    config = config.model_copy(update={"sim": config.sim.model_copy(update={"settle_linear": 3.0})})
    from hebbkit.experiments.scarpetta2001 import _responses

    f = np.array([38.0, 41.0, 44.0])
    r = _responses(config, linear, nonlinear, np.broadcast_to(20 * xi[0], (3, 10)), f)
    from hebbkit.networks.oscillator import eq10_response

    want = eq10_response(linear, imps, f, 20 * xi[0])
    assert np.max(np.abs(r["linear"] - want)) / np.max(np.abs(want)) < LINEAR_VS_EQ10


def test_recall_quality_matches_dense_solve():
    # The reduced (Woodbury) solve of the capacity study against the full 2N-dimensional one.
    from hebbkit.experiments.scarpetta2001 import local_circuit
    from hebbkit.networks.oscillator import (
        Imprint,
        closed_form_weights,
        eta_for_strength,
        kernel_for_resonance,
        recall_quality,
        tuned_eta_W,
    )

    model = EXP.config().model.model_copy(update={"n_units": 40})
    local = local_circuit(model)
    J0 = derived(model)["J0"]
    rng = np.random.default_rng(8)
    xi = np.exp(2j * np.pi * rng.random((3, 40))) / np.sqrt(40)
    freqs = np.array([41.0, 41.0, 55.0])
    wins = [kernel_for_resonance(f, local, J0, 40.0) for f in freqs]
    imps = []
    for x, f, w in zip(xi, freqs, wins, strict=True):
        eta = eta_for_strength(local, f, 10 / f, J0)
        imps.append(
            Imprint(
                xi=x,
                frequency=f,
                window=w,
                eta_J=eta,
                eta_W=tuned_eta_W(local, f, eta),
                duration=10 / f,
            )
        )
    net = local.with_weights(*closed_form_weights(local, imps))
    stable, quality = recall_quality(
        local.alpha, float(local.beta), float(local.gamma), xi, freqs, J0, wins
    )
    assert stable == bool(net.eigenvalues().real.max() < 0)
    u = net.response(freqs, xi)
    want = np.abs(np.sum(xi.conj() * u, axis=1)) / np.linalg.norm(u, axis=1)
    np.testing.assert_allclose(quality, want, rtol=LINEAR_ALGEBRA)
