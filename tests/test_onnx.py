"""ONNX export: the exported graph, run in onnxruntime, against layerwise's own predictions.

The oracle is onnxruntime (an independent implementation of every operator); layerwise's
``predict_proba``/``predict`` on float32 are what it must reproduce: probabilities or values
within 1e-5, labels identical, with the preprocessing (raw features in) built into the graph.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import layerwise as lw
from layerwise.export.onnx import export_network
from layerwise.features.preprocessing import Preprocessing

onnx = pytest.importorskip("onnx", reason="needs the onnx extra")
ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")

TOL = 1e-5
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
OUTPUTS = {"sigmoid": 1, "softmax": 3, "linear": 2}  # output activation -> n[L]


def run(model: onnx.ModelProto, X_rows: np.ndarray) -> dict[str, np.ndarray]:
    """Run ``model`` in onnxruntime on rows X (m, n[0]); outputs by name."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X_rows.astype(np.float32)})))


def expected_from(net: lw.Network, X_raw: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """What layerwise gives for raw X (n[0], m): A[L] as rows, and the labels (or None)."""
    pre = net.preprocessing
    A0 = X_raw if pre is None else pre.transform(X_raw)
    AL = net.predict_proba(A0.astype(net.dtype))
    if net.task == "regression":
        return AL.T, None
    labels = net.predict(A0.astype(net.dtype))
    if pre is not None and pre.classes is not None:
        labels = pre.decode(labels) if labels.shape[0] == 1 else np.asarray(pre.classes)[labels.T]
    elif labels.shape[0] == 1:
        labels = labels.reshape(-1)
    else:
        labels = labels.T
    return AL.T, labels


def assert_onnx_matches(net: lw.Network, X_raw: np.ndarray, tol: float = TOL) -> float:
    """Export ``net``, check the graph, run it and compare; returns the max abs difference."""
    model = export_network(net)
    onnx.checker.check_model(model, full_check=True)
    out = run(model, X_raw.T)
    AL, labels = expected_from(net, X_raw)
    key = "values" if net.task == "regression" else "probabilities"
    assert out[key].shape == AL.shape
    diff = float(np.max(np.abs(out[key] - AL)))
    assert diff <= tol, f"ONNX and layerwise differ by {diff:.3g} > {tol}"
    if labels is None:
        assert set(out) == {"values"}
    else:
        assert out["label"].shape == labels.shape
        np.testing.assert_array_equal(out["label"], labels)
    return diff


def random_network(dims, activations, dtype="float32", seed=0) -> lw.Network:
    """A network with weights and biases far from zero, so every activation's shape matters."""
    net = lw.Network(dims, activations=activations, init="he", seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    for layer in net.layers:
        layer.b[...] = rng.normal(0.0, 0.5, size=layer.b.shape)
    return net


def raw_features(n0: int, m: int = 64, seed: int = 2) -> np.ndarray:
    """(n[0], m) features far from standardized: each feature its own mean and scale."""
    rng = np.random.default_rng(seed)
    return rng.normal(rng.uniform(-50, 50, (n0, 1)), rng.uniform(0.1, 20, (n0, 1)), (n0, m))


@pytest.mark.parametrize("standardize", [False, True], ids=["no_preprocessing", "preprocessing"])
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_activation_matches_onnxruntime(hidden, output, standardize):
    n0, nL = 4, OUTPUTS[output]
    net = random_network([n0, 6, 5, nL], [hidden, hidden, output])
    if standardize:
        X = raw_features(n0)
        net.preprocessing = Preprocessing.fit(X)
    else:
        X = np.random.default_rng(3).standard_normal((n0, 64))
    assert_onnx_matches(net, X)


def test_preprocessing_is_in_the_graph():
    """Raw features in: without the Sub/Div nodes the outputs would be far off."""
    X = raw_features(3)
    net = random_network([3, 5, 2], ["tanh", "linear"])
    net.preprocessing = Preprocessing.fit(X)
    model = export_network(net)
    assert [n.op_type for n in model.graph.node][:2] == ["Sub", "Div"]
    net_without = random_network([3, 5, 2], ["tanh", "linear"])  # same weights, no statistics
    out = run(export_network(net_without), X.T)["values"]
    assert np.max(np.abs(out - expected_from(net, X)[0])) > 0.1
    assert_onnx_matches(net, X)


def test_leaky_relu_slope_is_exported():
    net = random_network([3, 8, 1], [lw.get_activation("leaky_relu", slope=0.2), "linear"])
    (node,) = [n for n in export_network(net).graph.node if n.op_type == "LeakyRelu"]
    assert node.attribute[0].name == "alpha"
    assert node.attribute[0].f == pytest.approx(0.2)
    assert_onnx_matches(net, np.random.default_rng(0).standard_normal((3, 50)) * 3)


def test_deep_mixed_network():
    """The notes' n = [2, 3, 5, 4, 2, 1] widened, a different g[l] in every layer."""
    acts = ["tanh", "relu", "leaky_relu", "sigmoid", "linear", "softmax"]
    net = random_network([5, 7, 6, 5, 4, 3, 4], acts)
    X = raw_features(5, m=100)
    net.preprocessing = Preprocessing.fit(X, classes=["w", "x", "y", "z"])
    assert_onnx_matches(net, X)


def test_float64_network_exports_float32_graph():
    net = random_network([4, 6, 3], ["relu", "softmax"], dtype="float64")
    X = raw_features(4)
    net.preprocessing = Preprocessing.fit(X, classes=[10, 20, 30])
    model = export_network(net)
    assert all(
        t.data_type == onnx.TensorProto.FLOAT
        for t in model.graph.initializer
        if t.name != "classes"
    )
    assert_onnx_matches(net, X)


@pytest.mark.parametrize(
    ("output", "classes", "dtype"),
    [
        ("softmax", ["cat", "dog", "eel"], np.object_),
        ("softmax", [3, 7, 11], np.int64),
        ("sigmoid", ["no", "yes"], np.object_),
        ("sigmoid", [-1, 1], np.int64),
        ("sigmoid", [0.5, 2.5], np.float64),
        ("sigmoid", [False, True], np.bool_),
    ],
)
def test_labels_are_the_original_classes(output, classes, dtype):
    nL = len(classes) if output == "softmax" else 1
    net = random_network([3, 6, nL], ["tanh", output])
    X = raw_features(3, m=200)
    net.preprocessing = Preprocessing.fit(X, classes=classes)
    assert_onnx_matches(net, X)
    labels = run(export_network(net), X.T)["label"]
    assert labels.dtype == dtype
    assert len(set(labels.tolist())) > 1, "test data should reach more than one class"


def test_multilabel_sigmoid_labels_are_per_unit():
    net = random_network([3, 6, 4], ["relu", "sigmoid"])
    X = np.random.default_rng(1).standard_normal((3, 80))
    out = run(export_network(net), X.T)
    assert out["label"].shape == (80, 4)
    assert_onnx_matches(net, X)


def test_graph_metadata_and_opset(tmp_path):
    X = raw_features(3)
    net = random_network([3, 4, 2], ["relu", "softmax"])
    net.preprocessing = Preprocessing.fit(X, feature_names=["a", "b", "c"], classes=["u", "v"])
    model = net.to_onnx(tmp_path / "net.onnx", opset=18)
    assert model.opset_import[0].version == 18
    props = {p.key: p.value for p in model.metadata_props}
    assert props["feature_names"] == '["a", "b", "c"]'
    assert props["classes"] == '["u", "v"]'
    assert props["layer_dims"] == "[3, 4, 2]"
    loaded = onnx.load(tmp_path / "net.onnx")
    assert loaded.SerializeToString() == model.SerializeToString()
    onnx.checker.check_model(str(tmp_path / "net.onnx"), full_check=True)
    (x_in,) = loaded.graph.input
    dims = [d.dim_param or d.dim_value for d in x_in.type.tensor_type.shape.dim]
    assert x_in.name == "X" and dims == ["N", 3]
    assert [o.name for o in loaded.graph.output] == ["probabilities", "label"]


def test_bad_arguments_are_explained():
    net = random_network([3, 4, 2], ["relu", "softmax"])
    with pytest.raises(ValueError, match="opset must be an int from 13"):
        export_network(net, opset=12)
    with pytest.raises(TypeError, match="needs a layerwise Network"):
        export_network({"W1": np.ones((2, 3))})
    net.preprocessing = Preprocessing(classes=["only one"])
    with pytest.raises(ValueError, match=r"classes has 1 labels .* needs 2"):
        export_network(net)


# -- the scikit-learn estimators, exported through the same function ----------------------

sklearn_mod = pytest.importorskip("layerwise.sklearn", reason="needs the sklearn extra")


def _fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the exports need not converge
        return est.fit(X, y)


def _estimator_cases():
    rng = np.random.default_rng(0)
    X = rng.normal(rng.uniform(-20, 20, 5), rng.uniform(0.5, 10, 5), size=(120, 5))
    score = (X - X.mean(axis=0)) / X.std(axis=0) @ rng.standard_normal(5)
    NC, NR = sklearn_mod.NetworkClassifier, sklearn_mod.NetworkRegressor
    kw = {"hidden_layer_sizes": (8, 6), "max_iter": 30, "random_state": 0}
    return [
        ("binary-strings", NC(activation="tanh", **kw), X, np.where(score > 0, "yes", "no")),
        ("multiclass-ints", NC(**kw), X, np.digitize(score, np.quantile(score, [0.3, 0.6])) * 5),
        ("multilabel", NC(activation="leaky_relu", **kw), X, (rng.random((120, 3)) > 0.5) * 1),
        ("regressor-1d", NR(activation="sigmoid", **kw), X, score),
        ("regressor-2d", NR(**kw), X, np.column_stack([score, -2 * score])),
    ]


@pytest.mark.parametrize("case", _estimator_cases(), ids=lambda c: c[0])
def test_estimators_export_through_the_same_function(case):
    _, est, X, y = case
    _fit_quietly(est, X, y)
    model = est.to_onnx()
    assert model.SerializeToString() == export_network(est).SerializeToString()
    assert model.SerializeToString() == export_network(est.network_).SerializeToString()
    out = run(model, X)
    if "values" in out:
        values = est.predict(X).reshape(len(X), -1)
        np.testing.assert_allclose(out["values"], values, rtol=0, atol=TOL)
        return
    proba = est.predict_proba(X)
    if proba.shape[1] == 2 and out["probabilities"].shape[1] == 1:
        proba = proba[:, 1:]  # one sigmoid unit: P(classes_[1])
    np.testing.assert_allclose(out["probabilities"], proba, rtol=0, atol=TOL)
    np.testing.assert_array_equal(out["label"], est.predict(X))


def test_unfitted_estimator_is_refused():
    with pytest.raises(ValueError, match="not fitted yet"):
        export_network(sklearn_mod.NetworkClassifier())


def test_missing_onnx_names_the_extra():
    code = (
        "import sys; sys.modules['onnx'] = None\n"
        "import layerwise as lw\n"
        "try:\n"
        "    lw.Network([2, 1]).to_onnx()\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'layerwise[onnx]'" in out.stdout


# --------------------------------------------------------------------------- a date column


def _identity_on(columns: list) -> lw.Network:
    """A network whose output is its encoded input: W[1] = I, b[1] = 0, linear output."""
    n0 = sum(c.width for c in columns)
    net = lw.Network([n0, n0], output="linear", seed=0)
    net.layers[0].W[...] = np.eye(n0)
    net.layers[0].b[...] = 0.0
    net.preprocessing = Preprocessing(
        columns=list(columns), feature_names=[n for c in columns for n in c.feature_names()]
    )
    return net


def test_a_date_column_is_one_float_input_of_days_and_its_parts_are_exact():
    from layerwise.features.encoding import ColumnEncoding

    rng = np.random.default_rng(0)
    days = np.concatenate(
        [
            rng.integers(-719_162, 2_932_896, 20_000),  # the years 1 to 9999
            rng.integers(-30_000, 60_000, 20_000),
            np.arange(-1000, 1000),  # around 1970-01-01
        ]
    ).astype(float)
    days = np.concatenate([days, days[:100] + 0.75, [np.nan]])  # times of day, a missing one
    column = ColumnEncoding("when", "date", fill=100.0, indicator=True, origin=-5000.0)
    session = ort.InferenceSession(export_network(_identity_on([column])).SerializeToString())
    (info,) = session.get_inputs()
    assert (info.name, info.type, info.shape) == ("when", "tensor(float)", ["N", 1])
    (out,) = session.run(None, {"when": days.astype(np.float32).reshape(-1, 1)})
    # the oracle: NumPy's datetime64 calendar; every part exact in float32
    dates = np.floor(np.where(np.isnan(days), 100.0, days)).astype("datetime64[D]")
    years = dates.astype("datetime64[Y]")
    np.testing.assert_array_equal(out[:, 0], years.astype(int) + 1970)
    np.testing.assert_array_equal(out[:, 1], (dates - years).astype(int) + 1)
    weekday = (dates.astype(int) + 3) % 7  # 1970-01-01 was a Thursday (3, Monday 0)
    np.testing.assert_array_equal(out[:, 2], weekday)
    np.testing.assert_array_equal(out[:, 4], np.isnan(days))
    filled = np.where(np.isnan(days), 100.0, days)
    np.testing.assert_allclose(out[:, 3], filled + 5000.0, rtol=1e-6)


def test_a_model_with_a_date_column_agrees_with_onnx():
    pd = pytest.importorskip("pandas", reason="a table needs the tables extra")
    from layerwise.tables import TableEncoder

    rng = np.random.default_rng(1)
    when = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.uniform(0, 3000, 300), unit="D")
    frame = pd.DataFrame({"when": when.strftime("%Y-%m-%d %H:%M"), "x": rng.normal(size=300)})
    frame.loc[[4, 9], "when"] = None
    encoder = TableEncoder().fit(frame)
    net = lw.Network([encoder.transform(frame).shape[0], 8, 1], output="sigmoid", seed=0)
    net.preprocessing = encoder.preprocessing_
    session = ort.InferenceSession(export_network(net).SerializeToString())
    days = (pd.to_datetime(frame["when"]) - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    feeds = {
        "when": days.to_numpy(np.float32, na_value=np.nan).reshape(-1, 1),
        "x": frame["x"].to_numpy(np.float32).reshape(-1, 1),
    }
    probabilities, _ = session.run(None, feeds)
    expected = net.predict_proba(encoder.transform(frame)).T
    # float32 days (a minute's resolution in these years) against float64
    np.testing.assert_allclose(probabilities, expected, atol=1e-4)


# --------------------------------------------------------------------------- raw table columns


@pytest.fixture(scope="module")
def table_models(tmp_path_factory):
    """Models trained by the command line on a mixed table (text with missing values, numbers,
    a True/False column), exported: the species (string classes), the year (integers) and
    the tag (True/False) as targets."""
    pytest.importorskip("pandas", reason="the command line's tables need the cli extra")
    pytest.importorskip("safetensors", reason="model files need the io extra")
    from layerwise.cli import main
    from layerwise.tables import mixed_table

    folder = tmp_path_factory.mktemp("onnx_tables")
    frame = mixed_table(m=300, seed=0).drop(columns="id")
    frame.to_csv(folder / "train.csv", index=False)
    frame.dropna(subset=["tagged"]).to_csv(folder / "tagged.csv", index=False)
    fast = ["--layers", "8", "--epochs", "5", "--lr", "0.01", "--quiet"]
    for target, data in (("species", "train"), ("year", "train"), ("tagged", "tagged")):
        drop = [] if target == "species" else ["--drop", "species"]
        argv = ["train", folder / f"{data}.csv", "--target", target, *drop, *fast]
        assert main([str(a) for a in [*argv, "--out", folder / f"{target}.st"]]) == 0
        assert main(["export", str(folder / f"{target}.st"), str(folder / f"{target}.onnx")]) == 0
    return folder


def table_feeds(session, frame) -> dict[str, np.ndarray]:
    """The graph's inputs from a frame: text as written ("" where pandas has nothing), numbers
    and True/False as float32 (NaN missing)."""
    feeds = {}
    for i in session.get_inputs():
        column = frame[i.name]
        if i.type == "tensor(string)":
            feeds[i.name] = np.array([["" if v is None or v != v else str(v)] for v in column])
        else:
            numbers = column.map(lambda v: np.nan if v is None or v != v else float(v))
            feeds[i.name] = numbers.to_numpy(np.float32).reshape(-1, 1)
    return feeds


def cli_predictions(folder, model, frame, name):
    import pandas as pd

    from layerwise.cli import main

    frame.to_csv(folder / f"{name}.csv", index=False)
    argv = ["predict", folder / model, folder / f"{name}.csv", "--proba"]
    assert main([str(a) for a in [*argv, "--out", folder / f"{name}_p.csv"]]) == 0
    return pd.read_csv(folder / f"{name}_p.csv", keep_default_na=False)


def test_na_like_text_is_missing_in_the_graph_as_in_predict(table_models):
    from layerwise.tables import mixed_table

    # pandas' default na_values (read_csv's documentation)
    NA_TEXT = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND"]
    NA_TEXT += ["1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]

    net = lw.Network.load(table_models / "species.st")
    sex = next(c for c in net.preprocessing.columns if c.name == "sex")
    assert None in sex.categories  # training saw missing values: a feature of their own
    new = mixed_table(m=len(NA_TEXT), seed=7).drop(columns=["id", "species"])
    new["sex"] = list(NA_TEXT)  # the text pandas reads as missing, one per row
    new["island"] = list(reversed(NA_TEXT))
    expected = cli_predictions(table_models, "species.st", new, "na")
    session = ort.InferenceSession(str(table_models / "species.onnx"))
    probabilities, labels = session.run(None, table_feeds(session, new))
    proba = expected[[f"proba_{c}" for c in net.preprocessing.classes]].to_numpy()
    np.testing.assert_allclose(probabilities, proba, atol=1e-4)
    assert labels.tolist() == expected["prediction"].tolist()
    # the same rows with those cells really empty: the same probabilities
    blank = new.assign(sex=None, island=None)
    np.testing.assert_allclose(
        session.run(None, table_feeds(session, blank))[0], probabilities, atol=1e-6
    )


@pytest.mark.parametrize(("target", "none"), [("species", ""), ("year", -1), ("tagged", None)])
def test_invalid_numbers_and_booleans_get_no_label(table_models, target, none):
    from layerwise.tables import mixed_table

    new = mixed_table(m=12, seed=9).drop(columns=["id"]).drop(columns=[target])
    if target != "species":
        new = new.drop(columns="species")
    boolean = "tagged" if target != "tagged" else None
    if boolean:
        new[boolean] = new[boolean].map(lambda v: np.nan if v is None or v != v else float(v))
        new.loc[3, boolean] = np.nan  # missing: valid
    valid = cli_predictions(table_models, f"{target}.st", new, f"valid_{target}")
    bad = new.copy()
    bad.loc[0, "body_mass_g"] = np.inf
    bad.loc[1, "bill_depth_mm"] = -np.inf
    if boolean:  # anything but 0, 1 and missing
        bad.loc[2, boolean] = 7.0
        bad.loc[4, boolean] = -1.0
    else:
        bad.loc[2, "flipper_length_mm"] = np.inf
        bad.loc[4, "bill_length_mm"] = -np.inf
    session = ort.InferenceSession(str(table_models / f"{target}.onnx"))
    if none is None:  # True/False classes have no "no label": such a batch is refused
        with pytest.raises(Exception, match="Reshape"):
            session.run(None, table_feeds(session, bad))
        good = session.run(None, table_feeds(session, new))[1]
        assert good.tolist() == (valid["prediction"].astype(str) == "True").tolist()
        return
    probabilities, labels = session.run(None, table_feeds(session, bad))
    invalid = [0, 1, 2, 4]
    assert [labels[i] for i in invalid] == [none] * 4
    assert np.isnan(probabilities[invalid]).all()
    kept = [i for i in range(12) if i not in invalid]
    assert [str(v) for v in labels[kept]] == valid["prediction"].iloc[kept].astype(str).tolist()
    assert np.isfinite(probabilities[kept]).all()
