"""Property-based tests of the readers that take files from anywhere: every random mutation
of a valid model file, every random header, and every random CSV text ends as a result or as
the reader's own error (ModelFileError, ValueError), never another exception, and quickly."""

from __future__ import annotations

import json

import numpy as np
import pytest

import layerwise as lw

pytest.importorskip("hypothesis", reason="property-based tests need hypothesis (test extra)")
pytest.importorskip("safetensors", reason="model files need the io extra (safetensors)")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: each example must end within a second
quick = settings(
    deadline=1000, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def valid_file(tmp_path_factory):
    net = lw.Network([3, 4, 2], hidden="leaky_relu", output="softmax", seed=0)
    net.preprocessing = lw.preprocessing.Preprocessing.fit(
        np.random.default_rng(0).standard_normal((3, 10)), classes=["x", "y"]
    )
    path = tmp_path_factory.mktemp("model") / "valid.safetensors"
    net.save(path)
    return path.read_bytes(), net


def _same_model(net, other):
    return other.layer_dims == net.layer_dims and all(
        np.array_equal(other.params[k], net.params[k]) for k in net.params
    )


@quick
@given(data=st.data())
def test_byte_mutations_load_the_original_or_fail_as_model_file_errors(valid_file, tmp_path, data):
    raw, net = valid_file
    mutated = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        at = data.draw(st.integers(0, len(mutated) - 1))
        if kind == "flip":
            mutated[at] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del mutated[at : at + data.draw(st.integers(1, 64))]
        else:
            mutated[at:at] = data.draw(st.binary(min_size=1, max_size=16))
        if not mutated:
            break
    path = tmp_path / "mutated.safetensors"
    path.write_bytes(bytes(mutated))
    try:
        loaded = lw.Network.load(path)
    except lw.ModelFileError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:
        # a mutation the reader accepts must have left the model as it was (a flipped bit in
        # a weight gives another valid model: then only its weights may differ)
        assert loaded.layer_dims == net.layer_dims
        assert loaded._describe()["activations"] == net._describe()["activations"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)

fields = st.fixed_dictionaries(
    {},
    optional={
        name: json_values
        for name in (
            "format_version",
            "layer_dims",
            "activations",
            "loss",
            "dtype",
            "init",
            "keep_prob",
            "preprocessing",
            "extra",
            "layerwise_version",
        )
    },
)


@quick
@given(header=json_values, layerwise=fields)
def test_random_headers_fail_as_model_file_errors(tmp_path, header, layerwise):
    for document in (
        header,
        {"__metadata__": {"layerwise": json.dumps({"format": "layerwise", **layerwise})}},
    ):
        text = json.dumps(document).encode()
        path = tmp_path / "random.safetensors"
        path.write_bytes(len(text).to_bytes(8, "little") + text)
        with pytest.raises(lw.ModelFileError) as info:
            lw.Network.load(path)
        assert "\n" not in str(info.value)


#: pieces of CSV text: separators, quotes, line ends, numbers, words, missing values
csv_pieces = st.sampled_from([*'ab1.,;"', "\n", "\r", " ", "-", "e", "#", "NaN", "inf", "id"])


@quick
@given(text=st.lists(csv_pieces, max_size=120).map("".join))
def test_random_csv_text_is_a_table_or_a_value_error(tmp_path, text):
    pytest.importorskip("pandas", reason="tables need the tables extra")
    from layerwise.tables import load_table

    path = tmp_path / "random.csv"
    path.write_text(text)
    try:
        table = load_table(path, require_target=False)
    except ValueError as exc:
        assert str(exc)
    else:
        assert table.X.shape[0] == table.m
