"""The feed-forward engine in jax: the numpy specification's step under ``lax.scan``.

Same contract as ``engine._numpy.feedforward.run``: it takes the ``Problem`` the kind module
builds, updates W, A and Bs in place and returns ``(records, failure)``. One step is the numpy
module's step written once for the whole batch (the mat-vecs of all members are one batched
product); the time loop is a scan over records with an inner scan over the ``stride`` steps
between them, so the recording and the divergence check are compiled into the loop. Parts of
the weight dependence that no batch member uses are left out of the compiled step.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ...rules.rate import SoftBounds
from . import modules, traceable

NONE, STATE, WTY, WTY_LOWER = range(4)


def run(p: Any) -> tuple[dict[str, np.ndarray], tuple[int, str, float] | None]:
    """Step ``p`` (an ``engine.feedforward.Problem``) in place; return records and any failure."""
    _, jnp, _ = modules()
    members = p.W.shape[0]
    n = p.X.shape[1]
    n_rec, tail = divmod(n, p.stride)
    dtype = p.W.dtype
    flags = (
        bool(p.WD[:, 0].any()),
        bool(p.WD[:, 6].any()),
        tuple(sorted({int(k) for k in p.WD[:, 9]} - {0})),
        bool(p.K[:, 0].any()),
        bool(p.K[:, 1].any()),
    )
    kernel = _kernel(
        p.rule_type,
        p.transfer_type,
        tuple(np.asarray(p.TP, dtype=np.float64).tolist()),
        dtype.name,
        p.pre_term,
        p.stride,
        tuple(p.recorded),
        flags,
    )
    X = np.moveaxis(p.X, 1, 0)  # (n, Bx, pre): time first for the scan
    Y = None if p.Yc is None else np.moveaxis(p.Yc, 1, 0)
    split = n_rec * p.stride
    head = (
        _blocks(X[:split], n_rec, p.stride),
        None if Y is None else _blocks(Y[:split], n_rec, p.stride),
    )
    rest = (X[split:], None if Y is None else Y[split:])
    state = (jnp.asarray(p.W), jnp.asarray(p.A), jnp.asarray(p.Bs))
    consts = (jnp.asarray(p.P), jnp.asarray(p.WD), jnp.asarray(p.K), dtype.type(p.dt))
    state, recs, fail = kernel(state, head, rest, consts, tail > 0)
    p.W[...] = np.asarray(state[0])
    p.A[...] = np.asarray(state[1])
    p.Bs[...] = np.asarray(state[2])
    records = {}
    for code, values in zip(p.recorded, recs, strict=True):
        values = np.asarray(values)  # (R, B, ...)
        if values.shape[1] != members:
            values = np.broadcast_to(values, (values.shape[0], members, *values.shape[2:]))
        records[code] = np.ascontiguousarray(np.moveaxis(values, 0, 1))
    fail_r, fail_code, fail_value = (np.asarray(v).item() for v in fail)
    if fail_r < 0:
        return records, None
    return records, ((fail_r + 1) * p.stride - 1, "w" if fail_code == 0 else "a", fail_value)


def _blocks(a: np.ndarray, n_rec: int, stride: int) -> np.ndarray:
    return a.reshape(n_rec, stride, *a.shape[1:])


@functools.lru_cache(maxsize=64)
def _kernel(
    rule_type: Any,
    transfer_type: Any,
    tp: tuple[float, ...],
    dtype: str,
    pre_term: int,
    stride: int,
    recorded: tuple[str, ...],
    flags: tuple[Any, ...],
) -> Any:
    """The compiled run for one rule, transfer and recording layout (shapes retrace)."""
    jax, jnp, lax = modules()
    soft_any, hard_any, norm_kinds, kpost_any, kpre_any = flags
    f = traceable(transfer_type.f)
    TP = np.asarray(tp, dtype=dtype)
    dw = rule_type.dw
    post_target = rule_type.post_target

    def step(state: Any, inputs: Any, consts: Any) -> tuple[Any, Any]:
        W, A, Bs = state
        x, yc = inputs
        P, WD, K, dt = consts
        members, _, n_pre = W.shape
        x = jnp.broadcast_to(x, (members, n_pre))
        if yc is None:
            y = f(jnp.einsum("bij,bj->bi", W, x), TP).astype(W.dtype)
        else:
            y = jnp.broadcast_to(yc, (members, W.shape[1]))
        cols = tuple(P[:, c][:, None, None] for c in range(P.shape[1]))
        F = dw(W, x[:, None, :], y[:, :, None], A[:, :, None], _pre(pre_term, W, y, Bs), cols)
        if soft_any:
            g2, smin, smax, beta = (WD[:, c][:, None, None] for c in range(1, 5))
            bounded = SoftBounds.factor(F, W, g2, smin, smax, beta)
            F = jnp.where((WD[:, 0] != 0)[:, None, None], bounded, F)
        W = W + dt * (F - WD[:, 5][:, None, None] * W)
        if norm_kinds:
            W = _normalised(jnp, W, norm_kinds, WD[:, 9][:, None, None], WD[:, 10][:, None, None])
        if hard_any:
            clipped = jnp.clip(W, WD[:, 7][:, None, None], WD[:, 8][:, None, None])
            W = jnp.where((WD[:, 6] != 0)[:, None, None], clipped, W)
        kpost, kpre = K[:, 0][:, None], K[:, 1][:, None]
        if kpost_any:
            target = post_target(y, tuple(c[:, :, 0] for c in cols))
            A = jnp.where(kpost != 0, A + kpost * (target - A), A)
        if kpre_any:
            Bs = jnp.where(kpre != 0, Bs + kpre * (x - Bs), Bs)
        return (W, A, Bs), (y, x)

    def block(carry: Any, inputs: Any, consts: Any) -> tuple[Any, Any]:
        state, fail, r = carry

        state, (ys, xs) = lax.scan(lambda s, xy: step(s, xy, consts), state, inputs)
        W, A, Bs = state
        values = {"w": W, "y": ys[-1], "x": xs[-1], "a": A, "b": Bs}
        fail = _checked(jnp, fail, r, W, A)
        return (state, fail, r + 1), tuple(values[c] for c in recorded)

    def whole(state: Any, head: Any, rest: Any, consts: Any, has_tail: bool) -> Any:
        W = state[0]
        fail = (jnp.int64(-1), jnp.int64(0), jnp.zeros((), W.dtype))
        carry = (state, fail, jnp.int64(0))
        (state, fail, _), recs = lax.scan(lambda c, xy: block(c, xy, consts), carry, head)
        if has_tail:
            state, _ = lax.scan(lambda s, xy: step(s, xy, consts), state, rest)
        return state, recs, fail

    return jax.jit(whole, static_argnums=(4,))


def _pre(kind: int, W: Any, y: Any, Bs: Any) -> Any:
    _, jnp, _ = modules()
    if kind == STATE:
        return Bs[:, None, :]
    if kind == WTY:
        return jnp.einsum("bi,bij->bj", y, W)[:, None, :]
    if kind == WTY_LOWER:
        return jnp.cumsum(y[:, :, None] * W, axis=1)
    return W.dtype.type(0.0)


def _normalised(jnp: Any, W: Any, kinds: tuple[int, ...], kind: Any, total: Any) -> Any:
    out = W
    for k in kinds:
        if k == 1:
            new = W * (total / W.sum(axis=2, keepdims=True))
        elif k == 2:
            new = W * (total / jnp.sqrt((W * W).sum(axis=2, keepdims=True)))
        else:
            new = W - (W.sum(axis=2, keepdims=True) - total) / W.shape[2]
        out = jnp.where(kind == k, new, out)
    return out


def _checked(jnp: Any, fail: Any, r: Any, W: Any, A: Any) -> Any:
    """The first failure (record index, 0 = w / 1 = a, value), as the numpy module reports it."""
    members = W.shape[0]
    bad_w = ~jnp.isfinite(W.reshape(members, -1))
    bad_a = ~jnp.isfinite(A.reshape(members, -1))
    any_w, any_a = bad_w.any(axis=1), bad_a.any(axis=1)
    m = jnp.argmax(any_w | any_a)
    value_w = W.reshape(members, -1)[m, jnp.argmax(bad_w[m])]
    value_a = A.reshape(members, -1)[m, jnp.argmax(bad_a[m])]
    new = (
        r,
        jnp.where(any_w[m], 0, 1).astype(fail[1].dtype),
        jnp.where(any_w[m], value_w, value_a),
    )
    first = (fail[0] < 0) & (any_w | any_a).any()
    return tuple(jnp.where(first, a, b) for a, b in zip(new, fail, strict=True))
