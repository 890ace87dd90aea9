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
- **dates** (a datetime column, or text that reads as dates in nearly every row, such as
  ``2021-03-04`` or ``3/4/2021 10:30``): four numbers, the year, the day of the year, the day
  of the week and the days since the earliest training date, standardized; a missing (or
  unreadable) date is filled in as a number is. The model keeps the column as a ``date``
  :class:`~layerwise.encoding.ColumnEncoding` and reads the same text at predict time.
- columns that cannot be features are **left out**, each with a notice (``notices_``) that
  names it and ``keep``, which keeps it (as a category, or a number): text in which nearly
  every value is distinct (an id, a name, free text: at least 90 % distinct values among at
  least 20) and whole numbers that number the rows (:func:`left_out_reason`).
- a column with no value in the training rows is refused with a ValueError naming it.

The names follow :mod:`layerwise.encoding` (column, feature, kind, fill, indicator, infrequent,
unseen); this module adds only what learning them from a pandas table needs.

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

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import Array
from ..encoding import ColumnEncoding, category_key, encode_columns, encode_in_chunks
from ..preprocessing import Preprocessing
from .columns import (
    DATE_FRACTION,
    DISTINCT_FRACTION,
    DISTINCT_MIN_ROWS,
    _as_days,
    _keys,
    _kind_of,
    left_out_reason,
    numbers_read_as_text,
)
from .defaults import rare_category_count, rare_notices
from .formats import _pandas, _shorten

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "TableEncoder",
    "MIN_FREQUENCY",
    "DISTINCT_FRACTION",
    "DISTINCT_MIN_ROWS",
    "DATE_FRACTION",
    "left_out_reason",
    "weighted_median",
]

#: categories seen in fewer training rows than this share the infrequent feature
MIN_FREQUENCY = 5
_TRUE = {"true", "1", "1.0", "yes"}
_FALSE = {"false", "0", "0.0", "no"}


class TableEncoder:
    """Learn, from the training rows of a table, how each column becomes features of X = A[0].

    Parameters
    ----------
    min_frequency : int or float, optional
        A category seen in fewer training rows than this (a fraction of the rows when a float
        in (0, 1)) goes to the one infrequent feature of its column. Weighted by
        ``sample_weight`` when given. None (the default): a count that grows with the
        table, :func:`~layerwise.tables.defaults.rare_category_count` (2 up to 2000 rows,
        at most 5).
    keep : list of str, default ()
        Columns kept although :func:`left_out_reason` would leave them out: text with
        nearly every value distinct becomes a category, a row number a number.
    scaling : {"standard", "robust"}, default "standard"
        How the standardized features (a number's value, a date's parts) are centred and
        scaled: by the mean and the standard deviation (scikit-learn's ``StandardScaler``), or
        by the median and the interquartile range / 1.349 (the standard deviation for normal
        data; the standard deviation where the range is 0), which outliers and heavy tails
        do not stretch.
    clip : float, optional
        The smooth clip applied after scaling, z / sqrt(1 + (z / clip)²)
        (:attr:`Preprocessing.clip`); None: none.

    Attributes
    ----------
    columns_ : list of ColumnEncoding
        One per input column, in the table's order.
    feature_names_out_ : list of str
        The name of each feature, row of X: ``mass``, ``mass=(missing)``,
        ``island=Biscoe``, ``island=(infrequent)``...
    preprocessing_ : Preprocessing
        The encoding and the standardization, as a model file keeps them.
    left_out_ : list of str
        The columns left out (not features), by :func:`left_out_reason`.
    notices_ : list of str
        One line for each column left out, naming it and the option that keeps it.
    """

    def __init__(
        self,
        min_frequency: float | None = None,
        keep: Sequence[str] = (),
        scaling: str = "standard",
        clip: float | None = None,
    ) -> None:
        self.min_frequency = min_frequency
        self.keep = keep
        self.scaling = scaling
        self.clip = clip

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
        kept = {str(k) for k in self.keep}
        self.left_out_: list[str] = []
        self.notices_: list[str] = []
        self.columns_: list[ColumnEncoding] = []
        for name, column in zip(names, frame.columns):
            reason = None if name in kept else left_out_reason(frame[column])
            if reason is not None:
                self.left_out_.append(name)
                self.notices_.append(f"column {name!r} left out: {reason}; --keep {name} keeps it")
                continue
            self.columns_.append(_fit_column(name, frame[column], w, min_count))
        self.notices_ += rare_notices(self.columns_, min_count)
        if not self.columns_:
            raise ValueError(
                f"no column of the table can be a feature: {_shorten(self.left_out_)} "
                f"were left out (keep one with keep=[...], --keep COL)"
            )
        if self.scaling not in ("standard", "robust"):
            raise ValueError(f"scaling must be 'standard' or 'robust'; got {self.scaling!r}")
        if self.clip is not None and not (
            isinstance(self.clip, (int, float)) and np.isfinite(self.clip) and self.clip > 0
        ):
            raise ValueError(f"clip must be a finite number > 0 or None; got {self.clip!r}")
        # only a number's value and a date's parts are standardized: 0/1 features stay 0/1,
        # so only the columns with such features are encoded to learn their statistics (the
        # one-hot features of text, most of X, are never built here)
        standardized = np.array([s for c in self.columns_ for s in c.standardized])
        scaled = [c for c in self.columns_ if any(c.standardized)]
        mean, scale = np.zeros(standardized.size), np.ones(standardized.size)
        if scaled:
            X, _ = self._raw(frame, scaled)
            keep = np.array([s for c in scaled for s in c.standardized])
            X = X[keep] if not keep.all() else X
            stats = Preprocessing.fit(
                X, sample_weight=None if sample_weight is None else w[None, :]
            )
            assert stats.mean is not None and stats.scale is not None
            if self.scaling == "robust":
                for j in range(X.shape[0]):
                    stats.mean[j], stats.scale[j] = _robust(X[j], w, float(stats.scale[j]))
            mean[standardized], scale[standardized] = stats.mean, stats.scale
            del X
        pre = Preprocessing(mean=mean, scale=scale)
        pre.clip = None if self.clip is None else float(self.clip)
        pre.columns = self.columns_
        pre.feature_names = [n for c in self.columns_ for n in c.feature_names()]
        self.preprocessing_ = pre
        self.feature_names_out_ = list(pre.feature_names)
        return self

    def _min_count(self, total: float) -> float:
        f = rare_category_count(total) if self.min_frequency is None else self.min_frequency
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
        enc.left_out_, enc.notices_ = [], []
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

    def encode_rows(
        self, frame: pd.DataFrame, rows: Array | None = None
    ) -> tuple[Array, dict[str, dict[str | None, int]]]:
        """:meth:`encode` of the rows ``rows`` of ``frame`` (positions; all, in order, when
        None), stored as rows: X (n[0], m) in Fortran order, encoded a chunk at a time. A
        slice of its first columns is what :meth:`Network.fit` gathers mini-batches from
        without copying X, and no second table-sized array is made on the way."""
        if not hasattr(self, "columns_"):
            raise ValueError("this TableEncoder is not fitted yet: call fit(frame) first")
        raw = self._columns_of(frame, self.columns_)
        if rows is not None:
            raw = {name: values[rows] for name, values in raw.items()}
        pre = self.preprocessing_

        def transform(X: Array, Z: Array) -> Array:
            return pre._standardize(X, Z, encoded=True)

        return encode_in_chunks(
            self.columns_, raw, None if pre.mean is None else transform, order="F"
        )

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
    if kind == "category" and numbers_read_as_text(column):
        # every training value is a number, nearly all distinct: the column was read as text
        # for a cell outside the training rows (a held-out row); as a number column, that
        # cell is named with its row when the table is encoded
        kind = "number"
    if kind in ("number", "boolean", "date"):
        v = _values(column, ColumnEncoding(name, kind))
        missing = np.isnan(v)
        if missing.all():
            raise ValueError(
                f"column {name!r} has no values in the training rows; leave it out "
                f"(--drop {name} on the command line)"
            )
        fill = weighted_median(v[~missing], w[~missing])
        origin = float(v[~missing].min()) if kind == "date" else None
        return ColumnEncoding(name, kind, fill=fill, indicator=bool(missing.any()), origin=origin)
    keys = _keys(column)
    if all(k is None for k in keys):
        raise ValueError(
            f"column {name!r} has no values in the training rows; leave it out "
            f"(--drop {name} on the command line)"
        )
    counts: dict[str | None, float] = {}
    for k, weight in zip(keys, w.tolist()):
        counts[k] = counts.get(k, 0.0) + weight
    frequent = [k for k, n in counts.items() if n >= min_count]
    rare = [k for k, n in counts.items() if n < min_count]
    return ColumnEncoding(name, "category", categories=_sorted(frequent), infrequent=_sorted(rare))


def _sorted(keys: list[str | None]) -> tuple[str | None, ...]:
    # as scikit-learn orders categories: the strings sorted, the missing value last
    return (*sorted(k for k in keys if k is not None), *([None] if None in keys else []))


def _robust(values: Array, weights: Array, sd: float) -> tuple[float, float]:
    """The median and the interquartile range / 1.349 of a feature (weighted); the standard
    deviation ``sd`` where that range is 0 (a feature mostly of one value), 1 where both are."""
    q25, q50, q75 = (weighted_quantile(values, weights, q) for q in (0.25, 0.5, 0.75))
    scale = (q75 - q25) / 1.349
    if not scale > 0:
        scale = sd if sd > 0 else 1.0
    return q50, scale


def weighted_quantile(values: Array, weights: Array, q: float) -> float:
    """The q-quantile of ``values`` with each counted ``weights`` times (the lower of the two
    middle values' mean at q = 0.5, as :func:`weighted_median`).

    >>> weighted_quantile(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), 0.5)
    2.5
    """
    total = float(weights.sum())
    if total <= 0:
        return float(np.quantile(values, q))
    order = np.argsort(values, kind="stable")
    v, c = values[order], np.cumsum(weights[order])
    lo = v[int(np.searchsorted(c, total * q, side="left"))]
    hi = v[min(int(np.searchsorted(c, total * q, side="right")), v.size - 1)]
    return float((lo + hi) / 2)


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
    if encoding.kind == "date":
        return _as_days(column)
    return np.array(_keys(column), dtype=object)


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
