"""Figures of the oscillatory network (Scarpetta, Li & Hertz 2001, Figs 2-3): arrays in, Plot out.

Conventions of the paper: circles are the nonlinear simulation, stars the linear simulation and
the dotted line the analytic prediction (eq 10). Responses that are not locked to the drive
(self-sustained oscillation) are drawn as open grey circles and labelled, never as resonance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import new_figure, plot

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _nonlinear(ax: Any, x: np.ndarray, y: np.ndarray, locked: np.ndarray) -> None:
    ax.plot(x[locked], y[locked], "o", mfc="none", color="C0", label="nonlinear simulation")
    if np.any(~locked):
        ax.plot(x[~locked], y[~locked], "o", color="0.6", label="nonlinear, not locked to drive")


@plot
def frequency_tuning(
    f_analytic: np.ndarray,
    amp_analytic: np.ndarray,
    f_sim: np.ndarray,
    amp_linear: np.ndarray,
    amp_nonlinear: np.ndarray,
    locked: np.ndarray,
    imprint_hz: float,
) -> Figure:
    """Fig 2A: response amplitude against drive frequency (Hz)."""
    fig = new_figure(figsize=(5, 4))
    ax = fig.add_subplot()
    ax.plot(f_analytic, amp_analytic, ":", color="k", label="eq (10)")
    ax.plot(f_sim, amp_linear, "*", color="C1", label="linear simulation")
    _nonlinear(ax, f_sim, amp_nonlinear, locked)
    ax.axvline(imprint_hz, color="0.8", lw=0.8)
    ax.set(xlabel="drive frequency (Hz)", ylabel="amplitude", title="A: frequency match")
    ax.legend(fontsize=7)
    return fig


@plot
def overlap_tuning(
    overlap: np.ndarray,
    amp_analytic: np.ndarray,
    amp_linear: np.ndarray,
    amp_nonlinear: np.ndarray,
    locked: np.ndarray,
) -> Figure:
    """Fig 2B: response amplitude against overlap |xi0^dagger xi| with the stored pattern."""
    fig = new_figure(figsize=(5, 4))
    ax = fig.add_subplot()
    order = np.argsort(overlap)
    ax.plot(overlap[order], amp_analytic[order], ":", color="k", label="eq (10)")
    ax.plot(overlap, amp_linear, "*", color="C1", label="linear simulation")
    _nonlinear(ax, overlap, amp_nonlinear, locked)
    ax.set(xlabel="overlap", ylabel="amplitude", title="B: amplitude and phase match")
    ax.legend(fontsize=7)
    return fig


@plot
def angle_map(
    input_deg: np.ndarray,
    output_linear: np.ndarray,
    output_nonlinear: np.ndarray,
    locked: np.ndarray,
) -> Figure:
    """Fig 2C: output angle against input angle (deg) in the plane of two stored patterns."""
    fig = new_figure(figsize=(5, 4))
    ax = fig.add_subplot()
    ax.plot([0, 90], [0, 90], ":", color="k", label="identity (linear theory)")
    ax.plot(input_deg, output_linear, "*", color="C1", label="linear simulation")
    _nonlinear(ax, input_deg, output_nonlinear, locked)
    ax.set(
        xlabel="input angle (degrees)",
        ylabel="output angle (degrees)",
        title="C: two patterns at one frequency",
        xlim=(-3, 93),
        ylim=(-3, 93),
    )
    ax.legend(fontsize=7)
    return fig


@plot
def unit_traces(
    t_ms: np.ndarray,
    traces: dict[str, np.ndarray],
    units: list[int],
    analytic: dict[str, np.ndarray],
) -> Figure:
    """Fig 3: u of a few units (rows) under each drive (columns); traces[col] is (T, units)."""
    from matplotlib.ticker import MaxNLocator, NullLocator

    cols = list(traces)
    fig = new_figure(figsize=(2.6 * len(cols), 1.6 * len(units)))
    axes = fig.subplots(len(units), len(cols), squeeze=False)
    top = 1.1 * max(float(np.max(np.abs(traces[name]))) for name in cols)
    for c, name in enumerate(cols):
        for r, unit in enumerate(units):
            ax = axes[r, c]
            ax.plot(t_ms, traces[name][:, r], lw=0.8, color="C1")
            ax.plot(t_ms, analytic[name][:, r], ":", lw=0.8, color="k")
            ax.set(xlim=(0.0, t_ms[-1]), ylim=(-top, top))
            # the paper's 3 ticks a side, on the outer panels only (ticks are most of the
            # drawing time of a 12-panel figure)
            ax.xaxis.set_major_locator(MaxNLocator(2) if r == len(units) - 1 else NullLocator())
            ax.yaxis.set_major_locator(MaxNLocator(3) if c == 0 else NullLocator())
            if c == 0:
                ax.set_ylabel(f"u{unit + 1}")
            if r == 0:
                ax.set_title(name, fontsize=8)
            if r == len(units) - 1:
                ax.set_xlabel("t (ms)")
    fig.suptitle("Fig 3: linear simulation (solid) and eq (10) steady state (dotted)", fontsize=8)
    return fig


@plot
def capacity(curves: dict[str, tuple[np.ndarray, np.ndarray]], threshold: float) -> Figure:
    """Worst recall overlap among the P stored patterns against P; one line per (N, mode)."""
    fig = new_figure(figsize=(5.5, 4))
    ax = fig.add_subplot()
    for label, (p, quality) in curves.items():
        ax.plot(p, quality, "o-" if "one" in label else "s--", ms=3, label=label)
    ax.axhline(threshold, color="0.6", ls=":", label="recall threshold")
    ax.set(
        xscale="log",
        xlabel="stored patterns P",
        ylabel="worst recall overlap",
        title="capacity (linear theory; 0 = unstable)",
        ylim=(-0.02, 1.02),
    )
    ax.legend(fontsize=6, ncol=2)
    return fig


@plot
def angle_maps(input_deg: np.ndarray, outputs: dict[str, np.ndarray]) -> Figure:
    """Fig 2C for several activation functions: output angle against input angle (deg)."""
    fig = new_figure(figsize=(5, 4))
    ax = fig.add_subplot()
    ax.plot([0, 90], [0, 90], ":", color="k", label="identity (linear)")
    for label, out in outputs.items():
        ax.plot(input_deg, out, "o-", ms=3, label=label)
    ax.axhline(45, color="0.85", lw=0.8)
    ax.set(
        xlabel="input angle (degrees)",
        ylabel="output angle (degrees)",
        title="nonlinear attractors for a family of g_u",
        xlim=(-3, 93),
        ylim=(-3, 93),
    )
    ax.legend(fontsize=6)
    return fig


@plot
def tuning_sweep(ds: Any) -> Figure:
    """A tuning-sweep result (dims n_patterns, a1, drive_hz): one panel per pattern count,
    simulated amplitude (markers) and eq (10) (lines) against drive frequency, one colour per a1."""
    counts = ds["n_patterns"].values
    fig = new_figure(figsize=(4.0 * len(counts), 3.4), layout="constrained")
    axes = fig.subplots(1, len(counts), squeeze=False, sharey=True)[0]
    f = ds["drive_hz"].values
    for ax, p in zip(axes, counts, strict=True):
        for a1 in ds["a1"].values:
            point = ds.sel(n_patterns=p, a1=a1)
            line = ax.plot(f, point["amplitude_eq10"].values, lw=1)[0]
            ax.plot(
                f, point["amplitude"].values, "o", ms=3, color=line.get_color(), label=f"a1={a1:g}"
            )
        ax.set_title(f"{int(p)} stored pattern(s)")
        ax.set_xlabel("drive frequency (Hz)")
    axes[0].set_ylabel("response amplitude (u)")
    axes[0].legend(fontsize=7)
    return fig
