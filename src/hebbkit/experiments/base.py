"""What an experiment is: a validated config, a run function, and the result it returns."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

import pydantic
from pydantic import ConfigDict

from .._params import Seed
from .._progress import Progress


class ExperimentConfig(pydantic.BaseModel):
    """Parameters every experiment has. Experiments subclass this with their own fields,
    each with a unit in its ``description``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: Seed = pydantic.Field(0, description="seed of every random draw")
    backend: Literal["numpy", "numba", "jax", "auto"] = pydantic.Field(
        "numba", description="engine backend: numpy (the specification), numba, jax or auto"
    )
    quick: bool = pydantic.Field(False, description="a smaller, faster run for a first look")


@dataclasses.dataclass
class Result:
    """What an experiment returns: datasets to save, figures to render, metrics to check."""

    data: dict[str, Any]  # name -> xarray.Dataset
    figures: dict[str, Any]  # name -> hebbkit.plots.Plot (drawn when saved: .figure(), .savefig())
    metrics: dict[str, Any]  # JSON-able numbers a reader would check


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A named, reproducible experiment. ``paper`` names the publication it reproduces.

    ``run_batch``, where an experiment has one, runs many configurations as one batched
    simulation (the engine's batch axis) and returns one result per configuration; sweeps use
    it for their default ``batched`` executor.
    """

    name: str
    summary: str
    config: type[ExperimentConfig]
    run: Callable[[Any, Progress], Result]
    paper: str | None = None
    run_batch: Callable[[list[Any], Progress], list[Result]] | None = None
