"""The oscillator kind compiled with numba: the whole time loop, recording and divergence check
in one call per run, batched over drives (and networks). These are the steps of
``engine._numpy.oscillator``, equal to them within 1e-12 per step: only the order of operations
differs, and the drive's phasor is turned from step to step (:func:`_advance_phasors`). Batch
members are independent: above ``THREADED_WORK`` they are split across numba's thread count,
each thread running its members' whole time loops.

:func:`window_sums` and :func:`fit_powers` are the two passes over the records of
:func:`hebbkit.engine.oscillator.drive_components` (for every backend's records).

Transfer functions are those of ``hebbkit.neurons.rate``; their ``f(x, p)`` static methods are
jitted here and chosen by an integer code (:data:`TRANSFER_CODES`) that is a constant of each
compiled kernel, except tanh, which is computed in operators (:func:`_vector_tanh`) so that it
vectorises.
"""

from __future__ import annotations

import functools
import threading

import numba
import numpy as np

from ... import _threads
from ...errors import ParameterError
from ...neurons.rate import Linear, PiecewiseLinear, Rectified, Sigmoid, Tanh

TRANSFER_CODES = {Linear: 0, Rectified: 1, Tanh: 2, Sigmoid: 3, PiecewiseLinear: 4}

_linear = numba.njit(cache=True)(Linear.f)
_rectified = numba.njit(cache=True)(Rectified.f)
_sigmoid = numba.njit(cache=True)(Sigmoid.f)
_piecewise = numba.njit(cache=True)(PiecewiseLinear.f)

# Reassociation lets the dot products vectorise; no nnan/ninf, so that NaN and inf survive
# into the divergence check.
_FAST = {"reassoc", "contract", "nsz"}
# Batch members are split across threads above this many multiply-adds per call (~1 ms).
THREADED_WORK = 2_000_000
# The drive's phasor e^{i omega t} is turned by e^{i omega dt} from step to step and recomputed
# by cos and sin (scalar libm calls: a quarter of a linear step) every this many steps: the
# turns' rounding stays below 1e-14, inside the 1e-12 per step that numba must match numpy to.
_REANCHOR = 64
# A single network whose matrix ([J; W], or the linear E) is at least this large (beyond L2,
# streamed from L3 or memory every step) has its mat-vecs split by columns across numba's
# threads: 1.9x at N = 1000 on 2 cores (J and W are 16 MB). Smaller ones gain nothing; batches
# are split by member instead.
SPLIT_BYTES = 4 << 20
# Batch members stepped together, sharing each read of J and W (registers bound it: 4 x 4 x's).
_GROUP = 4


@numba.njit(cache=True)
def _g(code, x, p):  # type: ignore[no-untyped-def]
    if code == 0:
        return _linear(x, p)
    if code == 1:
        return _rectified(x, p)
    if code == 3:
        return _sigmoid(x, p)
    return _piecewise(x, p)


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy", inline="always")
def _vector_tanh(x):  # type: ignore[no-untyped-def]
    """tanh(x) = m / (m + 2) with m = expm1(2|x|), in operators only, so that LLVM vectorises
    it (libm's tanh is a scalar call, and was most of a step at N <= 100).

    expm1(r) for r = 2|x| / 32 is its Taylor series to degree 10, then five doublings
    expm1(2r) = m (m + 2), which keep m's relative accuracy near 0. The truncation grows with
    |x| (to 2e-7 relative in m at the cap), but reaches t through dt/dm = 2 / (m + 2)^2, which
    is tiny by then. |x| is capped at 20, where tanh is 1 to double precision. Error against
    ``np.tanh``: at most 2 ulp of 1 (4.4e-16) absolute and 1e-15 relative
    (tests/test_oscillator.py; 3.3e-16 and 9.1e-16 measured over 1.1e6 points). NaN gives +-1;
    the state itself, not g, carries NaN into the divergence check.
    """
    a = abs(x)
    a = a if a < 20.0 else 20.0
    r = a * (2.0 / 32.0)
    # Estrin's scheme: the polynomial of Horner's form in a dependency chain of 5 operations
    # instead of 10. The loop is bound by latency, not by operations: 2.40 against 2.65 ns an
    # element (a loop over 100 elements, one process)
    r2 = r * r
    r4 = r2 * r2
    p01 = 1.0 + r * 0.5
    p23 = 1.0 / 6.0 + r * (1.0 / 24.0)
    p45 = 1.0 / 120.0 + r * (1.0 / 720.0)
    p67 = 1.0 / 5040.0 + r * (1.0 / 40320.0)
    p89 = 1.0 / 362880.0 + r * (1.0 / 3628800.0)
    p = (p01 + r2 * p23) + r4 * ((p45 + r2 * p67) + r4 * p89)
    m = p * r
    m = m * (m + 2.0)
    m = m * (m + 2.0)
    m = m * (m + 2.0)
    m = m * (m + 2.0)
    m = m * (m + 2.0)
    t = m / (m + 2.0)
    return t if x >= 0.0 else -t


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy", inline="always")
def _transfer(code, x, p, out):  # type: ignore[no-untyped-def]
    if code == 2:
        for i in range(x.shape[0]):
            out[i] = p[1] * _vector_tanh(p[0] * x[i])
    else:
        for i in range(x.shape[0]):
            out[i] = _g(code, x[i], p)


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy", inline="always")
def _advance_phasors(omega, step, first, dt, rot_c, rot_s, pc, ps, lo, hi):  # type: ignore[no-untyped-def]
    """(pc, ps)[b] = (cos, sin)(omega[b] step dt), computed exactly every ``_REANCHOR`` global
    steps and by turning the previous step's phasor by (rot_c, rot_s) in between. The first
    step of a call starts from the last anchor, so a run split into chunks is bit-identical to
    the same run in one call."""
    turns = step % _REANCHOR
    if first or turns == 0:
        t = (step - turns) * dt
        for b in range(lo, hi):
            pc[b] = np.cos(omega[b] * t)
            ps[b] = np.sin(omega[b] * t)
    else:
        turns = 1
    for _ in range(turns):
        for b in range(lo, hi):
            c = pc[b]
            pc[b] = c * rot_c[b] - ps[b] * rot_s[b]
            ps[b] = ps[b] * rot_c[b] + c * rot_s[b]


def linear_steps(E, net, Gr, Gi, omega, z0, step0, n_steps, dt, out, first):  # type: ignore[no-untyped-def]
    """z_{k+1} = E z_k + 2 Re[G e^{i omega t_k}]; see ``engine._numpy.oscillator.linear_steps``."""
    z = z0.copy()
    ET = np.ascontiguousarray(np.swapaxes(E, -1, -2))
    work = z.shape[0] * n_steps * z.shape[1] ** 2
    chunks = _split_chunks(z.shape[0], ET[0].nbytes)
    args = (ET, net, Gr, Gi, omega, z, step0, n_steps, dt, out, first)
    bad = _by_members(_linear_members(chunks), args, z.shape[0], work)
    return z, bad


@functools.cache
def _linear_members(chunks: int):  # type: ignore[no-untyped-def]
    """The compiled exact stepping, with the mat-vecs of a single network split by columns
    into ``chunks`` > 1 ranges for numba's threads, or not (a closure constant)."""
    split = chunks > 1

    @numba.njit(cache=True, fastmath=_FAST, error_model="numpy", nogil=True)
    def members(ET, net, Gr, Gi, omega, z, step0, n_steps, dt, out, first, lo, hi):  # type: ignore[no-untyped-def]
        m = z.shape[1]
        new = np.empty((_GROUP, m), dtype=z.dtype)
        part = np.empty((chunks, m), dtype=z.dtype)
        rot_c, rot_s = np.cos(omega * dt), np.sin(omega * dt)
        pc, ps = np.empty(hi), np.empty(hi)
        for k in range(n_steps):
            _advance_phasors(omega, step0 + k, k == 0, dt, rot_c, rot_s, pc, ps, lo, hi)
            b0 = lo
            while b0 < hi:
                # a group of up to 4 consecutive drives through one network shares its loads
                mT = ET[net[b0]]
                gn = 1
                while not split and gn < _GROUP and b0 + gn < hi and net[b0 + gn] == net[b0]:
                    gn += 1
                if split:
                    _matvec_split(mT, z[b0], new[0], part)
                else:
                    _matvec_group(mT, z[b0:], new, gn)
                for q in range(gn):
                    b = b0 + q
                    c2, s2 = 2.0 * pc[b], 2.0 * ps[b]
                    for i in range(m):
                        z[b, i] = new[q, i] + (Gr[b, i] * c2 - Gi[b, i] * s2)
                b0 += gn
            # the divergence check: x * 0 is 0 for a finite x and NaN for NaN and +-inf (LLVM
            # may not fold it to 0 without the nnan flag, which is not set); the sum
            # vectorises with the copy, where a branch per element did not
            check = 0.0
            for b in range(lo, hi):
                for i in range(out.shape[2]):
                    out[k, b, i] = z[b, first + i]
                for i in range(m):
                    check += z[b, i] * 0.0
            if check != check:
                return k + 1
        return -1

    return members


def _split_chunks(members: int, nbytes: int) -> int:
    """How many column ranges each mat-vec is split into: numba's thread count for a single
    network whose matrix has at least ``SPLIT_BYTES``, else 1. Only from the main thread:
    numba's fallback threading layer (workqueue) aborts on parallel launches from two threads
    at once."""
    split = (
        members == 1
        and nbytes >= SPLIT_BYTES
        and threading.current_thread() is threading.main_thread()
    )
    return numba.get_num_threads() if split else 1


def nonlinear_steps(u0, v0, p, rk4, step0, n_steps, dt, stride, out_u, out_v):  # type: ignore[no-untyped-def]
    """Eqs (1)-(2) by RK4 or forward Euler; see ``engine._numpy.oscillator.nonlinear_steps``
    (same arguments; the transfer objects of ``p`` are passed to the kernel as codes)."""
    codes = []
    for name in ("g_u", "g_v"):
        if type(p[name]) not in TRANSFER_CODES:
            raise ParameterError(
                f"Oscillator.{name}",
                "must be a hebbkit.neurons.rate transfer for numba",
                type(p[name]).__name__,
            )
        codes.append(TRANSFER_CODES[type(p[name])])
    u, v = u0.copy(), v0.copy()
    JWT = np.ascontiguousarray(p["JW"].T)
    args = (u, v, p["alpha"], p["beta"], p["gamma"], p["I0"], JWT, p["xr"], p["xim"], p["omega"])
    args += (p["pu"], p["pv"], step0, n_steps, dt, stride, out_u, out_v)
    work = u.shape[0] * n_steps * JWT.size * (4 if rk4 else 1)
    chunks = _split_chunks(u.shape[0], JWT.nbytes)
    kernel = _nonlinear_members(bool(rk4), chunks, *codes)
    bad = _by_members(kernel, args, u.shape[0], work)
    return u, v, bad


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy", inline="always")
def _matvec(mT, x, out):  # type: ignore[no-untyped-def]
    """out = M x with mT = M.T contiguous (:func:`_matvec_columns` over every column)."""
    _matvec_columns(mT, x, out, 0, mT.shape[0])


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy", inline="always")
def _matvec_columns(mT, x, out, j0, j1):  # type: ignore[no-untyped-def]
    """out = M[:, j0:j1] x[j0:j1] with mT = M.T contiguous, in column form: out += M[:, j:j+4]
    x[j:j+4], vectorised along the rows of M, with no horizontal sums (1.3-2x the row-dot form
    here, most at N = 1000, where M streams from memory once per call)."""
    rows = mT.shape[1]
    for i in range(rows):
        out[i] = 0.0
    j = j0
    while j + 3 < j1:
        x0 = x[j]
        x1 = x[j + 1]
        x2 = x[j + 2]
        x3 = x[j + 3]
        for i in range(rows):
            out[i] += mT[j, i] * x0 + mT[j + 1, i] * x1 + mT[j + 2, i] * x2 + mT[j + 3, i] * x3
        j += 4
    while j < j1:
        xj = x[j]
        for i in range(rows):
            out[i] += mT[j, i] * xj
        j += 1


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy", inline="always")
def _matvec_group(mT, x, out, gn):  # type: ignore[no-untyped-def]
    """out[q] = M x[q] for the first gn rows of x, as :func:`_matvec`. A full group of 4
    shares each load of four rows of mT: a batch of drives through one network reads J and W a
    quarter as often as member by member."""
    if gn < _GROUP:
        for q in range(gn):
            _matvec(mT, x[q], out[q])
        return
    cols, rows = mT.shape
    for q in range(_GROUP):
        for i in range(rows):
            out[q, i] = 0.0
    j = 0
    while j + 3 < cols:
        x00, x01, x02, x03 = x[0, j], x[0, j + 1], x[0, j + 2], x[0, j + 3]
        x10, x11, x12, x13 = x[1, j], x[1, j + 1], x[1, j + 2], x[1, j + 3]
        x20, x21, x22, x23 = x[2, j], x[2, j + 1], x[2, j + 2], x[2, j + 3]
        x30, x31, x32, x33 = x[3, j], x[3, j + 1], x[3, j + 2], x[3, j + 3]
        for i in range(rows):
            m0, m1, m2, m3 = mT[j, i], mT[j + 1, i], mT[j + 2, i], mT[j + 3, i]
            out[0, i] += m0 * x00 + m1 * x01 + m2 * x02 + m3 * x03
            out[1, i] += m0 * x10 + m1 * x11 + m2 * x12 + m3 * x13
            out[2, i] += m0 * x20 + m1 * x21 + m2 * x22 + m3 * x23
            out[3, i] += m0 * x30 + m1 * x31 + m2 * x32 + m3 * x33
        j += 4
    while j < cols:
        for q in range(_GROUP):
            xj = x[q, j]
            for i in range(rows):
                out[q, i] += mT[j, i] * xj
        j += 1


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy", nogil=True, parallel=True)
def _matvec_split(mT, x, out, part):  # type: ignore[no-untyped-def]
    """out = M x as :func:`_matvec`, the columns of M split into ``part.shape[0]`` contiguous
    ranges that numba's threads compute at once (each streams its own rows of mT), then
    summed."""
    cols = mT.shape[0]
    chunks = part.shape[0]
    for c in numba.prange(chunks):
        _matvec_columns(mT, x, part[c], cols * c // chunks, cols * (c + 1) // chunks)
    for i in range(out.shape[0]):
        acc = part[0, i]
        for c in range(1, chunks):
            acc += part[c, i]
        out[i] = acc


@functools.cache
def _nonlinear_members(rk4: bool, chunks: int, cu: int, cv: int):  # type: ignore[no-untyped-def]
    """The compiled time loop of eqs (1)-(2) for RK4 or forward Euler, with the mat-vecs of a
    single network split by columns into ``chunks`` > 1 ranges for numba's threads, or not
    (:data:`SPLIT_BYTES`), and g_u, g_v given by their :data:`TRANSFER_CODES` ``cu``, ``cv``.
    All are closure constants, so numba drops the code not taken: forward Euler at N = 10
    saved 0.7 ms of 3 per 10,000 steps, and a tanh network does not compile the other
    transfers (0.55 s of a cold first call)."""
    stages = 4 if rk4 else 1
    split = chunks > 1

    @numba.njit(cache=True, fastmath=_FAST, error_model="numpy", nogil=True)
    def members(  # type: ignore[no-untyped-def]
        u,
        v,
        alpha,
        beta,
        gamma,
        I0,
        JWT,
        xr,
        xim,
        omega,
        pu,
        pv,
        step0,
        n_steps,
        dt,
        stride,
        out_u,
        out_v,
        lo,
        hi,
    ):
        n = u.shape[1]
        gu = np.empty((_GROUP, n), dtype=u.dtype)
        gv = np.empty((_GROUP, n), dtype=u.dtype)
        h = np.empty((_GROUP, 2 * n), dtype=u.dtype)
        ku = np.empty((4, _GROUP, n), dtype=u.dtype)
        kv = np.empty((4, _GROUP, n), dtype=u.dtype)
        su = np.empty((_GROUP, n), dtype=u.dtype)
        sv = np.empty((_GROUP, n), dtype=u.dtype)
        part = np.empty((chunks, 2 * n), dtype=u.dtype)
        # RK4 stage s is evaluated at t + offset[s] dt from u + offset[s] dt k_{s-1}; one call site
        # for the right-hand side keeps the compiled code (and the JIT time) small.
        offset = np.array([0.0, 0.5, 0.5, 1.0])
        sixth = dt / 6.0
        rot_c, rot_s = np.cos(omega * dt), np.sin(omega * dt)
        half_c, half_s = np.cos(omega * (0.5 * dt)), np.sin(omega * (0.5 * dt))
        pc, ps = np.empty(hi), np.empty(hi)
        for k in range(n_steps):
            _advance_phasors(omega, step0 + k, k == 0, dt, rot_c, rot_s, pc, ps, lo, hi)
            for b0 in range(lo, hi, _GROUP):
                gn = min(_GROUP, hi - b0)
                for s in range(stages):
                    c = offset[s] * dt
                    for q in range(gn):
                        b = b0 + q
                        if s > 0:
                            for i in range(n):
                                su[q, i] = u[b, i] + c * ku[s - 1, q, i]
                                sv[q, i] = v[b, i] + c * kv[s - 1, q, i]
                        _transfer(cu, u[b] if s == 0 else su[q], pu, gu[q])
                        _transfer(cv, v[b] if s == 0 else sv[q], pv, gv[q])
                    if split:
                        _matvec_split(JWT, gu[0], h[0], part)
                    else:
                        _matvec_group(JWT, gu, h, gn)
                    for q in range(gn):
                        b = b0 + q
                        xu = u[b] if s == 0 else su[q]
                        xv = v[b] if s == 0 else sv[q]
                        # 2 e^{i omega (t + offset dt)}: the phasor, turned by half a step or one
                        cos2, sin2 = 2.0 * pc[b], 2.0 * ps[b]
                        if s > 0:
                            rc, rs = (half_c[b], half_s[b]) if s < 3 else (rot_c[b], rot_s[b])
                            cos2, sin2 = cos2 * rc - sin2 * rs, sin2 * rc + cos2 * rs
                        for i in range(n):
                            drive = xr[b, i] * cos2 - xim[b, i] * sin2
                            du = -alpha * xu[i] - beta * gv[q, i] + h[q, i] + I0[i] + drive
                            dv = -alpha * xv[i] + gamma * gu[q, i] + h[q, n + i]
                            if rk4:
                                ku[s, q, i] = du
                                kv[s, q, i] = dv
                            else:
                                # forward Euler steps in this pass (u[b, i] was last read
                                # just above): no stores to ku, kv and no second pass
                                u[b, i] += dt * du
                                v[b, i] += dt * dv
                if rk4:
                    for q in range(gn):
                        b = b0 + q
                        for i in range(n):
                            u[b, i] += sixth * (
                                ku[0, q, i] + 2.0 * ku[1, q, i] + 2.0 * ku[2, q, i] + ku[3, q, i]
                            )
                            v[b, i] += sixth * (
                                kv[0, q, i] + 2.0 * kv[1, q, i] + 2.0 * kv[2, q, i] + kv[3, q, i]
                            )
            if (k + 1) % stride == 0:
                r = (k + 1) // stride - 1
                # element loops: a slice assignment would compile numba's shape-error
                # message machinery, 2.4 s of a cold first call
                check = 0.0  # NaN when any u or v is NaN or infinite, as in _linear_members
                for b in range(lo, hi):
                    for i in range(n):
                        if out_u.shape[0]:
                            out_u[r, b, i] = u[b, i]
                        if out_v.shape[0]:
                            out_v[r, b, i] = v[b, i]
                        check += u[b, i] * 0.0 + v[b, i] * 0.0
                if check != check:
                    return k + 1
        return -1

    return members


def _by_members(kernel, args, members, work):  # type: ignore[no-untyped-def]
    """Run ``kernel(*args, lo, hi)`` over the batch members, split across numba's thread count
    when there are several members and enough work to pay for threads (``THREADED_WORK``):
    members are independent, so each thread runs its own whole time loop (the kernels release
    the GIL). Returns the first failing step over all members, or -1."""
    threads = min(numba.get_num_threads(), members) if work > THREADED_WORK else 1
    if threads == 1:
        return kernel(*args, 0, members)
    bads = _threads.split(lambda lo, hi: kernel(*args, lo, hi), members, threads)
    failed = [b for b in bads if b >= 0]
    return min(failed) if failed else -1


@numba.njit(cache=True, error_model="numpy", nogil=True)
def window_sums(u, first, cosine, sine, which, proj):  # type: ignore[no-untyped-def]
    """Add to proj (B, 3, N) the sums over the records u[first:] (T, B, N) of phi u^T,
    phi = (1, cos omega_b t, sin omega_b t) (rows ``which[b]`` of ``cosine`` and ``sine``). Each
    sum runs over t in order, with no reassociation, so a member's sums do not depend on the
    rest of the batch; t is the outer loop, which reads u in its own layout (member by member,
    with u's stride, is 2x slower). Outputs come allocated: a kernel that allocates takes twice
    as long to JIT."""
    n_t, n_b, n = cosine.shape[1], u.shape[1], u.shape[2]
    for k in range(n_t):
        for b in range(n_b):
            f = which[b]
            c, s = cosine[f, k], sine[f, k]
            for i in range(n):
                x = u[first + k, b, i]
                proj[b, 0, i] += x
                proj[b, 1, i] += c * x
                proj[b, 2, i] += s * x


@numba.njit(cache=True, error_model="numpy", nogil=True)
def fit_powers(u, first, cosine, sine, which, coef, residual, total):  # type: ignore[no-untyped-def]
    """Add to residual (B, N) and total (B, N) the sums over t >= first of (u - phi . coef)^2
    and of (u - coef[:, 0])^2, in the order of :func:`window_sums`. A sum per unit, not per
    member: a member's sum over units would be a chain of dependent additions, twice the time."""
    n_t, n_b, n = cosine.shape[1], u.shape[1], u.shape[2]
    for k in range(n_t):
        for b in range(n_b):
            f = which[b]
            c, s = cosine[f, k], sine[f, k]
            for i in range(n):
                x = u[first + k, b, i]
                r = x - (coef[b, 0, i] + c * coef[b, 1, i] + s * coef[b, 2, i])
                d = x - coef[b, 0, i]
                residual[b, i] += r * r
                total[b, i] += d * d
