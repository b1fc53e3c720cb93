"""Rarer garbage collection while hebbkit builds what lives to the end of a run.

Loading numba, compiling a kernel and expanding a sweep allocate hundreds of thousands of
objects that are either kept (modules, kernels, configs) or freed by reference counting; at
Python's default thresholds (700, 10, 10) they set off full collections of the whole heap,
which find next to nothing: 0.15 s of the first Oja call's 1.9 s JIT, and 0.19 s of
``reproduce scarpetta2001 --quick``. Inside :func:`rare_collections` the collector runs at
:data:`THRESHOLDS` (generation 0 every 50,000 allocations), as mypy's build does, and the
thresholds are restored when the outermost block ends. The command line keeps them for the
whole command.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

THRESHOLDS = (50_000, 20, 20)

_lock = threading.Lock()
_depth = 0  # blocks open, over all threads
_saved = gc.get_threshold()


@contextlib.contextmanager
def rare_collections() -> Iterator[None]:
    """Collect garbage at :data:`THRESHOLDS` inside the block (nestable, from any thread)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*THRESHOLDS)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
