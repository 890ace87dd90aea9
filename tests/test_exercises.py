"""layerwise.exercises: every known mistake fed to the checker gets its hint and fails; the
references pass; exceptions are reported with their line; inputs modified in place, a wrong
dtype and a wrong shape are named. The course's printed values are the oracle of the
course's cases (copied from the assignments' expected outputs)."""

# ruff: noqa: RUF059 -- the learner-style functions unpack the course's caches whole

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest

import layerwise as lw
from layerwise import exercises

ORDER = [
    "sigmoid",
    "sigmoid_derivative",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "initialize_parameters",
    "forward_propagation",
    "compute_cost",
    "backward_propagation",
    "update_parameters",
    "initialize_parameters_deep",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
]


def test_names_are_in_the_notes_order():
    assert exercises.names() == ORDER
    assert exercises.names(week=3)[-1] == "update_parameters"
    assert exercises.names(week=4) == [
        "initialize_parameters_deep",
        "linear_forward",
        "linear_activation_forward",
        "L_model_forward",
        "compute_cost",
        "linear_backward",
        "linear_activation_backward",
        "L_model_backward",
        "update_parameters",
    ]
    with pytest.raises(ValueError, match="week must be 3 or 4"):
        exercises.names(week=5)


@pytest.mark.parametrize("name", ORDER)
def test_the_reference_passes_and_its_source_is_readable(name):
    reference = exercises.solution(name)
    result = exercises.check(name, reference)
    assert result.passed, str(result)
    assert "all" in str(result) and "passed" in str(result)
    source = inspect.getsource(reference)
    assert source.startswith(f"def {name}(")
    assert "✔" in result._repr_html_()


def test_unknown_names():
    with pytest.raises(ValueError, match=r"unknown exercise 'linear_backwards'.*linear_forward"):
        exercises.solution("linear_backwards")
    r = exercises.check("linear_backwards", lambda: None)
    assert not r.passed and "unknown exercise" in str(r)
    assert exercises.check("L_MODEL_FORWARD", exercises.solution("L_model_forward")).passed
    assert "expected a function" in str(exercises.check("relu", 3))


# --------------------------------------------------------------------------- the course's values


def test_the_course_values_come_out_of_the_references():
    """The course's cases against the assignments' printed expected outputs."""
    from layerwise.exercises import _cases as c

    def course(name):
        case = next(e for e in exercises._registry.EXERCISES[name].cases() if e.course)
        return case.make(np.random.RandomState(case.seed))

    Z, _ = exercises.solution("linear_forward")(*course("linear_forward"))
    np.testing.assert_allclose(Z, [[3.26295337, -1.23429987]], atol=1e-8)
    AL, caches = exercises.solution("L_model_forward")(*course("L_model_forward"))
    np.testing.assert_allclose(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]], atol=1e-8)
    assert len(caches) == 3
    J = exercises.solution("compute_cost")(*course("compute_cost"))
    assert pytest.approx(0.2797765635793422, abs=1e-12) == J
    dA_prev, dW, db = exercises.solution("linear_backward")(*course("linear_backward"))
    first_row = [-1.15171336, 0.06718465, -0.3204696, 2.09812712]
    np.testing.assert_allclose(dA_prev[0], first_row, atol=1e-8)
    np.testing.assert_allclose(db, [[-0.14713786], [-0.11313155], [-0.13209101]], atol=1e-8)
    args = c.activation_backward("sigmoid")(np.random.RandomState(2))
    dA_prev, dW, db = exercises.solution("linear_activation_backward")(*args)
    np.testing.assert_allclose(dW, [[0.10266786, 0.09778551, -0.01968084]], atol=1e-8)
    np.testing.assert_allclose(db, [[-0.05729622]], atol=1e-8)
    args = c.activation_backward("relu")(np.random.RandomState(2))
    _, dW, db = exercises.solution("linear_activation_backward")(*args)
    np.testing.assert_allclose(dW, [[0.44513824, 0.37371418, -0.10478989]], atol=1e-8)
    _, cache = exercises.solution("forward_propagation")(*course("forward_propagation"))
    means = [np.mean(cache[k]) for k in ("Z1", "A1", "Z2", "A2")]
    printed = [0.262818640198, 0.091999045227, -1.30766601287, 0.212877681719]
    np.testing.assert_allclose(means, printed, atol=1e-10)
    new = exercises.solution("update_parameters")(*course("update_parameters"))
    first_row = [-0.59562069, -0.09991781, -2.14584584, 1.82662008]
    np.testing.assert_allclose(new["W1"][0], first_row, atol=1e-8)


def test_the_initializations_match_init_course_and_leave_np_random_alone():
    np.random.seed(7)
    expected = np.random.random()
    np.random.seed(7)
    assert exercises.check(
        "initialize_parameters_deep", exercises.solution("initialize_parameters_deep")
    )
    assert np.random.random() == expected
    # the check seeds np.random with the case's seed: the reference then equals init="course"
    np.random.seed(3)
    drawn = exercises.solution("initialize_parameters_deep")([5, 4, 3])
    course = lw.init_params([5, 4, 3], init="course", seed=3)
    for key in course:
        np.testing.assert_array_equal(drawn[key], course[key])


# --------------------------------------------------------------------------- known mistakes


def lb_no_m(dZ, cache):
    A_prev, W, b = cache
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T), np.sum(dZ, axis=1, keepdims=True)


def lb_no_keepdims(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1) / m


def lb_no_transpose(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m


def planar_back_slip(parameters, cache, X, Y):
    """The notes' dZ[1] = W[2]ᵀ dZ[2] * g[2]'(Z[2])."""
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dZ1 = np.dot(parameters["W2"].T, dZ2) * (A2 * (1 - A2))
    return {
        "dW1": np.dot(dZ1, X.T) / m,
        "db1": np.sum(dZ1, axis=1, keepdims=True) / m,
        "dW2": np.dot(dZ2, A1.T) / m,
        "db2": np.sum(dZ2, axis=1, keepdims=True) / m,
    }


def model_back_slip(AL, Y, caches):
    """dZ[l] = dA[l] * g[l+1]'(Z[l+1]) for the hidden layers."""
    L = len(caches)
    grads = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        m = A_prev.shape[1]
        grads[f"dW{l}"] = np.dot(dZ, A_prev.T) / m
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        dA = np.dot(W.T, dZ)
        if l > 1:  # layer l's g and Z used for layer l-1
            dZ = dA * lw.get_activation("sigmoid" if l == L else "relu").derivative(Z)
    return grads


def init_zeros(n_x, n_h, n_y):
    return {
        "W1": np.zeros((n_h, n_x)),
        "b1": np.zeros((n_h, 1)),
        "W2": np.zeros((n_y, n_h)),
        "b2": np.zeros((n_y, 1)),
    }


def deep_zeros(layer_dims):
    out = {}
    for l in range(1, len(layer_dims)):
        out[f"W{l}"] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        out[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return out


def cost_sign(AL, Y):
    m = Y.shape[1]
    return float(np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def cost_no_m(AL, Y):
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


MISTAKES = [
    ("linear_backward", lb_no_m, "a missing 1/m", "dW"),
    (
        "linear_backward",
        lb_no_keepdims,
        "keepdims=True",
        "db: expected shape (3, 1), given shape (3,)",
    ),
    ("linear_backward", lb_no_transpose, "W not transposed", "dA_prev: "),
    ("backward_propagation", planar_back_slip, "the slip of the notes (ERRATA 6)", "dW1"),
    ("L_model_backward", model_back_slip, "the slip of the notes (ERRATA 6)", "dW1"),
    ("initialize_parameters", init_zeros, "symmetry", "W1"),
    ("initialize_parameters_deep", deep_zeros, "symmetry", "W1"),
    ("compute_cost", cost_sign, "the cost's sign", "J: expected 0.27977656"),
    ("compute_cost", cost_no_m, "a missing 1/m", "J"),
    ("tanh_derivative", lambda Z: 1 - np.tan(Z) ** 2, "tanh, not tan", "g'(Z)"),
    ("sigmoid_derivative", lambda Z: Z * (1 - Z), "a(1 - a)", "g'(Z)"),
    ("relu_derivative", lambda Z: (Z > 0).astype(float), "g'(0) = 1", "g'(Z)"),
    ("sigmoid", lambda Z: 1 / (1 + np.exp(Z)), "the exponent is -z", "A"),
]


@pytest.mark.parametrize(
    "name, function, hint, output", MISTAKES, ids=[f"{m[0]}-{m[1].__name__}" for m in MISTAKES]
)
def test_a_known_mistake_gets_its_hint(name, function, hint, output):
    result = exercises.check(name, function)
    text = str(result)
    assert result.passed is False
    assert hint in text, text
    assert output in text, text
    assert "✘" in result._repr_html_()


def test_two_mistakes_at_once_get_both_hints():
    def both(dZ, cache):
        A_prev, W, b = cache
        return np.dot(W.T, dZ), np.dot(dZ, A_prev.T), np.sum(dZ, axis=1)

    text = str(exercises.check("linear_backward", both))
    assert "a missing 1/m" in text and "keepdims=True" in text


def test_a_mistake_in_activation_backward_is_found_through_linear_backward():
    def no_m(dA, cache, activation):
        (A_prev, W, b), Z = cache
        g = lw.get_activation(activation)
        dZ = dA * g.derivative(Z)
        return np.dot(W.T, dZ), np.dot(dZ, A_prev.T), np.sum(dZ, axis=1, keepdims=True)

    r = exercises.check("linear_activation_backward", no_m)
    assert not r.passed and "a missing 1/m" in str(r)


def test_an_unknown_mistake_says_what_differs_without_a_hint():
    r = exercises.check("relu", lambda Z: np.maximum(Z, 0) * 2.0)
    assert not r.passed and "Hint" not in str(r)
    assert "values differ" in str(r)


# --------------------------------------------------------------------------- exceptions, inputs


def test_an_exception_is_reported_with_its_line():
    def broken(dZ, cache):
        A_prev, W, b = cache
        dW = np.dot(dZ, A_prev) / A_prev.shape[1]  # A_prev not transposed
        return None, dW, None

    r = exercises.check("linear_backward", broken)
    text = str(r)
    assert not r.passed
    line = inspect.getsourcelines(broken)[1] + 2
    assert f"ValueError at line {line}: `dW = np.dot(dZ, A_prev) / A_prev.shape[1]" in text
    assert "the notes' dimensions" in text


def test_a_blank_exercise_says_it_is_not_written_yet():
    def linear_forward(A, W, b):
        # YOUR CODE HERE
        raise NotImplementedError

    text = str(exercises.check("linear_forward", linear_forward))
    assert "NotImplementedError" in text and "not written yet" in text
    assert "missing `return`" in str(exercises.check("relu", lambda Z: None))


def test_inputs_modified_in_place_are_caught():
    def relu_in_place(Z):
        Z[Z < 0] = 0
        return Z

    r = exercises.check("relu", relu_in_place)
    assert not r.passed
    assert "changed its input Z in place" in str(r)

    def backward_in_place(dA, cache, activation):
        (A_prev, W, b), Z = cache
        dZ = dA  # no copy: the next line writes into the caller's dA
        dZ *= lw.get_activation(activation).derivative(Z)
        return exercises.solution("linear_backward")(dZ, (A_prev, W, b))

    assert "changed its input dA in place" in str(
        exercises.check("linear_activation_backward", backward_in_place)
    )


def test_update_in_place_is_allowed_as_in_the_older_course():
    def update(parameters, grads, learning_rate):
        for key in parameters:
            parameters[key] -= learning_rate * grads["d" + key]
        return parameters

    assert exercises.check("update_parameters", update).passed


def test_wrong_dtype_and_shape_are_named():
    r = exercises.check("relu_derivative", lambda Z: Z >= 0)
    assert "expected dtype float64, given dtype bool" in str(r)
    assert ".astype(float)" in str(r)

    def transposed_init(layer_dims):
        params = exercises.solution("initialize_parameters_deep")(layer_dims)
        return {k: v.T if k.startswith("W") else v for k, v in params.items()}

    text = str(exercises.check("initialize_parameters_deep", transposed_init))
    assert "W1: expected shape (4, 5), given shape (5, 4)" in text

    def cost_2d(AL, Y):
        m = Y.shape[1]
        return -np.dot(Y, np.log(AL).T) / m - np.dot(1 - Y, np.log(1 - AL).T) / m

    text = str(exercises.check("compute_cost", cost_2d))
    assert "expected a number, given an array of shape (1, 1)" in text and "np.squeeze" in text


def test_a_wrong_structure_is_named():
    r = exercises.check("linear_forward", lambda A, W, b: np.dot(W, A) + b)
    assert "expected a tuple of 2: (Z, cache)" in str(r)

    def caches_missing(X, parameters):
        AL, caches = exercises.solution("L_model_forward")(X, parameters)
        return AL, caches[:-1]

    assert "one per layer" in str(exercises.check("L_model_forward", caches_missing))


def test_check_never_raises_even_on_strange_returns():
    for weird in (lambda *a: "text", lambda *a: object(), lambda *a: [1, 2], lambda *a: {}):
        for name in ORDER:
            r = exercises.check(name, weird)
            assert r.passed is False and str(r)


def test_the_course_cases_are_built_without_the_global_stream():
    np.random.seed(11)
    before = copy.deepcopy(np.random.get_state())
    exercises.check("linear_backward", lb_no_m)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2] == after[2]


def test_the_notes_dZL_shortcut_passes_L_model_backward():
    """dZ[L] = A[L] − Y (the notes) and the assignment's dA[L] chain agree on every case."""

    def notes_backward(AL, Y, caches):
        L = len(caches)
        grads = {}
        dZ = AL - Y
        for l in range(L, 0, -1):
            (A_prev, W, b), Z = caches[l - 1]
            m = A_prev.shape[1]
            grads[f"dW{l}"] = np.dot(dZ, A_prev.T) / m
            grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            if l > 1:
                Z_prev = caches[l - 2][1]
                dZ = np.dot(W.T, dZ) * (Z_prev >= 0)  # g[l-1] = relu
        return grads

    r = exercises.check("L_model_backward", notes_backward)
    assert r.passed, str(r)


def test_seeding_inside_the_initialization_gets_its_hint():
    def seeded(layer_dims):
        np.random.seed(3)  # as the assignment's version does
        return exercises.solution("initialize_parameters_deep")(layer_dims)

    r = exercises.check("initialize_parameters_deep", seeded)
    assert not r.passed and "do not call np.random.seed inside" in str(r)


def test_a_wrong_signature_is_named():
    text = str(exercises.check("linear_forward", lambda A, W: None))
    assert "TypeError" in text and "signature is linear_forward(A, W, b)" in text
