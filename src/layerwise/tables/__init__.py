"""Tables: reading DATA, choosing the target, encoding class labels, and encoding raw columns.

DATA is a file (``.csv``, ``.tsv``, ``.parquet``, ``.npz``, ``.npy``) or the name of a built-in
data set (:data:`BUILTIN`: the generated ones of :mod:`layerwise.datasets`, ``mixed`` (a raw
table with text and missing values), and ``digits``, ``breast_cancer``, ``iris``, ``wine``,
``diabetes``, which scikit-learn ships, so nothing is downloaded). Files are read with pandas
(and pyarrow for Parquet), imported only when a table is read: ``pip install
'layerwise[tables]'``. A CSV whose first line is scikit-learn's ``n_samples,n_features,class
names`` header (its bundled ``iris.csv``, ``wine_data.csv``...) is read as such: columns
x1..xn and ``target``.

A table has one example per **row**, as every table does; :attr:`Table.X` keeps the rows and
:meth:`Table.columns` gives the notes' X = A[0] of shape (n[0], m), transposed once.

:func:`load_table` reads numbers (text refused by name, missing values named by row and column
or their rows dropped on request); with ``raw=True`` it keeps the feature columns as read, for
:class:`TableEncoder`, which encodes text, booleans and missing values as the command line does
(:mod:`layerwise.tables.encoder`).

Examples
--------
>>> table = load_table("iris", target="target")
>>> table.X.shape, table.columns().shape          # rows (m, n[0]), columns (n[0], m)
((150, 4), (4, 150))
>>> type_of_target(table.y)
'multiclass'
>>> classes = class_labels(table.y)
>>> classes
['setosa', 'versicolor', 'virginica']
>>> encode_labels(table.y, classes)[:3]
array([0, 0, 0])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .._typing import Array
from .encoder import TableEncoder
from .formats import (
    BUILTIN,
    FORMATS,
    _pandas,
    _shorten,
    frame_to_bytes,
    load_builtin,
    read_column_as_text,
    read_frame,
)
from .mixed import mixed_table
from .targets import (
    MAX_CLASSES,
    class_labels,
    encode_labels,
    output_for,
    type_of_target,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "TableEncoder",
    "mixed_table",
    "BUILTIN",
    "FORMATS",
    "MAX_CLASSES",
    "TARGET_NAMES",
    "Table",
    "read_frame",
    "load_builtin",
    "load_table",
    "type_of_target",
    "class_labels",
    "encode_labels",
    "output_for",
    "frame_to_bytes",
]

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
        Rows dropped by ``drop_missing``.
    weights : ndarray of shape (m,), or None
        The weight column's values (finite, >= 0), when one was named.
    frame : pandas.DataFrame of shape (m, k), or None
        The feature columns as read (text, missing values and all), for a
        :class:`TableEncoder`; its index is the row number in DATA.
    left_out : list of str
        Columns that are neither features nor target: the id, the weights, the ones
        dropped on request or ignored.
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
    data: str | os.PathLike[str],
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
) -> Table:
    """Read DATA and split it into features, target and row ids, checking every value.

    Parameters
    ----------
    data : str or path
        A file (.csv, .tsv, .parquet, .npz, .npy) or a built-in data set name.
    target : str, optional
        The target column. When None, the first of :data:`TARGET_NAMES` present (that is
        not one of ``features``).
    features : list of str, optional
        The feature columns a model was trained on: each must be present (the missing ones
        are named), and any other column (besides the target and the id) is an error that
        names it. When None, every column but the target and the id is a feature.
    require_target : bool
        When False, a target column that the data does not have is simply absent
        (``y`` is None): prediction data.
    drop_missing : bool
        Drop the rows with a missing value instead of refusing them.
    id_column : str, optional
        A column identifying the rows (never a feature). When None, a column named ``id``
        (any case) is taken as the id when it is not one of ``features``.
    weight_column : str, optional
        A column of per-row weights (never a feature): numbers, finite, >= 0.
    raw : bool
        Keep the features as read, in ``Table.frame`` (text and missing values allowed, for
        a :class:`TableEncoder`); ``Table.X`` is None. Missing values are still refused in
        the target and the weights (or their rows dropped with ``drop_missing``).
    drop : list of str
        Columns to leave out (each must be in the table).
    ignored : list of str
        Columns to leave out when present (those a model was trained without).

    Returns
    -------
    Table

    Raises
    ------
    ValueError
        Unknown target, id or dropped column (the columns are listed), missing or extra
        feature columns (named), non-numeric feature columns (named, unless ``raw``),
        missing values (row and column named, ``--drop-missing`` offered), inf, no rows.
    """
    pd = _pandas()
    frame, kind = read_frame(data)
    source = os.fspath(data)
    cols = list(frame.columns)

    if target is not None and target not in cols and require_target:
        raise ValueError(
            f"target column {target!r} is not in {source}; its columns are: {_shorten(cols)}"
        )
    if target is None and require_target:
        target = _default_target(cols, source)
    elif target is None:  # prediction data: a column named like a target is not a feature
        lower = {c.lower(): c for c in cols if features is None or c not in features}
        target = next((lower[n] for n in TARGET_NAMES if n in lower), None)
    if target is not None and target not in cols:
        target = None

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

    if weight_column is not None:
        if weight_column not in cols:
            raise ValueError(
                f"weight column {weight_column!r} is not in {source}; its columns are: "
                f"{_shorten(cols)}"
            )
        if weight_column in (target, id_column):
            role = "target" if weight_column == target else "id"
            raise ValueError(f"column {weight_column!r} cannot be both the {role} and the weights")
    unknown = [c for c in drop if c not in cols]
    if unknown:
        raise ValueError(
            f"--drop {unknown[0]}: no such column in {source}; its columns are: {_shorten(cols)}"
        )
    roles = {target: "the target", id_column: "the id", weight_column: "the weights"}
    for c in drop:
        if c in roles:
            raise ValueError(f"--drop {c}: column {c!r} is {roles[c]}, not a feature")
    reserved = {c for c in (target, id_column, weight_column) if c is not None}
    reserved |= set(drop) | {c for c in ignored if c in cols}
    if features is None:
        feature_names = [c for c in cols if c not in reserved]
        if not feature_names:
            raise ValueError(
                f"{source} has no feature columns besides the target {target!r}"
                + (f" and the id {id_column!r}" if id_column else "")
            )
    else:
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

    if not raw:
        _refuse_categorical(frame, feature_names, source)

    # prediction data may carry an empty target column: only a required target is checked
    # (a raw table's features may have missing values: they are filled in as in training)
    required = [target] if target is not None and require_target else []
    required += [weight_column] if weight_column is not None else []
    checked = required + (feature_names if drop_missing or not raw else [])
    dropped: list[int] = []
    missing_mask = frame[checked].isna().to_numpy()
    if missing_mask.any():
        bad_rows = np.flatnonzero(missing_mask.any(axis=1))
        if not drop_missing:
            row = int(bad_rows[0])
            col = checked[int(np.flatnonzero(missing_mask[row])[0])]
            raise ValueError(
                f"missing value in column {col!r} at {_where(source, kind, row)}; "
                f"{bad_rows.size} row(s) have missing values: fill them in, or pass "
                f"--drop-missing to skip those rows"
            )
        dropped = [int(r) for r in bad_rows]
        if len(dropped) == len(frame):
            raise ValueError(f"every row of {source} has a missing value; nothing is left")
    keep = np.ones(len(frame), dtype=bool)
    keep[dropped] = False
    rows = frame.loc[keep]

    X = None if raw else rows[feature_names].to_numpy(dtype=np.float64)
    if X is not None and not np.isfinite(X).all():
        r, c = np.argwhere(~np.isfinite(X))[0]
        row = int(np.flatnonzero(keep)[r])
        raise ValueError(
            f"column {feature_names[c]!r} holds {X[r, c]} at {_where(source, kind, row)}; "
            f"every feature must be a finite number"
        )
    y = None
    if target is not None:
        y = rows[target].to_numpy()
        if require_target and pd.api.types.is_numeric_dtype(rows[target]) and y.dtype != bool:
            y = y.astype(np.float64) if y.dtype.kind == "f" else y
            if y.dtype.kind == "f" and not np.isfinite(y).all():
                r = int(np.flatnonzero(~np.isfinite(y))[0])
                raise ValueError(
                    f"target {target!r} holds {y[r]} at "
                    f"{_where(source, kind, int(np.flatnonzero(keep)[r]))}; it must be finite"
                )
    ids = rows[id_column].to_numpy() if id_column is not None else np.flatnonzero(keep)
    weights = None
    if weight_column is not None:
        weights = _weights(rows[weight_column], weight_column, source, kind, keep)
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
    )


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
