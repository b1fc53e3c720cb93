"""Plasticity rules: the rate family, spike-timing rules and learning windows.

``RULES`` maps a lower-case name to each rule class; :func:`get_rule` looks one up. The rule
modules are imported when ``RULES`` is first used, so importing ``rules.windows`` alone (the
oscillator's kernels) does not build every rule class.
"""

from __future__ import annotations

import functools
from typing import Any

from ..errors import ParameterError


@functools.cache
def _all_rules() -> dict[str, type]:
    from .rate import RATE_RULES
    from .spike import SPIKE_RULES

    return {**RATE_RULES, **SPIKE_RULES}


def __getattr__(name: str) -> Any:
    if name == "RULES":
        return _all_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_rule(name: str) -> type:
    """The rule class registered under ``name``."""
    rules = _all_rules()
    try:
        return rules[name]
    except KeyError:
        raise ParameterError("rule", "must be one of " + ", ".join(sorted(rules)), name) from None
