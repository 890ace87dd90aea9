"""Raw tables through the command line: a generated mixed table (text columns, missing values
of both kinds, a rare category, an id-like column) through train -> model file ->
predict/evaluate on new rows with unseen categories, checked against scikit-learn (the
encoding learned from the training rows only) and onnxruntime (the exported graph); regression
in the target's units; and the rough edges a new user meets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

for _module in ("pandas", "safetensors", "sklearn"):
    pytest.importorskip(_module, reason="the command line's tests need the cli extra")

import pandas as pd  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.impute import MissingIndicator, SimpleImputer  # noqa: E402
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

import layerwise as lw  # noqa: E402
from layerwise.cli import (  # noqa: E402
    build_parser,
    main,
)
from layerwise.tables import TableEncoder, defaults, load_table, mixed_table  # noqa: E402

MEASURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
TEXT = ["island", "sex", "diet"]
FAST = ["--layers", "16,8", "--lr", "0.01", "--quiet"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def survey(m: int, seed: int, unseen: bool = False) -> pd.DataFrame:
    """The bundled survey, with an id-like ticket column; new rows may bring an island, a
    diet and a missing sex that training never saw, in a shuffled column order."""
    frame = mixed_table(m=m, seed=seed).drop(columns="id")
    frame.insert(0, "ticket", [f"T-{seed}-{i:05d}" for i in range(m)])
    if unseen:
        frame.loc[0:5, "island"] = "Atlantis"
        frame.loc[6:8, "diet"] = "plankton"
        frame = frame[frame.columns[::-1]]
    return frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """survey.csv (700 rows) trained raw with the defaults and --drop ticket."""
    folder = tmp_path_factory.mktemp("raw")
    survey(700, 0).to_csv(folder / "survey.csv", index=False)
    code = main(
        [
            *("train", str(folder / "survey.csv"), "--target", "species"),
            *("--drop", "ticket", "--out", str(folder / "m.st"), *FAST),
        ]
    )
    assert code == 0
    new = survey(200, 5, unseen=True)
    new.drop(columns="species").to_csv(folder / "new.csv", index=False)
    new.to_csv(folder / "labelled.csv", index=False)
    return folder


def test_the_id_like_column_is_left_out_and_keep_keeps_it(capsys, trained, tmp_path):
    code, _, err = run(
        capsys,
        *("train", trained / "survey.csv", "--target", "species", "--out", tmp_path / "m"),
        *FAST,
    )
    assert code == 0, err
    net = lw.Network.load(tmp_path / "m")
    assert "ticket" not in [c.name for c in net.preprocessing.columns]
    assert "ticket" in net.preprocessing.ignored
    # the table the model was trained on, ticket and all, is predicted as it is
    code, _, err = run(capsys, "predict", tmp_path / "m", trained / "new.csv")
    assert code == 0, err
    code, _, err = run(
        capsys,
        *("train", trained / "survey.csv", "--target", "species", "--out", tmp_path / "k"),
        *("--keep", "ticket", *FAST),
    )
    assert code == 0, err
    kept = lw.Network.load(tmp_path / "k").preprocessing.columns
    assert [c.kind for c in kept if c.name == "ticket"] == ["category"]
    code, _, err = run(
        capsys, "train", trained / "survey.csv", "--target", "species", "--drop", "tickets"
    )
    assert code == 1 and "--drop tickets: no such column" in err and "'ticket'" in err
    code, _, err = run(
        capsys, "train", trained / "survey.csv", "--drop", "species", "--target", "species"
    )
    assert code == 1 and "column 'species' is the target, not a feature" in err
    code, _, err = run(
        capsys, "train", trained / "survey.csv", "--target", "species", "--keep", "x"
    )
    assert code == 1 and "--keep x: no such column" in err


def dated(m: int, seed: int) -> pd.DataFrame:
    """A row number (as R exports it), a date column written as text, a missing target in a
    few rows; the target depends on the season (day of the year) and a number."""
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1460, m), unit="D")
    x = rng.normal(size=m)
    summer = np.abs(when.day_of_year.to_numpy() - 182) < 60
    frame = pd.DataFrame(
        {
            "rownames": np.arange(1, m + 1),
            "when": when.strftime("%Y-%m-%d"),
            "x": x,
            "busy": np.where(summer ^ (x > 1.5), "yes", "no"),
        }
    )
    frame.loc[[3, 10, 17], "busy"] = None
    return frame


def test_a_row_number_is_left_out_and_a_date_becomes_numbers(capsys, tmp_path):
    dated(600, 0).to_csv(tmp_path / "d.csv", index=False)
    code, _, err = run(
        capsys, "train", tmp_path / "d.csv", "--target", "busy", "--out", tmp_path / "m", *FAST
    )
    assert code == 0, err
    pre = lw.Network.load(tmp_path / "m").preprocessing
    assert {c.name: c.kind for c in pre.columns} == {"when": "date", "x": "number"}
    assert pre.ignored == ["rownames"]
    training = lw.io.read_metadata(tmp_path / "m")["extra"]["training"]
    assert training["rows"] == 597  # the three rows without a target were left out
    code, out, _ = run(capsys, "summary", tmp_path / "m")
    assert code == 0
    (line,) = [row for row in out.splitlines() if row.split()[:3] == ["when", "date", "4"]]
    assert "year, day of year, day of week, days since 2019-01-0" in line
    test = dated(300, 1)
    test.drop(columns="busy").to_csv(tmp_path / "new.csv", index=False)
    code, _, err = run(
        capsys, "predict", tmp_path / "m", tmp_path / "new.csv", "--out", tmp_path / "p.csv"
    )
    assert code == 0, err
    predicted = pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy()
    labelled = test["busy"].notna().to_numpy()
    # the season is in the date: far above the 0.6 of always saying "no"
    assert (predicted[labelled] == test["busy"][labelled].to_numpy()).mean() > 0.8


def scikit_learn_encoding(train: pd.DataFrame) -> ColumnTransformer:
    """The model's encoding as scikit-learn builds it, fitted on the training rows only."""
    parts = []
    for c in train.columns:
        if c in TEXT:
            # the table door's count, which grows with the training rows
            rare = int(defaults.rare_category_count(len(train)))
            onehot = OneHotEncoder(
                handle_unknown="infrequent_if_exist", min_frequency=rare, sparse_output=False
            )
            parts.append((c, onehot, [c]))
        elif c == "tagged":
            parts.append((c, SimpleImputer(strategy="median", add_indicator=True), [c]))
        else:
            parts.append(
                (c, make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), [c])
            )
            if train[c].isna().any():
                parts.append((c + "?", MissingIndicator(features="missing-only"), [c]))
    return ColumnTransformer(parts, sparse_threshold=0.0)


def numeric_booleans(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        tagged=frame["tagged"].map(lambda v: np.nan if v is None or v != v else float(v)),
        **{c: frame[c].astype(object).where(frame[c].notna(), np.nan) for c in TEXT},
    )


def test_the_encoding_is_learned_from_the_training_rows_only(trained):
    net = lw.Network.load(trained / "m.st")
    pre = net.preprocessing
    assert [c.name for c in pre.columns] == [*MEASURES, *TEXT, "tagged", "year"]
    assert pre.ignored == ["ticket"] and pre.target == "species"
    table = pd.read_csv(trained / "survey.csv").drop(columns=["ticket", "species"])
    # the split 'layerwise train' documents: a permutation drawn with --seed, the plan's share
    # held out (a fifth of a table under SMALL_ROWS rows, a tenth above)
    m = len(table)
    share = (
        defaults.SMALL_VALIDATION_SPLIT if m < defaults.SMALL_ROWS else defaults.VALIDATION_SPLIT
    )
    order = np.random.default_rng(0).permutation(m)
    train_rows = np.sort(order[round(m * share) :])
    oracle = scikit_learn_encoding(table.iloc[train_rows]).fit(
        numeric_booleans(table.iloc[train_rows])
    )
    expected = oracle.transform(numeric_booleans(table)).T
    c = defaults.CLIP  # then the table door's smooth clip, on every feature
    expected = expected / np.sqrt(1 + (expected / c) ** 2)
    assert pre.clip == c == 3.0
    got = TableEncoder.from_preprocessing(pre).transform(table)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_predict_new_rows_with_unseen_categories_and_missing_values(capsys, trained):
    code, out, err = run(capsys, "predict", trained / "m.st", trained / "new.csv", "--proba")
    assert code == 0, err
    assert err.count("\n") == 1 and "warning: 9 value(s) unseen in training" in err
    assert "island: 'Atlantis' x6" in err and "diet: 'plankton' x3" in err
    lines = out.splitlines()
    assert lines[0] == "row,prediction,proba_Adelie,proba_Chinstrap,proba_Gentoo"
    assert len(lines) == 201
    got = pd.read_csv(trained / "new.csv")
    assert got.isna().any().sum() >= 6  # missing values in numbers and text came in
    # the probabilities of each row sum to 1 and the prediction is their argmax
    P = np.array([[float(v) for v in line.split(",")[2:]] for line in lines[1:]])
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    labels = np.array(["Adelie", "Chinstrap", "Gentoo"])[P.argmax(axis=1)]
    assert [line.split(",")[1] for line in lines[1:]] == labels.tolist()


def test_evaluate_new_labelled_rows(capsys, trained, tmp_path):
    code, out, err = run(capsys, "evaluate", trained / "m.st", trained / "labelled.csv")
    assert code == 0, err
    assert "warning: 9 value(s) unseen" in err
    run(capsys, "predict", trained / "m.st", trained / "labelled.csv", "--out", tmp_path / "p.csv")
    predicted = pd.read_csv(tmp_path / "p.csv")["prediction"]
    truth = pd.read_csv(trained / "labelled.csv")["species"]
    accuracy = accuracy_score(truth, predicted)
    assert f"accuracy  {accuracy:.6f}  ({round(accuracy * 200)} of 200 correct)" in out
    assert accuracy > 0.8  # the species can be told apart from the measurements and the island


def test_a_column_missing_or_unknown_at_predict_time(capsys, trained, tmp_path):
    new = pd.read_csv(trained / "new.csv")
    new.drop(columns="diet").to_csv(tmp_path / "less.csv", index=False)
    code, _, err = run(capsys, "predict", trained / "m.st", tmp_path / "less.csv")
    assert code == 1 and "lacks the feature column(s) 'diet'" in err
    new.assign(colour="red").to_csv(tmp_path / "more.csv", index=False)
    code, _, err = run(capsys, "predict", trained / "m.st", tmp_path / "more.csv")
    assert code == 1 and "column(s) 'colour' that were not features" in err
    bad = new.astype({"bill_depth_mm": object})
    bad.loc[3, "bill_depth_mm"] = "deep"
    bad.to_csv(tmp_path / "text.csv", index=False)
    code, _, err = run(capsys, "predict", trained / "m.st", tmp_path / "text.csv")
    assert code == 1 and "column 'bill_depth_mm' must hold numbers" in err and "'deep'" in err


def test_summary_lists_each_input_column_with_its_encoding(capsys, trained):
    code, out, _ = run(capsys, "summary", trained / "m.st")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "missing -> " in rows["bill_length_mm"] and "missing indicator" in rows["bill_length_mm"]
    # a small table keeps every category seen twice (rare_category_count): Litchfield too
    assert "one-hot" in rows["island"] and "Litchfield" in rows["island"]
    assert "(infrequent)" not in rows["island"]
    assert "(missing)" in rows["sex"]
    assert rows["tagged"].split()[1] == "boolean" and "0/1" in rows["tagged"]
    assert "ignored columns (not features): ticket" in out


def feeds_for(session, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """A table as the ONNX graph takes it: one [N, 1] input per column."""
    feeds = {}
    for i in session.get_inputs():
        column = frame[i.name]
        if i.type == "tensor(string)":
            values = [["" if pd.isna(v) else str(v)] for v in column]
            feeds[i.name] = np.array(values, dtype=object)
        else:
            numbers = column.map(lambda v: np.nan if v is None or v != v else float(v))
            feeds[i.name] = numbers.to_numpy(np.float32).reshape(-1, 1)
    return feeds


def test_onnx_takes_the_raw_columns_and_agrees_with_predict(capsys, trained, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="onnx is in the test extra")
    code, out, err = run(capsys, "export", trained / "m.st", tmp_path / "m.onnx")
    assert code == 0, err
    assert "one input per column" in out
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    inputs = {i.name: (i.type, i.shape) for i in session.get_inputs()}
    assert inputs["island"] == ("tensor(string)", ["N", 1])
    assert inputs["body_mass_g"] == ("tensor(float)", ["N", 1])
    assert inputs["tagged"] == ("tensor(float)", ["N", 1]) and "ticket" not in inputs
    assert [o.name for o in session.get_outputs()] == ["probabilities", "label"]
    new = pd.read_csv(trained / "new.csv")
    probabilities, labels = session.run(None, feeds_for(session, new))
    run(
        capsys,
        "predict",
        trained / "m.st",
        trained / "new.csv",
        "--proba",
        "--out",
        tmp_path / "p.csv",
    )
    expected = pd.read_csv(tmp_path / "p.csv")
    assert labels.tolist() == expected["prediction"].tolist()
    proba = expected[["proba_Adelie", "proba_Chinstrap", "proba_Gentoo"]].to_numpy()
    np.testing.assert_allclose(probabilities, proba, atol=1e-4)  # the graph runs in float32


@pytest.fixture(scope="module")
def regression(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reg")
    frame = mixed_table(m=600, seed=2).drop(columns="id").dropna(subset=["body_mass_g"])
    frame.to_csv(folder / "mass.csv", index=False)
    for name, extra in (("scaled", []), ("raw", ["--no-target-scaling"])):
        argv = [
            "train",
            folder / "mass.csv",
            "--target",
            "body_mass_g",
            "--out",
            folder / f"{name}.st",
        ]
        assert main([str(a) for a in [*argv, *FAST, *extra]]) == 0
    return folder


def test_regression_target_is_standardized_and_reported_in_its_units(capsys, regression):
    y = pd.read_csv(regression / "mass.csv")["body_mass_g"].to_numpy()
    net = lw.Network.load(regression / "scaled.st")
    pre = net.preprocessing
    assert 3500 < pre.target_mean < 5000 and 300 < pre.target_scale < 1200
    training = lw.io.read_metadata(regression / "scaled.st")["extra"]["training"]
    assert training["target_scaling"] is True
    code, out, err = run(capsys, "predict", regression / "scaled.st", regression / "mass.csv")
    assert code == 0, err
    prediction = np.array([float(line.split(",")[1]) for line in out.splitlines()[1:]])
    assert abs(prediction.mean() - y.mean()) < 0.1 * y.std()  # grams, not standard units
    code, out, _ = run(capsys, "evaluate", regression / "scaled.st", regression / "mass.csv")
    assert code == 0
    assert "(of the standardized target)" in out
    assert f"R²        {r2_score(y, prediction):.6f}" in out
    assert f"MAE       {mean_absolute_error(y, prediction):.6g}" in out
    assert r2_score(y, prediction) > 0.5


def test_no_target_scaling(regression):
    net = lw.Network.load(regression / "raw.st")
    assert net.preprocessing.target_mean is None and net.preprocessing.target_scale is None
    training = lw.io.read_metadata(regression / "raw.st")["extra"]["training"]
    assert training["target_scaling"] is False


def test_onnx_regression_values_in_the_targets_units(capsys, regression, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="onnx is in the test extra")
    assert main(["export", str(regression / "scaled.st"), str(tmp_path / "r.onnx")]) == 0
    session = ort.InferenceSession(str(tmp_path / "r.onnx"))
    frame = pd.read_csv(regression / "mass.csv")
    (values,) = session.run(None, feeds_for(session, frame))
    capsys.readouterr()
    _, out, _ = run(capsys, "predict", regression / "scaled.st", regression / "mass.csv")
    expected = np.array([float(line.split(",")[1]) for line in out.splitlines()[1:]])
    np.testing.assert_allclose(values[:, 0], expected, rtol=1e-5)


# --------------------------------------------------------------------------- defaults


def test_defaults_validation_split_early_stopping_and_batch_rule(capsys, trained, tmp_path):
    code, out, _ = run(capsys, "train", "breast_cancer", "--quiet", "--layers", "4")
    assert code == 0
    # 569 rows, a small table: a fifth held out (114), 455 to train on in batches of 32, so
    # 15 steps an epoch and a patience of ceil(250 / 15) = 17 epochs
    assert defaults.SMALL_VALIDATION_SPLIT == 0.2 and defaults.PATIENCE_STEPS == 250
    assert "mini-batches of 32, 455 rows" in out
    assert "validation on 114 rows, early stopping after 17 epochs" in out
    code, out, _ = run(
        capsys, "train", "breast_cancer", "--quiet", "--validation-split", "0", "--epochs", "3"
    )
    assert code == 0 and "validation" not in out.lower() and "3 epochs" in out


def test_tol_ends_training_once_the_validation_gain_is_small(capsys, trained, tmp_path):
    assert defaults.plan_for(defaults.BIG_TABLE_ROWS, 5, 1, "regression").min_delta == (
        defaults.TOLERANCE
    )
    assert defaults.plan_for(defaults.BIG_TABLE_ROWS - 1, 5, 1, "regression").min_delta == 0.0
    epochs = {}
    for tol in ("0", "0.05"):
        model = tmp_path / f"tol{tol}.st"
        argv = ["train", "breast_cancer", "--layers", "8", "--lr", "0.001", "--quiet"]
        code, _, err = run(capsys, *argv, "--tol", tol, "--out", model)
        assert code == 0, err
        epochs[tol] = lw.io.read_metadata(model)["extra"]["training"]["epochs_run"]
    assert epochs["0.05"] < epochs["0"]
    code, _, err = run(capsys, "train", "breast_cancer", "--validation-split", "0", "--tol", "0.1")
    assert code == 2 and "--tol is early stopping's tolerance" in err
    code, _, err = run(capsys, "train", "breast_cancer", "--tol", "-1")
    assert code == 2 and "--tol" in err


# --------------------------------------------------------------------------- rough edges


def test_plot_dir_is_created_and_the_confusion_matrix_says_whose(capsys, tmp_path, monkeypatch):
    from layerwise import plot

    titles = []
    original = plot.confusion_matrix

    def recording(*args, **kwargs):
        titles.append(kwargs.get("title"))
        return original(*args, **kwargs)

    monkeypatch.setattr(plot, "confusion_matrix", recording)
    folder = tmp_path / "new" / "plots"
    code, _, err = run(capsys, "train", "moons", "--epochs", "3", "--quiet", "--plot-dir", folder)
    assert code == 0, err
    assert {p.name for p in folder.iterdir()} == {
        "cost_curve.png",
        "confusion_matrix.png",
        "decision_boundary.png",
    }
    n_val = round(400 * defaults.SMALL_VALIDATION_SPLIT)  # a small table
    assert titles == [f"Confusion matrix, validation rows ({n_val})"]
    code, *_ = run(
        capsys,
        "train",
        "moons",
        "--epochs",
        "2",
        "--quiet",
        "--validation-split",
        "0",
        "--plot-dir",
        folder,
    )
    assert code == 0 and titles[-1] == "Confusion matrix, all 400 rows"
    (tmp_path / "file").write_text("x")
    code, _, err = run(capsys, "train", "moons", "--plot-dir", tmp_path / "file" / "plots")
    assert code == 2 and "is a file, not a folder" in err


def test_decision_boundary_has_a_legend_of_the_classes():
    pytest.importorskip("matplotlib", reason="plots need the plot extra")
    from layerwise import plot

    X, Y = lw.datasets.spiral(seed=0)
    net = lw.Network([2, 8, 3], output="softmax", seed=0)
    fig = plot.decision_boundary(net, X, Y, class_names=["arm A", "arm B", "arm C"])
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["arm A", "arm B", "arm C"]
    with pytest.raises(ValueError, match="class_names has 2 names but the labels go up to 2"):
        plot.decision_boundary(net, X, Y, class_names=["a", "b"])


def test_output_into_a_closed_pipe_ends_quietly():
    command = f"{sys.executable} -m layerwise explain --dims 30,20,7,5,1 --examples 64 | head -n 1"
    env = {**os.environ, "PYTHONPATH": str(Path(lw.__file__).parents[1])}
    # a long output, so that the pipe closes while layerwise still writes
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; for i in 1 2 3; do {command}; done"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.stderr == ""
    assert result.stdout.startswith("The network: n = [30, 20, 7, 5, 1]")


def test_the_readme_command_table_lists_every_command():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    listed = {
        line.split("`")[1].split()[0] for line in readme.splitlines() if line.startswith("| `")
    }
    commands = set(build_parser()._subparsers._group_actions[0].choices)
    missing = commands - listed
    assert not missing, missing
    assert "export" in listed


def test_a_csv_with_scikit_learns_header_is_recognised(capsys, tmp_path):
    import sklearn.datasets

    bundled = Path(sklearn.datasets.__file__).parent / "data" / "iris.csv"
    shutil.copy(bundled, tmp_path / "iris.csv")
    table = load_table(tmp_path / "iris.csv")
    iris = sklearn.datasets.load_iris()
    np.testing.assert_array_equal(table.X, iris.data)
    assert table.y.tolist() == iris.target_names[iris.target].tolist()
    assert table.feature_names == ["x1", "x2", "x3", "x4"]
    code, out, _ = run(capsys, "train", tmp_path / "iris.csv", "--epochs", "2", "--quiet")
    assert code == 0 and "scikit-learn's n_samples,n_features header" in out
    lines = bundled.read_text().splitlines()
    (tmp_path / "short.csv").write_text("\n".join(lines[:-3]) + "\n")
    code, _, err = run(capsys, "train", tmp_path / "short.csv")
    assert code == 1
    assert "scikit-learn's 'n_samples,n_features,class names' header" in err
    assert "(150 rows of 4 features) but it has 147 rows" in err


def test_onnx_refuses_a_column_named_as_a_value_of_the_graph():
    pytest.importorskip("onnx", reason="onnx is in the test extra")
    frame = pd.DataFrame({"W1": [1.0, 2.0, 3.0], "colour": ["a", "b", "a"]})
    encoder = TableEncoder(min_frequency=1).fit(frame)
    net = lw.Network([len(encoder.feature_names_out_), 2, 1], seed=0)
    net.preprocessing = encoder.preprocessing_
    with pytest.raises(ValueError, match="column 'W1' has the name of a value inside the ONNX"):
        net.to_onnx()
    # the same table with another name exports, and the graph takes the raw columns
    encoder = TableEncoder(min_frequency=1).fit(frame.rename(columns={"W1": "width"}))
    net.preprocessing = encoder.preprocessing_
    model = net.to_onnx()
    assert [i.name for i in model.graph.input] == ["width", "colour"]
    assert {o.domain for o in model.opset_import} == {"", "ai.onnx.ml"}


# --------------------------------------------------------------------------- names and types


def test_repeated_column_names_are_refused_in_every_format(capsys, tmp_path):
    csv = tmp_path / "twice.csv"
    csv.write_text("a,b,a,target\n1,2,3,0\n4,5,6,1\n")  # pandas would call the second a.1
    npz_names = tmp_path / "names.npz"
    np.savez(npz_names, X=np.ones((4, 2)), feature_names=np.array(["a", "a"]), y=np.arange(4))
    npz_clash = tmp_path / "clash.npz"
    np.savez(npz_clash, X=np.ones((4, 2)), feature_names=np.array(["a", "y"]), y=np.arange(4))
    for path, name in ((csv, "a"), (npz_names, "a"), (npz_clash, "y")):
        code, out, err = run(capsys, "train", path, "--out", tmp_path / "m.st", *FAST)
        assert code == 1 and out == "" and not (tmp_path / "m.st").exists()
        assert (
            err.count("\n") == 1 and f"column named {name!r}" in err
        ) or f"named {name!r}" in err
        with pytest.raises(ValueError, match="unique"):
            load_table(path, require_target=False)


def test_ids_are_kept_as_written_when_one_is_blank(capsys, trained, tmp_path):
    new = pd.read_csv(trained / "new.csv")
    ids = [f"{i:03d}" for i in range(len(new))]  # zero-padded: not numbers as written
    ids[3] = ""
    new.insert(0, "id", ids)
    new.to_csv(tmp_path / "ids.csv", index=False)
    code, out, err = run(capsys, "predict", trained / "m.st", tmp_path / "ids.csv")
    assert code == 0, err
    rows = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert rows[:5] == ["000", "001", "002", "", "004"]
    assert rows[-1] == f"{len(new) - 1:03d}"


def test_true_false_where_training_saw_numbers_is_refused(capsys, trained, tmp_path):
    new = pd.read_csv(trained / "new.csv")
    new["year"] = new["year"] > 2008  # a number column in training, booleans now
    new.to_csv(tmp_path / "bools.csv", index=False)
    code, out, err = run(capsys, "predict", trained / "m.st", tmp_path / "bools.csv")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert "column 'year' holds True/False but was a number in training" in err


# --------------------------------------------------------------------------- hostile names, sizes


HOSTILE_COLUMNS = [
    lw.encoding.ColumnEncoding("size\x1b[2J\n", "number", fill=0.0),
    lw.encoding.ColumnEncoding("colour\x07", "category", categories=("red\x00", "blue\x1b]0;x")),
]
HOSTILE_CLASSES = ["yes\x1b[31m", "no\r\n"]


def metadata_of(path) -> dict:
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        return json.loads(f.metadata()["layerwise"])


def raw_controls(text: str) -> list[str]:
    """The characters a terminal would act on, besides the line ends the output is made of."""
    return [c for c in text if not c.isprintable() and c != "\n"]


@pytest.fixture
def hostile_model(tmp_path):
    net = lw.Network([3, 4, 1], seed=0)
    net.preprocessing = lw.preprocessing.Preprocessing(
        mean=np.zeros(3),
        scale=np.ones(3),
        columns=list(HOSTILE_COLUMNS),
        classes=list(HOSTILE_CLASSES),
        target="y\x1b[0m",
    )
    net.save(tmp_path / "hostile.st")
    return net, tmp_path / "hostile.st"


def test_no_raw_control_character_reaches_the_terminal(capsys, hostile_model, tmp_path):
    _, path = hostile_model
    code, out, err = run(capsys, "summary", path)
    assert code == 0 and raw_controls(out + err) == []
    assert "size\\x1b[2J\\n" in out and "red\\x00" in out and "yes\\x1b[31m, no\\r\\n" in out
    assert len(out.splitlines()) == len(run(capsys, "summary", path)[1].splitlines())
    code, out, err = run(capsys, "explain", path)
    assert code == 0 and raw_controls(out + err) == []
    # evaluate's confusion matrix: the labels come from the model (and the table's target)
    frame = pd.DataFrame(
        {
            "size\x1b[2J\n": [0.5, -1.0, 2.0, 0.1],
            "colour\x07": ["red\x00", "blue\x1b]0;x", "red\x00", "green"],
            "y\x1b[0m": [HOSTILE_CLASSES[0], HOSTILE_CLASSES[1]] * 2,
        }
    )
    frame.to_parquet(tmp_path / "hostile.parquet")
    code, out, err = run(capsys, "evaluate", path, tmp_path / "hostile.parquet")
    assert code == 0, err
    assert raw_controls(out + err) == [] and "yes\\x1b[31m" in out and "no\\r\\n" in out
    assert "colour\\x07: 'green' x1" in err  # the unseen-values warning names the column too
    # an error message repeats what it was given: a file name, escaped, on one line
    code, out, err = run(capsys, "predict", path, tmp_path / "no\x1b[2Jsuch\n.csv")
    assert code == 1 and out == "" and raw_controls(err) == [] and err.count("\n") == 1
    assert "no\\x1b[2Jsuch\\n.csv" in err
    pytest.importorskip("onnx", reason="export needs the onnx extra")
    code, out, err = run(capsys, "export", path, tmp_path / "hostile.onnx")
    assert code == 0, err
    assert raw_controls(out + err) == [] and "size\\x1b[2J\\n float32" in out


def test_repeated_labels_in_a_model_file_are_refused_by_predict(capsys, hostile_model, tmp_path):
    from safetensors.numpy import load_file, save_file

    _, path = hostile_model
    meta = metadata_of(path)
    meta["preprocessing"]["classes"] = [1, "1"]  # proba_1 twice: one column would vanish
    save_file(load_file(str(path)), str(path), metadata={"layerwise": json.dumps(meta)})
    frame = pd.DataFrame({"size\x1b[2J\n": [0.5], "colour\x07": ["red\x00"]})
    frame.to_parquet(tmp_path / "one.parquet")
    code, out, err = run(capsys, "predict", path, tmp_path / "one.parquet", "--proba")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "classes must name each output once" in err and "the same label" in err


def test_predict_with_a_million_categories_runs_in_bounded_memory(tmp_path):
    """The model's X for 2,000 rows would be 16 GB as one dense matrix; predict encodes a
    chunk of rows at a time. Probabilities against a forward pass written by hand (the
    one-hot X [n[0] = 10^6 + 1] times W[1] is a column of W[1] per row)."""
    k = 1_000_000
    columns = [
        lw.encoding.ColumnEncoding("word", "category", categories=tuple(f"w{i}" for i in range(k))),
        lw.encoding.ColumnEncoding("x", "number", fill=0.25),
    ]
    net = lw.Network([k + 1, 1], output="sigmoid", seed=0)
    net.preprocessing = lw.preprocessing.Preprocessing(columns=columns, classes=["no", "yes"])
    net.save(tmp_path / "big.st")
    rng = np.random.default_rng(1)
    words = rng.integers(0, k, 2000)
    words[-5:] = k + np.arange(5)  # never seen: all 0 (the column has no infrequent feature)
    x = rng.normal(size=2000)
    x[:3] = np.nan
    pd.DataFrame({"word": [f"w{i}" for i in words], "x": x}).to_csv(
        tmp_path / "rows.csv", index=False
    )
    script = (
        "import resource, sys; from layerwise.cli import main; "
        f"code = main(['predict', {str(tmp_path / 'big.st')!r}, {str(tmp_path / 'rows.csv')!r}, "
        f"'--proba', '--out', {str(tmp_path / 'p.csv')!r}]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    peak_kib = int(done.stdout.split()[-1])
    assert peak_kib < 1.5 * 2**20, f"peak RSS {peak_kib / 2**20:.2f} GiB"
    W, b = net.params["W1"][0], net.params["b1"][0, 0]
    seen = words < k
    z = np.where(seen, W[np.minimum(words, k - 1)], 0.0) + W[k] * np.where(np.isnan(x), 0.25, x) + b
    p = 1.0 / (1.0 + np.exp(-z))
    written = pd.read_csv(tmp_path / "p.csv")
    np.testing.assert_allclose(written["proba_yes"], p, rtol=1e-9, atol=1e-12)
    assert list(written["prediction"]) == ["yes" if v > 0.5 else "no" for v in p]
    assert "unseen in training" in done.stderr


def many_categories(m: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "cat": np.repeat([f"c{i}" for i in range(m // 5)], 5),
            "x": rng.normal(size=m),
            "target": rng.integers(0, 2, m),
        }
    )


def test_one_hot_matrices_too_large_for_memory_are_refused_before_allocating(
    capsys, tmp_path, monkeypatch
):
    from layerwise import _memory as memory

    many_categories().to_csv(tmp_path / "cats.csv", index=False)
    # all 300 rows train: 60 categories of 5 rows + x = 61 features of 8 bytes each
    monkeypatch.setattr(memory, "memory_budget", lambda: 100_000)
    # read into memory (--no-stream): with so little memory the table would otherwise stream
    every_row = ["--validation-split", "0", "--no-stream", "--out", tmp_path / "m.st"]
    code, out, err = run(capsys, "train", tmp_path / "cats.csv", *every_row)
    assert code == 1 and "Training:" not in out and not (tmp_path / "m.st").exists()
    assert err.count("\n") == 1 and "column 'cat' one-hot encodes into 60 features" in err
    assert "(61, 300) needs 146.4 kB (146400 bytes)" in err and "--drop cat" in err
    code, out, err = run(
        capsys, "train", tmp_path / "cats.csv", "--target", "cat", "--no-stream",
        "--out", tmp_path / "m.st",
    )  # fmt: skip
    assert code == 1 and "Training:" not in out and not (tmp_path / "m.st").exists()
    assert "target 'cat' has 60 classes" in err and "(60, 300) needs 144.0 kB" in err
    monkeypatch.setattr(memory, "memory_budget", lambda: 10**9)
    code, _, err = run(capsys, "train", tmp_path / "cats.csv", "--epochs", "2", "--quiet")
    assert code == 0, err


def test_numpys_unable_to_allocate_is_never_the_answer(capsys, tmp_path, monkeypatch):
    from layerwise.tables import TableEncoder

    def out_of_memory(self, frame, sample_weight=None):
        raise MemoryError("Unable to allocate 52.0 GiB for an array with shape (40000, 180000)")

    monkeypatch.setattr(TableEncoder, "fit", out_of_memory)
    many_categories().to_csv(tmp_path / "cats.csv", index=False)
    code, _, err = run(capsys, "train", tmp_path / "cats.csv")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("layerwise train: error: not enough memory (Unable to allocate 52.0")
    assert "--drop COL" in err


def test_a_model_header_that_would_be_too_large_is_found_before_training(
    capsys, tmp_path, monkeypatch
):
    from layerwise import io

    frame = many_categories(1200)
    frame["note"] = [f"a rare remark, number {i // 2:05d}" for i in range(1200)]  # twice each
    frame.to_csv(tmp_path / "notes.csv", index=False)
    monkeypatch.setattr(io, "MAX_HEADER_BYTES", io._HEADER_ROOM + 15_000)
    code, out, err = run(capsys, "train", tmp_path / "notes.csv", "--out", tmp_path / "m.st")
    assert code == 1 and "Training:" not in out and not (tmp_path / "m.st").exists()
    assert err.count("\n") == 1 and "column 'note' takes about" in err
    assert "rare values" in err and "--drop note" in err
    code, out, err = run(
        capsys,
        "train",
        tmp_path / "notes.csv",
        "--drop",
        "note",
        "--out",
        tmp_path / "m.st",
        "--epochs",
        "2",
        "--quiet",
    )
    assert code == 0, err
    assert lw.Network.load(tmp_path / "m.st").preprocessing is not None


def test_a_nameless_column_never_becomes_a_feature(capsys, tmp_path):
    many_categories().to_csv(tmp_path / "index.csv")  # the index under an empty header
    code, out, err = run(capsys, "train", tmp_path / "index.csv", "--out", tmp_path / "m.st")
    assert code == 1 and out == "" and not (tmp_path / "m.st").exists()
    assert "column 1 of" in err and "has no name (an empty header" in err
    assert "Unnamed" not in err


def test_a_models_own_statistics_are_blamed_not_the_data(capsys, trained, tmp_path):
    from safetensors.numpy import load_file, save_file

    def tampered(change) -> str:
        source = trained / "m.st"
        meta = metadata_of(source)
        change(meta["preprocessing"])
        path = tmp_path / "tampered.st"
        save_file(load_file(str(source)), str(path), metadata={"layerwise": json.dumps(meta)})
        return str(path)

    number = MEASURES.index("body_mass_g")

    def tiny_scale(pre):
        at = pre["feature_names"].index("body_mass_g")
        pre["scale"][at] = 1e-320

    code, out, err = run(capsys, "predict", tampered(tiny_scale), trained / "new.csv")
    assert code == 1 and out == "" and err.count("\n") == 1
    # refused at load (its fill is then infinitely many deviations from the mean), or at
    # predict (the standardization overflows): the model is named, never the data
    assert "'body_mass_g'" in err and "impute" not in err
    assert "the model's statistics are damaged" in err or "model's preprocessing turns" in err

    def huge_fill(pre):
        column = next(c for c in pre["columns"] if c["name"] == MEASURES[number])
        column["fill"] = 1e308

    code, out, err = run(capsys, "predict", tampered(huge_fill), trained / "new.csv")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "column 'body_mass_g': the model's statistics are damaged" in err
    assert "impute" not in err


def test_text_in_a_held_out_row_of_a_number_column_is_named(capsys, tmp_path):
    from layerwise.tables.steps import split_rows

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200).round(6), "target": rng.integers(0, 2, 200)})
    frame["x"] = frame["x"].astype(object)
    _, val = split_rows(200, defaults.SMALL_VALIDATION_SPLIT, 0)
    assert val is not None
    row = int(val[3])  # a held-out row: the encoder is fitted without it
    frame.loc[row, "x"] = "oops"
    frame.to_csv(tmp_path / "mixed.csv", index=False)
    code, out, err = run(capsys, "train", tmp_path / "mixed.csv", "--seed", "0")
    assert code == 1 and "Training:" not in out and err.count("\n") == 1
    assert f"'oops' at row {row}" in err and "column 'x'" in err
    assert "text ()" not in err


# --------------------------------------------------------------------------- predict's output


def _labelled(m: int, seed: int, labels: tuple[str, str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=m)
    return pd.DataFrame({"x": x, "label": np.where(x > 0, labels[1], labels[0])})


@pytest.mark.parametrize("id_name", ["prediction", "proba_a", "proba_b"])
def test_an_id_column_named_like_an_output_keeps_its_ids(tmp_path, capsys, id_name):
    train = _labelled(200, 0, ("a", "b"))
    train.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m.safetensors"
    code, _, err = run(
        capsys, "train", tmp_path / "train.csv", "--target", "label", "--epochs", "20",
        "--out", model, "--quiet",
    )  # fmt: skip
    assert code == 0, err
    test = _labelled(30, 1, ("a", "b")).drop(columns=["label"])
    ids = [f"row-{i}" for i in range(30)]
    test.insert(0, id_name, ids)
    test.to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "p.csv"
    code, _, err = run(
        capsys, "predict", model, tmp_path / "test.csv", "--id", id_name, "--proba", "--out", out
    )
    assert code == 0, err
    written = pd.read_csv(out)
    assert written[id_name].tolist() == ids  # the ids, untouched, in row order
    renamed = id_name + "_"
    assert renamed in written.columns
    assert f"{renamed!r}" in err and id_name in err
    labels = written["prediction" if id_name != "prediction" else "prediction_"]
    assert set(labels) <= {"a", "b"}
    proba = written[[c for c in written.columns if c.startswith("proba_") and c != id_name]]
    assert proba.shape == (30, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_prediction_files_hold_no_spreadsheet_formulas(tmp_path, capsys, suffix):
    labels = ("=HYPERLINK(1)", "@SUM(A1)")
    train = _labelled(200, 0, labels)
    train.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m.safetensors"
    code, _, err = run(
        capsys, "train", tmp_path / "train.csv", "--target", "label", "--epochs", "30",
        "--lr", "0.01", "--out", model, "--quiet",
    )  # fmt: skip
    assert code == 0, err
    test = _labelled(40, 1, labels).drop(columns=["label"])
    ids = ["+cmd|' /C calc'!A0", "-1.5", "-2", "=1+2", "\tx", *[f"r{i}" for i in range(35)]]
    test.insert(0, "key", ids)
    test.to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / f"p{suffix}"
    code, _, err = run(capsys, "predict", model, tmp_path / "test.csv", "--id", "key", "--out", out)
    assert code == 0, err
    sep = "," if suffix == ".csv" else "\t"
    written = pd.read_csv(out, sep=sep, dtype=str, keep_default_na=False)
    assert len(written) == 40
    # every text cell and header that would start a formula starts with ' instead;
    # plain numbers stay numbers
    expected_ids = ["'+cmd|' /C calc'!A0", "-1.5", "-2", "'=1+2", "'\tx", *ids[5:]]
    assert written["key"].tolist() == expected_ids
    assert set(written["prediction"]) <= {"'=HYPERLINK(1)", "'@SUM(A1)"}
    for cell in [*written.columns, *written.to_numpy().ravel()]:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
        if cell.startswith("-"):
            float(cell)  # a plain number
    # without --out, the same escaping on stdout
    code, shown, _ = run(capsys, "predict", model, tmp_path / "test.csv", "--id", "key")
    assert code == 0
    assert "\n'=1+2," in shown and "\n-1.5," in shown


def test_train_prints_a_notice_for_each_thing_it_did_by_itself(tmp_path, capsys):
    rng = np.random.default_rng(0)
    m = 200
    df = pd.DataFrame(
        {
            "rownames": np.arange(1, m + 1),
            "name": [f"person \x1b[31m{i}" for i in range(m)],
            "x": rng.normal(size=m),
        }
    )
    df["y"] = np.where(df["x"] > 0, "yes", "no")
    df.loc[[3, 9, 11], "y"] = None
    df.to_csv(tmp_path / "t.csv", index=False)
    code, out, err = run(capsys, "train", tmp_path / "t.csv", "--target", "y", "--epochs", "2")
    assert code == 0, err
    notices = [line for line in out.splitlines() if line.startswith("Notice: ")]
    assert len(notices) == 5, out
    assert "'rownames' left out" in notices[0] and "--keep rownames" in notices[0]
    assert "'name' left out" in notices[1] and "--keep name" in notices[1]
    assert "3 row(s) left out" in notices[2]
    assert "2 labels" in notices[3]
    assert "trained again on every row" in notices[4] and "197 rows" in notices[4]
    assert "\x1b" not in out  # names from the table are printed escaped
