"""Figures of spike-timing plasticity: the STDP window, weight histograms over time, and
weight change against pairing frequency with data points. Arrays in, Plot out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from . import new_figure, plot

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@plot
def window_figure(lag_ms: Any, curves: Mapping[str, Any], *, title: str = "") -> Figure:
    """Weight change against lag t_post - t_pre (ms), one line per named curve."""
    fig = new_figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for label, dw in curves.items():
        ax.plot(lag_ms, dw, marker=".", label=label)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_xlabel("lag t_post - t_pre (ms)")
    ax.set_ylabel("weight change")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@plot
def histograms_figure(
    time_s: Any, weights: Mapping[str, Any], *, w_max: float, bins: int = 40
) -> Figure:
    """For each named (time, synapse) weight array: its histogram at each recorded time, as an
    image (time on x, weight / w_max on y), and the final histogram below it."""
    fig = new_figure(figsize=(5 * len(weights), 6))
    edges = np.linspace(0, 1, bins + 1)
    for col, (label, w) in enumerate(weights.items()):
        w = np.asarray(w) / w_max
        counts = np.stack([np.histogram(row, bins=edges)[0] for row in w], axis=1)
        ax = fig.add_subplot(2, len(weights), col + 1)
        t = np.asarray(time_s)
        ax.imshow(
            counts,
            aspect="auto",
            origin="lower",
            cmap="viridis",
            extent=(float(t[0]), float(t[-1]), 0.0, 1.0),
        )
        ax.set_xlabel("time (s)")
        ax.set_ylabel("w / w_max")
        ax.set_title(f"{label}: histogram over time")
        ax2 = fig.add_subplot(2, len(weights), len(weights) + col + 1)
        ax2.hist(w[-1], bins=edges.tolist(), color="C0")
        ax2.set_xlabel("final w / w_max")
        ax2.set_ylabel("synapses")
    fig.tight_layout()
    return fig


@plot
def frequency_figure(
    frequency_hz: Any,
    curves: Mapping[str, tuple[Any, Any]],
    *,
    data: Any = None,
    ylabel: str = "weight change",
    title: str = "",
) -> Figure:
    """Weight change against pairing frequency: for each named model a (pre-post, post-pre)
    pair of curves; ``data`` = (frequency, pre-post, its error, post-pre, its error)."""
    fig = new_figure(figsize=(6.5, 4.5))
    ax = fig.add_subplot()
    for k, (label, (pre_post, post_pre)) in enumerate(curves.items()):
        ax.plot(frequency_hz, pre_post, color=f"C{k}", label=f"{label} +10 ms")
        ax.plot(frequency_hz, post_pre, color=f"C{k}", ls="--", label=f"{label} -10 ms")
    if data is not None:
        f, pp, pp_err, pm, pm_err = (np.asarray(x) for x in data)
        ax.errorbar(f, pp, pp_err, fmt="ko", label="data +10 ms", capsize=3)
        ax.errorbar(f, pm, pm_err, fmt="ks", mfc="w", label="data -10 ms", capsize=3)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("pairing frequency (Hz)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
