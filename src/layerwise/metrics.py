"""Accuracy and R², computed from A[L] and Y in the notes' orientation (n[L], m)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._typing import Array, IndexArray

__all__ = [
    "task_of",
    "predict_from_output",
    "count_correct",
    "EpochMetric",
    "accuracy",
    "r2_score",
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


def count_correct(AL: Array, Y: Array, task: str, hard_labels: bool = False) -> float:
    """Number of correct predictions in a batch (sigmoid with n[L] > 1: per output, averaged).

    ``hard_labels=True`` promises Y holds exactly 0 and 1, which saves thresholding Y.
    """
    if task == "binary":
        truth = Y if hard_labels else Y > 0.5
        return np.count_nonzero((AL > 0.5) == truth) / AL.shape[0]
    return float(np.count_nonzero(AL.argmax(axis=0) == Y.argmax(axis=0)))


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

    def record(self, AL: Array, start: int) -> None:
        """Store the predictions for A[L] (n[L], b), the epoch's examples start..start+b−1."""
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
    ss_res = (w * (Y - AL) ** 2).sum(axis=1)
    ss_tot = (w * (Y - mean) ** 2).sum(axis=1)
    return float(np.mean(r2_from_sums(ss_res, ss_tot)))


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
