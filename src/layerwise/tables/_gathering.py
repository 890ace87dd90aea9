"""The gathering of a table's statistics chunk by chunk, and the encoder they make: the one
fit behind :meth:`TableEncoder.fit <layerwise.tables.TableEncoder.fit>` (one exact chunk) and
:class:`~layerwise.tables.stats.TableStats` (streamed), which documents it. Each column's
statistics are those of its kind (:mod:`layerwise.tables.kinds`): this module chooses a kind
per column, passes the chunks on, and joins what the kinds make.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from .._typing import Array
from ..features.encoding import ColumnEncoding
from ..features.preprocessing import Preprocessing
from .defaults import rare_notices
from .formats import _pandas, _shorten
from .kinds import ColumnStats, kind_of
from .kinds._base import no_values
from .kinds.number import NumberStats

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Gathering", "SAMPLE_ROWS"]

#: the uniform sample of training rows kept for the medians of columns of more distinct values
SAMPLE_ROWS = 100_000


class Fitted(Protocol):
    """What :meth:`Gathering.fit` reads and sets of an encoder (a ``TableEncoder``)."""

    keep: Sequence[str]
    scaling: str
    clip: float | None
    columns_: list[ColumnEncoding]
    preprocessing_: Preprocessing
    left_out_: list[str]
    notices_: list[str]
    feature_names_out_: list[str]

    def _check_options(self) -> None: ...

    def _min_count(self, total: float) -> float: ...


G = TypeVar("G", bound="Gathering")
E = TypeVar("E", bound=Fitted)


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
    """The statistics of both parts of a column; a part whose every value was missing adds its
    rows to the other's kind (exact: its chunks, replayed)."""
    if isinstance(b, _Missing):
        a, b = b, a
    if not isinstance(a, _Missing):
        a.merge(b)
        return a
    if isinstance(b, _Missing):
        a.merge(b)
        a.chunks += b.chunks
        return a
    if b.exact:
        for chunk, w in a.chunks:
            b.update(chunk, w)
        return b
    b.n, b.n_missing, b.w_missing = b.n + a.n, b.n_missing + a.n, b.w_missing + a.w_missing
    if isinstance(b, NumberStats) and a.n:
        b.row_numbers = False  # a missing value: not a row number
    return b


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


class Gathering:
    """The statistics of a table's feature columns, gathered chunk by chunk, and the fitted
    encoder they make (:meth:`fit`); public as :class:`~layerwise.tables.stats.TableStats`.

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

    def update(self: G, frame: pd.DataFrame, sample_weight: Array | None = None) -> G:
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

    def merge(self: G, other: Gathering) -> G:
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

    def fit(self, enc: E) -> E:
        """Fill the fitted attributes of the encoder ``enc`` (a
        :class:`~layerwise.tables.TableEncoder`, whose options it reads: ``columns_``,
        ``preprocessing_``, ``left_out_``, ``notices_``, ``feature_names_out_``) from the rows
        seen; returns ``enc``. Each column's kind decides whether it is left out, its
        encoding and its standardization."""
        if self.m == 0 or not self.columns:
            raise ValueError(f"TableEncoder.fit needs rows and columns; got {self.m} rows")
        enc._check_options()
        min_count = enc._min_count(self.total_weight)
        kept = {str(k) for k in enc.keep}
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
            mean, scale = stats.standardization(encoding, self.sample, enc.scaling, self.weighted)
            means.append(mean)
            scales.append(scale)
        enc.notices_ += rare_notices(enc.columns_, min_count)
        if not enc.columns_:
            raise ValueError(
                f"no column of the table can be a feature: {_shorten(enc.left_out_)} "
                f"were left out (keep one with keep=[...], --keep COL)"
            )
        pre = Preprocessing(mean=np.concatenate(means), scale=np.concatenate(scales))
        pre.clip = None if enc.clip is None else float(enc.clip)
        pre.columns = enc.columns_
        pre.feature_names = [n for c in enc.columns_ for n in c.feature_names()]
        enc.preprocessing_ = pre
        enc.feature_names_out_ = list(pre.feature_names)
        return enc
