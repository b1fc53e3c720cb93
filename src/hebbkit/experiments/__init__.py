"""Named, reproducible experiments, run by ``hebbkit run NAME`` or ``hebbkit reproduce NAME``.

Modules are imported when an experiment is asked for, so the command line starts fast.
"""

from __future__ import annotations

import importlib
import importlib.util

from .._progress import Progress as Progress
from ..errors import ParameterError
from .base import Experiment as Experiment
from .base import ExperimentConfig as ExperimentConfig
from .base import Result as Result

# experiment name -> module in this package that defines it in its EXPERIMENTS dict
_MODULES = {
    "oja-pca": "rate_rules",
    "bcm-selectivity": "rate_rules",
    "hebb-bounds": "rate_rules",
    "covariance": "rate_rules",
    "scarpetta2001": "scarpetta2001",
    "oscillator-tuning": "tuning",
    "stdp-window": "classic_stdp",
    "song2000": "classic_stdp",
    "pfister2006": "classic_stdp",
    "clopath2010": "classic_stdp",
}


def names() -> list[str]:
    """Every registered experiment whose module is installed."""
    return [name for name in _MODULES if _find(name) is not None]


def get_experiment(name: str) -> Experiment:
    """The experiment registered under ``name``."""
    found = _find(name) if name in _MODULES else None
    if found is None:
        raise ParameterError("experiment", "must be one of " + ", ".join(names()), name)
    return found


def _find(name: str) -> Experiment | None:
    module_name = f"{__name__}.{_MODULES[name]}"
    if importlib.util.find_spec(module_name) is None:
        return None
    module = importlib.import_module(module_name)
    found: Experiment | None = getattr(module, "EXPERIMENTS", {}).get(name)
    return found
