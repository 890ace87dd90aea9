"""Accuracy and R², computed from A[L] and Y in the notes' orientation (n[L], m)."""

from __future__ import annotations

import numpy as np

from ._typing import Array

__all__ = ["task_of", "predict_from_output", "count_correct", "accuracy", "r2_score"]


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


def accuracy(AL: Array, Y: Array, task: str) -> float:
    """Fraction of the m examples predicted right."""
    return count_correct(AL, Y, task) / AL.shape[1]


def r2_score(AL: Array, Y: Array) -> float:
    """Coefficient of determination 1 − SS_res / SS_tot, averaged over the n[L] outputs
    (scikit-learn's ``multioutput="uniform_average"``)."""
    ss_res = ((Y - AL) ** 2).sum(axis=1)
    ss_tot = ((Y - Y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    return float(np.mean(r2_from_sums(ss_res, ss_tot)))


def r2_from_sums(ss_res: Array, ss_tot: Array) -> Array:
    """Per-output R² from residual and total sums of squares (1.0 / 0.0 for constant targets,
    as scikit-learn does)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - ss_res / ss_tot
    constant = ss_tot == 0
    r2[constant] = np.where(ss_res[constant] == 0, 1.0, 0.0)
    return r2
