"""The contract every kind of column keeps (:class:`Kind`), the statistics each column gathers
chunk by chunk (:class:`ColumnStats`; those of numbers are in :mod:`._values`), and the
weighted quantiles the fills and the robust scaling are made of.

Two modes of gathering:

- **exact** (``TableEncoder.fit``, one table in memory): the column's values are kept, and the
  fill (the weighted median), the mean, the scale and the quartiles are computed from them;
- **streamed** (:class:`~layerwise.tables.stats.TableStats` over chunks, files or workers):
  running moments merged with Chan's formula, the distinct values counted up to
  :data:`MAX_DISTINCT_NUMBERS`, beyond which the median and the quartiles come from a uniform
  sample of rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..._typing import Array
from ...features.encoding import ColumnEncoding

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "Kind",
    "ColumnStats",
    "MAX_DISTINCT",
    "MAX_DISTINCT_NUMBERS",
    "weighted_median",
    "weighted_quantile",
    "robust",
    "no_values",
]

#: a column's distinct values are counted exactly up to this many
MAX_DISTINCT = 100_000
#: a number column's distinct values are counted exactly up to this many (a column of codes,
#: counts, whole amounts); beyond, it is continuous and its median comes from the sample
MAX_DISTINCT_NUMBERS = 10_000


class Kind:
    """One kind of column: how it is recognised, read, gathered, encoded and exported.

    Attributes
    ----------
    name : str
        The kind's name in the registry (:data:`layerwise.tables.kinds.KINDS`); the
        ``kind`` of the :class:`~layerwise.features.encoding.ColumnEncoding` it makes (NumPy only,
        so a model loads without pandas), except ``text``, which becomes one of the others.
    """

    name = ""

    def recognises(self, column: pd.Series, inferred: str) -> bool:
        """Is ``column`` of this kind (``inferred``: pandas' ``infer_dtype``, missing skipped)."""
        raise NotImplementedError

    def values(self, column: pd.Series, name: str) -> Array:
        """The column as :meth:`ColumnEncoding.encode` takes it (m,)."""
        raise NotImplementedError

    def stats(self, name: str, exact: bool) -> ColumnStats:
        """Empty statistics of a column of this kind."""
        raise NotImplementedError

    def onnx_nodes(
        self, encoding: ColumnEncoding, t: str, nodes: list[Any], inits: list[Any]
    ) -> tuple[Any, list[str], str | None]:
        """The graph input of ``encoding``'s column, the names of its [N, 1] features (in the
        encoding's order, computed by nodes appended to ``nodes`` with constants in
        ``inits``; ``t`` prefixes every name), and the name of its [N, 1] mask of values that
        layerwise refuses (None: every value is taken)."""
        raise NotImplementedError


def no_values(name: str) -> ValueError:
    return ValueError(
        f"column {name!r} has no values in the training rows; leave it out "
        f"(--drop {name} on the command line)"
    )


class ColumnStats:
    """What the encoder's rules need of one column, gathered chunk by chunk.

    Attributes
    ----------
    name : str
    kind : str
        The kind as read (``text`` may still turn out dates or numbers: :meth:`final_kind`).
    exact : bool
        Whether the values are kept (one table in memory) rather than summarized.
    n, n_missing : int
        Rows seen, and those without a value (unweighted, as the rules count them).
    w_missing : float
        The weight of the rows without a value.
    """

    def __init__(self, name: str, kind: str, exact: bool = False) -> None:
        self.name, self.kind, self.exact = name, kind, exact
        self.n = 0
        self.n_missing = 0
        self.w_missing = 0.0

    @property
    def n_present(self) -> int:
        return self.n - self.n_missing

    def update(self, column: pd.Series, w: Array) -> None:
        """Add a chunk of the column (its training rows), with their weights (m,)."""
        raise NotImplementedError

    def _count(self, missing: Array, w: Array) -> None:
        self.n += missing.size
        self.n_missing += int(missing.sum())
        self.w_missing += float(w[missing].sum())

    def merge(self, other: ColumnStats) -> None:
        """Add the statistics of other rows of the same column (another chunk, file or worker)."""
        if other.kind != self.kind:
            raise ValueError(
                f"column {self.name!r} is {self.kind} in one part of the table and "
                f"{other.kind} in another"
            )
        if other.exact != self.exact:
            raise ValueError("exact and streamed statistics cannot be merged")
        self.n += other.n
        self.n_missing += other.n_missing
        self.w_missing += other.w_missing

    def final_kind(self) -> str:
        """The kind of the column's :class:`ColumnEncoding`."""
        return self.kind

    def left_out_reason(self) -> str | None:
        """Why the column cannot be a feature, or None."""
        return None

    def encoding(self, min_count: float, sample: Any) -> ColumnEncoding:
        """The column's :class:`ColumnEncoding` (categories rarer than ``min_count`` are
        infrequent; ``sample``: the uniform sample of a stream's rows)."""
        raise NotImplementedError

    def standardization(
        self, encoding: ColumnEncoding, sample: Any, scaling: str, weighted: bool
    ) -> tuple[Array, Array]:
        """The mean and the scale of each of the encoding's features (0 and 1 for the 0/1
        features, which are not standardized)."""
        return np.zeros(encoding.width), np.ones(encoding.width)


# --------------------------------------------------------------------------- quantiles


def robust(values: Array, weights: Array, sd: float) -> tuple[float, float]:
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
