"""The training layer: batches, history, validation, early stopping, safety, and scikit-learn
as an independent reference for the whole loop."""

from __future__ import annotations

import copy
import os
import signal
import tracemalloc
import warnings

import numpy as np
import pytest

import layerwise as lw

try:  # scikit-learn is the independent reference for whole training runs (test extra)
    import sklearn
except ImportError:
    sklearn = None

#: the tests that compare with scikit-learn (the others need NumPy alone)
needs_sklearn = pytest.mark.skipif(
    sklearn is None, reason="compares with scikit-learn, which is in the test extra"
)

# --------------------------------------------------------------------------- scikit-learn


def sklearn_cost_curve(
    net: lw.Network, X, y, hidden, activation, epochs, lr, batch_size, sample_weight=None, alpha=0.0
):
    """scikit-learn's loss_curve_ starting from the network's own initial weights."""
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=hidden,
        activation=activation,
        solver="sgd",
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=alpha,
        learning_rate="constant",
        learning_rate_init=lr,
        batch_size=batch_size,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=10**9,
        max_iter=1,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X.T, y, sample_weight=sample_weight)  # one epoch, only to build its state
        # scikit-learn stores W as (n[l-1], n[l]) for rows-as-examples: our W[l] transposed
        clf.coefs_ = [net.layer(l).W.T.copy() for l in range(1, net.L + 1)]
        clf.intercepts_ = [net.layer(l).b.ravel().copy() for l in range(1, net.L + 1)]
        clf.loss_curve_ = []
        clf.max_iter = epochs
        clf.fit(X.T, y, sample_weight=sample_weight)
    return np.array(clf.loss_curve_)


def _weights(m, weighted):
    """None, or uneven positive weights with some zeros (examples that count for nothing)."""
    if not weighted:
        return None
    w = np.random.default_rng(11).uniform(0.1, 3.0, m)
    w[::7] = 0.0
    return w


@needs_sklearn
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("batch_size", [None, 32])
def test_binary_cost_curve_matches_scikit_learn(batch_size, weighted):
    X, Y = lw.datasets.moons(m=150, noise=0.2, seed=3)
    w = _weights(X.shape[1], weighted)
    net = lw.Network([2, 6, 1], hidden="tanh", output="sigmoid", init="xavier", seed=4)
    reference = sklearn_cost_curve(
        net, X, Y.ravel(), (6,), "tanh", 25, 0.3, batch_size or X.shape[1], w
    )
    history = net.fit(
        X, Y, epochs=25, learning_rate=0.3, batch_size=batch_size, shuffle=False, sample_weight=w
    )
    np.testing.assert_allclose(history.cost, reference, rtol=1e-9)


@needs_sklearn
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("batch_size", [None, 32])
def test_l2_cost_curve_matches_scikit_learn(batch_size, weighted):
    """λ/(2m) Σ‖W‖² as scikit-learn's alpha; with weights, m is the batch's Σ w (under which an
    integer weight is the example repeated), shown by weights far from mean 1."""
    X, Y = lw.datasets.moons(m=150, noise=0.2, seed=3)
    w = _weights(X.shape[1], weighted)
    w = None if w is None else 4.0 * w
    net = lw.Network([2, 6, 1], hidden="tanh", output="sigmoid", init="xavier", seed=4)
    reference = sklearn_cost_curve(
        net, X, Y.ravel(), (6,), "tanh", 25, 0.3, batch_size or X.shape[1], w, alpha=0.05
    )
    history = net.fit(
        X,
        Y,
        epochs=25,
        learning_rate=0.3,
        batch_size=batch_size,
        shuffle=False,
        sample_weight=w,
        l2=0.05,
    )
    np.testing.assert_allclose(history.cost, reference, rtol=1e-9)


@needs_sklearn
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("batch_size", [None, 50])
def test_multiclass_cost_curve_matches_scikit_learn(batch_size, weighted):
    X, labels = lw.datasets.spiral(m=180, classes=3, seed=5)
    w = _weights(X.shape[1], weighted)
    # the spiral starts at the origin, where Z[1] = b[1] = 0 exactly at initialization; the
    # notes take relu'(0) = 1 and scikit-learn takes 0, so move the data off the kink
    X = X + 0.1
    net = lw.Network([2, 8, 5, 3], hidden="relu", output="softmax", init="he", seed=6)
    reference = sklearn_cost_curve(
        net, X, labels.ravel(), (8, 5), "relu", 20, 0.2, batch_size or X.shape[1], w
    )
    history = net.fit(
        X,
        labels,
        epochs=20,
        learning_rate=0.2,
        batch_size=batch_size,
        shuffle=False,
        sample_weight=w,
    )
    np.testing.assert_allclose(history.cost, reference, rtol=1e-9)


def test_full_batch_equals_one_batch_of_size_m():
    X, Y = lw.datasets.circles(m=64, seed=1)
    a = lw.Network([2, 5, 1], hidden="tanh", seed=2)
    b = copy.deepcopy(a)
    ha = a.fit(X, Y, epochs=10, learning_rate=0.5)
    hb = b.fit(X, Y, epochs=10, learning_rate=0.5, batch_size=64, shuffle=False)
    np.testing.assert_allclose(ha.cost, hb.cost, rtol=1e-12)
    np.testing.assert_allclose(a.params["W1"], b.params["W1"], rtol=1e-12)


def test_in_order_mini_batches_equal_the_readable_loop():
    """Mini-batch SGD in order, checked against forward/backward/update_params by hand."""
    X, Y = lw.datasets.moons(m=70, seed=2)
    net = lw.Network([2, 4, 3, 1], hidden="relu", init="he", seed=3)
    params = {k: v.copy() for k, v in net.params.items()}
    acts = ["relu", "relu", "sigmoid"]
    expected_costs = []
    for _ in range(3):
        total = 0.0
        for start in range(0, 70, 32):
            Xb, Yb = X[:, start : start + 32], Y[:, start : start + 32]
            AL, caches = lw.forward(Xb, params, acts)
            total += lw.compute_cost(AL, Yb) * Xb.shape[1]
            lw.update_params(params, lw.backward(AL, Yb, caches), learning_rate=0.1)
        expected_costs.append(total / 70)
    history = net.fit(X, Y, epochs=3, learning_rate=0.1, batch_size=32, shuffle=False)
    np.testing.assert_allclose(history.cost, expected_costs, rtol=1e-12)
    for key in params:
        np.testing.assert_allclose(net.params[key], params[key], rtol=1e-10, atol=1e-14)


def test_shuffle_is_seeded_and_changes_the_path():
    X, Y = lw.datasets.moons(m=90, seed=0)
    runs = []
    for _ in range(2):
        net = lw.Network([2, 4, 1], seed=11)
        runs.append(net.fit(X, Y, epochs=5, learning_rate=0.3, batch_size=16).cost)
    assert runs[0] == runs[1]
    net = lw.Network([2, 4, 1], seed=11)
    in_order = net.fit(X, Y, epochs=5, learning_rate=0.3, batch_size=16, shuffle=False).cost
    assert in_order != runs[0]


# --------------------------------------------------------------------------- accuracy on real data


@needs_sklearn
def test_digits_accuracy_with_adam():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X / 16.0, y, test_size=0.25, random_state=0)
    net = lw.Network([64, 64, 10], hidden="relu", output="softmax", init="he", seed=0)
    net.fit(X_tr.T, y_tr[None, :], epochs=40, learning_rate=0.003, batch_size=32, optimizer="adam")
    acc = float(np.mean(net.predict(X_te.T).ravel() == y_te))
    assert acc >= 0.97


@needs_sklearn
def test_breast_cancer_accuracy_with_adam():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    mu, sigma = X_tr.mean(axis=0), X_tr.std(axis=0)
    X_tr, X_te = (X_tr - mu) / sigma, (X_te - mu) / sigma
    net = lw.Network([30, 16, 1], hidden="tanh", output="sigmoid", init="xavier", seed=0)
    net.fit(X_tr.T, y_tr[None, :], epochs=50, learning_rate=0.001, batch_size=32, optimizer="adam")
    acc = float(np.mean(net.predict(X_te.T).ravel() == y_te))
    assert acc >= 0.96


# --------------------------------------------------------------------------- regularization


def test_l2_cost_and_gradient_through_gradient_check(rng):
    X = rng.standard_normal((3, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    params = lw.init_params([3, 4, 1], init="xavier", seed=2)
    assert lw.gradient_check(X, Y, params, ["tanh", "sigmoid"], l2=0.9) < 1e-7
    # and the term itself: λ/(2m) Σ‖W‖²
    AL, _ = lw.forward(X, params, ["tanh", "sigmoid"])
    plain = lw.compute_cost(AL, Y)
    with_l2 = lw.compute_cost(AL, Y, l2=0.9, params=params)
    penalty = 0.9 / 16 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    assert with_l2 == pytest.approx(plain + penalty, rel=1e-12)


def test_dropout_through_gradient_check_with_fixed_masks(rng):
    X = rng.standard_normal((3, 10))
    Y = np.eye(3)[rng.integers(0, 3, 10)].T
    params = lw.init_params([3, 6, 5, 3], init="xavier", seed=3)
    masks = {1: (rng.random((6, 10)) < 0.8) / 0.8, 2: (rng.random((5, 10)) < 0.6) / 0.6}
    diff = lw.gradient_check(
        X, Y, params, ["tanh", "sigmoid", "softmax"], dropout_masks=masks, l2=0.3
    )
    assert diff < 1e-7


def test_network_l2_matches_readable_gradient():
    X, Y = lw.datasets.xor(m=40, seed=4)
    net = lw.Network([2, 5, 1], hidden="tanh", seed=5)
    params = {k: v.copy() for k, v in net.params.items()}
    AL, caches = lw.forward(X, params, ["tanh", "sigmoid"])
    J0 = lw.compute_cost(AL, Y, l2=2.0, params=params)
    lw.update_params(params, lw.backward(AL, Y, caches, l2=2.0), learning_rate=0.5)
    history = net.fit(X, Y, epochs=1, learning_rate=0.5, l2=2.0)
    assert history.cost[0] == pytest.approx(J0, rel=1e-12)
    for key in params:
        np.testing.assert_allclose(net.params[key], params[key], rtol=1e-12, atol=1e-15)


def test_network_dropout_matches_readable_masks():
    """Dropout in the training loop equals the readable forward/backward with the same masks
    (drawn from a generator in the same state, layer by layer)."""
    X, Y = lw.datasets.moons(m=20, seed=1)
    gen = np.random.default_rng(42)
    net = lw.Network([2, 6, 4, 1], hidden="tanh", init="xavier", seed=gen)
    params = {k: v.copy() for k, v in net.params.items()}
    twin = np.random.default_rng()
    twin.bit_generator.state = copy.deepcopy(gen.bit_generator.state)
    masks = {}
    for l, n in ((1, 6), (2, 4)):
        u = twin.random((n, 20))
        masks[l] = (u < 0.7) / 0.7
    acts = ["tanh", "tanh", "sigmoid"]
    AL, caches = lw.forward(X, params, acts, dropout_masks=masks)
    lw.update_params(params, lw.backward(AL, Y, caches), learning_rate=0.3)
    history = net.fit(X, Y, epochs=1, learning_rate=0.3, dropout=0.7)
    assert history.cost[0] == pytest.approx(lw.compute_cost(AL, Y), rel=1e-12)
    for key in params:
        np.testing.assert_allclose(net.params[key], params[key], rtol=1e-12, atol=1e-15)


def test_dropout_is_off_in_predict_and_evaluate():
    X, Y = lw.datasets.moons(m=50, seed=1)
    net = lw.Network([2, 8, 1], hidden="relu", seed=1)
    net.fit(X, Y, epochs=3, learning_rate=0.1, dropout=0.5)
    np.testing.assert_array_equal(net.predict_proba(X), net.predict_proba(X))
    assert net.evaluate(X, Y) == net.evaluate(X, Y)


def test_dropout_arguments_are_checked():
    X, Y = lw.datasets.moons(m=20, seed=1)
    net = lw.Network([2, 4, 3, 1], seed=1)
    with pytest.raises(ValueError, match="keep probability"):
        net.fit(X, Y, epochs=1, dropout=0.0)
    with pytest.raises(ValueError, match="one per hidden layer"):
        net.fit(X, Y, epochs=1, dropout=[0.5])


@pytest.mark.parametrize("dropout", [1.5, 0.0, float("nan"), [1.5], ["0.5"], "0.5", True])
def test_a_senseless_keep_probability_is_refused_where_no_layer_would_use_it(dropout):
    X, Y = lw.datasets.moons(m=20, seed=1)
    net = lw.Network([2, 1], seed=1)  # no hidden layer: no dropout to apply
    with pytest.raises((ValueError, TypeError), match="keep probability"):
        net.fit(X, Y, epochs=1, dropout=dropout)
    assert net.fit(X, Y, epochs=1, dropout=np.float32(0.5)).epochs == 1


# --------------------------------------------------------------------------- history and validation


@pytest.mark.parametrize(
    "output, labels",
    [("sigmoid", "hard"), ("sigmoid", "soft"), ("softmax", "one-hot")],
)
@pytest.mark.parametrize("batch_size, shuffle", [(None, True), (7, False), (7, True)])
def test_epoch_accuracy_counts_every_example_once(output, labels, batch_size, shuffle):
    # a learning rate far below the rounding of θ leaves the parameters as they were, so each
    # epoch's accuracy (counted from every batch's forward pass, in the epoch's shuffled
    # order) must equal the accuracy of the untrained network on the whole set
    rng = np.random.default_rng(3)
    m, n_L = 60, 3
    X = rng.standard_normal((4, m))
    if output == "softmax":
        Y = lw.datasets.one_hot(rng.integers(0, n_L, m), n_L)
    else:
        Y = rng.integers(0, 2, (2, m)).astype(float)
        if labels == "soft":
            Y = np.clip(Y + rng.uniform(-0.3, 0.3, Y.shape), 0.0, 1.0)
    net = lw.Network([4, 5, Y.shape[0]], hidden="tanh", output=output, init="he", seed=2)
    A = net.predict_proba(X)
    if output == "softmax":
        expected = np.mean(A.argmax(axis=0) == Y.argmax(axis=0))
    else:
        expected = np.mean((A > 0.5) == (Y > 0.5))
    assert 0.2 < expected < 0.8  # neither all right nor all wrong: the count is informative
    history = net.fit(X, Y, epochs=3, learning_rate=1e-30, batch_size=batch_size, shuffle=shuffle)
    np.testing.assert_array_equal(net.predict_proba(X), A)
    assert history.accuracy == [pytest.approx(expected, abs=1e-15)] * 3


def test_history_records_every_series():
    X, Y = lw.datasets.moons(m=100, seed=0)
    net = lw.Network([2, 6, 4, 1], hidden="tanh", seed=0)
    history = net.fit(X, Y, epochs=7, learning_rate=0.5, batch_size=25, validation_split=0.2)
    for key in ("cost", "accuracy", "val_cost", "val_accuracy", "learning_rate"):
        assert len(history.history[key]) == 7, key
    assert set(history.grad_norm) == {"dW1", "dW2", "dW3"}
    assert all(len(v) == 7 and min(v) > 0 for v in history.grad_norm.values())
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    assert history.val_cost == history.history["val_cost"]
    with pytest.raises(AttributeError, match="History has no series 'r2'"):
        _ = history.r2


def test_validation_data_is_evaluated_after_each_epoch():
    X, Y = lw.datasets.moons(m=80, seed=0)
    Xv, Yv = lw.datasets.moons(m=40, seed=1)
    net = lw.Network([2, 5, 1], hidden="tanh", seed=0)
    history = net.fit(X, Y, epochs=3, learning_rate=0.5, validation_data=(Xv, Yv))
    assert history.val_cost[-1] == pytest.approx(net.evaluate(Xv, Yv)["cost"], rel=1e-12)


@needs_sklearn
def test_regression_records_r2_against_scikit_learn():
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 200))
    Y = np.stack([X[0] - 2 * X[1], np.sin(X[2])])
    net = lw.Network([3, 16, 2], hidden="tanh", output="linear", init="xavier", seed=1)
    history = net.fit(X, Y, epochs=200, learning_rate=0.05, optimizer="adam")
    assert net.loss.name == "mse"
    assert history.r2[-1] > 0.9
    result = net.evaluate(X, Y)
    assert result["r2"] == pytest.approx(r2_score(Y.T, net.predict(X).T), rel=1e-9)


@needs_sklearn
@pytest.mark.parametrize("batch_size, shuffle", [(None, True), (7, False), (7, True)])
def test_epoch_r2_counts_every_example_once(batch_size, shuffle):
    # as for the accuracy: a learning rate below the rounding of θ freezes the network, so
    # each epoch's R² must be scikit-learn's R² of the untrained network on the whole set
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 40))
    Y = np.stack([X[0] - X[1], X[2] ** 2])
    net = lw.Network([3, 5, 2], hidden="tanh", output="linear", init="he", seed=2)
    expected = r2_score(Y.T, net.predict(X).T)
    history = net.fit(X, Y, epochs=3, learning_rate=1e-30, batch_size=batch_size, shuffle=shuffle)
    assert history.r2 == [pytest.approx(expected, rel=1e-12)] * 3


def test_early_stopping_restores_the_best_epoch():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 30))
    Y = (rng.random((1, 30)) > 0.5).astype(float)  # noise: validation cost soon rises
    Xv = rng.standard_normal((5, 30))
    Yv = (rng.random((1, 30)) > 0.5).astype(float)
    net = lw.Network([5, 64, 1], hidden="relu", init="he", seed=0)
    history = net.fit(
        X,
        Y,
        epochs=500,
        learning_rate=0.01,
        optimizer="adam",
        validation_data=(Xv, Yv),
        early_stopping=5,
    )
    assert history.stop_reason == "early_stopping"
    best = int(np.argmin(history.val_cost))
    assert history.best_epoch == best
    assert history.epochs == best + 6  # the best epoch, then 5 without improvement
    assert net.evaluate(Xv, Yv)["cost"] == pytest.approx(history.val_cost[best], rel=1e-12)


def test_min_delta_stops_once_the_gain_over_the_patience_window_is_below_it():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 400))
    Y = (X[:1] + 0.5 * X[1:2] > 0).astype(float)  # learnable: the cost keeps falling slowly
    Xv = rng.standard_normal((4, 200))
    Yv = (Xv[:1] + 0.5 * Xv[1:2] > 0).astype(float)

    def fit(min_delta):
        net = lw.Network([4, 8, 1], hidden="relu", init="he", seed=0)
        return net.fit(
            X,
            Y,
            epochs=300,
            learning_rate=0.01,
            optimizer="adam",
            batch_size=50,
            validation_data=(Xv, Yv),
            early_stopping=5,
            min_delta=min_delta,
        )

    full, tolerant = fit(0.0), fit(0.01)
    assert tolerant.epochs < full.epochs
    # the rule, replayed by hand on the recorded validation costs: a new best only when it
    # falls more than min_delta below the best so far; stop after 5 epochs without one
    best, best_epoch, wait = np.inf, None, 0
    for epoch, value in enumerate(tolerant.val_cost):
        if value < best - 0.01:
            best, best_epoch, wait = value, epoch, 0
        else:
            wait += 1
    assert wait == 5 and tolerant.epochs == best_epoch + 6
    assert tolerant.best_epoch == best_epoch and tolerant.stop_reason == "early_stopping"
    for bad in (-0.1, float("nan"), float("inf"), True, "0.1"):
        with pytest.raises(ValueError, match="min_delta"):
            fit(bad)


def test_early_stopping_needs_validation():
    X, Y = lw.datasets.moons(m=20, seed=0)
    with pytest.raises(ValueError, match="pass validation_data or validation_split"):
        lw.Network([2, 3, 1]).fit(X, Y, epochs=2, early_stopping=True)


def test_callback_can_stop_training():
    X, Y = lw.datasets.moons(m=20, seed=0)
    seen = []

    class Recorder:
        def on_epoch_end(self, epoch, logs):
            seen.append((epoch, logs["cost"]))
            return epoch == 3

    history = lw.Network([2, 3, 1], seed=0).fit(X, Y, epochs=10, callbacks=[Recorder()])
    assert history.epochs == 4 and history.stop_reason == "callback"
    assert [c for _, c in seen] == history.cost


def test_a_callback_without_on_epoch_end_is_refused():
    X, Y = lw.datasets.moons(m=20, seed=0)
    with pytest.raises(TypeError, match="on_epoch_end"):
        lw.Network([2, 3, 1]).fit(X, Y, epochs=2, callbacks=[object()])


# --------------------------------------------------------------------------- safety


def test_divergence_raises_and_restores_finite_parameters():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 50)) * 100
    Y = X[:1] * 50
    net = lw.Network([2, 8, 1], hidden="relu", output="linear", init="he", seed=0)
    with pytest.raises(
        lw.TrainingDivergedError, match=r"diverged in epoch \d+.*smaller learning rate"
    ):  # and no RuntimeWarning from NumPy first (pytest turns those into errors here)
        net.fit(X, Y, epochs=100, learning_rate=10.0)
    assert all(np.isfinite(v).all() for v in net.params.values())


@pytest.mark.parametrize("optimizer", ["adam", "gd"])
def test_a_learning_rate_of_a_million_is_divergence_not_success(optimizer):
    """A clipped cross-entropy never becomes inf: the run that used to end 'successfully'
    with huge weights at chance accuracy now raises, and keeps no parameter of the run."""
    X, Y = lw.datasets.moons(m=200, noise=0.2, seed=0)
    net = lw.Network([2, 8, 1], hidden="tanh", seed=0)
    start = net.parameters.copy()
    with pytest.raises(
        lw.TrainingDivergedError, match="smaller learning rate than 1e\\+06"
    ) as info:
        net.fit(X, Y, epochs=20, learning_rate=1e6, optimizer=optimizer, batch_size=20)
    message = str(info.value)
    assert "ceiling of the clipped cross-entropy" in message or "exploded" in message
    assert info.value.history is not None
    # back to the parameters from before the diverging epoch (here: the first)
    assert np.abs(net.parameters.theta).max() <= np.abs(start).max() * 10 + 1


def test_cost_at_the_ceiling_is_divergence():
    import math

    X, Y = np.array([[-1.0, 1.0]]), np.array([[1.0, 0.0]])  # every label the wrong way round
    net = lw.Network([1, 1], seed=0)
    net.params["W1"] = np.array([[1e3]])  # saturated, confidently wrong: at the ceiling
    ceiling = -math.log(np.finfo(np.float64).eps)
    with pytest.raises(lw.TrainingDivergedError, match=f"ceiling .*\\({ceiling:.4g}\\)"):
        net.fit(X, Y, epochs=3, learning_rate=1e-9)
    assert net.params["W1"][0, 0] == 1e3  # restored: the start of that epoch
    # with L2, whose term has no ceiling, the same cost is not judged by it
    twin = lw.Network([1, 1], seed=0)
    twin.params["W1"] = np.array([[1e3]])
    assert twin.fit(X, Y, epochs=3, learning_rate=1e-9, l2=1e-6).epochs == 3


def test_a_run_that_ends_worse_than_it_began_raises_and_restores_its_start():
    # mse on a line through constant inputs: gradient descent with α beyond 2 / curvature
    # overshoots further each step, a cost 1.2² times larger every epoch (below a millionfold)
    X, Y = np.ones((1, 10)), np.zeros((1, 10))
    net = lw.Network([1, 1], output="linear", seed=0)
    net.params["W1"], net.params["b1"] = np.array([[0.5]]), np.array([[0.5]])
    start = net.parameters.copy()
    with pytest.raises(lw.TrainingDivergedError, match=r"ended with a cost of .* above its first"):
        net.fit(X, Y, epochs=20, learning_rate=1.1)
    np.testing.assert_array_equal(net.parameters.theta, start)
    # the same α for fewer epochs, or a smaller one, is no divergence
    assert lw.Network([1, 1], output="linear", seed=0).fit(X, Y, epochs=20, learning_rate=0.9)


def test_exploded_weights_are_divergence_even_at_a_small_cost():
    X, Y = np.array([[-1.0, 1.0]]), np.array([[0.0, 1.0]])  # separable: the cost goes to 0
    net = lw.Network([1, 1], seed=0)
    start = net.parameters.copy()
    with pytest.raises(lw.TrainingDivergedError, match="weights exploded"):
        net.fit(X, Y, epochs=3, learning_rate=1e8)
    np.testing.assert_array_equal(net.parameters.theta, start)


def test_keyboard_interrupt_keeps_parameters_and_history():
    X, Y = lw.datasets.moons(m=60, seed=0)
    twin = lw.Network([2, 4, 1], hidden="tanh", seed=3)
    net = copy.deepcopy(twin)

    class CtrlC:
        def on_epoch_end(self, epoch, logs):
            if epoch == 4:
                raise KeyboardInterrupt

    history = net.fit(X, Y, epochs=50, learning_rate=0.5, callbacks=[CtrlC()])
    assert history.interrupted and history.stop_reason == "interrupted"
    assert history.epochs == 5
    twin.fit(X, Y, epochs=5, learning_rate=0.5)  # the same five epochs, uninterrupted
    for key in twin.params:
        np.testing.assert_array_equal(net.params[key], twin.params[key])


def test_ctrl_c_in_mid_epoch_keeps_the_finished_batches():
    # a real SIGINT, sent while the third batch of the second epoch is being computed: that
    # batch is finished, the loop stops, and the parameters are those after it
    X, Y = lw.datasets.moons(m=80, seed=0)
    twin = lw.Network([2, 4, 1], hidden="tanh", seed=3)
    net = copy.deepcopy(twin)
    handler_before = signal.getsignal(signal.SIGINT)

    class CtrlCAtStep(lw.GradientDescent):
        def _update(self, theta, grad, lr, grad_scale, slots, t):
            result = super()._update(theta, grad, lr, grad_scale, slots, t)
            if t == 4 + 3:  # four batches per epoch; the third of the second epoch
                os.kill(os.getpid(), signal.SIGINT)
            return result

    history = net.fit(
        X, Y, epochs=5, learning_rate=0.5, batch_size=20, shuffle=False, optimizer=CtrlCAtStep()
    )
    assert history.interrupted and history.stop_reason == "interrupted"
    assert history.epochs == 1  # the completed epoch only
    # the same seven updates: one whole epoch, then the first three batches again
    twin.fit(X, Y, epochs=1, learning_rate=0.5, batch_size=20, shuffle=False)
    twin.fit(X[:, :60], Y[:, :60], epochs=1, learning_rate=0.5, batch_size=20, shuffle=False)
    for key in twin.params:
        np.testing.assert_array_equal(net.params[key], twin.params[key])
    # fit's handler is gone once it returns: Ctrl-C is handled as before
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_large_X_in_order_is_not_copied_whole(monkeypatch):
    # mini-batches in order from an X above the copy limit are transposed one at a time into
    # a buffer: the same batches, the same arithmetic, and no second X in memory
    import layerwise.training.batches as batches

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2000))
    Y = (rng.random((1, 2000)) > 0.5).astype(float)
    twin = lw.Network([50, 8, 1], hidden="relu", init="he", seed=0)
    net = copy.deepcopy(twin)

    def fit_peak(network):
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        history = network.fit(
            X, Y, epochs=2, learning_rate=0.1, batch_size=64, shuffle=False, optimizer="sgd"
        )
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        return history, peak

    copied, copied_peak = fit_peak(twin)
    monkeypatch.setattr(batches, "_COPY_X_UP_TO", 0)
    streamed, streamed_peak = fit_peak(net)
    assert streamed.cost == copied.cost
    for key in twin.params:
        np.testing.assert_array_equal(net.params[key], twin.params[key])
    assert copied_peak > X.nbytes > 4 * streamed_peak


def test_float32_training_stays_float32():
    X, Y = lw.datasets.moons(m=64, seed=0)
    net = lw.Network([2, 8, 1], dtype="float32", seed=0)
    net.fit(X, Y, epochs=3, learning_rate=0.1, batch_size=16, optimizer="adam", l2=0.1)
    assert all(v.dtype == np.float32 for v in net.params.values())
    assert net.predict_proba(X).dtype == np.float32
    assert all(layer.dW.dtype == np.float32 for layer in net.layers)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_steps_allocate_nothing_after_the_first_epoch(optimizer, weighted):
    """tracemalloc from the end of the second epoch on: the highest memory reached over the
    next 38 epochs (190 shuffled steps) stays below one (n[1], batch) array, so no step
    allocates one, not even for a moment.

    The one transient left is NumPy's own: a ufunc with a broadcast operand (the bias add
    Z[l] += b[l]) iterates through a buffer of at most np.getbufsize() elements, freed
    within the call. The hidden layer of 256 units makes (n[1], batch) twice that size.
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 320))
    Y = (rng.random((1, 320)) > 0.5).astype(float)
    w = rng.uniform(0, 2, 320) if weighted else None
    net = lw.Network([20, 256, 64, 1], hidden="relu", init="he", seed=0)
    layer_1_batch = 256 * 64 * 8  # one (n[1], b) float64 array
    ufunc_buffer = np.getbufsize() * 8
    assert ufunc_buffer <= layer_1_batch // 2

    class PeakFromEpochTwo:
        start = None

        def on_epoch_end(self, epoch, logs):
            if epoch == 1:  # buffers, optimizer state and the history lists exist by now
                tracemalloc.reset_peak()
                self.start = tracemalloc.get_traced_memory()[0]
            return False

    probe = PeakFromEpochTwo()
    tracemalloc.start()
    try:
        net.fit(
            X,
            Y,
            epochs=40,
            learning_rate=0.01,
            batch_size=64,
            optimizer=optimizer,
            l2=0.1,
            sample_weight=w,
            callbacks=[probe],
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # NumPy's iterator buffer plus a few kilobytes of Python objects (history entries)
    assert peak - probe.start < ufunc_buffer + 16 * 1024 < layer_1_batch


def test_the_whole_fit_to_its_end_allocates_less_than_one_batch():
    """tracemalloc from the end of the first epoch (set-up done: buffers, optimizer state, the
    copy of θ kept for the divergence guard) to the return of fit, the end-of-run checks
    included: no rise reaches one (n[1], batch) array, though the model is four times
    larger. max(|θ|) over all parameters must not make a copy of θ."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 256))
    Y = (rng.random((1, 256)) > 0.5).astype(float)
    net = lw.Network([20, 256, 256, 1], hidden="relu", init="he", seed=0)
    layer_1_batch = 256 * 64 * 8  # one (n[1], b) float64 array
    assert net.parameters.theta.nbytes > 4 * layer_1_batch
    ufunc_buffer = np.getbufsize() * 8

    class Peaks:
        """Two windows, each against the memory at its start: the steps (from the end of the
        first epoch) and the end of the run (from the callbacks' on_train_end to the return
        of fit, where the end-of-run checks run after the batches' memory was freed)."""

        def __init__(self):
            self.rises = []

        def window(self):
            tracemalloc.reset_peak()
            self.start = tracemalloc.get_traced_memory()[0]

        def close(self):
            self.rises.append(tracemalloc.get_traced_memory()[1] - self.start)

        def on_epoch_end(self, epoch, logs):
            if epoch == 0:
                self.window()
            return False

        def on_train_end(self):
            self.close()
            self.window()

    probe = Peaks()
    tracemalloc.start()
    try:
        history = net.fit(
            X, Y, epochs=3, learning_rate=0.001, batch_size=64, optimizer="sgd", callbacks=[probe]
        )
        probe.close()
    finally:
        tracemalloc.stop()
    assert not history.interrupted and len(history.cost) == 3
    assert history.cost[-1] <= 1.1 * history.cost[0]  # the end-of-run weight check ran
    steps, end = probe.rises
    assert steps < ufunc_buffer + 16 * 1024 < layer_1_batch
    assert end < 16 * 1024


# --------------------------------------------------------------------------- engines


def test_unknown_engine_is_refused_with_the_choices():
    X, Y = lw.datasets.xor(m=20, seed=0)
    for engine in ("torch", 3, None):
        with pytest.raises(ValueError, match="engine must be one of 'numpy', 'jax'"):
            lw.Network([2, 3, 1]).fit(X, Y, epochs=1, engine=engine)


def test_jax_engine_without_jax_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "jax", None)  # as if JAX were not installed
    X, Y = lw.datasets.xor(m=20, seed=0)
    net = lw.Network([2, 3, 1], seed=0)
    before = copy.deepcopy(net)
    with pytest.raises(
        ImportError, match=r"jax is needed for engine='jax': pip install 'layerwise\[jax\]'"
    ):
        net.fit(X, Y, epochs=1, validation_split=0.25, engine="jax")
    # nothing happened to the network: not its weights, not its generator
    np.testing.assert_array_equal(net.params["W1"], before.params["W1"])
    assert net.rng.random() == before.rng.random()
