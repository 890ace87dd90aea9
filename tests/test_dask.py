"""Hyperparameter search on a Dask cluster, and the pickling it relies on.

joblib's Dask backend ships each (parameters, fold) fit to a worker process as a pickle; the
search on a two-process ``LocalCluster`` must give exactly the result of the same search run
with joblib's local backend.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import layerwise as lw
from layerwise.features.preprocessing import Preprocessing

pytest.importorskip("sklearn", reason="needs the sklearn extra")

from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from layerwise.sklearn import NetworkClassifier, NetworkRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def small_search() -> tuple[GridSearchCV, np.ndarray, np.ndarray]:
    """Eight networks x 3 folds on 360 digits: small enough for a test, big enough to differ."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:360], y[:360]
    search = GridSearchCV(
        NetworkClassifier(max_iter=15, random_state=0),
        {
            "hidden_layer_sizes": [(16,), (32,)],
            "activation": ["relu", "tanh"],
            "learning_rate_init": [0.01, 0.001],
        },
        cv=3,
        n_jobs=2,
    )
    return search, X, y


def test_search_on_a_local_cluster_equals_the_local_backend():
    distributed = pytest.importorskip(
        "distributed", reason="the cluster test needs dask[distributed]"
    )
    import joblib

    local, X, y = small_search()
    with joblib.parallel_backend("loky", n_jobs=2):
        local.fit(X, y)

    on_cluster, _, _ = small_search()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        with joblib.parallel_backend("dask"):
            on_cluster.fit(X, y)
        # the fits really ran on the workers: each has the estimator's module loaded
        loaded = client.run(lambda: __import__("sys").modules.get("layerwise.sklearn") is not None)
        assert all(loaded.values())

    assert on_cluster.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        on_cluster.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(
        on_cluster.cv_results_["rank_test_score"], local.cv_results_["rank_test_score"]
    )
    np.testing.assert_array_equal(on_cluster.predict_proba(X), local.predict_proba(X))
    assert len(set(local.cv_results_["mean_test_score"])) > 1, "the search should discriminate"


# -- pickling ----------------------------------------------------------------------------------


def _round_trip(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_network_pickles_with_its_preprocessing(dtype):
    X, Y = lw.datasets.planar(seed=1)
    net = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", seed=1, dtype=dtype)
    net.fit(X, Y, epochs=50, learning_rate=1.2)
    net.preprocessing = Preprocessing.fit(X, feature_names=["x1", "x2"], classes=["red", "blue"])
    net.metadata = {"note": "pickled"}
    twin = _round_trip(net)
    assert twin.layer_dims == net.layer_dims and twin.dtype == net.dtype
    for key in net.params:
        np.testing.assert_array_equal(twin.params[key], net.params[key])
    np.testing.assert_array_equal(twin.predict_proba(X), net.predict_proba(X))
    assert twin.preprocessing.classes == ["red", "blue"]
    np.testing.assert_array_equal(twin.preprocessing.mean, net.preprocessing.mean)
    assert twin.metadata == {"note": "pickled"}
    # the copy is independent and still trains
    twin.fit(X, Y, epochs=5, learning_rate=1.2)
    assert not np.array_equal(twin.params["W1"], net.params["W1"])


def _fitted_estimators():
    X, y = load_digits(return_X_y=True)
    X, y = X[:200], y[:200]
    labels = np.array(list("abcdefghij"))[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return X, [
            NetworkClassifier((16,), max_iter=10, random_state=0).fit(X, labels),
            NetworkClassifier((8,), max_iter=10, random_state=0).fit(X, y % 2),
            NetworkRegressor((8,), max_iter=10, random_state=0).fit(X, y / 9.0),
        ]


def test_fitted_estimators_pickle_with_identical_predictions():
    X, estimators = _fitted_estimators()
    for est in estimators:
        twin = _round_trip(est)
        assert twin.get_params() == est.get_params()
        np.testing.assert_array_equal(twin.predict(X), est.predict(X))
        if hasattr(est, "predict_proba"):
            np.testing.assert_array_equal(twin.predict_proba(X), est.predict_proba(X))
        assert twin.loss_curve_ == est.loss_curve_
        # and it keeps learning from where it was, as the original does
        twin.partial_fit(X, est.predict(X))
        est.partial_fit(X, est.predict(X))
        np.testing.assert_array_equal(twin.predict(X), est.predict(X))


def test_unfitted_estimator_pickles():
    est = NetworkClassifier((5, 3), activation="leaky_relu", random_state=1)
    twin = _round_trip(est)
    assert twin.get_params() == est.get_params()
