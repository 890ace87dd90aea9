"""Losses: cost J against hand formulas (errata rows 1 and 12), dA[L] against finite
differences, the canonical dZ[L] = A[L] − Y, label checks and clipping."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import layerwise as lw
from layerwise.core.losses import LOSSES

NAMES = sorted(LOSSES)

#: the output activation whose derivative cancels with the loss's (dZ[L] = A[L] − Y)
CANONICAL = {
    "binary_crossentropy": "sigmoid",
    "categorical_crossentropy": "softmax",
    "mse": "linear",
}


def reference_cost(name: str, AL: np.ndarray, Y: np.ndarray) -> float:
    """J = 1/m Σ_{i=1}^{m} L(a⁽ⁱ⁾, y⁽ⁱ⁾), written example by example with plain Python."""
    m = AL.shape[1]
    total = 0.0
    for i in range(m):
        a, y = AL[:, i], Y[:, i]
        if name == "binary_crossentropy":
            total += sum(
                -yk * math.log(ak) - (1 - yk) * math.log(1 - ak)
                for ak, yk in zip(a, y, strict=True)
            )
        elif name == "categorical_crossentropy":
            total += sum(-yk * math.log(ak) for ak, yk in zip(a, y, strict=True))
        elif name == "mse":
            total += 0.5 * sum((ak - yk) ** 2 for ak, yk in zip(a, y, strict=True))
        else:  # pragma: no cover - a new loss must bring its reference here
            raise AssertionError(f"no reference formula for loss {name!r}")
    return total / m


def sample(name: str, rng: np.random.Generator, n: int = 3, m: int = 6):
    """A valid (AL, Y) pair for the loss, AL away from 0 and 1."""
    if name == "binary_crossentropy":
        AL = rng.uniform(0.05, 0.95, (n, m))
        Y = rng.integers(0, 2, (n, m)).astype(float)
    elif name == "categorical_crossentropy":
        AL = lw.get_activation("softmax")(rng.standard_normal((n, m)))
        Y = np.eye(n)[rng.integers(0, n, m)].T.copy()
    else:
        AL = rng.standard_normal((n, m))
        Y = rng.standard_normal((n, m))
    return AL, Y


def test_registry_holds_the_design_names():
    assert set(LOSSES) >= set(CANONICAL)


# --------------------------------------------------------------------------- cost J


@pytest.mark.parametrize("name", NAMES)
def test_cost_matches_hand_formula(name, rng):
    loss = lw.get_loss(name)
    AL, Y = sample(name, rng)
    assert loss.cost(AL, Y) == pytest.approx(reference_cost(name, AL, Y), rel=1e-12)
    assert lw.compute_cost(AL, Y, loss=name) == pytest.approx(
        reference_cost(name, AL, Y), rel=1e-12
    )


def test_binary_crossentropy_hand_value():
    AL, Y = np.array([[0.9, 0.2, 0.6]]), np.array([[1.0, 0.0, 1.0]])
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.6)) / 3
    assert lw.compute_cost(AL, Y) == pytest.approx(expected, rel=1e-14)


def test_mse_has_the_half_and_sums_over_outputs():
    # J = 1/(2m) Σ (a − y)², m = 2 examples of 2 outputs
    AL = np.array([[1.0, 2.0], [0.0, -1.0]])
    Y = np.array([[0.0, 0.0], [0.0, 1.0]])
    expected = (1.0 + 4.0 + 0.0 + 4.0) / (2 * 2)
    assert lw.compute_cost(AL, Y, loss="mse") == pytest.approx(expected, rel=1e-15)


def test_mse_on_the_regression_fixture(Y_regression, rng):
    # two outputs per example: L = ½ Σ_k (a_k − y_k)², J its mean over the columns
    AL = Y_regression + rng.standard_normal(Y_regression.shape)
    per_example = 0.5 * ((AL - Y_regression) ** 2).sum(axis=0)
    mse = lw.get_loss("mse")
    np.testing.assert_allclose(mse.cost(AL, Y_regression), per_example.mean(), rtol=1e-13)
    np.testing.assert_allclose(mse.derivative(AL, Y_regression), AL - Y_regression, rtol=1e-15)


def test_categorical_crossentropy_hand_value():
    AL = np.array([[0.7, 0.1], [0.2, 0.3], [0.1, 0.6]])
    Y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    expected = -(math.log(0.7) + math.log(0.6)) / 2
    assert lw.compute_cost(AL, Y, loss="categorical_crossentropy") == pytest.approx(expected)


@pytest.mark.parametrize("name", NAMES)
def test_errata_1_cost_is_the_mean_over_the_m_examples(name, rng):
    # J = 1/m Σ_{i=1}^{m}: duplicating every example leaves J unchanged (a sum would double)
    loss = lw.get_loss(name)
    AL, Y = sample(name, rng)
    J = loss.cost(AL, Y)
    J2 = loss.cost(np.hstack([AL, AL]), np.hstack([Y, Y]))
    np.testing.assert_allclose(J2, J, rtol=1e-12)
    # and it is the mean of the per-example costs
    per_example = [loss.cost(AL[:, [i]], Y[:, [i]]) for i in range(AL.shape[1])]
    np.testing.assert_allclose(J, np.mean(per_example), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_cost_with_work_buffer_agrees(name, rng):
    loss = lw.get_loss(name)
    AL, Y = sample(name, rng)
    work = np.full_like(AL, np.nan)
    assert loss.cost(AL, Y, work=work) == pytest.approx(loss.cost(AL, Y), rel=1e-14)


# --------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences_of_m_times_cost(name, rng, num_grad):
    # J is a mean, so ∂(m J)/∂a⁽ⁱ⁾ is the per-example dL/da that derivative() returns
    loss = lw.get_loss(name)
    AL, Y = sample(name, rng)
    m = AL.shape[1]
    expected = num_grad(lambda: m * loss.cost(AL, Y), AL)
    np.testing.assert_allclose(loss.derivative(AL, Y), expected, rtol=1e-6, atol=1e-8)
    out = np.empty_like(AL)
    assert loss.derivative(AL, Y, out=out) is out
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_output_delta_is_A_minus_Y_for_the_canonical_activation(name, rng, num_grad):
    # dZ[L] = ∂(m J)/∂Z[L] with A[L] = g(Z[L]) collapses to A[L] − Y
    loss = lw.get_loss(name)
    g = lw.get_activation(CANONICAL[name])
    assert loss.canonical_activation == g.name
    _, Y = sample(name, rng)
    Z = rng.standard_normal(Y.shape)
    m = Z.shape[1]
    A = g(Z)
    expected = num_grad(lambda: m * loss.cost(g(Z), Y), Z)
    np.testing.assert_allclose(A - Y, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(loss.output_delta(A, Y), A - Y, rtol=0, atol=0)
    # and the general chain rule dA[L] * g'(Z[L]) agrees with the shortcut
    np.testing.assert_allclose(g.backward(loss.derivative(A, Y), Z, A), A - Y, atol=1e-12)


def test_errata_12_binary_crossentropy_da_and_dz(rng):
    bce = lw.get_loss("binary_crossentropy")
    a = rng.uniform(0.05, 0.95, (1, 8))
    y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.3, 0.8]])  # soft labels allowed in [0, 1]
    # L(a, y) = −y log a − (1 − y) log(1 − a): the loss, not its derivative
    L = -y * np.log(a) - (1 - y) * np.log(1 - a)
    assert bce.cost(a, y) == pytest.approx(L.mean(), rel=1e-12)
    # da = −y/a + (1 − y)/(1 − a)
    da = -y / a + (1 - y) / (1 - a)
    np.testing.assert_allclose(bce.derivative(a, y), da, rtol=1e-12)
    # dz = da · a(1 − a) = a − y for a sigmoid output
    np.testing.assert_allclose(bce.derivative(a, y) * a * (1 - a), a - y, rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------- labels


def test_binary_crossentropy_rejects_label_2():
    AL, Y = np.array([[0.3, 0.6]]), np.array([[0.0, 2.0]])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        lw.compute_cost(AL, Y)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        lw.get_loss("binary_crossentropy").check_targets(Y)


def test_binary_crossentropy_rejects_negative_label():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        lw.compute_cost(np.array([[0.3]]), np.array([[-1.0]]))


def test_categorical_crossentropy_rejects_columns_not_summing_to_one():
    AL = np.full((3, 2), 1 / 3)
    Y = np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])  # column 1 sums to 2
    with pytest.raises(ValueError, match="sum to 1") as info:
        lw.compute_cost(AL, Y, loss="categorical_crossentropy")
    assert "column 1" in str(info.value)


def test_categorical_crossentropy_rejects_negative_targets():
    AL = np.full((2, 1), 0.5)
    Y = np.array([[1.5], [-0.5]])
    with pytest.raises(ValueError, match="non-negative"):
        lw.compute_cost(AL, Y, loss="categorical_crossentropy")


def test_cost_rejects_mismatched_shapes_and_nan():
    AL = np.full((1, 3), 0.5)
    with pytest.raises(ValueError, match="m = 3"):
        lw.compute_cost(AL, np.zeros((1, 4)))
    with pytest.raises(ValueError, match="NaN or inf"):
        lw.compute_cost(AL, np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="NaN or inf"):
        lw.compute_cost(np.array([[0.5, np.inf, 0.5]]), np.zeros((1, 3)))


def test_unknown_loss_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Received: loss='hinge'") as info:
        lw.get_loss("hinge")
    for name in NAMES:
        assert name in str(info.value)


def test_compute_cost_defaults_to_binary_crossentropy(rng):
    AL, Y = sample("binary_crossentropy", rng, n=1)
    assert lw.compute_cost(AL, Y) == pytest.approx(reference_cost("binary_crossentropy", AL, Y))


# --------------------------------------------------------------------------- clipping


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy"])
def test_cost_is_finite_at_exact_zero_and_one(name, dtype):
    if name == "binary_crossentropy":
        AL = np.array([[0.0, 1.0, 0.0, 1.0]], dtype=dtype)
        Y = np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)  # two right, two maximally wrong
    else:
        AL = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
        Y = np.array([[1.0, 1.0], [0.0, 0.0]], dtype=dtype)  # one right, one maximally wrong
    loss = lw.get_loss(name)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        J = lw.compute_cost(AL, Y, loss=name)
        dA = loss.derivative(AL, Y)
    assert math.isfinite(J)
    # a maximally wrong prediction costs about −log(eps) of the dtype, not infinity
    bound = -math.log(float(np.finfo(dtype).eps))
    assert 0 < J <= bound
    assert np.all(np.isfinite(dA))


def test_perfect_prediction_costs_almost_nothing():
    AL = np.array([[0.0, 1.0]])
    Y = np.array([[0.0, 1.0]])
    assert 0.0 <= lw.compute_cost(AL, Y) < 1e-12
