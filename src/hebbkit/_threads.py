"""One thread count per process for every pool hebbkit's work runs on: numba's and BLAS's.

numba's parallel kernels and OpenBLAS each start a pool of one thread per core; used together
on a small machine they oversubscribe the cores and spin against each other. :func:`set_threads`
gives both the same count. The default comes from the environment variable
``HEBBKIT_NUM_THREADS`` (the CLI's ``--threads`` sets it through :func:`set_threads`).

BLAS pools are resized through ``threadpoolctl`` when it is installed, and otherwise by calling
``openblas_set_num_threads`` (under any of its wheel-mangled names) in every OpenBLAS library
the process has loaded. XLA (jax) sizes its CPU pool once, when jax starts its backend: if jax
has not started yet, one thread also turns off XLA's multi-threaded Eigen through ``XLA_FLAGS``;
otherwise jax keeps the threads it has.

:func:`split` runs a GIL-releasing kernel over ranges of its items on a pool of threads kept for
the process.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import itertools
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import ParameterError

ENV = "HEBBKIT_NUM_THREADS"
_BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_OPENBLAS_SETTERS = (
    "openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "scipy_openblas_set_num_threads64_",
)
_state: dict[str, Any] = {"threads": None, "defaulted": False, "numba": None, "pool": None}
_pool_lock = threading.Lock()
T = TypeVar("T")


def set_threads(n: int | None = None) -> int:
    """Use ``n`` threads (>= 1) in numba and BLAS; None reads ``HEBBKIT_NUM_THREADS``, else
    the number of cores. Returns the count applied."""
    if n is None:
        text = os.environ.get(ENV, "").strip()
        try:
            n = int(text) if text else (os.cpu_count() or 1)
        except ValueError:
            raise ParameterError(ENV, "must be an integer >= 1", text) from None
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ParameterError("threads", "must be an integer >= 1", n)
    os.environ[ENV] = str(n)
    for name in _BLAS_ENV:  # for libraries loaded later and for child processes
        os.environ[name] = str(n)
    _set_numba(n)
    _set_blas(n)
    _set_xla(n)
    _state["threads"] = n
    return n


def threads() -> int | None:
    """The count set by :func:`set_threads` in this process, or None if it was never called."""
    return _state["threads"]  # type: ignore[no-any-return]


def apply_default() -> None:
    """Apply ``HEBBKIT_NUM_THREADS`` once per process if it is set (called by ``simulate``)."""
    if _state["defaulted"]:
        return
    _state["defaulted"] = True
    if _state["threads"] is None and os.environ.get(ENV, "").strip():
        set_threads()


def _set_numba(n: int) -> None:
    if "numba" not in sys.modules:
        # Importing numba here would cost 0.3 s; hebbkit's kernels apply the count when they
        # import it (apply_numba). Capping NUMBA_NUM_THREADS instead would size numba's pool
        # for good: a later, larger count could never be set in this process.
        _state["numba"] = n
        return
    import numba

    config: Any = numba.config
    numba.set_num_threads(min(n, config.NUMBA_NUM_THREADS))
    _state["numba"] = None


def apply_numba() -> None:
    """Import numba and apply a count that :func:`set_threads` was given before it was loaded
    (called by ``hebbkit.engine._numba``, whose kernels need numba, on import)."""
    import numba  # noqa: F401

    if _state["numba"] is not None:
        _set_numba(_state["numba"])


def _set_blas(n: int) -> None:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        for path in _loaded_openblas():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for name in _OPENBLAS_SETTERS:
                setter = getattr(lib, name, None)
                if setter is not None:
                    setter(ctypes.c_int(n))
                    break
        return
    threadpool_limits(limits=n, user_api="blas")


def _loaded_openblas() -> list[str]:
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:  # not Linux: the environment variables above apply to later loads only
        return []
    paths = {line.split()[-1] for line in lines if "openblas" in line.lower()}
    return sorted(p for p in paths if p.startswith("/"))


def _set_xla(n: int) -> None:
    if "jax" in sys.modules or n > 1:
        return
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_cpu_multi_thread_eigen" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false").strip()


def split(fn: Callable[[int, int], T], items: int, threads: int) -> list[T]:
    """``[fn(lo, hi), ...]`` over ``threads`` contiguous ranges of ``range(items)``, run at once:
    the first on the calling thread, the others on a pool kept for the process (``fn`` must
    release the GIL, as hebbkit's kernels do). A pool started at each call cost 1.5-5 ms of
    the 50 ms of a batched 256-point sweep, its threads' start and join."""
    cuts = [items * t // threads for t in range(threads + 1)]
    pool = _pool()
    jobs = [pool.submit(fn, lo, hi) for lo, hi in itertools.pairwise(cuts[1:])]
    try:
        first = fn(cuts[0], cuts[1])
    finally:
        concurrent.futures.wait(jobs)
    return [first, *(job.result() for job in jobs)]


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    with _pool_lock:
        if _state["pool"] is None:
            # threads start on demand, up to min(32, cores + 4), and then stay
            _state["pool"] = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="hebbkit")
        return _state["pool"]  # type: ignore[no-any-return]


def _forget_pool() -> None:
    # a forked child has none of its parent's threads, and the lock may have been held by one
    global _pool_lock
    _state["pool"], _pool_lock = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)
