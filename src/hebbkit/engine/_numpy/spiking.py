"""The readable specification of the spiking kind: plain loops and vectorised numpy.

Two loops live here. ``synapse_events`` runs a plastic synapse through a merged, time-sorted
list of pre- and postsynaptic spikes with exact exponential decay between events (the
event-driven evaluation of :mod:`hebbkit.protocols`). ``run_network`` steps a layer of LIF
neurons driven by input spikes on the dt grid (clock-driven neurons, lazily decayed
presynaptic traces; see :mod:`hebbkit.engine.spiking`). The numba kernels in
``hebbkit.engine._numba.spiking`` are the same algorithms, statement for statement.
"""

from __future__ import annotations

import math

import numpy as np

from ...rules import spike as sp
from ...rules.spike import AbstractTraceSTDP as R


def synapse_events(
    times: np.ndarray, is_post: np.ndarray, starts: np.ndarray, p: np.ndarray, w0: np.ndarray
) -> np.ndarray:
    """The weight after each event. Synapse s owns events ``starts[s]:starts[s+1]``.

    At equal times the merge order decides; callers put presynaptic spikes first.
    """
    out = np.empty(len(times))
    for s in range(len(starts) - 1):
        w = float(w0[s])
        r1 = r2 = o1 = o2 = 0.0
        t_last = times[starts[s]] if starts[s + 1] > starts[s] else 0.0
        for n in range(starts[s], starts[s + 1]):
            h = times[n] - t_last
            t_last = times[n]
            r1 *= math.exp(-h / p[sp.TAU_R1])
            r2 *= math.exp(-h / p[sp.TAU_R2])
            o1 *= math.exp(-h / p[sp.TAU_O1])
            o2 *= math.exp(-h / p[sp.TAU_O2])
            if is_post[n]:
                dw = R.potentiation(r1, o2, p[sp.A2P], p[sp.A3P])
                if p[sp.MU] != 0.0:
                    dw *= R.factor_plus(w, p[sp.W_MIN], p[sp.W_MAX], p[sp.MU])
                w = min(max(w + dw, p[sp.W_MIN]), p[sp.W_MAX])
                r1 *= p[sp.KEEP_R_POST]
                r2 *= p[sp.KEEP_R_POST]
                o1 = p[sp.KEEP_O_POST] * o1 + 1.0
                o2 = p[sp.KEEP_O_POST] * o2 + 1.0
            else:
                dw = R.depression(o1, r2, p[sp.A2M], p[sp.A3M])
                if p[sp.MU] != 0.0:
                    dw *= R.factor_minus(w, p[sp.W_MIN], p[sp.W_MAX], p[sp.MU])
                w = min(max(w + dw, p[sp.W_MIN]), p[sp.W_MAX])
                o1 *= p[sp.KEEP_O_PRE]
                o2 *= p[sp.KEEP_O_PRE]
                r1 = p[sp.KEEP_R_PRE] * r1 + 1.0
                r2 = p[sp.KEEP_R_PRE] * r2 + 1.0
            out[n] = w
    return out
