"""What a simulation records, validated when it is made (the idea of Diffrax's ``SaveAt``)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from .._params import Duration, NonNegative, frozen
from ..errors import ParameterError


@frozen
class Record:
    """Which variables to save, and how often.

    Parameters
    ----------
    every : float or None
        Sampling interval in seconds; a whole multiple of ``dt``. ``None`` records every step.
    vars : tuple of str or None
        Names of the variables to record; ``None`` records the network's defaults.
    start : float
        Keep the records at times >= ``start`` (s from the start of the run), >= 0: a
        transient is simulated but not stored, as Brian2's and NEST's recorders can start late.
    """

    every: Duration | None = None
    vars: tuple[str, ...] | None = None
    start: NonNegative = 0.0

    def _check(self) -> None:
        if self.vars is not None and len(self.vars) == 0:
            raise ParameterError(
                "Record.vars", "must name at least one variable; nothing would be saved", ()
            )

    def stride(self, dt: float) -> int:
        """The number of steps between two records for time step ``dt`` (s)."""
        if self.every is None:
            return 1
        ratio = self.every / dt
        stride = round(ratio)
        if stride < 1 or abs(ratio - stride) > 1e-9 * max(1.0, ratio):
            raise ParameterError(
                "Record.every", f"must be a whole multiple of dt={dt!r} s", self.every
            )
        return stride

    def skipped(self, dt: float, n_steps: int) -> int:
        """The steps run before the first record kept (a whole number of records), for time
        step ``dt`` (s) and a run of ``n_steps`` steps."""
        stride = self.stride(dt)
        first = math.ceil(self.start / (stride * dt) - 1e-9)  # the first record kept
        if first * stride > n_steps:
            raise ParameterError(
                "Record.start", f"must be <= t_stop={n_steps * dt!r} s", self.start
            )
        return max(first - 1, 0) * stride

    def chosen(self, available: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
        """The recorded names, checked against what the network can record."""
        names = default if self.vars is None else self.vars
        for name in names:
            if name not in available:
                raise ParameterError(
                    "Record.vars", "each must be one of " + ", ".join(available), name
                )
        return tuple(names)


def transient_as_piece(run: Callable[..., Any]) -> Callable[..., Any]:
    """A kind's ``run(..., skip=0)`` for a kind that cannot leave steps unrecorded itself: the
    ``skip`` steps before the first record (:meth:`Record.skipped`) run as a piece of their own,
    whose single record is dropped, and the run continues from its state."""

    @functools.wraps(run)
    def skipping(network: Any, rule: Any, drive: Any, *, skip: int = 0, **kw: Any) -> Any:
        if skip:
            transient = Record(every=skip * kw["dt"], vars=kw["record"].vars)
            kw["initial"] = run(network, rule, drive, **kw | {"n_steps": skip, "record": transient})
        return run(network, rule, drive, **kw)

    return skipping
