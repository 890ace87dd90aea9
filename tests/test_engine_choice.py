"""``train --engine numpy|jax|auto``: the work measure, the choice for small and large work
(the threshold moved, so no test trains for ten seconds), the error without JAX, and a
command-line training with the jax engine equal to the numpy engine's."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from layerwise.training.engines import choice
from layerwise.training.engines.choice import JAX_MIN_WORK, choose_engine, work_of


def test_work_is_three_multiply_adds_per_weight_per_example_per_epoch():
    # [5, 4, 3, 1]: 5·4 + 4·3 + 3·1 = 35 weights; 3 · 35 · 100 rows · 7 epochs
    assert work_of([5, 4, 3, 1], m=100, epochs=7) == 3 * 35 * 100 * 7
    assert work_of([64, 128, 10], m=1437, epochs=40) == 3 * (64 * 128 + 128 * 10) * 1437 * 40


def test_auto_picks_numpy_below_the_threshold_and_jax_from_it(monkeypatch):
    monkeypatch.setattr(choice, "jax_installed", lambda: True)
    dims, m = [10, 128, 1], 1000
    per_epoch = work_of(dims, m, 1)
    monkeypatch.setattr(choice, "JAX_MIN_WORK", per_epoch * 50)
    assert choose_engine("auto", dims, m, 49) == "numpy"
    assert choose_engine("auto", dims, m, 50) == "jax"
    assert choose_engine("numpy", dims, m, 10**6) == "numpy"  # as asked, whatever the work


def test_auto_is_numpy_without_jax_whatever_the_work(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)  # find_spec sees no jax
    assert not choice.jax_installed()
    assert choose_engine("auto", [1000, 1000, 1], 10**6, 10**4) == "numpy"


def test_engine_jax_without_jax_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)
    with pytest.raises(ImportError, match=r"jax is needed for --engine jax: .*layerwise\[jax\]"):
        choose_engine("jax", [2, 4, 1], 400, 10)


def test_an_unknown_engine_is_refused_by_name():
    with pytest.raises(ValueError, match=r"one of auto, numpy, jax; Received: 'torch'"):
        choose_engine("torch", [2, 4, 1], 400, 10)


def test_the_threshold_is_where_the_benchmark_put_it():
    # benchmarks/engine_choice.py: jax won every case from 9.6e10 multiply-adds on 2 cores
    assert JAX_MIN_WORK == 1e11


# --------------------------------------------------------------------------- the command

cli_needs = pytest.mark.skipif(
    any(choice.importlib.util.find_spec(p) is None for p in ("pandas", "safetensors", "sklearn")),
    reason="the command line's tests need the cli extra",
)


def _train(capsys, tmp_path, name, *extra):
    from layerwise.cli import main

    out = tmp_path / f"{name}.safetensors"
    argv = ["train", "planar", "--layers", "6", "--hidden", "tanh", "--epochs", "25"]
    argv += ["--batch-size", "50", "--lr", "0.05", "--validation-split", "0", "--quiet"]
    argv += ["--out", str(out)]
    code = main([*argv, *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return out, captured.out


@cli_needs
def test_cli_without_jax_engine_jax_is_one_error_line(capsys, monkeypatch, tmp_path):
    from layerwise.cli import main

    monkeypatch.setitem(sys.modules, "jax", None)
    code = main(["train", "planar", "--engine", "jax", "--out", str(tmp_path / "m.safetensors")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == (
        "layerwise train: error: jax is needed for --engine jax: pip install 'layerwise[jax]'"
    )
    assert not (tmp_path / "m.safetensors").exists()


@cli_needs
def test_cli_auto_says_what_it_chose_and_why(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "jax", None)
    _, out = _train(capsys, tmp_path, "auto")
    # [2, 6, 1] on 400 rows for 25 epochs: 3 · 18 · 400 · 25 = 5.4e5 multiply-adds
    assert "Engine: numpy (auto: 5.4e+05 multiply-adds < 1e+11)" in out
    monkeypatch.setattr(choice, "JAX_MIN_WORK", 1e5)  # above it now, but no JAX
    _, out = _train(capsys, tmp_path, "auto2")
    assert "Engine: numpy (auto: JAX is not installed)" in out


@cli_needs
def test_cli_engine_jax_trains_the_same_model_as_numpy(capsys, tmp_path):
    pytest.importorskip("jax", reason="the jax engine needs JAX (the jax extra)")
    from safetensors import safe_open
    from safetensors.numpy import load_file

    path_np, out_np = _train(capsys, tmp_path, "np", "--engine", "numpy")
    path_jax, out_jax = _train(capsys, tmp_path, "jax", "--engine", "jax")
    assert "Engine: numpy" in out_np and "Engine: jax" in out_jax
    a, b = load_file(str(path_np)), load_file(str(path_jax))
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-6, atol=1e-9)
    with safe_open(str(path_jax), framework="np") as f:
        meta = json.loads(f.metadata()["layerwise"])
    assert meta["extra"]["training"]["engine"] == "jax"
    with safe_open(str(path_np), framework="np") as f:
        cost_np = json.loads(f.metadata()["layerwise"])["extra"]["metrics"]["train"]["cost"]
    cost_jax = meta["extra"]["metrics"]["train"]["cost"]
    assert cost_jax == pytest.approx(cost_np, rel=1e-6)
    assert cost_np < 0.6  # trained: well below the cost of a coin toss, log 2


@cli_needs
def test_cli_auto_picks_jax_above_the_threshold(capsys, monkeypatch, tmp_path):
    pytest.importorskip("jax", reason="the jax engine needs JAX (the jax extra)")
    monkeypatch.setattr(choice, "JAX_MIN_WORK", 1e5)
    _, out = _train(capsys, tmp_path, "auto-jax")
    assert "Engine: jax (auto: 5.4e+05 multiply-adds ≥ 1e+05)" in out
