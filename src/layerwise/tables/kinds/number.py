"""The ``number`` kind: a column of numbers (any numeric dtype, or numbers read as text).

- recognised: a numeric dtype, or values pandas infers as integers, floats or decimals;
- read: float64, NaN where missing; text that is not a number and True/False are refused by
  row (:meth:`Number.values`);
- gathered: the values' statistics (:class:`~._base.ValueStats`), and whether the column
  numbers the rows (:class:`NumberStats`, :func:`row_number_reason`): then it is left out;
- encoded: ``ColumnEncoding(kind="number")``: the value, a missing one replaced by the
  training median, standardized; a 0/1 missing indicator when training saw missing values;
- exported: a float32 input; ``IsNaN``/``Where`` fill, ``IsInf`` marks refused rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..._typing import Array
from ...features.encoding import ColumnEncoding, category_key
from ..formats import _pandas
from ._base import ColumnStats, Kind
from ._values import ValueStats, is_inf_node, value_nodes

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "Number",
    "NumberStats",
    "ROW_NUMBER_MIN_ROWS",
    "ROW_NUMBER_SPAN",
    "ROW_NUMBER_START",
    "row_number_reason",
]

#: whole numbers that number the rows: at least this many rows, distinct, none missing, at
#: most ROW_NUMBER_SPAN times as many numbers from 0 to the largest as rows (a split or a
#: filter kept at least half of the numbered rows), from a small start (see row_number_reason)
ROW_NUMBER_MIN_ROWS = 20
ROW_NUMBER_SPAN = 2.0
#: ... and a start below ROW_NUMBER_START · m, or within twice the largest gap inside
ROW_NUMBER_START = 0.1
#: a row-number column is checked for repeats with a bitmap up to this value (streamed)
_ROW_NUMBER_BITS = 1 << 28


def row_number_reason(m: int, low: float, high: float, gap: float, increasing: bool) -> str | None:
    """Why ``m`` distinct whole numbers ≥ 0 (none missing) from ``low`` to ``high``, with
    ``gap`` the largest difference between two of them in sorted order, number the rows; or
    None.

    Row numbers (R's ``rownames``, pandas' ``Unnamed: 0``) of a table of N rows, after a split
    or a filter kept m ≥ N / :data:`ROW_NUMBER_SPAN` of them, lie in [0, N] ⊂ [0, 2m): so
    ``high < 2m``, whatever the gap at the end. The gap at the start is small: for rows kept
    at random it is no longer than the gaps inside (``low ≤ 2·gap + 1``: a random 75/25 split
    of 1..2000 starts at 2 or more a quarter of the time, beyond 13 with odds 10⁻⁸), and a
    filter that took rows off the top took fewer than :data:`ROW_NUMBER_START` of them.

    A genuine measurement of distinct whole numbers spreads over a wider range (incomes,
    areas: ``high`` far beyond 2m) or starts far from 0 (codes 1000..2999 on 1500 rows); only
    a permutation of about 0..m (a rank) is taken for row numbers, which shuffled row numbers
    are: ``keep`` keeps it.

    >>> row_number_reason(1500, 2, 2000, 5, increasing=False)[:40]  # the part of a split
    'it numbers the rows (1500 distinct whole'
    >>> row_number_reason(1500, 1000, 2999, 4, increasing=False) is None  # codes from 1000
    True
    """
    if m < ROW_NUMBER_MIN_ROWS or low < 0 or high >= ROW_NUMBER_SPAN * m:
        return None
    if low > max(ROW_NUMBER_SPAN * gap + 1, ROW_NUMBER_START * m):
        return None
    order = "in file order" if increasing else "in some order"
    return (
        f"it numbers the rows ({m} distinct whole numbers from {low:g} to {high:g}, {order}), "
        f"as a row number does"
    )


class Number(Kind):
    """Numbers: see the module."""

    name = "number"

    def recognises(self, column: pd.Series, inferred: str) -> bool:
        pd = _pandas()
        return bool(pd.api.types.is_numeric_dtype(column)) or inferred in (
            "integer",
            "floating",
            "mixed-integer-float",
            "decimal",
        )

    def values(self, column: pd.Series, name: str) -> Array:
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

    def stats(self, name: str, exact: bool) -> ColumnStats:
        return NumberStats(name, self, exact)

    def onnx_nodes(
        self, encoding: ColumnEncoding, t: str, nodes: list[Any], inits: list[Any]
    ) -> tuple[Any, list[str], str | None]:
        return value_nodes(encoding, t, nodes, inits, is_inf_node(encoding.name, t, nodes))


class NumberStats(ValueStats):
    """A number column's statistics, and what says whether it numbers the rows: distinct
    whole numbers ≥ 0 with none missing (the smallest, the largest, whether increasing in
    the row order; the numbers seen: a bitmap when streamed, the kept values when exact)."""

    def __init__(self, name: str, reader: Kind, exact: bool = False) -> None:
        super().__init__(name, "number", reader, exact)
        self.row_numbers = True
        self.rn_min, self.rn_max = np.inf, -np.inf
        self.rn_increasing, self.rn_last = True, -np.inf
        self.rn_bits: Any = np.zeros(0, dtype=bool)

    def add(self, values: Array, w: Array) -> None:
        super().add(values, w)
        if not self.row_numbers or not values.size:
            return
        missing = np.isnan(values)
        low, high = (float(values.min()), float(values.max())) if not missing.any() else (-1, 0)
        if low < 0 or not np.all(values == np.round(values)) or high >= _ROW_NUMBER_BITS:
            self.row_numbers, self.rn_bits = False, None
            return
        self.rn_min, self.rn_max = min(self.rn_min, low), max(self.rn_max, high)
        self.rn_increasing = bool(
            self.rn_increasing and values[0] > self.rn_last and np.all(np.diff(values) > 0)
        )
        self.rn_last = float(values[-1])
        if not self.exact:
            self._mark(values.astype(np.int64), int(high))

    def _mark(self, index: Array, high: int) -> None:
        """Mark the numbers in the bitmap; a repeat: not a row number."""
        if high >= self.rn_bits.size:
            grown = np.zeros(max(high + 1, 2 * self.rn_bits.size), dtype=bool)
            grown[: self.rn_bits.size] = self.rn_bits
            self.rn_bits = grown
        if self.rn_bits[index].any() or np.unique(index).size != index.size:
            self.row_numbers, self.rn_bits = False, None
            return
        self.rn_bits[index] = True

    def merge(self, other: ColumnStats) -> None:
        """As :meth:`ValueStats.merge`; the numbers of both parts must not repeat."""
        super().merge(other)
        assert isinstance(other, NumberStats)
        both = self.row_numbers and other.row_numbers
        if both and not self.exact:
            size = max(self.rn_bits.size, other.rn_bits.size)
            a, b = (np.pad(x, (0, size - x.size)) for x in (self.rn_bits, other.rn_bits))
            both = not (a & b).any()
            self.rn_bits = a | b if both else None
        if both:
            self.rn_min = min(self.rn_min, other.rn_min)
            self.rn_max = max(self.rn_max, other.rn_max)
            self.rn_increasing = bool(
                self.rn_increasing and other.rn_increasing and other.rn_min > self.rn_last
            )
            self.rn_last = other.rn_last
        self.row_numbers = bool(both)

    def left_out_reason(self) -> str | None:
        """:func:`row_number_reason` of the column, when it holds distinct whole numbers."""
        if not self.row_numbers or self.n_missing or self.n < ROW_NUMBER_MIN_ROWS:
            return None
        if self.rn_max >= ROW_NUMBER_SPAN * self.n:
            return None
        seen = np.unique(self._kept()[0]) if self.exact else np.flatnonzero(self.rn_bits)
        if seen.size != self.n:
            return None
        gap = float(np.diff(seen).max()) if seen.size > 1 else 1.0
        return row_number_reason(self.n, self.rn_min, self.rn_max, gap, self.rn_increasing)


NUMBER = Number()
