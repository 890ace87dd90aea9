"""A table's statistics gathered a chunk of rows at a time: the :class:`TableEncoder` of a table
that is never in memory at once, by the same rules as :meth:`TableEncoder.fit`.

:class:`TableStats` takes the training rows chunk by chunk (:meth:`TableStats.update`), keeps
for every column what the encoder's rules need, and :meth:`TableStats.encoder` builds the fitted
encoder from it. Two statistics can be merged (:meth:`TableStats.merge`): each worker of a
cluster, or each file, may gather its own.

What is exact, whatever the table's size:

- the mean and the standard deviation of every standardized feature (a number's value with its
  missing entries filled in, a date's parts): weighted running moments merged with Chan's
  formula;
- the categories of a text column and their (weighted) counts, hence which are infrequent,
  as long as the column has at most :data:`MAX_DISTINCT` distinct values;
- the rules that leave a column out (:func:`~layerwise.tables.columns.left_out_reason`): a
  row number (the distinct whole numbers are marked in a bitmap of 2m bits), text with nearly
  every value distinct (counted);
- the median that fills a missing entry, for a text column with at most :data:`MAX_DISTINCT`
  distinct values and a number column with at most :data:`MAX_DISTINCT_NUMBERS` (from the
  counts).

What comes from a uniform sample of :data:`SAMPLE_ROWS` training rows (bottom-k sampling, so
every row is equally likely): the median of a number column with more distinct values than
:data:`MAX_DISTINCT_NUMBERS` (it only matters for a column with missing entries), and the
quartiles of ``scaling="robust"``. A text column with more distinct values than
:data:`MAX_DISTINCT` is left out with a notice (as an id; one-hot encoding it would give more
features than rows can teach). Up to
:data:`SAMPLE_ROWS` training rows, everything equals what :meth:`TableEncoder.fit` learns in
memory.

Examples
--------
>>> from layerwise.tables import mixed_table
>>> df = mixed_table(m=300, seed=0).drop(columns="species")
>>> stats = TableStats()
>>> for start in range(0, 300, 100):           # three chunks of rows, as a stream reads them
...     _ = stats.update(df.iloc[start:start + 100])
>>> streamed = stats.encoder()
>>> in_memory = TableEncoder().fit(df)
>>> streamed.feature_names_out_ == in_memory.feature_names_out_
True
>>> bool(np.allclose(streamed.transform(df), in_memory.transform(df)))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import Array
from ..encoding import DATE_PARTS, ColumnEncoding, date_parts
from ..metrics import RunningMoments
from ..preprocessing import Preprocessing, constant_features
from .columns import (
    DATE_SAMPLE,
    DISTINCT_FRACTION,
    DISTINCT_MIN_ROWS,
    ROW_NUMBER_MIN_ROWS,
    ROW_NUMBER_SPAN,
    _as_days,
    _keys,
    _kind_of,
    _parses_as_number,
    _reads_as_dates,
    text_left_out_reason,
)
from .defaults import rare_notices
from .encoder import TableEncoder, _robust, _sorted, _values, weighted_median
from .formats import _pandas, _shorten

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TableStats", "ColumnStats", "MAX_DISTINCT", "MAX_DISTINCT_NUMBERS", "SAMPLE_ROWS"]

#: a column's distinct values are counted exactly up to this many
MAX_DISTINCT = 100_000
#: a number column's distinct values are counted exactly up to this many (a column of codes,
#: counts, whole amounts); beyond, it is continuous and its median comes from the sample
MAX_DISTINCT_NUMBERS = 10_000
#: the uniform sample of training rows kept for the medians of columns of more distinct values
SAMPLE_ROWS = 100_000
#: a row-number column is checked for repeats with a bitmap up to this value
_ROW_NUMBER_BITS = 1 << 28


def _features(kind: str, values: Array) -> Array:
    """The standardized features of values (m,): (1, m) for a number, (4, m) for a date
    (its year, day of the year, day of the week and days since 1970-01-01)."""
    if kind == "date":
        return np.vstack([date_parts(values), values[None, :]])
    return values[None, :]


class ColumnStats:
    """What the encoder's rules need of one column, gathered chunk by chunk.

    Attributes
    ----------
    name : str
    kind : {"number", "boolean", "date", "text", "category"} or None
        As read (``text`` may still turn out dates or numbers); None while every value seen
        was missing.
    n, n_missing : int
        Rows seen, and those without a value (unweighted, as the rules count them).
    w_missing : float
        The weight of the rows without a value.
    counts : dict or None
        Value (a category key, or a number) -> weight, in the order first seen; None once
        there were more than :data:`MAX_DISTINCT` distinct values.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.kind: str | None = None
        self.n = 0
        self.n_missing = 0
        self.w_missing = 0.0
        self.counts: dict[Any, float] | None = {}
        self.moments: RunningMoments | None = None
        self.minimum = np.inf
        # a row number: distinct whole numbers, no missing value (bitmap of those seen)
        self.row_numbers = True
        self.rn_min, self.rn_max = np.inf, -np.inf
        self.rn_increasing, self.rn_last = True, -np.inf
        self.rn_bits: Any = np.zeros(0, dtype=bool)

    # -- gathering ---------------------------------------------------------------------------

    def update(self, column: pd.Series, w: Array) -> None:
        """Add a chunk of the column (its training rows), with their weights (m,)."""
        self.n += len(column)
        if self.kind is None:
            if column.notna().any():
                self.kind = _read_kind(self.name, column)
            else:
                self.n_missing += len(column)
                self.w_missing += float(w.sum())
                self.row_numbers = False
                return
        if self.kind in ("text", "category"):
            keys = _keys(column)
            self._count_keys(keys, w)
            missing = np.fromiter((k is None for k in keys), dtype=bool, count=len(keys))
            self.n_missing += int(missing.sum())
            self.w_missing += float(w[missing].sum())
            self.row_numbers = False
            return
        values = _values(column, ColumnEncoding(self.name, self.kind))
        missing = np.isnan(values)
        self.n_missing += int(missing.sum())
        self.w_missing += float(w[missing].sum())
        present, wp = values[~missing], w[~missing]
        if self.kind == "number":
            self._row_numbers(column, values, missing)
        if present.size:
            self.minimum = min(self.minimum, float(present.min()))
            if self.moments is None:
                self.moments = RunningMoments(len(DATE_PARTS) if self.kind == "date" else 1)
            self.moments.add(_features(self.kind, present), wp)
            self._count_values(present, wp)

    def _count_keys(self, keys: list[str | None], w: Array) -> None:
        if self.counts is None:
            return
        pd = _pandas()
        codes, uniques = pd.factorize(np.array(keys, dtype=object), use_na_sentinel=False)
        sums = np.bincount(codes, weights=w, minlength=len(uniques))
        for key, s in zip(uniques.tolist(), sums.tolist()):  # in the order first seen
            k = None if key is None or key != key else key
            self.counts[k] = self.counts.get(k, 0.0) + s
        if len(self.counts) > MAX_DISTINCT:
            self.counts = None

    def _count_values(self, values: Array, w: Array) -> None:
        if self.counts is None:
            return
        distinct, index = np.unique(values, return_inverse=True)
        if len(self.counts) + distinct.size > MAX_DISTINCT_NUMBERS and (
            distinct.size > MAX_DISTINCT_NUMBERS
            or len(set(distinct.tolist()) | self.counts.keys()) > MAX_DISTINCT_NUMBERS
        ):
            self.counts = None  # a continuous column: its median comes from the sample
            return
        sums = np.bincount(index.reshape(-1), weights=w, minlength=distinct.size)
        for v, s in zip(distinct.tolist(), sums.tolist()):
            self.counts[v] = self.counts.get(v, 0.0) + s

    def _row_numbers(self, column: pd.Series, values: Array, missing: Array) -> None:
        pd = _pandas()
        if not self.row_numbers:
            return
        if (
            missing.any()
            or pd.api.types.is_bool_dtype(column)
            or not np.all(values == np.round(values))
        ):
            self.row_numbers, self.rn_bits = False, None
            return
        if not values.size:
            return
        low, high = float(values.min()), float(values.max())
        if low < 0 or high >= _ROW_NUMBER_BITS:
            self.row_numbers, self.rn_bits = False, None
            return
        self.rn_min, self.rn_max = min(self.rn_min, low), max(self.rn_max, high)
        self.rn_increasing = bool(
            self.rn_increasing and values[0] > self.rn_last and np.all(np.diff(values) > 0)
        )
        self.rn_last = float(values[-1])
        index = values.astype(np.int64)
        assert self.rn_bits is not None
        if high >= self.rn_bits.size:
            grown = np.zeros(max(int(high) + 1, 2 * self.rn_bits.size), dtype=bool)
            grown[: self.rn_bits.size] = self.rn_bits
            self.rn_bits = grown
        if self.rn_bits[index].any() or np.unique(index).size != index.size:
            self.row_numbers, self.rn_bits = False, None  # a repeat: not a row number
            return
        self.rn_bits[index] = True

    def merge(self, other: ColumnStats) -> None:
        """Add the statistics of other rows of the same column (another chunk, file or worker;
        the row-number rule is then checked on each part's own rows)."""
        if other.kind is not None and self.kind is not None and other.kind != self.kind:
            raise ValueError(
                f"column {self.name!r} is {self.kind} in one part of the table and "
                f"{other.kind} in another"
            )
        self.kind = self.kind or other.kind
        self.n += other.n
        self.n_missing += other.n_missing
        self.w_missing += other.w_missing
        if self.counts is not None and other.counts is not None:
            for k, c in other.counts.items():
                self.counts[k] = self.counts.get(k, 0.0) + c
            text = self.kind in ("text", "category")
            if len(self.counts) > (MAX_DISTINCT if text else MAX_DISTINCT_NUMBERS):
                self.counts = None
        else:
            self.counts = None
        if other.moments is not None:
            if self.moments is None:
                self.moments = other.moments.copy()
            else:
                self.moments.merge(other.moments.w, other.moments.mean, other.moments.m2)
        self.minimum = min(self.minimum, other.minimum)
        both = self.row_numbers and other.row_numbers
        if both and self.rn_bits is not None and other.rn_bits is not None:
            size = max(self.rn_bits.size, other.rn_bits.size)
            a, b = (np.pad(x, (0, size - x.size)) for x in (self.rn_bits, other.rn_bits))
            if (a & b).any():
                both = False
            else:
                self.rn_bits = a | b
                self.rn_min = min(self.rn_min, other.rn_min)
                self.rn_max = max(self.rn_max, other.rn_max)
                self.rn_increasing = bool(
                    self.rn_increasing and other.rn_increasing and other.rn_min > self.rn_last
                )
                self.rn_last = other.rn_last
        self.row_numbers = bool(both)
        if not both:
            self.rn_bits = None

    # -- what the rules decide ---------------------------------------------------------------

    @property
    def n_present(self) -> int:
        return self.n - self.n_missing

    def _distinct_text(self) -> list[str]:
        assert self.counts is not None
        return [k for k in self.counts if k is not None]

    def final_kind(self) -> str:
        """The kind the encoder gives the column, by :meth:`TableEncoder.fit`'s rules."""
        if self.kind is None:
            raise ValueError(
                f"column {self.name!r} has no values in the training rows; leave it out "
                f"(--drop {self.name} on the command line)"
            )
        if self.kind != "text":
            return self.kind
        if self.counts is None:
            return "text"  # more distinct values than can be counted: left out
        pd = _pandas()
        distinct = self._distinct_text()
        if _reads_as_dates(pd.Series(distinct[:DATE_SAMPLE], dtype=object)):
            return "date"
        if (
            self.n_present >= DISTINCT_MIN_ROWS
            and len(distinct) >= DISTINCT_FRACTION * self.n_present
            and all(_parses_as_number(v) for v in distinct)
        ):
            return "number"  # numbers read as text
        return "category"

    def left_out_reason(self) -> str | None:
        """Why the column cannot be a feature (the rules of
        :func:`~layerwise.tables.columns.left_out_reason` on every training row), or None."""
        if self.kind in ("number",) and self.row_numbers and self.rn_bits is not None:
            m = self.n
            if (
                m >= ROW_NUMBER_MIN_ROWS
                and self.rn_min in (0.0, 1.0)
                and self.rn_max < ROW_NUMBER_SPAN * m
                and int(self.rn_bits.sum()) == m
            ):
                order = "in file order" if self.rn_increasing else "in some order"
                return (
                    f"it numbers the rows ({m} distinct whole numbers from {self.rn_min:g} "
                    f"to {self.rn_max:g}, {order}), as a row number does"
                )
            return None
        if self.kind != "text":
            return None
        if self.counts is None:
            return (
                f"more than {MAX_DISTINCT} distinct values in {self.n_present} rows, as in "
                f"an id, a name or free text (too many categories to count while streaming)"
            )
        if self.final_kind() == "date":
            return None
        return text_left_out_reason(self._distinct_text(), self.n_present, None)

    def encoding(self, min_count: float, sample: Any) -> ColumnEncoding:
        """The column's :class:`ColumnEncoding`, as :meth:`TableEncoder.fit` makes it."""
        kind = self.final_kind()
        if kind == "text":
            raise ValueError(
                f"column {self.name!r} has more than {MAX_DISTINCT} distinct values: too many "
                f"categories to one-hot encode while streaming; leave it out (--drop "
                f"{self.name})"
            )
        if self.n_present == 0:
            raise ValueError(
                f"column {self.name!r} has no values in the training rows; leave it out "
                f"(--drop {self.name} on the command line)"
            )
        if kind == "category":
            assert self.counts is not None
            frequent = [k for k, c in self.counts.items() if c >= min_count]
            rare = [k for k, c in self.counts.items() if c < min_count]
            return ColumnEncoding(
                self.name, "category", categories=_sorted(frequent), infrequent=_sorted(rare)
            )
        values, weights = self.values(sample)
        fill = weighted_median(values, weights)
        if self.kind == "text":
            origin = float(values.min()) if kind == "date" else None
        else:
            origin = self.minimum if kind == "date" else None
        return ColumnEncoding(
            self.name, kind, fill=fill, indicator=self.n_missing > 0, origin=origin
        )

    def values(self, sample: Any) -> tuple[Array, Array]:
        """The present values of a number, boolean or date column (dates in days) and their
        weights: every distinct value with its count, or those of the uniform sample when
        there were too many to count."""
        kind = self.final_kind()
        if self.counts is not None:
            if self.kind == "text":  # numbers or dates read as text: from the keys
                pd = _pandas()
                keys = self._distinct_text()
                weights = np.array([self.counts[k] for k in keys], dtype=np.float64)
                if kind == "date":
                    values = _as_days(pd.Series(keys, dtype=object))
                else:
                    values = np.array([float(k) for k in keys])
                present = ~np.isnan(values)
                return values[present], weights[present]
            values = np.array(list(self.counts), dtype=np.float64)
            return values, np.array(list(self.counts.values()), dtype=np.float64)
        column = sample.frame[self.name]
        v = _values(column, ColumnEncoding(self.name, kind))
        present = ~np.isnan(v)
        return v[present], sample.weights[present]

    def standardization(
        self, encoding: ColumnEncoding, sample: Any, scaling: str
    ) -> tuple[Array, Array]:
        """The mean and the scale of the column's standardized features (a number's value, a
        date's parts), missing entries filled in as the encoding fills them."""
        assert encoding.fill is not None
        if self.moments is not None:
            moments = self.moments.copy()
        else:  # numbers or dates read as text: from the counted values
            values, weights = self.values(sample)
            moments = RunningMoments(len(DATE_PARTS) if encoding.kind == "date" else 1)
            moments.add(_features(encoding.kind, values), weights)
        if self.w_missing > 0:
            moments.merge(
                self.w_missing,
                _features(encoding.kind, np.array([encoding.fill]))[:, 0],
                np.zeros(moments.mean.size),
            )
        mean = moments.mean.copy()
        sd = np.sqrt(moments.m2 / moments.w) if moments.w > 0 else np.zeros_like(mean)
        if encoding.kind == "date":
            assert encoding.origin is not None
            mean[-1] -= encoding.origin  # the days since the earliest training date
        scale = np.where(constant_features(sd, moments.mean, self.n), 1.0, sd)
        if scaling == "robust":
            values, weights = self.values(sample)
            missing_w = self.w_missing if self.counts is not None else _sample_missing(self, sample)
            if missing_w > 0:
                values = np.append(values, encoding.fill)
                weights = np.append(weights, missing_w)
            features = _features(encoding.kind, values)
            if encoding.kind == "date":
                assert encoding.origin is not None
                features[-1] -= encoding.origin
            for j in range(features.shape[0]):
                mean[j], scale[j] = _robust(features[j], weights, float(scale[j]))
        return mean, scale


def _sample_missing(stats: ColumnStats, sample: Any) -> float:
    column = sample.frame[stats.name]
    return float(sample.weights[column.isna().to_numpy()].sum())


def _read_kind(name: str, column: pd.Series) -> str:
    """A column's kind as read: number, boolean, date (a date type), category (pandas
    categorical), text (anything read by its text: the rules may find dates or numbers in
    it)."""
    pd = _pandas()
    if isinstance(column.dtype, pd.CategoricalDtype):
        return "category"
    kind = _kind_of(name, column)  # refuses times, durations, complex numbers...
    if kind in ("number", "boolean"):
        return kind
    if kind == "date" and pd.api.types.infer_dtype(column, skipna=True) in (
        "datetime64",
        "datetime",
        "date",
    ):
        return "date"
    return "text"


class _Sample:
    """A uniform sample of up to ``size`` rows (the rows of the smallest random keys)."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.rng = np.random.default_rng([seed, 0x5A3])
        self.frame: Any = None
        self.keys = np.empty(0)
        self.weights = np.empty(0)

    def update(self, frame: pd.DataFrame, w: Array) -> None:
        pd = _pandas()
        keys = self.rng.random(len(frame))
        if self.frame is not None and self.keys.size >= self.size:
            chosen = keys < self.keys.max()
            frame, keys, w = frame[chosen], keys[chosen], w[chosen]
            if not len(frame):
                return
        parts = [frame] if self.frame is None else [self.frame, frame]
        joined = pd.concat(parts, ignore_index=True)
        all_keys = np.concatenate([self.keys, keys])
        all_w = np.concatenate([self.weights, w])
        if all_keys.size > self.size:
            kept = np.sort(np.argpartition(all_keys, self.size - 1)[: self.size])
            joined, all_keys, all_w = joined.iloc[kept], all_keys[kept], all_w[kept]
        self.frame = joined.reset_index(drop=True)
        self.keys, self.weights = all_keys, all_w


class TableStats:
    """The statistics of a table's feature columns, gathered chunk by chunk; the fitted
    :class:`TableEncoder` they make (:meth:`encoder`).

    Parameters
    ----------
    sample_rows : int
        The size of the uniform sample kept for the medians of columns with more than
        :data:`MAX_DISTINCT` distinct values.
    seed : int
        Seeds the sample.
    """

    def __init__(self, sample_rows: int = SAMPLE_ROWS, seed: int = 0) -> None:
        self.columns: dict[str, ColumnStats] = {}
        self.sample = _Sample(sample_rows, seed)
        self.m = 0
        self.total_weight = 0.0

    def update(self, frame: pd.DataFrame, sample_weight: Array | None = None) -> TableStats:
        """Add a chunk of training rows (every column a feature); returns self."""
        pd = _pandas()
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"TableStats.update takes a pandas DataFrame; got {type(frame).__name__}"
            )
        m = len(frame)
        w = np.ones(m) if sample_weight is None else np.asarray(sample_weight, float).reshape(-1)
        if w.shape != (m,) or not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(f"sample_weight must be {m} finite numbers >= 0 (one per row)")
        names = [str(c) for c in frame.columns]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"the table has two columns named {dup!r}")
        if self.columns and names != list(self.columns):
            raise ValueError(
                f"this chunk has the columns {_shorten(names)}, the first had "
                f"{_shorten(list(self.columns))}"
            )
        if m == 0:
            return self
        for name, column in zip(names, frame.columns):
            self.columns.setdefault(name, ColumnStats(name)).update(frame[column], w)
        self.sample.update(frame.set_axis(names, axis=1), w)
        self.m += m
        self.total_weight += float(w.sum())
        return self

    def merge(self, other: TableStats) -> TableStats:
        """Add the statistics of other rows of the same table; returns self."""
        if self.columns and other.columns and list(self.columns) != list(other.columns):
            raise ValueError(
                f"the parts have different columns: {_shorten(list(self.columns))} and "
                f"{_shorten(list(other.columns))}"
            )
        for name, stats in other.columns.items():
            if name in self.columns:
                self.columns[name].merge(stats)
            else:
                self.columns[name] = stats
        if other.sample.frame is not None:
            self.sample.update(other.sample.frame, other.sample.weights)
        self.m += other.m
        self.total_weight += other.total_weight
        return self

    def encoder(
        self,
        min_frequency: float | None = None,
        keep: Sequence[str] = (),
        scaling: str = "standard",
        clip: float | None = None,
    ) -> TableEncoder:
        """The fitted :class:`TableEncoder` of the rows seen, with the options of
        :class:`TableEncoder` (``columns_``, ``preprocessing_``, ``left_out_``, ``notices_``
        and ``feature_names_out_`` as :meth:`TableEncoder.fit` sets them)."""
        if self.m == 0 or not self.columns:
            raise ValueError(f"TableEncoder.fit needs rows and columns; got {self.m} rows")
        enc = TableEncoder(min_frequency=min_frequency, keep=keep, scaling=scaling, clip=clip)
        if scaling not in ("standard", "robust"):
            raise ValueError(f"scaling must be 'standard' or 'robust'; got {scaling!r}")
        if clip is not None and not (
            isinstance(clip, (int, float)) and np.isfinite(clip) and clip > 0
        ):
            raise ValueError(f"clip must be a finite number > 0 or None; got {clip!r}")
        min_count = enc._min_count(self.total_weight)
        kept = {str(k) for k in keep}
        enc.left_out_, enc.notices_, enc.columns_ = [], [], []
        means, scales = [], []
        for name, stats in self.columns.items():
            reason = None if name in kept else stats.left_out_reason()
            if reason is not None:
                enc.left_out_.append(name)
                enc.notices_.append(f"column {name!r} left out: {reason}; --keep {name} keeps it")
                continue
            encoding = stats.encoding(min_count, self.sample)
            enc.columns_.append(encoding)
            mean, scale = np.zeros(encoding.width), np.ones(encoding.width)
            if encoding.kind in ("number", "date"):
                parts = len(DATE_PARTS) if encoding.kind == "date" else 1
                mean[:parts], scale[:parts] = stats.standardization(encoding, self.sample, scaling)
            means.append(mean)
            scales.append(scale)
        enc.notices_ += rare_notices(enc.columns_, min_count)
        if not enc.columns_:
            raise ValueError(
                f"no column of the table can be a feature: {_shorten(enc.left_out_)} "
                f"were left out (keep one with keep=[...], --keep COL)"
            )
        pre = Preprocessing(mean=np.concatenate(means), scale=np.concatenate(scales))
        pre.clip = None if clip is None else float(clip)
        pre.columns = enc.columns_
        pre.feature_names = [n for c in enc.columns_ for n in c.feature_names()]
        enc.preprocessing_ = pre
        enc.feature_names_out_ = list(pre.feature_names)
        return enc
