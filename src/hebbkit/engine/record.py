"""What a simulation records, validated when it is made (the idea of Diffrax's ``SaveAt``)."""

from __future__ import annotations

from .._params import Duration, frozen
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
    """

    every: Duration | None = None
    vars: tuple[str, ...] | None = None

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

    def chosen(self, available: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
        """The recorded names, checked against what the network can record."""
        names = default if self.vars is None else self.vars
        for name in names:
            if name not in available:
                raise ParameterError(
                    "Record.vars", "each must be one of " + ", ".join(available), name
                )
        return tuple(names)
