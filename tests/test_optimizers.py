"""Optimizers and schedules against updates computed by hand (plain Python floats)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import layerwise as lw
from layerwise.training.optimizers import (
    OPTIMIZERS,
    SCHEDULES,
    ExponentialDecay,
    InverseTimeDecay,
    StepDecay,
    get_optimizer,
    get_schedule,
)

THETA0 = [1.0, -2.0, 0.5]
GRADS = [[0.5, -1.0, 0.0], [0.25, 2.0, -0.1]]  # dθ for step 1 and step 2
LR = 0.1


def run_two_steps(name: str) -> list[list[float]]:
    opt = get_optimizer(name)
    theta = np.array(THETA0)
    out = []
    for g in GRADS:
        opt.step([theta], [np.array(g)], LR)
        out.append(theta.tolist())
    return out


def by_hand(name: str) -> list[list[float]]:
    """The same two steps, element by element, from the formulas in the docstrings."""
    results = []
    theta = list(THETA0)
    v = [0.0] * 3
    s = [0.0] * 3
    for t, g in enumerate(GRADS, start=1):
        for i in range(3):
            if name in ("gd", "sgd"):
                theta[i] -= LR * g[i]
            elif name == "momentum":
                v[i] = 0.9 * v[i] + g[i]
                theta[i] -= LR * v[i]
            elif name == "rmsprop":
                s[i] = 0.9 * s[i] + 0.1 * g[i] ** 2
                theta[i] -= LR * g[i] / (math.sqrt(s[i]) + 1e-8)
            elif name == "adam":
                v[i] = 0.9 * v[i] + 0.1 * g[i]
                s[i] = 0.999 * s[i] + 0.001 * g[i] ** 2
                v_hat = v[i] / (1 - 0.9**t)
                s_hat = s[i] / (1 - 0.999**t)
                theta[i] -= LR * v_hat / (math.sqrt(s_hat) + 1e-8)
        results.append(list(theta))
    return results


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_two_steps_match_hand_computation(name):
    np.testing.assert_allclose(run_two_steps(name), by_hand(name), rtol=1e-12, atol=1e-15)


def test_adam_bias_correction_makes_first_step_alpha_sized():
    # Without bias correction the first step would be α (1 − β1) g / (√((1 − β2) g²) + ε),
    # about α·0.1/0.0316 = 3.16 α. With it, the step is α·sign(g) (up to ε).
    opt = get_optimizer("adam")
    theta = np.array([0.0, 0.0])
    opt.step([theta], [np.array([1e-3, -40.0])], learning_rate=0.01)
    np.testing.assert_allclose(theta, [-0.01, 0.01], rtol=1e-4)


def test_optimizer_updates_in_place():
    theta = np.ones(4)
    before = theta.__array_interface__["data"][0]
    get_optimizer("adam").step([theta], [np.full(4, 0.5)], 0.1)
    assert theta.__array_interface__["data"][0] == before
    assert np.all(theta < 1)


def test_float32_state_stays_float32():
    theta = np.ones(3, dtype=np.float32)
    opt = get_optimizer("adam")
    opt.step([theta], [np.full(3, 0.5, dtype=np.float32)], 0.1)
    assert theta.dtype == np.float32
    assert all(slot.dtype == np.float32 for slot in opt._state[0])


def test_unknown_optimizer_lists_names():
    with pytest.raises(ValueError, match="expected one of: gd, sgd, momentum, rmsprop, adam"):
        get_optimizer("adagrad")
    with pytest.raises(TypeError, match="optimizer must be a name"):
        get_optimizer(3)


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="beta must be in"):
        lw.Momentum(beta=1.5)
    with pytest.raises(ValueError, match="beta2 must be in"):
        lw.Adam(beta2=1.0)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (InverseTimeDecay(decay_rate=0.5), [1.0, 1 / 1.5, 1 / 2.0, 1 / 2.5]),
        (ExponentialDecay(rate=0.5), [1.0, 0.5, 0.25, 0.125]),
        (StepDecay(every=2, factor=0.1), [1.0, 1.0, 0.1, 0.1]),
    ],
)
def test_schedules(schedule, expected):
    np.testing.assert_allclose([schedule(e, 1.0) for e in range(4)], expected)


def test_schedule_names():
    assert set(SCHEDULES) == {"constant", "inverse_time", "exponential", "step"}
    assert get_schedule(None)(7, 0.3) == 0.3
    with pytest.raises(ValueError, match="unknown learning-rate schedule"):
        get_schedule("cosine")


def test_schedule_is_used_by_fit():
    X, Y = lw.datasets.xor(m=32, seed=0)
    net = lw.Network([2, 3, 1], seed=0)
    history = net.fit(X, Y, epochs=4, learning_rate=0.8, lr_schedule=ExponentialDecay(0.5))
    np.testing.assert_allclose(history.learning_rate, [0.8, 0.4, 0.2, 0.1])
