"""The feed-forward engine compiled by numba: the whole time loop, recording and checks inside.

The kernel is fused per sample: each row of W (one unit's incoming weights, a few kB) is read
and written once per sample, while it sits in L1: the loop that updates it also accumulates the
unit's input for the next sample (when no normalisation changes the row afterwards), where
numpy with BLAS streams W three times (dgemv, scaling, dger). Rules whose rows do not interact
(``pre_term`` "none") split the rows of each member into blocks that run the whole time loop on
their own thread (the kernel releases the GIL), with no synchronisation per sample; the number
of threads is ``numba.get_num_threads()`` (``NUMBA_NUM_THREADS``). Rules that are affine in w
and x (``RateRule.affine``) go further: :func:`paired_kernel` applies two samples per pass
and accumulates the inputs to the next pass while it updates the rows.

A run continued from a state (``simulate(initial=...)``, or the next of ``chunks``) is identical
to the bit to the run it continues: each call starts with a pass of no sample, which runs the
update loop itself with w kept (a zero step, w <- 1 w + 0 z in the paired kernel) to sum the
first inputs, so every input is summed by the same machine code, in the same order of
additions. A separate dot product (or numpy's einsum) differed from the fused sum by an ulp on
an AVX-512 machine, and a second inlined copy of the loop still differed for some rules: LLVM
may vectorise two copies of one loop differently.

One kernel is compiled per (rule class, transfer class), with the rule's operator-only ``dw``
and ``post_target`` and the transfer's ``f`` inlined. They are registered with
``register_jitable`` so that the closure holds plain functions, which pickle by name: the
on-disk cache key is then stable across processes (a jitted dispatcher in the closure would
make every process miss the cache).
"""

from __future__ import annotations

import functools
import math
import zlib
from typing import Any

import numba
import numpy as np
from numba.extending import register_jitable

from ... import _threads
from ...rules.rate import SoftBounds

NONE, STATE, WTY, WTY_LOWER = range(4)
RECORD_CODES = ("w", "y", "x", "a", "b")
N_PARAMS = 8  # the most parameters a rule passes to dw (Taylor)

# reassoc and contract let LLVM vectorise the dot products and use FMA; NaN/inf semantics are
# kept (no nnan/ninf) so that the divergence check still sees them.
FASTMATH = {"reassoc", "contract", "nsz", "arcp"}

_soft = register_jitable(SoftBounds.factor)


def run(p: Any) -> tuple[dict[str, np.ndarray], tuple[int, str, float] | None]:
    """Step ``p`` (an ``engine.feedforward.Problem``) in place; return records and any failure."""
    members, n_post, n_pre = p.W.shape
    n = p.X.shape[1]
    dtype = p.W.dtype
    # a variable not recorded gets an empty buffer of the same rank (one compiled signature)
    bufs = [
        np.empty(
            p.record_shape(c) if c in p.recorded else (members, 0) + p.record_shape(c)[2:],
            dtype=dtype,
        )
        for c in RECORD_CODES
    ]
    rows_local = p.pre_term == NONE and p.K[:, 1].max() == 0
    # threads only pay off beyond about a millisecond of work per call
    big = members * n_post * n_pre * n > 2_000_000
    threads = numba.get_num_threads() if big else 1
    blocks = min(threads, n_post) if rows_local else 1
    # Rows that do not interact run a chunk of samples at a time, a block of rows at a time:
    # the block (~16 kB) stays in L1 and the chunk of samples (~128 kB) in L2 while it is
    # stepped, instead of streaming all of W through L1 for every sample. Each row's arithmetic
    # is unchanged, so the result is the same to the bit.
    row_bytes = n_pre * dtype.itemsize
    rows_per_block = max(1, 16_384 // row_bytes) if rows_local else n_post
    samples_per_chunk = max(1, 131_072 // row_bytes) if rows_local else 1
    fail = np.full(members * blocks, -1, dtype=np.int64)
    failvar = np.zeros(members * blocks, dtype=np.int64)
    failval = np.zeros(members * blocks, dtype=np.float64)
    clamped = p.Yc is not None
    Yc = p.Yc if clamped else np.zeros((1, 1, 1), dtype=dtype)
    P = np.zeros((members, N_PARAMS), dtype=dtype)
    P[:, : p.P.shape[1]] = p.P
    # which optional code the members need: any weight dependence (soft or hard bounds,
    # decay, normalisation), clamped post rates, low-pass states
    features = (
        bool(p.WD[:, [0, 5, 6, 9]].any()),
        clamped,
        bool(p.K.any()),
    )
    items = members * blocks
    shared: tuple[Any, ...] = (dtype.type(p.dt), p.stride, blocks, rows_per_block)
    shared += (samples_per_chunk, *bufs, fail, failvar, failval)
    work: tuple[np.ndarray, ...]
    args: tuple[Any, ...]

    # scratch of each work item, made here: np.zeros inside a kernel compiles numba's
    # allocator overloads, 0.2 s of a cold first call
    def scratch(size: int) -> np.ndarray:
        return np.zeros((items, size), dtype=dtype)

    # rules with dw = alpha w + beta x whose rows do not interact, with no weight dependence
    # and computed post rates step two samples per pass over a row
    if rows_local and p.rule_type.affine and not any(features[:2]):
        step = paired_kernel(
            p.rule_type.dw, p.rule_type.post_target, p.transfer_type.f, features[2]
        )
        # y, the inputs to each pass's two samples, x_k . x_{k+1}, two rows' coefficients, a
        # row of zeros
        work = (scratch(n_post), scratch(n_post), scratch(n_post), scratch(samples_per_chunk))
        work += (scratch(6), np.zeros(n_pre, dtype=dtype))
        args = (p.W, p.A, p.Bs, p.X, P, p.K, p.TP, *shared, *work)
    else:
        step = kernel(
            p.rule_type.dw, p.rule_type.post_target, p.transfer_type.f, p.pre_term, features
        )
        # y, the pre term b, the next sample's input, a row of zeros
        work = (scratch(n_post), scratch(n_pre), scratch(n_post), np.zeros(n_pre, dtype=dtype))
        args = (p.W, p.A, p.Bs, p.X, Yc, P, p.WD, p.K, p.TP, *shared, *work)
    threads = min(threads, items)
    if threads == 1:
        step(*args, 0, items)
    else:
        # the kernel releases the GIL; each thread runs its items' whole time loops
        _threads.split(lambda lo, hi: step(*args, lo, hi), items, threads)
    records = {c: buf for c, buf in zip(RECORD_CODES, bufs, strict=True) if c in p.recorded}
    if (fail >= 0).any():
        failed = np.flatnonzero(fail >= 0)
        first = failed[np.argmin(fail[failed])]
        return records, (int(fail[first]), "w" if failvar[first] == 0 else "a", failval[first])
    return records, None


@functools.cache
def kernel(
    dw_py: Any, target_py: Any, transfer_py: Any, pre_term: int, features: tuple[bool, ...]
) -> Any:
    """The compiled time loop for one rule class and one transfer class.

    ``pre_term`` and ``features`` (whether any member uses a weight dependence, clamped post
    rates, low-pass states) are closure constants, so numba prunes the code of what no member
    uses before compiling: a plain Oja or Hebb run compiles one inner loop, not four (a faster
    first JIT), while each rule compiles few variants (the test suite's cold cache stays fast).
    """
    DEPENDENT, CLAMPED, LOWPASS = features
    dw = register_jitable(dw_py)
    target = register_jitable(target_py)
    g = register_jitable(transfer_py)
    # numba's cache checks only this file's timestamp; the closure's values are part of the
    # cache key, so a checksum of the inlined functions' code makes an edited rule recompile
    inlined = (dw_py, target_py, transfer_py, SoftBounds.factor)
    source_key = zlib.crc32(b"".join(_code_bytes(f.__code__) for f in inlined))

    @numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy", nogil=True)
    def step(
        W,
        A,
        Bs,
        X,
        Yc,
        P,
        WD,
        K,
        TP,
        dt,
        stride,
        blocks,
        rb,
        kb,
        RW,
        RY,
        RX,
        RA,
        RB,
        fail,
        failvar,
        failval,
        Y,
        BV,
        S,
        Z,
        first_item,
        last_item,
    ):  # pragma: no cover - compiled
        if source_key < 0:
            return
        members, n_post, n_pre = W.shape
        n = X.shape[1]
        per = (n_post + blocks - 1) // blocks
        for item in range(first_item, last_item):
            m = item // blocks
            i0 = (item % blocks) * per
            i1 = i0 + per if i0 + per < n_post else n_post
            mx = m if X.shape[0] > 1 else 0
            my = m if Yc.shape[0] > 1 else 0
            # a tuple of scalars, not a row of P: the rule's p[k] become registers, which lets
            # LLVM vectorise the inner loops without alias checks against W
            p = (P[m, 0], P[m, 1], P[m, 2], P[m, 3], P[m, 4], P[m, 5], P[m, 6], P[m, 7])
            soft = WD[m, 0] != 0
            g2, smin, smax, beta, g0 = WD[m, 1], WD[m, 2], WD[m, 3], WD[m, 4], WD[m, 5]
            hard = WD[m, 6] != 0
            hmin, hmax = WD[m, 7], WD[m, 8]
            norm = WD[m, 9]
            total = WD[m, 10]
            kpost, kpre = K[m, 0], K[m, 1]
            y, bv, s_next = Y[item], BV[item], S[item]
            # the dot product of a row with the next sample is accumulated while the row is
            # updated, so each row is read and written once per sample; normalisation changes
            # the row afterwards, and Oja's subspace rule needs every y first, so they cannot
            fusable = pre_term != WTY and norm == 0 and not CLAMPED
            clip_inline = hard and norm == 0
            # a pass of no sample keeps w: a zero step, bounds that do not bind (computed, not
            # constants, so that LLVM cannot fold them out of the shared loop)
            keep = dt * W.dtype.type(0.0)
            unbounded = (dt + dt) / keep
            stop = False
            for k0 in range(0, n, kb):
                for r0 in range(i0, i1, rb):
                    r1 = r0 + rb if r0 + rb < i1 else i1
                    # a fused call starts with a pass of no sample (k = -1): the update's own
                    # loop, with w kept, gives the input to sample 0 in the order of additions
                    # of every later input, so a run continued from a state (or the next chunk)
                    # is identical to the bit to the run it continues. It computes no y and
                    # changes no state; what else it runs (a pre term) is redone at k = 0
                    start = k0 - 1 if k0 == 0 and fusable else k0
                    for k in range(start, k0 + kb if k0 + kb < n else n):
                        no_sample = k < 0
                        x = Z if no_sample else X[mx, k]
                        x_next = X[mx, k + 1] if k + 1 < n else x
                        step = keep if no_sample else dt
                        lo, hi = (-unbounded, unbounded) if no_sample else (hmin, hmax)
                        if pre_term == WTY or pre_term == WTY_LOWER:
                            for j in range(n_pre):
                                bv[j] = 0.0
                        if pre_term == WTY:
                            for i in range(n_post):
                                y[i] = Yc[my, k, i] if CLAMPED else g(_dot(W[m, i], x), TP)
                            for i in range(n_post):
                                for j in range(n_pre):
                                    bv[j] += W[m, i, j] * y[i]
                        elif pre_term == STATE:
                            for j in range(n_pre):
                                bv[j] = Bs[m, j]
                        for i in range(r0, r1):
                            row = W[m, i]
                            if pre_term != WTY and not no_sample:
                                if CLAMPED:
                                    y[i] = Yc[my, k, i]
                                else:
                                    if not fusable:
                                        s_next[i] = _dot(row, x)
                                    y[i] = g(s_next[i], TP)
                            yi = y[i]
                            ai = A[m, i]
                            if pre_term == WTY_LOWER:
                                for j in range(n_pre):
                                    bv[j] += row[j] * yi
                            acc = row.dtype.type(0.0)
                            # one loop per weight dependence, not a branch inside one: LLVM
                            # would otherwise if-convert the branch and evaluate the soft
                            # bound's pow for every synapse. They sit under a feature constant,
                            # so numba drops them when no member has a weight dependence.
                            plain = True
                            if DEPENDENT:
                                plain = False
                                if soft:
                                    for j in range(n_pre):
                                        w = row[j]
                                        f = _soft(
                                            dw(w, x[j], yi, ai, bv[j], p), w, g2, smin, smax, beta
                                        )
                                        w = w + step * (f - g0 * w)
                                        if clip_inline:
                                            w = min(max(w, lo), hi)
                                        row[j] = w
                                        acc += w * x_next[j]
                                elif clip_inline:
                                    for j in range(n_pre):
                                        w = row[j]
                                        w = w + step * (dw(w, x[j], yi, ai, bv[j], p) - g0 * w)
                                        w = min(max(w, lo), hi)
                                        row[j] = w
                                        acc += w * x_next[j]
                                elif g0 != 0:
                                    for j in range(n_pre):
                                        w = row[j]
                                        w = w + step * (dw(w, x[j], yi, ai, bv[j], p) - g0 * w)
                                        row[j] = w
                                        acc += w * x_next[j]
                                else:
                                    plain = True
                            if plain:
                                for j in range(n_pre):
                                    w = row[j]
                                    w = w + step * dw(w, x[j], yi, ai, bv[j], p)
                                    row[j] = w
                                    acc += w * x_next[j]
                            s_next[i] = acc
                            if DEPENDENT:
                                if norm != 0:
                                    _normalise(row, norm, total)
                                    if hard:
                                        for j in range(n_pre):
                                            row[j] = min(max(row[j], hmin), hmax)
                        if LOWPASS and not no_sample:
                            if kpost != 0:
                                for i in range(r0, r1):
                                    A[m, i] = A[m, i] + kpost * (target(y[i], p) - A[m, i])
                            if kpre != 0:
                                for j in range(n_pre):
                                    Bs[m, j] = Bs[m, j] + kpre * (x[j] - Bs[m, j])
                        if (k + 1) % stride == 0 and not no_sample:
                            r = (k + 1) // stride - 1
                            _record(W, A, Bs, x, y, m, r, r0, r1, RW, RY, RX, RA, RB)
                            if _check(W, A, m, r0, r1, k, item, fail, failvar, failval):
                                # the other row blocks of this chunk still run to their own
                                # first failure, so that the earliest one is reported
                                stop = True
                                break
                if stop:
                    break

    return step


@functools.cache
def paired_kernel(dw_py: Any, target_py: Any, transfer_py: Any, lowpass: bool) -> Any:
    """The compiled time loop for a rule with dw = alpha(y, a) w + beta(y, a) x
    (``RateRule.affine``: Hebb, Oja, BCM; alpha = dw(w=1, x=0), beta = dw(w=0, x=1)) whose rows
    do not interact, with no weight dependence and computed post rates: each pass over a row
    applies two samples,

        w_{k+2} = c1 c0 w_k + c1 b0 x_k + b1 x_{k+1},  c = 1 + dt alpha, b = dt beta,

    and accumulates the row's inputs to the next two samples, w_{k+2}.x_{k+2} and
    w_{k+2}.x_{k+3}. The input to the second sample needs no pass of its own:
    w_{k+1}.x_{k+1} = c0 (w_k.x_{k+1}) + b0 (x_k.x_{k+1}), with x_k.x_{k+1} computed once per
    chunk of samples for every row. Two rows share each pass, so each load of x serves both:
    per sample and row, one load and half a store of w and one load of x, where the one-sample
    kernel has a load and a store of w and two loads of x. A pass takes one sample where a
    record falls after the first or the chunk ends. The arithmetic is the one-sample kernel's
    reassociated: results agree to rounding (about 1e-16 relative per step).
    """
    dw = register_jitable(dw_py)
    target = register_jitable(target_py)
    g = register_jitable(transfer_py)
    inlined = (dw_py, target_py, transfer_py)
    source_key = zlib.crc32(b"".join(_code_bytes(f.__code__) for f in inlined))

    @numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy", nogil=True)
    def step(
        W,
        A,
        Bs,
        X,
        P,
        K,
        TP,
        dt,
        stride,
        blocks,
        rb,
        kb,
        RW,
        RY,
        RX,
        RA,
        RB,
        fail,
        failvar,
        failval,
        Y,
        D,
        E,
        G,
        C,
        Z,
        first_item,
        last_item,
    ):  # pragma: no cover - compiled
        if source_key < 0:
            return
        members, n_post, n_pre = W.shape
        n = X.shape[1]
        per = (n_post + blocks - 1) // blocks
        one, zero = W.dtype.type(1.0), W.dtype.type(0.0)
        for item in range(first_item, last_item):
            m = item // blocks
            i0 = (item % blocks) * per
            i1 = i0 + per if i0 + per < n_post else n_post
            mx = m if X.shape[0] > 1 else 0
            p = (P[m, 0], P[m, 1], P[m, 2], P[m, 3], P[m, 4], P[m, 5], P[m, 6], P[m, 7])
            kpost = K[m, 0]
            y, d, e, gram, c = Y[item], D[item], E[item], G[item], C[item]
            Xm, Wm = X[mx], W[m]
            stop = False
            for k0 in range(0, n, kb):
                k1 = k0 + kb if k0 + kb < n else n
                for k in range(k0, k1 if k1 < n else n - 1):
                    gram[k - k0] = _dot(Xm[k], Xm[k + 1])
                for r0 in range(i0, i1, rb):
                    r1 = r0 + rb if r0 + rb < i1 else i1
                    # the call starts with a pass of no sample (k = -1), which keeps w (w <- 1 w
                    # + 0 z, z = 0) and gives the inputs to samples 0 and 1 by the same loop,
                    # hence in the same order of additions, as every later pass: a run
                    # continued from a state (or the next chunk) is identical to the bit to the
                    # run it continues
                    k = k0 - 1 if k0 == 0 else k0
                    while k < k1:
                        no_sample = k < 0
                        h = 2 if k + 1 < k1 and (k + 1) % stride != 0 and not no_sample else 1
                        nxt = k + h
                        # past the last sample, x2 and x3 are any row: their dots go unused
                        x0, x1 = (Z, Z) if no_sample else (Xm[k], Xm[nxt - 1])
                        x2 = Xm[nxt if nxt < n else 0]
                        x3 = Xm[nxt + 1 if nxt + 1 < n else 0]
                        g01 = gram[k - k0 if k >= k0 else 0]
                        for i in range(r0, r1, 2):
                            # an odd last row pairs with itself: both halves write the same values
                            i2 = i + 1 if i + 1 < r1 else i
                            for q in range(2 if i2 != i else 1):
                                ii = i if q == 0 else i2
                                a = A[m, ii]
                                # w after the pass = cw w + c0 x_k + c1 x_{k+1}, built sample by
                                # sample; s is the input to the sample
                                cw, c0, c1, s = one, zero, zero, d[ii]
                                for t in range(0 if no_sample else h):
                                    y[ii] = g(s, TP)
                                    alpha = dw(one, zero, y[ii], a, zero, p)
                                    beta = dw(zero, one, y[ii], a, zero, p)
                                    scale = one + dt * alpha
                                    cw, c0, c1 = scale * cw, scale * c0, scale * c1
                                    if t == 0:
                                        c0 += dt * beta
                                    else:
                                        c1 += dt * beta
                                    if lowpass:
                                        a = a + kpost * (target(y[ii], p) - a)
                                    s = cw * e[ii] + c0 * g01  # w_{k+1}.x_{k+1}
                                A[m, ii] = a
                                c[3 * q], c[3 * q + 1], c[3 * q + 2] = cw, c0, c1
                            if i2 == i:
                                c[3], c[4], c[5] = c[0], c[1], c[2]
                            ra, rw = Wm[i], Wm[i2]
                            ca, ba0, ba1, cb, bb0, bb1 = c[0], c[1], c[2], c[3], c[4], c[5]
                            a2, a3, b2, b3 = zero, zero, zero, zero
                            for j in range(n_pre):
                                u0, u1, u2, u3 = x0[j], x1[j], x2[j], x3[j]
                                wa = ca * ra[j] + ba0 * u0 + ba1 * u1
                                wb = cb * rw[j] + bb0 * u0 + bb1 * u1
                                ra[j] = wa
                                rw[j] = wb
                                a2 += wa * u2
                                a3 += wa * u3
                                b2 += wb * u2
                                b3 += wb * u3
                            d[i], e[i], d[i2], e[i2] = a2, a3, b2, b3
                        k = nxt
                        if k % stride == 0 and not no_sample:
                            r = k // stride - 1
                            _record(W, A, Bs, Xm[k - 1], y, m, r, r0, r1, RW, RY, RX, RA, RB)
                            if _check(W, A, m, r0, r1, k - 1, item, fail, failvar, failval):
                                stop = True
                                break
                if stop:
                    break

    return step


def _code_bytes(code: Any) -> bytes:
    """The bytecode and constants of ``code``, recursively (marshal's output depends on
    reference counts, so it differs between processes)."""
    parts = [code.co_code, repr(code.co_names).encode()]
    for const in code.co_consts:
        parts.append(_code_bytes(const) if hasattr(const, "co_code") else repr(const).encode())
    return b"".join(parts)


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy", inline="always")
def _dot(row, x):  # pragma: no cover - compiled
    s = row.dtype.type(0.0)
    for j in range(row.shape[0]):
        s += row[j] * x[j]
    return s


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy", inline="always")
def _normalise(row, kind, total):  # pragma: no cover - compiled
    s = row.dtype.type(0.0)
    if kind == 2:
        for j in range(row.shape[0]):
            s += row[j] * row[j]
        scale = total / math.sqrt(s)
        for j in range(row.shape[0]):
            row[j] *= scale
        return
    for j in range(row.shape[0]):
        s += row[j]
    if kind == 1:
        scale = total / s
        for j in range(row.shape[0]):
            row[j] *= scale
    else:
        shift = (s - total) / row.shape[0]
        for j in range(row.shape[0]):
            row[j] -= shift


@numba.njit(cache=True, inline="always")
def _record(W, A, Bs, x, y, m, r, i0, i1, RW, RY, RX, RA, RB):  # pragma: no cover - compiled
    for i in range(i0, i1):
        if RW.shape[1] > 0:
            for j in range(W.shape[2]):
                RW[m, r, i, j] = W[m, i, j]
        if RY.shape[1] > 0:
            RY[m, r, i] = y[i]
        if RA.shape[1] > 0:
            RA[m, r, i] = A[m, i]
    if i0 == 0:
        for j in range(W.shape[2]):
            if RX.shape[1] > 0:
                RX[m, r, j] = x[j]
            if RB.shape[1] > 0:
                RB[m, r, j] = Bs[m, j]


@numba.njit(cache=True, inline="always")
def _check(W, A, m, i0, i1, k, item, fail, failvar, failval):  # pragma: no cover - compiled
    """Whether rows i0..i1 hold a NaN or inf at step k; the item keeps its earliest failure."""
    for i in range(i0, i1):
        for j in range(W.shape[2]):
            if not math.isfinite(W[m, i, j]):
                if fail[item] < 0 or k < fail[item]:
                    fail[item], failvar[item], failval[item] = k, 0, W[m, i, j]
                return True
        if not math.isfinite(A[m, i]):
            if fail[item] < 0 or k < fail[item]:
                fail[item], failvar[item], failval[item] = k, 1, A[m, i]
            return True
    return False
