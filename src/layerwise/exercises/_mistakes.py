"""The known mistakes, as functions: for each exercise, the reference made with one mistake.

A learner's output that equals one of these (an output entry at a time: dW, db, dA_prev ...)
gets that mistake's hint. The mistakes are found by what the learner's function returns,
never by reading its source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import Array
from . import _reference as ref

MISSING_M = (
    "a missing 1/m: dW[l] = 1/m dZ[l] A[l-1]ᵀ and db[l] = 1/m np.sum(dZ[l], axis=1, "
    "keepdims=True) (the cost J is the mean over the m examples)"
)
KEEPDIMS = (
    "a sum without keepdims=True: db[l] = 1/m np.sum(dZ[l], axis=1, keepdims=True) has shape "
    "(n[l], 1); without keepdims it is (n[l],)"
)
AXIS = (
    "db[l] sums over the examples only, axis=1: np.sum(dZ[l], axis=1, keepdims=True), "
    "not np.sum(dZ[l]) over every entry"
)
TRANSPOSE = (
    "W not transposed: dA[l-1] = W[l]ᵀ dZ[l] (np.dot(W.T, dZ)), not W[l] dZ[l]; "
    "W[l]ᵀ is (n[l-1], n[l])"
)
SLIP = (
    "g'(Z[l+1]) used for g'(Z[l]), the slip of the notes (ERRATA 6): dZ[l] = dA[l] * "
    "g[l]'(Z[l]), with layer l's own Z[l] and activation, e.g. dZ[1] = W[2]ᵀ dZ[2] * "
    "g[1]'(Z[1])"
)
ZEROS = (
    "initialization with zeros: every hidden unit of a layer then computes the same "
    "function and gets the same gradient (symmetry), so they stay identical; use "
    "W[l] = np.random.randn(n[l], n[l-1]) * 0.01 (b[l] may stay zeros)"
)
COST_SIGN = (
    "the cost's sign: J = -1/m Σ [y log a + (1 - y) log(1 - a)] is positive, since log a < 0"
)
NO_DERIVATIVE = "dZ[l] = dA[l] * g[l]'(Z[l]): the elementwise product with g'(Z[l]) is missing"
Z_FOR_A = "g'(z) is written with a = g(z): a(1 - a) for sigmoid, 1 - a² for tanh, not z(1 - z)"
TAN = "tanh, not tan (the notes' slip, ERRATA 3): g'(z) = 1 - tanh²(z) = 1 - a²"
RELU_AT_0 = "the notes take g'(0) = 1 for ReLU (z ≥ 0 -> 1; ERRATA 4): use Z >= 0, not Z > 0"
G_NOT_DERIVATIVE = "this is g(Z), not its derivative g'(Z)"
NOT_SMALL = "W[l] = np.random.randn(n[l], n[l-1]) * 0.01: the factor 0.01 keeps the weights small"
SIGN_EXP = "σ(z) = 1 / (1 + e^(-z)): the exponent is -z"
UPHILL = "W := W - α dW (minus: gradient descent goes downhill)"
Z_NOT_A = "layer l+1 takes A[l] = g[l](Z[l]), not Z[l]"
ACTIVATIONS = "the hidden layers use relu (tanh in week 3) and the output layer sigmoid"
DA_SIGN = "dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])): the sign"
SEEDED_INSIDE = (
    "do not call np.random.seed inside the function: the check seeds np.random for each case "
    "(the assignment's version seeds inside; here the caller does, as lw.init_params(seed=...))"
)
ONE_TERM = "the cost has two terms: y log a and (1 - y) log(1 - a)"


@dataclass(frozen=True)
class Mistake:
    """The reference made with one known mistake (same signature as the exercise)."""

    hint: str
    function: Callable[..., Any]


def _lin_back(dZ: Array, cache: tuple, mistake: str | None = None) -> tuple:
    """linear_backward, with one of the mistakes "1/m", "keepdims", "axis", "transpose"."""
    A_prev, W, _ = cache
    scale = 1.0 if mistake == "1/m" else 1.0 / dZ.shape[1]
    dW = scale * np.dot(dZ, A_prev.T)
    db = scale * np.sum(dZ, axis=1, keepdims=True)
    if mistake == "keepdims":
        db = db.reshape(-1)
    elif mistake == "axis":
        db = scale * np.sum(dZ)
    dA_prev = np.dot(W, dZ) if mistake == "transpose" else np.dot(W.T, dZ)
    return dA_prev, dW, db


LINEAR = {"1/m": MISSING_M, "keepdims": KEEPDIMS, "axis": AXIS, "transpose": TRANSPOSE}


def _derivative(Z: Array, activation: str, mistake: str | None = None) -> Array:
    """g'(Z) for "sigmoid", "relu" or "tanh", with a mistake "z_for_a" or "relu_at_0"."""
    if activation == "sigmoid":
        a = Z if mistake == "z_for_a" else ref.sigmoid(Z)
        return a * (1 - a)
    if activation == "tanh":
        a = Z if mistake == "z_for_a" else np.tanh(Z)
        return 1 - a**2
    return (Z > 0 if mistake == "relu_at_0" else Z >= 0).astype(float)


def _act_back(
    dA: Array, cache: tuple, activation: str, linear: str | None = None, act: str | None = None
) -> tuple:
    linear_cache, Z = cache
    dZ = dA if act == "none" else dA * _derivative(Z, activation, act)
    return _lin_back(dZ, linear_cache, linear)


def _other(activation: str) -> str:
    return "relu" if activation == "sigmoid" else "sigmoid"


def _model_back(
    AL: Array,
    Y: Array,
    caches: list,
    linear: str | None = None,
    slip: bool = False,
    sign: float = 1.0,
    hidden: str = "relu",
) -> dict:
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = -sign * (Y / AL - (1 - Y) / (1 - AL))
    grads = {}
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        g = "sigmoid" if l == L else hidden
        if slip and l < L:  # layer l+1's Z and activation
            g, Z = ("sigmoid" if l + 1 == L else hidden), caches[l][1]
        dA, grads[f"dW{l}"], grads[f"db{l}"] = _lin_back(
            dA * _derivative(Z, g), (A_prev, W, b), linear
        )
        grads[f"dA{l - 1}"] = dA
    return grads


def _planar_back(
    parameters: dict,
    cache: dict,
    X: Array,
    Y: Array,
    linear: str | None = None,
    slip: bool = False,
    z_for_a: bool = False,
) -> dict:
    m = X.shape[1]
    scale = 1.0 if linear == "1/m" else 1.0 / m
    dZ2 = cache["A2"] - Y

    def db(dZ: Array) -> Array:
        s = scale * np.sum(dZ, axis=1, keepdims=True)
        return s.reshape(-1) if linear == "keepdims" else s

    W2 = parameters["W2"]
    dA1 = np.dot(W2, dZ2) if linear == "transpose" else np.dot(W2.T, dZ2)
    if slip:  # g[2]'(Z[2]) = A2 (1 - A2) in place of g[1]'(Z[1])
        dZ1 = dA1 * cache["A2"] * (1 - cache["A2"])
    else:
        dZ1 = dA1 * (1 - (cache["Z1"] if z_for_a else cache["A1"]) ** 2)
    return {
        "dW1": scale * np.dot(dZ1, X.T),
        "db1": db(dZ1),
        "dW2": scale * np.dot(dZ2, cache["A1"].T),
        "db2": db(dZ2),
    }


def _init(dims: list[int], zeros: bool = False, scale: float = 0.01) -> dict:
    out = {}
    for l in range(1, len(dims)):
        shape = (dims[l], dims[l - 1])
        out[f"W{l}"] = np.zeros(shape) if zeros else np.random.randn(*shape) * scale
        out[f"b{l}"] = np.zeros((dims[l], 1))
    return out


def _forward_z(X: Array, p: dict) -> tuple:
    Z1 = np.dot(p["W1"], X) + p["b1"]
    Z2 = np.dot(p["W2"], Z1) + p["b2"]
    A2 = ref.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": Z1, "Z2": Z2, "A2": A2}


def _cost(
    AL: Array, Y: Array, sign: float = 1.0, mean: bool = True, one_term: bool = False
) -> float:
    m = Y.shape[1] if mean else 1
    terms = Y * np.log(AL) + (0 if one_term else (1 - Y) * np.log(1 - AL))
    return float(-sign * np.sum(terms) / m)


def _update(parameters: dict, grads: dict, learning_rate: float, sign: float = -1.0) -> dict:
    return {k: v + sign * learning_rate * grads["d" + k] for k, v in parameters.items()}


def _L_forward(X: Array, parameters: dict, hidden: str = "relu", output: str = "sigmoid") -> tuple:
    L = len(parameters) // 2
    caches, A = [], X
    for l in range(1, L + 1):
        g = output if l == L else hidden
        A, cache = ref.linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], g)
        caches.append(cache)
    return A, caches


def _seeded_inside(fn: Callable[..., Any], seed: int) -> Callable[..., Any]:
    def seeded(*args: Any) -> Any:
        np.random.seed(seed)  # the checker puts np.random's state back after the call
        return fn(*args)

    return seeded


def _with(fn: Callable[..., Any], **kw: Any) -> Callable[..., Any]:
    return lambda *args: fn(*args, **kw)


MISTAKES: dict[str, list[Mistake]] = {
    "sigmoid": [Mistake(SIGN_EXP, lambda Z: 1 / (1 + np.exp(Z)))],
    "sigmoid_derivative": [
        Mistake(Z_FOR_A, lambda Z: Z * (1 - Z)),
        Mistake(G_NOT_DERIVATIVE, ref.sigmoid),
    ],
    "tanh_derivative": [
        Mistake(TAN, lambda Z: 1 - np.tan(Z) ** 2),
        Mistake(Z_FOR_A, lambda Z: 1 - Z**2),
        Mistake(G_NOT_DERIVATIVE, np.tanh),
    ],
    "relu": [],
    "relu_derivative": [
        Mistake(RELU_AT_0, lambda Z: (Z > 0).astype(float)),
        Mistake(G_NOT_DERIVATIVE, ref.relu),
    ],
    "initialize_parameters": [
        Mistake(ZEROS, lambda n_x, n_h, n_y: _init([n_x, n_h, n_y], zeros=True)),
        Mistake(NOT_SMALL, lambda n_x, n_h, n_y: _init([n_x, n_h, n_y], scale=1.0)),
        *(Mistake(SEEDED_INSIDE, _seeded_inside(ref.initialize_parameters, k)) for k in (1, 2, 3)),
    ],
    "forward_propagation": [Mistake(Z_NOT_A, _forward_z)],
    "compute_cost": [
        Mistake(COST_SIGN, _with(_cost, sign=-1.0)),
        Mistake(MISSING_M, _with(_cost, mean=False)),
        Mistake(ONE_TERM, _with(_cost, one_term=True)),
    ],
    "backward_propagation": [
        Mistake(SLIP, _with(_planar_back, slip=True)),
        Mistake(Z_FOR_A, _with(_planar_back, z_for_a=True)),
        *(Mistake(h, _with(_planar_back, linear=k)) for k, h in LINEAR.items() if k != "axis"),
    ],
    "update_parameters": [Mistake(UPHILL, _with(_update, sign=1.0))],
    "initialize_parameters_deep": [
        Mistake(ZEROS, lambda dims: _init(dims, zeros=True)),
        Mistake(NOT_SMALL, lambda dims: _init(dims, scale=1.0)),
        *(
            Mistake(SEEDED_INSIDE, _seeded_inside(ref.initialize_parameters_deep, k))
            for k in (1, 2, 3)
        ),
    ],
    "linear_forward": [],
    "linear_activation_forward": [
        Mistake(ACTIVATIONS, lambda A, W, b, g: ref.linear_activation_forward(A, W, b, _other(g)))
    ],
    "L_model_forward": [
        Mistake(ACTIVATIONS, _with(_L_forward, hidden="sigmoid")),
        Mistake(ACTIVATIONS, _with(_L_forward, output="relu")),
    ],
    "linear_backward": [Mistake(h, _with(_lin_back, mistake=k)) for k, h in LINEAR.items()],
    "linear_activation_backward": [
        *(Mistake(h, _with(_act_back, linear=k)) for k, h in LINEAR.items()),
        Mistake(NO_DERIVATIVE, _with(_act_back, act="none")),
        Mistake(Z_FOR_A, _with(_act_back, act="z_for_a")),
        Mistake(ACTIVATIONS, lambda dA, c, g: ref.linear_activation_backward(dA, c, _other(g))),
    ],
    "L_model_backward": [
        Mistake(SLIP, _with(_model_back, slip=True)),
        Mistake(DA_SIGN, _with(_model_back, sign=-1.0)),
        Mistake(ACTIVATIONS, _with(_model_back, hidden="sigmoid")),
        *(Mistake(h, _with(_model_back, linear=k)) for k, h in LINEAR.items()),
    ],
}
