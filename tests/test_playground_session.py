"""The playground without a server: its controls and their checks, the frames it draws, the
training session (a worker thread around ``Network.fit``), the equations and the script that
reproduces a run. Only NumPy is needed, except where a test says otherwise."""

from __future__ import annotations

import base64
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import layerwise as lw
from layerwise.playground import frames
from layerwise.playground.data import TASKS
from layerwise.playground.session import Session
from layerwise.playground.settings import (
    DATASETS,
    Settings,
    SettingsError,
    data_call,
    make_data,
    update_settings,
)

# --------------------------------------------------------------------------- helpers


class Page:
    """What a page receives from a session, with a way to wait for it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.frames: list[dict[str, Any]] = []
        self.cond = threading.Condition()

    def publish(self, message: dict[str, Any]) -> None:
        with self.cond:
            self.messages.append(message)
            self.cond.notify_all()

    def publish_frame(self, frame: dict[str, Any]) -> None:
        with self.cond:
            self.frames.append(frame)
            self.cond.notify_all()

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        with self.cond:
            assert self.cond.wait_for(predicate, timeout), f"timed out waiting for {what}"

    def wait_frame(self, epoch: int) -> dict[str, Any]:
        self.wait(lambda: any(f["epoch"] >= epoch for f in self.frames), f"epoch {epoch}")
        return next(f for f in self.frames if f["epoch"] >= epoch)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        with self.cond:
            return [m for m in self.messages if m["type"] == kind]


@pytest.fixture
def page():
    return Page()


@pytest.fixture
def start(page):
    """start(settings=..., **kwargs) -> a running Session publishing to ``page``; closed after
    the test."""
    sessions = []

    def make(settings: Settings | None = None, **kwargs: Any) -> Session:
        session = Session(page.publish, page.publish_frame, settings, **kwargs)
        sessions.append(session)
        page.wait_frame(0)
        return session

    yield make
    for session in sessions:
        session.close()
        assert not session.alive


def in_worker(session: Session, fn: Callable[[], Any]) -> Any:
    """fn() run by the session's worker between two epochs."""
    return session.call(fn).result(timeout=30)


def until(session: Session, fn: Callable[[], Any], what: str, timeout: float = 30.0) -> None:
    """Ask the worker for fn() between epochs until it is true."""
    deadline = time.monotonic() + timeout
    while not in_worker(session, fn):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"


def unpack(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=f"<{dtype}")


def split(X: np.ndarray, Y: np.ndarray, share: float, seed: int):
    """The playground's validation split, written out independently."""
    m = X.shape[1]
    n_val = round(m * share)
    order = np.random.default_rng(seed).permutation(m)
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    return X[:, train], Y[:, train], X[:, val], Y[:, val]


def sigmoid_probability(net: lw.Network, X: np.ndarray) -> np.ndarray:
    return net.predict_proba(X)[0]


# --------------------------------------------------------------------------- settings


def test_the_default_settings_are_the_notes_network():
    s = Settings()
    assert s.layer_dims == [2, 4, 1]
    assert (s.dataset, s.activation, s.init, s.optimizer) == ("planar", "tanh", "small", "gd")
    assert s.learning_rate == 1.2 and s.batch_size is None
    assert s.to_json()["hidden"] == "4" and s.to_json()["batch_size"] == "all"


def test_settings_read_what_the_page_sends():
    s = update_settings(
        Settings(),
        {
            "dataset": "moons",
            "hidden": " 8, 8 ",
            "learning_rate": "0.03",
            "batch_size": "10",
            "keep_prob": "0.8",
            "seed": "7",
            "l2": 0.01,
        },
    )
    assert s.hidden == (8, 8) and s.layer_dims == [2, 8, 8, 1]
    assert s.learning_rate == 0.03 and s.batch_size == 10 and s.keep_prob == 0.8
    assert s.seed == 7 and s.l2 == 0.01
    assert s.noise == 0.1  # moons' own default noise came with the data set
    assert update_settings(s, {"hidden": ""}).layer_dims == [2, 1]  # logistic regression
    assert update_settings(s, {"batch_size": "all"}).batch_size is None
    assert update_settings(s, {"dataset": "planar"}).noise is None
    assert update_settings(s, {"dataset": "blobs", "noise": "0.5"}).noise == 0.5


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("hidden", "100000,100000", "hidden layer 1 has 100000"),
        ("hidden", "8,0", "hidden layer 2 has 0"),
        ("hidden", "8,x", "comma-separated"),
        ("hidden", "1,1,1,1,1,1,1", "at most 6 layers"),
        ("learning_rate", "NaN", "learning rate α is a number > 0"),
        ("learning_rate", "inf", "learning rate α is a number > 0"),
        ("learning_rate", "0", "learning rate α is a number > 0"),
        ("learning_rate", "-1", "learning rate α is a number > 0"),
        ("learning_rate", "11", "at most 10"),
        ("learning_rate", "fast", "learning rate α is a number > 0"),
        ("learning_rate", True, "learning rate α is a number > 0"),
        ("noise", "-0.1", "noise is a number from 0 to 2"),
        ("validation", "0.9", "validation is the share held out"),
        ("batch_size", "0", "batch_size is"),
        ("batch_size", "401", "from 1 to 400"),
        ("batch_size", "2.5", "whole number"),
        ("keep_prob", "0", "keep_prob"),
        ("keep_prob", "1.5", "keep_prob"),
        ("l2", "-1", "l2 (λ) is a number from 0"),
        ("seed", "-1", "seed is a whole number"),
        ("dataset", "mnist", "dataset is one of planar, moons, circles, xor, spiral, blobs"),
        ("activation", "softmax", "activation is one of"),
        ("optimizer", "lbfgs", "optimizer is one of gd, sgd, momentum, rmsprop, adam"),
        ("speed", "5", "speed is one of"),
        ("colour", "blue", "unknown control colour"),
    ],
)
def test_settings_refuse_bad_values_naming_them(field, value, expected):
    before = update_settings(Settings(), {"dataset": "moons"})
    with pytest.raises(SettingsError) as info:
        update_settings(before, {field: value})
    assert info.value.field == field
    assert expected in str(info.value)
    if field != "colour":
        assert f"Received: {field}={value!r}" in str(info.value)


def test_settings_cut_a_huge_value_short_in_the_message():
    with pytest.raises(SettingsError) as info:
        update_settings(Settings(), {"hidden": "9" * 10_000})
    assert len(str(info.value)) < 400 and "..." in str(info.value)


@pytest.mark.parametrize("dataset", [d for d in DATASETS if d != "upload"])
def test_data_call_is_the_code_that_makes_the_data(dataset):
    import layerwise.playground.data  # noqa: F401  (the script's import of the surfaces)

    s = update_settings(Settings(), {"dataset": dataset, "seed": 3})
    X, Y = make_data(s)
    X2, Y2 = eval(data_call(s), {"lw": lw})  # the line the script holds
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    task = TASKS[dataset]
    if task == "binary":
        assert set(np.unique(Y)) == {0.0, 1.0}  # two classes, for one sigmoid output
    elif task == "multiclass":
        assert set(np.unique(Y)) == {0.0, 1.0, 2.0}  # three classes, for softmax
        assert s.layer_dims == [2, 4, 3]
    else:
        assert len(np.unique(Y)) == 400  # a surface to fit
        assert s.layer_dims == [2, 4, 1]


# --------------------------------------------------------------------------- frames


def test_the_grid_runs_top_to_bottom_left_to_right():
    G = frames.plane_grid((-1.0, 1.0, -2.0, 2.0), n=3)
    assert G.shape == (2, 9)
    np.testing.assert_allclose(G[:, 0], [-1.0, 2.0])  # row 0, column 0: top left
    np.testing.assert_allclose(G[:, 2], [1.0, 2.0])
    np.testing.assert_allclose(G[:, 8], [1.0, -2.0])  # bottom right


def test_extent_is_a_square_around_the_data():
    X = np.array([[0.0, 4.0, 2.0], [0.0, 1.0, 0.5]])
    x0, x1, y0, y1 = frames.extent(X, margin=0.0)
    assert (x0, x1) == (0.0, 4.0)
    assert y1 - y0 == pytest.approx(4.0) and (y0 + y1) / 2 == pytest.approx(0.5)


def test_plane_maps_quantize_the_boundary_and_every_hidden_unit():
    net = lw.Network([2, 3, 1], hidden="tanh", seed=0)
    net.params["W1"][...] = [[2.0, 0.0], [0.0, -3.0], [0.1, 0.1]]
    net.params["W2"][...] = [[0.0, 5.0, 0.0]]  # the output reads unit 2: -3 x2 through tanh
    G = frames.plane_grid((-1.0, 1.0, -1.0, 1.0))
    maps = frames.plane_maps(net, G)
    boundary = unpack(maps["boundary"], "u1").reshape(frames.GRID, frames.GRID)
    expected = np.rint(sigmoid_probability(net, G) * 255).reshape(frames.GRID, frames.GRID)
    np.testing.assert_array_equal(boundary, expected)
    assert boundary[0].max() < 20 and boundary[-1].min() > 235  # x2 high at the top
    n = frames.GRID // frames.UNIT_STRIDE
    assert len(maps["units"]) == 1 and len(maps["units"][0]) == 3
    unit1 = unpack(maps["units"][0][0], "u1").reshape(n, n).astype(int)
    # tanh(2 x1): negative on the left, positive on the right, the same down every column
    assert unit1[:, 0].max() < 10 and unit1[:, -1].min() > 245
    assert (unit1 == unit1[0]).all()
    assert maps["unit_scale"] == [[1.0, 1.0, 1.0]]  # tanh stays within [-1, 1]
    W1 = unpack(frames.weights(net)["W"][0], "f4").reshape(3, 2)
    np.testing.assert_array_equal(W1, np.float32(net.params["W1"]))


def test_plane_maps_survive_huge_weights():
    net = lw.Network([2, 2, 1], hidden="linear", seed=0)
    net.params["W1"][...] = 1e300
    maps = frames.plane_maps(net, frames.plane_grid((-1, 1, -1, 1)))
    assert set(unpack(maps["boundary"], "u1")) <= set(range(256))


def test_curve_keeps_its_shape_in_a_bounded_size():
    curve = frames.Curve(L=2, size=4)
    for epoch in range(1, 101):
        curve.record(epoch, {"cost": 1.0 / epoch, "grad_norm_dW1": epoch, "grad_norm_dW2": 2.0})
    assert len(curve.epoch) < 8 and curve.stride > 1
    assert curve.epoch[0] == 1  # where the curve starts
    assert all(e % curve.stride == 0 for e in curve.epoch[1:])
    assert curve.cost == [1.0 / e for e in curve.epoch]
    assert curve.grad[0] == [float(e) for e in curve.epoch]
    assert all(math.isnan(v) for v in curve.val_cost)  # no validation data
    assert 100 not in curve.epoch  # between strides, but the newest: it ends the curve shown
    shown = curve.to_json()
    assert unpack(shown["epoch"], "i4").tolist() == [*curve.epoch, 100]
    assert unpack(shown["cost"], "f4")[-1] == np.float32(1 / 100)
    assert unpack(shown["grad"][1], "f4")[-1] == 2.0


# --------------------------------------------------------------------------- the session


def test_a_session_starts_at_epoch_0_with_its_data_and_equations(page, start):
    start()
    (reset,) = page.of_type("reset")
    assert reset["layer_dims"] == [2, 4, 1] and reset["activations"] == ["tanh", "sigmoid"]
    assert (reset["m"], reset["m_train"]) == (400, 320)
    assert unpack(reset["points"]["validation"], "u1").sum() == 80
    (equations,) = page.of_type("equations")
    assert "Z[1] = W[1] A[0] + b[1]" in equations["text"]
    assert "(4, 320) = (4, 2)(2, 320) + (4, 1)" in equations["text"]
    assert "all m = 320 training examples" in equations["text"]
    # the first frame is the fresh network of the notes, seeded as the settings say
    X, Y = lw.datasets.planar(seed=1)
    X_train, Y_train, _, _ = split(X, Y, 0.2, seed=1)
    fresh = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", init="small", seed=1)
    frame = page.frames[0]
    assert frame["epoch"] == 0 and frame["run"] == reset["run"]
    assert frame["cost"] == pytest.approx(fresh.evaluate(X_train, Y_train)["cost"], rel=1e-12)
    assert len(base64.b64decode(frame["boundary"])) == frames.GRID**2


def test_commands_sent_at_once_are_not_lost(page):
    session = Session(page.publish, page.publish_frame)  # steps before its first frame
    session.step()
    session.step()
    try:
        page.wait_frame(2)
        assert in_worker(session, lambda: session.epochs) == 2
    finally:
        session.close()


def test_step_trains_exactly_one_epoch_of_fit(page, start):
    session = start()
    session.step()
    frame = page.wait_frame(1)
    assert frame["epoch"] == 1
    assert in_worker(session, lambda: session.epochs) == 1  # and then it waits
    X, Y = lw.datasets.planar(seed=1)
    X_train, Y_train, X_val, Y_val = split(X, Y, 0.2, seed=1)
    ref = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", init="small", seed=1)
    ref.fit(X_train, Y_train, epochs=1, learning_rate=1.2, validation_data=(X_val, Y_val))
    np.testing.assert_array_equal(unpack(frame["W"][0], "f4"), np.float32(ref.params["W1"]).ravel())
    assert frame["val_cost"] == pytest.approx(ref.evaluate(X_val, Y_val)["cost"], rel=1e-12)


def test_frames_wait_until_the_page_wants_one(page, start):
    session = start(update_settings(Settings(), {"speed": "max"}))
    session.play()
    # the first frame is taken: without frame_wanted() no other is built, however many epochs
    until(session, lambda: session.epochs >= 200, "200 epochs")
    assert [f["epoch"] for f in page.frames] == [0]
    session.frame_wanted()
    frame = page.wait_frame(200)
    assert frame["epoch"] >= 200
    session.pause()
    page.wait(lambda: not session.playing, "the pause")


def test_play_makes_the_cost_fall_and_pause_stops(page, start):
    session = start(update_settings(Settings(), {"speed": "max"}))
    first = page.frames[0]["cost"]
    session.play()
    until(session, lambda: session.frame_wanted() or session.epochs >= 500, "500 epochs")
    session.pause()
    page.wait(lambda: page.of_type("state")[-1]["playing"] is False, "the pause")
    stopped = in_worker(session, lambda: session.epochs)
    session.frame_wanted()
    last = page.wait_frame(stopped)
    assert last["epoch"] == stopped == in_worker(session, lambda: session.epochs)
    assert last["cost"] < first - 0.05
    curve = unpack(last["curve"]["cost"], "f4")
    assert curve[-1] < curve[0] and len(curve) <= 512


def test_a_structural_change_resets_and_a_training_change_does_not(page, start):
    session = start()
    session.step()
    page.wait_frame(1)
    settings, restart = session.configure({"learning_rate": "0.5"})
    assert not restart and settings.learning_rate == 0.5
    page.wait(lambda: "α = 0.5" in page.of_type("equations")[-1]["text"], "new equations")
    assert len(page.of_type("reset")) == 1
    session.step()
    assert page.wait_frame(2)["run"] == 1
    settings, restart = session.configure({"hidden": "3,2", "activation": "relu"})
    assert restart
    page.wait(lambda: len(page.of_type("reset")) == 2, "the reset")
    reset = page.of_type("reset")[-1]
    assert reset["layer_dims"] == [2, 3, 2, 1] and reset["run"] == 2
    page.wait(lambda: page.frames[-1]["run"] == 2, "the new network's frame")
    assert page.frames[-1]["epoch"] == 0 and len(page.frames[-1]["units"]) == 2
    session.reset()
    page.wait(lambda: len(page.of_type("reset")) == 3, "the second reset")
    assert in_worker(session, lambda: session.epochs) == 0


def test_divergence_is_a_message_and_training_goes_on_after(page, start):
    # linear hidden layers multiply the growth of their weights: α = 10 overflows them
    settings = update_settings(
        Settings(),
        {"hidden": "8,8", "activation": "linear", "init": "he", "learning_rate": "10"},
    )
    session = start(update_settings(settings, {"speed": "max"}))
    session.play()
    page.wait(lambda: bool(page.of_type("error")), "the divergence")
    error = page.of_type("error")[-1]
    assert error["field"] == "learning_rate" and "training diverged" in error["message"]
    assert page.of_type("state")[-1]["playing"] is False
    assert "Reset starts again" in error["message"]
    session.configure({"learning_rate": "0.001"})
    session.reset()
    page.wait(lambda: len(page.of_type("reset")) == 2, "the reset")
    session.step()
    session.frame_wanted()
    page.wait(lambda: page.frames[-1]["run"] == 2 and page.frames[-1]["epoch"] == 1, "epoch 1")
    assert math.isfinite(page.frames[-1]["cost"])


def test_the_epoch_limit_stops_with_a_notice(page, start):
    session = start(update_settings(Settings(), {"speed": "max"}), max_epochs=5)
    session.play()
    page.wait(lambda: bool(page.of_type("notice")), "the notice")
    assert "stops at 5 epochs" in page.of_type("notice")[-1]["message"]
    assert in_worker(session, lambda: session.epochs) == 5
    assert not session.playing


def test_zero_weights_bring_the_library_warning_to_the_page(page, start):
    start(update_settings(Settings(), {"init": "zeros"}))
    assert any("symmetr" in m["message"].lower() for m in page.of_type("notice"))


def test_close_ends_the_training_thread(page, start):
    session = start(update_settings(Settings(), {"speed": "max"}))
    session.play()
    session.close()
    assert not session.alive
    with pytest.raises(RuntimeError, match="ended"):
        session.call(lambda: 1).result(timeout=5)


# --------------------------------------------------------------------------- take it away


def test_the_script_reproduces_the_run_exactly(page, start, tmp_path, monkeypatch):
    pytest.importorskip("safetensors", reason="model files need the io extra")
    settings = update_settings(
        Settings(),
        {
            "dataset": "moons",
            "hidden": "5,3",
            "activation": "relu",
            "init": "he",
            "optimizer": "adam",
            "learning_rate": "0.02",
            "batch_size": "32",
            "keep_prob": "0.9",
            "l2": "0.001",
            "speed": "max",
        },
    )
    session = start(settings)
    session.step()
    session.step()
    until(session, lambda: session.epochs == 2, "two steps")
    session.play()  # the same fit goes on: pausing and stepping did not end it
    until(session, lambda: session.epochs >= 30, "30 epochs")
    session.pause()
    session.configure({"learning_rate": "0.005", "optimizer": "momentum"})  # a second fit
    session.step()
    until(session, lambda: sum(seg.epochs for seg in session.segments[1:]) == 1, "segment 2")
    epochs = in_worker(session, lambda: session.epochs)
    model = in_worker(session, session.model_bytes)
    script = in_worker(session, session.script)
    assert script.count("net.fit(") == 2 and 'optimizer="momentum"' in script

    (tmp_path / "session.safetensors").write_bytes(model)
    played = lw.Network.load(tmp_path / "session.safetensors")
    assert played.metadata["training"]["epochs_run"] == epochs
    assert played.metadata["training"]["data"] == "lw.datasets.moons(m=400, noise=0.1, seed=1)"
    monkeypatch.chdir(tmp_path)
    exec(compile(script, "playground_run.py", "exec"), {"__name__": "__main__"})
    rerun = lw.Network.load(tmp_path / "playground.safetensors")
    assert rerun.layer_dims == played.layer_dims == [2, 5, 3, 1]
    for key in played.params:
        np.testing.assert_array_equal(rerun.params[key], played.params[key])
    assert os.path.exists(tmp_path / "playground.safetensors")


def test_the_script_runs_through_a_divergence_to_the_playground_weights(page, start, tmp_path):
    pytest.importorskip("safetensors", reason="model files need the io extra")
    settings = update_settings(
        Settings(),
        {
            "hidden": "16,16,16",
            "activation": "linear",
            "init": "he",
            "optimizer": "sgd",
            "batch_size": "8",
            "learning_rate": "0.001",
            "speed": "max",
        },
    )
    session = start(settings)
    for _ in range(3):
        session.step()
    until(session, lambda: session.epochs == 3, "three steps")
    # linear hidden layers multiply the growth of their weights: α = 10 overflows them in
    # the segment's first epoch (undone: the weights go on from epoch 3)
    session.configure({"learning_rate": "10"})
    session.play()
    page.wait(lambda: bool(page.of_type("error")), "the divergence")
    session.configure({"learning_rate": "0.001"})
    session.step()
    session.step()
    until(session, lambda: session.segments[-1].epochs == 2, "two steps after the divergence")
    model = in_worker(session, session.model_bytes)
    script = in_worker(session, session.script)

    (tmp_path / "session.safetensors").write_bytes(model)
    (tmp_path / "playground_run.py").write_text(script)
    env = dict(os.environ, PYTHONPATH=str(Path(lw.__file__).parents[1]))
    done = subprocess.run(
        [sys.executable, "playground_run.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "diverged, as in the playground" in done.stdout
    played = lw.Network.load(tmp_path / "session.safetensors")
    rerun = lw.Network.load(tmp_path / "playground.safetensors")
    for key in played.params:
        np.testing.assert_array_equal(rerun.params[key], played.params[key])
    assert "except lw.TrainingDivergedError" in script
