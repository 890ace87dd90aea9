"""The command line, through ``main([...])``: exit codes, what it prints, the files it writes,
results equal to the Python API's, and one test per kind of bad input."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest

for _module in ("pandas", "safetensors", "sklearn"):
    pytest.importorskip(_module, reason="the command line's tests need the cli extra")

import pandas as pd  # noqa: E402
from safetensors import safe_open  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: E402
from sklearn.metrics import confusion_matrix as sk_confusion_matrix  # noqa: E402
from sklearn.metrics import r2_score as sk_r2_score  # noqa: E402

import layerwise as lw  # noqa: E402
from layerwise.cli import main  # noqa: E402
from layerwise.cli import train as cli_train  # noqa: E402
from layerwise.cli.report import EpochPrinter, make_callbacks  # noqa: E402

COMMANDS = ["train", "evaluate", "predict", "summary", "explain", "gradcheck", "demo", "datasets"]

# the settings every breast-cancer training below uses, on the command line and in Python
EPOCHS, LR, LAYERS = 4, 0.01, [8]
TRAIN_ARGS = [
    *("--layers", "8", "--epochs", str(EPOCHS), "--lr", str(LR), "--quiet"),
    *("--validation-split", "0", "--batch-size", "32"),  # every row, as the Python replica
]


def run(capsys, *argv):
    """main(argv) -> (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str, *parts: str) -> None:
    """stderr is a short message (no traceback) containing every part."""
    assert "Traceback" not in err
    assert 1 <= len(err.strip().splitlines()) <= 2, err
    for part in parts:
        assert part in err, (part, err)


def metadata_of(path):
    with safe_open(str(path), framework="np") as f:
        return json.loads(f.metadata()["layerwise"])


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A folder with bc.csv (written by `layerwise datasets`) and a model trained on it."""
    folder = tmp_path_factory.mktemp("cli")
    assert main(["datasets", "breast_cancer", "--out", str(folder / "bc.csv")]) == 0
    model = folder / "bc.safetensors"
    assert main(["train", str(folder / "bc.csv"), "--out", str(model), *TRAIN_ARGS]) == 0
    return folder


@pytest.fixture
def bc_csv(work):
    return work / "bc.csv"


@pytest.fixture
def model(work):
    return work / "bc.safetensors"


def python_api_breast_cancer():
    """The same training through the Python API, computed independently of the CLI: the
    labels from scikit-learn, standardization by hand."""
    bunch = load_breast_cancer()
    X = bunch.data.T  # (n[0], m)
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    X = X / np.sqrt(1 + (X / 3.0) ** 2)  # the table door's smooth clip at 3
    # the CLI sorts the labels: benign (0), malignant (1); scikit-learn's 0 is malignant
    Y = (bunch.target_names[bunch.target] == "malignant").astype(float)[None, :]
    net = lw.Network([30, *LAYERS, 1], hidden="relu", output="sigmoid", init="he", seed=0)
    net.fit(X, Y, epochs=EPOCHS, learning_rate=LR, batch_size=32, optimizer="adam")
    return net, X, Y


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert f"usage: layerwise {command}" in out


def test_train_help_states_the_encoding_and_the_defaults(capsys):
    _, out, _ = run(capsys, "train", "--help")
    for part in (
        "missing value -> the training median",
        "missing is a",
        "'(infrequent)' feature",
        "--drop COL",
        "m/1000 rounded down to a power of two",
        "early stopping ends training",
        "--validation-split 0 trains on every row",
    ):
        assert part in " ".join(out.split()), part


def test_no_command_prints_help_and_exits_2(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "COMMAND" in out


# --------------------------------------------------------------------------- train / evaluate


def test_train_evaluate_equal_the_python_api(capsys, bc_csv, model):
    net, X, Y = python_api_breast_cancer()
    expected = net.evaluate(X, Y)
    loaded = lw.Network.load(model)
    for key in loaded.params:
        np.testing.assert_allclose(loaded.params[key], net.params[key], rtol=1e-12, atol=1e-15)
    meta = metadata_of(model)
    assert meta["extra"]["metrics"]["train"]["accuracy"] == pytest.approx(expected["accuracy"])
    assert meta["extra"]["metrics"]["train"]["cost"] == pytest.approx(expected["cost"])
    assert meta["preprocessing"]["classes"] == ["benign", "malignant"]
    assert meta["preprocessing"]["clip"] == 3.0
    assert meta["extra"]["training"]["optimizer"] == "adam"

    code, out, err = run(capsys, "evaluate", model, bc_csv)
    assert code == 0, err
    assert f"accuracy  {expected['accuracy']:.6f}" in out
    assert f"cost      {expected['cost']:.6f}" in out
    pred = net.predict(X)[0]
    counts = sk_confusion_matrix(Y[0], pred, labels=[0, 1])
    assert f"benign               {counts[0, 0]:>3}  {counts[0, 1]:>9}" in out


def test_train_prints_the_plan_and_final_metrics(capsys, bc_csv, tmp_path):
    code, out, _ = run(
        capsys,
        "train",
        bc_csv,
        *("--out", tmp_path / "m.st", "--layers", "4", "--epochs", "3", "--validation-split", "0"),
    )
    assert code == 0
    assert "569 rows, 30 feature columns, target 'target'" in out
    assert "Encoding: 30 numeric -> n[0] = 30 features" in out
    assert "classes 'benign' (0), 'malignant' (1); output sigmoid" in out
    assert "Network: n = [30, 4, 1]" in out
    assert "epoch 3/3" in out  # the epoch lines when not on a terminal
    assert f"Saved the model to {tmp_path / 'm.st'}" in out


def test_train_multiclass_with_string_labels_and_float32(capsys, tmp_path):
    out_file = tmp_path / "iris.st"
    code, out, _ = run(
        capsys,
        "train",
        "iris",
        "--out",
        out_file,
        "--layers",
        "6",
        "--epochs",
        "30",
        "--lr",
        "0.05",
        "--dtype",
        "float32",
        "--quiet",
    )
    assert code == 0
    net = lw.Network.load(out_file)
    assert net.layer_dims == [4, 6, 3] and net.dtype == np.float32
    assert [g.name for g in net.activations] == ["relu", "softmax"]
    assert net.preprocessing.classes == ["setosa", "versicolor", "virginica"]
    code, out, _ = run(capsys, "evaluate", out_file, "iris")
    rows = [line for line in out.splitlines() if line.startswith(("setosa", "versicolor", "virg"))]
    assert sum(int(n) for line in rows for n in line.split()[1:]) == 150


def test_regression_r2_matches_scikit_learn(capsys, tmp_path):
    out_file = tmp_path / "d.st"
    code, out, _ = run(
        capsys,
        "train",
        "diabetes",
        "--out",
        out_file,
        "--layers",
        "8",
        "--epochs",
        "20",
        "--lr",
        "0.05",
        "--quiet",
    )
    assert code == 0 and "Task: regression; output linear, loss mse" in out
    code, out, _ = run(capsys, "predict", out_file, "diabetes", "--out", tmp_path / "p.csv")
    assert code == 0
    y = load_diabetes().target
    pred = pd.read_csv(tmp_path / "p.csv")["prediction"].to_numpy()
    _, out, _ = run(capsys, "evaluate", out_file, "diabetes")
    assert f"R²        {sk_r2_score(y, pred):.6f}" in out
    assert f"RMSE      {np.sqrt(np.mean((pred - y) ** 2)):.6g}" in out


def test_validation_split_and_early_stopping(capsys, bc_csv, tmp_path):
    out_file = tmp_path / "m.st"
    code, out, _ = run(
        capsys,
        "train",
        bc_csv,
        "--out",
        out_file,
        "--layers",
        "4",
        "--epochs",
        "200",
        "--lr",
        "0.05",
        "--validation-split",
        "0.25",
        "--early-stopping",
        "2",
        "--quiet",
    )
    assert code == 0
    training = metadata_of(out_file)["extra"]["training"]
    assert training["stop_reason"] == "early_stopping" and training["epochs_run"] < 200
    assert "Validation: " in out and "(142 rows)" in out and "(427 rows)" in out


def test_early_stopping_needs_a_validation_split(capsys, bc_csv, tmp_path):
    code, _, err = run(
        capsys,
        *("train", bc_csv, "--early-stopping", "3", "--validation-split", "0"),
        *("--out", tmp_path / "m.safetensors"),
    )
    assert code == 2
    one_error_line(err, "--early-stopping", "--validation-split")
    assert not (tmp_path / "m").exists()


def test_plots_are_written(capsys, tmp_path):
    code, _out, _ = run(
        capsys,
        "train",
        "moons",
        "--layers",
        "4",
        "--epochs",
        "3",
        "--quiet",
        "--plot-dir",
        tmp_path,
    )
    assert code == 0
    for name in ("cost_curve.png", "confusion_matrix.png", "decision_boundary.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- predict


def test_predict_equals_python_and_writes_csv(capsys, bc_csv, model, tmp_path):
    out_file = tmp_path / "pred.csv"
    code, out, _ = run(capsys, "predict", model, bc_csv, "--out", out_file, "--proba")
    assert code == 0 and "Wrote 569 predictions" in out
    got = pd.read_csv(out_file)
    assert list(got.columns) == ["row", "prediction", "proba_benign", "proba_malignant"]

    net = lw.Network.load(model)
    table = pd.read_csv(bc_csv)
    X = table[net.preprocessing.feature_names].to_numpy().T
    Xs = net.preprocessing.transform(X)
    labels = net.preprocessing.decode(net.predict(Xs))
    assert got["prediction"].tolist() == labels.tolist()
    np.testing.assert_array_equal(got["proba_malignant"].to_numpy(), net.predict_proba(Xs)[0])
    np.testing.assert_allclose(got["proba_benign"] + got["proba_malignant"], 1.0)
    assert got["row"].tolist() == list(range(569))


def test_predict_to_stdout_with_an_id_column_and_shuffled_columns(capsys, bc_csv, model, tmp_path):
    table = pd.read_csv(bc_csv).drop(columns="target").head(5)
    table = table[table.columns[::-1]]
    table.insert(0, "id", ["p1", "p2", "p3", "p4", "p5"])
    table.to_csv(tmp_path / "new.csv", index=False)
    code, out, _ = run(capsys, "predict", model, tmp_path / "new.csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "id,prediction" and lines[1].startswith("p1,") and len(lines) == 6
    _, full, _ = run(capsys, "predict", model, bc_csv)
    assert [line.split(",")[1] for line in lines[1:]] == [
        line.split(",")[1] for line in full.splitlines()[1:6]
    ]


def test_string_labels_and_a_text_column_train_raw(capsys, tmp_path):
    rng = np.random.default_rng(0)
    m = 60
    x = rng.standard_normal(m)
    colour = rng.choice(["red", "green"], m)
    label = np.where(x + (colour == "red") > 0.5, "sick", "healthy")
    raw = pd.DataFrame({"x": x, "colour": colour, "diagnosis": label})
    raw.to_csv(tmp_path / "raw.csv", index=False)
    code, out, err = run(
        capsys,
        *("train", tmp_path / "raw.csv", "--target", "diagnosis", "--out", tmp_path / "m.st"),
        *("--layers", "4", "--epochs", "40", "--lr", "0.05", "--quiet"),
    )
    assert code == 0, err
    assert "'healthy' (0), 'sick' (1)" in out and "1 numeric, 1 text -> n[0] = 3" in out
    pre = lw.Network.load(tmp_path / "m.st").preprocessing
    assert pre.feature_names == ["x", "colour=green", "colour=red"]
    code, out, _ = run(capsys, "predict", tmp_path / "m.st", tmp_path / "raw.csv")
    assert code == 0
    predicted = [line.split(",")[1] for line in out.splitlines()[1:]]
    assert set(predicted) <= {"healthy", "sick"} and len(predicted) == m


# --------------------------------------------------------------------------- summary, explain


def test_summary_of_layers_and_of_a_model(capsys, model):
    code, out, _ = run(
        capsys, "summary", "--dims", "2,4,1", "--hidden", "tanh", "--examples", "400"
    )
    assert code == 0
    assert "1  4     tanh     (4, 2)  (4, 1)  (4, 400)    12" in out
    assert "total parameters: 17" in out
    code, out, _ = run(capsys, "summary", model)
    assert code == 0
    assert "classes: benign, malignant" in out
    assert "input columns: 30, encoded as n[0] = 30 features" in out
    assert any(
        line.split()[:3] == ["mean", "radius", "number"] and line.rstrip().endswith("standardized")
        for line in out.splitlines()
    ), out
    assert "optimizer         adam" in out


def test_explain_fills_in_every_shape(capsys):
    code, out, _ = run(capsys, "explain", "--dims", "30,20,7,5,1")
    assert code == 0
    expected = [
        "Z[1] = W[1] A[0] + b[1]    (20, m) = (20, 30)(30, m) + (20, 1)",
        "A[4] = sigmoid(Z[4]) = Ŷ   (1, m)",
        "dZ[4] = A[4] − Y ",
        "dW[4] = 1/m dZ[4] A[3]ᵀ ",
        "(1, 5) = (1, m)(m, 5)",
        "dA[3] = W[4]ᵀ dZ[4] ",
        # errata 6: g[l]' of the layer's own Z[l], not of the next layer
        "dZ[1] = dA[1] * g[1]'(Z[1])",
        "dW[1] = 1/m dZ[1] A[0]ᵀ",
        "(20, 30) = (20, m)(m, 30)   (A[0] = X)",
        "db[1] = 1/m np.sum(dZ[1], axis=1, keepdims=True)",
    ]
    for line in expected:
        assert line in out, line
    assert "dA[0]" not in out


def test_explain_non_canonical_output_and_numbers(capsys):
    code, out, _ = run(
        capsys,
        "explain",
        "--dims",
        "2,3,2",
        "--hidden",
        "tanh",
        "--output",
        "tanh",
        "--examples",
        "50",
    )
    assert code == 0
    # a tanh output is no canonical pair: its loss is mse, and the chain rule is written out
    assert "loss mse" in out and "dA[2] = A[2] − Y" in out
    assert "dZ[2] = dA[2] * g[2]'(Z[2])" in out and "1 − a²" in out
    assert "(3, 50) = (3, 2)(2, 50) + (3, 1)" in out


@pytest.mark.parametrize(
    ("optimizer", "lines"),
    [
        (
            "adam",
            [
                "Update (Adam, β₁ = 0.9, β₂ = 0.999, ε = 1e-08, α = 0.01), for l = 1..3, one "
                "step per mini-batch of 64 examples",
                "vdW[l] := β₁ vdW[l] + (1 − β₁) dW[l]",
                "sdW[l] := β₂ sdW[l] + (1 − β₂) dW[l]²",
                "v̂dW[l] = vdW[l] / (1 − β₁ᵗ)",
                "W[l] := W[l] − α v̂dW[l] / (√ŝdW[l] + ε)",
            ],
        ),
        (
            "momentum",
            [
                "Update (momentum, β = 0.9, α = 0.01)",
                "vdW[l] := β vdW[l] + dW[l]",
                "W[l] := W[l] − α vdW[l]",
            ],
        ),
        (
            "rmsprop",
            ["Update (RMSprop, ρ = 0.9, ε = 1e-08, α = 0.01)", "W[l] := W[l] − α dW[l] / (√sdW[l]"],
        ),
        ("gd", ["Update (gradient descent, α = 0.01)", "one step per mini-batch of 64"]),
    ],
)
def test_explain_shows_the_update_rule_the_model_was_trained_with(
    capsys, bc_csv, tmp_path, optimizer, lines
):
    model = tmp_path / f"{optimizer}.st"
    argv = ["train", bc_csv, "--out", model, "--layers", "4,3", "--epochs", "2", "--quiet"]
    argv += ["--optimizer", optimizer, "--lr", "0.01", "--l2", "0.5", "--batch-size", "64"]
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    code, out, _ = run(capsys, "explain", model)
    assert code == 0
    for line in lines:
        assert line in out, (line, out)
    assert "with L2 regularization λ = 0.5: dW[l] gets + λ/m W[l]" in out
    others = {"adam": "Adam", "momentum": "momentum", "rmsprop": "RMSprop", "gd": "gradient"}
    for name, word in others.items():
        if name != optimizer:
            assert f"Update ({word}" not in out


def test_explain_without_a_model_is_gradient_descent(capsys):
    code, out, _ = run(capsys, "explain", "--dims", "2,3,1")
    assert code == 0
    assert "Update (gradient descent, learning rate α), for l = 1..2, one step per pass" in out
    assert "W[l] := W[l] − α dW[l]     b[l] := b[l] − α db[l]" in out


# --------------------------------------------------------------------------- gradcheck


def test_gradcheck_layers_passes(capsys):
    code, out, _ = run(capsys, "gradcheck", "--dims", "3,5,4,3", "--hidden", "tanh")
    assert code == 0
    assert "PASS" in out and "FAIL" not in out
    for key in ("dW1", "db1", "dW2", "db2", "dW3", "db3"):
        assert any(line.startswith(key) and line.endswith("ok") for line in out.splitlines())


def test_gradcheck_reports_fail_with_exit_1(capsys):
    code, out, _ = run(capsys, "gradcheck", "--dims", "2,3,1", "--threshold", "1e-30")
    assert code == 1 and "overall:" in out and "FAIL (worst: d" in out


def test_gradcheck_verdict_agrees_with_its_rows(capsys):
    # a threshold between the difference of all gradients together and the worst one's: the
    # worst row fails, and so must the verdict (it said PASS under a row that said FAIL)
    args = ("gradcheck", "--dims", "3,5,4,3", "--hidden", "tanh")
    code, out, _ = run(capsys, *args)
    lines = out.splitlines()
    rows = {line.split()[0]: float(line.split()[-2]) for line in lines if line.endswith(" ok")}
    overall = float(next(line for line in lines if line.startswith("overall:")).split()[1])
    worst = max(rows.values())
    assert code == 0 and len(rows) == 6 and overall < worst  # the rows spread around it
    threshold = (overall * worst) ** 0.5
    code, out, _ = run(capsys, *args, "--threshold", f"{threshold:.6e}")
    failing = [line.split()[0] for line in out.splitlines() if line.endswith("FAIL")]
    assert failing == [k for k, v in rows.items() if v >= threshold] != []
    verdict = next(line for line in out.splitlines() if line.startswith("overall:"))
    assert code == 1 and verdict.split()[2] == "FAIL"
    assert f"failed: {', '.join(failing)}" in verdict


def test_gradcheck_of_a_model_on_its_data_agrees_with_the_library(capsys, model, bc_csv):
    code, out, _ = run(capsys, "gradcheck", model, bc_csv, "--examples", "30", "--epsilon", "1e-4")
    net = lw.Network.load(model)
    table = pd.read_csv(bc_csv).head(30)
    X = net.preprocessing.transform(table[net.preprocessing.feature_names].to_numpy().T)
    Y = (table["target"] == "malignant").to_numpy(float)[None, :]
    expected = lw.gradient_check(X, Y, dict(net.params), net.activations, epsilon=1e-4, report=True)
    assert f"overall: {expected.difference:.3e}" in out
    assert code == (0 if max(expected.per_parameter.values()) < 1e-7 else 1)


def test_gradcheck_of_millions_of_parameters_checks_a_sample_and_says_so(capsys, monkeypatch):
    import layerwise.core.gradcheck as gradcheck

    forward, passes = gradcheck.forward, []

    def counted(*args, **kwargs):
        passes.append(1)
        if len(passes) > 1000:
            raise AssertionError("gradcheck perturbs every one of millions of parameters")
        return forward(*args, **kwargs)

    monkeypatch.setattr(gradcheck, "forward", counted)
    code, out, _ = run(capsys, "gradcheck", "--dims", "1000,2000,1", "--examples", "3")
    assert "checking 200 of the 2,004,001 parameters, drawn at random" in out
    assert "--sample K" in out and "overall:" in out
    assert len(passes) <= 1 + 2 * 205
    code, out, _ = run(capsys, "gradcheck", "--dims", "3,5,1", "--sample", "7")
    assert code == 0 and "checking 7 of the 26 parameters" in out
    code, out, _ = run(capsys, "gradcheck", "--dims", "3,5,1")
    assert code == 0 and "checking" not in out  # small networks: every parameter
    code, _, err = run(capsys, "gradcheck", "--dims", "3,5,1", "--sample", "none")
    assert code == 2 and "expected a positive integer or 'all'; Received: 'none'" in err


def test_gradcheck_needs_data_with_a_model(capsys, model):
    code, _, err = run(capsys, "gradcheck", model)
    assert code == 2
    one_error_line(err, "needs DATA")


# --------------------------------------------------------------------------- datasets, demo


def test_datasets_list_show_and_write(capsys, tmp_path):
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    assert "breast_cancer   569        30  2 classes" in out
    assert "diabetes" in out and "continuous" in out
    code, out, _ = run(capsys, "datasets", "iris")
    assert code == 0 and "setosa" in out
    code, _, _ = run(capsys, "datasets", "xor", "--out", tmp_path / "xor.csv")
    assert code == 0
    X, Y = lw.datasets.xor(seed=0)
    written = pd.read_csv(tmp_path / "xor.csv")
    np.testing.assert_array_equal(written[["x1", "x2"]].to_numpy(), X.T)
    np.testing.assert_array_equal(written["target"], Y[0])


def test_datasets_bad_name_and_suffix(capsys, tmp_path):
    code, _, err = run(capsys, "datasets", "mnist")
    assert code == 2
    one_error_line(err, "unknown data set 'mnist'", "digits")
    code, _, err = run(capsys, "datasets", "iris", "--out", tmp_path / "iris.json")
    assert code == 2
    one_error_line(err, "suffix must be .csv, .tsv or .parquet")
    assert not (tmp_path / "iris.json").exists()


def test_demo_still_works(capsys):
    code, out, _ = run(capsys, "demo", "--epochs", "20", "--no-plot", "--quiet")
    assert code == 0 and "Training accuracy, 4 hidden units" in out


# --------------------------------------------------------------------------- progress


def test_progress_bar_only_on_a_terminal(monkeypatch):
    from argparse import Namespace

    from layerwise.training.callbacks import ProgressBar

    args = Namespace(quiet=False, epochs=20)
    assert isinstance(make_callbacks(args)[0], EpochPrinter)  # pytest's stderr is no tty
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    bars = make_callbacks(args)
    assert isinstance(bars[0], ProgressBar)
    bars[0].on_train_end()
    assert make_callbacks(Namespace(quiet=True, epochs=20)) == []


def test_ctrl_c_saves_the_model_and_says_so(capsys, monkeypatch, bc_csv, tmp_path):
    class CtrlCAtEpoch3:
        def on_epoch_end(self, epoch, logs):
            if epoch == 2:
                os.kill(os.getpid(), signal.SIGINT)  # what a Ctrl-C sends

    monkeypatch.setattr(cli_train, "make_callbacks", lambda args: [CtrlCAtEpoch3()])
    out_file = tmp_path / "m.st"
    code, _out, err = run(
        capsys, "train", bc_csv, "--out", out_file, "--epochs", "50", "--layers", "4"
    )
    assert code == 130
    assert "Interrupted (Ctrl-C) after 3 completed epoch(s) of 50" in err
    assert f"saved to {out_file}" in err
    meta = metadata_of(out_file)["extra"]["training"]
    assert meta["stop_reason"] == "interrupted" and meta["epochs_run"] == 3
    lw.Network.load(out_file)  # a complete, valid file


# --------------------------------------------------------------------------- bad input


def test_missing_data_file(capsys, tmp_path):
    code, _, err = run(capsys, "train", tmp_path / "nope.csv", "--out", tmp_path / "m.st")
    assert code == 1
    one_error_line(err, "layerwise train: error: no such file:", "nope.csv")
    assert not (tmp_path / "m.st").exists()


def test_empty_data_file(capsys, tmp_path):
    (tmp_path / "empty.csv").write_text("")
    code, _, err = run(capsys, "train", tmp_path / "empty.csv")
    assert code == 1
    one_error_line(err, "empty.csv is empty")


def test_unknown_format(capsys, tmp_path):
    (tmp_path / "data.xlsx").write_bytes(b"PK\x03\x04")
    code, _, err = run(capsys, "train", tmp_path / "data.xlsx")
    assert code == 1
    one_error_line(err, "unknown format '.xlsx'", ".csv, .tsv, .parquet, .npz, .npy")


def test_target_column_that_does_not_exist_lists_the_columns(capsys, bc_csv):
    code, _, err = run(capsys, "train", bc_csv, "--target", "diagnosis")
    assert code == 1
    one_error_line(err, "target column 'diagnosis' is not in", "'mean radius', 'mean texture'")


def test_missing_targets_left_out_missing_features_filled_and_drop_missing(capsys, tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0] * 5, "y": [0, 1] * 10})
    frame.loc[5, "y"] = np.nan
    frame.to_csv(tmp_path / "m.csv", index=False)
    code, out, err = run(
        capsys, "train", tmp_path / "m.csv", "--out", tmp_path / "m.st", "--epochs", "2"
    )
    assert code == 0, err
    assert "(CSV): 19 rows" in out  # the row without a target is left out
    assert metadata_of(tmp_path / "m.st")["extra"]["training"]["rows"] == 19
    frame.loc[5, "y"] = 1
    frame.to_csv(tmp_path / "filled.csv", index=False)
    code, out, err = run(
        capsys, "train", tmp_path / "filled.csv", "--quiet", "--epochs", "2", "--layers", "3"
    )
    assert code == 0, err
    assert "20 rows, 1 feature columns" in out and "1 with missing values -> n[0] = 2" in out
    code, out, _ = run(
        capsys,
        "train",
        tmp_path / "m.csv",
        "--drop-missing",
        "--quiet",
        "--epochs",
        "2",
        "--layers",
        "3",
    )
    assert code == 0 and "14 rows, 6 with missing values dropped" in out
    assert "n[0] = 1 features" in out  # no missing value left: no indicator


def test_single_class(capsys, tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": ["yes"] * 3}).to_csv(tmp_path / "s.csv", index=False)
    code, _, err = run(capsys, "train", tmp_path / "s.csv")
    assert code == 1
    one_error_line(err, "single class ('yes') in all 3 rows")


def test_feature_column_missing_or_extra_at_predict_time(capsys, bc_csv, model, tmp_path):
    table = pd.read_csv(bc_csv)
    table.drop(columns=["mean area"]).to_csv(tmp_path / "less.csv", index=False)
    out_file = tmp_path / "p.csv"
    code, _, err = run(capsys, "predict", model, tmp_path / "less.csv", "--out", out_file)
    assert code == 1
    one_error_line(err, "lacks the feature column(s) 'mean area'")
    table.assign(colour=1.0).to_csv(tmp_path / "more.csv", index=False)
    code, _, err = run(capsys, "predict", model, tmp_path / "more.csv", "--out", out_file)
    assert code == 1
    one_error_line(err, "column(s) 'colour' that were not features")
    assert not out_file.exists()


def test_existing_output_is_not_damaged_on_error(capsys, model, tmp_path):
    out_file = tmp_path / "p.csv"
    out_file.write_text("precious\n")
    code, _, _ = run(capsys, "predict", model, tmp_path / "nope.csv", "--out", out_file)
    assert code == 1 and out_file.read_text() == "precious\n"


def test_a_model_file_that_is_not_one(capsys, bc_csv, tmp_path):
    code, _, err = run(capsys, "evaluate", bc_csv, bc_csv)
    assert code == 1
    one_error_line(err, "layerwise evaluate: error:", str(bc_csv))
    (tmp_path / "none.st").write_bytes(b"\x00" * 3)
    code, _, err = run(capsys, "predict", tmp_path / "none.st", bc_csv)
    assert code == 1
    one_error_line(err, "not a layerwise model file")


def test_labels_unknown_to_the_model(capsys, model, bc_csv, tmp_path):
    table = pd.read_csv(bc_csv).head(10)
    table.loc[3, "target"] = "unsure"
    table.to_csv(tmp_path / "odd.csv", index=False)
    code, _, err = run(capsys, "evaluate", model, tmp_path / "odd.csv")
    assert code == 1
    one_error_line(err, "'unsure' were not among the classes", "'benign', 'malignant'")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "iris", "--layers", "20,x,5"], "argument --layers: expected comma-separated"),
        (["train", "iris", "--layers", "20,0"], "argument --layers: expected positive integers"),
        (["summary", "--dims", "3"], "--dims needs at least n[0] (inputs) and n[L]"),
        (["summary", "--layers", "2,4,1"], "give all the sizes n[0],...,n[L] with --dims"),
        (["explain", "--layers", "2,4,1"], "--layers is train's option for the hidden sizes"),
        (["gradcheck", "--layers", "2,4,1"], "with --dims (e.g. --dims 2,4,1)"),
        (["train", "iris", "--dims", "4,8,3"], "train takes the hidden sizes with --layers"),
        (["train", "iris", "--early-stopping", "-1"], "--early-stopping: expected an integer >="),
        (["train", "iris", "--epochs", "0"], "argument --epochs: expected a positive integer"),
        (["train", "iris", "--lr", "-0.1"], "argument --lr: expected a positive number"),
        (["train", "iris", "--lr", "nan"], "argument --lr: expected a positive number"),
        (["train", "iris", "--batch-size", "2.5"], "argument --batch-size: expected a positive"),
        (["train", "iris", "--l2", "-1"], "argument --l2: expected a number >= 0"),
        (["train", "iris", "--dropout", "0"], "argument --dropout: expected the keep probab"),
        (["train", "iris", "--validation-split", "1"], "--validation-split: expected a fraction"),
        (["train", "iris", "--validation-split", "-0.1"], "--validation-split: expected a frac"),
        (["train", "iris", "--seed", "-3"], "argument --seed: expected a seed"),
        (["train", "iris", "--optimizer", "lbfgs"], "argument --optimizer: invalid choice"),
        (["summary"], "give a MODEL file or --dims"),
    ],
)
def test_malformed_and_out_of_range_arguments(capsys, argv, message):
    code, _out, err = run(capsys, *argv)
    assert code == 2
    one_error_line(err, message)


def test_output_folder_that_does_not_exist(capsys, model, tmp_path):
    missing = tmp_path / "no" / "such"
    for argv in (
        ["train", "iris", "--out", missing / "m.st"],
        ["predict", model, "iris", "--out", missing / "p.csv"],
        ["datasets", "iris", "--out", missing / "iris.csv"],
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2
        one_error_line(err, str(tmp_path / "no"))
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "lr, epochs",
    [("3", "30"), ("100", "100")],  # a cost that grows a millionfold; one that overflows
    ids=["blows-up", "overflows"],
)
def test_diverging_training_writes_nothing(capsys, tmp_path, lr, epochs):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, _, err = run(
        capsys,
        "train",
        "diabetes",
        "--optimizer",
        "gd",
        "--lr",
        lr,
        "--epochs",
        epochs,
        "--out",
        out_dir / "m.st",
        "--quiet",
        "--plot-dir",
        out_dir,
    )
    assert code == 1
    one_error_line(
        err, "diverged in epoch", "the cost became", "smaller --lr than", "nothing was written"
    )
    assert list(out_dir.iterdir()) == []


def test_a_learning_rate_of_a_million_exits_non_zero_and_writes_no_model(bc_csv, tmp_path, capsys):
    out = tmp_path / "m.st"
    code, _, err = run(
        capsys, "train", bc_csv, "--lr", "1e6", "--epochs", "20", "--out", out, "--quiet"
    )
    assert code == 1 and not out.exists()
    one_error_line(err, "training diverged", "a smaller --lr than 1e+06", "nothing was written")


def test_output_linear_needs_a_numeric_target(capsys):
    code, _, err = run(capsys, "train", "iris", "--output", "linear")
    assert code == 1
    one_error_line(err, "--output linear (regression) needs a numeric target")


def test_sigmoid_for_more_than_two_classes(capsys):
    code, _, err = run(capsys, "train", "iris", "--output", "sigmoid")
    assert code == 1
    one_error_line(err, "--output sigmoid is for two classes", "has 3")


def test_proba_for_a_regression_model(capsys, tmp_path):
    assert (
        main(["train", "diabetes", "--out", str(tmp_path / "d.st"), "--epochs", "1", "--quiet"])
        == 0
    )
    capsys.readouterr()
    code, _, err = run(capsys, "predict", tmp_path / "d.st", "diabetes", "--proba")
    assert code == 2
    one_error_line(err, "--proba needs a classifier")


def test_a_model_saved_from_python_without_preprocessing(capsys, tmp_path):
    X, Y = lw.datasets.xor(m=80, seed=0)
    net = lw.Network([2, 6, 1], hidden="tanh", seed=0, init="xavier")
    net.fit(X, Y, epochs=300, learning_rate=0.5)
    net.save(tmp_path / "py.st")
    pd.DataFrame({"u": X[0], "v": X[1], "target": Y[0]}).to_csv(tmp_path / "x.csv", index=False)
    code, out, _ = run(capsys, "evaluate", tmp_path / "py.st", tmp_path / "x.csv")
    assert code == 0
    assert f"accuracy  {net.evaluate(X, Y)['accuracy']:.6f}" in out
    code, out, _ = run(capsys, "predict", tmp_path / "py.st", tmp_path / "x.csv")
    assert [int(line.split(",")[1]) for line in out.splitlines()[1:]] == net.predict(X)[0].tolist()
    pd.DataFrame({"u": X[0], "target": Y[0]}).to_csv(tmp_path / "one.csv", index=False)
    code, _, err = run(capsys, "evaluate", tmp_path / "py.st", tmp_path / "one.csv")
    assert code == 1
    one_error_line(err, "has 1 feature columns but the model takes n[0] = 2")


def test_gradcheck_of_a_softmax_model(capsys, tmp_path):
    assert (
        main(
            [
                "train",
                "iris",
                "--out",
                str(tmp_path / "i.st"),
                "--epochs",
                "2",
                "--quiet",
                "--hidden",
                "tanh",
                "--layers",
                "5",
            ]
        )
        == 0
    )
    capsys.readouterr()
    code, out, _ = run(capsys, "gradcheck", tmp_path / "i.st", "iris", "--examples", "15")
    assert code == 0 and "PASS" in out and "first 15 rows of iris" in out


def test_export_writes_an_onnx_graph_that_agrees(capsys, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime", reason="onnx is in the test extra")
    model, onnx_file = tmp_path / "m.safetensors", tmp_path / "m.onnx"
    code, _, _ = run(capsys, "train", "iris", "--out", model, "--epochs", "20", "--quiet")
    assert code == 0
    code, out, err = run(capsys, "export", model, onnx_file)
    assert code == 0, err
    assert "one input per column, [N, 1] each (sepal length (cm) float32" in out
    from sklearn.datasets import load_iris

    bunch = load_iris()
    X = bunch.data.astype(np.float32)
    session = onnxruntime.InferenceSession(str(onnx_file))
    assert [i.name for i in session.get_inputs()] == bunch.feature_names
    proba, labels = session.run(
        None, {name: X[:, [j]] for j, name in enumerate(bunch.feature_names)}
    )
    net = lw.Network.load(model)
    expected = net.predict_proba(net.preprocessing.transform(X.T.astype(np.float64))).T
    np.testing.assert_allclose(proba, expected, atol=1e-5)
    # labels come back as the original class names stored in the model
    np.testing.assert_array_equal(labels, net.preprocessing.decode(expected.argmax(axis=1)))


def test_export_of_a_missing_model_is_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "export", tmp_path / "nope.safetensors", tmp_path / "m.onnx")
    assert code == 1
    one_error_line(err, "nope.safetensors", "no such model file")
    assert not (tmp_path / "m.onnx").exists()


# --------------------------------------------------------------------------- --sample-weight


def test_weight_column_equals_repeated_rows(capsys, tmp_path):
    """A weight column of integers trains the model the repeated rows train (full-batch
    descent, standardization weighted too), and is not a feature."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.standard_normal((40, 3)), columns=["a", "b", "c"])
    df["target"] = (df["a"] + df["b"] > 0).astype(int)
    df["w"] = rng.integers(0, 4, 40)
    df.loc[0, "w"] = 2
    df.to_csv(tmp_path / "weighted.csv", index=False)
    df.loc[df.index.repeat(df["w"])].drop(columns="w").to_csv(
        tmp_path / "repeated.csv", index=False
    )
    common = ["--layers", "4", "--epochs", "20", "--optimizer", "gd", "--lr", "0.5", "--quiet"]
    common += ["--validation-split", "0"]
    code, out, err = run(
        capsys,
        "train",
        tmp_path / "weighted.csv",
        "--sample-weight",
        "w",
        "--out",
        tmp_path / "w.st",
        *common,
    )
    assert code == 0, err
    assert "3 features" in out and "column 'w' weights the rows (not a feature)" in out
    code, _, err = run(
        capsys, "train", tmp_path / "repeated.csv", "--out", tmp_path / "r.st", *common
    )
    assert code == 0, err
    weighted, repeated = lw.Network.load(tmp_path / "w.st"), lw.Network.load(tmp_path / "r.st")
    for key in weighted.params:
        np.testing.assert_allclose(weighted.params[key], repeated.params[key], rtol=1e-10)
    np.testing.assert_allclose(weighted.preprocessing.mean, repeated.preprocessing.mean)
    meta_w, meta_r = metadata_of(tmp_path / "w.st"), metadata_of(tmp_path / "r.st")
    assert meta_w["extra"]["training"]["sample_weight"] == "w"
    assert meta_w["extra"]["metrics"]["train"]["cost"] == pytest.approx(
        meta_r["extra"]["metrics"]["train"]["cost"], rel=1e-10
    )


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("weight", None, "weight column 'weight' is not in"),
        ("target", None, "column 'target' cannot be both the target and the weights"),
        ("w", ["x"] * 5, "weight column 'w' of"),
        ("w", [1, 1, -2, 1, 1], "weight column 'w' holds -2 at row 2 (line 4 of"),
        ("w", [0, 0, 0, 0, 0], "weight column 'w' of"),
    ],
    ids=["absent", "target", "text", "negative", "all-zero"],
)
def test_bad_weight_columns_are_named(capsys, tmp_path, column, values, message):
    df = pd.DataFrame({"a": [0.1, 0.5, 0.2, 0.9, 0.3], "target": [0, 1, 0, 1, 1]})
    if values is not None:
        df["w"] = values
    df.to_csv(tmp_path / "d.csv", index=False)
    code, _out, err = run(capsys, "train", tmp_path / "d.csv", "--sample-weight", column)
    assert code == 1  # a problem with the data, as for the other columns
    one_error_line(err, message)


# --------------------------------------------------------------------------- outputs


@pytest.fixture
def own_copy(work, tmp_path):
    """A private copy of the table and the model, which a failed check must leave as they are."""
    data, model = tmp_path / "bc.csv", tmp_path / "bc.safetensors"
    data.write_bytes((work / "bc.csv").read_bytes())
    model.write_bytes((work / "bc.safetensors").read_bytes())
    return data, model


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_an_output_that_is_an_input_is_refused_before_any_work(own_copy, tmp_path, capsys, link):
    data, model = own_copy
    before = {p: p.read_bytes() for p in (data, model)}

    def alias(target):
        if link == "same":
            return target
        other = tmp_path / f"alias-{target.name}"
        if not other.exists():
            (os.symlink if link == "symlink" else os.link)(target, other)
        return other

    cases = [
        (["train", data, "--out", alias(data), *TRAIN_ARGS], "--out", "DATA"),
        (["predict", model, data, "--out", alias(data)], "--out", "DATA"),
        (["predict", model, data, "--out", alias(model)], "--out", "MODEL"),
        (["export", model, alias(model)], "OUT", "MODEL"),
    ]
    for argv, option, what in cases:
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        one_error_line(err, option, f"is the {what} itself")
        for path, content in before.items():
            assert path.read_bytes() == content, f"{argv[0]} changed {path.name}"


def test_a_plot_that_would_overwrite_an_input_is_refused(own_copy, tmp_path, capsys):
    data, model = own_copy
    plots = tmp_path / "plots"
    plots.mkdir()
    renamed = plots / "confusion_matrix.png"
    renamed.write_bytes(data.read_bytes())  # the data table, under a plot's name
    code, _, err = run(capsys, "evaluate", model, renamed, "--plot-dir", plots)
    assert code == 2
    one_error_line(err, "--plot-dir", "is the DATA itself")
    assert renamed.read_bytes() == data.read_bytes()


@pytest.mark.skipif(
    not os.path.isdir("/proc"), reason="needs /proc, a folder no file can be made in"
)
def test_an_unwritable_output_folder_is_found_before_training(own_copy, capsys):
    data, _ = own_copy
    code, out, err = run(capsys, "train", data, "--out", "/proc/model.safetensors", *TRAIN_ARGS)
    assert code == 2 and "Training" not in out
    one_error_line(err, "--out /proc/model.safetensors", "cannot be written")
    code, out, err = run(capsys, "train", data, "--plot-dir", "/proc", *TRAIN_ARGS)
    assert code == 2 and "Training" not in out
    one_error_line(err, "--plot-dir /proc", "cannot be written")


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("command", ["summary", "explain"])
def test_a_design_too_large_to_allocate_is_described_all_the_same(capsys, command):
    dims = [100_000, 100_000, 100_000, 100_000]
    code, out, err = run(capsys, command, "--dims", ",".join(map(str, dims)))
    assert code == 0 and err == ""
    assert "(100000, 100000)" in out
    if command == "summary":
        total = sum(dims[l] * dims[l - 1] + dims[l] for l in range(1, len(dims)))
        assert f"total parameters: {total} (240.0 GB)" in out


def test_training_a_layer_too_large_for_memory_says_how_many_bytes(bc_csv, tmp_path, capsys):
    out_file = tmp_path / "m.safetensors"
    code, _, err = run(capsys, "train", bc_csv, "--layers", "200000,200000", "--out", out_file)
    assert code == 1 and not out_file.exists()
    dims = [30, 200_000, 200_000, 1]  # n[0] from the table's 30 features, one sigmoid output
    n_params = sum(dims[l] * dims[l - 1] + dims[l] for l in range(1, len(dims)))
    one_error_line(err, f"n = {dims} needs", f"({3 * 8 * n_params} bytes) of memory, but only")


def test_huge_finite_features_train_into_a_model_that_loads(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"big": rng.standard_normal(200) * 1e300, "x": rng.standard_normal(200)})
    frame["target"] = (frame["big"] > 0).astype(int)
    frame.to_csv(tmp_path / "big.csv", index=False)
    model = tmp_path / "big.safetensors"
    code, _, err = run(capsys, "train", tmp_path / "big.csv", "--out", model, *TRAIN_ARGS)
    assert code == 0, err
    net = lw.Network.load(model)
    assert np.isfinite(net.preprocessing.scale).all()
    expected = (frame["big"] / 1e300).std(ddof=0) * 1e300  # pandas on the unscaled overflows
    assert net.preprocessing.scale[0] == pytest.approx(expected, rel=1e-12)
    code, out, _ = run(capsys, "evaluate", model, tmp_path / "big.csv")
    assert code == 0 and "accuracy" in out
