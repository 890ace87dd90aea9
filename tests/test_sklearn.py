"""The scikit-learn estimators: scikit-learn's own estimator checks, independent oracles
(LogisticRegression and Ridge for networks without hidden layers), and the ecosystem
(Pipeline, GridSearchCV, cross_val_score, pandas)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs the sklearn extra")

from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from layerwise.sklearn import NetworkClassifier, NetworkRegressor

# Fitting to a fixed max_iter is what most tests here do on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# every check is expected to pass: no expected_failed_checks are declared
@parametrize_with_checks(
    [
        NetworkClassifier(),
        NetworkRegressor(),
        # lbfgs converges on the check's tiny multilabel data until some sigmoid outputs
        # round to exactly 1.0, which check_classifiers_multilabel_output_format_predict_proba
        # refuses (MLPClassifier(solver="lbfgs") fails it the same way); alpha=0.1 keeps
        # the outputs inside (0, 1)
        NetworkClassifier(solver="lbfgs", alpha=0.1),
        NetworkRegressor(solver="lbfgs"),
    ]
)
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    # check_array_api_input (NumPy namespace, array API dispatch on) skips itself unless
    # SCIPY_ARRAY_API is set; the NumPy namespace needs nothing more from SciPy
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


# -- independent oracles: no hidden layer is a generalized linear model ----------------------


def no_hidden_layer(alpha, max_iter):
    """A classifier without hidden layers, trained by full-batch descent to convergence."""
    return NetworkClassifier(
        hidden_layer_sizes=(),
        alpha=alpha,
        batch_size=None,
        learning_rate_init=0.05,
        max_iter=max_iter,
        tol=0.0,
        shuffle=False,
        random_state=0,
    )


def test_no_hidden_layer_binary_is_logistic_regression():
    """J = mean cross-entropy + α/(2m) Σ‖W‖² is LogisticRegression's objective with C = 1/α."""
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    alpha = 2.0
    clf = no_hidden_layer(alpha, max_iter=3000).fit(X, y)
    Xs = StandardScaler().fit_transform(X)  # the estimator standardizes inside
    oracle = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10_000).fit(Xs, y)
    np.testing.assert_allclose(clf.network_.params["W1"], oracle.coef_, atol=2e-4)
    np.testing.assert_allclose(clf.predict_proba(X), oracle.predict_proba(Xs), atol=1e-4)


def test_no_hidden_layer_multiclass_is_multinomial_logistic_regression():
    X, y = load_iris(return_X_y=True)
    alpha = 1.0
    clf = no_hidden_layer(alpha, max_iter=4000).fit(X, y)
    Xs = StandardScaler().fit_transform(X)
    oracle = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10_000).fit(Xs, y)
    # softmax is unchanged by a constant added to every row of W; compare the probabilities
    np.testing.assert_allclose(clf.predict_proba(X), oracle.predict_proba(Xs), atol=1e-4)


def test_no_hidden_layer_regression_is_ridge():
    """J = ½·mean (y − ŷ)² + α/(2m) Σ‖W‖² is Ridge's ‖y − Xw‖² + α‖w‖², divided by 2m."""
    X, y = make_regression(n_samples=150, n_features=4, noise=5.0, random_state=0)
    y = np.column_stack([y / 50, -y / 100 + 1])
    alpha = 3.0
    reg = NetworkRegressor(
        hidden_layer_sizes=(),
        alpha=alpha,
        batch_size=None,
        solver="gd",  # the notes' batch gradient descent: converges to the one minimum
        learning_rate_init=0.1,
        max_iter=5000,
        tol=0.0,
        shuffle=False,
        random_state=0,
    ).fit(X, y)
    Xs = StandardScaler().fit_transform(X)
    oracle = Ridge(alpha=alpha).fit(Xs, y)
    np.testing.assert_allclose(reg.network_.params["W1"], oracle.coef_, atol=1e-5)
    np.testing.assert_allclose(reg.predict(X), oracle.predict(Xs), atol=1e-5)


# -- behaviour ---------------------------------------------------------------------------------


def test_binary_string_labels():
    X, y01 = make_classification(n_samples=150, n_features=4, random_state=1)
    y = np.where(y01 == 1, "spam", "ham")
    clf = NetworkClassifier((8,), learning_rate_init=0.01, max_iter=200, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["ham", "spam"]
    assert clf.network_.layer_dims == [4, 8, 1]
    assert clf.network_.preprocessing.classes == ["ham", "spam"]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(proba[:, 1] > 0.5).astype(int)])
    assert clf.score(X, y) > 0.85


def test_multiclass_uses_softmax():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((16,), max_iter=300, random_state=0).fit(X, y + 10)
    assert clf.network_.layer_dims == [4, 16, 3]
    assert clf.out_activation_ == "softmax"
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y + 10) > 0.9


def test_multilabel():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] < 0.5]).astype(int)
    clf = NetworkClassifier((16,), max_iter=300, random_state=0).fit(X, Y)
    assert clf.n_outputs_ == 3 and list(clf.classes_) == [0, 1, 2]
    assert clf.predict(X).shape == (300, 3)
    assert clf.predict_proba(X).shape == (300, 3)
    assert clf.score(X, Y) > 0.8  # subset accuracy


@pytest.mark.parametrize("two_d", [False, True])
def test_regressor_keeps_the_shape_of_y(two_d):
    X, y = make_regression(n_samples=200, n_features=3, random_state=0)
    y = y / y.std()
    target = y[:, None] if two_d else y
    reg = NetworkRegressor((16,), learning_rate_init=0.01, max_iter=300, random_state=0)
    reg.fit(X, target)
    assert reg.predict(X).shape == target.shape
    assert reg.out_activation_ == "linear"
    assert reg.score(X, target) > 0.95


def test_loss_curve_and_convergence():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        clf = NetworkClassifier(max_iter=5, random_state=0).fit(X, y)
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 5
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.best_loss_ == min(clf.loss_curve_)
    stopped = NetworkClassifier(max_iter=10_000, tol=1e-2, random_state=0).fit(X, y)
    assert stopped.n_iter_ < 10_000  # stopped by tol / n_iter_no_change


@pytest.mark.parametrize("early_stopping", [False, True])
def test_mlp_attribute_names_match_scikit_learn(early_stopping):
    """coefs_, intercepts_, n_layers_, loss_ and best_validation_score_ as MLPClassifier has
    them: same shapes and meaning, read from (and writing through to) network_."""
    X, y = load_iris(return_X_y=True)
    params = dict(hidden_layer_sizes=(7, 5), max_iter=15, random_state=0)
    params["early_stopping"] = early_stopping
    ours = NetworkClassifier(**params).fit(X, y)
    theirs = MLPClassifier(**params).fit(X, y)
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
    assert ours.n_layers_ == theirs.n_layers_ == 4
    assert ours.loss_ == ours.loss_curve_[-1]
    assert (ours.best_validation_score_ is None) == (theirs.best_validation_score_ is None)
    for l, (W, b) in enumerate(zip(ours.coefs_, ours.intercepts_), start=1):
        np.testing.assert_array_equal(W, ours.network_.params[f"W{l}"].T)
        np.testing.assert_array_equal(b, ours.network_.params[f"b{l}"].ravel())
    before = ours.predict_proba(X[:5])
    ours.coefs_[0][:] = 0.0  # views: the network itself changes
    assert not ours.network_.params["W1"].any()
    assert not np.allclose(ours.predict_proba(X[:5]), before)
    unfitted = NetworkClassifier()
    assert not any(hasattr(unfitted, a) for a in ("coefs_", "intercepts_", "n_layers_", "loss_"))


def test_early_stopping_holds_out_and_restores_the_best():
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    clf = NetworkClassifier(
        (32,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        learning_rate_init=0.01,
        max_iter=500,
        random_state=0,
    ).fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_same_random_state_same_model():
    X, y = load_iris(return_X_y=True)
    a = NetworkClassifier((8,), max_iter=20, random_state=3).fit(X, y)
    b = NetworkClassifier((8,), max_iter=20, random_state=3).fit(X, y)
    c = NetworkClassifier((8,), max_iter=20, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_partial_fit_continues_one_run_of_the_optimizer():
    """k partial_fit calls on the full batch are k epochs of one fit: Adam's moment
    estimates carry over between calls (a reset would change every step after the first)."""
    X, y = load_iris(return_X_y=True)
    kw = {"hidden_layer_sizes": (8,), "batch_size": None, "shuffle": False, "random_state": 0}
    full = NetworkClassifier(max_iter=6, tol=0.0, **kw).fit(X, y)
    online = NetworkClassifier(**kw)
    for _ in range(6):
        online.partial_fit(X, y, classes=[0, 1, 2])
    assert online.n_iter_ == 6
    np.testing.assert_allclose(online.loss_curve_, full.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(online.predict_proba(X), full.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("schedule", ["inverse_time", "exponential", "step"])
def test_partial_fit_continues_the_learning_rate_schedule(schedule):
    """k partial_fit calls are k epochs of one fit for a decaying learning rate too: the
    schedule resumes at the epoch the previous call reached instead of starting over."""
    X, y = load_iris(return_X_y=True)
    kw = {
        "hidden_layer_sizes": (8,),
        "batch_size": None,
        "shuffle": False,
        "random_state": 0,
        "solver": "sgd",
        "learning_rate": schedule,
        "learning_rate_init": 0.5,
    }
    full = NetworkClassifier(max_iter=12, tol=0.0, **kw).fit(X, y)
    online = NetworkClassifier(**kw)
    for _ in range(12):
        online.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(online.loss_curve_, full.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(online.predict_proba(X), full.predict_proba(X), rtol=1e-12)


def test_partial_fit_needs_classes_first_and_keeps_them():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((4,))
    with pytest.raises(ValueError, match="needs classes="):
        clf.partial_fit(X, y)
    with pytest.raises(ValueError, match=r"y has classes \[2\] that are not in classes_"):
        clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # one batch need not show all
    assert clf.network_.layer_dims[-1] == 3
    with pytest.raises(ValueError, match=r"classes \[7\] that are not in classes_"):
        clf.partial_fit(X[:5], [7] * 5)
    with pytest.raises(ValueError, match="X has 2 features"):
        clf.partial_fit(X[:, :2], y)


def test_regressor_partial_fit():
    X, y = make_regression(n_samples=100, n_features=3, random_state=0)
    reg = NetworkRegressor((8,), random_state=0)
    for _ in range(3):
        reg.partial_fit(X, y / y.std())
    assert reg.n_iter_ == 3 and reg.predict(X).shape == (100,)


def test_warm_start_keeps_the_weights():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((8,), max_iter=30, warm_start=True, random_state=0).fit(X, y)
    W_before = clf.network_.params["W1"].copy()
    network = clf.network_
    clf.fit(X, y)
    assert clf.network_ is network and clf.n_iter_ == 60 and len(clf.loss_curve_) == 60
    assert not np.array_equal(W_before, clf.network_.params["W1"])
    assert abs(clf.loss_curve_[30] - clf.loss_curve_[29]) < 0.1 * clf.loss_curve_[0]
    with pytest.raises(ValueError, match="warm_start needs y with the classes"):
        clf.fit(X[y < 2], y[y < 2])


def test_float32():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((8,), max_iter=50, dtype="float32", random_state=0).fit(X, y)
    assert clf.network_.dtype == np.float32
    assert clf.predict_proba(X).dtype == np.float32


def test_standardize_false_leaves_features_alone():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((4,), max_iter=5, standardize=False, random_state=0).fit(X, y)
    assert clf.network_.preprocessing.mean is None
    A0 = X.T  # the notes' orientation, untouched
    np.testing.assert_allclose(clf.predict_proba(X), clf.network_.predict_proba(A0).T)


def test_standardize_statistics_travel_with_the_network():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((4,), max_iter=5, random_state=0).fit(X, y)
    pre = clf.network_.preprocessing
    np.testing.assert_allclose(pre.mean, X.mean(axis=0))
    np.testing.assert_allclose(pre.scale, X.std(axis=0))
    np.testing.assert_allclose(
        clf.predict_proba(X), clf.network_.predict_proba(pre.transform(X.T)).T
    )


# -- errors ------------------------------------------------------------------------------------


def test_notes_orientation_is_caught():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=r"one example per row.*did you mean X\.T\?"):
        NetworkClassifier().fit(X.T, y)
    clf = NetworkClassifier((4,), max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match=r"X has 150 features.*Use X\.T"):
        clf.predict(X.T)
    Y2 = np.column_stack([X[:, 0], X[:, 1]])
    with pytest.raises(ValueError, match=r"did you mean y\.T\?"):
        NetworkRegressor().fit(X, Y2.T)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"solver": "newton"},
            r"solver must be one of adam, sgd, momentum, rmsprop, gd, lbfgs; "
            r"Received: solver='newton'",
        ),
        ({"activation": "softplus"}, r"activation must be one of .*Received: activation="),
        ({"hidden_layer_sizes": (10, 0)}, r"hidden_layer_sizes must be a tuple of positive"),
        ({"hidden_layer_sizes": "10"}, r"hidden_layer_sizes must be a tuple of positive"),
        ({"max_iter": 0}, r"max_iter must be an int in \[1, inf\); Received: max_iter=0"),
        ({"learning_rate_init": -1.0}, r"learning_rate_init must be a number in \(0"),
        ({"validation_fraction": 1.0}, r"validation_fraction must be a number in \(0"),
        ({"batch_size": 0}, r"batch_size must be an int"),
        ({"learning_rate": "invscaling"}, r"learning_rate must be one of constant"),
        ({"dtype": "float16"}, r"dtype must be one of float64, float32"),
    ],
)
def test_bad_parameters_are_named_in_fit(params, message):
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier(**params)  # __init__ only stores
    assert clf.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_other_errors():
    X, _ = load_iris(return_X_y=True)
    with pytest.raises(NotFittedError):
        NetworkClassifier().predict(X)
    fitted = NetworkClassifier((4,), max_iter=2).fit(X, np.arange(150) % 2)
    with pytest.raises(ValueError, match="at least 2 classes in y; got 1 class"):
        fitted.fit(X, np.zeros(150))
    with pytest.raises(NotFittedError):  # a failed fit leaves no half-fitted estimator
        fitted.predict(X)
    with pytest.raises(ValueError, match="Unknown label type"):
        NetworkClassifier().fit(X, X[:, 0])


def test_aliases_of_scikit_learn_activation_names():
    X, y = load_iris(return_X_y=True)
    clf = NetworkClassifier((4,), activation="logistic", max_iter=2).fit(X, y)
    assert clf.network_.activations[0].name == "sigmoid"
    assert clf.activation == "logistic"  # parameters are never rewritten


# -- the ecosystem -----------------------------------------------------------------------------


def test_pipeline_grid_search_and_cross_val_score():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        NetworkClassifier((8,), standardize=False, learning_rate_init=0.01, random_state=0),
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8
    search = GridSearchCV(
        pipe,
        {
            "networkclassifier__activation": ["tanh", "leaky_relu"],
            "networkclassifier__learning_rate_init": [0.01, 0.02],
        },
        cv=3,
    ).fit(X, y)
    assert set(search.best_params_) == {
        "networkclassifier__activation",
        "networkclassifier__learning_rate_init",
    }
    assert search.cv_results_["mean_test_score"].shape == (4,)
    assert search.best_score_ > 0.8


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    clf = NetworkClassifier((8,), max_iter=50, random_state=0).fit(X, y)
    assert list(clf.feature_names_in_) == list(X.columns)
    assert clf.network_.preprocessing.feature_names == list(X.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(clf.predict(X), clf.predict(X.to_numpy()))
    reordered = X[X.columns[::-1]]
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(reordered)
    reg = NetworkRegressor((4,), max_iter=20, random_state=0).fit(X, pd.Series(y, dtype=float))
    assert reg.predict(X).shape == (150,)


def test_clone_keeps_parameters_unfitted():
    clf = NetworkClassifier((3, 2), activation="tanh", alpha=0.5, random_state=7)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "network_")


def test_missing_sklearn_names_the_extra():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "try:\n"
        "    import layerwise.sklearn\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'layerwise[sklearn]'" in out.stdout
