"""The kinds of column (layerwise.tables.kinds) and the one encoder fit they make: a table of
every kind, weighted and unweighted, standard and robust scaling, fitted in memory
(TableEncoder.fit), streamed in chunks and merged (TableStats), against the encodings computed
here by another route (pandas medians, value counts, means and standard deviations, NumPy's
quantiles; weights as repeated rows), in the model file's form (ColumnEncoding.to_dict)."""

from __future__ import annotations

import numpy as np
import pytest

pd = pytest.importorskip("pandas", reason="the kinds of column read pandas columns")

from layerwise.features.encoding import ColumnEncoding  # noqa: E402
from layerwise.tables import TableEncoder  # noqa: E402
from layerwise.tables.kinds import KINDS, kind_of  # noqa: E402
from layerwise.tables.stats import TableStats  # noqa: E402

M = 300
DAY = pd.Timedelta(days=1)
EPOCH = pd.Timestamp("1970-01-01")


def every_kind(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    missing = rng.random((4, M)) < 0.1
    colours = rng.choice(
        ["red", "green", "blue", "teal", "plum"], M, p=[0.5, 0.3, 0.18, 0.01, 0.01]
    )
    colours = colours.astype(object)
    colours[rng.random(M) < 0.05] = None
    when = pd.Series(pd.Timestamp("2019-03-01") + pd.to_timedelta(rng.integers(0, 900, M), "D"))
    return pd.DataFrame(
        {
            "rownames": rng.permutation(np.arange(1, M + 1)),  # a row number: left out
            "num": rng.normal(10, 3, M),
            "num_na": np.where(missing[0], np.nan, rng.lognormal(2, 1, M)),
            "flag": pd.Series(np.where(missing[1], None, rng.random(M) < 0.3), dtype=object),
            "colour": colours,  # rare categories and a missing value
            "grade": pd.Categorical(
                np.where(missing[2], None, rng.choice(["A", "B", "C"], M)), categories=list("ABCD")
            ),
            "when": when.where(~missing[3]),
            "name": [f"person{i}" for i in range(M)],  # an id: left out
        }
    )


def averaged_quantile(v: np.ndarray, q: float) -> float:
    return float(np.quantile(v, q, method="averaged_inverted_cdf"))


def expected(frame: pd.DataFrame, w: np.ndarray | None, scaling: str, min_frequency: int):
    """(to_dict of each column, mean, scale) by pandas, the weights as repeated rows."""
    rows = frame if w is None else frame.loc[frame.index.repeat(w)].reset_index(drop=True)
    columns, means, scales = [], [], []

    def standardized(features: list[pd.Series]) -> None:
        for f in features:
            f = f.astype(float)
            if scaling == "standard":
                means.append(f.mean())
                scales.append(f.std(ddof=0))
            else:
                iqr = averaged_quantile(f, 0.75) - averaged_quantile(f, 0.25)
                means.append(averaged_quantile(f, 0.5))
                scales.append(iqr / 1.349 if iqr > 0 else f.std(ddof=0))

    def zeros(k: int) -> None:
        means.extend([0.0] * k)
        scales.extend([1.0] * k)

    num_fill = rows.num_na.median()
    columns += [
        {"name": "num", "kind": "number", "fill": rows.num.median(), "indicator": False},
        {"name": "num_na", "kind": "number", "fill": num_fill, "indicator": True},
    ]
    standardized([rows.num])
    standardized([rows.num_na.fillna(num_fill)])
    zeros(1)
    flag = rows.flag.map(lambda v: np.nan if v is None else float(v)).astype(float)
    columns.append({"name": "flag", "kind": "boolean", "fill": flag.median(), "indicator": True})
    zeros(2)
    for name in ("colour", "grade"):
        counts = (
            rows[name].astype(object).where(rows[name].notna(), None).value_counts(dropna=False)
        )
        frequent = [k for k, n in counts.items() if n >= min_frequency]
        rare = [k for k, n in counts.items() if n < min_frequency]
        order = lambda keys: sorted(k for k in keys if k is not None) + [None] * (None in keys)  # noqa: E731
        columns.append(
            {
                "name": name,
                "kind": "category",
                "categories": order(frequent),
                "infrequent": order(rare),
            }
        )
        zeros(len(frequent) + bool(rare))
    days = (rows.when - EPOCH) / DAY
    fill, origin = days.median(), days.min()
    columns.append(
        {"name": "when", "kind": "date", "fill": fill, "indicator": True, "origin": origin}
    )
    filled = rows.when.fillna(EPOCH + fill * DAY)
    standardized(
        [filled.dt.year, filled.dt.day_of_year, filled.dt.day_of_week, days.fillna(fill) - origin]
    )
    zeros(1)
    return columns, np.array(means), np.array(scales)


@pytest.mark.parametrize("scaling", ["standard", "robust"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_every_kind_fits_as_computed_by_pandas_in_memory_and_streamed(weighted, scaling):
    frame = every_kind()
    w = np.random.default_rng(1).integers(1, 4, M) if weighted else None
    columns, mean, scale = expected(frame, w, scaling, min_frequency=5)
    streamed = TableStats()
    for start in range(0, M, 70):
        streamed.update(
            frame.iloc[start : start + 70], None if w is None else w[start : start + 70]
        )
    halves = TableStats().update(frame.iloc[:150], None if w is None else w[:150])
    halves.merge(TableStats().update(frame.iloc[150:], None if w is None else w[150:]))
    for encoder in (
        # the rare-category count given, as the expected encodings take it (the default
        # count, which grows with the table, has tests of its own)
        TableEncoder(scaling=scaling, min_frequency=5).fit(frame, w),
        streamed.encoder(scaling=scaling, min_frequency=5),
        halves.encoder(scaling=scaling, min_frequency=5),
    ):
        assert encoder.left_out_ == ["rownames", "name"]
        got = [c.to_dict() for c in encoder.columns_]
        assert [c["name"] for c in got] == [c["name"] for c in columns]
        for have, want in zip(got, columns):
            assert have.keys() == want.keys(), want["name"]
            for key, value in want.items():
                if isinstance(value, float):
                    assert have[key] == pytest.approx(value, rel=1e-12), (want["name"], key)
                else:
                    assert have[key] == value, (want["name"], key)
        np.testing.assert_allclose(encoder.preprocessing_.mean, mean, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(encoder.preprocessing_.scale, scale, rtol=1e-10)


def test_the_in_memory_fit_is_the_statistics_of_one_exact_chunk():
    frame = every_kind(2)
    w = np.random.default_rng(3).uniform(0.1, 3.0, M)
    fitted = TableEncoder(scaling="robust", clip=3.0).fit(frame, w)
    stats = TableStats(exact=True).update(frame, w).encoder(scaling="robust", clip=3.0)
    assert fitted.columns_ == stats.columns_
    assert fitted.notices_ == stats.notices_
    assert np.array_equal(fitted.preprocessing_.mean, stats.preprocessing_.mean)
    assert np.array_equal(fitted.preprocessing_.scale, stats.preprocessing_.scale)


def test_every_registered_kind_reads_what_its_column_encoding_takes():
    frame = every_kind()
    read = {name: kind_of(name, frame[name]).name for name in frame.columns}
    assert read == {
        "rownames": "number",
        "num": "number",
        "num_na": "number",
        "flag": "boolean",
        "colour": "text",
        "grade": "category",
        "when": "date",
        "name": "text",
    }
    assert list(KINDS) == ["category", "boolean", "date", "number", "text"]
    encoder = TableEncoder().fit(frame)
    for column in encoder.columns_:
        kind = KINDS[column.kind]
        values = kind.values(frame[column.name], column.name)
        out = np.empty((column.width, M))
        column.encode(values, out)  # what each kind reads, its ColumnEncoding takes
        assert np.isfinite(out).all()
        assert ColumnEncoding.from_dict(column.to_dict()) == column
    with pytest.raises(ValueError, match="column 'wait' holds timedelta64 values"):
        kind_of("wait", pd.Series(pd.to_timedelta([1, 2], "D")))


@pytest.mark.parametrize("exact", [False, True], ids=["streamed", "exact"])
def test_a_part_without_values_adds_its_missing_rows_to_the_other_parts(exact):
    frame = every_kind(4)
    empty = frame.iloc[:40].copy()
    for name in ("num", "colour", "when"):
        empty[name] = None
    rest = frame.iloc[40:]
    whole = pd.concat([empty, rest], ignore_index=True)
    for parts in ((empty, rest), (rest, empty)):
        stats = (
            TableStats(exact=exact).update(parts[0]).merge(TableStats(exact=exact).update(parts[1]))
        )
        got, want = stats.encoder(), TableEncoder().fit(whole)
        assert got.columns_ == want.columns_
        assert got.columns_[0].indicator  # num: missing in the empty part
        np.testing.assert_allclose(got.preprocessing_.mean, want.preprocessing_.mean, rtol=1e-10)
        np.testing.assert_allclose(got.preprocessing_.scale, want.preprocessing_.scale, rtol=1e-10)
