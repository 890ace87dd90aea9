"""Reading a table for training or prediction, step by step: :func:`load_table` and its
:class:`Table`, for :mod:`layerwise.tables` (which re-exports the public names: use them from
there).

The steps, one function each: read DATA (:func:`~layerwise.tables.formats.read_frame`), choose
the target (:func:`_choose_target`), the id (:func:`_choose_id`), check the weight, dropped and
kept columns (:func:`_check_roles`), leave out the columns that cannot be features
(:func:`_left_out_by_rule`), name the features (:func:`_feature_columns`), choose the rows kept
(:func:`_rows_kept`), then read the features, the target and the weights of those rows
(:func:`_numbers`, :func:`_target_values`, :func:`_weights`). What a step does by itself is a
line of :attr:`Table.notices`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import Array
from .columns import left_out_reason
from .formats import _pandas, _shorten, read_column_as_text, read_frame
from .targets import task_notice

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TARGET_NAMES", "Table", "load_table"]

#: column names taken as the target when none is given (the first present, any case)
TARGET_NAMES = ("target", "y", "label", "class")


# --------------------------------------------------------------------------- the table


@dataclass
class Table:
    """Features and target read from DATA; one example per row.

    Attributes
    ----------
    X : ndarray of shape (m, n[0]), or None
        The features, float64, in the order of ``feature_names``; None when the table was
        read with ``raw=True`` (then ``frame`` holds them as read).
    y : ndarray of shape (m,), or None
        The target column as read (numbers or labels); None when the data has none.
    feature_names : list of str
    target : str or None
    ids : ndarray of shape (m,)
        The id column's values, or the row numbers (0-based, counted before any dropped row).
    id_name : str
        The id column's name, or ``"row"``.
    source : str
        DATA as given.
    kind : str
        The format, or ``"built-in"``.
    dropped : list of int
        Rows left out: those whose target is missing, and those with a missing value when
        ``drop_missing``.
    weights : ndarray of shape (m,), or None
        The weight column's values (finite, >= 0), when one was named.
    frame : pandas.DataFrame of shape (m, k), or None
        The feature columns as read (text, missing values and all), for a
        :class:`TableEncoder`; its index is the row number in DATA.
    left_out : list of str
        Columns that are neither features nor target: the id, the weights, the ones
        dropped on request or ignored, and those left out by rule (a row number, text with
        nearly every value distinct).
    notices : list of str
        One line for each thing the table door did by itself (a column or rows left out,
        the task chosen), naming the column and the option that overrides it.
    keep : list of str
        The feature columns kept on request although a rule would leave them out (give
        them to ``TableEncoder(keep=...)``).
    """

    X: Array | None
    y: np.ndarray | None
    feature_names: list[str]
    target: str | None
    ids: np.ndarray
    id_name: str
    source: str
    kind: str
    dropped: list[int] = field(default_factory=list)
    weights: Array | None = None
    frame: pd.DataFrame | None = None
    left_out: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)

    @property
    def m(self) -> int:
        """Number of examples (rows)."""
        return int(self.ids.shape[0])

    def columns(self) -> Array:
        """X = A[0] as the notes write it, shape (n[0], m): one example per column."""
        if self.X is None:
            raise ValueError("this table was read raw: encode its frame with a TableEncoder")
        return np.ascontiguousarray(self.X.T)


def _default_target(columns: list[str], source: str) -> str:
    lower = {c.lower(): c for c in reversed(columns)}
    for name in TARGET_NAMES:
        if name in lower:
            return lower[name]
    raise ValueError(
        f"no target column given and none of {', '.join(TARGET_NAMES)} is in {source}; "
        f"name it with --target COL; the columns are: {_shorten(columns)}"
    )


def _where(source: str, kind: str, row: int) -> str:
    if kind.startswith(("CSV", "TSV")):
        return f"row {row} (line {row + 2} of {source})"
    return f"row {row}"


def load_table(
    data: str | os.PathLike[str] | Any,
    target: str | None = None,
    *,
    features: Sequence[str] | None = None,
    require_target: bool = True,
    drop_missing: bool = False,
    id_column: str | None = None,
    weight_column: str | None = None,
    raw: bool = False,
    drop: Sequence[str] = (),
    ignored: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> Table:
    """Read DATA and split it into features, target and row ids, checking every value.

    The steps, one function each: read DATA (:func:`read_frame`); choose the target; choose
    the id and check the weight and dropped columns; leave out, when training (``features``
    None), the columns that cannot be features (:func:`~layerwise.tables.columns.left_out_reason`:
    a column that numbers the rows, text with nearly every value distinct), each with a
    notice, unless named in ``keep``; choose the rows kept (a row whose target is missing is
    left out, with a notice that counts them); then the features, the target and the weights
    of those rows.

    Parameters
    ----------
    data : str, path or pandas.DataFrame
        A file (.csv, .tsv, .parquet, .npz, .npy), a built-in data set name, or a table
        (pandas DataFrame, pyarrow Table).
    target : str, optional
        The target column. When None, the first of :data:`TARGET_NAMES` present (that is
        not one of ``features``).
    features : list of str, optional
        The feature columns a model was trained on: each must be present (the missing ones
        are named), and any other column (besides the target and the id) is an error that
        names it. When None, every column but the target, the id and those left out is a
        feature.
    require_target : bool
        When False, a target column that the data does not have is simply absent
        (``y`` is None): prediction data.
    drop_missing : bool
        Drop the rows with a missing value (in any column used) instead of refusing them.
    id_column : str, optional
        A column identifying the rows (never a feature). When None, a column named ``id``
        (any case) is taken as the id when it is not one of ``features``.
    weight_column : str, optional
        A column of per-row weights (never a feature): numbers, finite, >= 0.
    raw : bool
        Keep the features as read, in ``Table.frame`` (text and missing values allowed, for
        a :class:`TableEncoder`); ``Table.X`` is None. Missing values are still refused in
        the weights (or their rows dropped with ``drop_missing``).
    drop : list of str
        Columns to leave out (each must be in the table).
    ignored : list of str
        Columns to leave out when present (those a model was trained without).
    keep : list of str
        Columns to keep as features although they would be left out (a row number, text
        with nearly every value distinct, kept as a category); ``--keep COL``.

    Returns
    -------
    Table
        With ``notices``: one line for each thing left out or chosen by itself.

    Raises
    ------
    ValueError
        Unknown target, id, dropped or kept column (the columns are listed), missing or
        extra feature columns (named), non-numeric feature columns (named, unless ``raw``),
        missing values in the features or weights (row and column named, ``--drop-missing``
        offered), inf, no rows.
    """
    try:
        return _load_table(
            data, target, features=features, require_target=require_target,
            drop_missing=drop_missing, id_column=id_column, weight_column=weight_column,
            raw=raw, drop=drop, ignored=ignored, keep=keep,
        )  # fmt: skip
    except ValueError as exc:
        raise cell_error(data, exc) from None


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


def _load_table(
    data: Any,
    target: str | None,
    *,
    features: Sequence[str] | None,
    require_target: bool,
    drop_missing: bool,
    id_column: str | None,
    weight_column: str | None,
    raw: bool,
    drop: Sequence[str],
    ignored: Sequence[str],
    keep: Sequence[str],
) -> Table:
    """:func:`load_table`'s steps."""
    frame, kind = read_frame(data)
    source = _source_name(data)
    chunk = _chunk_files(data) is not None
    if chunk:  # a chunk of a stream keeps its rows' places in the table, as errors say
        frame.index = data.index
    cols = list(frame.columns)
    notices: list[str] = []

    target = _choose_target(cols, target, features, require_target, source)
    id_column = _choose_id(data, frame, kind, id_column, target, features, source)
    _check_roles(cols, target, id_column, weight_column, drop, keep, source)
    reserved = {c for c in (target, id_column, weight_column) if c is not None}
    reserved |= set(drop) | {c for c in ignored if c in cols}
    if features is None:
        candidates = [c for c in cols if c not in reserved and c not in keep]
        reserved |= set(_left_out_by_rule(frame, candidates, notices))
    try:
        feature_names = _feature_columns(cols, reserved, features, target, id_column, source)
    except ValueError as exc:
        if not notices:
            raise
        raise ValueError(f"{exc}: " + "; ".join(notices)) from None
    if not raw:
        _refuse_categorical(frame, feature_names, source)

    keep_rows, dropped = _rows_kept(
        frame,
        target=target if require_target else None,
        weight_column=weight_column,
        checked_features=feature_names if drop_missing or not raw else [],
        drop_missing=drop_missing,
        where=lambda row: _where(source, kind, int(frame.index[row]) if chunk else row),
        source=source,
        notices=notices,
        chunk=chunk,
    )
    rows = frame.loc[keep_rows]
    row_numbers = np.flatnonzero(keep_rows)
    places = np.asarray(frame.index)[row_numbers] if chunk else row_numbers

    X = None if raw else _numbers(rows, feature_names, places, source, kind)
    y = None
    if target is not None:
        y = _target_values(rows[target], target, require_target, places, source, kind)
        if require_target and features is None and y.size:
            notices.append(task_notice(y, target))
    ids = rows[id_column].to_numpy() if id_column is not None else row_numbers
    weights = None
    if weight_column is not None:
        weights = _weights(rows[weight_column], weight_column, source, kind, keep_rows)
    return Table(
        X=X,
        y=y,
        feature_names=feature_names,
        target=target,
        ids=ids,
        id_name=id_column or "row",
        source=source,
        kind=kind,
        dropped=dropped,
        weights=weights,
        frame=rows[feature_names],
        left_out=[c for c in cols if c in reserved and c != target],
        notices=notices,
        keep=[c for c in keep if c in feature_names],
    )


# --------------------------------------------------------------------------- the steps


def _source_name(data: Any) -> str:
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    # a chunk of a streamed table names the file or folder it comes from
    named = getattr(data, "attrs", None)
    if isinstance(named, dict) and isinstance(named.get("source"), str):
        return str(named["source"])
    return f"the {type(data).__name__}"


def _choose_target(
    cols: list[str],
    target: str | None,
    features: Sequence[str] | None,
    require_target: bool,
    source: str,
) -> str | None:
    """The target column: as given, or the first of :data:`TARGET_NAMES`; None for
    prediction data without one."""
    if target is not None and target not in cols and require_target:
        raise ValueError(
            f"target column {target!r} is not in {source}; its columns are: {_shorten(cols)}"
        )
    if target is None and require_target:
        target = _default_target(cols, source)
    elif target is None:  # prediction data: a column named like a target is not a feature
        lower = {c.lower(): c for c in cols if features is None or c not in features}
        target = next((lower[n] for n in TARGET_NAMES if n in lower), None)
    return target if target is not None and target in cols else None


def _choose_id(
    data: Any,
    frame: pd.DataFrame,
    kind: str,
    id_column: str | None,
    target: str | None,
    features: Sequence[str] | None,
    source: str,
) -> str | None:
    """The id column: as given, or one named ``id`` (any case) that is not a feature; read
    as the text written in a CSV file."""
    cols = list(frame.columns)
    if id_column is not None:
        if id_column not in cols:
            raise ValueError(
                f"id column {id_column!r} is not in {source}; its columns are: {_shorten(cols)}"
            )
        if id_column == target:
            raise ValueError(f"column {id_column!r} cannot be both the target and the id")
    else:
        candidates = [c for c in cols if c.lower() == "id" and c != target]
        if candidates and (features is None or candidates[0] not in features):
            id_column = candidates[0]
    if id_column is not None and kind in ("CSV", "TSV"):
        # ids are kept as written ("007", and a blank stays blank), not parsed as numbers:
        # one blank would turn every id into a float ("12.0")
        frame[id_column] = read_column_as_text(data, id_column)
    return id_column


def _check_roles(
    cols: list[str],
    target: str | None,
    id_column: str | None,
    weight_column: str | None,
    drop: Sequence[str],
    keep: Sequence[str],
    source: str,
) -> None:
    """The weight, dropped and kept columns exist, and none has two roles."""
    if weight_column is not None:
        if weight_column not in cols:
            raise ValueError(
                f"weight column {weight_column!r} is not in {source}; its columns are: "
                f"{_shorten(cols)}"
            )
        if weight_column in (target, id_column):
            role = "target" if weight_column == target else "id"
            raise ValueError(f"column {weight_column!r} cannot be both the {role} and the weights")
    roles = {target: "the target", id_column: "the id", weight_column: "the weights"}
    for option, names in (("--drop", drop), ("--keep", keep)):
        unknown = [c for c in names if c not in cols]
        if unknown:
            raise ValueError(
                f"{option} {unknown[0]}: no such column in {source}; its columns are: "
                f"{_shorten(cols)}"
            )
        for c in names:
            if c in roles:
                raise ValueError(f"{option} {c}: column {c!r} is {roles[c]}, not a feature")
    both = [c for c in keep if c in drop]
    if both:
        raise ValueError(f"column {both[0]!r} is given to both --keep and --drop")


def _left_out_by_rule(frame: pd.DataFrame, candidates: list[str], notices: list[str]) -> list[str]:
    """The columns that cannot be features (a row number, an id-like text column), each
    with its notice."""
    left_out = []
    for name in candidates:
        reason = left_out_reason(frame[name])
        if reason is not None:
            left_out.append(name)
            notices.append(f"column {name!r} left out: {reason}; --keep {name} keeps it")
    return left_out


def _feature_columns(
    cols: list[str],
    reserved: set[str],
    features: Sequence[str] | None,
    target: str | None,
    id_column: str | None,
    source: str,
) -> list[str]:
    """Every column not reserved; or the model's ``features``, each present and no other."""
    if features is None:
        feature_names = [c for c in cols if c not in reserved]
        if not feature_names:
            others = [c for c in cols if c in reserved and c not in (target, id_column)]
            raise ValueError(
                f"{source} has no feature columns besides the target {target!r}"
                + (f" and the id {id_column!r}" if id_column else "")
                + (f"; left out: {_shorten(others)} (--keep COL keeps one)" if others else "")
            )
        return feature_names
    feature_names = [str(f) for f in features]
    missing = [f for f in feature_names if f not in cols]
    if missing:
        raise ValueError(
            f"{source} lacks the feature column(s) {_shorten(missing)} that the model was "
            f"trained on"
        )
    extra = [c for c in cols if c not in reserved and c not in feature_names]
    if extra:
        raise ValueError(
            f"{source} has column(s) {_shorten(extra)} that were not features when the "
            f"model was trained; remove them (or name an id column with --id)"
        )
    return feature_names


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
