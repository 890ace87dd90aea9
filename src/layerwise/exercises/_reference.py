"""The reference solutions: the course's assignment functions, written with layerwise's own
functions (the ones :class:`~layerwise.Network` trains with), so that a learner who reads a
solution reads the code that trains.

Each function uses only ``np`` (NumPy) and ``lw`` (layerwise) and the exercises before it,
so that its source, pasted into a notebook that imported those two, runs there
(``inspect.getsource(exercises.solution(name))``). Shapes in the notes' notation: X = A[0]
is (n[0], m), W[l] (n[l], n[l−1]), b[l] (n[l], 1), Z[l] and A[l] (n[l], m).

The course's caches are kept: ``linear_cache = (A_prev, W, b)``, ``activation_cache = Z``,
and ``cache = (linear_cache, activation_cache)`` per layer.
"""

from __future__ import annotations

import numpy as np

import layerwise as lw

# --------------------------------------------------------------------------- week 3


def sigmoid(Z):
    """g(z) = σ(z) = 1 / (1 + e^(−z)), elementwise. Z: any shape -> A: same shape."""
    return lw.get_activation("sigmoid")(Z)


def sigmoid_derivative(Z):
    """g'(z) = a(1 − a) with a = σ(z) (ERRATA 2). Z -> g'(Z), same shape."""
    return lw.get_activation("sigmoid").derivative(Z)


def tanh_derivative(Z):
    """g'(z) = 1 − tanh²(z) = 1 − a² (ERRATA 3: tanh, not tan). Z -> g'(Z), same shape."""
    return lw.get_activation("tanh").derivative(Z)


def relu(Z):
    """g(z) = max(0, z), elementwise. Z -> A, same shape."""
    return lw.get_activation("relu")(Z)


def relu_derivative(Z):
    """g'(z) = 0 for z < 0 and 1 for z ≥ 0 (the notes' choice at 0, ERRATA 4). Z -> g'(Z)."""
    return lw.get_activation("relu").derivative(Z)


def initialize_parameters(n_x, n_h, n_y):
    """W[1] (n_h, n_x), b[1] (n_h, 1), W[2] (n_y, n_h), b[2] (n_y, 1): W = randn × 0.01.

    Drawn from np.random (seeded by the caller, as the assignment's test does) in the order
    W1, W2; ``lw.init_params([n_x, n_h, n_y], init="course", seed=s)`` draws the same numbers
    after ``np.random.seed(s)``. Returns the dict {"W1", "b1", "W2", "b2"}.
    """
    # W[l] = np.random.randn(n[l], n[l-1]) * 0.01 ;  b[l] = np.zeros((n[l], 1))
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def forward_propagation(X, parameters):
    """Z[1] = W[1] X + b[1], A[1] = tanh(Z[1]), Z[2] = W[2] A[1] + b[2], A[2] = σ(Z[2]).

    X (n[0], m), parameters {"W1", "b1", "W2", "b2"} -> (A2 (1, m), cache {"Z1", "A1",
    "Z2", "A2"}).
    """
    A2, caches = lw.forward(X, parameters, ["tanh", "sigmoid"])
    cache = {"Z1": caches[0].Z, "A1": caches[0].A, "Z2": caches[1].Z, "A2": caches[1].A}
    return A2, cache


def compute_cost(AL, Y):
    """J = −1/m Σ_{i=1}^{m} [y⁽ⁱ⁾ log a⁽ⁱ⁾ + (1 − y⁽ⁱ⁾) log(1 − a⁽ⁱ⁾)] (ERRATA 1: over the m
    examples). AL = A[L] (1, m), Y (1, m) -> J, a float."""
    return lw.compute_cost(AL, Y)


def backward_propagation(parameters, cache, X, Y):
    """The notes' back propagation of the two-layer network (tanh, then sigmoid):
    dZ[2] = A[2] − Y, dW[2] = 1/m dZ[2] A[1]ᵀ, db[2] = 1/m Σ dZ[2],
    dZ[1] = W[2]ᵀ dZ[2] * g[1]'(Z[1]) = W[2]ᵀ dZ[2] * (1 − A[1]²) (ERRATA 6),
    dW[1] = 1/m dZ[1] Xᵀ, db[1] = 1/m Σ dZ[1] (keepdims=True).

    Returns grads {"dW1", "db1", "dW2", "db2"}, shaped like W1, b1, W2, b2.
    """
    tanh, sigma = lw.get_activation("tanh"), lw.get_activation("sigmoid")
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    caches = [
        lw.LayerCache(X, W1, b1, cache["Z1"], cache["A1"], tanh),
        lw.LayerCache(cache["A1"], W2, b2, cache["Z2"], cache["A2"], sigma),
    ]
    return lw.backward(cache["A2"], Y, caches)


def update_parameters(parameters, grads, learning_rate):
    """W[l] := W[l] − α dW[l], b[l] := b[l] − α db[l] for every l; returns new parameters
    (the ones given are left as they are)."""
    parameters = {key: value.copy() for key, value in parameters.items()}
    return lw.update_params(parameters, grads, learning_rate)


# --------------------------------------------------------------------------- week 4


def initialize_parameters_deep(layer_dims):
    """W[l] = randn(n[l], n[l−1]) × 0.01, b[l] = zeros((n[l], 1)) for l = 1..L.

    layer_dims = [n[0], ..., n[L]] -> {"W1", "b1", ..., "WL", "bL"}; drawn from np.random
    in layer order (``lw.init_params(layer_dims, init="course", seed=s)`` after
    ``np.random.seed(s)`` draws the same).
    """
    parameters = {}
    for l in range(1, len(layer_dims)):
        # W[l] = np.random.randn(n[l], n[l-1]) * 0.01 ;  b[l] = np.zeros((n[l], 1))
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_forward(A, W, b):
    """Z[l] = W[l] A[l−1] + b[l]. A (n[l−1], m), W (n[l], n[l−1]), b (n[l], 1) ->
    (Z (n[l], m), cache = (A, W, b))."""
    Z = lw.linear_forward(A, W, b)
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    """A[l] = g[l](W[l] A[l−1] + b[l]) with g = "sigmoid" or "relu" ->
    (A (n[l], m), cache = (linear_cache, Z))."""
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = lw.get_activation(activation)(Z)
    return A, (linear_cache, Z)


def L_model_forward(X, parameters):
    """A[0] = X; relu for l = 1..L−1, sigmoid for layer L. -> (AL (1, m), caches: the L
    caches of linear_activation_forward, layer 1 first)."""
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        activation = "sigmoid" if l == L else "relu"
        A, cache = linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], activation
        )
        caches.append(cache)
    return A, caches


def linear_backward(dZ, cache):
    """dW[l] = 1/m dZ[l] A[l−1]ᵀ, db[l] = 1/m np.sum(dZ[l], axis=1, keepdims=True),
    dA[l−1] = W[l]ᵀ dZ[l]. dZ (n[l], m), cache (A_prev, W, b) -> (dA_prev, dW, db)."""
    A_prev, W, _ = cache  # b plays no part: db comes from dZ alone
    return lw.linear_backward(dZ, A_prev, W)


def linear_activation_backward(dA, cache, activation):
    """dZ[l] = dA[l] * g[l]'(Z[l]) (elementwise), then linear_backward.
    dA (n[l], m), cache (linear_cache, Z), activation "sigmoid" or "relu" ->
    (dA_prev, dW, db)."""
    linear_cache, Z = cache
    g = lw.get_activation(activation)
    dZ = g.backward(dA, Z, g(Z))
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    """dA[L] = −(Y / A[L] − (1 − Y) / (1 − A[L])), then for l = L..1 linear_activation_backward
    (sigmoid at layer L, relu below). -> grads {"dA{l-1}", "dW{l}", "db{l}"} for l = 1..L."""
    L = len(caches)
    Y = Y.reshape(AL.shape)
    grads = {}
    # dA[L] = dL/dA[L] = -(Y / AL - (1 - Y) / (1 - AL))
    dA = lw.get_loss("binary_crossentropy").derivative(AL, Y)
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, dW, db = linear_activation_backward(dA, caches[l - 1], activation)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA, dW, db
    return grads
