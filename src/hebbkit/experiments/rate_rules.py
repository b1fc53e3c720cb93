"""The rate-rule experiments of the essay seed: PCA by Oja-type rules, BCM selectivity, the
bounds that stop plain Hebb from running away, and the covariance rule."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pydantic
import xarray as xr
from pydantic import Field

from .._progress import Progress
from ..drives import ArrayDrive, ConstantRates, DataDrive, GaussianDrive
from ..engine import Record, simulate
from ..networks.feedforward import FeedForward
from ..neurons.rate import Linear
from ..plots.rate import bcm_figure, bounds_figure, covariance_figure, norms_figure, pca_figure
from ..rules import rate as R
from .base import Experiment, ExperimentConfig, Result

Pos = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Model(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- oja-pca
class PCAConfig(ExperimentConfig):
    """Oja, Oja's subspace rule and Sanger's rule on Gaussian data of known covariance."""

    n_pre: int = Field(256, gt=1, description="input dimension")
    k: int = Field(4, gt=0, le=16, description="components learnt (output units)")
    lambda_top: Pos = Field(8.0, description="largest eigenvalue of the covariance, Hz^2")
    lambda_k: Pos = Field(2.0, description="k-th eigenvalue (top k linearly spaced), Hz^2")
    lambda_rest: Pos = Field(0.05, description="the remaining eigenvalues, Hz^2")
    gamma: Pos = Field(0.03, description="learning rate of the three rules, 1/(s Hz^2)")
    t_stop: Pos = Field(600.0, description="simulated time, s (one sample per step)")
    dt: Pos = Field(0.01, description="time step, s")
    record_every: Pos = Field(5.0, description="recording interval, s")


def covariance_with_known_eigenvectors(cfg: PCAConfig) -> tuple[np.ndarray, np.ndarray]:
    """C = Q diag(lambda) Q^T with a seeded random orthogonal Q; returns (C, Q)."""
    n, k = cfg.n_pre, min(cfg.k, cfg.n_pre - 1)
    lam = np.full(n, cfg.lambda_rest)
    lam[:k] = np.linspace(cfg.lambda_top, cfg.lambda_k, k)
    q, _ = np.linalg.qr(np.random.default_rng([cfg.seed, 99]).standard_normal((n, n)))
    return (q * lam) @ q.T, q


def run_pca(cfg: PCAConfig, progress: Progress) -> Result:
    """Experiment ``oja-pca``: Oja's rule, dw_ij/dt = gamma (nu_i nu_j - w_ij nu_i^2) (Oja 1982,
    J. Math. Biol. 15:267, eq. 3), Oja's subspace rule, gamma nu_i (nu_j - sum_k w_kj nu_k) (Oja
    1989, Int. J. Neural Syst. 1:61, eq. 9), and Sanger's rule, gamma nu_i (nu_j - sum_{k<=i}
    w_kj nu_k) (Sanger 1989, Neural Networks 2:459, eq. 3), on the same Gaussian samples of
    covariance C = Q diag(lambda) Q^T. Metrics: |cos| of each row to its target eigenvector (for
    the subspace rule, the fraction of the row inside the top-k span) and the row norms, which
    converge to 1. ``--quick``: n_pre <= 32 and 300 s."""
    if cfg.quick:
        cfg = cfg.model_copy(update={"n_pre": min(cfg.n_pre, 32), "t_stop": 300.0})
    cov, q = covariance_with_known_eigenvectors(cfg)
    net = FeedForward(cfg.n_pre, cfg.k, Linear(), w_std=1.0 / np.sqrt(cfg.n_pre))
    # drawn once and replayed to the three rules: the same samples a GaussianDrive gives
    n_steps = round(cfg.t_stop / cfg.dt)
    drive = DataDrive(
        GaussianDrive(cov).pre_rates(0, n_steps, cfg.n_pre, cfg.seed, 1, "float64")[0]
    )
    record = Record(every=cfg.record_every, vars=("w",))
    rules = {
        "oja": R.Oja(cfg.gamma),
        "sanger": R.Sanger(cfg.gamma),
        "subspace": R.OjaSubspace(cfg.gamma),
    }
    data, cos, norms, metrics = {}, {}, {}, {}
    top = q[:, : cfg.k]
    for name, rule in progress.track(rules.items(), "oja-pca", total=len(rules)):
        ds = simulate(
            net,
            rule,
            drive,
            t_stop=cfg.t_stop,
            dt=cfg.dt,
            record=record,
            backend=cfg.backend,
            seed=cfg.seed,
        )
        w = ds.w.values  # (time, unit, pre)
        size = np.linalg.norm(w, axis=2)
        if name == "oja":
            target = np.abs(w @ q[:, 0]) / size
        elif name == "sanger":
            target = np.abs(np.einsum("tij,ji->ti", w, top)) / size
        else:
            target = np.linalg.norm(w @ top, axis=2) / size  # energy inside the top-k span
        cos[name], norms[name] = target, size
        ds["target_cos"] = xr.Variable(("time", "post"), target, {"units": "1"})
        data[name] = ds
        metrics[name] = {
            "cos_min": float(target[-1].min()),
            "cos": target[-1].tolist(),
            "norm_min": float(size[-1].min()),
            "norm_max": float(size[-1].max()),
        }
    wf = data["subspace"].w_final.values
    metrics["subspace"]["orthonormality_error"] = float(np.abs(wf @ wf.T - np.eye(cfg.k)).max())
    metrics["eigenvalues_top"] = np.linspace(cfg.lambda_top, cfg.lambda_k, cfg.k).tolist()
    time = data["oja"].time.values
    figures = {
        "cosines": pca_figure(
            time,
            {
                "Oja: e1": cos["oja"],
                "Sanger: e_i": cos["sanger"],
                "subspace: in span(e_1..e_k)": cos["subspace"],
            },
            0.99,
        ),
        "norms": norms_figure(time, norms),
    }
    return Result(data=data, figures=figures, metrics=metrics)


# --------------------------------------------------------------------------- bcm-selectivity
class BCMRuleConfig(_Model):
    """BCM parameters (``hebbkit.rules.rate.BCM``)."""

    eta: Annotated[float, Field(gt=0, description="learning rate, 1/(s Hz^3)")] = 0.2
    nu0: Annotated[float, Field(gt=0, description="threshold scale nu_0, Hz")] = 1.0
    tau_theta: Annotated[float, Field(gt=0, description="threshold time constant, s")] = 0.05


class BCMConfig(ExperimentConfig):
    """K block prototypes plus noise, one sample per step, linear units."""

    prototypes: int = Field(4, gt=1, le=32, description="number of prototypes K")
    block: int = Field(4, gt=0, description="active inputs per prototype (rate 1 Hz)")
    n_post: int = Field(8, gt=0, description="output units")
    noise: float = Field(0.05, ge=0, description="input noise standard deviation, Hz")
    samples: int = Field(50_000, gt=0, description="number of samples (steps)")
    dt: Pos = Field(1e-3, description="time per sample, s")
    rule: BCMRuleConfig = BCMRuleConfig()


def _bcm_inputs(cfg: BCMConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prototypes (K, n_pre), samples (n, n_pre), initial weights (n_post, n_pre)) of ``cfg``."""
    k = cfg.prototypes
    protos = np.kron(np.eye(k), np.ones(cfg.block))
    rng = np.random.default_rng([cfg.seed, 7])
    labels = rng.integers(0, k, cfg.samples)
    data = protos[labels] + cfg.noise * rng.standard_normal((cfg.samples, protos.shape[1]))
    net = FeedForward(protos.shape[1], cfg.n_post, Linear(), w_mean=0.1, w_std=0.05)
    return protos, data, net.initial_weights(cfg.seed, 1)[0]


def _bcm_simulate(cfgs: list[BCMConfig], data: np.ndarray, w0: np.ndarray) -> xr.Dataset:
    """One batched run of ``cfgs`` (same sizes): data (B, n, n_pre), w0 (B, n_post, n_pre)."""
    first = cfgs[0]
    net = FeedForward(w0.shape[2], w0.shape[1], Linear(), weights=w0, batch=len(cfgs))
    rules = [R.BCM(eta=c.rule.eta, nu0=c.rule.nu0, tau_theta=c.rule.tau_theta) for c in cfgs]
    t_stop = first.samples * first.dt
    every = t_stop / 100 if first.samples % 100 == 0 else first.dt
    return simulate(
        net,
        rules,
        ArrayDrive(data),
        t_stop=t_stop,
        dt=first.dt,
        backend=first.backend,
        seed=first.seed,
        record=Record(every=every, vars=("w", "theta")),
    )


def _bcm_result(cfg: BCMConfig, ds: xr.Dataset, protos: np.ndarray) -> Result:
    k = cfg.prototypes
    responses = np.einsum("kj,tij->tki", protos, ds.w.values)  # (time, prototype, output)
    ds["response"] = xr.Variable(("time", "prototype", "post"), responses, {"units": "Hz"})
    late = responses[len(responses) // 2 :].mean(axis=0)
    preferred = late.max(axis=0)
    fixed_point = k * cfg.rule.nu0
    selectivity = 1.0 - late.mean(axis=0) / preferred
    metrics = {
        "fixed_point_K_nu0": fixed_point,
        "preferred_response": preferred.tolist(),
        "max_relative_error": float(np.abs(preferred / fixed_point - 1.0).max()),
        "max_other_response": float(np.abs(np.sort(late, axis=0)[:-1]).max()),
        "selectivity": selectivity.tolist(),
        "all_selective": bool(np.all(selectivity > 0.9 * (1.0 - 1.0 / k))),
        "preferred_prototype": late.argmax(axis=0).tolist(),
        "theta_final": ds.theta_final.values.tolist(),
    }
    figures = {"responses": bcm_figure(ds.time.values, responses, fixed_point)}
    return Result(data={"bcm": ds}, figures=figures, metrics=metrics)


def run_bcm(cfg: BCMConfig, progress: Progress) -> Result:
    """Experiment ``bcm-selectivity``: BCM, dw_ij/dt = eta nu_i (nu_i - theta_i) nu_j with
    tau_theta dtheta_i/dt = nu_i^2/nu0 - theta_i (Bienenstock, Cooper & Munro 1982, J. Neurosci.
    2:32; Intrator & Cooper 1992, Neural Networks 5:3), on K noisy block prototypes: each output
    ends up answering one prototype at the fixed point K nu0 and the others at 0.
    ``--quick`` changes nothing (the full run is already small)."""
    protos, data, w0 = _bcm_inputs(cfg)
    ds = _bcm_simulate([cfg], data[None], w0[None]).isel(batch=0)
    return _bcm_result(cfg, ds, protos)


def run_bcm_batch(cfgs: list[BCMConfig], progress: Progress) -> list[Result]:
    """Many configurations as batched simulations, one per group of equal sizes.

    Member m gets exactly the inputs and initial weights ``run_bcm`` would draw for its seed,
    so each result equals the single run's.
    """
    sizes = ("prototypes", "block", "n_post", "samples", "dt", "backend")
    groups: dict[tuple[object, ...], list[int]] = {}
    for index, cfg in enumerate(cfgs):
        groups.setdefault(tuple(getattr(cfg, key) for key in sizes), []).append(index)
    results: list[Result | None] = [None] * len(cfgs)
    for members in progress.track(groups.values(), "bcm-selectivity batch", total=len(groups)):
        inputs = [_bcm_inputs(cfgs[i]) for i in members]
        ds = _bcm_simulate(
            [cfgs[i] for i in members],
            np.stack([d for _, d, _ in inputs]),
            np.stack([w for _, _, w in inputs]),
        )
        for m, i in enumerate(members):
            results[i] = _bcm_result(cfgs[i], ds.isel(batch=m), inputs[m][0])
    return [r for r in results if r is not None]


# --------------------------------------------------------------------------- hebb-bounds
class BoundsConfig(ExperimentConfig):
    """Plain Hebb, hard bounds, soft bounds with decay (the essay's Fig. 7) and Hebb with decay
    (w* = c/gamma0) at clamped constant rates, run as one batch of four members."""

    pre: tuple[float, ...] = Field((0.5, 1.0, 2.0), description="presynaptic rates nu_j, Hz")
    post: float = Field(1.0, ge=0, description="postsynaptic rate nu_i, Hz")
    c11: Pos = Field(1.0, description="Hebbian rate c11, 1/(s Hz^2)")
    gamma2: Pos = Field(1.0, description="soft-bound rate gamma2 (w_max = 1), 1")
    gamma0: Pos = Field(0.5, description="decay rate gamma0, 1/s")
    w_max: Pos = Field(1.0, description="hard bound w_max, 1")
    w0: float = Field(0.1, ge=0, lt=1, description="initial weight, 1")
    t_stop: Pos = Field(10.0, description="simulated time, s")
    dt: Pos = Field(1e-3, description="time step, s")


def run_bounds(cfg: BoundsConfig, progress: Progress) -> Result:
    """Experiment ``hebb-bounds``: plain Hebb, dw/dt = c11 nu_i nu_j, grows linearly at clamped
    rates; hard bounds stop it at w_max; soft bounds with decay, dw/dt = gamma2 (1 - w) c -
    gamma0 w (c = c11 nu_i nu_j), settle at w* = gamma2 c / (gamma2 c + gamma0); Hebb with
    decay settles at c / gamma0 (the essay seed, Figs. 5-7; Gerstner & Kistler 2002, Sec. 10.2).
    The metrics compare each trajectory with the closed form of the Euler map.
    ``--quick`` changes nothing (the full run is already small)."""
    pre = np.asarray(cfg.pre)
    hebb = R.Hebb(c11=cfg.c11)
    variants = {
        "plain Hebb": hebb,
        "hard bounds": R.Composed(hebb, hard=R.HardBounds(0.0, cfg.w_max)),
        "soft bounds + decay": R.Composed(
            hebb, soft=R.SoftBounds(cfg.gamma2, 0.0, 1.0), decay=R.Decay(cfg.gamma0)
        ),
        "Hebb + decay": R.Composed(hebb, decay=R.Decay(cfg.gamma0)),
    }
    net = FeedForward(len(pre), 1, transfer=None, w_mean=cfg.w0, w_std=0.0)
    every = cfg.t_stop / 200
    ds = simulate(
        net,
        list(variants.values()),
        ConstantRates(pre=pre, post=[cfg.post]),
        t_stop=cfg.t_stop,
        dt=cfg.dt,
        backend=cfg.backend,
        seed=cfg.seed,
        record=Record(every=every, vars=("w",)),
    )
    ds = ds.assign_coords(batch=list(variants))
    t = ds.time.values[:, None]
    steps = np.rint(t / cfg.dt)
    c = cfg.c11 * cfg.post * pre[None, :]
    rate = cfg.gamma2 * c + cfg.gamma0
    w_star = cfg.gamma2 * c / rate
    # closed forms of the Euler map the engine iterates (exact for the linear drifts):
    closed = {
        "plain Hebb": cfg.w0 + c * t,
        "hard bounds": np.minimum(cfg.w0 + c * t, cfg.w_max),
        "soft bounds + decay": w_star + (cfg.w0 - w_star) * (1.0 - rate * cfg.dt) ** steps,
        "Hebb + decay": c / cfg.gamma0
        + (cfg.w0 - c / cfg.gamma0) * (1.0 - cfg.gamma0 * cfg.dt) ** steps,
    }
    weights = {name: ds.w.values[:, m, 0, :] for m, name in enumerate(variants)}
    errors = {name: float(np.abs(weights[name] - closed[name]).max()) for name in variants}
    metrics = {
        "max_error_vs_closed_form": errors,
        "soft_decay_w_star": w_star[0].tolist(),
        "soft_decay_w_final": weights["soft bounds + decay"][-1].tolist(),
        "soft_decay_continuous_time_error": float(
            np.abs(
                weights["soft bounds + decay"] - (w_star + (cfg.w0 - w_star) * np.exp(-rate * t))
            ).max()
        ),
        "plain_hebb_final": weights["plain Hebb"][-1].tolist(),
        "hard_bound_final": weights["hard bounds"][-1].tolist(),
    }
    figures = {"bounds": bounds_figure(ds.time.values, weights, closed)}
    return Result(data={"bounds": ds.drop_vars("batch")}, figures=figures, metrics=metrics)


# --------------------------------------------------------------------------- covariance
class CovarianceConfig(ExperimentConfig):
    """Clamped output z-driven; inputs correlated with it by rho_j from -1 to 1."""

    n_pre: int = Field(11, gt=1, description="inputs, with correlations linspace(-1, 1)")
    mean: Pos = Field(5.0, description="mean rate of every unit, Hz")
    sigma: Pos = Field(1.0, description="rate standard deviation, Hz")
    gamma: Pos = Field(0.1, description="learning rate, 1/(s Hz^2)")
    tau: float = Field(1.0, ge=0, description="time constant of the tracked means, s (0: given)")
    t_stop: Pos = Field(100.0, description="simulated time, s")
    dt: Pos = Field(0.01, description="time step (one sample), s")


def run_covariance(cfg: CovarianceConfig, progress: Progress) -> Result:
    """Experiment ``covariance``: the covariance rule, dw_ij/dt = gamma (nu_i - <nu_i>)
    (nu_j - <nu_j>) (Sejnowski 1977, J. Math. Biol. 4:303; the essay seed, Fig. 8), with inputs
    correlated with the clamped output by rho_j in [-1, 1]. The expected change is
    gamma rho_j sigma^2 T; the metrics give the sign agreement and the fitted slope over that
    prediction. ``--quick`` halves t_stop."""
    n = round((cfg.t_stop / 2 if cfg.quick else cfg.t_stop) / cfg.dt)
    rho = np.linspace(-1.0, 1.0, cfg.n_pre)
    rng = np.random.default_rng([cfg.seed, 11])
    z = rng.standard_normal(n)
    xi = rng.standard_normal((n, cfg.n_pre))
    pre = cfg.mean + cfg.sigma * (rho * z[:, None] + np.sqrt(1.0 - rho**2) * xi)
    post = cfg.mean + cfg.sigma * z[:, None]
    net = FeedForward(cfg.n_pre, 1, transfer=None, w_mean=0.0, w_std=0.0)
    rule = R.Covariance(gamma=cfg.gamma, mean_post=cfg.mean, mean_pre=cfg.mean, tau=cfg.tau)
    t_stop = n * cfg.dt
    ds = simulate(
        net,
        rule,
        ArrayDrive(pre, post),
        t_stop=t_stop,
        dt=cfg.dt,
        backend=cfg.backend,
        seed=cfg.seed,
        record=Record(every=t_stop / 100 if n % 100 == 0 else cfg.dt, vars=("w",)),
    )
    dw = ds.w_final.values[0]
    predicted = cfg.gamma * rho * cfg.sigma**2 * t_stop
    nonzero = rho != 0
    metrics = {
        "rho": rho.tolist(),
        "dw": dw.tolist(),
        "predicted_dw": predicted.tolist(),
        "sign_agreement": float(np.mean(np.sign(dw[nonzero]) == np.sign(rho[nonzero]))),
        "slope_ratio": float(np.polyfit(rho, dw, 1)[0] / (cfg.gamma * cfg.sigma**2 * t_stop)),
    }
    figures = {"covariance": covariance_figure(rho, dw, predicted)}
    return Result(data={"covariance": ds}, figures=figures, metrics=metrics)


EXPERIMENTS = {
    "oja-pca": Experiment(
        "oja-pca", "Oja -> PC1; subspace and Sanger -> top-k eigenvectors", PCAConfig, run_pca
    ),
    "bcm-selectivity": Experiment(
        "bcm-selectivity",
        "BCM outputs become selective at the fixed point K nu0",
        BCMConfig,
        run_bcm,
        run_batch=run_bcm_batch,
    ),
    "hebb-bounds": Experiment(
        "hebb-bounds",
        "plain Hebb runs away; hard, soft bounds and decay settle",
        BoundsConfig,
        run_bounds,
    ),
    "covariance": Experiment(
        "covariance",
        "weight change follows the sign of the covariance",
        CovarianceConfig,
        run_covariance,
    ),
}
