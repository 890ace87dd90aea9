"""Reading a table for training or prediction, step by step: :func:`load_table` and its
:class:`Table`, for :mod:`layerwise.tables` (which re-exports the public names: use them from
there).

The steps, one function each (the columns' roles in :mod:`~layerwise.tables.roles`, the rows
and their values in :mod:`~layerwise.tables.rows`): read DATA
(:func:`~layerwise.tables.formats.read_frame`), choose the target (:func:`_choose_target`), the
id (:func:`_choose_id`), check the weight, dropped and kept columns (:func:`_check_roles`),
leave out the columns that cannot be features (:func:`_left_out_by_rule`), name the features
(:func:`_feature_columns`), choose the rows kept (:func:`_rows_kept`), then read the features,
the target and the weights of those rows (:func:`_numbers`, :func:`_target_values`,
:func:`_weights`). What a step does by itself is a
line of :attr:`Table.notices`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import Array
from .formats import read_frame
from .roles import (
    TARGET_NAMES,
    _check_roles,
    _choose_id,
    _choose_target,
    _feature_columns,
    _left_out_by_rule,
)
from .rows import (
    _chunk_files,
    _numbers,
    _refuse_categorical,
    _rows_kept,
    _target_values,
    _weights,
    _where,
    cell_error,
)
from .targets import task_notice

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TARGET_NAMES", "Table", "load_table"]

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
