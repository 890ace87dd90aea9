"""Forward and back propagation, update and gradient check: the errata rows as named tests,
gradients against finite differences for every hidden activation and output/loss pair, the
notes' dimension rules over a grid of sizes, and the message of every bad input."""

from __future__ import annotations

import numpy as np
import pytest

import layerwise as lw
from layerwise.core.activations import ACTIVATIONS, Tanh

HIDDEN = sorted(name for name in ACTIVATIONS if name != "softmax")
#: (output activation, loss): the three canonical pairs and two that need the general chain rule
OUTPUTS = [
    ("sigmoid", "binary_crossentropy"),
    ("softmax", "categorical_crossentropy"),
    ("linear", "mse"),
    ("sigmoid", "mse"),
    ("tanh", "mse"),
]


def random_params(dims, rng, scale=0.7):
    """W[l] ~ scale·randn, b[l] ~ 0.3·randn: gradients of order one, biases not zero."""
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.3
    return params


def targets(output, loss, nL, m, rng):
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, (nL, m)).astype(float)
    if loss == "categorical_crossentropy":
        return np.eye(nL)[rng.integers(0, nL, m)].T.copy()
    if output == "sigmoid":
        return rng.uniform(0.05, 0.95, (nL, m))
    if output == "tanh":
        return rng.uniform(-0.9, 0.9, (nL, m))
    return rng.standard_normal((nL, m))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("output, loss", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_finite_differences(hidden, output, loss, rng, num_grad):
    nL = 3 if output == "softmax" else 2
    dims = [3, 4, 3, nL]
    m = 5
    X = rng.standard_normal((dims[0], m))
    Y = targets(output, loss, nL, m, rng)
    params = random_params(dims, rng)
    acts = [hidden, hidden, output]

    AL, caches = lw.forward(X, params, acts)
    # keep ReLU-like units away from the kink, where finite differences are meaningless
    for cache in caches[:-1]:
        assert np.abs(cache.Z).min() > 1e-4

    # the public gradient check (its own central differences, float64)
    assert lw.gradient_check(X, Y, params, acts, loss=loss) < 1e-7

    # and the suite's oracle, which shares nothing with back propagation
    grads = lw.backward(AL, Y, caches, loss=loss)
    assert sorted(grads) == sorted("d" + k for k in params)

    def cost():
        return lw.compute_cost(lw.forward(X, params, acts)[0], Y, loss=loss)

    for key, value in params.items():
        np.testing.assert_allclose(
            grads["d" + key], num_grad(cost, value), rtol=1e-5, atol=1e-8, err_msg=key
        )


@pytest.mark.parametrize(
    "output, loss",
    [
        ("sigmoid", "binary_crossentropy"),
        ("softmax", "categorical_crossentropy"),
        ("linear", "mse"),
    ],
)
def test_loss_follows_the_output_activation(output, loss, rng):
    nL = 3 if output == "softmax" else 1
    dims = [2, 3, nL]
    X = rng.standard_normal((2, 6))
    Y = targets(output, loss, nL, 6, rng)
    params = random_params(dims, rng)
    AL, caches = lw.forward(X, params, ["tanh", output])
    implied = lw.backward(AL, Y, caches)
    explicit = lw.backward(AL, Y, caches, loss=loss)
    for key in explicit:
        np.testing.assert_array_equal(implied[key], explicit[key])
    assert lw.gradient_check(X, Y, params, ["tanh", output]) < 1e-7


def test_gradient_check_report_names_the_worst_gradient(X, Y_binary, rng):
    class WrongTanh(Tanh):
        """tanh with a derivative off by a factor of two."""

        def derivative(self, Z, A=None, out=None):
            D = super().derivative(Z, A, out)
            D *= 2.0
            return D

    dims = [3, 4, 3, 1]
    Y = Y_binary
    params = random_params(dims, rng)
    good = lw.gradient_check(X, Y, params, ["tanh", "tanh", "sigmoid"], report=True)
    assert isinstance(good, lw.GradientCheckResult)
    assert set(good.per_parameter) == {"dW1", "db1", "dW2", "db2", "dW3", "db3"}
    assert float(good) == good.difference < 1e-7
    assert good.worst == max(good.per_parameter, key=good.per_parameter.get)

    # a wrong g[1]' spoils dZ[1], so only dW1 and db1 go wrong
    bad = lw.gradient_check(X, Y, params, [WrongTanh(), "tanh", "sigmoid"], report=True)
    assert bad.difference > 1e-3
    assert bad.worst in {"dW1", "db1"}
    for key in ("dW2", "db2", "dW3", "db3"):
        assert bad.per_parameter[key] < 1e-7
    assert bad.per_parameter["dW1"] > 1e-3
    assert isinstance(lw.gradient_check(X, Y, params, ["tanh", "tanh", "sigmoid"]), float)


def test_gradient_check_on_a_sample_checks_that_many_and_still_finds_a_wrong_derivative(
    X, Y_binary, rng
):
    class WrongTanh(Tanh):
        def derivative(self, Z, A=None, out=None):
            D = super().derivative(Z, A, out)
            D *= 2.0
            return D

    import layerwise.core.gradcheck as gradcheck

    params = random_params([3, 20, 10, 1], rng)  # 60 + 20 + 200 + 10 + 10 + 1 = 301 parameters
    costs = []
    forward = gradcheck.forward

    def counted(*args, **kwargs):
        costs.append(1)
        return forward(*args, **kwargs)

    acts = ["tanh", "tanh", "sigmoid"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gradcheck, "forward", counted)
        good = lw.gradient_check(X, Y_binary, params, acts, report=True, sample=30, seed=1)
    # one forward pass for back propagation, two per parameter checked
    assert good.total == 301 and 30 <= good.checked <= 36 and len(costs) == 1 + 2 * good.checked
    assert set(good.per_parameter) == {"dW1", "db1", "dW2", "db2", "dW3", "db3"}
    assert good.difference < 1e-7
    bad = lw.gradient_check(
        X, Y_binary, params, [WrongTanh(), "tanh", "sigmoid"], report=True, sample=30, seed=1
    )
    assert bad.difference > 1e-3 and bad.worst in {"dW1", "db1"}
    assert bad.per_parameter["dW3"] < 1e-7
    with pytest.raises(ValueError, match="sample must be a positive integer or None"):
        lw.gradient_check(X, Y_binary, params, acts, sample=0)


def test_gradient_check_leaves_params_alone(rng):
    params = random_params([2, 3, 1], rng)
    before = {k: v.copy() for k, v in params.items()}
    X = rng.standard_normal((2, 4))
    lw.gradient_check(X, np.array([[0.0, 1.0, 1.0, 0.0]]), params, ["tanh", "sigmoid"])
    for key in before:
        np.testing.assert_array_equal(params[key], before[key])


# --------------------------------------------------------------------------- errata


@pytest.mark.parametrize(
    "g1, g1_prime",
    [
        ("tanh", lambda Z: 1.0 - np.tanh(Z) ** 2),
        ("relu", lambda Z: (Z >= 0).astype(float)),
    ],
)
def test_errata_6_dZ1_uses_g1_prime_of_Z1(g1, g1_prime, X, Y_binary, rng, num_grad):
    Y = Y_binary
    params = random_params([3, 4, 1], rng)
    m = X.shape[1]
    AL, caches = lw.forward(X, params, [g1, "sigmoid"])
    grads = lw.backward(AL, Y, caches)

    # the corrected equations, written out by hand
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1) if g1 == "tanh" else np.maximum(Z1, 0)
    A2 = sigmoid(W2 @ A1 + b2)
    dZ2 = A2 - Y
    dZ1 = (W2.T @ dZ2) * g1_prime(Z1)  # g[1]'(Z[1]), not g[2]'(Z[2])
    hand = {
        "dW1": dZ1 @ X.T / m,
        "db1": dZ1.sum(axis=1, keepdims=True) / m,
        "dW2": dZ2 @ A1.T / m,
        "db2": dZ2.sum(axis=1, keepdims=True) / m,
    }
    for key, value in hand.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-15, err_msg=key)

    def cost():
        return lw.compute_cost(lw.forward(X, params, [g1, "sigmoid"])[0], Y)

    np.testing.assert_allclose(grads["dW1"], num_grad(cost, params["W1"]), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(grads["db1"], num_grad(cost, params["b1"]), rtol=1e-5, atol=1e-9)

    # the notes' slip, W[2]ᵀ dZ[2] * g[2]'(Z[2]), gives another (wrong) dW[1]
    Z2 = W2 @ A1 + b2
    slip = (W2.T @ dZ2) * (sigmoid(Z2) * (1 - sigmoid(Z2)))
    assert not np.allclose(grads["dW1"], slip @ X.T / m)


def test_errata_7_dW1_and_db_keepdims(rng):
    n, n_prev, m = 4, 3, 5
    dZ = rng.standard_normal((n, m))
    A_prev = rng.standard_normal((n_prev, m))
    W = rng.standard_normal((n, n_prev))
    dA_prev, dW, db = lw.linear_backward(dZ, A_prev, W)
    # dW = 1/m Σ_i dz⁽ⁱ⁾ a⁽ⁱ⁾ᵀ, db = 1/m Σ_i dz⁽ⁱ⁾, written with a loop over examples
    dW_hand = sum(np.outer(dZ[:, i], A_prev[:, i]) for i in range(m)) / m
    db_hand = np.array([[dZ[j, :].mean()] for j in range(n)])
    np.testing.assert_allclose(dW, dW_hand, rtol=1e-12)
    np.testing.assert_allclose(db, db_hand, rtol=1e-12)
    np.testing.assert_allclose(dA_prev, W.T @ dZ, rtol=1e-12)
    assert dW.shape == (n, n_prev)
    assert db.shape == (n, 1)  # keepdims=True: a column, not a (n,) vector
    assert dA_prev.shape == (n_prev, m)

    # the network's dW[1] = 1/m dZ[1] Xᵀ is computed (the notes left it out)
    X = A_prev
    params = random_params([n_prev, n, 1], rng)
    AL, caches = lw.forward(X, params, ["linear", "sigmoid"])
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    grads = lw.backward(AL, Y, caches)
    dZ1 = params["W2"].T @ (AL - Y)  # linear g[1]: g' = 1
    np.testing.assert_allclose(grads["dW1"], dZ1 @ X.T / m, rtol=1e-12)
    assert grads["db1"].shape == (n, 1)


def test_linear_backward_can_skip_dA_prev(rng):
    dZ, A_prev, W = rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), np.ones((2, 4))
    dA_prev, dW, db = lw.linear_backward(dZ, A_prev, W, need_dA_prev=False)
    assert dA_prev is None
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 3, rtol=1e-12)
    np.testing.assert_allclose(db, dZ.mean(axis=1, keepdims=True), rtol=1e-12)


def test_errata_8_one_iteration_uses_all_m_examples_and_updates_every_parameter(rng):
    dims = [3, 4, 2, 1]
    X = rng.standard_normal((3, 8))
    Y = rng.integers(0, 2, (1, 8)).astype(float)
    params = random_params(dims, rng)
    acts = ["tanh", "relu", "sigmoid"]
    before = {k: v.copy() for k, v in params.items()}
    alpha = 0.05

    # forward over all m examples, cost, backward, update every W[l], b[l]
    AL, caches = lw.forward(X, params, acts)
    J0 = lw.compute_cost(AL, Y)
    grads = lw.backward(AL, Y, caches)
    lw.update_params(params, grads, learning_rate=alpha)

    for key in before:
        assert not np.array_equal(params[key], before[key]), f"{key} was not updated"
        np.testing.assert_array_equal(params[key], before[key] - alpha * grads["d" + key])
    J1 = lw.compute_cost(lw.forward(X, params, acts)[0], Y)
    assert J1 < J0  # a small step along −∇J lowers J
    # the cost of the iteration is the cost over all m examples, not over one ŷ⁽ⁱ⁾
    per_example = [
        lw.compute_cost(lw.forward(X[:, [i]], before, acts)[0], Y[:, [i]]) for i in range(8)
    ]
    np.testing.assert_allclose(J0, np.mean(per_example), rtol=1e-12)


@pytest.mark.parametrize("dims", [[2, 3, 1], [5, 4, 3, 2], [2, 3, 5, 4, 2, 1], [300, 400]])
def test_errata_9_init_shapes_agree(dims):
    params = lw.init_params(dims, init="small", seed=3)
    assert sorted(params) == sorted(f"{p}{l}" for l in range(1, len(dims)) for p in "Wb")
    for l in range(1, len(dims)):
        assert params[f"W{l}"].shape == (dims[l], dims[l - 1])
        assert params[f"b{l}"].shape == (dims[l], 1)
        np.testing.assert_array_equal(params[f"b{l}"], 0.0)
        assert params[f"W{l}"].dtype == np.float64


def test_errata_9_small_init_is_randn_times_0_01():
    W = lw.init_params([300, 400], init="small", seed=0)["W1"]
    # 120 000 draws: the sample std of randn·0.01 is 0.01 within well under 1 %
    assert W.std() == pytest.approx(0.01, rel=0.01)
    assert abs(W.mean()) < 0.01 * 5 / np.sqrt(W.size)
    assert lw.init_params([300, 400], init="small", seed=0, scale=1.0)["W1"].std() == (
        pytest.approx(1.0, rel=0.01)
    )


@pytest.mark.parametrize(
    "init, std",
    [
        ("he", lambda n_in, n_out: np.sqrt(2 / n_in)),
        ("xavier", lambda n_in, n_out: np.sqrt(2 / (n_in + n_out))),
    ],
)
def test_other_initializers_have_their_textbook_std(init, std):
    W = lw.init_params([300, 400], init=init, seed=0)["W1"]
    assert W.std() == pytest.approx(std(300, 400), rel=0.01)


def test_init_is_seeded_and_zeros_warns():
    a = lw.init_params([3, 4, 1], seed=5)
    b = lw.init_params([3, 4, 1], seed=5)
    c = lw.init_params([3, 4, 1], seed=6)
    np.testing.assert_array_equal(a["W1"], b["W1"])
    assert not np.array_equal(a["W1"], c["W1"])
    with pytest.warns(lw.SymmetryWarning):
        z = lw.init_params([3, 4, 1], init="zeros")
    np.testing.assert_array_equal(z["W1"], 0.0)
    assert lw.init_params([3, 2], dtype="float32", seed=0)["W1"].dtype == np.float32


def test_errata_10_deep_forward(rng):
    dims = [3, 5, 4, 2]
    acts = ["relu", "tanh", "sigmoid"]
    hand_g = [lambda z: np.maximum(z, 0), np.tanh, sigmoid]
    X = rng.standard_normal((3, 6))
    params = random_params(dims, rng)
    AL, caches = lw.forward(X, params, acts)
    assert len(caches) == 3
    A = X  # A[0] = X
    for l in range(1, 4):
        cache = caches[l - 1]
        np.testing.assert_array_equal(cache.A_prev, A)
        np.testing.assert_array_equal(cache.W, params[f"W{l}"])
        np.testing.assert_array_equal(cache.b, params[f"b{l}"])
        # Z[l] = W[l] A[l−1] + b[l] ; A[l] = g[l](Z[l])
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        np.testing.assert_allclose(cache.Z, Z, rtol=1e-13)
        A = hand_g[l - 1](Z)
        np.testing.assert_allclose(cache.A, A, rtol=1e-13)
        assert cache.activation.name == acts[l - 1]
    np.testing.assert_allclose(AL, A, rtol=1e-13)
    np.testing.assert_allclose(
        lw.linear_forward(X, params["W1"], params["b1"]), params["W1"] @ X + params["b1"]
    )


@pytest.mark.parametrize("output", ["sigmoid", "softmax", "linear"])
def test_errata_11_vectorized_forward_stacks_the_examples(output, rng):
    # Z[2] = W[2] A[1] + b[2] with capital A: column i of the stacked result is example i
    dims = [3, 4, 3]
    X = rng.standard_normal((3, 6))
    params = random_params(dims, rng)
    AL, caches = lw.forward(X, params, ["tanh", output])
    for i in range(X.shape[1]):
        a_i, caches_i = lw.forward(X[:, [i]], params, ["tanh", output])
        np.testing.assert_allclose(AL[:, [i]], a_i, rtol=1e-13)
        np.testing.assert_allclose(caches[1].Z[:, [i]], caches_i[1].Z, rtol=1e-13)
        np.testing.assert_allclose(caches[0].A[:, [i]], caches_i[0].A, rtol=1e-13)


def test_errata_13_dimension_example():
    n = [2, 3, 5, 4, 2, 1]
    m = 7
    notes_W_shapes = [(3, 2), (5, 3), (4, 5), (2, 4), (1, 2)]  # the errata table, by hand
    params = lw.init_params(n, seed=0, init="he")
    assert [params[f"W{l}"].shape for l in range(1, 6)] == notes_W_shapes
    assert [params[f"b{l}"].shape for l in range(1, 6)] == [(3, 1), (5, 1), (4, 1), (2, 1), (1, 1)]
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, m))
    Y = rng.integers(0, 2, (1, m)).astype(float)
    AL, caches = lw.forward(X, params, ["relu"] * 4 + ["sigmoid"])
    assert AL.shape == (1, m)
    for l, cache in enumerate(caches, start=1):
        assert cache.Z.shape == (n[l], m)
        assert cache.A.shape == (n[l], m)
        assert cache.A_prev.shape == (n[l - 1], m)
        # dA[l-1] from dZ[l] is (n[l-1], m)
        dA_prev, _, _ = lw.linear_backward(np.ones((n[l], m)), cache.A_prev, cache.W)
        assert dA_prev.shape == (n[l - 1], m)
    grads = lw.backward(AL, Y, caches)
    for l in range(1, 6):
        assert grads[f"dW{l}"].shape == notes_W_shapes[l - 1]
        assert grads[f"db{l}"].shape == (n[l], 1)


def test_errata_14_examples_vectorized_layers_looped(X, Y_onehot, rng):
    # the loop over examples is vectorized away: the batch gradient is the mean of the
    # per-example gradients computed one example at a time in a Python loop
    dims = [3, 4, 3, 3]
    acts = ["leaky_relu", "tanh", "softmax"]
    m = X.shape[1]
    Y = Y_onehot
    params = random_params(dims, rng)
    AL, caches = lw.forward(X, params, acts)
    grads = lw.backward(AL, Y, caches)
    per_example = []
    for i in range(m):
        a_i, caches_i = lw.forward(X[:, [i]], params, acts)
        per_example.append(lw.backward(a_i, Y[:, [i]], caches_i))
    for key in grads:
        mean = np.mean([g[key] for g in per_example], axis=0)
        np.testing.assert_allclose(grads[key], mean, rtol=1e-12, atol=1e-15, err_msg=key)


@pytest.mark.parametrize("L", [1, 2, 3, 6])
def test_errata_14_any_number_of_layers(L, rng):
    dims = [2] + [3] * (L - 1) + [1]
    params = random_params(dims, rng)
    X = rng.standard_normal((2, 4))
    Y = np.array([[0.0, 1.0, 0.0, 1.0]])
    acts = ["tanh"] * (L - 1) + ["sigmoid"]
    AL, caches = lw.forward(X, params, acts)
    assert len(caches) == L
    assert AL.shape == (1, 4)
    assert lw.gradient_check(X, Y, params, acts) < 1e-7


# --------------------------------------------------------------------------- shape agreement

SIZE_GRID = [
    [1, 1],
    [2, 1],
    [1, 3, 1],
    [4, 1, 4],
    [2, 3, 5, 4, 2, 1],
    [5, 8, 8, 3],
    [1, 2, 3, 4, 5, 6],
    [7, 2, 7, 2],
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("m", [1, 4])
@pytest.mark.parametrize("dims", SIZE_GRID, ids=lambda d: "-".join(map(str, d)))
def test_shapes_agree_over_a_grid(dims, m, dtype):
    L = len(dims) - 1
    rng = np.random.default_rng(sum(dims) + m)
    params = lw.init_params(dims, seed=rng, dtype=dtype, init="xavier")
    for l in range(1, L + 1):
        assert params[f"W{l}"].shape == (dims[l], dims[l - 1])
        assert params[f"b{l}"].shape == (dims[l], 1)
        assert params[f"W{l}"].dtype == dtype
    X = rng.standard_normal((dims[0], m))
    Y = rng.integers(0, 2, (dims[-1], m)).astype(float)
    AL, caches = lw.forward(X, params, ["relu"] * (L - 1) + ["sigmoid"])
    assert AL.shape == (dims[-1], m)
    assert AL.dtype == dtype
    for l, cache in enumerate(caches, start=1):
        assert cache.Z.shape == cache.A.shape == (dims[l], m)
        assert cache.Z.dtype == cache.A.dtype == dtype
    grads = lw.backward(AL, Y, caches)
    assert sorted(grads) == sorted("d" + k for k in params)
    for key, value in params.items():
        assert grads["d" + key].shape == value.shape
        assert grads["d" + key].dtype == dtype


# --------------------------------------------------------------------------- update


def test_update_params_is_W_minus_alpha_dW_in_place(rng):
    params = random_params([3, 4, 2], rng)
    grads = {"d" + k: rng.standard_normal(v.shape) for k, v in params.items()}
    arrays = {k: v for k, v in params.items()}
    expected = {k: v - 0.3 * grads["d" + k] for k, v in params.items()}
    result = lw.update_params(params, grads, learning_rate=0.3)
    assert result is params
    for key in params:
        assert params[key] is arrays[key]  # in place: the same arrays
        np.testing.assert_array_equal(params[key], expected[key])


@pytest.mark.parametrize("lr", [0, -1, 0.0, float("nan"), float("inf")])
def test_update_params_rejects_bad_learning_rate(lr, rng):
    params = random_params([2, 1], rng)
    grads = {"d" + k: np.zeros_like(v) for k, v in params.items()}
    with pytest.raises(ValueError, match="learning_rate"):
        lw.update_params(params, grads, learning_rate=lr)


def test_update_params_rejects_mismatched_grads(rng):
    params = random_params([2, 3, 1], rng)
    grads = {"d" + k: np.zeros_like(v) for k, v in params.items()}
    del grads["db2"]
    with pytest.raises(ValueError, match="db2"):
        lw.update_params(params, grads, learning_rate=0.1)
    grads["db2"] = np.zeros((1, 1))
    grads["dW1"] = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"dW1 has shape \(2, 3\) but W1 has shape \(3, 2\)"):
        lw.update_params(params, grads, learning_rate=0.1)


# --------------------------------------------------------------------------- bad inputs


@pytest.fixture
def net3(X, Y_binary, rng):
    """params for n = [3, 4, 1] with the conftest's X (3, 7) and Y (1, 7)."""
    return random_params([3, 4, 1], rng), X, Y_binary


def test_X_with_examples_as_rows_suggests_transpose(net3):
    params, X, _ = net3
    with pytest.raises(ValueError, match=r"X has 7 rows but n\[0\] is 3.*did you mean X\.T\?"):
        lw.forward(X.T, params, ["tanh", "sigmoid"])


def test_X_with_wrong_rows_and_no_transpose_hint(net3):
    params, _, _ = net3
    with pytest.raises(ValueError, match=r"X has 5 rows but n\[0\] is 3") as info:
        lw.forward(np.ones((5, 7)), params, ["tanh", "sigmoid"])
    assert "X.T" not in str(info.value)


def test_one_dimensional_X_is_rejected(net3):
    params, _, _ = net3
    with pytest.raises(ValueError, match=r"2-D.*reshape"):
        lw.forward(np.ones(3), params, ["tanh", "sigmoid"])


def test_Y_with_different_m_is_rejected(net3):
    params, X, Y = net3
    AL, caches = lw.forward(X, params, ["tanh", "sigmoid"])
    with pytest.raises(ValueError, match=r"Y has 6 examples.*m = 7"):
        lw.backward(AL, Y[:, :6], caches)
    with pytest.raises(ValueError, match=r"m = 7"):
        lw.gradient_check(X, Y[:, :6], params, ["tanh", "sigmoid"])
    with pytest.raises(ValueError, match=r"did you mean Y\.T"):
        lw.compute_cost(AL, Y.T)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_X_or_Y_is_rejected(bad, net3):
    params, X, Y = net3
    X_bad = X.copy()
    X_bad[1, 2] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at row 1, column 2\)"):
        lw.forward(X_bad, params, ["tanh", "sigmoid"])
    Y_bad = Y.copy()
    Y_bad[0, 4] = bad
    with pytest.raises(ValueError, match=r"Y contains NaN or inf"):
        lw.gradient_check(X, Y_bad, params, ["tanh", "sigmoid"])


def test_params_breaking_the_W_shape_rule_name_the_layer(net3):
    params, X, _ = net3
    bad = dict(params)
    bad["W2"] = np.ones((1, 5))  # n[1] is 4 (from W1 (4, 3))
    message = r"W2 has shape \(1, 5\).*\(1, 4\).*W1 with shape \(4, 3\)"
    with pytest.raises(ValueError, match=message):
        lw.forward(X, bad, ["tanh", "sigmoid"])


def test_params_breaking_the_b_shape_rule_name_the_layer(net3):
    params, X, _ = net3
    bad = dict(params)
    bad["b1"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"b1 has shape \(4,\).*\(4, 1\)"):
        lw.forward(X, bad, ["tanh", "sigmoid"])


def test_params_with_missing_keys(net3):
    params, X, _ = net3
    bad = dict(params)
    del bad["b2"]
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        lw.forward(X, bad, ["tanh", "sigmoid"])


@pytest.mark.parametrize("dims, where", [([3, 0, 1], r"n\[1\] = 0"), ([3, 4, -2], r"n\[2\] = -2")])
def test_non_positive_layer_sizes(dims, where):
    with pytest.raises(ValueError, match=where):
        lw.init_params(dims)


def test_layer_dims_needs_two_entries_and_integers():
    with pytest.raises(ValueError, match="at least"):
        lw.init_params([3])
    with pytest.raises(TypeError, match="positive integer"):
        lw.init_params([3, 2.5, 1])


def test_unknown_names(net3):
    params, X, Y = net3
    with pytest.raises(ValueError, match=r"unknown activation 'gelu'.*Received: name='gelu'"):
        lw.forward(X, params, ["gelu", "sigmoid"])
    AL, caches = lw.forward(X, params, ["tanh", "sigmoid"])
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'"):
        lw.backward(AL, Y, caches, loss="hinge")
    with pytest.raises(ValueError, match=r"unknown initializer 'glorot'.*he"):
        lw.init_params([3, 4, 1], init="glorot")


def test_softmax_in_a_hidden_layer_is_rejected(net3):
    params, X, _ = net3
    with pytest.raises(ValueError, match=r"softmax is for the output layer only.*g\[1\]"):
        lw.forward(X, params, ["softmax", "sigmoid"])


def test_wrong_number_of_activations(net3):
    params, X, _ = net3
    with pytest.raises(ValueError, match=r"activations has 3 entries but the network has L = 2"):
        lw.forward(X, params, ["tanh", "tanh", "sigmoid"])
    with pytest.raises(TypeError, match="list of L = 2 names"):
        lw.forward(X, params, "tanh")


def test_labels_outside_the_loss_are_rejected_by_backward(net3):
    params, X, Y = net3
    AL, caches = lw.forward(X, params, ["tanh", "sigmoid"])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        lw.backward(AL, Y * 2, caches)
