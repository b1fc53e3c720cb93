"""Parameter types with units and ranges, and the decorator that makes validated frozen classes.

Every parameter of every public class is declared with one of the ``Annotated`` types below,
so its accepted range lives in one place and its unit is in the field description. Classes
decorated with :func:`frozen` are pydantic dataclasses: they validate at construction and at
``dataclasses.replace``, and turn pydantic's multi-line report into one :class:`ParameterError`
line, ``Oja.eta: input should be greater than 0 (got -1.0)``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Annotated, Any, TypeVar, dataclass_transform

import pydantic
from pydantic import ConfigDict, Field

from .errors import ParameterError

Real = Annotated[float, Field(allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
TimeConstant = Annotated[float, Field(gt=0, allow_inf_nan=False, description="s")]
Duration = Annotated[float, Field(gt=0, allow_inf_nan=False, description="s")]
Rate = Annotated[float, Field(ge=0, allow_inf_nan=False, description="Hz")]
Frequency = Annotated[float, Field(gt=0, allow_inf_nan=False, description="Hz")]
LearningRate = Annotated[float, Field(gt=0, allow_inf_nan=False, description="1/s")]
Weight = Annotated[float, Field(allow_inf_nan=False)]
Count = Annotated[int, Field(gt=0)]
Seed = Annotated[int, Field(ge=0, lt=2**63)]

T = TypeVar("T")

_CONFIG = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


@dataclass_transform(frozen_default=True, field_specifiers=(Field,))
def frozen(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen, validated pydantic dataclass with one-line errors.

    A ``_check(self)`` method, if the class defines one, runs after field validation for
    constraints between fields (``w_min < w_max``); it raises :class:`ParameterError` itself.
    """
    dc: Any = pydantic.dataclasses.dataclass(frozen=True, config=_CONFIG)(cls)
    init = dc.__init__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except pydantic.ValidationError as err:
            raise error_from_validation(dc.__name__, err) from None
        check = getattr(self, "_check", None)
        if check is not None:
            check()

    dc.__init__ = __init__
    return dc  # type: ignore[no-any-return]


def error_from_validation(
    owner: str, err: pydantic.ValidationError, whose: str | None = None
) -> ParameterError:
    """The first problem in a pydantic report as ``owner.dotted.path: message (got value)``; an
    unknown key "is not a parameter of" ``whose`` (default: ``owner``)."""
    errors = err.errors(include_url=False)
    # of a union's branches, the one whose type matched says what is wrong with the value
    matched = [e for e in errors if not e["type"].endswith("_type")]
    first = (matched or errors)[0]
    # field names only: no list indices, no union-branch tags such as "constrained-float"
    path = ".".join(str(p) for p in first["loc"] if isinstance(p, str) and p.isidentifier())
    name = f"{owner}.{path}" if path else owner
    message = first["msg"]
    message = message[:1].lower() + message[1:]
    if first["type"] == "missing":
        return ParameterError(name, "is required")
    if first["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        return ParameterError(name, "is not a parameter of " + (whose or owner))
    return ParameterError(name, message, first.get("input"))


def parameter_names(obj: Any) -> tuple[str, ...]:
    """The names of a frozen class's fields, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(obj))
