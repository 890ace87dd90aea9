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
>>> import numpy as np
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

from ._gathering import SAMPLE_ROWS, Gathering
from .encoder import MIN_FREQUENCY, TableEncoder
from .kinds import MAX_DISTINCT, MAX_DISTINCT_NUMBERS, ColumnStats

__all__ = [
    "TableStats",
    "ColumnStats",
    "MAX_DISTINCT",
    "MAX_DISTINCT_NUMBERS",
    "SAMPLE_ROWS",
    "MIN_FREQUENCY",
]


class TableStats(Gathering):
    """The statistics of a table's feature columns, gathered chunk by chunk
    (:meth:`update`, :meth:`merge`); the fitted :class:`TableEncoder` they make
    (:meth:`encoder`). The parameters (``sample_rows``, ``seed``, ``exact``) are those of
    ``layerwise.tables._gathering.Gathering``, the one gathering that
    :meth:`TableEncoder.fit` runs too."""

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
        enc = TableEncoder(min_frequency=min_frequency, keep=keep, scaling=scaling, clip=clip)
        return self.fit(enc)
