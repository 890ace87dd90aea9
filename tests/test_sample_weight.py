"""Per-example weights: in ``Network.fit``, ``Network.evaluate``, the losses and the
estimators. The costs are checked against scikit-learn's weighted metrics and against the
examples repeated, which an integer weight must equal (scikit-learn's cost curves with
weights are in test_training.py)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import layerwise as lw
from layerwise.core.losses import normalized_weights

try:  # scikit-learn's weighted metrics are the oracle, and the estimators need it
    from sklearn.metrics import accuracy_score, log_loss, r2_score

    from layerwise.sklearn import NetworkClassifier, NetworkRegressor
except ImportError:
    accuracy_score = log_loss = r2_score = NetworkClassifier = NetworkRegressor = None

#: the tests of the estimators and against scikit-learn's metrics (the rest need NumPy alone)
needs_sklearn = pytest.mark.skipif(
    NetworkClassifier is None, reason="needs scikit-learn, which is in the test extra"
)
# the estimator tests train to a fixed max_iter on purpose
if NetworkClassifier is not None:
    pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(m=60, seed=0):
    X, Y = lw.datasets.moons(m=m, noise=0.25, seed=seed)
    counts = np.random.default_rng(seed).integers(0, 4, m)  # 0 to 3 copies of each example
    counts[0] = 2
    return X, Y, counts


def _net(dims=(2, 5, 1), **kw):
    return lw.Network(list(dims), hidden="tanh", output="sigmoid", init="xavier", seed=7, **kw)


# --------------------------------------------------------------------------- Network.fit


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_integer_weights_equal_repeated_examples(l2):
    """Full-batch descent on weights k_i equals descent on the data with example i repeated
    k_i times (and left out when k_i = 0), cost curve and parameters."""
    X, Y, counts = _data()
    weighted, repeated = _net(), _net()
    hw = weighted.fit(X, Y, epochs=30, learning_rate=0.5, sample_weight=counts, l2=l2)
    hr = repeated.fit(
        np.repeat(X, counts, axis=1),
        np.repeat(Y, counts, axis=1),
        epochs=30,
        learning_rate=0.5,
        l2=l2,
    )
    np.testing.assert_allclose(hw.cost, hr.cost, rtol=1e-12)
    np.testing.assert_allclose(
        weighted.parameters.theta, repeated.parameters.theta, rtol=1e-10, atol=1e-13
    )


def test_weights_change_the_training():
    X, Y, counts = _data()
    plain, weighted = _net(), _net()
    h0 = plain.fit(X, Y, epochs=5, learning_rate=0.5)
    h1 = weighted.fit(X, Y, epochs=5, learning_rate=0.5, sample_weight=counts)
    assert abs(h0.cost[-1] - h1.cost[-1]) > 1e-3


@pytest.mark.parametrize("batch_size", [None, 16])
def test_weights_of_one_change_nothing(batch_size):
    X, Y, _ = _data()
    plain, ones = _net(), _net()
    h0 = plain.fit(X, Y, epochs=4, learning_rate=0.5, batch_size=batch_size, optimizer="adam")
    h1 = ones.fit(
        X,
        Y,
        epochs=4,
        learning_rate=0.5,
        batch_size=batch_size,
        optimizer="adam",
        sample_weight=np.ones(X.shape[1]),
    )
    np.testing.assert_array_equal(h0.cost, h1.cost)
    np.testing.assert_array_equal(plain.parameters.theta, ones.parameters.theta)


def test_without_l2_only_the_ratios_of_the_weights_matter():
    X, Y, counts = _data()
    a, b = _net(), _net()
    ha = a.fit(
        X, Y, epochs=6, learning_rate=0.5, batch_size=16, shuffle=False, sample_weight=counts
    )
    hb = b.fit(
        X,
        Y,
        epochs=6,
        learning_rate=0.5,
        batch_size=16,
        shuffle=False,
        sample_weight=counts * 7.5,
    )
    np.testing.assert_allclose(ha.cost, hb.cost, rtol=1e-12)
    np.testing.assert_allclose(a.parameters.theta, b.parameters.theta, rtol=1e-10, atol=1e-14)


def test_shuffled_batches_carry_their_examples_weights():
    """An epoch of shuffled mini-batches equals an epoch in order over the examples permuted
    the way the network's generator permutes them: X, Y and the weights gathered alike."""
    X, Y, counts = _data()
    w = counts + 0.5
    shuffled = _net()
    in_order = copy.deepcopy(shuffled)
    order = np.arange(X.shape[1])
    copy.deepcopy(shuffled.rng).shuffle(order)  # the permutation fit will draw
    hs = shuffled.fit(X, Y, epochs=1, learning_rate=0.5, batch_size=16, sample_weight=w)
    ho = in_order.fit(
        X[:, order],
        Y[:, order],
        epochs=1,
        learning_rate=0.5,
        batch_size=16,
        shuffle=False,
        sample_weight=w[order],
    )
    np.testing.assert_allclose(hs.cost, ho.cost, rtol=1e-12)
    np.testing.assert_allclose(
        shuffled.parameters.theta, in_order.parameters.theta, rtol=1e-12, atol=1e-15
    )


def test_validation_weights_are_used_for_the_validation_metrics():
    X, Y, _ = _data()
    Xv, Yv, wv = _data(m=40, seed=1)
    net = _net()
    history = net.fit(X, Y, epochs=3, learning_rate=0.5, validation_data=(Xv, Yv, wv))
    expected = net.evaluate(Xv, Yv, sample_weight=wv)
    assert history.history["val_cost"][-1] == pytest.approx(expected["cost"], rel=1e-12)
    assert history.history["val_accuracy"][-1] == pytest.approx(expected["accuracy"])
    assert expected["cost"] != pytest.approx(net.evaluate(Xv, Yv)["cost"])


def test_validation_split_keeps_the_weights_with_their_examples():
    X, Y, _ = _data(m=40)
    w = np.where(Y[0] == 1, 1.0, 0.2)
    net = _net()
    # the held-out examples are those fit draws from the network's generator
    val = np.sort(copy.deepcopy(net.rng).permutation(40)[:10])
    history = net.fit(X, Y, epochs=2, learning_rate=0.5, validation_split=0.25, sample_weight=w)
    expected = net.evaluate(X[:, val], Y[:, val], sample_weight=w[val])
    assert history.history["val_cost"][-1] == pytest.approx(expected["cost"], rel=1e-12)
    assert history.history["val_accuracy"][-1] == pytest.approx(expected["accuracy"])


# --------------------------------------------------------------------------- bad weights


@pytest.mark.parametrize(
    ("weights", "error", "match"),
    [
        (np.ones(59), ValueError, r"shape \(m,\) or \(1, m\) with m = 60; Received: .* \(59,\)"),
        (np.ones((60, 1)), ValueError, r"Received: sample_weight with shape \(60, 1\)"),
        (np.r_[np.ones(59), -1.0], ValueError, r"must be >= 0; Received: -1 for example 59"),
        (np.r_[np.nan, np.ones(59)], ValueError, r"must be finite; Received: nan for example 0"),
        (np.zeros(60), ValueError, r"zero for every example"),
        (
            np.array(["a"] * 60),
            TypeError,
            r"must hold numbers; Received: sample_weight with dtype <U1",
        ),
    ],
    ids=["length", "column", "negative", "nan", "all-zero", "strings"],
)
def test_bad_weights_are_refused_with_what_was_given(weights, error, match):
    X, Y, _ = _data()
    net = _net()
    before = net.parameters.theta.copy()
    with pytest.raises(error, match=match):
        net.fit(X, Y, epochs=1, sample_weight=weights)
    np.testing.assert_array_equal(net.parameters.theta, before)  # nothing trained
    with pytest.raises(error, match=match):
        net.evaluate(X, Y, sample_weight=weights)


def test_validation_weights_are_checked_by_name():
    X, Y, _ = _data()
    with pytest.raises(ValueError, match=r"sample_weight_val must have one weight per example"):
        _net().fit(X, Y, epochs=1, validation_data=(X, Y, np.ones(3)))
    with pytest.raises(TypeError, match=r"a pair \(X_val, Y_val\) or a triple"):
        _net().fit(X, Y, epochs=1, validation_data=(X, Y, None, None))


def test_a_split_that_leaves_only_zero_weights_on_one_side_is_refused():
    X, Y, _ = _data(m=8)
    w = np.zeros(8)
    messages = set()
    for seed in range(30):  # some seeds hold out the one weighted example, others keep it
        w[:] = 0.0
        w[seed % 8] = 1.0
        net = lw.Network([2, 3, 1], seed=seed)
        try:
            net.fit(X, Y, epochs=1, validation_split=0.125, sample_weight=w)
        except ValueError as exc:
            messages.add(str(exc))
    assert messages == {
        f"every example {part} by validation_split has sample_weight 0; both the training "
        f"and the validation examples need a positive weight"
        for part in ("left for training", "held out")
    }


# --------------------------------------------------------------------------- evaluate


@needs_sklearn
def test_weighted_evaluate_matches_scikit_learn_binary():
    X, Y, counts = _data()
    net = _net()
    net.fit(X, Y, epochs=20, learning_rate=0.5)
    w = counts + 0.25
    result = net.evaluate(X, Y, sample_weight=w)
    p = net.predict_proba(X)[0]
    assert result["cost"] == pytest.approx(log_loss(Y[0], p, sample_weight=w), rel=1e-12)
    assert result["accuracy"] == pytest.approx(
        accuracy_score(Y[0], p > 0.5, sample_weight=w), rel=1e-12
    )


@needs_sklearn
def test_weighted_evaluate_matches_scikit_learn_multiclass():
    X, labels = lw.datasets.spiral(m=90, classes=3, seed=2)
    w = np.random.default_rng(3).uniform(0, 2, 90)
    net = lw.Network([2, 8, 3], hidden="tanh", output="softmax", init="xavier", seed=1)
    net.fit(X, labels, epochs=30, learning_rate=0.5)
    result = net.evaluate(X, labels, sample_weight=w)
    P = net.predict_proba(X)
    assert result["cost"] == pytest.approx(
        log_loss(labels[0], P.T, sample_weight=w, labels=[0, 1, 2]), rel=1e-12
    )
    assert result["accuracy"] == pytest.approx(
        accuracy_score(labels[0], P.argmax(axis=0), sample_weight=w), rel=1e-12
    )


@needs_sklearn
def test_weighted_evaluate_matches_scikit_learn_regression():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 50))
    Y = np.vstack([X.sum(axis=0), X[0] - X[1]]) + 0.1 * rng.standard_normal((2, 50))
    w = rng.uniform(0, 3, 50)
    net = lw.Network([3, 6, 2], hidden="tanh", output="linear", init="xavier", seed=0)
    net.fit(X, Y, epochs=50, learning_rate=0.05)
    result = net.evaluate(X, Y, sample_weight=w)
    A = net.predict_proba(X)
    # J = Σ w_i ½‖a − y‖² / Σ w_i
    expected_cost = np.average(0.5 * ((A - Y) ** 2).sum(axis=0), weights=w)
    assert result["cost"] == pytest.approx(expected_cost, rel=1e-12)
    assert result["r2"] == pytest.approx(r2_score(Y.T, A.T, sample_weight=w), rel=1e-12)


@pytest.mark.parametrize("hard", [True, False])
def test_weighted_binary_cost_both_paths_agree(hard):
    """The one-log path for 0/1 labels and the two-log path give the same weighted J."""
    rng = np.random.default_rng(5)
    AL = rng.uniform(0.05, 0.95, (2, 30))
    Y = (rng.random((2, 30)) > 0.5).astype(float)
    w = normalized_weights(rng.uniform(0, 2, (1, 30)))
    bce = lw.losses.get_loss("binary_crossentropy")
    reference = -np.sum(w * (Y * np.log(AL) + (1 - Y) * np.log(1 - AL))) / 30
    assert bce.cost(AL, Y, hard_labels=hard, weights=w) == pytest.approx(reference, rel=1e-12)


def test_normalized_weights_have_mean_one_and_keep_zeros():
    w = np.array([[0.0, 2.0, 6.0, 0.0]])
    np.testing.assert_allclose(normalized_weights(w), [[0.0, 1.0, 3.0, 0.0]])
    np.testing.assert_array_equal(normalized_weights(np.zeros((1, 3))), np.zeros((1, 3)))


# --------------------------------------------------------------------------- estimators


@needs_sklearn
@pytest.mark.parametrize("Estimator", [NetworkClassifier, NetworkRegressor])
def test_estimator_weights_equal_repeated_rows(Estimator):
    X, Y, counts = _data()
    rows, y = X.T, Y[0] if Estimator is NetworkClassifier else X.sum(axis=0)
    params = dict(
        hidden_layer_sizes=(5,),
        solver="gd",
        batch_size=None,
        max_iter=40,
        random_state=0,
        tol=0.0,
        alpha=1e-3,
    )
    weighted = Estimator(**params).fit(rows, y, sample_weight=counts)
    repeated = Estimator(**params).fit(np.repeat(rows, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(weighted.predict(rows), repeated.predict(rows), rtol=1e-9)
    # the standardization statistics are weighted too
    np.testing.assert_allclose(
        weighted.network_.preprocessing.mean, repeated.network_.preprocessing.mean, rtol=1e-12
    )


@needs_sklearn
def test_estimator_partial_fit_takes_weights():
    X, Y, counts = _data()
    clf = NetworkClassifier(hidden_layer_sizes=(5,), solver="gd", batch_size=None, random_state=0)
    clf.partial_fit(X.T, Y[0], classes=[0.0, 1.0], sample_weight=counts)
    ref = NetworkClassifier(hidden_layer_sizes=(5,), solver="gd", batch_size=None, random_state=0)
    ref.partial_fit(np.repeat(X.T, counts, axis=0), np.repeat(Y[0], counts), classes=[0.0, 1.0])
    np.testing.assert_allclose(clf.loss_curve_, ref.loss_curve_, rtol=1e-12)


@needs_sklearn
def test_estimator_refuses_bad_weights():
    X, Y, _ = _data()
    with pytest.raises(ValueError, match=r"sample_weight must be >= 0"):
        NetworkClassifier(max_iter=2).fit(X.T, Y[0], sample_weight=-np.ones(60))


# --------------------------------------------------------------------------- huge values


@pytest.mark.parametrize("batch_size", [None, 16])
def test_weights_whose_sum_overflows_train_as_their_ratios(batch_size):
    """Finite weights whose sum passes the float maximum: the training is that of the same
    ratios (without L2, only the ratios matter), not a zero update."""
    X, Y, counts = _data()
    counts = counts + 1  # every example weighted
    huge, small = _net(), _net()
    scale = np.finfo(np.float64).max / 4  # four of them already overflow the sum
    h_huge = huge.fit(
        X,
        Y,
        epochs=20,
        learning_rate=0.5,
        batch_size=batch_size,
        sample_weight=counts * scale,
        shuffle=False,
    )
    h_small = small.fit(
        X,
        Y,
        epochs=20,
        learning_rate=0.5,
        batch_size=batch_size,
        sample_weight=counts,
        shuffle=False,
    )
    assert np.isfinite(h_huge.cost).all()
    np.testing.assert_allclose(h_huge.cost, h_small.cost, rtol=1e-12)
    np.testing.assert_allclose(
        huge.parameters.theta, small.parameters.theta, rtol=1e-10, atol=1e-13
    )
    metrics = huge.evaluate(X, Y, sample_weight=counts * scale)
    assert metrics == pytest.approx(huge.evaluate(X, Y, sample_weight=counts), rel=1e-12)


def test_weights_beyond_the_dtype_are_refused_by_name():
    X, Y, _ = _data()
    net = _net(dtype="float32")
    with pytest.raises(
        ValueError, match=r"sample_weight holds 1e\+39 \(example 3\), more than float32"
    ):
        net.fit(X, Y, epochs=1, sample_weight=np.where(np.arange(X.shape[1]) == 3, 1e39, 1.0))


def test_standardization_of_huge_finite_features_is_finite_and_exact():
    from layerwise.features.preprocessing import Preprocessing

    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 40))
    X = base * np.array([[1e300], [1.0], [1e-300]])  # (x − mean)² of the first overflows
    w = rng.uniform(0.5, 2.0, 40) * 1e307  # and Σ w overflows too
    pre = Preprocessing.fit(X, sample_weight=w)
    assert np.isfinite(pre.mean).all() and np.isfinite(pre.scale).all()
    # the same statistics from the unscaled rows, by NumPy's own weighted mean
    ratios = w / w.max()
    for row, factor in zip(range(3), (1e300, 1.0, 1e-300)):
        mean = np.average(base[row], weights=ratios)
        std = np.sqrt(np.average((base[row] - mean) ** 2, weights=ratios))
        assert pre.mean[row] == pytest.approx(mean * factor, rel=1e-12)
        assert pre.scale[row] == pytest.approx(std * factor, rel=1e-12)
    Xt = pre.transform(X)
    assert np.isfinite(Xt).all() and np.abs(np.average(Xt, axis=1, weights=ratios)).max() < 1e-12
