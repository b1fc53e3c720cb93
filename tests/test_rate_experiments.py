"""The rate-rule experiments: quick runs whose metrics are checked against their closed forms,
and one full write through the result store."""

from __future__ import annotations

import json

import numpy as np

from hebbkit import store
from hebbkit._progress import Progress
from hebbkit.experiments import get_experiment
from tolerances import (
    BCM_FIXED_POINT_REL,
    OJA_COS_E1,
    OJA_NORM_REL,
    SAME_ALGORITHM_F64,
    SANGER_COS,
    STANDARD_ERRORS,
    STEADY_STATE_ABS,
)


def _run(name, **changes):
    exp = get_experiment(name)
    cfg = exp.config(quick=True, **changes)
    return exp.run(cfg, Progress())


def test_oja_pca_metrics():
    m = _run("oja-pca").metrics
    assert m["oja"]["cos_min"] >= OJA_COS_E1
    assert abs(m["oja"]["norm_min"] - 1.0) <= OJA_NORM_REL
    assert abs(m["oja"]["norm_max"] - 1.0) <= OJA_NORM_REL
    assert m["sanger"]["cos_min"] >= SANGER_COS
    assert m["subspace"]["cos_min"] >= OJA_COS_E1
    assert m["subspace"]["orthonormality_error"] <= 2 * OJA_NORM_REL


def test_bcm_selectivity_metrics():
    m = _run("bcm-selectivity").metrics
    assert m["all_selective"]
    assert m["max_relative_error"] <= BCM_FIXED_POINT_REL
    assert m["max_other_response"] <= BCM_FIXED_POINT_REL * m["fixed_point_K_nu0"]


def test_hebb_bounds_match_closed_forms():
    m = _run("hebb-bounds", t_stop=20.0).metrics
    # the Euler map's closed forms are exact up to rounding accumulated over 2e4 steps
    for name, error in m["max_error_vs_closed_form"].items():
        assert error <= 1e3 * SAME_ALGORITHM_F64 * 20.0, name
    np.testing.assert_allclose(
        m["soft_decay_w_final"], m["soft_decay_w_star"], atol=STEADY_STATE_ABS
    )
    assert m["hard_bound_final"] == [1.0, 1.0, 1.0]


def test_covariance_signs_and_slope():
    m = _run("covariance").metrics
    assert m["sign_agreement"] == 1.0
    # slope of dw against rho vs gamma sigma^2 T: the sample covariance of 5e3 samples has a
    # relative standard error of about sqrt(2/5e3) = 2%
    assert abs(m["slope_ratio"] - 1.0) <= STANDARD_ERRORS * np.sqrt(2 / 5e3)


def test_experiment_writes_data_figures_and_metrics(tmp_path):
    result = _run("hebb-bounds")
    out = store.write_result(result, tmp_path / "out", {"experiment": "hebb-bounds", "seed": 0})
    names = {p.name for p in out.iterdir()}
    assert {"bounds.nc", "bounds.png", "metrics.json", "provenance.json"} <= names
    ds = store.load(out / "bounds.nc")
    assert ds.w.attrs["units"] == "1" and ds.time.attrs["units"] == "s"
    assert json.loads((out / "metrics.json").read_text())["hard_bound_final"] == [1.0, 1.0, 1.0]


def test_bcm_run_batch_equals_single_runs():
    exp = get_experiment("bcm-selectivity")
    cfgs = [
        exp.config(samples=5000, seed=s, rule={"eta": e}) for s, e in [(0, 0.2), (1, 0.3), (2, 0.2)]
    ]
    batch = exp.run_batch(cfgs, Progress())
    for cfg, result in zip(cfgs, batch, strict=True):
        single = exp.run(cfg, Progress()).metrics
        np.testing.assert_allclose(
            result.metrics["preferred_response"],
            single["preferred_response"],
            rtol=0,
            atol=SAME_ALGORITHM_F64,
        )
        np.testing.assert_allclose(
            result.metrics["theta_final"], single["theta_final"], rtol=0, atol=SAME_ALGORITHM_F64
        )
