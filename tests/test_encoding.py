"""layerwise.features.encoding and the table part of Preprocessing: the NumPy transform against
values
worked out by hand, the JSON round trip, and a clear ValueError for every malformed field of a
model file's column encoding (model files come from anywhere). NumPy only."""

from __future__ import annotations

import json

import numpy as np
import pytest

from layerwise.features.encoding import ColumnEncoding, category_key, encode_columns
from layerwise.features.preprocessing import Preprocessing

AGE = ColumnEncoding("age", "number", fill=40.0, indicator=True)
CITY = ColumnEncoding("city", "category", categories=("Lyon", "Paris", None), infrequent=("Nice",))
SEX = ColumnEncoding("sex", "category", categories=("f", "m"))
MEMBER = ColumnEncoding("member", "boolean", fill=1.0)
COLUMNS = [AGE, CITY, SEX, MEMBER]
N0 = 2 + 4 + 2 + 1


def raw_columns():
    return {
        "age": np.array([30.0, np.nan, 50.0, 61.5]),
        "city": np.array(["Paris", None, "Nice", "Brest"], dtype=object),
        "sex": np.array(["m", "f", None, "x"], dtype=object),
        "member": np.array([0.0, 1.0, np.nan, 1.0]),
    }


def test_category_keys_say_what_is_missing():
    assert [category_key(v) for v in ("a", "", None, float("nan"), np.nan)] == [
        "a",
        None,
        None,
        None,
        None,
    ]
    assert [category_key(v) for v in (3, 3.0, np.int64(3), np.float32(2.5), True)] == [
        "3",
        "3",
        "3",
        "2.5",
        "True",
    ]


def test_encode_columns_by_hand():
    X, unseen = encode_columns(COLUMNS, raw_columns())
    expected = np.array(
        [
            [30.0, 40.0, 50.0, 61.5],  # age, the missing one filled with 40
            [0.0, 1.0, 0.0, 0.0],  # age=(missing)
            [0.0, 0.0, 0.0, 0.0],  # city=Lyon
            [1.0, 0.0, 0.0, 0.0],  # city=Paris
            [0.0, 1.0, 0.0, 0.0],  # city=(missing)
            [0.0, 0.0, 1.0, 1.0],  # city=(infrequent): Nice (rare) and Brest (unseen)
            [0.0, 1.0, 0.0, 0.0],  # sex=f
            [1.0, 0.0, 0.0, 0.0],  # sex=m; missing and "x" unseen: all 0
            [0.0, 1.0, 1.0, 1.0],  # member, the missing one filled with 1
        ]
    )
    np.testing.assert_array_equal(X, expected)
    assert unseen == {"city": {"Brest": 1}, "sex": {None: 1, "x": 1}}
    names = [n for c in COLUMNS for n in c.feature_names()]
    assert names == [
        "age",
        "age=(missing)",
        "city=Lyon",
        "city=Paris",
        "city=(missing)",
        "city=(infrequent)",
        "sex=f",
        "sex=m",
        "member",
    ]
    assert [c.width for c in COLUMNS] == [2, 4, 2, 1]


def test_encode_refuses_inf_missing_columns_and_ragged_lengths():
    raw = raw_columns()
    raw["age"] = np.array([1.0, np.inf, 2.0, 3.0])
    with pytest.raises(ValueError, match="column 'age' holds inf"):
        encode_columns(COLUMNS, raw)
    raw = raw_columns()
    del raw["sex"]
    with pytest.raises(ValueError, match=r"the columns \['sex'\] are missing"):
        encode_columns(COLUMNS, raw)
    raw = raw_columns()
    raw["member"] = raw["member"][:3]
    with pytest.raises(ValueError, match="column 'member' has 3 values; the first column has 4"):
        encode_columns(COLUMNS, raw)


def preprocessing() -> Preprocessing:
    mean = np.array([45.0, 0, 0, 0, 0, 0, 0, 0, 0])
    scale = np.array([12.0, 1, 1, 1, 1, 1, 1, 1, 1])
    return Preprocessing(
        mean=mean,
        scale=scale,
        feature_names=[n for c in COLUMNS for n in c.feature_names()],
        classes=["no", "yes"],
        target="churn",
        columns=list(COLUMNS),
        left_out=["customer_id"],
    )


def test_preprocessing_encode_standardizes_the_numbers_only():
    X, _ = preprocessing().encode(raw_columns())
    np.testing.assert_allclose(X[0], (np.array([30.0, 40.0, 50.0, 61.5]) - 45.0) / 12.0)
    np.testing.assert_array_equal(X[1:], encode_columns(COLUMNS, raw_columns())[0][1:])


def test_round_trip_through_json():
    pre = preprocessing()
    pre.target_mean, pre.target_scale = 3.5, 2.0
    back = Preprocessing.from_dict(json.loads(json.dumps(pre.to_dict())), N0)
    assert back.columns == COLUMNS
    assert back.left_out == ["customer_id"] and back.feature_names == pre.feature_names
    assert back.ignored == ["customer_id"]  # the former name, an alias
    assert pre.to_dict()["ignored"] == ["customer_id"]  # the model file's key
    assert (back.target_mean, back.target_scale) == (3.5, 2.0)
    np.testing.assert_array_equal(back.encode(raw_columns())[0], pre.encode(raw_columns())[0])
    np.testing.assert_allclose(
        back.inverse_target(back.scale_target(np.array([[1.0, 9.0]]))), [[1.0, 9.0]]
    )
    assert back.scale_target(np.array([[5.5]]))[0, 0] == 1.0


def with_change(path, value):
    data = preprocessing().to_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()

BAD = [
    (("columns",), "x", "columns must be a non-empty list"),
    (("columns",), [], "columns must be a non-empty list"),
    (("columns", 0), "age", "columns[0]: a column encoding must be a JSON object"),
    (("columns", 0, "name"), "", "a column's name must be a non-empty string"),
    (("columns", 0, "name"), 7, "a column's name must be a non-empty string"),
    (("columns", 0, "kind"), "time", "column 'age': kind must be one of"),
    (("columns", 0, "fill"), "40", "column 'age': fill must be a finite number"),
    (("columns", 0, "fill"), True, "column 'age': fill must be a finite number"),
    (("columns", 0, "fill"), float("nan"), "column 'age': fill must be a finite number"),
    (("columns", 0, "fill"), None, "column 'age': fill must be a finite number"),
    (("columns", 3, "fill"), 2.0, "column 'member': a boolean's fill must be in [0, 1]"),
    (("columns", 0, "indicator"), "yes", "column 'age': indicator must be true or false"),
    (("columns", 1, "categories"), "Lyon", "column 'city': categories must be a list"),
    (("columns", 1, "categories"), ["Lyon", ""], "must be a non-empty string or null"),
    (("columns", 1, "categories"), ["Lyon", 3, None], "must be a non-empty string or null"),
    (("columns", 1, "categories"), ["Lyon", "Lyon", None], "categories lists 'Lyon' twice"),
    (("columns", 1, "infrequent"), ["Lyon"], "'Lyon' is both a category and infrequent"),
    (("columns", 1, "infrequent"), [["Nice"]], "must be a non-empty string or null"),
    (("columns", 2, "categories"), ["f"], "make 8 features but the network takes n[0] = 9"),
    (("columns", 2, "categories"), [], "a category column needs at least one category"),
    (("columns", 2, "name"), "city", "preprocessing columns name 'city' twice"),
    (("columns", 2, "name"), "churn", "column 'churn' is also the target"),
    (("feature_names",), ["age"] * N0, "feature_names do not match its columns"),
    (("target",), 3, "target must be a column name"),
    (("target_mean",), 1.0, "target_mean and target_scale come together"),
    (("ignored",), "customer_id", "ignored must be a list of column names"),
    (("ignored",), ["age"], "ignores the input column 'age'"),
    (("extra",), [1], "extra must be a JSON object"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD, ids=[m for _, _, m in BAD])
def test_malformed_column_metadata_is_refused(path, value, message):
    data = with_change(path, value)
    with pytest.raises(ValueError, match=r"^preprocessing ") as info:
        Preprocessing.from_dict(json.loads(json.dumps(data)), N0)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("mean", "scale"),
    [(1.0, 0.0), (1.0, -2.0), (float("inf"), 1.0), ("1", 1.0), (True, 1.0)],
)
def test_bad_target_scaling_is_refused(mean, scale):
    data = preprocessing().to_dict()
    data["target_mean"], data["target_scale"] = mean, scale
    with pytest.raises(ValueError, match="target_mean must be finite and target_scale finite"):
        Preprocessing.from_dict(data, N0)


def test_model_file_with_malformed_columns_is_a_model_file_error(tmp_path):
    pytest.importorskip("safetensors", reason="model files need the io extra")
    from safetensors.numpy import load_file, save_file

    import layerwise as lw
    from layerwise.model.io import ModelFileError

    net = lw.Network([N0, 3, 1], seed=0)
    net.preprocessing = preprocessing()
    net.save(tmp_path / "m.st")
    assert lw.Network.load(tmp_path / "m.st").preprocessing.columns == COLUMNS
    # the same file with one category listed twice, written by hand (layerwise would not)
    with open(tmp_path / "m.st", "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(n))
    document = json.loads(header["__metadata__"]["layerwise"])
    document["preprocessing"]["columns"][1]["categories"] = ["Lyon", "Lyon"]
    tensors = load_file(str(tmp_path / "m.st"))
    save_file(tensors, str(tmp_path / "bad.st"), metadata={"layerwise": json.dumps(document)})
    with pytest.raises(ModelFileError, match="corrupted preprocessing") as info:
        lw.Network.load(tmp_path / "bad.st")
    assert "categories lists 'Lyon' twice" in str(info.value)


# --------------------------------------------------------------------------- chunks and sizes


def test_predict_in_chunks_equals_all_rows_at_once():
    from layerwise import encoding

    rng = np.random.default_rng(0)
    m = 37
    raw = {
        "age": rng.normal(40, 10, m),
        "city": rng.choice(np.array(["Paris", "Lyon", "Nice", "Brest", None], dtype=object), m),
        "sex": rng.choice(np.array(["m", "f", "x", None], dtype=object), m),
        "member": rng.choice(np.array([0.0, 1.0, np.nan]), m),
    }
    raw["age"][[2, 9]] = np.nan
    pre = preprocessing()
    W = rng.normal(size=(3, N0))

    def predict(X):
        return np.tanh(W @ X)

    X, unseen = pre.encode(raw)
    for max_bytes in (1, 8 * N0 * 5, 10**9):  # one row, five rows, all rows per chunk
        A, chunk_unseen = pre.predict_in_chunks(raw, predict, max_bytes=max_bytes)
        np.testing.assert_allclose(A, predict(X), rtol=0, atol=1e-15)
        assert chunk_unseen == unseen
    assert unseen["city"]["Brest"] == int(np.sum(raw["city"] == "Brest"))
    sizes = []
    encoding.predict_in_chunks(
        lambda X: sizes.append(X.shape) or X[:1], COLUMNS, raw, max_bytes=8 * N0 * 5
    )
    assert sizes == [(N0, 5)] * 7 + [(N0, 2)]


def test_predict_in_chunks_blames_the_model_for_non_finite_outputs():
    pre = preprocessing()

    def overflowing(X):
        return np.full((1, X.shape[1]), np.inf)

    with pytest.raises(ValueError, match="model's weights or preprocessing statistics overflow"):
        pre.predict_in_chunks(raw_columns(), overflowing)


def test_an_encoding_too_large_for_memory_is_refused_before_allocating(monkeypatch):
    from layerwise import _memory as memory

    monkeypatch.setattr(memory, "memory_budget", lambda: 1000)
    wide = ColumnEncoding("word", "category", categories=tuple(f"w{i}" for i in range(40)))
    raw = {**raw_columns(), "word": np.array(["w1"] * 4, dtype=object)}
    # (9 + 40) features x 4 rows x 8 bytes = 1568 bytes > 1000
    with pytest.raises(MemoryError) as info:
        encode_columns([*COLUMNS, wide], raw)
    message = str(info.value)
    assert "column 'word' one-hot encodes into 40 features" in message
    assert "(49, 4) needs 1.6 kB (1568 bytes)" in message and "--drop word" in message
    encode_columns(COLUMNS, raw_columns())  # 288 bytes: fine
    with pytest.raises(MemoryError, match=r"target 'species' has 40 classes: .* \(40, 4\)"):
        memory.check_target_size("species", 40, 4)
    memory.check_target_size("species", 3, 4)


def test_memory_budget_is_half_the_lower_of_memory_and_the_address_space_limit(monkeypatch):
    import resource

    from layerwise import _memory as memory

    monkeypatch.setattr(memory, "available_memory", lambda: 8 * 2**30)
    monkeypatch.setattr(resource, "getrlimit", lambda which: (2 * 2**30, resource.RLIM_INFINITY))
    assert memory.memory_budget() == 2**30
    monkeypatch.setattr(resource, "getrlimit", lambda which: (resource.RLIM_INFINITY,) * 2)
    assert memory.memory_budget() == 4 * 2**30


# --------------------------------------------------------------------------- a model's statistics


def test_a_fill_far_from_its_mean_is_refused_as_the_models_fault():
    data = with_change(("columns", 0, "fill"), 1e308)
    with pytest.raises(ValueError, match="column 'age': the model's statistics are damaged"):
        Preprocessing.from_dict(data, N0)
    # within sqrt(m) standard deviations of the mean (Samuelson): a median training can give
    data = with_change(("columns", 0, "fill"), 45.0 + 12.0 * 999_999)
    Preprocessing.from_dict(data, N0)


def test_a_tiny_scale_that_overflows_clean_data_blames_the_model():
    pre = preprocessing()
    assert pre.scale is not None
    pre.scale[0] = 1e-320
    with pytest.raises(ValueError) as info:
        pre.encode(raw_columns())
    message = str(info.value)
    assert "the model's preprocessing turns the finite value 30.0 of feature 'age'" in message
    assert "into -inf" in message and "not the data" in message and "impute" not in message
    X = np.array([[np.inf], [0.0], [0], [0], [0], [0], [0], [0], [0]])
    assert np.isinf(pre.transform(X)[0, 0])  # non-finite data is the data's: others name it


def test_encode_columns_fills_a_given_buffer():
    X, unseen = encode_columns(COLUMNS, raw_columns())
    out = np.full((N0, 4), 7.0)
    got, got_unseen = encode_columns(COLUMNS, raw_columns(), out=out)
    assert got is out and got_unseen == unseen
    np.testing.assert_array_equal(out, X)
    with pytest.raises(ValueError, match=r"out must be float64 of shape \(n\[0\], m\) = \(9, 4\)"):
        encode_columns(COLUMNS, raw_columns(), out=np.empty((N0, 3)))


def test_float32_data_beyond_its_range_is_not_blamed_on_the_model():
    pre = Preprocessing(mean=np.array([-3e38]), scale=np.array([0.5]))
    Z = pre.transform(np.array([[3e38]], dtype=np.float32))  # 1.2e39: no float32 holds it
    assert Z.dtype == np.float32 and np.isinf(Z[0, 0])
    pre.scale[0] = 1e-320  # a scale no data gives: the model's fault, in any dtype
    with pytest.raises(ValueError, match="the model file's standardization is out of range"):
        pre.transform(np.array([[1.0]], dtype=np.float32))
