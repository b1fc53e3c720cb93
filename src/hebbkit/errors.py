"""The exceptions hebbkit raises. Each message is one line that names what is wrong.

Every public error is formatted by :func:`ParameterError` or :class:`DivergenceError` so that
the command line can print ``str(error)`` alone and exit with code 2.
"""

from __future__ import annotations

from typing import Any

_MISSING = object()


class HebbkitError(Exception):
    """Base class of every error hebbkit raises on purpose."""


class ParameterError(HebbkitError, ValueError):
    """A parameter is outside its accepted range: ``Owner.param: requirement (got value)``."""

    def __init__(self, name: str, requirement: str, got: Any = _MISSING) -> None:
        self.name = name
        self.requirement = requirement
        self.got = got
        text = f"{name}: {requirement}"
        if got is not _MISSING:
            text += f" (got {_short(got)})"
        super().__init__(text)


class ConfigError(ParameterError):
    """A configuration file or ``--set`` override is malformed or names an unknown key."""


class DivergenceError(HebbkitError, FloatingPointError):
    """A run produced NaN or inf. Carries ``variable``, ``time`` (s), ``step`` and ``value``."""

    def __init__(self, variable: str, time: float, step: int, value: float, hint: str = "") -> None:
        self.variable = variable
        self.time = time
        self.step = step
        self.value = value = float(value)  # numpy scalars would print as np.float64(nan)
        hint = hint or "try a smaller dt or learning rate"
        super().__init__(
            f"{variable} diverged at t={time:.6g} s (step {step}, value {value!r}); {hint}"
        )


class BackendUnavailable(HebbkitError, ImportError):
    """A backend was asked for whose optional dependency is not installed."""

    def __init__(self, backend: str, extra: str) -> None:
        self.backend = backend
        super().__init__(
            f"backend={backend!r} needs the {extra} extra: pip install 'hebbkit[{extra}]'"
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
