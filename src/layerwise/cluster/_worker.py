"""What runs on the workers: the facts of a part, its shuffled copy for an epoch, and the sums
a training step and a validation pass need from it.

A part is a tuple (X, Y) with X (n[0], m_i) and Y (n[L], m_i), the notes' orientation. Every
sum here comes from the core's own functions (:func:`layerwise.training.cost_and_gradient`,
the network's layers, :mod:`layerwise.core.metrics`); nothing repeats the math.

Each part gets a :class:`PartTrainer`, a dask actor living on the part's worker for the run.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import Array
from ..core.metrics import count_correct, squared_residuals, task_of
from ..model.network import Network
from ..training.step import cost_and_gradient

__all__ = ["PartInfo", "StepSums", "PartTrainer", "describe", "shuffled"]


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


def _metric(AL: Array, Y: Array, task: str, hard_labels: bool) -> Array:
    """The batch's sum for the training metric: correct predictions (classification) or
    Σ (y − a)² per output (regression)."""
    if task == "regression":
        return squared_residuals(AL, Y)
    return np.array([count_correct(AL, Y, task, hard_labels)])


def step_sums(net: Network, theta: Array, A0: Array, Y: Array, task: str, hard: bool) -> StepSums:
    """The sums of a worker's share of a step, A[0] (n[0], b) and Y (n[L], b), forward and
    backward with the parameters θ."""
    net.parameters.set(theta)
    m = A0.shape[1]
    # factor m turns the mean gradient of the batch into the sum over its examples, which
    # the client adds up over the parts and divides by the global batch size
    cost, AL = cost_and_gradient(net, A0, Y, hard_labels=hard, factor=float(m))
    return StepSums(cost * m, net.parameters.grad.copy(), m, _metric(AL, Y, task, hard))


def evaluation_sums(
    net: Network, theta: Array, X: Array, Y: Array, task: str, hard: bool
) -> StepSums:
    """Σ_i L_i and the metric's sum on X (n[0], m), Y (n[L], m) with the parameters θ (for
    validation); the gradient is left empty."""
    net.parameters.set(theta)
    AL = net.output(X)
    m = X.shape[1]
    cost = float(net.loss.cost(AL, Y)) * m
    return StepSums(cost, np.empty(0), m, _metric(AL, Y, task, hard))


class PartTrainer:
    """A part's trainer, a dask actor on the worker that holds the part: it keeps the part,
    its copy of the network (whose layers own the batch buffers, allocated once per batch
    size) and the epoch's shuffled rows, and answers the client's calls directly (an actor's
    call skips the scheduler: a step costs one round trip to each worker).

    Parameters
    ----------
    part : (X, Y)
        X (n[0], m_i), Y (n[L], m_i), as held by the worker.
    template : bytes
        The pickled network being trained (its architecture; θ comes with every call).
    """

    def __init__(self, part: Any, template: bytes) -> None:
        self.info = describe(part)
        self.part = part
        self.net: Network = pickle.loads(template)
        self.task = task_of(self.net.activations[-1].name)
        self.epoch_part: tuple[Array, Array] | None = None

    def describe(self) -> PartInfo:
        """The part's shapes and target facts."""
        return self.info

    def check_targets(self) -> str | None:
        """The loss's own check of the targets' values (0/1 for binary cross-entropy, one-hot
        columns for softmax...): its message, or None when they are fine."""
        try:
            self.net.loss.check_targets(np.asarray(self.part[1], dtype=self.net.dtype))
        except ValueError as exc:
            return str(exc)
        return None

    def start_epoch(self, seed: int | None, epoch: int, index: int) -> int:
        """Lay out this epoch's rows (shuffled by (seed, epoch, index), or in order when
        ``seed`` is None); returns the number of rows."""
        if seed is not None or self.epoch_part is None:
            self.epoch_part = None  # the last epoch's copy goes first: two copies at most
            self.epoch_part = shuffled(self.part, seed, epoch, index, self.net.dtype)
        return self.epoch_part[0].shape[0]

    def step(self, theta: Array, start: int, stop: int) -> StepSums:
        """The sums of this part's share of a step: examples ``start:stop`` of the epoch's
        rows, forward and backward with the parameters θ."""
        assert self.epoch_part is not None, "start_epoch comes first"
        rows, Y = self.epoch_part
        return step_sums(
            self.net, theta, rows[start:stop].T, Y[:, start:stop], self.task, self.info.hard_labels
        )

    def evaluate(self, theta: Array) -> StepSums:
        """Σ_i L_i and the metric's sum on the whole part with the parameters θ (for
        validation); the gradient is left empty."""
        X, Y = (np.asarray(a, dtype=self.net.dtype) for a in self.part)
        return evaluation_sums(self.net, theta, X, Y, self.task, self.info.hard_labels)
