"""The test cases of each exercise: the course's (drawn as its ``testCases`` files draw them,
``np.random.seed(k)`` then ``np.random.randn(...)`` in order, here from a legacy
``np.random.RandomState(k)`` so that the global stream is never touched) and fresh random
ones of random sizes, among them a square W[l] (so that a W not transposed shows in the
values, not only in an error) and Z with exact zeros (g'(0)).

A case is a function ``make(rs) -> args`` of a ``RandomState``; the checker gives it
``RandomState(seed)`` with the case's seed, so a failing random case can be repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _reference as ref

RS = np.random.RandomState
#: a case's arguments from a RandomState
Maker = Callable[[RS], tuple]


@dataclass(frozen=True)
class Case:
    """One test case: ``make(RandomState(seed))`` gives the arguments."""

    label: str
    make: Callable[[np.random.RandomState], tuple]
    seed: int
    course: bool = False


def _sizes(rs: np.random.RandomState, count: int) -> list[int]:
    return [int(n) for n in rs.randint(1, 6, size=count)]


def _params(rs: np.random.RandomState, dims: list[int]) -> dict[str, Any]:
    out = {}
    for l in range(1, len(dims)):
        out[f"W{l}"] = rs.randn(dims[l], dims[l - 1])
        out[f"b{l}"] = rs.randn(dims[l], 1)
    return out


def _with_zeros(rs: np.random.RandomState, shape: tuple) -> np.ndarray:
    Z = rs.randn(*shape)
    Z.flat[:: max(1, Z.size // 3)] = 0.0  # g'(0) matters: the notes take 1 for ReLU
    return Z


def _labels(rs: np.random.RandomState, m: int) -> np.ndarray:
    return (rs.rand(1, m) > 0.5).astype(float)


# --------------------------------------------------------------------------- the makers


def elementwise(rs: RS) -> tuple:
    return (_with_zeros(rs, (_sizes(rs, 1)[0], _sizes(rs, 1)[0] + 1)),)


def elementwise_course(rs: RS) -> tuple:
    return (np.array([[-2.0, -0.5, 0.0, 0.5, 2.0], [1.0, -1.0, 3.0, -3.0, 0.0]]),)


def two_layer_sizes(rs: RS) -> tuple:
    return tuple(_sizes(rs, 3))


def two_layer_course(rs: RS) -> tuple:
    return (2, 4, 1)  # the planar assignment's initialize_parameters test: n_x, n_h, n_y


def planar_inputs(rs: RS, m: int | None = None) -> tuple:
    """X (2, m), the planar assignment's parameters (np.random.seed(2) init, b1 from randn)."""
    m = m or 3
    X = rs.randn(2, m)
    b1 = rs.randn(4, 1)
    W = np.random.RandomState(2)
    params = {"W1": W.randn(4, 2) * 0.01, "b1": b1, "W2": W.randn(1, 4) * 0.01}
    params["b2"] = np.array([[-1.3]])
    return X, params


def forward_course(rs: RS) -> tuple:
    return planar_inputs(rs)


def forward_random(rs: RS) -> tuple:
    n0, n1, m = _sizes(rs, 3)
    return rs.randn(n0, m), _params(rs, [n0, n1, 1])


def cost_course(rs: RS) -> tuple:
    return np.array([[0.8, 0.9, 0.4]]), np.array([[1.0, 1.0, 0.0]])


def cost_random(rs: RS) -> tuple:
    m = _sizes(rs, 1)[0] + 1
    return rs.uniform(0.05, 0.95, (1, m)), _labels(rs, m)


def backward_course(rs: RS) -> tuple:
    X, params = planar_inputs(rs)
    Y = (rs.randn(1, 3) > 0).astype(float)
    return params, ref.forward_propagation(X, params)[1], X, Y


def backward_random(rs: RS) -> tuple:
    X, params = forward_random(rs)
    Y = _labels(rs, X.shape[1])
    return params, ref.forward_propagation(X, params)[1], X, Y


def update_course(rs: RS) -> tuple:
    params = {"W1": rs.randn(3, 4), "b1": rs.randn(3, 1), "W2": rs.randn(1, 3)}
    params["b2"] = rs.randn(1, 1)
    g = np.random.RandomState(3)  # the course's update test draws the grads after seed(3)
    grads = {"dW1": g.randn(3, 4), "db1": g.randn(3, 1), "dW2": g.randn(1, 3)}
    grads["db2"] = g.randn(1, 1)
    return params, grads, 0.1


def update_random(rs: RS) -> tuple:
    dims = _sizes(rs, 3)
    params = _params(rs, dims)
    grads = {"d" + k: rs.randn(*v.shape) for k, v in params.items()}
    return params, grads, float(rs.uniform(0.01, 2.0))


def deep_sizes_course(rs: RS) -> tuple:
    return ([5, 4, 3],)


def deep_sizes_random(rs: RS) -> tuple:
    return (_sizes(rs, int(rs.randint(2, 5))),)


def linear_course(rs: RS) -> tuple:
    return rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)


def linear_random(rs: RS, square: bool = False) -> tuple:
    n0, n1, m = _sizes(rs, 3)
    n1 = n0 if square else n1
    return rs.randn(n0, m), rs.randn(n1, n0), rs.randn(n1, 1)


def activation_forward(activation: str, course: bool = True) -> Maker:
    def make(rs: RS) -> tuple:
        return (*(linear_course(rs) if course else linear_random(rs)), activation)

    return make


def model_forward_course(rs: RS) -> tuple:
    X = rs.randn(5, 4)
    params = {}
    for l, (rows, cols) in enumerate([(4, 5), (3, 4), (1, 3)], start=1):
        params[f"W{l}"], params[f"b{l}"] = rs.randn(rows, cols), rs.randn(rows, 1)
    return X, params


def model_forward_random(rs: RS) -> tuple:
    dims = [*_sizes(rs, int(rs.randint(2, 4))), 1]
    return rs.randn(dims[0], _sizes(rs, 1)[0]), _params(rs, dims)


def linear_backward_course(rs: RS) -> tuple:
    dZ, A, W, b = rs.randn(3, 4), rs.randn(5, 4), rs.randn(3, 5), rs.randn(3, 1)
    return dZ, (A, W, b)


def linear_backward_random(rs: RS, square: bool = False) -> tuple:
    A, W, b = linear_random(rs, square)
    return rs.randn(W.shape[0], A.shape[1]), (A, W, b)


def activation_backward(activation: str, course: bool = True) -> Maker:
    def make(rs: RS) -> tuple:
        if course:
            dA, A, W, b = rs.randn(1, 2), rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)
            Z = rs.randn(1, 2)
        else:
            A, W, b = linear_random(rs, square=bool(rs.randint(2)))
            dA, Z = rs.randn(W.shape[0], A.shape[1]), rs.randn(W.shape[0], A.shape[1])
        return dA, ((A, W, b), Z), activation

    return make


def model_backward(dims: list[int] | None = None, m: int | None = None) -> Maker:
    """AL, Y, caches of a forward pass (so that A[L] = σ(Z[L]): the notes' dZ[L] = A[L] − Y
    and the assignment's dA[L] chain agree)."""

    def make(rs: RS) -> tuple:
        sizes = dims or [*_sizes(rs, int(rs.randint(2, 4))), 1]
        X = rs.randn(sizes[0], m or _sizes(rs, 1)[0] + 1)
        AL, caches = ref.L_model_forward(X, _params(rs, sizes))
        return AL, _labels(rs, AL.shape[1]), caches

    return make
