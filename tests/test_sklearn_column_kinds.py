"""The estimators remember what each DataFrame column held at fit and refuse a column whose
kind changed (True/False where integers were trained, numbers where text was), as the table
door does."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the estimators need the sklearn extra")
pd = pytest.importorskip("pandas", reason="DataFrames need the tables extra")

from layerwise.sklearn import NetworkClassifier, NetworkRegressor  # noqa: E402

# a few epochs are enough to predict: the column checks are what is tested
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def numeric_frame(m: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=m), "k": np.arange(m) % 5})
    y = (X.a + X.k / 2 > 1).astype(int).to_numpy()
    return X, y


@pytest.mark.parametrize("Estimator", [NetworkClassifier, NetworkRegressor])
def test_true_false_where_integers_were_trained_is_refused(Estimator):
    X, y = numeric_frame()
    est = Estimator(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    expected = est.predict(X)  # the same kinds: accepted
    assert expected.shape == (600,)
    with pytest.raises(ValueError) as info:
        est.predict(X.assign(k=X.k > 2))
    message = str(info.value)
    assert "'k'" in message and "bool" in message and "int64" in message, message
    assert "True/False" in message and "numbers" in message
    # a float where integers were trained is still a number
    assert est.predict(X.assign(k=X.k.astype(float))).shape == (600,)


def test_numbers_where_text_was_trained_and_the_reverse_are_refused():
    X, y = numeric_frame()
    X = X.assign(c=np.where(X.a > 0, "red", "blue"))
    clf = NetworkClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    clf.predict(X)
    with pytest.raises(ValueError, match=r"column 'c' holds numbers .* held text"):
        clf.predict(X.assign(c=np.arange(600) % 2))
    with pytest.raises(ValueError, match=r"column 'a' holds text .* held numbers"):
        clf.predict(X.assign(a=X.a.astype(str)))
    # True/False with a gap, at fit, is still True/False at predict without one
    B = X.assign(flag=pd.Series([True, False, None] * 200, dtype=object))
    clf.fit(B, y)
    assert clf.predict(B.assign(flag=B.flag.fillna(False).astype(bool))).shape == (600,)


def test_partial_fit_refuses_a_changed_column_too():
    X, y = numeric_frame()
    clf = NetworkClassifier(hidden_layer_sizes=(4,), random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="'k'"):
        clf.partial_fit(X.assign(k=X.k > 2), y)
