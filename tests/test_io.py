"""Model files: round trips, atomic writes, and every kind of bad file gets a ModelFileError
that names the file."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

import layerwise as lw

pytest.importorskip("safetensors", reason="model files need the io extra (safetensors)")
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


@pytest.fixture
def trained():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 20))
    Y = (X[0] > X[1]).astype(float)[None, :]
    net = lw.Network([3, 5, 1], hidden="tanh", output="sigmoid", seed=0, init="xavier")
    net.fit(X, Y, epochs=5, learning_rate=0.5)
    return net, X


@pytest.fixture
def saved(trained, tmp_path):
    net, X = trained
    path = tmp_path / "model.safetensors"
    net.save(path)
    return path, net, X


def header_of(path):
    """The layerwise JSON document stored in the safetensors metadata (read with safetensors)."""
    with safe_open(str(path), framework="np") as f:
        return json.loads(f.metadata()["layerwise"])


def rewrite(path, tensors, header):
    save_file(tensors, str(path), metadata={"layerwise": json.dumps(header)})


def names_the_file(path):
    return re.escape(str(path))


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_exact(dtype, tmp_path):
    rng = np.random.default_rng(1)
    net = lw.Network([4, 6, 3, 2], hidden="relu", output="softmax", seed=3, dtype=dtype, init="he")
    X = rng.standard_normal((4, 10))
    net.fit(X, rng.integers(0, 2, (1, 10)), epochs=3, learning_rate=0.1)
    path = tmp_path / f"{dtype}.safetensors"
    net.save(path)
    loaded = lw.Network.load(str(path))  # str and Path alike
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.layer_dims == [4, 6, 3, 2]
    assert [g.name for g in loaded.activations] == ["relu", "relu", "softmax"]
    assert loaded.loss.name == "categorical_crossentropy"
    for key in net.params:
        assert loaded.params[key].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(loaded.params[key], net.params[key])
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))


def test_file_is_plain_safetensors_with_course_keys(saved):
    path, net, _ = saved
    tensors = load_file(str(path))
    assert set(tensors) == {"W1", "b1", "W2", "b2"}
    for key, value in tensors.items():
        np.testing.assert_array_equal(value, net.params[key])
    header = header_of(path)
    assert header["layer_dims"] == [3, 5, 1]
    assert header["dtype"] == "float64"


def test_leaky_relu_slope_and_loss_are_preserved(tmp_path):
    g = lw.get_activation("leaky_relu", slope=0.2)
    net = lw.Network([2, 3, 1], activations=[g, "sigmoid"], loss="mse", seed=0)
    path = tmp_path / "leaky.safetensors"
    net.save(path)
    loaded = lw.Network.load(path)
    assert loaded.layer(1).activation.slope == 0.2
    assert loaded.layer(1).activation == g
    assert loaded.loss.name == "mse"
    X = np.array([[-2.0, 1.0, 0.5], [3.0, -1.0, -4.0]])
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))


def test_metadata_extra_is_preserved(trained, tmp_path):
    net, _ = trained
    plain = tmp_path / "plain.safetensors"
    net.save(plain)
    assert lw.Network.load(plain).metadata == {}

    net.metadata = {
        "classes": ["cat", "dog"],
        "mean": np.array([0.5, 1.5]),
        "epochs": 5,
        "note": "ü",
    }
    path = tmp_path / "meta.safetensors"
    net.save(path)
    loaded = lw.Network.load(path)
    assert loaded.metadata == {
        "classes": ["cat", "dog"],
        "mean": [0.5, 1.5],
        "epochs": 5,
        "note": "ü",
    }


def test_unserializable_metadata_is_a_type_error_and_writes_nothing(trained, tmp_path):
    net, _ = trained
    net.metadata = {"f": object()}
    path = tmp_path / "bad_meta.safetensors"
    with pytest.raises(TypeError, match="JSON"):
        net.save(path)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- atomic write


def test_failed_write_keeps_the_previous_file(saved, monkeypatch):
    path, net, X = saved
    original = path.read_bytes()
    other = lw.Network([3, 5, 1], hidden="relu", output="sigmoid", seed=9)

    def failing_replace(src, dst, *args, **kwargs):
        raise OSError("simulated crash during rename")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated crash"):
        other.save(path)
    monkeypatch.undo()

    assert path.read_bytes() == original
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp file left
    np.testing.assert_array_equal(lw.Network.load(path).predict_proba(X), net.predict_proba(X))


def test_save_into_missing_folder(trained, tmp_path):
    net, _ = trained
    with pytest.raises(FileNotFoundError, match="does not exist"):
        net.save(tmp_path / "nope" / "model.safetensors")


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path):
    path = tmp_path / "absent.safetensors"
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(lw.ModelFileError, match="folder"):
        lw.Network.load(tmp_path)


@pytest.mark.parametrize("keep", [0, 4, 8, 40, "half", "all_but_one"])
def test_truncated_file(saved, keep):
    path, _, _ = saved
    raw = path.read_bytes()
    n = {"half": len(raw) // 2, "all_but_one": len(raw) - 1}.get(keep, keep)
    path.write_bytes(raw[:n])
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_bytes(tmp_path, seed):
    path = tmp_path / "noise.safetensors"
    path.write_bytes(np.random.default_rng(seed).bytes(1000))
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)


def test_random_bytes_behind_a_plausible_length(tmp_path):
    path = tmp_path / "noise2.safetensors"
    body = np.random.default_rng(3).bytes(200)
    path.write_bytes((100).to_bytes(8, "little") + body)
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)


def test_foreign_safetensors_file(tmp_path):
    path = tmp_path / "foreign.safetensors"
    save_file({"weight": np.ones((2, 3), np.float32)}, str(path), metadata={"author": "x"})
    with pytest.raises(lw.ModelFileError, match="not one written by layerwise") as info:
        lw.Network.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_newer_format_version(saved):
    path, _, _ = saved
    header = header_of(path)
    header["format_version"] += 1
    rewrite(path, load_file(str(path)), header)
    with pytest.raises(lw.ModelFileError, match="upgrade layerwise") as info:
        lw.Network.load(path)
    assert str(path) in str(info.value)


def test_corrupted_metadata_json(saved):
    path, _, _ = saved
    save_file(load_file(str(path)), str(path), metadata={"layerwise": "{not json"})
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)


def test_weight_with_wrong_shape(saved):
    path, _, _ = saved
    tensors = load_file(str(path))
    tensors["W2"] = np.zeros((1, 4))  # n[1] is 5
    rewrite(path, tensors, header_of(path))
    with pytest.raises(lw.ModelFileError, match=r"W2 has shape \(1, 4\)") as info:
        lw.Network.load(path)
    assert str(path) in str(info.value)


def test_missing_weight(saved):
    path, _, _ = saved
    tensors = load_file(str(path))
    del tensors["b1"]
    rewrite(path, tensors, header_of(path))
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)


def test_weight_with_wrong_dtype(saved):
    path, _, _ = saved
    tensors = load_file(str(path))
    tensors["W1"] = tensors["W1"].astype(np.float32)
    rewrite(path, tensors, header_of(path))
    with pytest.raises(lw.ModelFileError, match="W1 is float32"):
        lw.Network.load(path)


def test_non_finite_weight(saved):
    path, _, _ = saved
    tensors = load_file(str(path))
    tensors["b2"] = np.full((1, 1), np.nan)
    rewrite(path, tensors, header_of(path))
    with pytest.raises(lw.ModelFileError, match="b2 contains NaN or inf"):
        lw.Network.load(path)


@pytest.mark.parametrize(
    "field, value",
    [
        ("layer_dims", [3, -5, 1]),
        ("activations", [{"name": "tanh"}]),
        ("activations", [{"name": "gelu"}, {"name": "sigmoid"}]),
        ("loss", "hinge"),
        ("dtype", "float16"),
    ],
)
def test_corrupted_header_fields(saved, field, value):
    path, _, _ = saved
    header = header_of(path)
    header[field] = value
    rewrite(path, load_file(str(path)), header)
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)


def test_softmax_in_a_hidden_layer_of_the_file(saved):
    # valid names, but a structure Network refuses: still a ModelFileError naming the file
    path, _, _ = saved
    header = header_of(path)
    header["activations"] = [{"name": "softmax"}, {"name": "sigmoid"}]
    rewrite(path, load_file(str(path)), header)
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)


def test_weight_shapes_are_checked_before_building_the_network(saved):
    # metadata claiming absurd layer sizes next to tiny weights: the loader must report the
    # mismatch, not try to allocate a network of 2**62 parameters first
    path, _, _ = saved
    tensors = load_file(str(path))
    header = header_of(path)
    header["layer_dims"] = [2**31, 2**31, 1]
    rewrite(path, tensors, header)
    with pytest.raises(lw.ModelFileError, match=names_the_file(path)):
        lw.Network.load(path)
