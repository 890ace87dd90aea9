"""The encoding of one column (:class:`ColumnEncoding`): its features, its transform and its
form in the model file. Public through :mod:`layerwise.features.encoding`, which documents the
kinds and the names; NumPy only, so a model loads without pandas.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .._checks import is_finite_number
from .._typing import Array, IndexArray

__all__ = [
    "KINDS",
    "DATE_PARTS",
    "MISSING_NAME",
    "INFREQUENT_NAME",
    "ColumnEncoding",
    "category_key",
    "date_parts",
    "factorize",
]

#: the kinds of input column
KINDS = ("number", "boolean", "category", "date")
#: the features of a date column, in order (named ``column:part``)
DATE_PARTS = ("year", "day_of_year", "day_of_week", "days")
#: the dates a model file may hold, in days since 1970-01-01 (years 0001 to 9999)
_DAYS_RANGE = (-719_162.0, 2_932_896.0)
#: how the missing value and the infrequent categories are named in feature names
MISSING_NAME = "(missing)"
INFREQUENT_NAME = "(infrequent)"


def category_key(value: Any) -> str | None:
    """A category as the string it is stored as, or None for a missing value.

    Missing: None, NaN (float or NumPy), pandas' NA and NaT, and the empty string (what a
    blank cell and ONNX's string input mean by missing). A float with an integer value is
    written without its fraction (3.0 -> "3"), so the codes of a column read once as text and
    once as numbers match.

    >>> [category_key(v) for v in ["red", 3, 3.0, 2.5, True, None, float("nan"), ""]]
    ['red', '3', '3', '2.5', 'True', None, None, None]
    """
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    # pandas' NA and NaT are neither None nor float; they are their own missing markers
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return str(value)


@dataclass(frozen=True)
class ColumnEncoding:
    """How one input column becomes ``width`` features (rows of X).

    Parameters
    ----------
    name : str
        The column's name in the table (and the name of its ONNX input).
    kind : {"number", "boolean", "category", "date"}
    fill : float, optional
        number, boolean and date: the value a missing entry takes (the training median;
        for a date, in days since 1970-01-01).
    indicator : bool
        number, boolean and date: add a 0/1 feature that is 1 where the value was missing.
    categories : tuple of (str or None)
        category: one feature each, in this order; None is the missing value.
    infrequent : tuple of (str or None)
        category: the categories merged into the one infrequent feature (rarer than the
        threshold in training). Unseen values go there too when it is not empty.
    origin : float, optional
        date: the earliest training date, in days since 1970-01-01.
    """

    name: str
    kind: str
    fill: float | None = None
    indicator: bool = False
    categories: tuple[str | None, ...] = ()
    infrequent: tuple[str | None, ...] = ()
    origin: float | None = None

    @property
    def width(self) -> int:
        """The number of features (rows of X) this column becomes."""
        if self.kind == "category":
            return len(self.categories) + (1 if self.infrequent else 0)
        values = len(DATE_PARTS) if self.kind == "date" else 1
        return values + int(self.indicator)

    @property
    def standardized(self) -> list[bool]:
        """For each of its features: is it standardized (a number's value and a date's
        parts are; 0/1 features are not)."""
        values = {"number": 1, "date": len(DATE_PARTS)}.get(self.kind, 0)
        return [j < values for j in range(self.width)]

    def feature_names(self) -> list[str]:
        """``name`` for a number or boolean (and ``name=(missing)`` for its indicator);
        ``name:year``, ``name:day_of_year``, ``name:day_of_week``, ``name:days`` for a date;
        ``name=category`` for each category, ``name=(missing)``, ``name=(infrequent)``."""
        missing = [f"{self.name}={MISSING_NAME}"] if self.indicator else []
        if self.kind == "date":
            return [f"{self.name}:{part}" for part in DATE_PARTS] + missing
        if self.kind != "category":
            return [self.name, *missing]
        names = [f"{self.name}={MISSING_NAME if c is None else c}" for c in self.categories]
        return names + ([f"{self.name}={INFREQUENT_NAME}"] if self.infrequent else [])

    def describe(self) -> str:
        """One line for ``layerwise summary``."""
        if self.kind == "date":
            assert self.fill is not None and self.origin is not None
            text = (
                f"year, day of year, day of week, days since {_day_text(self.origin)}; "
                f"missing -> {_day_text(self.fill)} (training median)"
            )
            return text + (", and a missing indicator" if self.indicator else "")
        if self.kind != "category":
            fill = f"missing -> {self.fill:.6g} (training median)"
            parts = [fill + (", and a missing indicator" if self.indicator else "")]
            parts.append("standardized" if self.kind == "number" else "0/1 (False/True)")
            return "; ".join(parts)
        shown = [MISSING_NAME if c is None else c for c in self.categories]
        listed = ", ".join(shown[:6]) + (f", ... ({len(shown)})" if len(shown) > 6 else "")
        text = f"one-hot, {len(shown)} categor{'y' if len(shown) == 1 else 'ies'}"
        text += f" ({listed})" if shown else ""
        if self.infrequent:
            n = len(self.infrequent)
            text += f" + (infrequent): {n} rare categor{'y' if n == 1 else 'ies'} and unseen values"
        else:
            text += "; unseen values -> all 0"
        return text

    # -- the transform ---------------------------------------------------------------------

    def encode(self, values: Array, out: Array) -> Counter[str | None]:
        """Fill ``out`` (width, m) with this column's features for ``values`` (m,).

        ``values``: float64 with NaN for missing (number: any finite number; boolean: 0 or 1;
        date: days since 1970-01-01), or, for a category, the keys of :func:`category_key`
        (str or None). Returns the count of each value never seen in training (categories
        only; empty otherwise).
        """
        if self.kind == "date":
            days = np.asarray(values, dtype=np.float64)
            missing = np.isnan(days)
            if np.isinf(days).any():
                raise ValueError(f"column {self.name!r} holds inf: its dates must be finite")
            assert self.fill is not None and self.origin is not None
            days = np.where(missing, self.fill, days)
            low, high = _DAYS_RANGE
            if days.size and not (low <= days.min() and days.max() < high):
                raise ValueError(
                    f"column {self.name!r} holds a date outside the years 1 to 9999 "
                    f"({days.min():g} to {days.max():g} days since 1970-01-01)"
                )
            out[: len(DATE_PARTS) - 1] = date_parts(days)
            out[len(DATE_PARTS) - 1] = days - self.origin
            if self.indicator:
                out[len(DATE_PARTS)] = missing
            return Counter()
        if self.kind != "category":
            v = np.asarray(values, dtype=np.float64)
            missing = np.isnan(v)
            if np.isinf(v).any():
                raise ValueError(f"column {self.name!r} holds inf: its values must be finite")
            assert self.fill is not None
            # a missing value takes the training median; the indicator says it was missing
            np.copyto(out[0], v)
            out[0][missing] = self.fill
            if self.indicator:
                out[1] = missing
            return Counter()
        index, rare = self._index
        unseen_at = -2
        # each distinct key looked up once: the rows take their key's feature by its code
        codes, keys = factorize(values)
        per_key = np.fromiter(
            (index.get(k, unseen_at) for k in keys), dtype=np.intp, count=len(keys)
        )
        idx = per_key[codes]
        new = np.flatnonzero(per_key == unseen_at)
        unseen: Counter[str | None] = Counter()
        if new.size:
            counts = np.bincount(codes, minlength=len(keys))
            unseen.update({keys[i]: int(counts[i]) for i in new})
        idx[idx == unseen_at] = rare
        out[...] = 0.0
        hit = np.flatnonzero(idx >= 0)
        out[idx[hit], hit] = 1.0
        return unseen

    @cached_property
    def _index(self) -> tuple[dict[str | None, int], int]:
        """category -> its feature (the infrequent ones: ``rare``, the infrequent feature, or
        −1 when there is none), built once: a model of a million categories encodes its rows
        chunk by chunk."""
        index: dict[str | None, int] = {c: j for j, c in enumerate(self.categories)}
        rare = len(self.categories) if self.infrequent else -1
        index.update({c: rare for c in self.infrequent})
        return index, rare

    # -- the model file --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (categories as strings, the missing value as null)."""
        if self.kind == "category":
            return {
                "name": self.name,
                "kind": self.kind,
                "categories": list(self.categories),
                "infrequent": list(self.infrequent),
            }
        if self.kind == "date":
            return {
                "name": self.name,
                "kind": self.kind,
                "fill": self.fill,
                "indicator": self.indicator,
                "origin": self.origin,
            }
        return {
            "name": self.name,
            "kind": self.kind,
            "fill": self.fill,
            "indicator": self.indicator,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ColumnEncoding:
        """Inverse of :meth:`to_dict`; ValueError with one line saying what is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"a column encoding must be a JSON object; got {_short(data)}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError(f"a column's name must be a non-empty string; got {_short(name)}")
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError(f"column {name!r}: kind must be one of {KINDS}; got {_short(kind)}")
        if kind != "category":
            fill = data.get("fill")
            if not is_finite_number(fill):
                raise ValueError(
                    f"column {name!r}: fill must be a finite number; got {_short(fill)}"
                )
            if kind == "boolean" and not 0.0 <= float(fill) <= 1.0:
                raise ValueError(f"column {name!r}: a boolean's fill must be in [0, 1]; got {fill}")
            indicator = data.get("indicator", False)
            if not isinstance(indicator, bool):
                raise ValueError(f"column {name!r}: indicator must be true or false")
            if kind != "date":
                return cls(name, kind, fill=float(fill), indicator=indicator)
            origin = data.get("origin")
            low, high = _DAYS_RANGE
            for key, days in (("fill", fill), ("origin", origin)):
                if not is_finite_number(days) or not low <= days < high:
                    raise ValueError(
                        f"column {name!r}: a date's {key} must be a number of days since "
                        f"1970-01-01 within the years 1 to 9999; got {_short(days)}"
                    )
            assert origin is not None
            return cls(name, kind, fill=float(fill), indicator=indicator, origin=float(origin))
        categories = _categories(data.get("categories"), name, "categories")
        infrequent = _categories(data.get("infrequent", []), name, "infrequent")
        if set(categories) & set(infrequent):
            both = next(iter(set(categories) & set(infrequent)))
            raise ValueError(f"column {name!r}: {both!r} is both a category and infrequent")
        if not categories and not infrequent:
            raise ValueError(f"column {name!r}: a category column needs at least one category")
        return cls(name, kind, categories=categories, infrequent=infrequent)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def date_parts(days: Array) -> Array:
    """The year, the day of the year (1..366) and the day of the week (Monday 0 .. Sunday 6)
    of dates given as days since 1970-01-01 (a fraction: the time of day), shape (3, m).

    >>> # 1970-01-01, 2024-02-29 12:00, 1969-12-31
    >>> date_parts(np.array([0.0, 19_782.5, -1.0])).tolist()
    [[1970.0, 2024.0, 1969.0], [1.0, 60.0, 365.0], [3.0, 3.0, 2.0]]
    """
    day = np.floor(np.asarray(days, dtype=np.float64)).astype("datetime64[D]")
    year = day.astype("datetime64[Y]")
    parts = np.empty((3, day.size))
    parts[0] = year.astype(np.int64) + 1970
    parts[1] = (day - year.astype("datetime64[D]")).astype(np.int64) + 1
    # 1970-01-01 was a Thursday: day 0 is weekday 3 (Monday 0)
    parts[2] = (day.astype(np.int64) + 3) % 7
    return parts


def _day_text(days: float) -> str:
    """A number of days since 1970-01-01 as the date it is (2021-03-04)."""
    return str(np.datetime64(math.floor(days), "D"))


def _categories(value: Any, name: str, key: str) -> tuple[str | None, ...]:
    if not isinstance(value, list):
        raise ValueError(f"column {name!r}: {key} must be a list; got {_short(value)}")
    for c in value:
        if c is not None and (not isinstance(c, str) or c == ""):
            raise ValueError(
                f"column {name!r}: each of {key} must be a non-empty string or null (missing); "
                f"got {_short(c)}"
            )
    if len(set(value)) != len(value):
        dup = next(c for c in value if value.count(c) > 1)
        raise ValueError(f"column {name!r}: {key} lists {dup!r} twice")
    return tuple(value)


def factorize(values: Any) -> tuple[IndexArray, list[Any]]:
    """(codes, distinct): ``values[i] == distinct[codes[i]]``, the distinct values in the
    order first seen, a missing value (None or NaN) as None. By pandas' hash table where
    pandas is installed, by a dict otherwise.

    >>> factorize(["b", "a", None, "b"])
    (array([0, 1, 2, 0]), ['b', 'a', None])
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - the tables extra brings pandas
        seen: dict[Any, int] = {}
        items = values.reshape(-1).tolist() if isinstance(values, np.ndarray) else list(values)
        codes = np.fromiter(
            (seen.setdefault(v, len(seen)) for v in items), dtype=np.intp, count=len(items)
        )
        return codes, [None if v is None or v != v else v for v in seen]
    array = values if isinstance(values, np.ndarray) else np.array(list(values), dtype=object)
    codes, uniques = pd.factorize(array.reshape(-1), use_na_sentinel=False)
    distinct = [
        None if v is None or v != v else v for v in np.asarray(uniques, dtype=object).tolist()
    ]
    return np.asarray(codes, dtype=np.intp), distinct
