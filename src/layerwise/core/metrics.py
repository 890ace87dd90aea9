"""Accuracy and R², computed from A[L] and Y in the notes' orientation (n[L], m)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._typing import Array, IndexArray
from ._namespace import NAMESPACES

__all__ = [
    "task_of",
    "predict_from_output",
    "count_correct",
    "EpochMetric",
    "accuracy",
    "r2_score",
    "squared_residuals",
    "RunningMoments",
]


def task_of(output_activation: str) -> str:
    """``"binary"`` (sigmoid), ``"multiclass"`` (softmax) or ``"regression"`` (anything else)."""
    if output_activation == "sigmoid":
        return "binary"
    if output_activation == "softmax":
        return "multiclass"
    return "regression"


def predict_from_output(AL: Array, task: str) -> Array:
    """Labels from A[L]: 1 where a > 0.5 (sigmoid, shape (n[L], m)); the row of the largest a
    (softmax, shape (1, m)); A[L] itself for regression."""
    if task == "binary":
        return (AL > 0.5).astype(np.int64)
    if task == "multiclass":
        return AL.argmax(axis=0)[None, :]
    return AL


def count_correct(
    AL: Array, Y: Array, task: str, hard_labels: bool = False, present: Array | None = None
) -> float:
    """Number of correct predictions in a batch (sigmoid with n[L] > 1: per output, averaged).

    ``hard_labels=True`` promises Y holds exactly 0 and 1, which saves thresholding Y.
    ``present`` (1, m), 1 for the columns that are examples and 0 for padding, counts the
    examples only (the jax engine pads a smaller last batch).
    """
    xp = NAMESPACES[type(AL)]  # the jax engine counts inside its compiled epochs
    if task == "binary":
        truth = Y if hard_labels else Y > 0.5
        right = (AL > 0.5) == truth
        if present is not None:
            right = right & (present > 0)
        return xp.scalar(xp.count_nonzero(right)) / AL.shape[0]
    right = AL.argmax(axis=0) == Y.argmax(axis=0)
    if present is not None:
        right = right & (present[0] > 0)
    return xp.scalar(xp.count_nonzero(right))


class EpochMetric:
    """The training metric of an epoch, accuracy (or R² for regression), computed at its end.

    Each batch's predictions, made in its forward pass before its update, go into an
    epoch-long buffer; at the end of the epoch they are compared with the targets taken in
    the epoch's order. The accuracy equals summing :func:`count_correct` over the batches,
    and the R² is :func:`r2_score` of the epoch's predictions, at one NumPy call per batch
    and no array allocated per batch.

    Parameters
    ----------
    Y : ndarray of shape (n[L], m)
        The training targets (0/1 or probabilities for sigmoid, one-hot for softmax, values
        for regression).
    task : {"binary", "multiclass", "regression"}
    hard_labels : bool
        Y holds exactly 0 and 1.
    """

    def __init__(self, Y: Array, task: str, hard_labels: bool) -> None:
        self.task = task
        self.truth: npt.NDArray[Any]  # bool (binary), intp (class indices) or float values
        if task == "binary":
            # (n[L], m): the label each output should predict
            self.truth = Y == 1 if hard_labels else Y > 0.5
        elif task == "multiclass":
            # (1, m): the class of each example
            self.truth = Y.argmax(axis=0)[None, :]
        else:
            self.truth = Y
        self.pred: npt.NDArray[Any] = np.empty_like(self.truth)
        self._ordered: npt.NDArray[Any] = np.empty_like(self.truth)
        self._same = np.empty(self.truth.shape, dtype=bool)

    def record(self, AL: Array, start: int, Y: Array | None = None) -> None:
        """Store the predictions for A[L] (n[L], b), the epoch's examples start..start+b−1
        (their targets are already known: ``Y`` is not read)."""
        out = self.pred[:, start : start + AL.shape[1]]
        if self.task == "binary":
            np.greater(AL, 0.5, out=out)
        elif self.task == "multiclass":
            AL.argmax(axis=0, out=out[0])
        else:
            np.copyto(out, AL)

    def value(self, order: IndexArray | None) -> float:
        """This epoch's accuracy (or R²); ``order`` is the epoch's permutation of the
        examples (None when they were taken in order)."""
        truth: npt.NDArray[Any] = (
            self.truth if order is None else self.truth.take(order, 1, self._ordered, "clip")
        )
        if self.task == "regression":
            return r2_score(self.pred, truth)
        np.equal(self.pred, truth, out=self._same)
        return np.count_nonzero(self._same) / self._same.size


def accuracy(AL: Array, Y: Array, task: str, sample_weight: Array | None = None) -> float:
    """Fraction of the m examples predicted right; with ``sample_weight`` (1, m), the
    weighted fraction Σ w_i [example i right] / Σ w_i (sigmoid with n[L] > 1: an example
    counts the fraction of its outputs that are right)."""
    if sample_weight is None:
        return count_correct(AL, Y, task) / AL.shape[1]
    if task == "binary":
        right = ((AL > 0.5) == (Y > 0.5)).mean(axis=0)
    else:
        right = (AL.argmax(axis=0) == Y.argmax(axis=0)).astype(float)
    w = power_of_two_scaled(np.ravel(sample_weight))
    return float(np.dot(right, w) / w.sum())


def r2_score(AL: Array, Y: Array, sample_weight: Array | None = None) -> float:
    """Coefficient of determination 1 − SS_res / SS_tot, averaged over the n[L] outputs
    (scikit-learn's ``multioutput="uniform_average"``); with ``sample_weight`` (1, m) the
    sums and the mean of Y are weighted, as in scikit-learn."""
    w = (
        np.ones((1, Y.shape[1]))
        if sample_weight is None
        else power_of_two_scaled(np.reshape(sample_weight, (1, -1)))
    )
    mean = (Y * w).sum(axis=1, keepdims=True) / w.sum()
    ss_tot = (w * (Y - mean) ** 2).sum(axis=1)
    return float(np.mean(r2_from_sums(squared_residuals(AL, Y, w), ss_tot)))


def squared_residuals(AL: Array, Y: Array, sample_weight: Array | float = 1.0) -> Array:
    """SS_res of each output, Σ_i w_i (y⁽ⁱ⁾ − a⁽ⁱ⁾)², shape (n[L],) (the jax engine sums it
    over the batches of an epoch)."""
    return (sample_weight * (Y - AL) ** 2).sum(axis=1)


def r2_from_sums(ss_res: Array, ss_tot: Array) -> Array:
    """Per-output R² from residual and total sums of squares (1.0 / 0.0 for constant targets,
    as scikit-learn does)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - ss_res / ss_tot
    constant = ss_tot == 0
    r2[constant] = np.where(ss_res[constant] == 0, 1.0, 0.0)
    return r2


def power_of_two_scaled(values: Array, axis: int | None = None) -> Array:
    """``values`` divided by the power of two at or below their largest magnitude (along
    ``axis``, or over all): the same numbers to the last bit, scaled so that sums of them and
    of their squares cannot overflow. Where only ratios matter (weights, standardization
    statistics), finite data then always gives finite statistics."""
    return values / power_of_two_above(values, axis)


def power_of_two_above(values: Array, axis: int | None = None) -> Array:
    """The largest power of two at or below the largest magnitude of ``values`` (along
    ``axis``, kept as a dimension of 1; 1 where they are all 0): divided by it, the largest
    lies in [1, 2). (The power above could itself overflow: 2^1024.)"""
    peak = np.max(np.abs(values), axis=axis, keepdims=axis is not None)
    _, exponent = np.frexp(np.where(peak > 0, peak, 1.0))
    return np.ldexp(1.0, exponent - 1)


class RunningMoments:
    """The (weighted) count, mean and Σ w (v − mean)² of vectors (k,), gathered a batch at a
    time and merged with Chan's formula: exact whatever the batches, without the cancellation
    of Σ v² − (Σ v)² / n. Every running mean and sum of squares in layerwise is one of these
    (a table's streamed statistics, a streamed target, R² over chunks or over a cluster's
    parts).

    >>> moments = RunningMoments(1)
    >>> moments.add(np.array([[1.0, 2.0]]))
    >>> moments.add(np.array([[3.0, 4.0]]))
    >>> float(moments.w), moments.mean.tolist(), moments.m2.tolist()
    (4.0, [2.5], [5.0])
    """

    def __init__(self, k: int) -> None:
        self.w = 0.0
        self.mean = np.zeros(k)
        self.m2 = np.zeros(k)

    def add(self, V: Array, w: Array | None = None) -> None:
        """Add the columns of V (k, n), each with its weight w (n,) (1 when None)."""
        V = np.asarray(V, dtype=np.float64)
        if w is None:
            if V.shape[1] == 0:
                return
            mean = V.mean(axis=1)
            self.merge(float(V.shape[1]), mean, ((V - mean[:, None]) ** 2).sum(axis=1))
            return
        wb = float(w.sum())
        if wb <= 0:
            return
        mean = V @ w / wb
        self.merge(wb, mean, ((V - mean[:, None]) ** 2) @ w)

    def merge(self, w: float, mean: Array, m2: Array) -> None:
        """Add another group's count (or weight), mean and Σ (v − mean)²."""
        total = self.w + w
        if total <= 0:
            return
        delta = np.asarray(mean, dtype=np.float64) - self.mean
        self.m2 = self.m2 + m2 + delta**2 * (self.w * w / total)
        self.mean = self.mean + delta * (w / total)
        self.w = total

    def copy(self) -> RunningMoments:
        out = RunningMoments(self.mean.size)
        out.w, out.mean, out.m2 = self.w, self.mean.copy(), self.m2.copy()
        return out
