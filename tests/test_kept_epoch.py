"""When the tolerance rule keeps an epoch before the last, the record says so: the History
names the epoch kept and why, the command line's report prints a "Restored epoch" line, and
the model file's training record gives the epochs run and the epoch kept."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import layerwise as lw


def data():
    X, Y = lw.datasets.moons(m=200, seed=0)
    return X[:, :150], Y[:, :150], X[:, 150:], Y[:, 150:]


def test_the_tolerance_keeps_an_earlier_epoch_and_the_history_says_why():
    X, Y, X_val, Y_val = data()
    net = lw.Network([2, 8, 1], hidden="tanh", init="xavier", seed=0)
    twin = copy.deepcopy(net)
    # epochs 2 and 3 lower the validation cost, but by far less than the tolerance of 0.5:
    # the parameters of epoch 1 are kept, with no early stop (patience 5 > 3 epochs)
    history = net.fit(
        X,
        Y,
        epochs=3,
        learning_rate=0.5,
        validation_data=(X_val, Y_val),
        early_stopping=5,
        min_delta=0.5,
    )
    val = history.val_cost
    assert val[2] < val[1] < val[0]  # they did improve, below the tolerance
    assert history.stop_reason is None and history.epochs == 3
    assert history.best_epoch == 0 and history.kept_epoch == 0 and history.restored
    assert history.kept_because == (
        f"the val cost of epoch 3 ({val[2]:.4f}) fell below epoch 1's ({val[0]:.4f}) "
        f"by {val[0] - val[2]:.4g}, less than the tolerance 0.5"
    )
    assert history.restored_note == f"Restored epoch 1 of the 3 run: {history.kept_because}"
    assert history.kept() == {
        "epochs_run": 3,
        "epoch_kept": 1,
        "kept_because": history.kept_because,
    }
    # the network holds the parameters after epoch 1
    twin.fit(X, Y, epochs=1, learning_rate=0.5)
    np.testing.assert_array_equal(net.parameters.theta, twin.parameters.theta)


def test_the_last_epoch_kept_is_not_called_restored():
    X, Y, X_val, Y_val = data()
    net = lw.Network([2, 8, 1], hidden="tanh", init="xavier", seed=0)
    history = net.fit(
        X, Y, epochs=3, learning_rate=0.5, validation_data=(X_val, Y_val), early_stopping=5
    )
    assert history.best_epoch == 2 and not history.restored
    assert history.restored_note == "" and history.kept_because is None
    assert history.kept() == {"epochs_run": 3, "epoch_kept": 3, "kept_because": None}


def test_the_command_line_reports_the_restored_epoch_and_the_model_file_keeps_it(capsys, tmp_path):
    pytest.importorskip("pandas", reason="the table door reads tables with pandas (cli extra)")
    pytest.importorskip("safetensors", reason="model files need the io extra")
    from layerwise.cli import main

    model = tmp_path / "m.safetensors"
    argv = ["train", "breast_cancer", "--layers", "8", "--epochs", "3", "--tol", "0.5"]
    code = main([*argv, "--out", str(model)])
    out = capsys.readouterr().out
    assert code == 0
    line = next(s for s in out.splitlines() if s.startswith("Restored epoch"))
    assert line.startswith("Restored epoch 1 of the 3 run: the val cost of epoch 3 (")
    assert line.endswith("less than the tolerance 0.5")
    record = lw.io.read_metadata(model)["extra"]["training"]
    assert record["epochs_run"] == 3 and record["epoch_kept"] == 1
    assert record["kept_because"] == line.split(": ", 1)[1]
