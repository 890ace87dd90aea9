"""TableEncoder against scikit-learn's ColumnTransformer configured the same way (median
imputation, the missing indicator of columns that had missing values, StandardScaler for
numbers; OneHotEncoder with handle_unknown="infrequent_if_exist" and min_frequency for text),
on generated mixed tables; weighted fits against repeated rows; and every refused column."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise.features.encoding import encode_columns

for _module in ("pandas", "sklearn"):
    pytest.importorskip(_module, reason="TableEncoder needs pandas; the oracle is scikit-learn")

import pandas as pd  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.impute import MissingIndicator, SimpleImputer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from layerwise.tables import TableEncoder, load_table, mixed_table  # noqa: E402
from layerwise.tables.encoder import weighted_median  # noqa: E402
from layerwise.tables.stats import TableStats  # noqa: E402


def generated(m: int, seed: int, unseen: bool = False) -> pd.DataFrame:
    """A mixed table: numbers with and without missing values, three text columns (one with
    rare categories), booleans with and without missing values, a pandas categorical."""
    rng = np.random.default_rng(seed)

    def with_missing(values: np.ndarray, rate: float) -> np.ndarray:
        values = values.astype(object)
        values[rng.random(m) < rate] = None
        return values

    colours = ["red", "green", "blue", "teal", "plum"]  # the last two are rare
    frame = pd.DataFrame(
        {
            "height": np.where(rng.random(m) < 0.1, np.nan, rng.normal(170, 10, m)),
            "income": np.where(rng.random(m) < 0.05, np.nan, rng.lognormal(10, 1, m)),
            "age": rng.integers(18, 90, m),
            "colour": with_missing(rng.choice(colours, m, p=[0.41, 0.3, 0.275, 0.01, 0.005]), 0.08),
            "city": with_missing(rng.choice(["Lyon", "Paris", "Nice"], m), 0.02),
            "plan": rng.choice(["basic", "pro"], m, p=[0.9, 0.1]).astype(object),
            "member": with_missing(rng.random(m) < 0.3, 0.1),
            "smoker": rng.random(m) < 0.2,
            "grade": pd.Categorical(
                with_missing(rng.choice(["A", "B", "C"], m), 0.05), categories=["A", "B", "C", "D"]
            ),
        }
    )
    if unseen:  # values and missing values training never saw
        frame.loc[0:4, "colour"] = "mauve"
        frame.loc[5:7, "city"] = "Brest"
        frame.loc[8:9, "plan"] = None
        frame.loc[10:12, "age"] = np.nan
        frame["smoker"] = frame["smoker"].astype(object)
        frame.loc[13, "smoker"] = None
        frame.loc[14, "grade"] = "D"
    return frame


NUMBERS, BOOLEANS = ["height", "income", "age"], ["member", "smoker"]
TEXT = ["colour", "city", "plan", "grade"]


def for_sklearn(frame: pd.DataFrame) -> pd.DataFrame:
    """What scikit-learn's transformers take: booleans as 0/1 floats, text as objects with NaN."""
    out = frame.copy()
    for c in NUMBERS:
        out[c] = out[c].astype(float)
    for c in BOOLEANS:
        out[c] = out[c].map(lambda v: np.nan if v is None or v != v else float(v)).astype(float)
    for c in TEXT:
        out[c] = out[c].astype(object).where(out[c].notna(), np.nan)
    return out


def column_transformer(train: pd.DataFrame, min_frequency) -> ColumnTransformer:
    """One transformer per column, in the table's order, configured as TableEncoder is."""
    parts = []
    for c in train.columns:
        had_missing = bool(train[c].isna().any())
        if c in NUMBERS:
            scaler = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
            parts.append((c, scaler, [c]))
            if had_missing:
                parts.append((f"{c}_missing", MissingIndicator(features="missing-only"), [c]))
        elif c in BOOLEANS:
            parts.append((c, SimpleImputer(strategy="median", add_indicator=True), [c]))
        else:
            onehot = OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                min_frequency=min_frequency,
                sparse_output=False,
            )
            parts.append((c, onehot, [c]))
    return ColumnTransformer(parts, sparse_threshold=0.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("min_frequency", [5, 0.04])
def test_equals_scikit_learns_column_transformer(seed, min_frequency):
    train, new = generated(400, seed), generated(150, seed + 100, unseen=True)
    encoder = TableEncoder(min_frequency=min_frequency).fit(train)
    oracle = column_transformer(train, min_frequency).fit(for_sklearn(train))
    for frame in (train, new):
        mine = encoder.transform(frame)  # (n[0], m)
        theirs = oracle.transform(for_sklearn(frame)).T
        assert mine.shape == theirs.shape
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)


def sklearn_name(name: str) -> str:
    """scikit-learn's feature name -> layerwise's: city__city_Paris -> city=Paris."""
    block, _, feature = name.partition("__")
    if block.endswith("_missing") or feature.startswith("missingindicator_"):
        return f"{block.removesuffix('_missing')}=(missing)"
    if block in TEXT:
        value = feature.removeprefix(f"{block}_")
        value = {"nan": "(missing)", "infrequent_sklearn": "(infrequent)"}.get(value, value)
        return f"{block}={value}"
    return block


def test_feature_names_follow_scikit_learns():
    train = generated(400, 0)
    encoder = TableEncoder(min_frequency=5).fit(train)
    oracle = column_transformer(train, 5).fit(for_sklearn(train))
    names = [sklearn_name(n) for n in oracle.get_feature_names_out()]
    assert encoder.feature_names_out_ == names
    assert "colour=(infrequent)" in names and "colour=(missing)" in names
    assert "height=(missing)" in names and "age=(missing)" not in names
    assert encoder.preprocessing_.feature_names == names


def test_unseen_values_are_counted():
    encoder = TableEncoder().fit(generated(400, 0))
    X, unseen = encoder.encode(generated(150, 7, unseen=True))
    assert X.shape == (len(encoder.feature_names_out_), 150)
    assert unseen["colour"] == {"mauve": 5} and unseen["city"] == {"Brest": 3}
    assert unseen["plan"] == {None: 2}  # plan had no missing value in training
    assert unseen["grade"] == {"D": 1}  # a declared category that training never saw


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(3)
    train = generated(300, 3)
    w = rng.integers(0, 4, len(train)).astype(float)
    weighted = TableEncoder().fit(train, sample_weight=w)
    repeated = TableEncoder().fit(train.loc[train.index.repeat(w.astype(int))])
    assert weighted.columns_ == repeated.columns_
    for key in ("mean", "scale"):
        np.testing.assert_allclose(
            getattr(weighted.preprocessing_, key), getattr(repeated.preprocessing_, key), rtol=1e-12
        )


@pytest.mark.parametrize("seed", range(20))
def test_weighted_median_is_the_median_of_repeated_values(seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 8, rng.integers(1, 12)).astype(float)
    weights = rng.integers(0, 4, values.size).astype(float)
    weights[rng.integers(values.size)] += 1  # not all zero
    assert weighted_median(values, weights) == np.median(np.repeat(values, weights.astype(int)))


def test_columns_in_any_order_and_others_ignored():
    train = generated(200, 0)
    encoder = TableEncoder().fit(train)
    shuffled = train[train.columns[::-1]].assign(extra="x")
    np.testing.assert_array_equal(encoder.transform(shuffled), encoder.transform(train))


def test_the_bundled_mixed_table_encodes():
    frame = mixed_table(m=500, seed=1).drop(columns=["id", "species"])
    encoder = TableEncoder(min_frequency=5).fit(frame)
    kinds = {c.name: c.kind for c in encoder.columns_}
    assert kinds["tagged"] == "boolean" and kinds["island"] == "category"
    assert kinds["year"] == "number"
    island = next(c for c in encoder.columns_ if c.name == "island")
    assert island.infrequent == ("Litchfield",)  # seen in fewer than 5 rows


def refused(frame: pd.DataFrame, *parts: str, error=ValueError) -> None:
    with pytest.raises(error) as info:
        TableEncoder().fit(frame)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_an_id_or_free_text_column_is_left_out_with_a_notice():
    m = 50
    x = np.random.default_rng(0).normal(size=m)
    frame = pd.DataFrame({"x": x, "name": [f"person {i}" for i in range(m)]})
    encoder = TableEncoder().fit(frame)
    assert [c.name for c in encoder.columns_] == ["x"] and encoder.left_out_ == ["name"]
    (notice,) = encoder.notices_
    assert notice.startswith("column 'name' left out: nearly every value is distinct")
    assert "50 distinct in 50 rows" in notice and notice.endswith("--keep name keeps it")
    assert encoder.transform(frame).shape == (1, m)
    # keep: a category of its own, one feature per value
    kept = TableEncoder(min_frequency=1, keep=["name"]).fit(frame)
    assert kept.left_out_ == [] and len(kept.feature_names_out_) == 1 + 50
    # the same few distinct values in a small table are categories
    small = TableEncoder().fit(pd.DataFrame({"x": x[:10], "name": [f"p{i}" for i in range(10)]}))
    assert small.left_out_ == []
    # nothing left to encode: refused, naming what was left out
    refused(frame[["name"]], "no column of the table can be a feature: 'name'", "keep")


def test_numbers_with_a_few_text_values_are_left_out_explained():
    values = [str(v) for v in np.linspace(0, 1, 60)]
    values[3] = "?"
    encoder = TableEncoder().fit(pd.DataFrame({"dose": values, "x": np.ones(60)}))
    assert encoder.left_out_ == ["dose"]
    assert (
        "column 'dose' left out: it holds numbers but also text ('?' at row 3)"
        in encoder.notices_[0]
    )


@pytest.mark.parametrize(
    ("column", "first"),
    [
        (list(np.arange(1, 41)), "from 1 to 40, in file order"),
        (list(range(0, 80, 2)), "from 0 to 78, in file order"),  # gaps: rows filtered out
        (list(np.random.default_rng(1).permutation(np.arange(1, 41))), "in some order"),
    ],
    ids=["1..m", "gaps", "shuffled"],
)
def test_a_row_number_column_is_left_out(column, first):
    x = np.random.default_rng(0).normal(size=40)
    frame = pd.DataFrame({"rownames": column, "x": x})
    encoder = TableEncoder().fit(frame)
    assert encoder.left_out_ == ["rownames"]
    assert "it numbers the rows (40 distinct whole numbers" in encoder.notices_[0]
    assert first in encoder.notices_[0]
    assert TableEncoder(keep=["rownames"]).fit(frame).feature_names_out_ == ["rownames", "x"]


@pytest.mark.parametrize(
    "column",
    [
        list(np.arange(5, 45)),  # does not start at 0 or 1: a year, a size...
        list(np.arange(1, 41) * 3),  # too sparse: a code, not a row number
        [1, 1, *range(2, 40)],  # repeated values
        list(np.arange(1, 41) + 0.5),  # not whole numbers
        list(np.arange(1, 11)),  # too few rows to tell
    ],
    ids=["offset", "sparse", "repeated", "fractions", "few"],
)
def test_numbers_that_do_not_number_the_rows_stay(column):
    frame = pd.DataFrame({"n": column})
    assert TableEncoder().fit(frame).left_out_ == []


def split_of_a_numbered_table(seed: int, shuffled: bool) -> pd.DataFrame:
    """The training part of a random 75/25 split of a table of 2000 rows numbered 1..2000
    (R's ``rownames``), sorted by its target: the numbers alone predict y."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=2000)
    y = np.sort(rng.normal(size=2000))
    table = pd.DataFrame({"rownames": np.arange(1, 2001), "x": x, "y": y})
    rows = rng.permutation(2000)[:1500]
    return table.iloc[rows if shuffled else np.sort(rows)].reset_index(drop=True)


@pytest.mark.parametrize("shuffled", [False, True], ids=["in order", "shuffled"])
def test_the_row_numbers_of_a_split_are_left_out_whatever_its_gaps(shuffled):
    # a quarter of the splits start at 2 or more: every one must still be caught
    seeds = range(12)
    starts = [int(split_of_a_numbered_table(s, shuffled).rownames.min()) for s in seeds]
    assert max(starts) >= 2 and min(starts) == 1  # the case the test is for is among them
    for seed in seeds:
        train = split_of_a_numbered_table(seed, shuffled)
        features = train.drop(columns="y")
        encoder = TableEncoder().fit(features)
        assert encoder.left_out_ == ["rownames"], seed
        low, high = train.rownames.min(), train.rownames.max()
        order = "in some order" if shuffled else "in file order"
        assert encoder.notices_ == [
            f"column 'rownames' left out: it numbers the rows (1500 distinct whole numbers "
            f"from {low} to {high}, {order}), as a row number does; --keep rownames keeps it"
        ]
        # streamed a chunk at a time, the same rule
        stats = TableStats()
        for start in range(0, 1500, 400):
            stats.update(features.iloc[start : start + 400])
        assert stats.encoder().left_out_ == ["rownames"], seed
        # and the loader's notice, the same column named
        table = load_table(train, target="y")
        assert "rownames" not in table.feature_names
        assert any(n.startswith("column 'rownames' left out: it numbers") for n in table.notices)


def test_numbered_rows_with_gaps_at_both_ends_are_row_numbers():
    # rows 1..2000, the first 25 and the last 60 filtered out, then a random 75 % kept
    rng = np.random.default_rng(5)
    numbers = rng.permutation(np.arange(26, 1941))[:1400]
    frame = pd.DataFrame({"rownames": numbers, "x": rng.normal(size=1400)})
    assert TableEncoder().fit(frame).left_out_ == ["rownames"]


def test_a_genuine_measurement_of_distinct_whole_numbers_is_a_feature():
    rng = np.random.default_rng(3)
    m = 1500
    y = rng.normal(size=m)
    order = np.argsort(np.argsort(y))  # each row's rank of y
    frame = pd.DataFrame(
        {
            # distinct incomes in whole euros, rising with y
            "income": np.sort(rng.choice(np.arange(20_000, 200_000), m, replace=False))[order],
            # distinct four-digit codes measured in the order of y (1000..2999 on 1500 rows)
            "code": np.sort(rng.choice(np.arange(1000, 3000), m, replace=False))[order],
            # distinct areas in square metres, spread over 30..6000
            "area": rng.choice(np.arange(30, 6000), m, replace=False),
        }
    )
    encoder = TableEncoder().fit(frame)
    assert encoder.left_out_ == [] and encoder.notices_ == []
    assert encoder.feature_names_out_ == ["income", "code", "area"]


def test_text_in_a_held_out_row_of_a_number_column_is_named_with_its_row():
    values = [str(v) for v in np.linspace(0, 1, 60)]
    values[41] = "n/a?"
    frame = pd.DataFrame({"dose": values, "z": np.arange(60.0)})
    train = np.r_[0:40, 45:60]  # row 41 is held out: the encoder never sees it
    enc = TableEncoder().fit(frame.iloc[train])
    assert enc.columns_[0].kind == "number"  # its training values are numbers
    np.testing.assert_allclose(
        enc.transform(frame.iloc[train])[0] * enc.preprocessing_.scale[0]
        + enc.preprocessing_.mean[0],
        np.linspace(0, 1, 60)[train],
    )
    with pytest.raises(
        ValueError,
        match="column 'dose' must hold numbers, as it did in training; it holds 'n/a\\?' at row 41",
    ):
        enc.transform(frame)


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["2021-03-04", "2021-03-05", None] * 10),
        pd.Series(["03/04/2021", "12/31/2020"] * 10),
        pd.Series(pd.to_datetime(["2021-03-04", "2021-03-05"] * 10)),
        pd.Series(pd.to_datetime(["2021-03-04 10:00", "2021-03-05 22:00"] * 10, utc=True)),
    ],
    ids=["iso-text", "slashes", "datetime", "datetime-utc"],
)
def test_dates_become_four_numbers(column):
    frame = pd.DataFrame({"x": np.arange(len(column)) % 3, "when": column})
    encoder = TableEncoder().fit(frame)
    (date,) = [c for c in encoder.columns_ if c.name == "when"]
    assert date.kind == "date"
    assert encoder.feature_names_out_[1:5] == [
        "when:year",
        "when:day_of_year",
        "when:day_of_week",
        "when:days",
    ]
    expected = pd.to_datetime(column, format="mixed", utc=True).dt.tz_localize(None)
    raw, _ = encode_columns(encoder.columns_, TableEncoder._columns_of(frame, encoder.columns_))
    present = expected.notna().to_numpy()
    # the oracle: pandas' own calendar
    np.testing.assert_array_equal(raw[1, present], expected[present].dt.year)
    np.testing.assert_array_equal(raw[2, present], expected[present].dt.day_of_year)
    np.testing.assert_array_equal(raw[3, present], expected[present].dt.day_of_week)
    earliest = expected.min()
    days = (expected - earliest) / pd.Timedelta(days=1)
    np.testing.assert_allclose(raw[4, present], days[present])
    assert date.origin == (earliest - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)


def test_a_date_column_reads_text_at_predict_time_and_fills_what_is_not_a_date():
    train = pd.DataFrame({"when": ["2020-01-01", "2020-01-03", "2020-12-31"]})
    encoder = TableEncoder().fit(train)
    (date,) = encoder.columns_
    assert date.fill == 18264.0 and date.origin == 18262.0  # the median and the earliest day
    test = pd.DataFrame({"when": ["2024-02-29", "not a date", None]})
    raw, _ = encode_columns(encoder.columns_, TableEncoder._columns_of(test, encoder.columns_))
    # 2024-02-29 was a Thursday; a missing or unreadable date takes the median, 2020-01-03
    np.testing.assert_array_equal(raw[:, 0], [2024, 60, 3, 19782 - 18262])
    np.testing.assert_array_equal(raw[:, 1], [2020, 3, 4, 2])
    np.testing.assert_array_equal(raw[:, 2], raw[:, 1])


def test_a_column_without_values_is_refused():
    refused(pd.DataFrame({"x": [1.0, 2.0], "empty": [np.nan, np.nan]}), "'empty' has no values")
    refused(pd.DataFrame({"x": [1.0, 2.0], "empty": [None, None]}), "'empty' has no values")


def test_bad_arguments():
    frame = generated(50, 0)
    refused(frame.to_numpy(), "takes a pandas DataFrame", error=TypeError)
    refused(frame.iloc[:0], "needs rows and columns")
    for bad in (0, -1, 1.5, True, "5"):
        with pytest.raises(ValueError, match="min_frequency must be a count >= 1 or a fraction"):
            TableEncoder(min_frequency=bad).fit(frame)
    with pytest.raises(ValueError, match="sample_weight must be 50 finite numbers >= 0"):
        TableEncoder().fit(frame, sample_weight=-np.ones(50))
    with pytest.raises(ValueError, match="not fitted yet"):
        TableEncoder().transform(frame)
    twice = pd.DataFrame([[1, 2]], columns=["a", "a"])
    refused(twice, "two columns named 'a'")


def test_values_that_do_not_fit_the_column_are_refused_by_row():
    encoder = TableEncoder().fit(generated(100, 0))
    frame = generated(20, 1)
    bad = frame.assign(height=frame["height"].astype(object))
    bad.loc[4, "height"] = "tall"
    with pytest.raises(
        ValueError,
        match="column 'height' must hold numbers, as it did in training; it holds 'tall' at row 4",
    ):
        encoder.transform(bad)
    bad = frame.assign(member=frame["member"].astype(object))
    bad.loc[2, "member"] = "maybe"
    with pytest.raises(ValueError, match=r"column 'member' must hold True/False.*'maybe' at row 2"):
        encoder.transform(bad)
    bad = frame.assign(income=frame["income"].fillna(1.0))
    bad.loc[6, "income"] = np.inf
    with pytest.raises(ValueError, match="column 'income' holds inf at row 6"):
        encoder.transform(bad)
    with pytest.raises(ValueError, match=r"the table lacks the column\(s\) 'city'"):
        encoder.transform(frame.drop(columns="city"))
    # booleans written as text or 0/1 are read as booleans
    spelled = frame.assign(smoker=frame["smoker"].map({True: "TRUE", False: "false"}))
    np.testing.assert_array_equal(encoder.transform(spelled), encoder.transform(frame))


# --------------------------------------------------------------------------- robust scaling


def heavy_tailed(m: int = 301, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = np.exp(rng.normal(10, 1.5, m))  # log-normal: a long right tail
    income[:3] = [1e9, 5e9, 2e10]  # and three outliers
    age = rng.integers(18, 90, m).astype(float)
    age[::10] = np.nan
    return pd.DataFrame({"income": income, "age": age, "city": rng.choice(["a", "b"], m)})


def test_robust_scaling_centres_on_the_median_and_scales_by_the_quartiles():
    df = heavy_tailed()
    enc = TableEncoder(scaling="robust").fit(df)
    pre = enc.preprocessing_
    names = enc.feature_names_out_
    for column in ("income", "age"):
        j = names.index(column)
        values = df[column].fillna(df[column].median()).to_numpy()  # the fill: the median
        q25, q50, q75 = np.quantile(values, [0.25, 0.5, 0.75], method="averaged_inverted_cdf")
        assert pre.mean[j] == pytest.approx(q50)
        assert pre.scale[j] == pytest.approx((q75 - q25) / 1.349)
    # 0/1 features (the missing indicator, the categories) are left as they are
    for j, name in enumerate(names):
        if name not in ("income", "age"):
            assert (pre.mean[j], pre.scale[j]) == (0.0, 1.0)
    # the standard deviation, which the outliers inflate, is far larger than the robust scale
    j = names.index("income")
    assert StandardScaler().fit(df[["income"]]).scale_[0] > 100 * pre.scale[j]


def test_the_smooth_clip_is_z_over_sqrt_of_one_plus_z_over_c_squared():
    df = heavy_tailed()
    plain = TableEncoder(scaling="robust").fit(df)
    clipped = TableEncoder(scaling="robust", clip=3.0).fit(df)
    Z = plain.transform(df)
    expected = Z / np.sqrt(1 + (Z / 3.0) ** 2)
    np.testing.assert_allclose(clipped.transform(df), expected, rtol=1e-12)
    X = clipped.transform(df)
    assert np.abs(X).max() < 3.0  # never beyond ±c ...
    j = clipped.feature_names_out_.index("income")
    assert X[j, 2] == pytest.approx(3.0, rel=1e-9)  # ... where a huge z reaches it
    with pytest.raises(ValueError, match="clip"):
        TableEncoder(clip=-1.0).fit(df)
    with pytest.raises(ValueError, match="scaling"):
        TableEncoder(scaling="minmax").fit(df)


def test_the_clip_travels_in_the_model_file_and_the_onnx_graph(tmp_path):
    pytest.importorskip("safetensors", reason="needs the io extra")
    import layerwise as lw
    from layerwise.features.preprocessing import Preprocessing

    df = heavy_tailed()
    enc = TableEncoder(scaling="robust", clip=3.0).fit(df)
    X = enc.transform(df)
    net = lw.Network([X.shape[0], 4, 1], seed=0)
    net.preprocessing = enc.preprocessing_
    net.save(tmp_path / "m.safetensors")
    back = lw.Network.load(tmp_path / "m.safetensors")
    assert back.preprocessing.clip == 3.0
    np.testing.assert_array_equal(
        TableEncoder.from_preprocessing(back.preprocessing).transform(df), X
    )
    data = enc.preprocessing_.to_dict()
    with pytest.raises(ValueError, match="clip"):
        Preprocessing.from_dict({**data, "clip": 0}, X.shape[0])
    ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
    from layerwise.export.onnx import export_network

    export_network(net, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    feeds = {}
    for spec in session.get_inputs():
        column = df[spec.name]
        if spec.type == "tensor(string)":
            feeds[spec.name] = column.astype(str).to_numpy().reshape(-1, 1)
        else:
            feeds[spec.name] = column.to_numpy(dtype=np.float32).reshape(-1, 1)
    (P,) = [
        o
        for o, s in zip(session.run(None, feeds), session.get_outputs())
        if s.name == "probabilities"
    ]
    np.testing.assert_allclose(P[:, -1], net.predict_proba(X)[0], atol=1e-5)


@pytest.mark.parametrize("clip", [None, 3.0])
def test_encoding_maps_one_hot_features_exactly_as_the_formula(clip):
    """encode takes a shortcut for the 0/1 features (x · clip(1)) and encode_rows writes
    the rows layout: both equal the formula applied to every feature of the raw encoding."""
    from layerwise.features.encoding import encode_columns
    from layerwise.tables import mixed_table

    df = mixed_table(m=500, seed=3)
    enc = TableEncoder(clip=clip).fit(df)
    raw, _ = encode_columns(enc.columns_, enc._columns_of(df, enc.columns_))
    by_formula = enc.preprocessing_.transform(raw)
    fast, _ = enc.encode(df)
    rows, _ = enc.encode_rows(df)
    assert enc.preprocessing_._binary_rows().sum() > 10
    np.testing.assert_array_equal(fast, by_formula)
    np.testing.assert_array_equal(rows, by_formula)
    assert rows.flags.f_contiguous
    order = np.arange(500)[::-1]
    np.testing.assert_array_equal(enc.encode_rows(df, order)[0], by_formula[:, order])
