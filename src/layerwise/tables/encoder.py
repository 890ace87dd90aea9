"""TableEncoder: a raw table (text, booleans, missing values) in, X = A[0] out, as the command
line encodes it.

What it learns from the training rows, one column at a time (:mod:`layerwise.encoding` holds
what a model file keeps of it and the NumPy transform):

- **numbers** (any numeric dtype): a missing value becomes the training median; the column is
  then standardized with the training mean and standard deviation. A column with missing
  values in the training rows gets a 0/1 *missing indicator* feature beside it (scikit-learn's
  ``SimpleImputer(add_indicator=True)`` rule), so the network can tell "missing" from "equal to
  the median", as it can for text, where missing is a category of its own.
- **booleans** (bool dtype, or True/False values with blanks): 0/1, not standardized; missing
  as for numbers (median, indicator).
- **text** and pandas **categorical** columns: one 0/1 feature per category seen in the
  training rows (sorted), the missing value being a category of its own; categories seen in
  fewer than ``min_frequency`` training rows (default 5) share one *infrequent* feature, and so
  does any value never seen in training (all 0 when no category was rare).
- columns that cannot be features are refused with a ValueError naming them: text in which
  nearly every value is distinct (an id, a name, free text: at least 90 % distinct values among
  at least 20), dates (datetime columns, or text such as ``2021-03-04``: derive numbers from
  them), and columns with no value in the training rows.

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"mass": [3.1, np.nan, 4.0, 3.6, 5.2, 4.4],
...                    "island": ["Dream", "Biscoe", "Dream", None, "Dream", "Biscoe"]})
>>> enc = TableEncoder(min_frequency=2).fit(df)
>>> enc.feature_names_out_
['mass', 'mass=(missing)', 'island=Biscoe', 'island=Dream', 'island=(infrequent)']
>>> enc.transform(df).shape                       # (n[0], m): one example per column
(5, 6)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import Array
from ..encoding import ColumnEncoding, category_key, encode_columns
from ..preprocessing import Preprocessing
from .formats import _pandas, _shorten

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TableEncoder", "MIN_FREQUENCY", "DISTINCT_FRACTION", "DISTINCT_MIN_ROWS"]

#: categories seen in fewer training rows than this share the infrequent feature
MIN_FREQUENCY = 5
#: a text column with at least this fraction of distinct values (among at least
#: DISTINCT_MIN_ROWS values) is an id or free text, not a feature
DISTINCT_FRACTION = 0.9
DISTINCT_MIN_ROWS = 20

_DATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}.*)?|\d{1,2}/\d{1,2}/\d{2,4})\s*$")
_TRUE = {"true", "1", "1.0", "yes"}
_FALSE = {"false", "0", "0.0", "no"}


class TableEncoder:
    """Learn, from the training rows of a table, how each column becomes features of X = A[0].

    Parameters
    ----------
    min_frequency : int or float, default 5
        A category seen in fewer training rows than this (a fraction of the rows when a float
        in (0, 1)) goes to the one infrequent feature of its column. Weighted by
        ``sample_weight`` when given.

    Attributes
    ----------
    columns_ : list of ColumnEncoding
        One per input column, in the table's order.
    feature_names_out_ : list of str
        The name of each feature, row of X: ``mass``, ``mass=(missing)``,
        ``island=Biscoe``, ``island=(infrequent)``...
    preprocessing_ : Preprocessing
        The encoding and the standardization, as a model file keeps them.
    """

    def __init__(self, min_frequency: float = MIN_FREQUENCY) -> None:
        self.min_frequency = min_frequency

    # -- fit -------------------------------------------------------------------------------

    def fit(self, frame: pd.DataFrame, sample_weight: Array | None = None) -> TableEncoder:
        """Learn the encoding from ``frame`` (one example per row; every column a feature).

        Parameters
        ----------
        frame : pandas.DataFrame of shape (m, k)
        sample_weight : array of shape (m,), optional
            Row weights (>= 0): the medians, the category counts and the standardization
            statistics are weighted (a row of weight 2 counts as the row twice).

        Raises
        ------
        ValueError
            A column that cannot be a feature (named, with the reason), an empty table.
        """
        pd = _pandas()
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"TableEncoder.fit takes a pandas DataFrame; got {type(frame).__name__}"
            )
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise ValueError(f"TableEncoder.fit needs rows and columns; got shape {frame.shape}")
        m = frame.shape[0]
        w = np.ones(m) if sample_weight is None else np.asarray(sample_weight, float).reshape(-1)
        if w.shape != (m,) or not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(f"sample_weight must be {m} finite numbers >= 0 (one per row)")
        min_count = self._min_count(float(w.sum()))
        names = [str(c) for c in frame.columns]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"the table has two columns named {dup!r}")
        self.columns_ = [
            _fit_column(name, frame[column], w, min_count)
            for name, column in zip(names, frame.columns)
        ]
        X, _ = self._raw(frame, self.columns_)
        pre = Preprocessing.fit(X, sample_weight=None if sample_weight is None else w[None, :])
        assert pre.mean is not None and pre.scale is not None
        # only the value of a number is standardized: 0/1 features stay 0/1
        keep = ~np.array([s for c in self.columns_ for s in c.standardized])
        pre.mean[keep], pre.scale[keep] = 0.0, 1.0
        pre.columns = self.columns_
        pre.feature_names = [n for c in self.columns_ for n in c.feature_names()]
        self.preprocessing_ = pre
        self.feature_names_out_ = list(pre.feature_names)
        return self

    def _min_count(self, total: float) -> float:
        f = self.min_frequency
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not f > 0:
            raise ValueError(
                f"min_frequency must be a count >= 1 or a fraction in (0, 1); got {f!r}"
            )
        if isinstance(f, float) and f < 1:
            return f * total
        if f < 1 or (isinstance(f, float) and not f.is_integer()):
            raise ValueError(
                f"min_frequency must be a count >= 1 or a fraction in (0, 1); got {f!r}"
            )
        return float(f)

    @classmethod
    def from_preprocessing(cls, pre: Preprocessing) -> TableEncoder:
        """The encoder of a model (``net.preprocessing`` of a model trained on a table)."""
        if pre.columns is None:
            raise ValueError(
                "this model takes numbers, not a raw table (it has no column encoding)"
            )
        enc = cls()
        enc.columns_ = list(pre.columns)
        enc.preprocessing_ = pre
        enc.feature_names_out_ = list(pre.feature_names or [])
        return enc

    # -- transform -------------------------------------------------------------------------

    def transform(self, frame: pd.DataFrame) -> Array:
        """X = A[0] of shape (n[0], m) for ``frame`` (its columns in any order; others are
        ignored), encoded and standardized as learned."""
        return self.encode(frame)[0]

    def fit_transform(self, frame: pd.DataFrame, sample_weight: Array | None = None) -> Array:
        """``fit(frame).transform(frame)``."""
        return self.fit(frame, sample_weight).transform(frame)

    def encode(self, frame: pd.DataFrame) -> tuple[Array, dict[str, dict[str | None, int]]]:
        """X (n[0], m) as :meth:`transform`, and for each text column the values that training
        never saw, with their counts (they are encoded as infrequent, or all 0)."""
        if not hasattr(self, "columns_"):
            raise ValueError("this TableEncoder is not fitted yet: call fit(frame) first")
        raw = self._columns_of(frame, self.columns_)
        return self.preprocessing_.encode(raw)

    def predict_in_chunks(
        self, frame: pd.DataFrame, predict: Callable[[Array], Array]
    ) -> tuple[Array, dict[str, dict[str | None, int]]]:
        """``predict(transform(frame))`` (``predict`` such as ``net.predict_proba``), with
        the rows encoded a chunk at a time: bounded memory for a model of very many features
        (:meth:`Preprocessing.predict_in_chunks`); and the unseen values as :meth:`encode`."""
        if not hasattr(self, "columns_"):
            raise ValueError("this TableEncoder is not fitted yet: call fit(frame) first")
        raw = self._columns_of(frame, self.columns_)
        return self.preprocessing_.predict_in_chunks(raw, predict)

    def _raw(self, frame: pd.DataFrame, columns: Sequence[ColumnEncoding]) -> tuple[Array, Any]:
        return encode_columns(columns, self._columns_of(frame, columns))

    @staticmethod
    def _columns_of(frame: pd.DataFrame, columns: Sequence[ColumnEncoding]) -> dict[str, Array]:
        missing = [c.name for c in columns if c.name not in frame.columns]
        if missing:
            raise ValueError(f"the table lacks the column(s) {_shorten(missing)}")
        return {c.name: _values(frame[c.name], c) for c in columns}


# --------------------------------------------------------------------------- one column


def _fit_column(name: str, column: pd.Series, w: Array, min_count: float) -> ColumnEncoding:
    kind = _kind_of(name, column)
    if kind == "category" and _numbers_read_as_text(column):
        # every training value is a number, nearly all distinct: the column was read as text
        # for a cell outside the training rows (a held-out row); as a number column, that
        # cell is named with its row when the table is encoded
        kind = "number"
    if kind in ("number", "boolean"):
        v = _as_float(column, name) if kind == "number" else _as_bool(column, name)
        missing = np.isnan(v)
        if missing.all():
            raise ValueError(
                f"column {name!r} has no values in the training rows; leave it out "
                f"(--drop {name} on the command line)"
            )
        fill = weighted_median(v[~missing], w[~missing])
        return ColumnEncoding(name, kind, fill=fill, indicator=bool(missing.any()))
    keys = _keys(column)
    present = [k for k in keys if k is not None]
    if not present:
        raise ValueError(
            f"column {name!r} has no values in the training rows; leave it out "
            f"(--drop {name} on the command line)"
        )
    _refuse_unusable_text(name, present, keys, column.index)
    counts: dict[str | None, float] = {}
    for k, weight in zip(keys, w.tolist()):
        counts[k] = counts.get(k, 0.0) + weight
    frequent = [k for k, n in counts.items() if n >= min_count]
    rare = [k for k, n in counts.items() if n < min_count]
    return ColumnEncoding(name, "category", categories=_sorted(frequent), infrequent=_sorted(rare))


def _kind_of(name: str, column: pd.Series) -> str:
    pd = _pandas()
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    if inferred == "boolean":
        return "boolean"
    if isinstance(column.dtype, pd.CategoricalDtype):
        return "category"
    if inferred in ("datetime64", "datetime", "date", "time", "timedelta", "timedelta64", "period"):
        raise ValueError(
            f"column {name!r} holds dates or times, which layerwise does not encode: derive "
            f"numbers from it (a year, a day of the week, days since an event), or leave it "
            f"out (--drop {name} on the command line)"
        )
    if inferred in ("complex", "interval"):
        raise ValueError(
            f"column {name!r} holds {inferred} values, which cannot be features; leave it out "
            f"(--drop {name} on the command line)"
        )
    if pd.api.types.is_numeric_dtype(column) or inferred in (
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
    ):
        return "number"
    return "category"  # text, and anything else, by its text


def _numbers_read_as_text(column: pd.Series) -> bool:
    """Text whose values are all numbers, nearly all distinct (which as text would be
    refused as an id): numbers, in a column some other row of the table made text."""
    pd = _pandas()
    if isinstance(column.dtype, pd.CategoricalDtype):
        return False
    present = [k for k in _keys(column) if k is not None]
    distinct = set(present)
    return (
        len(present) >= DISTINCT_MIN_ROWS
        and len(distinct) >= DISTINCT_FRACTION * len(present)
        and all(_is_number(v) for v in distinct)
    )


def _refuse_unusable_text(
    name: str, present: list[str], keys: Sequence[str | None] = (), rows: Sequence[Any] = ()
) -> None:
    """Refuse text that looks like dates, or whose values are nearly all distinct; ``keys``
    (each row's value) and ``rows`` (the row labels) name where an offending cell is."""
    distinct = list(dict.fromkeys(present))
    sample = distinct[:1000]
    if all(_DATE.match(v) for v in sample):
        raise ValueError(
            f"column {name!r} holds dates (such as {sample[0]!r}), which layerwise does not "
            f"encode: derive numbers from it (a year, a day of the week, days since an event), "
            f"or leave it out (--drop {name} on the command line)"
        )
    n, k = len(present), len(distinct)
    if n >= DISTINCT_MIN_ROWS and k >= DISTINCT_FRACTION * n:
        numbers = [v for v in distinct if _is_number(v)]
        if len(numbers) >= DISTINCT_FRACTION * k:
            odd = [v for v in distinct if not _is_number(v)]
            at = next((r for key, r in zip(keys, rows) if key == odd[0]), None)
            where = "" if at is None else f" at row {at}"
            where = f", {odd[0]!r}{where}" if len(odd) > 1 and where else where
            raise ValueError(
                f"column {name!r} holds numbers but also text ({_shorten(odd, 3)}){where}, so "
                f"it is read as text with {k} distinct values in {n} rows; make those cells "
                f"empty (a missing number is filled in), or leave the column out (--drop {name})"
            )
        raise ValueError(
            f"column {name!r} cannot be a feature: nearly every value is distinct ({k} "
            f"distinct in {n} rows, such as {_shorten(distinct, 3)}), as in an id, a name or "
            f"free text; leave it out with --drop {name} (or name it the rows' id with --id "
            f"{name})"
        )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _sorted(keys: list[str | None]) -> tuple[str | None, ...]:
    # as scikit-learn orders categories: the strings sorted, the missing value last
    return (*sorted(k for k in keys if k is not None), *([None] if None in keys else []))


def weighted_median(values: Array, weights: Array) -> float:
    """The median of ``values`` with each counted ``weights`` times: equal to ``np.median`` of
    the values repeated by integer weights (the mean of the two middle ones for an even count).

    >>> weighted_median(np.array([1.0, 2.0, 10.0]), np.array([1.0, 2.0, 1.0]))
    2.0
    >>> weighted_median(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    1.5
    """
    total = float(weights.sum())
    if total <= 0:  # every weight 0: the rows still say where the values lie
        return float(np.median(values))
    order = np.argsort(values, kind="stable")
    v, c = values[order], np.cumsum(weights[order])
    # the values at the middle positions (total − 1)/2 of the rows repeated by weight
    lo = v[int(np.searchsorted(c, total / 2, side="left"))]
    hi = v[min(int(np.searchsorted(c, total / 2, side="right")), v.size - 1)]
    return float((lo + hi) / 2)


# --------------------------------------------------------------------------- values


def _values(column: pd.Series, encoding: ColumnEncoding) -> Array:
    """A column as :meth:`ColumnEncoding.encode` takes it."""
    if encoding.kind == "number":
        return _as_float(column, encoding.name)
    if encoding.kind == "boolean":
        return _as_bool(column, encoding.name)
    return np.array(_keys(column), dtype=object)


def _keys(column: pd.Series) -> list[str | None]:
    pd = _pandas()
    if isinstance(column.dtype, pd.CategoricalDtype):
        # the key of each category once, then picked by code (−1: missing)
        keys = [category_key(c) for c in column.cat.categories] + [None]
        return [keys[i] for i in column.cat.codes.to_numpy()]
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(column, skipna=True) == "string":
        missing = column.isna().to_numpy()
        return [None if miss or v == "" else v for v, miss in zip(values.tolist(), missing)]
    return [category_key(v) for v in values.tolist()]


def _as_float(column: pd.Series, name: str) -> Array:
    """Numbers as float64, NaN where missing; text that is not a number is refused by row."""
    pd = _pandas()
    if pd.api.types.is_bool_dtype(column) or pd.api.types.infer_dtype(column) == "boolean":
        # a column of True/False where training saw numbers: a mix-up of columns or of
        # files more often than a 0/1 column in another spelling, so it is not taken silently
        raise ValueError(
            f"column {name!r} holds True/False but was a number in training; if the numbers "
            f"were 0/1, write them as 0/1 here too"
        )
    if pd.api.types.is_numeric_dtype(column):
        v = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        v = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        failed = np.flatnonzero(np.isnan(v) & column.notna().to_numpy())
        bad = [int(i) for i in failed if category_key(column.iloc[i]) is not None]
        if bad:
            raise ValueError(
                f"column {name!r} must hold numbers, as it did in training; it holds "
                f"{column.iloc[bad[0]]!r} at row {column.index[bad[0]]}"
            )
    inf = np.flatnonzero(np.isinf(v))
    if inf.size:
        raise ValueError(
            f"column {name!r} holds {v[inf[0]]} at row {column.index[inf[0]]}; a number must "
            f"be finite (leave the cell empty for a missing value)"
        )
    return v


def _as_bool(column: pd.Series, name: str) -> Array:
    """True/False (or 1/0, yes/no) as 1.0/0.0, NaN where missing; anything else refused."""
    out = np.empty(len(column))
    for i, value in enumerate(column.tolist()):
        key = category_key(value)
        if key is None:
            out[i] = np.nan
        elif key.lower() in _TRUE:
            out[i] = 1.0
        elif key.lower() in _FALSE:
            out[i] = 0.0
        else:
            raise ValueError(
                f"column {name!r} must hold True/False, as it did in training; it holds "
                f"{value!r} at row {column.index[i]}"
            )
    return out
