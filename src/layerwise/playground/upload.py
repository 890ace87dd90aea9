"""A CSV file of one's own in the playground: read, checked, and turned into X and Y.

The page sends the file's text; :func:`parse_csv` reads it with Python's ``csv`` module (no
pandas) and refuses, with a message that says what was found and what is taken, a file
over :data:`MAX_BYTES`, with fewer than :data:`MIN_ROWS` or more than :data:`MAX_ROWS` rows,
rows of unequal length, fewer than two numeric columns besides a label, or more than
:data:`MAX_COLUMNS` columns. :meth:`Table.select` then takes two numeric columns as x1, x2
and a label column: numbers with few whole values or text are classes (at most
:data:`MAX_CLASSES`), other numbers a regression target.

Examples
--------
>>> table = parse_csv("a,b,kind\\n" + "".join(f"{i},{i % 3},{'yes' if i % 2 else 'no'}\\n"
...                                          for i in range(12)))
>>> table.columns, table.numeric
(['a', 'b', 'kind'], ['a', 'b'])
>>> X, Y, task, classes = table.select(("a", "b"), "kind")
>>> X.shape, task, classes
((2, 12), 'binary', ['no', 'yes'])
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._typing import Array

__all__ = [
    "UploadError",
    "Table",
    "parse_csv",
    "load_csv",
    "MAX_BYTES",
    "MAX_ROWS",
    "MIN_ROWS",
    "MAX_COLUMNS",
    "MAX_CLASSES",
    "MAX_VALUE",
]

MAX_BYTES = 200_000
MAX_ROWS = 2000
MIN_ROWS = 10
MAX_COLUMNS = 20
MAX_CLASSES = 8
#: the largest size of a number in a file (its square, an input x1², stays far from overflow)
MAX_VALUE = 1e12
#: the longest column name kept (a longer one is cut)
MAX_NAME = 40


class UploadError(ValueError):
    """A file the playground cannot train on; the message says why and what it takes."""


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Table:
    """The columns of a checked CSV file: every cell as text, and the numeric columns as
    floats."""

    columns: list[str]
    cells: list[list[str]]  # one list per column
    values: dict[str, Array]  # the numeric columns, (m,) each

    @property
    def numeric(self) -> list[str]:
        return [c for c in self.columns if c in self.values]

    @property
    def rows(self) -> int:
        return len(self.cells[0])

    def defaults(self) -> tuple[tuple[str, str], str]:
        """The columns shown by default (the first two numeric ones that are not the label)
        and the label (the last column)."""
        label = self.columns[-1]
        shown = [c for c in self.numeric if c != label][:2]
        return (shown[0], shown[1]), label

    def check(self, columns: Sequence[str], label: str) -> None:
        """UploadError unless ``columns`` are two different numeric columns and ``label``
        another column with a usable target."""
        self.select(columns, label)

    def select(self, columns: Sequence[str], label: str) -> tuple[Array, Array, str, list[str]]:
        """X (2, m) from the two ``columns``, each standardized (x := (x − mean) / standard
        deviation, as the plane of the built-in data sets is about that size), Y (1, m) from
        ``label``, the task (binary, multiclass or regression) and the class names (empty
        for a regression).

        Classes are numbered in sorted order (numbers as numbers, text as text)."""
        if len(columns) != 2 or columns[0] == columns[1]:
            raise UploadError(f"choose two different columns for x1 and x2; got {list(columns)}")
        for name in (*columns, label):
            if name not in self.columns:
                raise UploadError(f"the file has no column {name!r}; its columns: {self.columns}")
        for name in columns:
            if name not in self.values:
                raise UploadError(
                    f"column {name!r} is not numeric, so it cannot be x1 or x2; the numeric "
                    f"columns: {self.numeric}"
                )
        if label in columns:
            raise UploadError(f"the label {label!r} is also shown as x1 or x2; choose another")
        X = np.stack([self.values[c] for c in columns])
        std = X.std(axis=1, keepdims=True)
        X = (X - X.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1.0)
        Y, task, classes = self._target(label)
        return X, Y, task, classes

    def _target(self, label: str) -> tuple[Array, str, list[str]]:
        values = self.values.get(label)
        cells = self.cells[self.columns.index(label)]
        if values is not None:
            distinct = np.unique(values)
            whole = bool(np.all(distinct == np.round(distinct)))
            if not whole or len(distinct) > MAX_CLASSES:
                return values[None, :].copy(), "regression", []
            names = [f"{v:g}" for v in distinct]
            index = np.searchsorted(distinct, values)
        else:
            distinct_text = sorted(set(cells))
            if len(distinct_text) > MAX_CLASSES:
                raise UploadError(
                    f"the label column {label!r} holds {len(distinct_text)} different texts; "
                    f"the playground takes up to {MAX_CLASSES} classes (or numbers, to fit "
                    f"them as a regression)"
                )
            names = distinct_text
            index = np.array([distinct_text.index(c) for c in cells])
        if len(names) < 2:
            raise UploadError(f"the label column {label!r} holds one class only ({names[0]!r})")
        task = "binary" if len(names) == 2 else "multiclass"
        return index.astype(np.float64)[None, :], task, names


def _rows(text: str) -> list[list[str]]:
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise UploadError(f"this is not a CSV file the playground can read: {exc}") from None
    return [row for row in rows if any(row)]


def _first_text(column: list[str]) -> tuple[int, str]:
    """The file's row number (the header is row 1) and text of a column's first cell that is
    not a finite number."""
    return next((r, c) for r, c in enumerate(column, start=2) if _float(c) is None)


def parse_csv(text: str) -> Table:
    """The checked table of a CSV file's ``text`` (a header row, unless every cell of the
    first row is a number: then the columns are named c1, c2, ...).

    Raises
    ------
    UploadError
        Naming what does not fit (size, rows, columns, cells) and what is taken.
    """
    if not isinstance(text, str):
        raise UploadError(f"the file's text is a string; got {type(text).__name__}")
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        raise UploadError(
            f"the file has {size} bytes; the playground takes CSV files up to {MAX_BYTES} "
            f"bytes ({MAX_ROWS} rows)"
        )
    rows = _rows(text)
    if rows and all(_float(c) is not None for c in rows[0]):
        header = [f"c{k}" for k in range(1, len(rows[0]) + 1)]
    elif rows:
        header, rows = rows[0], rows[1:]
    else:
        header = []
    header = [h[:MAX_NAME] or f"c{k}" for k, h in enumerate(header, start=1)]
    if len(set(header)) != len(header):
        raise UploadError(f"the file's columns have repeated names: {header[:MAX_COLUMNS]}")
    if not 3 <= len(header) <= MAX_COLUMNS:
        raise UploadError(
            f"the file has {len(header)} column(s); the playground takes 3 to {MAX_COLUMNS}: "
            f"two numeric columns to show as x1 and x2, and a label"
        )
    if not MIN_ROWS <= len(rows) <= MAX_ROWS:
        raise UploadError(
            f"the file has {len(rows)} rows of data; the playground takes {MIN_ROWS} to {MAX_ROWS}"
        )
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise UploadError(
                f"row {number} has {len(row)} cells, the header {len(header)}; every row needs "
                f"one cell per column"
            )
    cells = [list(column) for column in zip(*rows)]
    values: dict[str, Array] = {}
    for name, column in zip(header, cells):
        numbers = [_float(c) for c in column]
        if all(v is not None for v in numbers):
            values[name] = np.array(numbers, dtype=np.float64)
    if len(values) < 2 or (len(values) == 2 and header[-1] in values):
        other = [
            f"{name!r} (row {_first_text(column)[0]}: {_first_text(column)[1][:20]!r})"
            for name, column in zip(header, cells)
            if name not in values
        ]
        raise UploadError(
            f"the file has {len(values)} numeric column(s) ({', '.join(values) or 'none'}); "
            f"not numeric: {', '.join(other[:3]) or 'none'}; the playground needs two numeric "
            f"columns (a finite number in every row) for x1 and x2, and a label besides"
        )
    for name, value_array in values.items():
        big = np.flatnonzero(np.abs(value_array) > MAX_VALUE)
        if big.size:
            raise UploadError(
                f"column {name!r} holds {value_array[big[0]]:g} (row {big[0] + 2}); the playground "
                f"takes numbers up to {MAX_VALUE:g} in size"
            )
    return Table(header, cells, values)


def load_csv(path: str | Path, columns: Sequence[str], label: str) -> tuple[Array, Array]:
    """X (2, m) and Y (1, m) of a CSV file, as the playground reads it (the script of a run
    on one's own data calls this).

    X holds the two columns standardized; Y the class index 0..K−1 (the classes in sorted
    order) or the regression target.
    """
    text = Path(path).read_text(encoding="utf-8-sig")
    X, Y, _, _ = parse_csv(text).select(columns, label)
    return X, Y
