"""Column encodings: how each column of a raw table becomes rows of X = A[0].

A table has one example per row and columns of four kinds; each column turns into one or more
features (rows of X, shape (n[0], m)):

============  ==========================================================================
``number``    one feature: the value, a missing one replaced by ``fill`` (the training
              median); standardized afterwards. With ``indicator``, a second 0/1 feature
              that is 1 where the value was missing.
``boolean``   one feature, 0/1 (False/True); a missing value takes ``fill`` (the training
              median), and with ``indicator`` a 0/1 feature marks it. Not standardized.
``category``  one 0/1 feature per entry of ``categories`` (strings; ``None`` is the
              missing value, a category of its own), then, when ``infrequent`` is not
              empty, one feature for all the categories rarer than the threshold. A value
              never seen in training is 1 in the infrequent feature when there is one, and
              0 everywhere otherwise (scikit-learn's ``handle_unknown="infrequent_if_exist"``).
``date``      four features from the date (or date-time), given as days since 1970-01-01
              (a fraction for the time of day): the year, the day of the year (1..366),
              the day of the week (Monday 0 .. Sunday 6) and the days since ``origin``
              (the earliest training date); all four standardized. A missing date takes
              ``fill`` (the training median); with ``indicator``, a 0/1 feature marks it.
============  ==========================================================================

The same concepts keep one name each across this module, :mod:`layerwise.preprocessing` and
:mod:`layerwise.tables.encoder`: a table's **column** (one ``ColumnEncoding``) becomes one or
more **features** (rows of X, named by ``feature_names``); its **kind** is one of
:data:`KINDS`; a missing value takes the **fill** and is marked by the **indicator**; a
category seen too rarely is **infrequent**; a value never seen in training is **unseen**;
**standardized** features are scaled by :class:`~layerwise.preprocessing.Preprocessing`.

This module is the NumPy side that a saved model needs: the JSON description in the model file
(:meth:`ColumnEncoding.to_dict` / :meth:`ColumnEncoding.from_dict`, which checks every field)
and the transform (:func:`encode_columns`). Learning an encoding from a table, which needs
pandas, is :class:`layerwise.tables.TableEncoder`; it prepares each column as a NumPy array for
:func:`encode_columns` with :func:`category_key` for text.

Examples
--------
>>> import numpy as np
>>> island = ColumnEncoding("island", "category", categories=("Biscoe", "Dream", None),
...                         infrequent=("Torgersen",))
>>> island.feature_names()
['island=Biscoe', 'island=Dream', 'island=(missing)', 'island=(infrequent)']
>>> mass = ColumnEncoding("mass", "number", fill=4.0, indicator=True)
>>> raw = {"island": np.array(["Dream", None, "Torgersen", "Atlantis"], dtype=object),
...        "mass": np.array([3.0, np.nan, 5.0, 6.0])}
>>> X, unseen = encode_columns([island, mass], raw)
>>> X                                   # (n[0], m) = (6, 4): one example per column
array([[0., 0., 0., 0.],
       [1., 0., 0., 0.],
       [0., 1., 0., 0.],
       [0., 0., 1., 1.],
       [3., 4., 5., 6.],
       [0., 1., 0., 0.]])
>>> unseen
{'island': {'Atlantis': 1}}
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ._checks import is_finite_number
from ._memory import check_encoding_size, check_target_size, encoding_too_large
from ._typing import Array, IndexArray

__all__ = [
    "KINDS",
    "MISSING_NAME",
    "INFREQUENT_NAME",
    "ColumnEncoding",
    "category_key",
    "encode_columns",
    "date_parts",
    "DATE_PARTS",
    "check_encoding_size",
    "check_target_size",
    "predict_in_chunks",
    "CHUNK_BYTES",
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
#: the most bytes of X that :func:`predict_in_chunks` encodes at once
CHUNK_BYTES = 64 * 2**20


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


def encode_columns(
    columns: Sequence[ColumnEncoding], raw: Mapping[str, Array], out: Array | None = None
) -> tuple[Array, dict[str, dict[str | None, int]]]:
    """X = A[0] (n[0], m) from the raw columns, before standardization.

    Parameters
    ----------
    columns : list of ColumnEncoding
        In the order of the features (rows of X).
    raw : mapping of str to ndarray of shape (m,)
        Each column's values as :meth:`ColumnEncoding.encode` takes them.
    out : ndarray of shape (n[0], m), float64, optional
        Filled and returned instead of a new array (a buffer reused chunk after chunk).

    Returns
    -------
    X : ndarray of shape (n[0], m), float64
    unseen : dict
        For each category column with values never seen in training: value -> count.
    """
    missing = [c.name for c in columns if c.name not in raw]
    if missing:
        raise ValueError(f"the columns {missing} are missing")
    m = len(raw[columns[0].name]) if columns else 0
    n0 = sum(c.width for c in columns)
    if out is not None:
        if out.shape != (n0, m) or out.dtype != np.float64:
            raise ValueError(
                f"out must be float64 of shape (n[0], m) = ({n0}, {m}); got {out.dtype} {out.shape}"
            )
        X = out
    else:
        check_encoding_size(columns, m)
        try:
            X = np.empty((n0, m), dtype=np.float64)
        except MemoryError:  # the system refused what the estimate let through
            raise MemoryError(encoding_too_large(columns, m, None)) from None
    unseen: dict[str, dict[str | None, int]] = {}
    row = 0
    for column in columns:
        values = raw[column.name]
        if len(values) != m:
            raise ValueError(
                f"column {column.name!r} has {len(values)} values; the first column has {m}"
            )
        counts = column.encode(values, X[row : row + column.width])
        if counts:
            unseen[column.name] = dict(counts)
        row += column.width
    return X, unseen


# --------------------------------------------------------------------------- chunks


def encode_in_chunks(
    columns: Sequence[ColumnEncoding],
    raw: Mapping[str, Array],
    transform: Callable[[Array, Array], Array] | None = None,
    order: str = "F",
    max_bytes: int = CHUNK_BYTES,
) -> tuple[Array, dict[str, dict[str | None, int]]]:
    """X (n[0], m) encoded from ``raw`` a chunk of rows at a time into one array of the given
    memory ``order``: ``"F"`` stores it as rows (each example's features together), the
    layout mini-batches are gathered from, so that training reads X without a copy of it.

    ``transform(X_chunk, out)`` (the standardization, in place) is applied to each chunk;
    only one chunk of the C-ordered encoding exists at a time beside the result.

    Returns
    -------
    X : ndarray of shape (n[0], m), float64, in ``order``
    unseen : dict
        As :func:`encode_columns` counts them, over all the rows.
    """
    m = len(raw[columns[0].name]) if columns else 0
    n0 = sum(c.width for c in columns)
    check_encoding_size(columns, m)
    try:
        X = np.empty((n0, m), dtype=np.float64, order=order)  # type: ignore[call-overload]
    except MemoryError:  # the system refused what the estimate let through
        raise MemoryError(encoding_too_large(columns, m, None)) from None
    unseen: dict[str, Counter[str | None]] = {}
    for start, block in _blocks(columns, raw, max_bytes, unseen):
        if transform is not None:
            block = transform(block, block)
        X[:, start : start + block.shape[1]] = block
    return X, {name: dict(c) for name, c in unseen.items()}


def _blocks(
    columns: Sequence[ColumnEncoding],
    raw: Mapping[str, Array],
    max_bytes: int,
    unseen: dict[str, Counter[str | None]],
) -> Iterator[tuple[int, Array]]:
    """(first row, X of the chunk) for the rows of ``raw``, each chunk's X (n[0], k) at most
    ``max_bytes`` and written into one buffer (its pages faulted in once, not once per chunk:
    use a chunk before asking for the next); the unseen values are added to ``unseen``."""
    m = len(raw[columns[0].name]) if columns else 0
    n0 = sum(c.width for c in columns)
    step = max(1, int(max_bytes) // max(1, 8 * n0))
    buffer = np.empty((n0, min(step, m)), dtype=np.float64)
    for start in range(0, m, step):
        stop = min(m, start + step)
        chunk = {k: v[start:stop] for k, v in raw.items()}
        X, counts = encode_columns(columns, chunk, out=buffer[:, : stop - start])
        for name, found in counts.items():
            unseen.setdefault(name, Counter()).update(found)
        yield start, X


def predict_in_chunks(
    predict: Callable[[Array], Array],
    columns: Sequence[ColumnEncoding],
    raw: Mapping[str, Array],
    transform: Callable[[Array], Array] | None = None,
    max_bytes: int = CHUNK_BYTES,
) -> tuple[Array, dict[str, dict[str | None, int]]]:
    """``predict(transform(X))`` for X encoded from ``raw`` a chunk of rows at a time, each
    chunk's X at most ``max_bytes``: memory stays bounded however many features the columns
    make (a million categories) and however many rows there are.

    Parameters
    ----------
    predict : callable
        X (n[0], k) -> A (n[L], k), such as ``Network.predict_proba``.
    columns, raw
        As :func:`encode_columns` takes them.
    transform : callable, optional
        Applied to each chunk's X before ``predict`` (the standardization).
    max_bytes : int
        The most bytes of one chunk's X (float64); at least one row per chunk.

    Returns
    -------
    A : ndarray of shape (n[L], m)
        Equal to ``predict(transform(X))`` of all the rows at once.
    unseen : dict
        As :func:`encode_columns` counts them, over all the rows.

    Raises
    ------
    ValueError
        When ``predict`` gives a non-finite output for finite features: the model's weights
        or statistics overflow (the message says so; the data is not to blame).
    """
    n0 = sum(c.width for c in columns)
    parts: list[Array] = []
    unseen: dict[str, Counter[str | None]] = {}
    for start, X in _blocks(columns, raw, max_bytes, unseen):
        if transform is not None:
            X = transform(X)
        A = np.asarray(predict(X))
        if not np.isfinite(A).all():
            i = int(np.flatnonzero(~np.isfinite(A).all(axis=0))[0])
            if np.isfinite(X[:, i]).all():
                biggest = float(np.max(np.abs(X[:, i]))) if n0 else 0.0
                raise ValueError(
                    f"the model's output for row {start + i} is {A[:, i].tolist()[:4]} although "
                    f"its encoded features are finite (the largest |feature| is {biggest:.3g}): "
                    f"the model's weights or preprocessing statistics overflow on it (a damaged "
                    f"model file, or a value far outside the training range); no prediction is "
                    f"made from it"
                )
        parts.append(A)
    if not parts:
        return predict(np.empty((n0, 0))), {}
    return np.concatenate(parts, axis=1), {k: dict(v) for k, v in unseen.items()}


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
