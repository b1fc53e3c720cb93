"""FeedForward: a presynaptic population driving a postsynaptic one through a plastic W."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .._params import Count, NonNegative, Real, frozen
from ..errors import ParameterError
from ..neurons.rate import AbstractTransfer, Linear


@frozen
class FeedForward:
    """FeedForward: nu_i = g(sum_j w_ij nu_j), i = 1..n_post, j = 1..n_pre.

    The post rates are computed through the transfer function g (``hebbkit.neurons.rate``), or
    clamped to the drive's post rates when ``transfer`` is None (rules studied at fixed rates,
    as in the essay). ``batch`` independent copies run in one call; member m draws its initial
    weights from ``np.random.default_rng([seed, m, 0])`` and its input from the streams
    described in ``hebbkit.drives`` (m = 0 for all members when ``shared_input``).

    Parameters
    ----------
    n_pre, n_post : int, > 0
    transfer : AbstractTransfer or None
        g; None clamps the post rates to the drive's.
    w_mean, w_std : float, dimensionless, w_std >= 0
        Initial weights are drawn from N(w_mean, w_std^2) unless ``weights`` is given.
    weights : array (n_post, n_pre) or (batch, n_post, n_pre), optional
        Explicit initial weights.
    batch : int, > 0
        Number of independent copies (also set by passing a sequence of rules to simulate).
    shared_input : bool
        All members see the same input draws (and the same random initial weights).
    """

    kind: ClassVar[str] = "feedforward"
    n_pre: Count
    n_post: Count
    transfer: AbstractTransfer | None = Linear()
    w_mean: Real = 0.0
    w_std: NonNegative = 0.1
    weights: Any = None
    batch: Count = 1
    shared_input: bool = False

    def _check(self) -> None:
        if self.weights is None:
            return
        w = np.asarray(self.weights, dtype=np.float64)
        if w.shape[-2:] != (self.n_post, self.n_pre) or w.ndim not in (2, 3):
            raise ParameterError(
                "FeedForward.weights", f"must have shape ({self.n_post}, {self.n_pre})", w.shape
            )
        if w.ndim == 3 and w.shape[0] not in (1, self.batch):
            raise ParameterError("FeedForward.weights", f"must have {self.batch} members", w.shape)
        if not np.isfinite(w).all():
            raise ParameterError("FeedForward.weights", "must be finite", "nan or inf")

    def initial_weights(self, seed: int, members: int) -> np.ndarray:
        """The initial W, shape (members, n_post, n_pre), float64."""
        shape = (self.n_post, self.n_pre)
        if self.weights is not None:
            w = np.asarray(self.weights, dtype=np.float64)
            return np.array(np.broadcast_to(w, (members, *shape)))
        out = np.empty((members, *shape))
        for m in range(members):
            stream = 0 if self.shared_input else m
            z = np.random.default_rng([seed, stream, 0]).standard_normal(shape)
            out[m] = self.w_mean + self.w_std * z
        return out
