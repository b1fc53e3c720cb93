"""Figures of the rate-rule experiments: arrays in, :class:`~hebbkit.plots.Plot` out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from . import new_figure, plot

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@plot
def pca_figure(
    time: np.ndarray, cosines: Mapping[str, np.ndarray], threshold: float | None = None
) -> Figure:
    """|cos| between each unit's weights and its target eigenvector, one panel per rule.

    ``cosines[rule]`` has shape (time, unit); ``threshold`` draws the acceptance line.
    """
    fig = new_figure(figsize=(4.0 * len(cosines), 3.2), layout="constrained")
    axes = fig.subplots(1, len(cosines), squeeze=False)[0]
    for ax, (name, cos) in zip(axes, cosines.items(), strict=True):
        for unit in range(cos.shape[1]):
            ax.plot(time, cos[:, unit], lw=1.2, label=f"unit {unit + 1}")
        if threshold is not None:
            ax.axhline(threshold, color="k", ls=":", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("time (s)")
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("|cos(w_i, e_target)|")
    axes[-1].legend(fontsize=7, loc="lower right")
    return fig


@plot
def norms_figure(time: np.ndarray, norms: Mapping[str, np.ndarray]) -> Figure:
    """|w_i| over time for each rule (Oja-type rules converge to 1)."""
    fig = new_figure(figsize=(5.0, 3.2), layout="constrained")
    ax = fig.subplots()
    for name, values in norms.items():
        ax.plot(time, values, lw=1.0, label=[name] + [None] * (values.shape[1] - 1))
    ax.axhline(1.0, color="k", ls=":", lw=0.8)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("|w_i|")
    ax.legend(fontsize=7)
    return fig


@plot
def bcm_figure(time: np.ndarray, responses: np.ndarray, fixed_point: float) -> Figure:
    """Left: each output's response to each prototype over time; right: the final matrix.

    ``responses`` has shape (time, prototype, output).
    """
    fig = new_figure(figsize=(9.0, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    n_proto = responses.shape[1]
    colors = [f"C{k % 10}" for k in range(n_proto)]
    for k in range(n_proto):
        left.plot(time, responses[:, k, :], color=colors[k], lw=0.7)
    left.axhline(fixed_point, color="k", ls="--", lw=0.8, label="K nu0 (fixed point)")
    left.set_xlabel("time (s)")
    left.set_ylabel("response (Hz); colour = prototype")
    left.legend(fontsize=7)
    image = right.imshow(responses[-1], aspect="auto", cmap="viridis")
    right.set_xlabel("output unit")
    right.set_ylabel("prototype")
    right.set_title("final responses (Hz)")
    fig.colorbar(image, ax=right)
    return fig


@plot
def bounds_figure(
    time: np.ndarray, weights: Mapping[str, np.ndarray], closed: Mapping[str, np.ndarray]
) -> Figure:
    """w(t) of each weight-dependence variant (solid) with its closed form (dashed)."""
    fig = new_figure(figsize=(4.0 * len(weights), 3.2), layout="constrained")
    axes = fig.subplots(1, len(weights), squeeze=False)[0]
    for ax, name in zip(axes, weights, strict=True):
        ax.plot(time, weights[name], lw=1.4)
        ax.plot(time, closed[name], color="k", ls="--", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("time (s)")
    axes[0].set_ylabel("w_ij (dashed: closed form)")
    return fig


@plot
def covariance_figure(rho: np.ndarray, dw: np.ndarray, predicted: np.ndarray) -> Figure:
    """Weight change of each synapse against the correlation of its input with the output."""
    fig = new_figure(figsize=(4.5, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.axvline(0.0, color="0.7", lw=0.8)
    ax.plot(rho, predicted, color="k", ls="--", lw=1.0, label="gamma rho sigma^2 T")
    ax.plot(rho, dw, "o", ms=4, label="simulated")
    ax.set_xlabel("correlation of nu_j with nu_i")
    ax.set_ylabel("weight change")
    ax.legend(fontsize=7)
    return fig
