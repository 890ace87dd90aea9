"""Tables for the command line: reading DATA, choosing the target, encoding class labels.

DATA is a file (``.csv``, ``.tsv``, ``.parquet``, ``.npz``, ``.npy``) or the name of a built-in
data set (:data:`BUILTIN`: the generated ones of :mod:`layerwise.datasets`, and ``digits``,
``breast_cancer``, ``iris``, ``wine``, ``diabetes``, which scikit-learn ships, so nothing is
downloaded). Files are read with pandas (and pyarrow for Parquet), imported only when a table
is read: ``pip install 'layerwise[tables]'``.

A table has one example per **row**, as every table does; :attr:`Table.X` keeps the rows and
:meth:`Table.columns` gives the notes' X = A[0] of shape (n[0], m), transposed once.

Every feature must be a number: a column of text (a categorical feature) is refused with a
message naming it and suggesting one-hot encoding (``pandas.get_dummies``). Missing values are
named by row and column, or their rows dropped on request.

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

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import datasets
from ._typing import Array

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
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

#: file suffix -> format name
FORMATS = {
    ".csv": "CSV",
    ".tsv": "TSV",
    ".parquet": "Parquet",
    ".npz": "NumPy .npz",
    ".npy": "NumPy .npy",
}

#: column names taken as the target when none is given (the first present, any case)
TARGET_NAMES = ("target", "y", "label", "class")

#: a numeric target with more distinct (integer) values than this is continuous (regression)
MAX_CLASSES = 50

_SKLEARN = {
    "digits": "load_digits",
    "breast_cancer": "load_breast_cancer",
    "iris": "load_iris",
    "wine": "load_wine",
    "diabetes": "load_diabetes",
}

#: name -> one-line description of every built-in data set
BUILTIN: dict[str, str] = {
    "planar": "the course's flower: 2 features, 2 classes (generated)",
    "moons": "two interleaving half circles: 2 features, 2 classes (generated)",
    "circles": "a circle inside a circle: 2 features, 2 classes (generated)",
    "xor": "the XOR quadrants: 2 features, 2 classes (generated)",
    "spiral": "three spiral arms: 2 features, 3 classes (generated)",
    "blobs": "two Gaussian blobs: 2 features, 2 classes (generated)",
    "digits": "8x8 images of handwritten digits: 64 features, 10 classes (scikit-learn)",
    "breast_cancer": "breast cancer diagnosis: 30 features, benign/malignant (scikit-learn)",
    "iris": "iris flowers: 4 features, 3 species (scikit-learn)",
    "wine": "wine cultivars: 13 features, 3 classes (scikit-learn)",
    "diabetes": "disease progression: 10 features, continuous target (scikit-learn)",
}


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "reading tables needs pandas (and pyarrow for Parquet): pip install 'layerwise[tables]'"
        ) from None
    return pandas


def _shorten(names: Sequence[Any], limit: int = 12) -> str:
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names)} in all)"
    return shown


# --------------------------------------------------------------------------- reading


def load_builtin(name: str) -> pd.DataFrame:
    """A built-in data set as a table: feature columns, then ``target``.

    The generated sets (:data:`layerwise.datasets.GENERATED`) are drawn with a fixed seed
    (the course's seed 1 for ``planar``, 0 for the others), so a name always means the same
    rows. scikit-learn's sets come with it; their class labels are the names scikit-learn
    gives (``"setosa"``, ``"malignant"``, ...), except ``digits`` (0..9).

    Parameters
    ----------
    name : str
        One of :data:`BUILTIN`.

    Returns
    -------
    pandas.DataFrame of shape (m, n[0] + 1)
    """
    pd = _pandas()
    key = name.strip().lower()
    if key in datasets.GENERATED:
        make: Any = datasets.GENERATED[key]
        X, Y = make() if key == "planar" else make(seed=0)
        frame = pd.DataFrame(X.T, columns=[f"x{j + 1}" for j in range(X.shape[0])])
        frame["target"] = Y.reshape(-1).astype(np.int64)
        return frame
    if key in _SKLEARN:
        try:
            import sklearn.datasets
        except ImportError:
            raise ImportError(
                f"the built-in data set {name!r} comes with scikit-learn: "
                f"pip install 'layerwise[sklearn]'"
            ) from None
        bunch = getattr(sklearn.datasets, _SKLEARN[key])()
        frame = pd.DataFrame(bunch.data, columns=[str(c) for c in bunch.feature_names])
        target = np.asarray(bunch.target)
        names = getattr(bunch, "target_names", None)
        if key not in ("digits", "diabetes") and names is not None:
            frame["target"] = np.asarray(names)[target]
        else:
            frame["target"] = target
        return frame
    raise ValueError(
        f"unknown built-in data set {name!r}; the built-in ones are: {', '.join(BUILTIN)}"
    )


def read_frame(data: str | os.PathLike[str]) -> tuple[pd.DataFrame, str]:
    """Read DATA, a file or a built-in name, into a table with string column names.

    Returns
    -------
    frame : pandas.DataFrame
        One example per row.
    kind : str
        The format (``"CSV"``, ...) or ``"built-in"``.

    Raises
    ------
    ValueError
        A missing, empty, unreadable or unknown-format file, a name that is neither a file
        nor a built-in data set; the message names what was given.
    """
    text = os.fspath(data)
    path = Path(text)
    if not path.exists():
        if text.strip().lower() in BUILTIN and not path.suffix:
            return load_builtin(text), "built-in"
        if path.suffix or os.sep in text:
            raise ValueError(f"no such file: {text}")
        raise ValueError(
            f"{text!r} is neither a file nor a built-in data set; files end in "
            f"{', '.join(FORMATS)}; the built-in data sets are: {', '.join(BUILTIN)}"
        )
    if path.is_dir():
        raise ValueError(f"{text} is a folder; expected a data file ({', '.join(FORMATS)})")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"unknown format {suffix or '(no suffix)'!r} of {text}; "
            f"expected one of {', '.join(FORMATS)}"
        )
    if path.stat().st_size == 0:
        raise ValueError(f"{text} is empty (0 bytes)")
    kind = FORMATS[suffix]
    pd = _pandas()
    try:
        if suffix in (".csv", ".tsv"):
            frame = pd.read_csv(path, sep="," if suffix == ".csv" else "\t")
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = _read_numpy(path, suffix)
    except ImportError:
        raise ImportError(
            f"reading {kind} needs pandas and pyarrow: pip install 'layerwise[tables]'"
        ) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{text} is empty: no header and no rows") from None
    except Exception as exc:  # every reader has its own exception types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"cannot read {text} as {kind}: {first}") from None
    frame.columns = [str(c) for c in frame.columns]
    if frame.shape[1] == 0:
        raise ValueError(f"{text} has no columns")
    if frame.shape[0] == 0:
        raise ValueError(
            f"{text} has no rows (only a header with columns {_shorten(frame.columns)})"
        )
    return frame, kind


def _read_numpy(path: Path, suffix: str) -> pd.DataFrame:
    """.npy: a 2-D array (m, k), columns x1..xk (or a structured array's fields).
    .npz: ``X`` (m, n) with columns ``feature_names`` (or x1..xn) plus every 1-D array of
    length m (``y``, ...) as a column; or only 1-D arrays of one length m, one per column."""
    pd = _pandas()
    if suffix == ".npy":
        arr = np.load(path, allow_pickle=False)
        if arr.dtype.names:
            return pd.DataFrame(arr)
        if arr.ndim != 2:
            raise ValueError(f"expected a 2-D array (rows, columns), got shape {arr.shape}")
        return pd.DataFrame(arr, columns=[f"x{j + 1}" for j in range(arr.shape[1])])
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    columns: dict[str, Array] = {}
    if "X" in arrays:
        X = arrays.pop("X")
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (rows, features), got shape {X.shape}")
        names = arrays.pop("feature_names", None)
        if names is None:
            names = np.array([f"x{j + 1}" for j in range(X.shape[1])])
        if names.shape != (X.shape[1],):
            raise ValueError(f"feature_names has {names.size} names for {X.shape[1]} columns of X")
        columns.update({str(n): X[:, j] for j, n in enumerate(names)})
    m = next(iter(columns.values())).shape[0] if columns else None
    for key, arr in arrays.items():
        if arr.ndim != 1 or (m is not None and arr.shape[0] != m):
            raise ValueError(
                f"array {key!r} has shape {arr.shape}; expected X (m, n) and 1-D columns "
                f"of length m such as y (m,)"
            )
        m = arr.shape[0]
        columns[key] = arr
    if not columns:
        raise ValueError("no arrays in the file")
    return pd.DataFrame(columns)


# --------------------------------------------------------------------------- the table


@dataclass
class Table:
    """Features and target read from DATA; one example per row.

    Attributes
    ----------
    X : ndarray of shape (m, n[0])
        The features, float64, in the order of ``feature_names``.
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
    """

    X: Array
    y: np.ndarray | None
    feature_names: list[str]
    target: str | None
    ids: np.ndarray
    id_name: str
    source: str
    kind: str
    dropped: list[int] = field(default_factory=list)

    @property
    def m(self) -> int:
        """Number of examples (rows)."""
        return int(self.X.shape[0])

    def columns(self) -> Array:
        """X = A[0] as the notes write it, shape (n[0], m): one example per column."""
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
    if kind in ("CSV", "TSV"):
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

    Returns
    -------
    Table

    Raises
    ------
    ValueError
        Unknown target or id column (the columns are listed), missing or extra feature
        columns (named), non-numeric feature columns (named, with the one-hot suggestion),
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

    reserved = {c for c in (target, id_column) if c is not None}
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

    _refuse_categorical(frame, feature_names, source)

    # prediction data may carry an empty target column: only a required target is checked
    checked = feature_names + ([target] if target is not None and require_target else [])
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

    X = rows[feature_names].to_numpy(dtype=np.float64)
    if not np.isfinite(X).all():
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
    )


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


# --------------------------------------------------------------------------- the target


def _plain(value: Any) -> Any:
    """A label as a plain Python value: 1.0 -> 1, numpy scalars -> Python scalars."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _key(value: Any) -> str:
    value = _plain(value)
    return str(value)


def type_of_target(y: Any) -> str:
    """What a target column asks for, as scikit-learn's ``type_of_target`` says it.

    ``"continuous"``: numbers with a fractional part, or more than :data:`MAX_CLASSES`
    distinct integers (scikit-learn would call those classes; a target such as a price in
    whole units is a regression); ``"binary"``: at most two distinct values;
    ``"multiclass"``: more.

    Parameters
    ----------
    y : array-like of shape (m,)

    Returns
    -------
    str
    """
    values = np.asarray(y).reshape(-1)
    if values.dtype.kind in "iuf":
        distinct = np.unique(values)
        if values.dtype.kind == "f" and np.any(distinct != np.round(distinct)):
            return "continuous"
        if distinct.size > MAX_CLASSES:
            return "continuous"
        return "binary" if distinct.size <= 2 else "multiclass"
    distinct_keys = {_key(v) for v in values}
    return "binary" if len(distinct_keys) <= 2 else "multiclass"


def class_labels(y: Any) -> list[Any]:
    """The distinct labels of a target column, sorted, as plain Python values.

    For a sigmoid output the second one is the positive class (Y = 1).
    """
    seen: dict[str, Any] = {}
    for v in np.asarray(y).reshape(-1).tolist():
        seen.setdefault(_key(v), _plain(v))
    labels = list(seen.values())
    try:
        return sorted(labels)
    except TypeError:  # mixed types
        return sorted(labels, key=str)


def encode_labels(y: Any, classes: Sequence[Any]) -> np.ndarray:
    """Labels -> class indices 0..K−1 (the position in ``classes``), shape (m,).

    Labels are matched by value (1, 1.0 and "1" are the same label), so a model trained on
    one file reads another that spells them differently.

    Raises
    ------
    ValueError
        A label that is not one of ``classes`` (named, with the known ones).
    """
    index = {_key(c): i for i, c in enumerate(classes)}
    values = np.asarray(y).reshape(-1).tolist()
    out = np.empty(len(values), dtype=np.int64)
    unknown: list[Any] = []
    for i, v in enumerate(values):
        k = index.get(_key(v))
        if k is None:
            unknown.append(_plain(v))
            k = 0
        out[i] = k
    if unknown:
        distinct = list(dict.fromkeys(unknown))
        raise ValueError(
            f"label(s) {_shorten(distinct)} were not among the classes the model was trained on: "
            f"{_shorten(list(classes))}"
        )
    return out


def output_for(kind: str) -> str:
    """The output activation for a target type: sigmoid, softmax or linear."""
    return {"binary": "sigmoid", "multiclass": "softmax", "continuous": "linear"}[kind]


# --------------------------------------------------------------------------- writing


def frame_to_bytes(frame: pd.DataFrame, path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``frame`` in the format of ``path``'s suffix (.csv, .tsv or .parquet), for
    :func:`layerwise.io.atomic_write_bytes`."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv"):
        text = frame.to_csv(index=False, sep="," if suffix == ".csv" else "\t")
        return str(text).encode("utf-8")
    if suffix == ".parquet":
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()
    raise ValueError(
        f"cannot write {os.fspath(path)}: the suffix must be .csv, .tsv or .parquet; "
        f"Received: {suffix or '(none)'!r}"
    )
