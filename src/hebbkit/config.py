"""Experiment configuration: TOML files and ``--set dotted.path=value`` overrides, validated by
pydantic. Every error names the file and the dotted path of the offending key."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from ._params import error_from_validation
from .errors import ConfigError

M = TypeVar("M", bound=pydantic.BaseModel)


def load_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The table in a TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}", "must be a readable TOML file", err.strerror) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}", "must be a TOML file in UTF-8 (it is not text)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}", f"is not valid TOML: {err}") from None


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"rule.eta=1e-3"`` into ``("rule.eta", 0.001)``; the value is read as TOML,
    and as a plain string when it is not a TOML value."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part.isidentifier() for part in key.split(".")):
        raise ConfigError("--set", "must look like dotted.path=value", text)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key, value


def with_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with each dotted path in ``overrides`` set to its value."""
    out = _deep_copy(data)
    for dotted, value in overrides.items():
        node = out
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(dotted, f"{part!r} is a value, not a table", child)
            node = child
        node[parts[-1]] = value
    return out


def flat(
    tree: dict[str, Any], prefix: str = "", is_leaf: Callable[[dict[str, Any]], bool] | None = None
) -> Iterator[tuple[str, Any]]:
    """Nested tables as (dotted.path, value) pairs, the inverse of :func:`with_overrides`
    (TOML reads ``rule.eta = 1`` as ``{"rule": {"eta": 1}}``). A table for which ``is_leaf``
    holds is a value."""
    for key, value in tree.items():
        if isinstance(value, dict) and not (is_leaf and is_leaf(value)):
            yield from flat(value, f"{prefix}{key}.", is_leaf)
        else:
            yield f"{prefix}{key}", value


def build(model: type[M], data: dict[str, Any], source: str = "config") -> M:
    """Validate ``data`` as ``model``; errors read ``source: dotted.path: problem (got value)``."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as err:
        whose = "this experiment (`hebbkit describe NAME` lists them)"
        problem = error_from_validation(source, err, whose)
        name = problem.name.replace(f"{source}.", f"{source}: ", 1)
        raise ConfigError(name, problem.requirement, problem.got) from None


def _deep_copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in data.items()}
