"""The feed-forward engine in vectorised numpy: the readable specification of every step.

Each step follows the order written in ``hebbkit.engine.feedforward``; all batch members and
synapses are updated at once by broadcasting the rule's operator-only ``dw``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...rules.rate import SoftBounds

NONE, STATE, WTY, WTY_LOWER = range(4)


def run(p: Any) -> tuple[dict[str, np.ndarray], tuple[int, str, float] | None]:
    """Step ``p`` (an ``engine.feedforward.Problem``) in place; return records and any failure."""
    W, A, Bs = p.W, p.A, p.Bs
    members, n_post, n_pre = W.shape
    n = p.X.shape[1]
    records = {c: np.empty(p.record_shape(c), dtype=W.dtype) for c in p.recorded}
    dt = W.dtype.type(p.dt)
    cols = tuple(p.P[:, c][:, None, None] for c in range(p.P.shape[1]))
    cols_post = tuple(c[:, :, 0] for c in cols)
    soft_on = (p.WD[:, 0] != 0)[:, None, None]
    g2, smin, smax, beta, g0 = (p.WD[:, c][:, None, None] for c in range(1, 6))
    hard_on = p.WD[:, 6] != 0
    norm_kind = p.WD[:, 9].astype(int)
    norm_total = p.WD[:, 10]
    kpost, kpre = p.K[:, 0][:, None], p.K[:, 1][:, None]
    f = p.transfer_type.f
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k in range(n):
            x = np.broadcast_to(p.X[:, k], (members, n_pre))
            if p.Yc is None:
                y = f(np.einsum("bij,bj->bi", W, x), p.TP).astype(W.dtype)
            else:
                y = np.broadcast_to(p.Yc[:, k], (members, n_post))
            b = _pre_term(p.pre_term, W, y, Bs)
            F = p.rule_type.dw(W, x[:, None, :], y[:, :, None], A[:, :, None], b, cols)
            F = np.where(soft_on, SoftBounds.factor(F, W, g2, smin, smax, beta), F)
            W[...] = W + dt * (F - g0 * W)
            _normalise(W, norm_kind, norm_total)
            for m in np.flatnonzero(hard_on):
                np.clip(W[m], p.WD[m, 7], p.WD[m, 8], out=W[m])
            target = p.rule_type.post_target(y, cols_post)
            A[...] = np.where(kpost != 0, A + kpost * (target - A), A)
            Bs[...] = np.where(kpre != 0, Bs + kpre * (x - Bs), Bs)
            if (k + 1) % p.stride == 0:
                r = (k + 1) // p.stride - 1
                for code, value in (("w", W), ("y", y), ("x", x), ("a", A), ("b", Bs)):
                    if code in records:
                        records[code][:, r] = value
                fail = _failure(k, W, A)
                if fail is not None:
                    return records, fail
    return records, None


def _pre_term(kind: int, W: np.ndarray, y: np.ndarray, Bs: np.ndarray) -> Any:
    if kind == STATE:
        return Bs[:, None, :]
    if kind == WTY:
        return np.einsum("bi,bij->bj", y, W)[:, None, :]
    if kind == WTY_LOWER:
        return np.cumsum(y[:, :, None] * W, axis=1)
    return W.dtype.type(0.0)


def _normalise(W: np.ndarray, kind: np.ndarray, total: np.ndarray) -> None:
    for m in np.flatnonzero(kind):
        if kind[m] == 1:
            W[m] *= total[m] / W[m].sum(axis=1, keepdims=True)
        elif kind[m] == 2:
            W[m] *= total[m] / np.sqrt((W[m] * W[m]).sum(axis=1, keepdims=True))
        else:
            W[m] -= (W[m].sum(axis=1, keepdims=True) - total[m]) / W.shape[2]


def _failure(k: int, W: np.ndarray, A: np.ndarray) -> tuple[int, str, float] | None:
    for m in range(W.shape[0]):
        for code, array in (("w", W[m]), ("a", A[m])):
            bad = ~np.isfinite(array)
            if bad.any():
                return k, code, float(array[bad].flat[0])
    return None
