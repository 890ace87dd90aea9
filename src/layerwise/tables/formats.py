"""Reading and writing the files of each format, and the built-in data sets, for
:mod:`layerwise.tables` (which re-exports the public names: use them from there).

DATA is a file (``.csv``, ``.tsv``, ``.parquet``, ``.npz``, ``.npy``) or the name of a built-in
data set (:data:`BUILTIN`). pandas (and pyarrow for Parquet) is imported only when a table is
read or written: ``pip install 'layerwise[tables]'``.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._files import regular_file
from .._optional import require
from .._typing import Array
from ..core import datasets
from ._common import _check_unique, _pandas, _shorten
from .folders import STREAM_SUFFIXES, folder_files, read_folder  # noqa: F401 (re-exported)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: file suffix -> format name
FORMATS = {
    ".csv": "CSV",
    ".tsv": "TSV",
    ".parquet": "Parquet",
    ".npz": "NumPy .npz",
    ".npy": "NumPy .npy",
}

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
    "mixed": "a penguin survey: 4 numbers, 3 text columns, a boolean, a year, missing values; "
    "3 species (generated)",
}


# --------------------------------------------------------------------------- reading


def load_builtin(name: str) -> pd.DataFrame:
    """A built-in data set as a table: feature columns, then ``target``.

    The generated sets (:data:`layerwise.core.datasets.GENERATED`, and ``mixed``, a raw table
    with text and missing values: :func:`layerwise.tables.mixed.mixed_table`) are drawn with
    a fixed seed (the course's seed 1 for ``planar``, 0 for the others), so a name always
    means the same rows. scikit-learn's sets come with it; their class labels are the names
    scikit-learn gives (``"setosa"``, ``"malignant"``, ...), except ``digits`` (0..9).

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
    if key == "mixed":
        from .mixed import mixed_table

        return mixed_table().rename(columns={"species": "target"})
    if key in datasets.GENERATED:
        make: Any = datasets.GENERATED[key]
        X, Y = make() if key == "planar" else make(seed=0)
        frame = pd.DataFrame(X.T, columns=[f"x{j + 1}" for j in range(X.shape[0])])
        frame["target"] = Y.reshape(-1).astype(np.int64)
        return frame
    if key in _SKLEARN:
        sk_datasets = require("sklearn.datasets", "sklearn", f"the built-in data set {name!r}")
        bunch = getattr(sk_datasets, _SKLEARN[key])()
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


def read_frame(data: str | os.PathLike[str] | Any) -> tuple[pd.DataFrame, str]:
    """Read DATA, a file, a built-in name or a table in memory (a pandas DataFrame, a pyarrow
    Table: copied), into a table with string column names.

    Returns
    -------
    frame : pandas.DataFrame
        One example per row.
    kind : str
        The format (``"CSV"``, ...), ``"built-in"``, or the type of a table in memory
        (``"DataFrame"``).

    Raises
    ------
    ValueError
        A missing, empty, unreadable or unknown-format file, a name that is neither a file
        nor a built-in data set; the message names what was given.
    """
    if not isinstance(data, (str, os.PathLike)):
        return _frame_in_memory(data)
    text = os.fspath(data)
    path = Path(text)
    if not path.exists():
        if os.path.islink(text):
            regular_file(text, "a table")  # a broken link or a loop: says which
        if text.strip().lower() in BUILTIN and not path.suffix:
            return load_builtin(text), "built-in"
        if path.suffix or os.sep in text:
            raise ValueError(f"no such file: {text}")
        raise ValueError(
            f"{text!r} is neither a file nor a built-in data set; files end in "
            f"{', '.join(FORMATS)}; the built-in data sets are: {', '.join(BUILTIN)}"
        )
    if path.is_dir():
        return read_folder(text)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"unknown format {suffix or '(no suffix)'!r} of {text}; "
            f"expected one of {', '.join(FORMATS)}"
        )
    if regular_file(text, "a table").st_size == 0:
        raise ValueError(f"{text} is empty (0 bytes)")
    kind = FORMATS[suffix]
    pd = _pandas()
    try:
        sklearn_header = _sklearn_header(path, suffix) if suffix in (".csv", ".tsv") else None
        if sklearn_header is not None:
            frame = _read_sklearn_csv(path, *sklearn_header)
            kind += ", scikit-learn's n_samples,n_features header"
        elif suffix in (".csv", ".tsv"):
            sep = "," if suffix == ".csv" else "\t"
            header = _header_as_written(path, sep)
            _check_named(header, text)
            _check_unique(header, text)
            frame = pd.read_csv(path, sep=sep)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = _read_numpy(path, suffix)
    except NamelessColumnError:
        raise
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
    _check_named(list(frame.columns), text)
    _check_unique(list(frame.columns), text)
    if frame.shape[1] == 0:
        raise ValueError(f"{text} has no columns")
    if frame.shape[0] == 0:
        raise ValueError(
            f"{text} has no rows (only a header with columns {_shorten(frame.columns)})"
        )
    return frame, kind


def _frame_in_memory(data: Any) -> tuple[pd.DataFrame, str]:
    """A pandas DataFrame (copied), a pyarrow Table or a pyarrow dataset, with string column
    names."""
    pd = _pandas()
    kind = type(data).__name__
    if hasattr(data, "get_fragments") and hasattr(data, "to_table"):  # a pyarrow dataset
        data = data.to_table()
    if hasattr(data, "to_pandas") and not isinstance(data, pd.DataFrame):
        data = data.to_pandas()
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"DATA must be a file name, a built-in data set name, a pandas DataFrame or a "
            f"pyarrow Table; got {kind}"
        )
    frame = data.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    _check_unique(list(frame.columns), f"the {kind}")
    if frame.shape[1] == 0 or frame.shape[0] == 0:
        raise ValueError(f"the {kind} is empty: shape {frame.shape}")
    return frame, kind


def _sklearn_header(path: Path, suffix: str) -> tuple[str, int, int, list[str]] | None:
    """The first line of scikit-learn's bundled CSV files (``iris.csv``, ``wine_data.csv``,
    ...): ``n_samples,n_features,class names...``, above rows of n_features numbers and a
    class index. Returns (separator, n_samples, n_features, class names), or None for any
    other first line."""
    sep = "," if suffix == ".csv" else "\t"
    with open(path, encoding="utf-8", errors="replace") as fh:
        first, second = fh.readline().strip().split(sep), fh.readline().strip().split(sep)
    if len(first) < 2 or not (first[0].isdigit() and first[1].isdigit()):
        return None
    n_samples, n_features = int(first[0]), int(first[1])
    if n_samples < 1 or n_features < 1 or len(second) != n_features + 1:
        return None
    return sep, n_samples, n_features, [name.strip() for name in first[2:]]


def _read_sklearn_csv(
    path: Path, sep: str, n_samples: int, n_features: int, names: list[str]
) -> pd.DataFrame:
    """A CSV with scikit-learn's header: columns x1..x{n_features} and ``target``, the class
    index mapped to the class names the header lists (when it lists one per index)."""
    pd = _pandas()
    frame = pd.read_csv(path, sep=sep, header=None, skiprows=1)
    if frame.shape != (n_samples, n_features + 1):
        raise ValueError(
            f"its first line reads as scikit-learn's 'n_samples,n_features,class names' header "
            f"({n_samples} rows of {n_features} features) but it has {frame.shape[0]} rows of "
            f"{frame.shape[1]} columns; give it a header line of column names instead"
        )
    frame.columns = [f"x{j + 1}" for j in range(n_features)] + ["target"]
    target = frame["target"]
    if names and pd.api.types.is_integer_dtype(target) and target.between(0, len(names) - 1).all():
        frame["target"] = np.asarray(names, dtype=object)[target.to_numpy()]
    return frame


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
        _check_unique([str(n) for n in names], f"{path} (feature_names)")
        columns.update({str(n): X[:, j] for j, n in enumerate(names)})
    m = next(iter(columns.values())).shape[0] if columns else None
    for key, arr in arrays.items():
        if arr.ndim != 1 or (m is not None and arr.shape[0] != m):
            raise ValueError(
                f"array {key!r} has shape {arr.shape}; expected X (m, n) and 1-D columns "
                f"of length m such as y (m,)"
            )
        m = arr.shape[0]
        if key in columns:
            raise ValueError(
                f"{path} has a feature named {key!r} in X and an array {key!r} beside it; "
                f"column names must be unique"
            )
        columns[key] = arr
    if not columns:
        raise ValueError("no arrays in the file")
    return pd.DataFrame(columns)


def _header_as_written(path: Path, sep: str) -> list[str]:
    """The first line's names as the file spells them (pandas renames a repeated name
    ``a`` to ``a.1``, which would hide it)."""
    pd = _pandas()
    first = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False)
    return [str(name) for name in first.iloc[0].tolist()] if len(first) else []


class NamelessColumnError(ValueError):
    """A column without a name: its values would become a feature nobody chose."""


def _check_named(names: Sequence[str], source: str) -> None:
    """A column with an empty or blank name is refused: ``DataFrame.to_csv()`` writes its
    index (the row numbers) under an empty header, which pandas reads back as ``Unnamed: 0``,
    and a blank name is as easily a stray separator; either would become a feature without a
    word."""
    for position, name in enumerate(names, start=1):
        if str(name).strip():
            continue
        if str(name) == "":
            raise NamelessColumnError(
                f"column {position} of {source} has no name (an empty header, as under the "
                f"index DataFrame.to_csv() writes): give it a name in the header, or write the "
                f"file without the index (to_csv(index=False))"
            )
        raise NamelessColumnError(
            f"column {position} of {source} has no name, only blanks ({str(name)!r}): give "
            f"it a name in the header"
        )


def read_column_as_text(data: str | os.PathLike[str], column: str) -> np.ndarray:
    """One column of a CSV/TSV file as the text written in it (a blank cell is "")."""
    pd = _pandas()
    path = Path(data)
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    frame = pd.read_csv(
        path, sep=sep, usecols=[column], dtype=str, keep_default_na=False, na_filter=False
    )
    return frame[column].to_numpy(dtype=object)


# --------------------------------------------------------------------------- writing


#: what a spreadsheet takes for the start of a formula in a cell (OWASP's CSV injection list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def escape_formula(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet will not run: one that starts as a formula does
    (=, +, -, @, a tab or a carriage return) gets a leading ``'`` (OWASP's advice), unless it
    is a plain number such as ``-1.5``, which stays a number.

    >>> [escape_formula(t) for t in ["=1+2", "-1.5", "@SUM(A1)", "+cmd", "a-b", "-"]]
    ["'=1+2", '-1.5', "'@SUM(A1)", "'+cmd", 'a-b', "'-"]
    """
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names pass :func:`escape_formula`
    (numbers, booleans and missing values as they are): no cell of a CSV or TSV that layerwise
    writes starts a spreadsheet formula."""
    out = frame.copy()
    out.columns = [escape_formula(c) if isinstance(c, str) else c for c in frame.columns]
    for name in out.columns:
        column = out[name]
        if column.dtype.kind in "biufcmM":
            continue
        out[name] = column.map(lambda v: escape_formula(v) if isinstance(v, str) else v)
    return out


def frame_to_bytes(frame: pd.DataFrame, path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``frame`` in the format of ``path``'s suffix (.csv, .tsv or .parquet), for
    :func:`layerwise.model.io.atomic_write_bytes`."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv"):
        text = escape_formulas(frame).to_csv(index=False, sep="," if suffix == ".csv" else "\t")
        return str(text).encode("utf-8")
    if suffix == ".parquet":
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()
    raise ValueError(
        f"cannot write {os.fspath(path)}: the suffix must be .csv, .tsv or .parquet; "
        f"Received: {suffix or '(none)'!r}"
    )
