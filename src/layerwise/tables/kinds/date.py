"""The ``date`` kind: a datetime column, or text that reads as dates in nearly every row
(``2021-03-04``, ``3/4/2021 10:30``).

- recognised: a datetime dtype (:meth:`Date.recognises`), or text whose distinct values read
  as dates (:func:`reads_as_dates`, which the ``text`` kind asks at the end);
- read: days since 1970-01-01, a fraction for the time of day; NaN where missing or not a
  date; times with a zone taken in UTC (:func:`as_days`);
- gathered: the values' statistics (:class:`~._base.ValueStats`): the four features' moments,
  the earliest date;
- encoded: ``ColumnEncoding(kind="date")``: the year, the day of the year, the day of the week
  and the days since the earliest training date, standardized; a missing date takes the
  training median, with a missing indicator when training saw missing dates;
- exported: a float32 input of days since 1970-01-01 (ONNX has no operator that parses a
  date); the parts by the civil-from-days arithmetic (:func:`date_nodes`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._typing import Array
from ...features.encoding import ColumnEncoding, category_key
from ..formats import _pandas
from ._base import ColumnStats, Kind
from ._values import ValueStats, is_inf_node, value_nodes
from .category import keys

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Date", "DATE", "DATE_FRACTION", "DATE_SAMPLE", "reads_as_dates", "as_days"]

#: a text column whose values read as dates in at least this fraction of its rows is a date
DATE_FRACTION = 0.95
DATE_SAMPLE = 2000

_DATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}.*)?|\d{1,2}/\d{1,2}/\d{2,4})\s*$")


class Date(Kind):
    """Dates: see the module."""

    name = "date"

    def recognises(self, column: pd.Series, inferred: str) -> bool:
        return inferred in ("datetime64", "datetime", "date")

    def values(self, column: pd.Series, name: str) -> Array:
        return as_days(column)

    def stats(self, name: str, exact: bool) -> ColumnStats:
        return ValueStats(name, self.name, self, exact)

    def onnx_nodes(
        self, encoding: ColumnEncoding, t: str, nodes: list[Any], inits: list[Any]
    ) -> tuple[Any, list[str], str | None]:
        invalid = is_inf_node(encoding.name, t, nodes)

        def parts(days: str) -> list[str]:
            return date_nodes(encoding, days, nodes, inits)

        return value_nodes(encoding, t, nodes, inits, invalid, parts)


def reads_as_dates(column: pd.Series) -> bool:
    """Text of which the first distinct value and at least :data:`DATE_FRACTION` of the
    distinct values (the first :data:`DATE_SAMPLE`) read as a date such as 2021-03-04 or
    3/4/2021 10:30."""
    distinct = [category_key(v) for v in column.dropna().unique()[:DATE_SAMPLE]]
    present = [k for k in distinct if k is not None]
    if not present or not _DATE.match(present[0]):
        return False
    matched = sum(1 for v in present if _DATE.match(v))
    return matched >= DATE_FRACTION * len(present)


def as_days(column: pd.Series) -> Array:
    """Dates (a datetime column, or text) as days since 1970-01-01, a fraction for the time
    of day; NaN where missing or not a date. Times with a zone are taken in UTC."""
    pd = _pandas()
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column
        if getattr(column.dt, "tz", None) is not None:
            stamps = column.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        text = pd.Series(keys(column), index=column.index, dtype=object)
        # ISO 8601 in one vectorized pass; the rest (3/4/2021...) one value at a time
        stamps = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
        other = stamps.isna() & text.notna()
        if other.any():
            stamps[other] = pd.to_datetime(text[other], errors="coerce", format="mixed", utc=True)
        stamps = stamps.dt.tz_localize(None)
    days = (stamps - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    return np.asarray(days.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def date_nodes(column: ColumnEncoding, days: str, nodes: list[Any], inits: list[Any]) -> list[str]:
    """The four features of a date column from ``days`` [N, 1] (days since 1970-01-01, a
    missing one already filled in): the year, the day of the year and the day of the week
    by the civil-from-days arithmetic (H. Hinnant's ``civil_from_days``), in float32 with
    Floor and exact divisions (every value below 2^24), and the days since the origin.
    Returns the names of the four [N, 1] values."""
    from onnx import TensorProto, helper, numpy_helper

    count = iter(range(1_000))

    def const(value: float) -> str:
        name = f"{days}_c{next(count)}"
        inits.append(numpy_helper.from_array(np.array([value], dtype=np.float32), name))
        return name

    def op(kind: str, a: str, b: str | None = None, **attrs: Any) -> str:
        out = f"{days}_v{next(count)}"
        nodes.append(helper.make_node(kind, [a] if b is None else [a, b], [out], **attrs))
        return out

    def floor_div(a: str, b: float) -> str:
        return op("Floor", op("Div", a, const(b)))

    def year_days(yoe: str) -> str:  # 365 yoe + ⌊yoe/4⌋ − ⌊yoe/100⌋
        return op(
            "Sub", op("Add", op("Mul", yoe, const(365)), floor_div(yoe, 4)), floor_div(yoe, 100)
        )

    d = op("Floor", days)
    # the 400-year era of the day, counted from 0000-03-01, and the day in it
    z = op("Add", d, const(719_468))
    era = floor_div(z, 146_097)
    doe = op("Sub", z, op("Mul", era, const(146_097)))
    # yoe = ⌊(doe − ⌊doe/1460⌋ + ⌊doe/36524⌋ − ⌊doe/146096⌋) / 365⌋, the year of the era
    leaps = op(
        "Sub",
        op("Add", op("Sub", doe, floor_div(doe, 1460)), floor_div(doe, 36_524)),
        floor_div(doe, 146_096),
    )
    yoe = floor_div(leaps, 365)
    doy_march = op("Sub", doe, year_days(yoe))  # 0 on March 1
    month_march = floor_div(op("Add", op("Mul", doy_march, const(5)), const(2)), 153)
    january_or_february = op(
        "Cast", op("GreaterOrEqual", month_march, const(10)), to=TensorProto.FLOAT
    )
    year = op("Add", op("Add", yoe, op("Mul", era, const(400))), january_or_february)
    # day of the year: d − (1 January of that year) + 1, 1 January by days_from_civil
    before = op("Sub", year, const(1))
    era1 = floor_div(before, 400)
    yoe1 = op("Sub", before, op("Mul", era1, const(400)))
    doe1 = op("Add", year_days(yoe1), const(306))
    january_1 = op("Sub", op("Add", op("Mul", era1, const(146_097)), doe1), const(719_468))
    day_of_year = op("Add", op("Sub", d, january_1), const(1))
    # 1970-01-01 was a Thursday: Monday 0
    shifted = op("Add", d, const(3))
    day_of_week = op("Sub", shifted, op("Mul", floor_div(shifted, 7), const(7)))
    assert column.origin is not None
    since = op("Sub", days, const(column.origin))
    return [year, day_of_year, day_of_week, since]


DATE = Date()
