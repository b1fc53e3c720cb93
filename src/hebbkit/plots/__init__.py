"""Figure functions: Dataset in, matplotlib Figure out; no computation, no hebbkit imports.

matplotlib is imported by :func:`new_figure`, on the first figure drawn, so importing these
modules (every experiment does) costs nothing to a command that draws none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(**kwargs: Any) -> Figure:
    """``matplotlib.figure.Figure(**kwargs)``: a figure outside pyplot, which needs no closing."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)
