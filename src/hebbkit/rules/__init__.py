"""Plasticity rules: the rate family, spike-timing rules and learning windows.

``RULES`` maps a lower-case name to each rule class; :func:`get_rule` looks one up.
"""

from __future__ import annotations

from ..errors import ParameterError
from .rate import RATE_RULES
from .spike import SPIKE_RULES

RULES: dict[str, type] = {**RATE_RULES, **SPIKE_RULES}


def get_rule(name: str) -> type:
    """The rule class registered under ``name``."""
    try:
        return RULES[name]
    except KeyError:
        raise ParameterError("rule", "must be one of " + ", ".join(sorted(RULES)), name) from None
