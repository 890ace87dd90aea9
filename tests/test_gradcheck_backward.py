"""gradient_check of a learner's own back propagation (``backward=``), init="course" against
the legacy NumPy stream the course's assignments draw from, and the messages for a softmax
over one unit and for a transposed W[l]."""

from __future__ import annotations

import numpy as np
import pytest

import layerwise as lw

# --------------------------------------------------------------------------- backward=


def notes_backward(AL, Y, caches):
    """The notes' back propagation written out independently of layerwise's: dZ[L] = A[L] − Y,
    then dW[l] = 1/m dZ[l] A[l−1]ᵀ, db[l] = 1/m Σ dZ[l], dZ[l−1] = W[l]ᵀ dZ[l] * g'(Z[l−1])."""
    m = Y.shape[1]
    grads = {}
    dZ = AL - Y
    for l in range(len(caches), 0, -1):
        c = caches[l - 1]
        grads[f"dW{l}"] = dZ @ c.A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            A = caches[l - 2].A  # tanh hidden layers: g'(z) = 1 − a²
            dZ = (c.W.T @ dZ) * (1.0 - A**2)
    return grads


@pytest.fixture
def small_problem(rng):
    X = rng.standard_normal((3, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    params = lw.init_params([3, 4, 2, 1], init="xavier", seed=3)
    return X, Y, params, ["tanh", "tanh", "sigmoid"]


def test_a_correct_own_backward_passes(small_problem):
    X, Y, params, acts = small_problem
    r = lw.gradient_check(X, Y, params, acts, backward=notes_backward, report=True)
    assert r.difference < 1e-7
    assert r.passed
    assert "back propagation is right" in str(r)


def test_a_wrong_db_fails_and_is_named(small_problem):
    X, Y, params, acts = small_problem

    def wrong_db(AL, Y, caches):
        grads = notes_backward(AL, Y, caches)
        grads["db2"] = grads["db2"] * Y.shape[1]  # the 1/m forgotten in db[2]
        return grads

    r = lw.gradient_check(X, Y, params, acts, backward=wrong_db, report=True)
    assert r.worst == "db2"
    assert r.worst_difference > 0.1
    assert r.difference > 1e-4 and not r.passed
    assert "db2" in str(r)
    # the other gradients are right
    assert max(v for k, v in r.per_parameter.items() if k != "db2") < 1e-7
    assert lw.gradient_check(X, Y, params, acts, backward=wrong_db) > 1e-4


def test_the_slip_of_the_notes_is_caught(small_problem):
    """dZ[l−1] with g[l]'(Z[l]) instead of g[l−1]'(Z[l−1]) (ERRATA 6)."""
    X, Y, params, acts = small_problem

    def slip(AL, Y, caches):
        m = Y.shape[1]
        grads, dZ = {}, AL - Y
        for l in range(len(caches), 0, -1):
            c = caches[l - 1]
            grads[f"dW{l}"] = dZ @ c.A_prev.T / m
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
            if l > 1:
                dZ = (c.W.T @ dZ) * (c.A * (1.0 - c.A)).mean()  # g of the wrong layer
        return grads

    r = lw.gradient_check(X, Y, params, acts, backward=slip, report=True)
    assert not r.passed and r.worst in {"dW1", "db1", "dW2", "db2"}


def test_backward_taking_the_loss_gets_it(small_problem):
    X, Y, params, acts = small_problem
    seen = []

    def with_loss(AL, Y, caches, loss):
        seen.append(loss.name)
        return lw.backward(AL, Y, caches, loss)

    assert lw.gradient_check(X, Y, params, acts, backward=with_loss) < 1e-7
    assert seen == ["binary_crossentropy"]


@pytest.mark.parametrize(
    "grads, message",
    [
        ({"dW1": np.zeros((4, 3))}, "no 'db1'"),
        ("not a dict", "must return a dict"),
    ],
)
def test_own_backward_bad_return(small_problem, grads, message):
    X, Y, params, acts = small_problem
    with pytest.raises((TypeError, ValueError), match=message):
        lw.gradient_check(X, Y, params, acts, backward=lambda AL, Y, c: grads)


def test_own_backward_with_a_db_without_keepdims_is_named(small_problem):
    X, Y, params, acts = small_problem

    def flat_db(AL, Y, caches):
        grads = notes_backward(AL, Y, caches)
        grads["db1"] = grads["db1"].ravel()
        return grads

    with pytest.raises(ValueError, match=r"db1 from backward has shape \(4,\).*keepdims"):
        lw.gradient_check(X, Y, params, acts, backward=flat_db)


def test_backward_must_be_callable(small_problem):
    X, Y, params, acts = small_problem
    with pytest.raises(TypeError, match="backward must be a function"):
        lw.gradient_check(X, Y, params, acts, backward="mine")


# --------------------------------------------------------------------------- init="course"


def test_course_init_draws_as_np_random_seed_does():
    params = lw.init_params([5, 4, 3], init="course", seed=3)
    # np.random.seed(3); W1 = np.random.randn(4, 5) * 0.01; W2 = np.random.randn(3, 4) * 0.01
    rs = np.random.RandomState(3)
    W1 = rs.randn(4, 5) * 0.01
    W2 = rs.randn(3, 4) * 0.01
    np.testing.assert_array_equal(params["W1"], W1)
    np.testing.assert_array_equal(params["W2"], W2)
    np.testing.assert_array_equal(params["b1"], np.zeros((4, 1)))
    # the step-by-step assignment's printed W1[0] for initialize_parameters_deep([5, 4, 3])
    np.testing.assert_allclose(
        params["W1"][0], [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388], atol=5e-9
    )


def test_course_init_two_layers_is_the_planar_assignment():
    params = lw.init_params([2, 4, 1], init="course", seed=2)
    # the planar assignment's printed W1 and W2 after np.random.seed(2)
    np.testing.assert_allclose(
        params["W1"],
        [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271], [-0.01793436, -0.00841747],
         [0.00502881, -0.01245288]],
        atol=5e-9,
    )  # fmt: skip
    np.testing.assert_allclose(
        params["W2"], [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]], atol=5e-9
    )
    assert params["b2"].shape == (1, 1) and not params["b2"].any()


def test_course_init_leaves_the_global_stream_alone():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    lw.init_params([3, 2, 1], init="course", seed=1)
    assert np.random.random() == expected


def test_course_init_wants_an_int_seed():
    with pytest.raises(TypeError, match="integer seed"):
        lw.init_params([2, 1], init="course", seed=np.random.default_rng(0))
    with pytest.raises(ValueError, match="non-negative"):
        lw.init_params([2, 1], init="course", seed=-1)


def test_course_init_keeps_the_dtype_and_scale():
    params = lw.init_params([2, 3], init="course", seed=1, dtype="float32", scale=1.0)
    assert params["W1"].dtype == np.float32
    np.testing.assert_allclose(params["W1"], np.random.RandomState(1).randn(3, 2), rtol=1e-6)


# --------------------------------------------------------------------------- messages


def test_softmax_over_one_unit_is_named_as_such(rng):
    X = rng.standard_normal((2, 5))
    Y = (rng.random((1, 5)) > 0.5).astype(float)
    params = lw.init_params([2, 3, 1], seed=0)
    for call in (
        lambda: lw.forward(X, params, ["relu", "softmax"]),
        lambda: lw.gradient_check(X, Y, params, ["relu", "softmax"]),
        lambda: lw.compute_cost(np.full((1, 5), 0.5), Y, "categorical_crossentropy"),
        lambda: lw.Network([2, 3, 1], output="softmax", seed=0).fit(X, Y, epochs=1),
    ):
        with pytest.raises(ValueError, match="softmax over n\\[L\\] = 1 output unit is always 1"):
            call()
        try:
            call()
        except ValueError as exc:
            assert "one-hot labels" not in str(exc) and "sigmoid" in str(exc)


@pytest.mark.parametrize("which", ["W1", "W2", "W3"])
def test_a_transposed_W_is_named_not_blamed_on_b(rng, which):
    X = rng.standard_normal((2, 5))
    params = lw.init_params([2, 3, 4, 1], seed=0)
    params[which] = params[which].T.copy()
    with pytest.raises(ValueError) as info:
        lw.forward(X, params, ["relu", "relu", "sigmoid"])
    message = str(info.value)
    assert message.startswith(f"{which} has shape {params[which].shape}")
    assert f"did you mean {which}.T?" in message
    assert "to match" not in message  # not b's message


def test_a_wrong_b_is_still_blamed_on_b(rng):
    params = lw.init_params([2, 3, 1], seed=0)
    params["b1"] = np.zeros((2, 1))
    with pytest.raises(ValueError, match=r"b1 has shape \(2, 1\) but b\[l\] must be"):
        lw.forward(rng.standard_normal((2, 5)), params, ["relu", "sigmoid"])
    params["b1"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"b1 has shape \(3,\).*reshape\(-1, 1\)"):
        lw.forward(rng.standard_normal((2, 5)), params, ["relu", "sigmoid"])
