"""Engine kind "feedforward": rate rules on a ``FeedForward`` network, numpy or numba.

One step k of every backend, for each batch member (the numpy module is the specification):

1. x = the drive's pre rates at step k; y_i = g(sum_j w_ij x_j) or the clamped post rates;
2. b_j = the rule's pre term (0, its pre state, (W^T y)_j or sum_{k<=i} w_kj y_k) from the
   weights before the update;
3. F = rule.dw(w, x, y, a, b, p); with soft bounds F = SoftBounds.factor(F, w, ...);
   w <- w + dt (F - gamma0 w);
4. each unit's incoming weights are normalised, then clipped to the hard bounds;
5. the post state relaxes: a <- a + (1 - exp(-dt/tau_post)) (post_target(y) - a), and the pre
   state b <- b + (1 - exp(-dt/tau_pre)) (x - b);
6. every ``stride`` steps the chosen variables are recorded and w and a are checked for NaN/inf.

A batch runs members with their own rule parameters (a sequence of rules of one class),
initial weights and input streams (see ``hebbkit.drives``).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..errors import DivergenceError, ParameterError
from ..neurons.rate import Linear
from ..rules.rate import PRE_TERMS, Composed, RateRule, inner, weight_dependence_vector
from .record import Record, transient_as_piece

RATE_VARS = ("w", "y", "x")
UNITS = {"w": "1", "y": "Hz", "x": "Hz", "theta": "Hz", "mean_post": "Hz", "mean_pre": "Hz"}


@dataclasses.dataclass
class Problem:
    """The arrays every backend steps; W, A and Bs are updated in place."""

    W: np.ndarray  # (B, post, pre)
    A: np.ndarray  # (B, post) post state
    Bs: np.ndarray  # (B, pre) pre state
    X: np.ndarray  # (B or 1, n, pre)
    Yc: np.ndarray | None  # (B or 1, n, post) clamped post rates
    P: np.ndarray  # (B, n_params) rule.dw_params()
    WD: np.ndarray  # (B, 11) weight dependence vector
    K: np.ndarray  # (B, 2) low-pass factors 1 - exp(-dt/tau)
    TP: np.ndarray  # transfer parameters
    dt: float
    stride: int
    pre_term: int
    rule_type: type
    transfer_type: type
    recorded: tuple[str, ...]  # subset of ("w", "y", "x", "a", "b")

    def record_shape(self, code: str) -> tuple[int, ...]:
        """The shape of the record buffer of variable ``code``: (B, records, ...)."""
        members, n_post, n_pre = self.W.shape
        per_step = {
            "w": (n_post, n_pre),
            "y": (n_post,),
            "a": (n_post,),
            "x": (n_pre,),
            "b": (n_pre,),
        }
        return (members, self.X.shape[1] // self.stride, *per_step[code])


@transient_as_piece
def run(
    network: Any,
    rule: Any,
    drive: Any,
    *,
    n_steps: int,
    dt: float,
    record: Record,
    backend: str,
    seed: int,
    initial: xr.Dataset | None,
    dtype: str,
) -> xr.Dataset:
    """Simulate ``n_steps`` steps; see the module docstring and ``hebbkit.engine.simulate``."""
    rules, batched = _rules(rule, network)
    first = inner(rules[0])
    state_names = first.state
    available = RATE_VARS + state_names
    chosen = record.chosen(available, ("w", "y", *state_names))
    _check_dt(rules, dt)
    t0 = 0.0 if initial is None else float(initial.attrs["t_end"])
    k0 = round(t0 / dt)
    problem = _problem(network, rules, drive, n_steps, dt, record, seed, initial, dtype, k0)
    problem.recorded = tuple(_code(name, state_names) for name in chosen)
    kernel = importlib.import_module(f"{__package__}._{backend}.feedforward")
    records, fail = kernel.run(problem)
    if fail is not None:
        step, code, value = fail
        name = "w" if code == "w" else state_names[0]
        raise DivergenceError(name, t0 + (step + 1) * dt, k0 + step + 1, value)
    return _dataset(problem, records, chosen, state_names, batched, t0, n_steps, dt)


def _rules(rule: Any, network: Any) -> tuple[list[Any], bool]:
    rules = list(rule) if isinstance(rule, Sequence) else [rule]
    if not rules:
        raise ParameterError("simulate.rule", "must name at least one rule", rule)
    rules = [RateRule() if r is None else r for r in rules]
    kinds = {type(inner(r)) for r in rules}
    for r in rules:
        if not isinstance(inner(r), RateRule):
            raise ParameterError("simulate.rule", "must be a rate rule or Composed", r)
    if len(kinds) > 1:
        raise ParameterError(
            "simulate.rule",
            "a batch must hold rules of one class",
            sorted(k.__name__ for k in kinds),
        )
    members = max(len(rules), network.batch)
    if len(rules) not in (1, members) or network.batch not in (1, members):
        raise ParameterError(
            "simulate.rule", f"must hold 1 or {network.batch} rules (batch)", len(rules)
        )
    batched = isinstance(rule, Sequence) or network.batch > 1
    return rules * (members // len(rules)), batched


def _check_dt(rules: list[Any], dt: float) -> None:
    limits: list[float] = []
    for r in rules:
        limits.extend(inner(r).time_constants())
        if isinstance(r, Composed) and r.decay is not None:
            limits.append(1.0 / r.decay.gamma0)
    if limits and dt > min(limits):
        raise ParameterError(
            "simulate.dt", f"must be <= {min(limits):.6g} s, the rule's shortest time constant", dt
        )


def _code(name: str, state_names: tuple[str, ...]) -> str:
    if name in RATE_VARS:
        return name
    return "a" if state_names.index(name) == 0 else "b"


def _problem(
    network: Any,
    rules: list[Any],
    drive: Any,
    n: int,
    dt: float,
    record: Record,
    seed: int,
    initial: xr.Dataset | None,
    dtype: str,
    k0: int,
) -> Problem:
    members = len(rules)
    first = inner(rules[0])
    if not hasattr(drive, "pre_rates"):
        raise ParameterError(
            "simulate.drive", "must be a drive from hebbkit.drives", type(drive).__name__
        )
    streams = 1 if network.shared_input else members
    X = drive.pre_rates(k0, n, network.n_pre, seed, streams, dtype)
    Yc = drive.post_rates(k0, n, network.n_post, seed, streams, dtype)
    if network.transfer is None and Yc is None:
        raise ParameterError(
            "simulate.drive", "must give post rates: FeedForward.transfer is None", drive
        )
    if network.transfer is not None and Yc is not None:
        raise ParameterError(
            "simulate.drive", "gives post rates but the network computes them", drive
        )
    for name, arr in (("pre", X), ("post", Yc)):
        if arr is not None and arr.shape[0] not in (1, members):
            raise ParameterError(
                f"simulate.drive.{name}", f"must have 1 or {members} members", arr.shape[0]
            )
    if initial is None:
        W = network.initial_weights(seed, members)
        post0, pre0 = zip(*(inner(r).initial_state() for r in rules), strict=True)
        A = np.repeat(np.asarray(post0)[:, None], network.n_post, axis=1)
        Bs = np.repeat(np.asarray(pre0)[:, None], network.n_pre, axis=1)
    else:
        W, A, Bs = _continued(initial, first.state, members, network)
    taus = np.array([inner(r).lowpass() for r in rules], dtype=np.float64)
    K = np.where(taus > 0, -np.expm1(-dt / np.where(taus > 0, taus, 1.0)), 0.0)
    transfer = network.transfer if network.transfer is not None else Linear()
    return Problem(
        W=np.ascontiguousarray(W, dtype=dtype),
        A=np.ascontiguousarray(A, dtype=dtype),
        Bs=np.ascontiguousarray(Bs, dtype=dtype),
        X=X,
        Yc=Yc,
        P=np.array([inner(r).dw_params() for r in rules], dtype=dtype).reshape(members, -1),
        WD=np.array([weight_dependence_vector(r) for r in rules], dtype=dtype),
        K=K.astype(dtype),
        TP=transfer.param_array().astype(dtype),
        dt=float(np.dtype(dtype).type(dt)),
        stride=record.stride(dt),
        pre_term=PRE_TERMS.index(first.pre_term),
        rule_type=type(first),
        transfer_type=type(transfer),
        recorded=(),
    )


def _continued(
    initial: xr.Dataset, state_names: tuple[str, ...], members: int, network: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if "w_final" not in initial:
        raise ParameterError(
            "simulate.initial", "must be a feedforward result with w_final", list(initial)
        )
    W = np.asarray(initial["w_final"].values, dtype=np.float64)
    if W.size != members * network.n_post * network.n_pre:
        raise ParameterError(
            "simulate.initial", "w_final does not match the network and batch", W.shape
        )
    W = W.reshape(members, network.n_post, network.n_pre)
    A = np.zeros((members, network.n_post))
    Bs = np.zeros((members, network.n_pre))
    for code, name in zip(("a", "b"), state_names, strict=False):
        values = np.asarray(initial[name + "_final"].values, dtype=np.float64)
        if code == "a":
            A = values.reshape(members, network.n_post)
        else:
            Bs = values.reshape(members, network.n_pre)
    return W, A, Bs


def _dataset(
    p: Problem,
    records: dict[str, np.ndarray],
    chosen: tuple[str, ...],
    state_names: tuple[str, ...],
    batched: bool,
    t0: float,
    n: int,
    dt: float,
) -> xr.Dataset:
    n_records = n // p.stride
    time = t0 + (np.arange(n_records) + 1) * p.stride * dt
    dims = {"w": ("post", "pre"), "y": ("post",), "x": ("pre",), "a": ("post",), "b": ("pre",)}
    names = {"w": "w", "y": "y", "x": "x"}
    names.update({code: name for code, name in zip(("a", "b"), state_names, strict=False)})
    lead = ("batch",) if batched else ()
    data = {}
    for name in chosen:
        code = _code(name, state_names)
        values = np.moveaxis(records[code], 1, 0)  # (time, batch, ...)
        if code == "x" and values.shape[1] != p.W.shape[0]:
            values = np.broadcast_to(values, (values.shape[0], p.W.shape[0], *values.shape[2:]))
        values = values if batched else values[:, 0]
        data[name] = xr.Variable(("time", *lead, *dims[code]), values, {"units": UNITS[name]})
    finals = {"w": p.W, "a": p.A, "b": p.Bs}
    for code, array in finals.items():
        if code in names:
            name = names[code]
            values = array if batched else array[0]
            data[name + "_final"] = xr.Variable(
                (*lead, *dims[code]), values, {"units": UNITS[name]}
            )
    coords = {"time": ("time", time, {"units": "s"})}
    return xr.Dataset(data, coords=coords, attrs={"t_end": t0 + n * dt, "kind": "feedforward"})
