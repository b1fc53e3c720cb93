"""The jax backend: ``lax.scan`` over time, batched matrix products over the batch.

jax is imported only when a module of this package is imported (``backend="jax"``), so hebbkit
imports without it. Importing this package switches jax to 64-bit mode
(``jax.config.update("jax_enable_x64", True)``): without it jax silently computes float64 inputs
in float32, and the backend could not meet its float64 contract (equal to numpy to 1e-9 over
whole runs). This is a process-wide jax setting; float32 runs pass float32 arrays and stay in
float32. The persistent compilation cache is switched on (directory ``HEBBKIT_JAX_CACHE``,
default ``~/.cache/hebbkit/jax``; an empty value switches it off), so a second process loads
its kernels instead of compiling them.

Every random draw is made by numpy before the kernel is called; the kernels contain no host
callbacks, so the same code runs on a GPU when jax finds one.
"""

from __future__ import annotations

import functools
import os
import types
from pathlib import Path
from typing import Any

from ...errors import BackendUnavailable


@functools.cache
def modules() -> tuple[Any, Any, Any]:
    """(jax, jax.numpy, jax.lax), configured for hebbkit; BackendUnavailable without jax."""
    try:
        import jax
        import jax.numpy as jnp
        from jax import lax
    except ImportError:
        raise BackendUnavailable("jax", "jax") from None
    jax.config.update("jax_enable_x64", True)
    cache = os.environ.get("HEBBKIT_JAX_CACHE", str(Path.home() / ".cache" / "hebbkit" / "jax"))
    if cache:
        jax.config.update("jax_compilation_cache_dir", cache)
        # hebbkit's kernels compile in 0.1-1 s; jax's default threshold (1 s) would skip them.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return jax, jnp, lax


def traceable(fn: Any) -> Any:
    """``fn`` (a transfer's ``f``) with ``np`` bound to ``jax.numpy``.

    The transfer functions of ``hebbkit.neurons.rate`` call numpy ufuncs (``np.tanh``,
    ``np.abs``) that numba compiles but that cannot take jax tracers; the same code object with
    ``np`` rebound runs under ``jit``. Parameter vectors stay numpy arrays (constants).
    """
    _, jnp, _ = modules()
    fn = getattr(fn, "__func__", fn)
    scope = dict(fn.__globals__)
    scope["np"] = jnp
    return types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
