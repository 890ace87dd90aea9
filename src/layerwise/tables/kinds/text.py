"""The ``text`` kind: a column read by its text, whose kind is known once every training row
is counted: dates (nearly every distinct value reads as a date), numbers (every value a
number, nearly all distinct: a number column made text by a cell of other rows), an id or
free text (nearly every value distinct: **left out**, with a notice), or categories.

- recognised: whatever no other kind recognises (last in the registry);
- gathered: the keys' counts, as a category's (:class:`TextStats`);
- encoded and exported: as the kind it turns out to be (:meth:`TextStats.final_kind`); never
  itself, so no model file holds a ``text`` column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._typing import Array
from ...features.encoding import ColumnEncoding
from ..formats import _pandas, _shorten
from ._base import MAX_DISTINCT, ColumnStats, Kind, no_values
from ._values import ValueStats
from .category import CategoryStats, keys
from .date import DATE, DATE_SAMPLE, reads_as_dates
from .number import NUMBER

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "Text",
    "TEXT",
    "TextStats",
    "DISTINCT_FRACTION",
    "DISTINCT_MIN_ROWS",
    "text_left_out_reason",
    "parses_as_number",
]

#: a text column with at least this fraction of distinct values (among at least
#: DISTINCT_MIN_ROWS values) is an id or free text, not a feature
DISTINCT_FRACTION = 0.9
DISTINCT_MIN_ROWS = 20
#: what pandas infers of text that may be an id or free text
_TEXTUAL = ("string", "mixed", "unicode")


class Text(Kind):
    """Text: see the module."""

    name = "text"

    def recognises(self, column: pd.Series, inferred: str) -> bool:
        return True

    def values(self, column: pd.Series, name: str) -> Array:
        return np.array(keys(column), dtype=object)

    def stats(self, name: str, exact: bool) -> ColumnStats:
        return TextStats(name, exact)


class TextStats(CategoryStats):
    """A category's counts of the keys, and, exact, the column itself (to name the row of a
    value, and to read it as numbers or dates)."""

    def __init__(self, name: str, exact: bool = False) -> None:
        super().__init__(name, "text", exact)
        self.textual = True
        self.kept: list[tuple[pd.Series, list[str | None], Array]] = []

    def update(self, column: pd.Series, w: Array) -> None:
        pd = _pandas()
        self.textual = self.textual and pd.api.types.infer_dtype(column, skipna=True) in _TEXTUAL
        values = keys(column)
        self.add_keys(values, w)
        if self.exact:
            self.kept.append((column, values, w))

    def merge(self, other: ColumnStats) -> None:
        super().merge(other)
        assert isinstance(other, TextStats)
        self.textual = self.textual and other.textual
        self.kept += other.kept

    def final_kind(self) -> str:
        """date, number or category, by the rules of the module; ``text`` when there were
        too many distinct values to count (then left out)."""
        if self.n_present == 0:
            raise no_values(self.name)
        if self.counts is None:
            return "text"
        pd = _pandas()
        distinct = self.distinct()
        if reads_as_dates(pd.Series(distinct[:DATE_SAMPLE], dtype=object)):
            return "date"
        if (
            self.n_present >= DISTINCT_MIN_ROWS
            and len(distinct) >= DISTINCT_FRACTION * self.n_present
            and all(parses_as_number(v) for v in distinct)
        ):
            return "number"  # numbers read as text
        return "category"

    def left_out_reason(self) -> str | None:
        if self.n_present == 0:
            return None  # refused when encoded
        if self.counts is None:
            return (
                f"more than {MAX_DISTINCT} distinct values in {self.n_present} rows, as in "
                f"an id, a name or free text (too many categories to count while streaming)"
            )
        if not self.textual or self.final_kind() == "date":
            return None
        return text_left_out_reason(self.distinct(), self.n_present, self._row_of())

    def _row_of(self) -> Callable[[str], Any] | None:
        if not self.exact:
            return None

        def row_of(value: str) -> Any:
            for column, values, _ in self.kept:
                if value in values:
                    return column.index[values.index(value)]
            return None

        return row_of

    def as_values(self) -> ValueStats:
        """The column read as its final kind's values (numbers or dates)."""
        kind = NUMBER if self.final_kind() == "number" else DATE
        stats = ValueStats(self.name, kind.name, kind, self.exact)
        if self.exact:
            for column, _, w in self.kept:
                stats.add(kind.values(column, self.name), w)
            return stats
        pd = _pandas()
        distinct = self.distinct()
        assert self.counts is not None
        weights = np.array([self.counts[k] for k in distinct], dtype=np.float64)
        if kind is DATE:
            values = DATE.values(pd.Series(distinct, dtype=object), self.name)
        else:
            values = np.array([float(k) for k in distinct])
        present = ~np.isnan(values)
        stats.add(values[present], weights[present])
        stats.n, stats.n_missing, stats.w_missing = self.n, self.n_missing, self.w_missing
        stats.counts = dict(zip(values[present].tolist(), weights[present].tolist()))
        return stats

    def encoding(self, min_count: float, sample: Any) -> ColumnEncoding:
        kind = self.final_kind()
        if kind == "text":
            raise ValueError(
                f"column {self.name!r} has more than {MAX_DISTINCT} distinct values: too many "
                f"categories to one-hot encode while streaming; leave it out (--drop "
                f"{self.name})"
            )
        if kind == "category":
            return super().encoding(min_count, sample)
        return self.as_values().encoding(min_count, sample)

    def standardization(
        self, encoding: ColumnEncoding, sample: Any, scaling: str, weighted: bool
    ) -> tuple[Array, Array]:
        if encoding.kind == "category":
            return super().standardization(encoding, sample, scaling, weighted)
        return self.as_values().standardization(encoding, sample, scaling, weighted)


def text_left_out_reason(
    distinct: list[str], n: int, row_of: Callable[[str], Any] | None
) -> str | None:
    """Why a text column (not dates) cannot be a feature, from its ``distinct`` values in
    the order first seen and its number ``n`` of present values; ``row_of(value)`` names the
    row where a value first appears (None: rows are not named). Nearly every value distinct
    (at least :data:`DISTINCT_FRACTION` among at least :data:`DISTINCT_MIN_ROWS` values):
    an id, a name, free text, whose categories would each be seen once."""
    k = len(distinct)
    if n < DISTINCT_MIN_ROWS or k < DISTINCT_FRACTION * n:
        return None
    odd = [v for v in distinct if not parses_as_number(v)]
    if not odd:  # numbers read as text for a cell of other rows: a number column here
        return None
    if len(odd) <= (1 - DISTINCT_FRACTION) * k:
        first = repr(odd[0]) if row_of is None else f"{odd[0]!r} at row {row_of(odd[0])}"
        cells = first if len(odd) == 1 else f"{_shorten(odd[:3])}; {first}"
        return (
            f"it holds numbers but also text ({cells}), "
            f"so it reads as text with "
            f"{k} distinct values in {n} rows; make those cells empty (a missing number is "
            f"filled in)"
        )
    return (
        f"nearly every value is distinct ({k} distinct in {n} rows, such as "
        f"{_shorten(distinct[:3])}), as in an id, a name or free text"
    )


def parses_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


TEXT = Text()
