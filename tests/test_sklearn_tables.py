"""The estimators on a raw mixed DataFrame (numbers, text, booleans, missing values, a rare
category, categories unseen in training), encoded by the table door's TableEncoder inside
fit. The oracle is scikit-learn's ColumnTransformer built by hand from the same rules
(SimpleImputer with indicators, StandardScaler, OneHotEncoder with min_frequency): the same
encodings, and the same network trained on them."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs the sklearn extra")
pytest.importorskip("pandas", reason="needs the tables extra")

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from layerwise.cli import main
from layerwise.sklearn import NetworkClassifier, NetworkRegressor
from layerwise.tables import mixed_table
from layerwise.tables.defaults import rare_category_count

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NUMBERS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CATEGORIES = ["island", "sex", "diet"]


@pytest.fixture(scope="module")
def penguins():
    """Training rows, and new rows with unseen categories and more missing values."""
    frame = mixed_table(m=600, seed=3).drop(columns="id")
    X, y = frame.drop(columns="species"), frame["species"]
    X_train, y_train = X.iloc[:450], y.iloc[:450]
    X_new = X.iloc[450:].copy()
    X_new.iloc[0, X_new.columns.get_loc("island")] = "Atlantis"  # never seen in training
    X_new.iloc[1, X_new.columns.get_loc("diet")] = "plankton"
    X_new.iloc[2, X_new.columns.get_loc("body_mass_g")] = np.nan
    X_new.iloc[3, X_new.columns.get_loc("sex")] = None
    return X_train, y_train, X_new


def _as_number(column):
    """True/False (or missing) as 1.0/0.0/NaN."""
    return column.map({True: 1.0, False: 0.0}).astype(float)


def column_transformer(frame):
    """scikit-learn's pipeline for the encoder's rules, one transformer per column in the
    frame's order: numbers imputed by the median with an indicator where training had a
    missing value, then standardized (not the indicator); booleans 0/1 imputed the same way;
    text one-hot, missing a category of its own, rare (fewer rows than the encoder's
    min_frequency) and unseen values sharing the infrequent column."""
    steps = []
    for name in frame.columns:
        if name in CATEGORIES:
            encoder = OneHotEncoder(
                min_frequency=int(rare_category_count(len(frame))),
                handle_unknown="infrequent_if_exist",
                sparse_output=False,
            )
            steps.append((name, encoder, [name]))
            continue
        has_missing = bool(frame[name].isna().any())
        if name == "tagged":
            to_number = FunctionTransformer(lambda df: df.apply(_as_number))
            steps.append(
                (
                    name,
                    make_pipeline(to_number, SimpleImputer(strategy="median", add_indicator=True)),
                    [name],
                )
            )
            continue
        scale = StandardScaler()
        if has_missing:
            value_then_indicator = ColumnTransformer(
                [("value", scale, [0]), ("indicator", "passthrough", [1])]
            )
            impute = SimpleImputer(strategy="median", add_indicator=True)
            steps.append((name, make_pipeline(impute, value_then_indicator), [name]))
        else:
            steps.append((name, scale, [name]))
    return ColumnTransformer(steps)


def test_encodings_equal_the_column_transformers(penguins):
    X_train, y_train, X_new = penguins
    clf = NetworkClassifier((8,), max_iter=3, random_state=0).fit(X_train, y_train)
    oracle = column_transformer(X_train).fit(X_train)
    for X in (X_train, X_new):
        A0 = clf.encoder_.transform(X)  # (n[0], m)
        np.testing.assert_allclose(A0.T, oracle.transform(X), rtol=1e-12, atol=1e-12)
    assert clf.network_.layer_dims[0] == oracle.transform(X_train).shape[1]
    assert clf.n_features_in_ == 9
    assert list(clf.feature_names_in_) == list(X_train.columns)


@pytest.mark.parametrize("shuffle", [True, False])
def test_training_equals_the_same_network_on_the_column_transformers_output(penguins, shuffle):
    X_train, y_train, X_new = penguins
    options = dict(
        hidden_layer_sizes=(16,),
        learning_rate_init=0.01,
        max_iter=40,
        random_state=4,
        shuffle=shuffle,
    )
    clf = NetworkClassifier(**options).fit(X_train, y_train)
    oracle = column_transformer(X_train).fit(X_train)
    # the transformer's output is already standardized: the network takes it as given
    reference = NetworkClassifier(**options, standardize=False)
    reference.fit(oracle.transform(X_train), y_train)
    for ours, theirs in zip(clf.coefs_ + clf.intercepts_, reference.coefs_ + reference.intercepts_):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        clf.predict_proba(X_new), reference.predict_proba(oracle.transform(X_new)), atol=1e-10
    )
    assert (clf.predict(X_new) == reference.predict(oracle.transform(X_new))).all()
    assert clf.score(X_train, y_train) > 0.8


def test_regressor_on_a_mixed_frame(penguins):
    X_train, _, X_new = penguins
    y = X_train["flipper_length_mm"]
    rows = y.notna().to_numpy()
    X, y = X_train[rows].drop(columns="flipper_length_mm"), y[rows]
    reg = NetworkRegressor((16,), max_iter=5, random_state=0).fit(X, y)
    assert reg.network_.preprocessing.target == "flipper_length_mm"
    oracle = column_transformer(X).fit(X)
    reference = NetworkRegressor((16,), max_iter=5, random_state=0, standardize=False)
    reference.fit(oracle.transform(X), y)
    X_new = X_new.drop(columns="flipper_length_mm")
    assert reg.predict(X_new).shape == (len(X_new),)
    np.testing.assert_allclose(
        reg.predict(X_new), reference.predict(oracle.transform(X_new)), rtol=1e-10
    )


def test_standardize_false_leaves_the_numbers_as_they_are(penguins):
    X_train, y_train, _ = penguins
    clf = NetworkClassifier((4,), max_iter=1, random_state=0, standardize=False)
    clf.fit(X_train, y_train)
    A0 = clf.encoder_.transform(X_train)
    names = clf.encoder_.feature_names_out_
    year = X_train["year"].to_numpy(float)
    np.testing.assert_array_equal(A0[names.index("year")], year)


def test_numeric_frame_keeps_the_array_behaviour():
    X = mixed_table(m=200, seed=1)[["bill_depth_mm", "year"]].fillna(17.0)
    y = np.arange(200) % 2
    from_frame = NetworkClassifier((4,), max_iter=5, random_state=0).fit(X, y)
    from_array = NetworkClassifier((4,), max_iter=5, random_state=0).fit(X.to_numpy(), y)
    assert not hasattr(from_frame, "encoder_")
    np.testing.assert_array_equal(from_frame.coefs_[0], from_array.coefs_[0])
    np.testing.assert_allclose(from_frame.network_.preprocessing.mean, X.mean().to_numpy())


def test_numeric_frame_with_missing_values_is_encoded():
    X = mixed_table(m=200, seed=1)[["bill_depth_mm", "year"]]
    assert X["bill_depth_mm"].isna().any()
    clf = NetworkClassifier((4,), max_iter=5, random_state=0).fit(X, np.arange(200) % 2)
    assert clf.encoder_.feature_names_out_ == ["bill_depth_mm", "bill_depth_mm=(missing)", "year"]
    assert clf.predict(X).shape == (200,)


def test_partial_fit_keeps_the_first_calls_encoding(penguins):
    X_train, y_train, X_new = penguins
    clf = NetworkClassifier((8,), random_state=0)
    clf.partial_fit(X_train.iloc[:200], y_train.iloc[:200], classes=np.unique(y_train))
    first = clf.encoder_
    clf.partial_fit(X_train.iloc[200:], y_train.iloc[200:])
    assert clf.encoder_ is first and clf.n_iter_ == 2
    assert clf.predict(X_new).shape == (len(X_new),)


def test_refit_on_numbers_forgets_the_encoder(penguins):
    X_train, y_train, _ = penguins
    clf = NetworkClassifier((4,), max_iter=1, random_state=0).fit(X_train, y_train)
    clf.fit(np.random.default_rng(0).normal(size=(450, 3)), y_train)
    assert not hasattr(clf, "encoder_") and clf.n_features_in_ == 3


def test_onnx_takes_one_input_per_column_and_agrees_with_predict(penguins):
    ort = pytest.importorskip("onnxruntime", reason="onnx is in the test extra")
    X_train, y_train, X_new = penguins
    clf = NetworkClassifier((16,), max_iter=30, random_state=0).fit(X_train, y_train)
    model = clf.to_onnx()
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    inputs = {i.name: (i.type, i.shape) for i in session.get_inputs()}
    assert set(inputs) == set(X_train.columns)
    assert inputs["island"] == ("tensor(string)", ["N", 1])
    assert inputs["body_mass_g"] == ("tensor(float)", ["N", 1])
    feeds = {}
    for name, (kind, _) in inputs.items():
        column = X_new[name]
        if kind == "tensor(string)":
            feeds[name] = np.array([["" if pd.isna(v) else str(v)] for v in column], object)
        else:
            numbers = column.map(lambda v: np.nan if v is None or v != v else float(v))
            feeds[name] = numbers.to_numpy(np.float32).reshape(-1, 1)
    outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    np.testing.assert_allclose(outputs["probabilities"], clf.predict_proba(X_new), atol=1e-5)
    assert outputs["label"].tolist() == clf.predict(X_new).tolist()


def test_saved_network_predicts_on_the_command_line(penguins, tmp_path, capsys):
    X_train, y_train, X_new = penguins
    clf = NetworkClassifier((16,), max_iter=30, random_state=0).fit(X_train, y_train)
    clf.network_.save(tmp_path / "m.safetensors")
    X_new.to_csv(tmp_path / "new.csv", index=False)
    code = main(
        [
            "predict",
            str(tmp_path / "m.safetensors"),
            str(tmp_path / "new.csv"),
            "--out",
            str(tmp_path / "p.csv"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    predicted = pd.read_csv(tmp_path / "p.csv")["prediction"]
    assert predicted.tolist() == clf.predict(X_new).tolist()


def test_other_columns_at_predict_are_named(penguins):
    X_train, y_train, X_new = penguins
    clf = NetworkClassifier((4,), max_iter=1, random_state=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"it lacks 'sex' and has 'colour', not seen at fit"):
        clf.predict(X_new.drop(columns="sex").assign(colour="blue"))
    with pytest.raises(ValueError, match=r"DataFrame with the columns 'bill_length_mm'.*numpy"):
        clf.predict(X_new.to_numpy())
    # the columns in another order are found by name
    reordered = X_new[X_new.columns[::-1]]
    np.testing.assert_array_equal(clf.predict_proba(reordered), clf.predict_proba(X_new))


def test_bad_tables_are_refused_by_name(penguins):
    X_train, y_train, _ = penguins
    twice = pd.concat([X_train[["island"]], X_train[["island"]]], axis=1)
    with pytest.raises(ValueError, match="two columns named 'island'"):
        NetworkClassifier().fit(twice, y_train)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        NetworkClassifier().fit(X_train, y_train.iloc[:10])


def test_cross_validation_on_a_raw_frame(penguins):
    from sklearn.model_selection import cross_val_score

    X_train, y_train, _ = penguins
    clf = NetworkClassifier((16,), learning_rate_init=0.01, max_iter=30, random_state=0)
    scores = cross_val_score(clf, X_train, y_train, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.7


def test_missing_values_at_predict_after_a_complete_numeric_frame_are_explained():
    X = mixed_table(m=200, seed=1)[["bill_depth_mm", "year"]]
    clf = NetworkClassifier((4,), max_iter=1, random_state=0)
    clf.fit(X.fillna(17.0), np.arange(200) % 2)
    with pytest.raises(ValueError, match="fitted on numbers without missing values"):
        clf.predict(X)
