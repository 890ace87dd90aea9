"""A table's statistics gathered a chunk of rows at a time: the :class:`TableEncoder` of a table
that is never in memory at once, by the same rules as :meth:`TableEncoder.fit`.

:class:`TableStats` takes the training rows chunk by chunk (:meth:`TableStats.update`), keeps
for every column what the encoder's rules need, and :meth:`TableStats.encoder` builds the fitted
encoder from it. Two statistics can be merged (:meth:`TableStats.merge`): each worker of a
cluster, or each file, may gather its own.

Each column's statistics are those of its kind (:mod:`layerwise.tables.kinds`), which this
module chooses per column and does not compute itself. With ``exact=True`` the values are kept
and every statistic below is computed from them: :meth:`TableEncoder.fit` is
``TableStats(exact=True).update(frame, w).encoder(...)``, the same rules over one chunk.

Streamed (the default), what is exact whatever the table's size:

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
>>> from layerwise.tables import TableEncoder, mixed_table
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
from ..encoding import ColumnEncoding
from ..preprocessing import Preprocessing
from .formats import _pandas, _shorten
from .kinds import MAX_DISTINCT, MAX_DISTINCT_NUMBERS, ColumnStats, kind_of
from .kinds._base import no_values
from .kinds.number import NumberStats

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .encoder import TableEncoder

__all__ = [
    "TableStats",
    "ColumnStats",
    "MAX_DISTINCT",
    "MAX_DISTINCT_NUMBERS",
    "SAMPLE_ROWS",
    "MIN_FREQUENCY",
]

#: the uniform sample of training rows kept for the medians of columns of more distinct values
SAMPLE_ROWS = 100_000
#: categories seen in fewer training rows than this share the infrequent feature
MIN_FREQUENCY = 5


class _Missing(ColumnStats):
    """A column whose every value seen so far is missing: its kind is not known yet."""

    def __init__(self, name: str, exact: bool) -> None:
        super().__init__(name, "missing", exact)
        self.chunks: list[tuple[pd.Series, Array]] = []

    def update(self, column: pd.Series, w: Array) -> None:
        self._count(np.ones(len(column), dtype=bool), w)
        if self.exact:
            self.chunks.append((column, w))

    def known(self, column: pd.Series) -> ColumnStats:
        """The statistics of the column's kind, with the missing rows seen so far."""
        stats = kind_of(self.name, column).stats(self.name, self.exact)
        if self.exact:
            for chunk, w in self.chunks:
                stats.update(chunk, w)
        else:
            stats.n, stats.n_missing, stats.w_missing = self.n, self.n_missing, self.w_missing
            if isinstance(stats, NumberStats) and self.n:
                stats.row_numbers = False  # a missing value: not a row number
        return stats

    def final_kind(self) -> str:
        raise no_values(self.name)

    def encoding(self, min_count: float, sample: Any) -> ColumnEncoding:
        raise no_values(self.name)


def _update(
    stats: ColumnStats | None, name: str, column: pd.Series, w: Array, exact: bool
) -> ColumnStats:
    """``stats`` (None: a new column) with a chunk of the column added."""
    if stats is None:
        stats = _Missing(name, exact)
    if isinstance(stats, _Missing) and column.notna().any():
        stats = stats.known(column)
    stats.update(column, w)
    return stats


def _merge(a: ColumnStats, b: ColumnStats) -> ColumnStats:
    if isinstance(b, _Missing):
        a, b = b, a
    if isinstance(a, _Missing):
        if isinstance(b, _Missing):
            a.merge(b)
            a.chunks += b.chunks
            return a
        b.n, b.n_missing, b.w_missing = b.n + a.n, b.n_missing + a.n, b.w_missing + a.w_missing
        if isinstance(b, NumberStats) and a.n:
            b.row_numbers = False
        return b
    a.merge(b)
    return a


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
        :data:`MAX_DISTINCT_NUMBERS` distinct values.
    seed : int
        Seeds the sample.
    exact : bool, default False
        Keep every value (no sample, no running moments): the medians, the quartiles and the
        standardization computed from the values themselves, as :meth:`TableEncoder.fit`
        does with a table in memory.
    """

    def __init__(self, sample_rows: int = SAMPLE_ROWS, seed: int = 0, exact: bool = False) -> None:
        self.columns: dict[str, ColumnStats] = {}
        self.sample = _Sample(sample_rows, seed)
        self.exact = exact
        self.weighted = False
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
        self.weighted = self.weighted or sample_weight is not None
        for name, column in zip(names, frame.columns):
            self.columns[name] = _update(self.columns.get(name), name, frame[column], w, self.exact)
        if not self.exact:
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
            mine = self.columns.get(name)
            self.columns[name] = stats if mine is None else _merge(mine, stats)
        if other.sample.frame is not None:
            self.sample.update(other.sample.frame, other.sample.weights)
        self.weighted = self.weighted or other.weighted
        self.m += other.m
        self.total_weight += other.total_weight
        return self

    def encoder(
        self,
        min_frequency: float = MIN_FREQUENCY,
        keep: Sequence[str] = (),
        scaling: str = "standard",
        clip: float | None = None,
    ) -> TableEncoder:
        """The fitted :class:`TableEncoder` of the rows seen, with the options of
        :class:`TableEncoder` (``columns_``, ``preprocessing_``, ``left_out_``, ``notices_``
        and ``feature_names_out_`` as :meth:`TableEncoder.fit` sets them)."""
        from .encoder import TableEncoder

        if self.m == 0 or not self.columns:
            raise ValueError(f"TableEncoder.fit needs rows and columns; got {self.m} rows")
        enc = TableEncoder(min_frequency=min_frequency, keep=keep, scaling=scaling, clip=clip)
        enc._check_options()
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
            mean, scale = stats.standardization(encoding, self.sample, scaling, self.weighted)
            means.append(mean)
            scales.append(scale)
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
