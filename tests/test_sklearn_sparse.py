"""The estimators on SciPy sparse X (CSR, CSC, COO; sparse arrays and matrices): the weights a
dense X of the same values gives, OneHotEncoder's sparse output in a Pipeline, ONNX export
taking the dense X, and a 100,000 × 200,000 X trained under a 6 GB address-space limit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs the sklearn extra")
pytest.importorskip("pandas", reason="needs the tables extra")

import pandas as pd
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from layerwise.sklearn import NetworkClassifier, NetworkRegressor
from layerwise.tables import mixed_table

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FORMATS = ["csr_array", "csc_array", "coo_array", "csr_matrix", "csc_matrix", "coo_matrix"]


def sparse_problem(m=400, n0=60, seed=0):
    """Rows X (m, n[0]) with 10 % non-zeros, labels from a few of its features."""
    rng = np.random.default_rng(seed)
    X = sp.random(m, n0, density=0.1, random_state=seed, format="csr", data_rvs=rng.standard_normal)
    y = (X[:, :10].sum(axis=1).A1 > 0).astype(int)
    return X, y


def assert_same_weights(a, b, tol=1e-10):
    for ours, theirs in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


@pytest.mark.parametrize("fmt", FORMATS)
def test_sparse_trains_as_the_dense_X(fmt):
    X, y = sparse_problem()
    options = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0, standardize=False)
    sparse_fit = NetworkClassifier(**options).fit(getattr(sp, fmt)(X), y)
    dense_fit = NetworkClassifier(**options).fit(X.toarray(), y)
    assert_same_weights(sparse_fit, dense_fit)
    np.testing.assert_allclose(
        sparse_fit.predict_proba(getattr(sp, fmt)(X)), dense_fit.predict_proba(X.toarray())
    )


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_sparse_with_weights_early_stopping_and_solvers(solver):
    X, y = sparse_problem(seed=1)
    w = np.random.default_rng(2).integers(1, 4, size=X.shape[0])
    options = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        max_iter=8,
        early_stopping=solver != "lbfgs",
        random_state=3,
        standardize=False,
    )
    sparse_fit = NetworkClassifier(**options).fit(X, y, sample_weight=w)
    dense_fit = NetworkClassifier(**options).fit(X.toarray(), y, sample_weight=w)
    assert_same_weights(sparse_fit, dense_fit)
    assert sparse_fit.loss_curve_ == pytest.approx(dense_fit.loss_curve_, rel=1e-12)


def test_sparse_regressor_and_partial_fit():
    X, _ = sparse_problem(seed=4)
    target = np.asarray(X[:, :5].sum(axis=1)).ravel()
    sparse_fit = NetworkRegressor((8,), random_state=0, standardize=False)
    dense_fit = NetworkRegressor((8,), random_state=0, standardize=False)
    for start in (0, 200):
        rows = slice(start, start + 200)
        sparse_fit.partial_fit(X[rows], target[rows])
        dense_fit.partial_fit(X[rows].toarray(), target[rows])
    assert_same_weights(sparse_fit, dense_fit)
    np.testing.assert_allclose(sparse_fit.predict(X), dense_fit.predict(X.toarray()), rtol=1e-10)


def test_sparse_X_is_used_as_given():
    """standardize scales dense X only: the sparse fit equals the dense fit without it."""
    X, y = sparse_problem(seed=5)
    standardized = NetworkClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    assert standardized.network_.preprocessing.mean is None
    given = NetworkClassifier((8,), max_iter=5, random_state=0, standardize=False)
    assert_same_weights(standardized, given.fit(X.toarray(), y))
    # a dense X given to the sparse-trained model is taken as given too
    np.testing.assert_allclose(standardized.predict_proba(X.toarray()), given.predict_proba(X))


def test_pipeline_with_one_hot_encoder():
    frame = mixed_table(m=500, seed=2)
    X, y = frame[["island", "sex", "diet", "year"]].astype(str), frame["species"]
    pipe = make_pipeline(OneHotEncoder(handle_unknown="ignore"), NetworkClassifier((16,)))
    pipe.set_params(
        networkclassifier__random_state=0,
        networkclassifier__max_iter=30,
        networkclassifier__learning_rate_init=0.01,
    )
    pipe.fit(X, y)
    assert sp.issparse(pipe[0].transform(X))
    dense = make_pipeline(
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
        NetworkClassifier(
            (16,), random_state=0, max_iter=30, learning_rate_init=0.01, standardize=False
        ),
    ).fit(X, y)
    assert_same_weights(pipe[-1], dense[-1])
    new = X.iloc[:5].assign(island="Atlantis")  # unseen: all zeros from the encoder
    np.testing.assert_allclose(pipe.predict_proba(new), dense.predict_proba(new), atol=1e-12)
    majority = y.value_counts(normalize=True).max()
    assert pipe.score(X, y) > majority + 0.1


def test_onnx_of_a_sparse_trained_model_takes_the_dense_X():
    ort = pytest.importorskip("onnxruntime", reason="onnx is in the test extra")
    X, y = sparse_problem(seed=6)
    clf = NetworkClassifier((8,), max_iter=20, random_state=0).fit(X, y)
    session = ort.InferenceSession(
        clf.to_onnx().SerializeToString(), providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    probabilities = session.run(["probabilities"], {name: X.toarray().astype(np.float32)})[0]
    # one sigmoid unit: the graph gives P(classes_[1])
    np.testing.assert_allclose(probabilities[:, 0], clf.predict_proba(X)[:, 1], atol=1e-5)


def test_sparse_errors_are_clear():
    X, y = sparse_problem()
    bad = X.copy()
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        NetworkClassifier().fit(bad, y)
    fitted = NetworkClassifier((4,), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 59 features"):
        fitted.predict(X[:, :59])
    pytest.importorskip("jax")
    with pytest.raises(ValueError, match="engine='jax' takes a dense X"):
        NetworkClassifier(engine="jax").fit(X, y)


def test_pandas_sparse_columns_are_not_mistaken_for_text():
    X, y = sparse_problem(m=100, n0=5)
    frame = pd.DataFrame.sparse.from_spmatrix(X, columns=list("abcde"))
    clf = NetworkClassifier((4,), max_iter=3, random_state=0).fit(frame, y)
    assert not hasattr(clf, "encoder_")
    assert list(clf.feature_names_in_) == list("abcde")


MEMORY_LIMITED = textwrap.dedent(
    """
    import resource, warnings
    limit = 6 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import numpy as np
    import scipy.sparse as sp
    from layerwise.sklearn import NetworkClassifier
    try:  # the limit holds: 7 GB cannot even be reserved
        np.empty(7 * 2**30 // 8)
        raise SystemExit("the address-space limit is not in force")
    except MemoryError:
        pass
    m, n0, per_row = 100_000, 200_000, 10
    rng = np.random.default_rng(0)
    indices = rng.integers(0, n0, m * per_row)
    indptr = np.arange(0, m * per_row + 1, per_row)
    X = sp.csr_array((np.ones(m * per_row), indices, indptr), shape=(m, n0))
    y = (indices.reshape(m, per_row) < 20_000).any(axis=1).astype(int)
    clf = NetworkClassifier((4,), batch_size=1000, max_iter=2, learning_rate_init=0.01,
                            random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    print(clf.network_.layer_dims, round(clf.score(X[:20_000], y[:20_000]), 3))
    """
)


def test_large_sparse_X_trains_under_a_6_GB_address_space_limit():
    """100,000 × 200,000 with 10 non-zeros a row: 160 GB dense, 12 MB sparse."""
    pytest.importorskip("resource")
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_LIMITED], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    dims, accuracy = out.stdout.rsplit("]", 1)
    assert dims == "[200000, 4, 1"
    assert float(accuracy) > 0.9


def test_predict_on_sparse_X_goes_block_by_block(monkeypatch):
    import layerwise.sklearn._base as base

    X, y = sparse_problem(m=300, seed=7)
    clf = NetworkClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    whole = clf.predict_proba(X.toarray())
    monkeypatch.setattr(base, "_PREDICT_ROWS", 64)
    seen = []
    predict_proba = clf.network_.predict_proba
    monkeypatch.setattr(
        clf.network_, "predict_proba", lambda A0: seen.append(A0.shape) or predict_proba(A0)
    )
    np.testing.assert_allclose(clf.predict_proba(X), whole, rtol=1e-12)
    assert seen == [(60, 64)] * 4 + [(60, 44)]


def test_float32_sparse_trains_in_float32():
    X, y = sparse_problem(seed=8)
    options = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, dtype="float32")
    sparse_fit = NetworkClassifier(**options).fit(X.astype(np.float32), y)
    dense_fit = NetworkClassifier(**options, standardize=False).fit(X.toarray(), y)
    assert sparse_fit.coefs_[0].dtype == np.float32
    assert sparse_fit.predict_proba(X).dtype == np.float32
    assert_same_weights(sparse_fit, dense_fit, tol=1e-5)
