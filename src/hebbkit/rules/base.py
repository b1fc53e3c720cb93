"""The contracts every plasticity rule follows.

A rule is a frozen, validated dataclass (:func:`hebbkit._params.frozen`). Its fields are
parameters only; the state a rule needs (BCM's threshold, a trace) lives in the engine and is
named in the class variable ``state``. Update functions are static methods written with
arithmetic operators only, so the same function runs on numpy arrays (broadcasting), inside
numba kernels and on jax tracers.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar


class AbstractRule:
    """Common base: ``params`` is the tuple of numeric field values in declaration order."""

    state: ClassVar[tuple[str, ...]] = ()

    @property
    def params(self) -> tuple[float, ...]:
        """The numeric field values, in declaration order, as floats."""
        values = []
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if isinstance(value, bool | int | float):
                values.append(float(value))
        return tuple(values)


class AbstractRateRule(AbstractRule):
    """A rule for rate units: dw_ij/dt = F(w_ij; nu_i (post), nu_j (pre), state_i)."""


class AbstractSpikeRule(AbstractRule):
    """A rule driven by spikes through traces (pair, triplet and voltage STDP)."""
