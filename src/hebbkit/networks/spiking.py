"""A feed-forward layer of spiking neurons with plastic input synapses (engine kind "spiking")."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from .._params import Count, Weight, frozen
from ..errors import ParameterError
from ..neurons.spiking import LIF


@frozen
class SpikingFeedForward:
    """n_pre spike sources -> n_post LIF neurons through plastic weights w (post, pre).

    The post neurons do not interact: they are a batch of independent neurons that share
    their input trains, or (``inputs="independent"``) a batch of independent networks.
    Initial weights are ``w0`` (one value per input, copied to every post neuron) if given,
    otherwise uniform in ``w_init`` drawn by ``default_rng([seed, 1 << 40])``.

    Parameters
    ----------
    n_pre, n_post : int
        Numbers of inputs and of neurons, >= 1.
    neuron : LIF
    w_init : (float, float)
        Range of the uniform initial weights (weight units).
    w0 : tuple of float, optional
        Explicit initial weights, one per input (weight units).
    inputs : {"shared", "independent"}
        "shared": every neuron sees the same n_pre trains. "independent": each neuron has its
        own n_pre trains (source id i * n_pre + j feeds synapse (i, j)), so the layer is a batch
        of n_post independent single-neuron networks run in one call.
    """

    kind: ClassVar[str] = "spiking"

    n_pre: Count
    n_post: Count = 1
    neuron: LIF = LIF()
    w_init: tuple[Weight, Weight] = (0.0, 0.01)
    w0: tuple[Weight, ...] | None = None
    inputs: Literal["shared", "independent"] = "shared"

    def _check(self) -> None:
        if self.w_init[1] < self.w_init[0]:
            raise ParameterError(
                "SpikingFeedForward.w_init", "must be (low, high), low <= high", self.w_init
            )
        if self.w0 is not None and len(self.w0) != self.n_pre:
            raise ParameterError(
                "SpikingFeedForward.w0", f"must have n_pre={self.n_pre} values", len(self.w0)
            )

    def initial_weights(self, seed: int) -> np.ndarray:
        """The (post, pre) weights at t = 0."""
        if self.w0 is not None:
            return np.tile(np.asarray(self.w0, dtype=np.float64), (self.n_post, 1))
        rng = np.random.default_rng([seed, 1 << 40])
        return rng.uniform(self.w_init[0], self.w_init[1], (self.n_post, self.n_pre))
