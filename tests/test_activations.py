"""Activations g and g': every registered activation against finite differences, plus the
hand-computed values of the errata (rows 2-5) and the numerics the design promises."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import layerwise as lw
from layerwise.core.activations import ACTIVATIONS

NAMES = sorted(ACTIVATIONS)
ELEMENTWISE = [name for name in NAMES if name != "softmax"]


def away_from_kink(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in ±[0.1, 3]: away from the kink of ReLU / leaky ReLU at z = 0."""
    return rng.uniform(0.1, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


# --------------------------------------------------------------------------- derivatives


def test_registry_holds_the_design_names():
    assert set(ACTIVATIONS) >= {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name, rng, num_grad):
    g = lw.get_activation(name)
    Z = away_from_kink(rng, (4, 5))
    # g is elementwise, so the gradient of Σ g(Z) with respect to Z is g'(Z)
    expected = num_grad(lambda: g(Z).sum(), Z)
    np.testing.assert_allclose(g.derivative(Z), expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(g.derivative(Z, g(Z)), expected, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_backward_is_the_vector_jacobian_product(name, rng, num_grad):
    # dZ = ∂/∂Z Σ g(Z) * dA: the chain rule for any g, softmax's full Jacobian included
    g = lw.get_activation(name)
    Z = away_from_kink(rng, (4, 5))
    dA = rng.standard_normal((4, 5))
    expected = num_grad(lambda: float((g(Z) * dA).sum()), Z)
    np.testing.assert_allclose(g.backward(dA, Z, g(Z)), expected, rtol=1e-6, atol=1e-9)


def test_softmax_derivative_is_the_jacobian_diagonal(rng):
    g = lw.get_activation("softmax")
    Z = rng.standard_normal((4, 3))
    eps = 1e-6
    diag = np.empty_like(Z)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Zp, Zm = Z.copy(), Z.copy()
            Zp[i, j] += eps
            Zm[i, j] -= eps
            diag[i, j] = (g(Zp)[i, j] - g(Zm)[i, j]) / (2 * eps)
    np.testing.assert_allclose(g.derivative(Z), diag, rtol=1e-6, atol=1e-10)


# --------------------------------------------------------------------------- out=


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_out_and_allocating_calls_agree(name, dtype, rng):
    g = lw.get_activation(name)
    Z = away_from_kink(rng, (3, 6)).astype(dtype)
    dA = rng.standard_normal((3, 6)).astype(dtype)
    A = g(Z)

    out = np.empty_like(Z)
    assert g(Z, out=out) is out
    np.testing.assert_array_equal(out, A)

    out = np.empty_like(Z)
    assert g.derivative(Z, A, out=out) is out
    np.testing.assert_array_equal(out, g.derivative(Z, A))

    out = np.empty_like(Z)
    assert g.backward(dA, Z, A, out=out) is out
    np.testing.assert_array_equal(out, g.backward(dA, Z, A))

    assert A.dtype == dtype
    assert g.derivative(Z, A).dtype == dtype
    assert g.backward(dA, Z, A).dtype == dtype


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "call, aliased",
    [
        ("forward", "Z"),
        ("derivative", "Z"),
        ("derivative", "A"),
        ("backward", "dA"),
        ("backward", "Z"),
        ("backward", "A"),
    ],
)
def test_out_may_be_an_input(name, call, aliased, rng):
    # The module docstring promises the ufunc convention "out may be the same array as an
    # input": writing the result over one of the inputs gives the allocating call's result.
    g = lw.get_activation(name)
    Z = away_from_kink(rng, (3, 5))
    dA = rng.standard_normal((3, 5))
    A = g(Z)
    inputs = {"Z": Z.copy(), "A": A.copy(), "dA": dA.copy()}
    if call == "forward":
        expected = g(Z)
        result = g(inputs["Z"], out=inputs[aliased])
    elif call == "derivative":
        expected = g.derivative(Z, A)
        result = g.derivative(inputs["Z"], inputs["A"], out=inputs[aliased])
    else:
        expected = g.backward(dA, Z, A)
        result = g.backward(inputs["dA"], inputs["Z"], inputs["A"], out=inputs[aliased])
    assert result is inputs[aliased]
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- hand values


def test_sigmoid_hand_values():
    g = lw.get_activation("sigmoid")
    Z = np.array([[0.0, 1.0, -2.0]])
    expected = np.array([[0.5, 1 / (1 + math.exp(-1.0)), 1 / (1 + math.exp(2.0))]])
    np.testing.assert_allclose(g(Z), expected, rtol=1e-15)
    assert g.derivative(np.zeros((1, 1)))[0, 0] == 0.25


def test_errata_2_sigmoid_derivative_is_a_times_one_minus_a(rng):
    g = lw.get_activation("sigmoid")
    Z = rng.standard_normal((3, 4)) * 3
    a = 1.0 / (1.0 + np.exp(-Z))
    np.testing.assert_allclose(g.derivative(Z), a * (1 - a), rtol=1e-12)
    assert g.derivative_from_output


def test_errata_3_tanh_derivative_is_one_minus_tanh_squared_not_tan():
    g = lw.get_activation("tanh")
    Z = np.array([[0.0, 0.5, 1.0, -1.3, 2.0]])
    expected = 1.0 - np.tanh(Z) ** 2
    np.testing.assert_allclose(g.derivative(Z), expected, rtol=1e-12)
    # the notes' slip, 1 − tan²(z), is a different function (and negative at z = 1)
    wrong = 1.0 - np.tan(Z) ** 2
    assert not np.allclose(g.derivative(Z)[0, 1:], wrong[0, 1:])
    assert g.derivative(np.array([[1.0]]))[0, 0] > 0
    assert g.derivative_from_output


def test_errata_4_relu_derivative_at_zero_is_one():
    g = lw.get_activation("relu")
    Z = np.array([[-2.0, -1e-12, 0.0, 1e-12, 3.0]])
    np.testing.assert_array_equal(g(Z), [[0.0, 0.0, 0.0, 1e-12, 3.0]])
    np.testing.assert_array_equal(g.derivative(Z), [[0.0, 0.0, 1.0, 1.0, 1.0]])
    out = np.full_like(Z, 7.0)
    np.testing.assert_array_equal(g.derivative(Z, out=out), [[0.0, 0.0, 1.0, 1.0, 1.0]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_against_cached_zeros_matches_the_scalar_form(dtype):
    # max(z, 0) is taken against a cached read-only array of zeros for small arrays and
    # against the scalar 0 for large ones; both must equal NumPy's max(z, 0), in the dtype
    from layerwise import _constants

    g = lw.get_activation("relu")
    rng = np.random.default_rng(0)
    for shape in [(3, 5), (2, _constants._MAX_ELEMENTS // 2 + 1)]:
        Z = rng.standard_normal(shape).astype(dtype)
        A = g(Z)
        assert A.dtype == Z.dtype and A.flags.writeable
        np.testing.assert_array_equal(A, np.maximum(Z, 0))
        out = np.empty_like(Z)
        assert g(Z, out=out) is out
        np.testing.assert_array_equal(out, np.maximum(Z, 0))
    zeros = _constants.filled_like(np.empty((3, 5), dtype), 0.0)
    assert isinstance(zeros, np.ndarray) and not zeros.flags.writeable and not zeros.any()
    assert _constants.filled_like(np.empty((2, _constants._MAX_ELEMENTS + 1)), 0.0) == 0.0


def test_errata_5_leaky_relu_default_slope_and_derivative_at_zero():
    g = lw.get_activation("leaky_relu")
    Z = np.array([[-3.0, -0.5, 0.0, 0.5, 2.0]])
    np.testing.assert_allclose(g(Z), [[-0.03, -0.005, 0.0, 0.5, 2.0]], rtol=1e-15)
    np.testing.assert_allclose(g.derivative(Z), [[0.01, 0.01, 1.0, 1.0, 1.0]], rtol=1e-15)


def test_leaky_relu_configurable_slope():
    g = lw.get_activation("leaky_relu", slope=0.2)
    Z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(g(Z), [[-0.4, 0.0, 3.0]], rtol=1e-15)
    np.testing.assert_allclose(g.derivative(Z), [[0.2, 1.0, 1.0]], rtol=1e-15)
    assert g != lw.get_activation("leaky_relu")


@pytest.mark.parametrize("slope", [-0.1, 1.0, 1.5, float("nan")])
def test_leaky_relu_slope_outside_unit_interval_is_rejected(slope):
    with pytest.raises(ValueError, match=r"slope must be in \[0, 1\)"):
        lw.get_activation("leaky_relu", slope=slope)


def test_linear_is_the_identity(rng):
    g = lw.get_activation("linear")
    Z = rng.standard_normal((2, 3))
    A = g(Z)
    np.testing.assert_array_equal(A, Z)
    assert A is not Z
    np.testing.assert_array_equal(g.derivative(Z), np.ones_like(Z))


def test_derivative_from_output_needs_only_A(rng):
    # where the record says g' is read from A, passing garbage as Z must not matter
    Z = rng.standard_normal((3, 4))
    checked = 0
    for name in NAMES:
        g = lw.get_activation(name)
        if not g.derivative_from_output:
            continue
        garbage = np.full_like(Z, np.nan)
        np.testing.assert_allclose(g.derivative(garbage, g(Z)), g.derivative(Z), rtol=1e-12)
        checked += 1
    assert checked >= 2  # at least sigmoid and tanh


def test_relu_derivative_cannot_come_from_output():
    # A = 0 for z = 0 and z < 0 alike, but g'(0) = 1 and g'(-1) = 0: g' must be read from Z
    g = lw.get_activation("relu")
    assert not g.derivative_from_output
    Z = np.array([[0.0, -1.0]])
    np.testing.assert_array_equal(g(Z), [[0.0, 0.0]])
    np.testing.assert_array_equal(g.derivative(Z, g(Z)), [[1.0, 0.0]])


# --------------------------------------------------------------------------- numerics


def test_sigmoid_is_stable_for_huge_inputs():
    g = lw.get_activation("sigmoid")
    Z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    # e^(−z) may underflow to 0 on the right (NumPy ignores underflow by default; σ is 1)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        A = g(Z)
        D = g.derivative(Z)
    # the left tail stops at the smallest normal numbers (e^(−z) is capped), never 0 or a
    # subnormal; the right tail rounds to exactly 1
    assert np.finfo(np.float64).tiny <= A[0, 0] == A[0, 1] < 1e-307
    assert A[0, -1] == 1.0
    assert A[0, 2] == 0.5
    assert np.all(np.isfinite(D))
    assert 0.0 < D[0, 0] < 1e-307 and D[0, -1] == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_keeps_its_relative_accuracy_in_the_left_tail(dtype):
    """σ(z) = e^z / (1 + e^z), evaluated in float64 from the exact e^z, down to z = −80."""
    g = lw.get_activation("sigmoid")
    Z = np.linspace(-80.0, 40.0, 121).reshape(1, -1)
    exact = np.exp(Z) / (1.0 + np.exp(Z)) if dtype == np.float64 else 1.0 / (1.0 + np.exp(-Z))
    A = g(Z.astype(dtype))
    np.testing.assert_allclose(A, exact, rtol=1e-14 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_huge_inputs(dtype):
    g = lw.get_activation("softmax")
    Z = np.array([[1e4, -1e4, 0.0], [1e4 - 1.0, -1e4 + 2.0, 1e4], [0.0, -1e4, 1e4]], dtype=dtype)
    # e^(−2e4) underflowing to 0 is the right answer; overflow or NaN is not
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        A = g(Z)
    assert np.all(np.isfinite(A))
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-6)
    # column 0: e^0 / (e^0 + e^-1)
    np.testing.assert_allclose(A[0, 0], 1 / (1 + math.exp(-1.0)), rtol=1e-6)
    # column 2: two equal maxima share the mass
    np.testing.assert_allclose(A[1:, 2], [0.5, 0.5], rtol=1e-6)


def test_softmax_hand_values():
    g = lw.get_activation("softmax")
    Z = np.array([[1.0], [2.0], [3.0]])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(g(Z)[:, 0], e / e.sum(), rtol=1e-14)


# --------------------------------------------------------------------------- resolver


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Received: name='swish'$") as info:
        lw.get_activation("swish")
    for name in NAMES:
        assert name in str(info.value)


def test_get_activation_resolves_names_and_objects():
    g = lw.get_activation(" TanH ")
    assert g.name == "tanh"
    assert lw.get_activation(g) is g
    with pytest.raises(TypeError, match="Received: name=3"):
        lw.get_activation(3)
    with pytest.raises(TypeError):
        lw.get_activation("relu", slope=0.3)
