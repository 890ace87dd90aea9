"""Accuracy, R² and predictions from A[L], against scikit-learn's metrics as the oracle."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise.core.metrics import (
    EpochMetric,
    accuracy,
    count_correct,
    predict_from_output,
    r2_score,
    task_of,
)

try:  # the oracle
    import sklearn.metrics as sklearn_metrics
except ImportError:
    sklearn_metrics = None

needs_sklearn = pytest.mark.skipif(
    sklearn_metrics is None, reason="compares with scikit-learn's metrics (test extra)"
)


def softmax_columns(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    E = np.exp(rng.standard_normal((n, m)))
    return E / E.sum(axis=0, keepdims=True)


def test_task_follows_the_output_activation():
    assert [task_of(g) for g in ("sigmoid", "softmax", "linear", "relu")] == [
        "binary",
        "multiclass",
        "regression",
        "regression",
    ]


@needs_sklearn
def test_binary_accuracy_matches_scikit_learn(rng):
    AL = rng.uniform(size=(1, 50))
    Y = rng.integers(0, 2, (1, 50)).astype(float)
    expected = sklearn_metrics.accuracy_score(Y[0], AL[0] > 0.5)
    assert accuracy(AL, Y, "binary") == pytest.approx(expected, abs=1e-15)
    assert count_correct(AL, Y, "binary", hard_labels=True) == round(expected * 50)
    np.testing.assert_array_equal(predict_from_output(AL, "binary"), (AL > 0.5).astype(int))


@needs_sklearn
def test_binary_accuracy_with_several_outputs_averages_them(rng):
    # two independent sigmoid outputs: the accuracy is the mean over outputs and examples
    AL = rng.uniform(size=(2, 40))
    Y = rng.integers(0, 2, (2, 40)).astype(float)
    expected = np.mean([sklearn_metrics.accuracy_score(Y[i], AL[i] > 0.5) for i in range(2)])
    assert accuracy(AL, Y, "binary") == pytest.approx(expected, abs=1e-15)


def test_threshold_is_strict_at_one_half():
    # a = 0.5 exactly predicts 0, as predict() does: right for y = 0, wrong for y = 1
    AL = np.full((1, 2), 0.5)
    assert count_correct(AL, np.array([[0.0, 1.0]]), "binary", hard_labels=True) == 1
    np.testing.assert_array_equal(predict_from_output(AL, "binary"), [[0, 0]])


@needs_sklearn
def test_multiclass_accuracy_matches_scikit_learn(rng):
    AL = softmax_columns(rng, 4, 60)
    labels = rng.integers(0, 4, 60)
    Y = np.eye(4)[labels].T
    expected = sklearn_metrics.accuracy_score(labels, AL.argmax(axis=0))
    assert accuracy(AL, Y, "multiclass") == pytest.approx(expected, abs=1e-15)
    np.testing.assert_array_equal(predict_from_output(AL, "multiclass"), AL.argmax(0)[None, :])


@needs_sklearn
def test_r2_matches_scikit_learn_uniform_average(rng):
    Y = rng.standard_normal((3, 30))
    AL = Y + 0.5 * rng.standard_normal((3, 30))
    expected = sklearn_metrics.r2_score(Y.T, AL.T, multioutput="uniform_average")
    assert r2_score(AL, Y) == pytest.approx(expected, rel=1e-12)


@needs_sklearn
def test_r2_of_a_constant_target_follows_scikit_learn():
    # SS_tot = 0: 1.0 when predicted exactly, 0.0 otherwise (scikit-learn's convention)
    Y = np.ones((1, 5))
    assert r2_score(Y.copy(), Y) == sklearn_metrics.r2_score(Y[0], Y[0]) == 1.0
    AL = Y + 0.1
    assert r2_score(AL, Y) == sklearn_metrics.r2_score(Y[0], AL[0]) == 0.0


@needs_sklearn
@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_epoch_accuracy_equals_the_batch_counts_in_a_shuffled_order(rng, task):
    # batches of a shuffled epoch, recorded one by one, against scikit-learn's accuracy of
    # the same predictions and labels gathered in that order
    m, n_L = 23, 3
    if task == "binary":
        Y = rng.integers(0, 2, (n_L, m)).astype(float)
        AL_all = rng.uniform(size=(n_L, m))
    else:
        Y = np.eye(n_L)[rng.integers(0, n_L, m)].T
        AL_all = softmax_columns(rng, n_L, m)
    order = rng.permutation(m)
    tracker = EpochMetric(Y, task, hard_labels=True)
    for start in range(0, m, 5):
        idx = order[start : start + 5]
        tracker.record(AL_all[:, idx], start)
    if task == "binary":
        expected = sklearn_metrics.accuracy_score(Y.reshape(-1), AL_all.reshape(-1) > 0.5)
    else:
        expected = sklearn_metrics.accuracy_score(Y.argmax(0), AL_all.argmax(0))
    assert tracker.value(order) == pytest.approx(expected, abs=1e-15)
    # order=None compares the recorded predictions (the shuffled examples) with the labels as
    # stored: an epoch taken in order; the oracle sees exactly that pairing
    shuffled = AL_all[:, order]
    if task == "binary":
        misaligned = sklearn_metrics.accuracy_score(Y.reshape(-1), shuffled.reshape(-1) > 0.5)
    else:
        misaligned = sklearn_metrics.accuracy_score(Y.argmax(0), shuffled.argmax(0))
    assert tracker.value(None) == pytest.approx(misaligned, abs=1e-15)


@needs_sklearn
def test_epoch_accuracy_with_soft_binary_targets_thresholds_them(rng):
    Y = rng.uniform(size=(1, 30))
    AL = rng.uniform(size=(1, 30))
    tracker = EpochMetric(Y, "binary", hard_labels=False)
    tracker.record(AL, 0)
    expected = sklearn_metrics.accuracy_score(Y[0] > 0.5, AL[0] > 0.5)
    assert tracker.value(None) == pytest.approx(expected, abs=1e-15)


@needs_sklearn
def test_epoch_r2_of_shuffled_batches_matches_scikit_learn(rng):
    # regression: the epoch's predictions, recorded batch by batch in a shuffled order, give
    # scikit-learn's R² of those predictions against the targets in the same order
    Y = rng.standard_normal((2, 31))
    AL_all = Y + 0.4 * rng.standard_normal(Y.shape)
    order = rng.permutation(31)
    tracker = EpochMetric(Y, "regression", hard_labels=False)
    for start in range(0, 31, 8):
        tracker.record(AL_all[:, order[start : start + 8]], start)
    expected = sklearn_metrics.r2_score(Y.T, AL_all.T, multioutput="uniform_average")
    assert tracker.value(order) == pytest.approx(expected, rel=1e-12)
