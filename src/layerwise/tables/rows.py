"""The rows and values of a table as :func:`~layerwise.tables.loading.load_table` reads them:
the rows kept (a missing target left out, a missing value refused by row and column or its row
dropped), the features, the target and the weights checked cell by cell, each bad cell named by
its row (and, for a chunk of a streamed table, by its file: :func:`cell_error`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import Array
from .formats import _pandas, _shorten

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _where(source: str, kind: str, row: int) -> str:
    if kind.startswith(("CSV", "TSV")):
        return f"row {row} (line {row + 2} of {source})"
    return f"row {row}"


def cell_error(data: Any, error: ValueError) -> ValueError:
    """``error``, raised on the rows of ``data``; for a chunk of a streamed table
    (:meth:`~layerwise.tables.stream.TableStream.chunks`), naming first the file of the row
    it names and the row's place in that file."""
    from .pieces import file_of_row

    files = _chunk_files(data)
    named = file_of_row(files, error) if files else None
    if named is None or str(error).startswith(named):
        return error
    return type(error)(f"{named}: {error}")


def _chunk_files(data: Any) -> list[tuple[str, int, int, int]] | None:
    """The files of a chunk of a streamed table (its ``attrs``), or None for any other DATA."""
    named = getattr(data, "attrs", None)
    if isinstance(named, dict) and isinstance(named.get("files"), (list, tuple)):
        return list(named["files"])
    return None


def _rows_kept(
    frame: pd.DataFrame,
    *,
    target: str | None,
    weight_column: str | None,
    checked_features: list[str],
    drop_missing: bool,
    where: Callable[[int], str],
    source: str,
    notices: list[str],
    chunk: bool = False,
) -> tuple[np.ndarray, list[int]]:
    """The rows kept (a boolean mask) and the row numbers left out.

    A row whose target is missing is left out (counted in a notice): it cannot teach
    anything; every row of a table without one is refused, but not every row of a
    ``chunk`` of a streamed table (the other chunks may have them). A missing weight, or a
    missing feature in ``checked_features``, is refused with its row and column named, or
    its row dropped with ``drop_missing``.
    """
    m = len(frame)
    keep = np.ones(m, dtype=bool)
    if target is not None:
        no_target = frame[target].isna().to_numpy()
        if no_target.all() and not chunk:
            raise ValueError(f"target {target!r} is missing in every row of {source}")
        if no_target.any():
            keep &= ~no_target
            notices.append(
                f"{int(no_target.sum())} row(s) left out: their target {target!r} is missing"
            )
    checked = ([weight_column] if weight_column is not None else []) + checked_features
    missing_mask = frame[checked].isna().to_numpy(dtype=bool) & keep[:, None]
    if missing_mask.any():
        bad_rows = np.flatnonzero(missing_mask.any(axis=1))
        if not drop_missing:
            row = int(bad_rows[0])
            col = checked[int(np.flatnonzero(missing_mask[row])[0])]
            raise ValueError(
                f"missing value in column {col!r} at {where(row)}; "
                f"{bad_rows.size} row(s) have missing values: fill them in, or pass "
                f"--drop-missing to skip those rows"
            )
        keep[bad_rows] = False
        if not keep.any():
            raise ValueError(f"every row of {source} has a missing value; nothing is left")
        notices.append(f"{bad_rows.size} row(s) with a missing value dropped (--drop-missing)")
    return keep, [int(r) for r in np.flatnonzero(~keep)]


def _numbers(
    rows: pd.DataFrame, names: list[str], row_numbers: np.ndarray, source: str, kind: str
) -> Array:
    """The feature columns as float64 (m, n[0]), each value finite."""
    X = rows[names].to_numpy(dtype=np.float64)
    if not np.isfinite(X).all():
        r, c = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(
            f"column {names[c]!r} holds {X[r, c]} at "
            f"{_where(source, kind, int(row_numbers[r]))}; every feature must be a finite number"
        )
    return X


def _target_values(
    column: pd.Series,
    name: str,
    required: bool,
    row_numbers: np.ndarray,
    source: str,
    kind: str,
) -> np.ndarray:
    """The target column as read (labels), or float64 for numbers, each finite."""
    pd = _pandas()
    y = column.to_numpy()
    if required and pd.api.types.is_numeric_dtype(column) and y.dtype != bool:
        y = y.astype(np.float64) if y.dtype.kind == "f" else y
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            r = int(np.flatnonzero(~np.isfinite(y))[0])
            raise ValueError(
                f"target {name!r} holds {y[r]} at "
                f"{_where(source, kind, int(row_numbers[r]))}; it must be finite"
            )
    return y


def _weights(column: pd.Series, name: str, source: str, kind: str, keep: Array) -> Array:
    """The weight column as float64: numbers, finite, >= 0, not all 0 (rows named)."""
    pd = _pandas()
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise ValueError(
            f"weight column {name!r} of {source} must hold numbers; values such as "
            f"{', '.join(repr(str(v)) for v in column.unique()[:3])}"
        )
    w = column.to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        row = int(np.flatnonzero(keep)[bad[0]])
        raise ValueError(
            f"weight column {name!r} holds {w[bad[0]]:g} at {_where(source, kind, row)}; "
            f"every weight must be a finite number >= 0"
        )
    if not w.any():
        raise ValueError(f"weight column {name!r} of {source} is zero in every row")
    return w


def _refuse_categorical(frame: pd.DataFrame, names: list[str], source: str) -> None:
    pd = _pandas()
    text = [
        c
        for c in names
        if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]
    if not text:
        return
    col = text[0]
    values = [str(v) for v in frame[col].dropna().unique()[:3]]
    also = f" (and {_shorten(text[1:])})" if len(text) > 1 else ""
    raise ValueError(
        f"feature column {col!r}{also} of {source} is not numeric (values such as "
        f"{', '.join(repr(v) for v in values)}); layerwise does not encode categorical features: "
        f"one-hot encode them first, e.g. pandas.get_dummies(df, columns={text!r}, dtype=float)"
    )
