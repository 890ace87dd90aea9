"""solver="lbfgs": SciPy's L-BFGS-B on the cost J(θ) of all the examples, checked against
scikit-learn's MLP lbfgs solver started from the same weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import layerwise as lw

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is in the test extra")
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

from layerwise.sklearn import NetworkClassifier, NetworkRegressor  # noqa: E402
from layerwise.sklearn._lbfgs import minimize_lbfgs  # noqa: E402


def sklearn_lbfgs(net, X, y, Estimator, activation, alpha, max_iter, sample_weight=None):
    """scikit-learn's lbfgs run from the network's own initial weights: (loss_, coefs_)."""
    est = Estimator(
        hidden_layer_sizes=tuple(net.layer_dims[1:-1]),
        activation=activation,
        solver="lbfgs",
        alpha=alpha,
        max_iter=1,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X.T, y, sample_weight=sample_weight)  # only to build scikit-learn's state
        est.coefs_ = [net.layer(l).W.T.copy() for l in range(1, net.L + 1)]
        est.intercepts_ = [net.layer(l).b.ravel().copy() for l in range(1, net.L + 1)]
        est.max_iter = max_iter
        est.fit(X.T, y, sample_weight=sample_weight)
    return est.loss_, est.coefs_


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_binary_lbfgs_matches_scikit_learn(weighted):
    X, Y = lw.datasets.moons(m=120, noise=0.25, seed=1)
    w = np.random.default_rng(2).integers(0, 4, 120).astype(float) if weighted else None
    net = lw.Network([2, 6, 1], hidden="tanh", output="sigmoid", init="xavier", seed=3)
    loss, coefs = sklearn_lbfgs(net, X, Y.ravel(), MLPClassifier, "tanh", 1e-3, 40, w)
    sw = None if w is None else w[None, :]
    result = minimize_lbfgs(net, X, Y, sample_weight=sw, l2=1e-3, max_iter=40, tol=1e-4)
    assert result.costs[-1] == pytest.approx(loss, rel=1e-6)
    np.testing.assert_allclose(net.layer(1).W, coefs[0].T, rtol=1e-4, atol=1e-6)


def test_multiclass_lbfgs_matches_scikit_learn():
    X, labels = lw.datasets.spiral(m=150, classes=3, seed=4)
    X = X + 0.1  # off relu's kink at the origin (the notes take relu'(0) = 1, scikit-learn 0)
    net = lw.Network([2, 8, 3], hidden="relu", output="softmax", init="he", seed=5)
    loss, coefs = sklearn_lbfgs(net, X, labels.ravel(), MLPClassifier, "relu", 1e-4, 30)
    Y = np.eye(3)[labels.ravel().astype(int)].T
    result = minimize_lbfgs(net, X, Y, l2=1e-4, max_iter=30, tol=1e-4)
    assert result.costs[-1] == pytest.approx(loss, rel=1e-6)
    np.testing.assert_allclose(net.layer(2).W, coefs[1].T, rtol=1e-4, atol=1e-6)


def test_regression_lbfgs_matches_scikit_learn():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((3, 80))
    y = np.sin(X[0]) + X[1] * X[2]
    net = lw.Network([3, 5, 1], hidden="tanh", output="linear", init="xavier", seed=7)
    loss, _ = sklearn_lbfgs(net, X, y, MLPRegressor, "tanh", 1e-4, 30)
    result = minimize_lbfgs(net, X, y[None, :], l2=1e-4, max_iter=30, tol=1e-4)
    # one output: layerwise's ½ Σ_k (a − y)² and scikit-learn's ½ mean_k agree
    assert result.costs[-1] == pytest.approx(loss, rel=1e-6)


def test_lbfgs_gradient_is_the_cost_s_gradient(num_grad):
    """The gradient handed to SciPy is that of the cost handed to SciPy (L2 and weights in)."""
    X, Y = lw.datasets.moons(m=30, noise=0.25, seed=8)
    w = np.random.default_rng(9).uniform(0, 2, (1, 30))
    net = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", init="xavier", seed=10)
    from layerwise.training import cost_and_gradient
    from layerwise.training.batches import batch_weights

    weights = batch_weights(w)
    theta = net.parameters.copy()

    def J() -> float:
        net.parameters.set(theta)
        return cost_and_gradient(net, X, Y, weights, 0.3)[0]

    J()
    exact = net.parameters.grad.copy()
    approx = num_grad(J, theta)
    np.testing.assert_allclose(exact, approx, rtol=1e-6, atol=1e-9)


def test_classifier_lbfgs_on_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    clf = NetworkClassifier((16,), solver="lbfgs", alpha=1.0, max_iter=2000, random_state=0)
    clf.fit(X_tr, y_tr)
    assert clf.score(X_te, y_te) >= 0.96
    assert clf.n_iter_ == len(clf.loss_curve_) and clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_lbfgs_warns_when_max_iter_runs_out():
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"lbfgs stopped before converging"):
        NetworkClassifier((8,), solver="lbfgs", max_iter=3, random_state=0).fit(X, y)


@pytest.mark.parametrize("Estimator", [NetworkClassifier, NetworkRegressor])
def test_lbfgs_has_no_partial_fit(Estimator):
    est = Estimator(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError) as info:
        getattr(est, "partial_fit")  # noqa: B009
    assert "only available for the stochastic solvers" in str(info.value.__cause__)
    assert hasattr(Estimator(solver="adam"), "partial_fit")


def test_lbfgs_warm_start_continues_from_the_fitted_weights():
    X, y = load_breast_cancer(return_X_y=True)
    clf = NetworkClassifier((8,), solver="lbfgs", max_iter=20, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        first = list(clf.loss_curve_)
        clf.fit(X, y)
    assert clf.loss_curve_[: len(first)] == first
    assert clf.loss_curve_[len(first)] < first[0]  # started where the first fit ended
