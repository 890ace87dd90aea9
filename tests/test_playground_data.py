"""The playground's data without a server: the inputs made of x1 and x2, the regression and
three-class data sets, a CSV file of one's own with every refusal, weight edits, and the
script that reproduces runs on them."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import layerwise as lw
from layerwise.playground import data
from layerwise.playground.run import Run
from layerwise.playground.session import Session
from layerwise.playground.settings import Settings, SettingsError, update_settings
from layerwise.playground.snippet import Edit
from layerwise.playground.upload import MAX_BYTES, MAX_CLASSES, UploadError, parse_csv

# --------------------------------------------------------------------------- inputs


def test_every_feature_is_its_formula_and_the_script_line_computes_the_same():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(2, 50))
    x1, x2 = X
    expected = {
        "x1": x1,
        "x2": x2,
        "x1^2": x1 * x1,
        "x2^2": x2 * x2,
        "x1x2": x1 * x2,
        "sin_x1": np.sin(x1),
        "sin_x2": np.sin(x2),
    }
    names = tuple(data.FEATURES)
    A0 = data.inputs(X, names)
    assert A0.shape == (7, 50)
    for row, name in zip(A0, names):
        np.testing.assert_allclose(row, expected[name], rtol=1e-15)
    scope: dict[str, Any] = {"np": np, "X": X}
    exec("\n".join(data.feature_lines(names)), scope)
    np.testing.assert_array_equal(scope["X"], A0)
    assert data.feature_lines(("x1", "x2")) == []  # the plain inputs need no line


def test_features_are_checked_and_set_n0_in_their_own_order():
    s = update_settings(Settings(), {"features": "sin_x2, x1^2,x1"})
    assert s.features == ("x1", "x1^2", "sin_x2")
    assert s.layer_dims == [3, 4, 1]
    assert s.to_json()["features"] == "x1,x1^2,sin_x2"
    for bad in ("", "x3", "x1,x1", ["x1", 2], 7):
        with pytest.raises(SettingsError) as info:
            update_settings(Settings(), {"features": bad})
        assert info.value.field == "features" and "features is a comma-separated" in str(info.value)


def test_show_test_is_a_flag():
    assert update_settings(Settings(), {"show_test": "false"}).show_test is False
    assert update_settings(Settings(), {"show_test": True}).show_test is True
    with pytest.raises(SettingsError, match="show_test is true or false"):
        update_settings(Settings(), {"show_test": "maybe"})


# --------------------------------------------------------------------------- data sets


def test_the_surfaces_are_their_formulas():
    X, Y = data.sine(m=200, noise=0.0, seed=4)
    assert X.shape == (2, 200) and Y.shape == (1, 200)
    np.testing.assert_allclose(Y[0], np.sin(X[0]) * np.cos(X[1]))
    X, Y = data.plane(m=100, noise=0.0, seed=4)
    np.testing.assert_allclose(Y[0], (X[0] - 2 * X[1]) / 3)
    assert (np.abs(X) <= 3).all()


@pytest.mark.parametrize(
    ("dataset", "task", "dims", "output", "loss"),
    [
        ("sine", "regression", [3, 4, 1], "linear", "mse"),
        ("blobs3", "multiclass", [3, 4, 3], "softmax", "categorical_crossentropy"),
        ("moons", "binary", [3, 4, 1], "sigmoid", "binary_crossentropy"),
    ],
)
def test_a_run_builds_the_network_of_its_task(dataset, task, dims, output, loss):
    s = update_settings(Settings(), {"dataset": dataset, "features": "x1,x2,x1x2"})
    run = Run(s, 1)
    assert run.task == task and run.net.layer_dims == dims
    assert run.net.activations[-1].name == output and run.net.loss.name == loss
    assert run.A0.shape == (3, 400)
    np.testing.assert_array_equal(run.A0[2], run.X[0] * run.X[1])
    if task == "multiclass":
        np.testing.assert_array_equal(run.Y.argmax(axis=0), run.labels[0])  # one-hot
        assert run.Y.sum(axis=0).tolist() == [1.0] * 400
    frame = run.frame()
    if task == "regression":
        assert frame["accuracy"] is None and isinstance(frame["r2"], float)
    else:
        assert frame["r2"] is None and 0 <= frame["accuracy"] <= 1
    assert len(frame["unit_range"]) == 2 and len(frame["output_units"]) == dims[-1]


def test_the_multiclass_boundary_is_the_likeliest_class():
    s = update_settings(Settings(), {"dataset": "blobs3"})
    run = Run(s, 1)
    frame = run.frame()
    classes = np.frombuffer(__import__("base64").b64decode(frame["boundary"]), np.uint8)
    expected = run.net.predict_proba(run.grid).argmax(axis=0)
    np.testing.assert_array_equal(classes, expected)


# --------------------------------------------------------------------------- CSV files


def csv_text(rows: int = 30, label: Callable[[int], str] = lambda i: "ab"[i % 2]) -> str:
    lines = ["height,weight,city,kind"]
    lines += [f"{1.5 + i / 100},{60 + (i * 7) % 13},{'xyz'[i % 3]},{label(i)}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def test_a_csv_file_is_read_with_its_numeric_columns_and_classes():
    table = parse_csv(csv_text())
    assert table.columns == ["height", "weight", "city", "kind"]
    assert table.numeric == ["height", "weight"] and table.rows == 30
    assert table.defaults() == (("height", "weight"), "kind")
    X, Y, task, classes = table.select(("weight", "height"), "kind")
    height = np.array([1.5 + i / 100 for i in range(30)])
    np.testing.assert_allclose(X[1], (height - height.mean()) / height.std())  # standardized
    np.testing.assert_allclose([X.mean(axis=1), X.std(axis=1)], [[0, 0], [1, 1]], atol=1e-12)
    assert task == "binary" and classes == ["a", "b"]
    assert Y[0].tolist() == [float(i % 2) for i in range(30)]
    _, Y, task, classes = table.select(("height", "weight"), "city")
    assert task == "multiclass" and classes == ["x", "y", "z"]
    assert Y[0].tolist() == [float(i % 3) for i in range(30)]


def test_a_numeric_label_is_classes_when_few_and_whole_and_a_target_otherwise():
    lines = ["a;b;c;d"] + [f"{i};{i * i % 7};{i % 3};{i / 3}" for i in range(20)]
    table = parse_csv("\n".join(lines))  # semicolons, as some spreadsheets write
    _, Y, task, classes = table.select(("a", "b"), "c")
    assert task == "multiclass" and classes == ["0", "1", "2"]
    _, Y, task, classes = table.select(("a", "b"), "d")
    assert task == "regression" and classes == []
    np.testing.assert_allclose(Y[0], [i / 3 for i in range(20)])


def test_a_file_without_a_header_gets_column_names():
    table = parse_csv("\n".join(f"{i},{-i},{i % 2}" for i in range(12)))
    assert table.columns == ["c1", "c2", "c3"] and table.rows == 12


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * (MAX_BYTES + 1), f"up to {MAX_BYTES} bytes"),
        (csv_text(rows=5), "5 rows of data; the playground takes 10 to 2000"),
        ("a,b\n" + "1,2\n" * 20, "2 column(s); the playground takes 3 to 20"),
        ("a,b,c\n" + "1,x,0\n" * 20, "not numeric: 'b' (row 2: 'x')"),
        ("a,b,c\n" + "1,2\n" * 20, "row 2 has 2 cells, the header 3"),
        ("a,a,b\n" + "1,2,0\n" * 20, "repeated names"),
        ("a,b,c\n" + "1,nan,0\n" * 20, "not numeric: 'b' (row 2: 'nan')"),  # NaN is no number here
        (
            csv_text(label=lambda i: f"k{i}"),
            f"holds 30 different texts; the playground takes up to {MAX_CLASSES} classes",
        ),
        (csv_text(label=lambda i: "same"), "holds one class only"),
        ("a,b,c\n" + "1,2,0\n" * 10 + "1,3e15,1\n", "column 'b' holds 3e+15 (row 12)"),
    ],
    ids=[
        "too big",
        "few rows",
        "few columns",
        "not numeric",
        "ragged",
        "names",
        "nan",
        "classes",
        "one class",
        "huge",
    ],
)
def test_a_file_that_does_not_fit_is_refused_saying_why(text, expected):
    with pytest.raises(UploadError) as info:
        table = parse_csv(text)
        table.check(*table.defaults())
    assert expected in str(info.value)


def test_a_choice_of_columns_that_does_not_fit_is_refused():
    table = parse_csv(csv_text())
    for columns, label, expected in [
        (("height", "height"), "kind", "two different columns"),
        (("height", "city"), "kind", "'city' is not numeric"),
        (("height", "weight"), "colour", "no column 'colour'"),
        (("height", "weight"), "weight", "also shown as x1 or x2"),
    ]:
        with pytest.raises(UploadError, match=expected):
            table.select(columns, label)


# --------------------------------------------------------------------------- sessions


class Page:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.frames: list[dict[str, Any]] = []
        self.cond = threading.Condition()

    def publish(self, message: dict[str, Any]) -> None:
        with self.cond:
            self.messages.append(message)
            self.cond.notify_all()

    def publish_frame(self, frame: dict[str, Any]) -> None:
        self.publish(frame)
        with self.cond:
            self.frames.append(frame)

    def wait(self, predicate: Callable[[], bool], what: str) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, 30), f"timed out waiting for {what}"


@pytest.fixture
def session():
    page = Page()
    s = Session(page.publish, page.publish_frame)
    s.page = page  # type: ignore[attr-defined]
    page.wait(lambda: bool(page.frames), "the first frame")
    yield s
    s.close()


def until(session: Session, fn: Callable[[], Any], what: str) -> None:
    import time

    deadline = time.monotonic() + 30
    while not session.call(fn).result(timeout=30):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"


def test_an_edit_sets_the_weight_between_epochs_and_refuses_what_does_not_exist(session):
    session.edit("W", 1, 2, 1, "2.5")
    until(session, lambda: session.net.layer(1).W[1, 0] == 2.5, "the edit")
    session.edit("b", 2, 1, None, -0.75)
    until(session, lambda: session.net.layer(2).b[0, 0] == -0.75, "the bias edit")
    assert [e for e in session.segments if isinstance(e, Edit)] == [
        Edit("W", 1, 2, 1, 2.5),
        Edit("b", 2, 1, 1, -0.75),
    ]
    for args, expected in [
        (("Q", 1, 1, 1, 1.0), "param is 'W' or 'b'"),
        (("W", True, 1, 1, 1.0), "l is a whole number"),
        (("W", 0, 1, 1, 1.0), "l is a whole number"),
        (("W", 1, 1.5, 1, 1.0), "i is a whole number"),
        (("W", 1, 1, 1, "nan"), "a weight is a finite number"),
        (("W", 1, 1, 1, math.inf), "a weight is a finite number"),
        (("W", 1, 1, 1, 1e6), "from -1000 to 1000"),
        (("W", 1, 1, 1, [1]), "a weight is a finite number"),
        (("W", 1, 1, 1, True), "a weight is a finite number"),
    ]:
        with pytest.raises(SettingsError, match=expected):
            session.edit(*args)
    page = session.page  # type: ignore[attr-defined]
    session.edit("W", 1, 5, 1, 1.0)  # the network has 4 hidden units
    session.edit("W", 3, 1, 1, 1.0)  # and two layers
    session.edit("W", 2, 1, 9, 1.0)
    page.wait(lambda: len([m for m in page.messages if m["type"] == "error"]) == 3, "3 errors")
    errors = [m["message"] for m in page.messages if m["type"] == "error"]
    assert "layer 1 has units 1 to 4; got unit 5" in errors[0]
    assert "there is no layer 3" in errors[1]
    assert "W[2] has columns 1 to 4 (n[1])" in errors[2]


def test_a_run_takes_a_bounded_number_of_edits(session, monkeypatch):
    from layerwise.playground import session as session_module

    monkeypatch.setattr(session_module, "MAX_EDITS", 3)
    for k in range(3):
        session.edit("W", 1, 1, 1, float(k))
    with pytest.raises(SettingsError, match="a run takes up to 3 edits; reset to start again"):
        session.edit("W", 1, 1, 1, 9.0)
    until(session, lambda: session.net.layer(1).W[0, 0] == 2.0, "the edits")
    session.reset()
    until(session, lambda: session.run == 2, "the reset")
    session.edit("W", 1, 1, 1, 9.0)  # a new run takes edits again
    until(session, lambda: session.net.layer(1).W[0, 0] == 9.0, "the edit after the reset")


def test_the_script_reproduces_features_edits_and_three_classes(session, tmp_path, monkeypatch):
    pytest.importorskip("safetensors", reason="model files need the io extra")
    session.configure(
        {"dataset": "blobs3", "features": "x1,x2,x1^2,sin_x2", "speed": "max", "hidden": "3"}
    )
    session.step()
    until(session, lambda: session.epochs == 1 and session.net.layer_dims == [4, 3, 3], "1")
    session.edit("W", 1, 1, 3, 0.5)
    session.step()
    session.step()
    until(session, lambda: session.epochs == 3, "three epochs")
    script = session.call(session.script).result(timeout=30)
    model = session.call(session.model_bytes).result(timeout=30)
    assert "net.layer(1).W[0, 2] = 0.5  # set on the page" in script
    assert "X = np.stack([x1, x2, x1**2, np.sin(x2)])" in script
    assert "lw.datasets.one_hot(Y, 3)" in script and 'output="softmax"' in script
    (tmp_path / "played.safetensors").write_bytes(model)
    monkeypatch.chdir(tmp_path)
    exec(compile(script, "playground_run.py", "exec"), {"__name__": "__main__"})
    played = lw.Network.load(tmp_path / "played.safetensors")
    rerun = lw.Network.load(tmp_path / "playground.safetensors")
    assert played.metadata["training"]["features"] == ["x1", "x2", "x1^2", "sin_x2"]
    for key in played.params:
        np.testing.assert_array_equal(rerun.params[key], played.params[key])


def test_own_data_trains_and_its_script_reads_the_file(session, tmp_path, monkeypatch):
    pytest.importorskip("safetensors", reason="model files need the io extra")
    text = csv_text(rows=40)
    with pytest.raises(SettingsError, match="choose the file"):
        session.configure({"dataset": "upload"})  # no file yet
    table, settings = session.upload(text)
    assert table.rows == 40 and table.numeric == ["height", "weight"]
    assert settings.dataset == "upload" and settings.columns == ("height", "weight")
    with pytest.raises(SettingsError, match="'city' is not numeric"):
        session.configure({"columns": "height,city"})
    session.configure({"label": "city", "speed": "max"})  # three classes
    session.step()
    until(session, lambda: session.epochs == 1 and session.net.layer_dims == [2, 4, 3], "own")
    script = session.call(session.script).result(timeout=30)
    assert "load_csv('your_data.csv', columns=['height', 'weight'], label='city')" in script
    model = session.call(session.model_bytes).result(timeout=30)
    (tmp_path / "played.safetensors").write_bytes(model)
    training = lw.Network.load(tmp_path / "played.safetensors").metadata["training"]
    assert training["data"] == (
        "layerwise.playground.upload.load_csv(<one's own CSV file>, columns=['height', "
        "'weight'], label='city')"
    )
    (tmp_path / "your_data.csv").write_text(text)
    monkeypatch.chdir(tmp_path)
    exec(compile(script, "playground_run.py", "exec"), {"__name__": "__main__"})
    rerun = lw.Network.load(tmp_path / "playground.safetensors")
    played = session.call(lambda: {k: v.copy() for k, v in session.net.params.items()})
    for key, value in played.result(timeout=30).items():
        np.testing.assert_array_equal(rerun.params[key], value)
