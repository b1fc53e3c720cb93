"""What a simulation records, validated when it is made (the idea of Diffrax's ``SaveAt``)."""

from __future__ import annotations

import math

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
