"""Figure functions: arrays or Datasets in, :class:`Plot` out; no computation, no hebbkit imports.

A figure function decorated with :func:`plot` returns a :class:`Plot`, the figure still to be
drawn. Experiments return Plots, so a run whose figures are not saved (a sweep point, a test)
never loads matplotlib; inside :func:`drawn_by` a Plot starts being drawn in a helper process
as soon as it is made, as the CLI does. matplotlib is imported by :func:`new_figure`, on the
first figure drawn.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import inspect
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from matplotlib.figure import Figure

_P = ParamSpec("_P")

# PNG resolution: 5 x 4 inch figures come out 550 x 440 pixels, legible at their 7-10 pt text.
DPI = 110

_pool: contextvars.ContextVar[Executor | None] = contextvars.ContextVar("pool", default=None)


@dataclasses.dataclass(frozen=True, eq=False)
class Plot:
    """A figure to be drawn: ``function(*args, **kwargs)``, with ``function`` a figure
    function of this package. A Plot pickles (its function by name, its arguments by value),
    so it can be drawn in another process."""

    function: Callable[..., Plot]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    _png: Future[bytes] | None = dataclasses.field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        pool = _pool.get()
        if pool is not None:
            with contextlib.suppress(BrokenExecutor):  # a dead helper: drawn here when saved
                png = pool.submit(png_bytes, self.function, self.args, self.kwargs)
                object.__setattr__(self, "_png", png)

    def __reduce__(self) -> tuple[Any, ...]:
        return Plot, (self.function, self.args, self.kwargs)

    def figure(self) -> Figure:
        """The matplotlib figure, drawn now."""
        draw: Callable[..., Figure] = inspect.unwrap(self.function)
        return draw(*self.args, **self.kwargs)

    def savefig(self, path: Any, **kwargs: Any) -> None:
        """Save the figure: ``Figure.savefig(path, **kwargs)``, or the PNG a helper process
        drew (:func:`drawn_by`) when ``kwargs`` is ``dpi=DPI``."""
        if self._png is not None and kwargs == {"dpi": DPI}:
            try:
                Path(path).write_bytes(self._png.result())
                return
            except BrokenExecutor:  # the helper died (killed, out of memory): draw here
                pass
        self.figure().savefig(path, **kwargs)


def plot(function: Callable[_P, Figure]) -> Callable[_P, Plot]:
    """Make a figure function return a :class:`Plot` of itself, drawn when it is saved."""

    @functools.wraps(function)
    def deferred(*args: _P.args, **kwargs: _P.kwargs) -> Plot:
        return Plot(deferred, args, kwargs)

    return deferred


def png_bytes(
    function: Callable[..., Plot], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> bytes:
    """The PNG (at :data:`DPI`) of ``Plot(function, args, kwargs)``."""
    import io

    buffer = io.BytesIO()
    Plot(function, args, kwargs).figure().savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


@contextlib.contextmanager
def drawn_by(pool: Executor | None) -> Iterator[None]:
    """Inside the block, each :class:`Plot` made starts being drawn in ``pool`` (a process
    pool; None: no change), so that drawing one figure overlaps computing the next."""
    token = _pool.set(pool) if pool is not None else None
    try:
        yield
    finally:
        if token is not None:
            _pool.reset(token)


def new_figure(**kwargs: Any) -> Figure:
    """``matplotlib.figure.Figure(**kwargs)``: a figure outside pyplot, which needs no closing."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def warm_up() -> None:
    """Prepare a process that is to draw figures soon (the CLI's helpers, or the fork server
    they are forked from): load matplotlib and its fonts by drawing a small figure. It ignores
    Ctrl-C (the main process ends it) and exits without collecting what it loaded
    (``gc.freeze``: 0.1 s saved at its exit)."""
    import gc
    import io
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    fig = new_figure(figsize=(1, 1))
    fig.add_subplot().set(title="t", xlabel="x")
    fig.savefig(io.BytesIO(), format="png", dpi=20)
    gc.freeze()
