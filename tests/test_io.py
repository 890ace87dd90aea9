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
    # a fitted network keeps only the record of its fit (what it was trained with)
    assert lw.Network.load(plain).metadata == {"training": net.metadata["training"]}

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


# --------------------------------------------------------------------------- hostile files


def one_line(exc_info):
    message = str(exc_info.value)
    assert "\n" not in message, message
    return message


def raw_file(path, header_bytes, data=b""):
    """A file in the safetensors layout with any header bytes at all."""
    path.write_bytes(len(header_bytes).to_bytes(8, "little") + header_bytes + data)
    return path


@pytest.mark.parametrize("where", ["safetensors header", "layerwise metadata"])
def test_deeply_nested_brackets_are_refused_not_a_recursion_error(tmp_path, where):
    deep = "[" * 100_000 + "]" * 100_000
    if where == "safetensors header":
        header = deep.encode()
    else:
        header = json.dumps({"__metadata__": {"layerwise": deep}}).encode()
    path = raw_file(tmp_path / "deep.safetensors", header)
    with pytest.raises(lw.ModelFileError, match="nested too deeply") as info:
        lw.Network.load(path)
    assert names_the_file(path) and str(path) in one_line(info)


def test_nesting_within_the_parser_limit_is_still_bounded(saved):
    path, _, _ = saved
    header = header_of(path)
    nested: list = []
    for _ in range(200):  # far below the interpreter's recursion limit, above ours
        nested = [nested]
    header["extra"] = {"deep": nested}
    rewrite(path, load_file(str(path)), header)
    with pytest.raises(lw.ModelFileError, match="nested too deeply"):
        lw.Network.load(path)


def _finishes(fn, seconds=10.0):
    """Run fn in a thread; the exception it raised (or None) if it ended in time."""
    import threading

    outcome = {}

    def target():
        try:
            fn()
        except BaseException as exc:
            outcome["exc"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "reading the model path did not return"
    return outcome.get("exc")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "model.safetensors"
    os.mkfifo(path)
    exc = _finishes(lambda: lw.Network.load(path))
    assert isinstance(exc, lw.ModelFileError)
    assert "not a regular file (a FIFO)" in str(exc)


def test_a_device_that_never_ends_is_refused(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    exc = _finishes(lambda: lw.Network.load("/dev/zero"))
    assert isinstance(exc, lw.ModelFileError)
    assert "/dev/zero: is not a regular file (a character device)" in str(exc)


def test_an_oversized_header_is_refused_before_reading_it(tmp_path):
    from layerwise.model.io import MAX_HEADER_BYTES

    path = tmp_path / "big.safetensors"
    header = b'{"x": "' + b"a" * MAX_HEADER_BYTES + b'"}'
    raw_file(path, header)
    with pytest.raises(lw.ModelFileError, match=f"at most {MAX_HEADER_BYTES}"):
        lw.Network.load(path)


def test_a_file_longer_than_its_header_describes_is_refused(saved):
    path, _, _ = saved
    with open(path, "ab") as fh:
        fh.write(b"\0" * 64)
    with pytest.raises(lw.ModelFileError, match="truncated or padded"):
        lw.Network.load(path)


def _tamper(header, dotted, value):
    target = header
    *parents, last = dotted.split(".")
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("format_version", "1", "format_version"),
        ("format_version", True, "format_version"),
        ("layer_dims", {"n": 3}, "layer_dims"),
        ("layer_dims", [3, "5", 1], "layer_dims"),
        ("layer_dims", [3, 5.0, 1], "layer_dims"),
        ("activations", "tanh", "activations"),
        ("activations.0", "tanh", "unknown activation"),
        ("activations.0", {"name": ["tanh"]}, "unknown activation"),
        ("activations.0", {"name": "leaky_relu", "slope": "steep"}, "must be numbers"),
        ("activations.0", {"name": "leaky_relu", "slope": 3.0}, "slope must be in"),
        ("activations.0", {"name": "tanh", "slope": 0.1}, "takes no parameters"),
        ("loss", ["mse"], "unknown loss"),
        ("dtype", 64, "unknown dtype"),
        ("init", 5, "unknown init"),
        ("keep_prob", "0.5", "keep_prob"),
        ("keep_prob", [1.5], "keep_prob"),
        ("keep_prob", [0.5, 0.5], "keep_prob"),
        ("extra", [1, 2], "extra"),
        ("layerwise_version", [0, 1], "layerwise_version"),
        ("preprocessing", 7, "preprocessing must be a JSON object"),
        ("preprocessing", {"mean": "abc", "scale": [1, 1, 1]}, "mean must be a list"),
        ("preprocessing", {"mean": [0, 0, 0], "scale": [1, 0, 1]}, "scale must be positive"),
        ("preprocessing", {"mean": [0, 0, 0], "scale": [1, -2, 1]}, "scale must be positive"),
        ("preprocessing", {"mean": [0, 0, 0], "scale": None}, "without a scale"),
        ("preprocessing", {"mean": [{}, 0, 0], "scale": [1, 1, 1]}, "mean must be a list"),
        ("preprocessing", {"feature_names": [1, 2, 3]}, "feature_names"),
        ("preprocessing", {"feature_names": "abc"}, "feature_names"),
        ("preprocessing", {"classes": "ab"}, "classes must be a list"),
        ("preprocessing", {"classes": ["only one"]}, "1 class labels"),
        ("preprocessing", {"classes": [["a"], ["b"]]}, "classes must be a list"),
        ("preprocessing", {"target": ["y"]}, "target must be a column name"),
        ("preprocessing", {"extra": "x"}, "extra must be a JSON object"),
    ],
)
def test_metadata_of_the_wrong_type_or_range_is_one_model_file_error(saved, field, value, says):
    path, _, _ = saved
    header = header_of(path)
    _tamper(header, field, value)
    rewrite(path, load_file(str(path)), header)
    for read in (lw.Network.load, lw.io.read_metadata):
        with pytest.raises(lw.ModelFileError, match=re.escape(says)) as info:
            read(path)
        assert one_line(info).startswith(f"{path}: ")


def test_classes_that_do_not_fit_a_softmax_output(tmp_path):
    net = lw.Network([2, 3, 4], output="softmax", seed=0)
    net.preprocessing = lw.preprocessing.Preprocessing(classes=["a", "b", "c", "d"])
    path = tmp_path / "m.safetensors"
    net.save(path)
    header = header_of(path)
    header["preprocessing"]["classes"] = ["a", "b", "c"]  # fewer labels than outputs
    rewrite(path, load_file(str(path)), header)
    with pytest.raises(lw.ModelFileError, match=r"3 class labels for an output of n\[L\] = 4"):
        lw.Network.load(path)


@pytest.mark.parametrize(
    "classes, says",
    [
        (["a", "b", "a"], "'a' is repeated"),
        ([1, "1", 2], "'1' and 1 are the same label once written as text"),
        ([1, 2, 1.0], "1.0 and 1 are equal"),
        ([True, 1, 0], "1 and True are equal"),
    ],
)
def test_classes_that_name_two_outputs_alike_are_refused(tmp_path, classes, says):
    net = lw.Network([2, 3, 3], output="softmax", seed=0)
    net.preprocessing = lw.preprocessing.Preprocessing(classes=["a", "b", "c"])
    path = tmp_path / "m.safetensors"
    net.save(path)
    header = header_of(path)
    header["preprocessing"]["classes"] = classes
    rewrite(path, load_file(str(path)), header)
    with pytest.raises(lw.ModelFileError) as info:
        lw.Network.load(path)
    assert "classes must name each output once" in str(info.value) and says in str(info.value)
    net.preprocessing = lw.preprocessing.Preprocessing(classes=classes)
    with pytest.raises(ValueError, match="classes must name each output once"):
        net.save(tmp_path / "other.safetensors")  # a save never writes what load refuses
    assert not (tmp_path / "other.safetensors").exists()


def test_a_header_too_large_is_found_from_the_preprocessing_alone(monkeypatch):
    from layerwise import io
    from layerwise.features.encoding import ColumnEncoding

    rare = tuple(f"rare value number {i:06d}" for i in range(20_000))
    columns = [
        ColumnEncoding("x", "number", fill=0.0),
        ColumnEncoding("note", "category", categories=("a", "b"), infrequent=rare),
    ]
    pre = lw.preprocessing.Preprocessing(
        mean=np.zeros(4), scale=np.ones(4), columns=columns, feature_names=None
    )
    pre.feature_names = [n for c in columns for n in c.feature_names()]
    size = len(json.dumps(json.dumps(pre.to_dict())))  # as the header holds it, escaped
    assert size > 20_000 * 25
    monkeypatch.setattr(io, "MAX_HEADER_BYTES", io._HEADER_ROOM + size + 100)
    io.check_header_room(pre)  # fits
    monkeypatch.setattr(io, "MAX_HEADER_BYTES", io._HEADER_ROOM + size - 100)
    with pytest.raises(ValueError) as info:
        io.check_header_room(pre)
    message = str(info.value)
    assert f"would take about {size} bytes" in message
    assert "column 'note'" in message and "2 categories and 20000 rare values" in message
    assert "--drop note" in message


def test_the_command_line_reports_a_tampered_file_in_one_line(saved, capsys):
    from layerwise.cli import main

    path, _, _ = saved
    header = header_of(path)
    header["preprocessing"] = {"mean": "abc"}
    rewrite(path, load_file(str(path)), header)
    for command in (["summary", str(path)], ["explain", str(path)]):
        assert main(command) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "corrupted preprocessing" in err


# --------------------------------------------------------------------------- saving


def test_a_save_never_writes_what_load_would_refuse(trained, tmp_path):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.params["W1"][0, 0] = np.nan
    with pytest.raises(ValueError, match="W1 contains NaN or inf"):
        net.save(path)
    assert not path.exists()
    net.params["W1"][0, 0] = 0.0
    deep: list = []
    for _ in range(100):
        deep = [deep]
    net.metadata = {"deep": deep}
    with pytest.raises(ValueError, match="nested too deeply"):
        net.save(path)
    assert not path.exists()
    net.metadata = {}
    net.preprocessing = lw.preprocessing.Preprocessing(
        mean=np.zeros(3), scale=np.array([1.0, np.inf, 1.0])
    )
    with pytest.raises(ValueError, match="scale"):
        net.save(path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_self_referencing_metadata_is_refused_with_a_message(trained, tmp_path):
    net, _ = trained
    loop: dict = {"name": "loop"}
    loop["self"] = loop
    net.metadata = {"config": loop}
    with pytest.raises(TypeError, match="contains itself"):
        net.save(tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- file modes


def test_resaving_keeps_the_permission_bits_of_the_replaced_file(trained, tmp_path):
    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    os.chmod(path, 0o600)
    net.save(path)
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_a_new_file_gets_the_umask_without_the_umask_being_touched(trained, tmp_path, monkeypatch):
    net, _ = trained
    previous = os.umask(0o027)
    try:
        calls = []
        monkeypatch.setattr(os, "umask", lambda mask: calls.append(mask) or 0o027)
        net.save(tmp_path / "m.safetensors")
    finally:
        monkeypatch.undo()
        os.umask(previous)
    assert calls == []
    assert os.stat(tmp_path / "m.safetensors").st_mode & 0o777 == 0o640


def test_a_killed_save_leaves_nothing_behind_after_the_next_save(trained, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from layerwise._files import TEMP_SUFFIX

    net, _ = trained
    path = tmp_path / "m.safetensors"
    net.save(path)
    before = path.read_bytes()
    # a save that hangs after writing its temporary file, then is killed with SIGKILL
    script = (
        "import os, sys, time\n"
        "import layerwise as lw\n"
        "os.replace = lambda *a: (print('written', flush=True), time.sleep(600))\n"
        "net = lw.Network([3, 5, 1], seed=1)\n"
        f"net.save({str(path)!r})\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "written"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    assert len(leftovers) == 1 and path.read_bytes() == before  # the old model is whole
    # another process's save in progress is left alone; the dead one's file goes
    live = tmp_path / f".other.safetensors.{os.getppid()}.{'0' * 16}{TEMP_SUFFIX}"
    live.write_bytes(b"in progress")
    time.sleep(0.01)
    net.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, live.name])
    assert lw.Network.load(path).layer_dims == [3, 5, 1]
