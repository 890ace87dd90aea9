"""What runs on the workers: the facts of a part, its shuffled copy for an epoch, and the sums
a training step and a validation pass need from it.

A part is a tuple (X, Y) with X (n[0], m_i) and Y (n[L], m_i), the notes' orientation. Every
sum here comes from the core's own functions (:func:`layerwise.training.cost_and_gradient`,
the network's layers, :mod:`layerwise.metrics`); nothing repeats the math.

The network a step needs is kept per worker thread between steps (its layers own the batch
buffers, which are then allocated once per batch size rather than once per step), keyed by the
run's token; :func:`forget` drops a run's networks at its end.
"""

from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import Array
from ..metrics import count_correct, squared_residuals, task_of
from ..network import Network
from ..training import cost_and_gradient

__all__ = ["PartInfo", "StepSums", "describe", "shuffled", "step_sums", "eval_sums", "forget"]

#: (run token, thread id) -> that thread's copy of the network being trained
_NETWORKS: dict[tuple[str, int], Network] = {}
_LOCK = threading.Lock()


@dataclass
class PartInfo:
    """What the client learns about a part: its shapes and what its targets are like; never
    its rows."""

    x_shape: tuple[int, ...]
    y_shape: tuple[int, ...]
    finite: bool
    #: every target is exactly 0 or 1
    hard_labels: bool
    #: per output: the mean of y and Σ (y − mean)², for R² over all parts (regression)
    y_mean: Array
    y_m2: Array


@dataclass
class StepSums:
    """A part's share of a step: Σ_i L_i (cost before the update), Σ_i dθ_i (in the
    network's flat parameter layout), the number of examples, and the training metric's sum
    (correct predictions, or per-output squared residuals for regression)."""

    cost: float
    grad: Array
    m: int
    metric: Array


def describe(part: Any) -> PartInfo:
    """The shapes and target facts of a part (X, Y), for the client's checks."""
    if not (isinstance(part, tuple) and len(part) == 2):
        raise TypeError(
            f"a part must be a tuple (X, Y) of arrays on a worker; Received: {type(part).__name__}"
        )
    X, Y = (np.asarray(a) for a in part)
    finite = bool(np.isfinite(X).all() and np.isfinite(Y).all())
    if Y.ndim == 2 and Y.shape[1] > 0 and finite:
        y_mean = Y.mean(axis=1)
        y_m2 = ((Y - y_mean[:, None]) ** 2).sum(axis=1)
    else:
        y_mean = y_m2 = np.zeros(Y.shape[0] if Y.ndim == 2 else 0)
    return PartInfo(
        X.shape,
        Y.shape,
        finite,
        bool(np.all((Y == 0) | (Y == 1))),
        y_mean,
        y_m2,
    )


def shuffled(
    part: tuple[Array, Array], seed: int | None, epoch: int, index: int, dtype: Any
) -> tuple[Array, Array]:
    """The part's examples in this epoch's order, seeded by (seed, epoch, index) (in their
    order when ``seed`` is None): the rows (m_i, n[0]) of X contiguous, so that a batch is a
    slice whose transpose is A[0], as in the single-process loop, and Y (n[L], m_i) in the
    same order."""
    X, Y = (np.asarray(a, dtype=dtype) for a in part)
    if seed is None:
        return np.ascontiguousarray(X.T), np.ascontiguousarray(Y)
    order = np.random.default_rng([seed, epoch, index]).permutation(X.shape[1])
    return X.T[order], Y[:, order]


def _network(template: bytes, token: str) -> Network:
    """This thread's copy of the run's network (unpickled from ``template`` on first use)."""
    key = (token, threading.get_ident())
    with _LOCK:
        net = _NETWORKS.get(key)
        if net is None:
            net = pickle.loads(template)
            _NETWORKS[key] = net
    return net


def _metric(AL: Array, Y: Array, task: str, hard_labels: bool) -> Array:
    """The batch's sum for the training metric: correct predictions (classification) or
    Σ (y − a)² per output (regression)."""
    if task == "regression":
        return squared_residuals(AL, Y)
    return np.array([count_correct(AL, Y, task, hard_labels)])


def step_sums(
    template: bytes,
    token: str,
    theta: Array,
    epoch_part: tuple[Array, Array],
    start: int,
    stop: int,
    hard_labels: bool,
) -> StepSums:
    """The sums of one part's share of a step: examples ``start:stop`` of the epoch's
    shuffled part, forward and backward with the parameters θ."""
    net = _network(template, token)
    net._set_flat_params(theta)
    rows, Y = epoch_part
    A0, Yb = rows[start:stop].T, Y[:, start:stop]
    m = A0.shape[1]
    # factor m turns the mean gradient of the batch into the sum over its examples, which the
    # client adds up over the parts and divides by the global batch size
    cost, AL = cost_and_gradient(net, A0, Yb, hard_labels=hard_labels, factor=float(m))
    task = task_of(net.activations[-1].name)
    return StepSums(cost * m, net._grad.copy(), m, _metric(AL, Yb, task, hard_labels))


def eval_sums(template: bytes, token: str, theta: Array, part: tuple[Array, Array]) -> StepSums:
    """Σ_i L_i and the metric's sum on a (validation) part with the parameters θ; the
    gradient is left empty."""
    net = _network(template, token)
    net._set_flat_params(theta)
    X, Y = (np.asarray(a, dtype=net.dtype) for a in part)
    AL = net._forward(X)
    m = X.shape[1]
    cost = float(net.loss.cost(AL, Y)) * m
    task = task_of(net.activations[-1].name)
    hard = bool(np.all((Y == 0) | (Y == 1)))
    return StepSums(cost, np.empty(0), m, _metric(AL, Y, task, hard))


def forget(token: str) -> int:
    """Drop this worker's networks of the run ``token``; returns how many there were."""
    with _LOCK:
        keys = [k for k in _NETWORKS if k[0] == token]
        for k in keys:
            del _NETWORKS[k]
    return len(keys)
