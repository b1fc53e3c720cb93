"""Drives for rate networks: the presynaptic rates nu_j at each step (and clamped post rates).

Every random draw is made by numpy here and handed to every backend, so the same seed gives the
same input on numpy and numba. Draws are chunk-invariant: the rates at step k depend only on
(seed, batch member m, k), never on how a run is split. Random drives draw blocks of
``BLOCK`` steps, block q from ``np.random.default_rng([seed, m, 1, q])``; the data drive's
shuffled order of epoch e comes from ``np.random.default_rng([seed, m, 2, e])``. The member
index m is 0 for every member of a network with ``shared_input=True``.

Each drive gives ``pre_rates(start, n, n_pre, seed, members, dtype)``: an array
(members or 1, n, n_pre) of the rates at steps start .. start+n-1, and ``post_rates(...)``
likewise for clamped post rates (None when the drive gives none).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ._params import frozen
from .errors import ParameterError

BLOCK = 4096


def _matrix(owner: str, value: Any, ndim: int) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(owner, f"must be a {ndim}-d array of numbers", value) from None
    if array.ndim != ndim:
        raise ParameterError(owner, f"must be {ndim}-d", array.shape)
    if not np.isfinite(array).all():
        raise ParameterError(owner, "must be finite", "nan or inf")
    return array


def _stacked(members: list[np.ndarray]) -> np.ndarray:
    return np.stack(members) if len(members) > 1 else members[0][None]


@frozen
class GaussianDrive:
    """GaussianDrive: nu(t) ~ N(mean, cov), drawn independently at every step.

    Parameters
    ----------
    cov : array (n_pre, n_pre), Hz^2
        Symmetric positive semi-definite covariance.
    mean : float or array (n_pre,), Hz
    """

    cov: Any
    mean: Any = 0.0

    def _check(self) -> None:
        cov = _matrix("GaussianDrive.cov", self.cov, 2)
        if cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T, rtol=0, atol=1e-12):
            raise ParameterError(
                "GaussianDrive.cov", "must be a symmetric square matrix", cov.shape
            )
        if np.linalg.eigvalsh(cov)[0] < -1e-10 * max(1.0, float(np.abs(cov).max())):
            raise ParameterError(
                "GaussianDrive.cov", "must be positive semi-definite", "negative eig"
            )
        mean = np.asarray(self.mean, dtype=np.float64)
        if mean.ndim > 1 or (mean.ndim == 1 and mean.shape[0] != cov.shape[0]):
            raise ParameterError(
                "GaussianDrive.mean", f"must be a number or {cov.shape[0]} values", mean.shape
            )

    @property
    def n(self) -> int:
        """The number of inputs, n_pre."""
        return int(np.asarray(self.cov).shape[0])

    def root(self) -> np.ndarray:
        """S with S S^T = cov (symmetric square root, exact for singular covariances)."""
        lam, vec = np.linalg.eigh(np.asarray(self.cov, dtype=np.float64))
        return (vec * np.sqrt(np.clip(lam, 0.0, None))) @ vec.T

    def pre_rates(
        self, start: int, n: int, n_pre: int, seed: int, members: int, dtype: str
    ) -> np.ndarray:
        _require_size("GaussianDrive.cov", self.n, n_pre)
        root = self.root()
        mean = np.broadcast_to(np.asarray(self.mean, dtype=np.float64), (n_pre,))
        out = np.empty((members, n, n_pre), dtype=dtype)
        for m in range(members):
            for q in range(start // BLOCK, (start + n - 1) // BLOCK + 1):
                z = np.random.default_rng([seed, m, 1, q]).standard_normal((BLOCK, n_pre))
                lo, hi = max(start, q * BLOCK), min(start + n, (q + 1) * BLOCK)
                rows = z[lo - q * BLOCK : hi - q * BLOCK]
                out[m, lo - start : hi - start] = mean + rows @ root.T
        return out

    def post_rates(self, *args: Any) -> None:
        return None


@frozen
class DataDrive:
    """DataDrive: nu(t_k) = data[k mod n_samples], one sample per step (online learning).

    Parameters
    ----------
    data : array (n_samples, n_pre), Hz
    order : {"cycle", "shuffle"}
        "cycle" feeds the rows in order; "shuffle" a fresh random order each epoch.
    """

    data: Any
    order: Literal["cycle", "shuffle"] = "cycle"

    def _check(self) -> None:
        data = np.asarray(self.data)
        if data.ndim != 2 or data.shape[0] < 1 or data.dtype.kind not in "fiu":
            raise ParameterError(
                "DataDrive.data", "must be a 2-d numeric array (samples, n_pre)", data.shape
            )

    def pre_rates(
        self, start: int, n: int, n_pre: int, seed: int, members: int, dtype: str
    ) -> np.ndarray:
        data = np.asarray(self.data)
        _require_size("DataDrive.data", data.shape[1], n_pre)
        rows = data.shape[0]
        if self.order == "cycle":
            if start + n <= rows and data.dtype == np.dtype(dtype) and data.flags.c_contiguous:
                return data[None, start : start + n]
            index = np.arange(start, start + n) % rows
            return np.ascontiguousarray(data[index][None], dtype=dtype)
        out = np.empty((members, n, n_pre), dtype=dtype)
        steps = np.arange(start, start + n)
        for m in range(members):
            for e in np.unique(steps // rows):
                perm = np.random.default_rng([seed, m, 2, int(e)]).permutation(rows)
                sel = steps // rows == e
                out[m, sel] = data[perm[steps[sel] % rows]]
        return out

    def post_rates(self, *args: Any) -> None:
        return None


@frozen
class ConstantRates:
    """ConstantRates: nu_j(t) = pre and, for clamped networks, nu_i(t) = post.

    Parameters
    ----------
    pre : float or array (n_pre,), Hz
    post : float or array (n_post,), Hz, or None when the network computes post rates
    """

    pre: Any = 1.0
    post: Any = None

    def _check(self) -> None:
        for name in ("pre", "post"):
            value = getattr(self, name)
            if value is None and name == "post":
                continue
            array = np.asarray(value, dtype=np.float64)
            if array.ndim > 1 or not np.isfinite(array).all():
                raise ParameterError(
                    f"ConstantRates.{name}", "must be a finite number or 1-d array", value
                )

    def pre_rates(
        self, start: int, n: int, n_pre: int, seed: int, members: int, dtype: str
    ) -> np.ndarray:
        return _constant("ConstantRates.pre", self.pre, n, n_pre, dtype)

    def post_rates(
        self, start: int, n: int, n_post: int, seed: int, members: int, dtype: str
    ) -> np.ndarray | None:
        if self.post is None:
            return None
        return _constant("ConstantRates.post", self.post, n, n_post, dtype)


@frozen
class ArrayDrive:
    """ArrayDrive: nu_j(t_k) = pre[k] (and nu_i(t_k) = post[k] for clamped networks).

    Step k of the whole run (continuations included) reads row k, so the arrays must cover it.

    Parameters
    ----------
    pre : array (n_steps, n_pre) or (batch, n_steps, n_pre), Hz
    post : array (n_steps, n_post) or (batch, n_steps, n_post), Hz, or None
    """

    pre: Any
    post: Any = None

    def _check(self) -> None:
        for name in ("pre", "post"):
            value = getattr(self, name)
            if value is None and name == "post":
                continue
            array = np.asarray(value)
            if array.ndim not in (2, 3) or array.dtype.kind not in "fiu":
                raise ParameterError(
                    f"ArrayDrive.{name}",
                    "must be a numeric (steps, n) or (batch, steps, n) array",
                    array.shape,
                )

    def pre_rates(
        self, start: int, n: int, n_pre: int, seed: int, members: int, dtype: str
    ) -> np.ndarray:
        return _window("ArrayDrive.pre", self.pre, start, n, n_pre, dtype)

    def post_rates(
        self, start: int, n: int, n_post: int, seed: int, members: int, dtype: str
    ) -> np.ndarray | None:
        if self.post is None:
            return None
        return _window("ArrayDrive.post", self.post, start, n, n_post, dtype)


def _window(owner: str, value: Any, start: int, n: int, size: int, dtype: str) -> np.ndarray:
    array = np.asarray(value)
    array = array[None] if array.ndim == 2 else array
    _require_size(owner, array.shape[2], size)
    if start + n > array.shape[1]:
        raise ParameterError(owner, f"must cover steps up to {start + n}", array.shape[1])
    return np.ascontiguousarray(array[:, start : start + n], dtype=dtype)


def _constant(owner: str, value: Any, n: int, size: int, dtype: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 1:
        _require_size(owner, array.shape[0], size)
    return np.ascontiguousarray(np.broadcast_to(array, (1, n, size)), dtype=dtype)


def _require_size(owner: str, got: int, want: int) -> None:
    if got != want:
        raise ParameterError(owner, f"must have {want} columns to match the network", got)
