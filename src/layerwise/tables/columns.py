"""What a raw column is, for :mod:`layerwise.tables` (the loader and the encoder): its kind
(number, boolean, category, date), its values read as the encoding takes them (category keys,
days since 1970-01-01), and why a column cannot be a feature (:func:`left_out_reason`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import Array
from ..encoding import category_key
from .formats import _pandas, _shorten

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DISTINCT_FRACTION",
    "DISTINCT_MIN_ROWS",
    "DATE_FRACTION",
    "ROW_NUMBER_MIN_ROWS",
    "ROW_NUMBER_SPAN",
    "left_out_reason",
    "numbers_read_as_text",
    "text_left_out_reason",
]

#: a text column with at least this fraction of distinct values (among at least
#: DISTINCT_MIN_ROWS values) is an id or free text, not a feature
DISTINCT_FRACTION = 0.9
DISTINCT_MIN_ROWS = 20
#: a text column whose values read as dates in at least this fraction of its rows is a date
DATE_FRACTION = 0.95
DATE_SAMPLE = 2000
#: whole numbers that number the rows: at least this many rows, from 0 or 1, distinct, and
#: at most ROW_NUMBER_SPAN times as many numbers spanned as rows (gaps after a filter)
ROW_NUMBER_MIN_ROWS = 20
ROW_NUMBER_SPAN = 2.0

_DATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}.*)?|\d{1,2}/\d{1,2}/\d{2,4})\s*$")


# --------------------------------------------------------------------------- kinds


def _kind_of(name: str, column: pd.Series) -> str:
    pd = _pandas()
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    if inferred == "boolean":
        return "boolean"
    if isinstance(column.dtype, pd.CategoricalDtype):
        return "category"
    if inferred in ("datetime64", "datetime", "date"):
        return "date"
    if inferred in ("time", "timedelta", "timedelta64", "period", "complex", "interval"):
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
    if not isinstance(column.dtype, pd.CategoricalDtype) and _reads_as_dates(column):
        return "date"
    return "category"  # text, and anything else, by its text


def _reads_as_dates(column: pd.Series) -> bool:
    """Text of which the first distinct value and at least :data:`DATE_FRACTION` of the
    distinct values (the first :data:`DATE_SAMPLE`) read as a date such as 2021-03-04 or
    3/4/2021 10:30."""
    distinct = [category_key(v) for v in column.dropna().unique()[:DATE_SAMPLE]]
    present = [k for k in distinct if k is not None]
    if not present or not _DATE.match(present[0]):
        return False
    matched = sum(1 for v in present if _DATE.match(v))
    return matched >= DATE_FRACTION * len(present)


def left_out_reason(column: pd.Series) -> str | None:
    """Why a column cannot be a feature, or None when it can.

    - whole numbers that number the rows, as R's ``rownames`` or pandas' ``Unnamed: 0``:
      at least :data:`ROW_NUMBER_MIN_ROWS` rows, no missing value, distinct, the smallest
      0 or 1, and the largest less than :data:`ROW_NUMBER_SPAN` times the number of rows
      (a few gaps where rows were filtered out; in file order or shuffled by a split);
    - text (not dates) in which nearly every value is distinct (at least
      :data:`DISTINCT_FRACTION` among at least :data:`DISTINCT_MIN_ROWS` values): an id,
      a name, free text, whose categories would each be seen once.
    """
    pd = _pandas()
    m = len(column)
    if pd.api.types.is_bool_dtype(column) or isinstance(column.dtype, pd.CategoricalDtype):
        return None
    if pd.api.types.is_numeric_dtype(column):
        if m < ROW_NUMBER_MIN_ROWS or column.isna().any():
            return None
        v = column.to_numpy(dtype=np.float64)
        if not np.all(v == np.round(v)) or v.min() not in (0.0, 1.0):
            return None
        if v.max() >= ROW_NUMBER_SPAN * m or np.unique(v).size != m:
            return None
        order = "in file order" if np.all(np.diff(v) > 0) else "in some order"
        return (
            f"it numbers the rows ({m} distinct whole numbers from {v.min():g} to "
            f"{v.max():g}, {order}), as a row number does"
        )
    if pd.api.types.infer_dtype(column, skipna=True) not in ("string", "mixed", "unicode"):
        return None
    keys = _keys(column)
    present = [k for k in keys if k is not None]
    distinct = list(dict.fromkeys(present))
    n, k = len(present), len(distinct)
    if n < DISTINCT_MIN_ROWS or k < DISTINCT_FRACTION * n or _reads_as_dates(column):
        return None
    return text_left_out_reason(distinct, n, lambda value: column.index[keys.index(value)])


def text_left_out_reason(
    distinct: list[str], n: int, row_of: Callable[[str], Any] | None
) -> str | None:
    """:func:`left_out_reason` of a text column (not dates) from its ``distinct`` values in
    the order first seen and its number ``n`` of present values; ``row_of(value)`` names the
    row where a value first appears (None: rows are not named)."""
    k = len(distinct)
    if n < DISTINCT_MIN_ROWS or k < DISTINCT_FRACTION * n:
        return None
    odd = [v for v in distinct if not _parses_as_number(v)]
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


def numbers_read_as_text(column: pd.Series) -> bool:
    """Text whose values are all numbers, nearly all distinct (which as text would be left
    out as an id): numbers, in a column that a cell of other rows of the table made text."""
    pd = _pandas()
    if isinstance(column.dtype, pd.CategoricalDtype):
        return False
    present = [k for k in _keys(column) if k is not None]
    distinct = set(present)
    return (
        len(present) >= DISTINCT_MIN_ROWS
        and len(distinct) >= DISTINCT_FRACTION * len(present)
        and all(_parses_as_number(v) for v in distinct)
    )


def _parses_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- values


def _keys(column: pd.Series) -> list[str | None]:
    pd = _pandas()
    if isinstance(column.dtype, pd.CategoricalDtype):
        # the key of each category once, then picked by code (−1: missing)
        keys = [category_key(c) for c in column.cat.categories] + [None]
        return [keys[i] for i in column.cat.codes.to_numpy()]
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(column, skipna=True) == "string":
        # missing and "" are the missing key; the rest are their own keys (in C loops)
        blank = column.isna().to_numpy() | (column == "").to_numpy(dtype=bool, na_value=False)
        values = values.copy() if np.shares_memory(values, column.to_numpy()) else values
        values[blank] = None
        return list(values.tolist())
    return [category_key(v) for v in values.tolist()]


def _as_days(column: pd.Series) -> Array:
    """Dates (a datetime column, or text) as days since 1970-01-01, a fraction for the time
    of day; NaN where missing or not a date. Times with a zone are taken in UTC."""
    pd = _pandas()
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column
        if getattr(column.dt, "tz", None) is not None:
            stamps = column.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        keys = pd.Series(_keys(column), index=column.index, dtype=object)
        # ISO 8601 in one vectorized pass; the rest (3/4/2021...) one value at a time
        stamps = pd.to_datetime(keys, errors="coerce", format="ISO8601", utc=True)
        other = stamps.isna() & keys.notna()
        if other.any():
            stamps[other] = pd.to_datetime(keys[other], errors="coerce", format="mixed", utc=True)
        stamps = stamps.dt.tz_localize(None)
    days = (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    return np.asarray(days.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
