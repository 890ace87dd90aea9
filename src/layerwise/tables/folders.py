"""The files of a table kept as a folder, checked before any of them is opened.

- :func:`folder_files` finds them (its Parquet files, or when it has none its CSV/TSV files,
  in name order) and checks that each is a regular file, through any symbolic link, without
  opening it (:func:`layerwise._files.regular_file`): a FIFO would block the reader, a
  broken link or a loop of links is named with its reason;
- :func:`check_same_columns` compares every file's columns with the first file's, from the
  Parquet footer or the CSV header alone, and names the file and the columns it lacks or has
  in excess: the same rule whether the folder is read into memory or streamed;
- :class:`FileState` records a file's size and modified time (and its rows, once counted) when
  a stream first reads it, and :meth:`FileState.check` refuses a file that changed since
  (:class:`DataChangedError`): a file rewritten between two epochs would move rows between the
  training and the validation rows without a word.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._files import regular_file
from ._common import _check_unique, _pandas, _shorten

__all__ = [
    "STREAM_SUFFIXES",
    "DataChangedError",
    "FileState",
    "check_same_columns",
    "file_columns",
    "folder_files",
]

#: the files a folder of a table contributes, by suffix (Parquet first: a folder with Parquet
#: files is read for them alone)
STREAM_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "csv"}


def folder_files(path: str) -> tuple[list[str], str]:
    """The files of a table kept as a folder, in name order (subfolders too, hidden and
    ``_``-prefixed names skipped): its Parquet files, or when it has none its CSV/TSV files;
    and which ("parquet" or "csv"). Each is checked to be a regular file before anything
    opens it (a ValueError names the file and why not)."""
    found: dict[str, list[str]] = {"parquet": [], "csv": []}
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(names):
            kind = STREAM_SUFFIXES.get(os.path.splitext(name)[1].lower())
            if kind and not name.startswith((".", "_")):
                found[kind].append(os.path.join(root, name))
    for kind in ("parquet", "csv"):
        if found[kind]:
            for name in found[kind]:
                regular_file(name, f"every {kind.upper()} file of a folder")
            return found[kind], kind
    raise ValueError(f"the folder {path!r} holds no .parquet, .pq, .csv or .tsv file")


def delimiter_of(path: str) -> str:
    """The separator of a CSV (``,``) or TSV (tab) file, by its suffix."""
    return "\t" if path.lower().endswith(".tsv") else ","


def file_columns(path: str, kind: str) -> list[str]:
    """A file's column names, read cheaply: the Parquet footer, or the CSV header (its first
    record, quoted names and all)."""
    if kind == "parquet":
        from .._optional import require

        pq = require("pyarrow.parquet", "tables", "reading Parquet files")
        try:
            return [str(n) for n in pq.read_schema(path).names if not str(n).startswith("__")]
        except Exception as exc:  # pyarrow's own errors for a damaged file
            raise ValueError(f"cannot read {path}: {_first_line(exc)}") from None
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
            return next(csv.reader(handle, delimiter=delimiter_of(path)), [])
    except (OSError, csv.Error) as exc:
        raise ValueError(f"cannot read {path}: {_first_line(exc)}") from None


def check_same_columns(files: Sequence[str], kind: str, folder: str) -> list[str]:
    """Every file's columns are the first file's (in any order); returns them. A file that
    lacks some or has others is refused by name, with the columns and what to do."""
    first = file_columns(files[0], kind)
    expected = set(first)
    for name in files[1:]:
        columns = file_columns(name, kind)
        if set(columns) == expected:
            continue
        missing = [c for c in first if c not in columns]
        extra = [c for c in columns if c not in expected]
        parts = []
        if missing:
            parts.append(f"lacks the column(s) {_shorten(missing)} that {files[0]} has")
        if extra:
            parts.append(f"has the column(s) {_shorten(extra)} that {files[0]} lacks")
        raise ValueError(
            f"the files of the folder {folder} must have the same columns: {name} "
            f"{' and '.join(parts)}; give every file the same columns (empty cells for "
            f"missing values), or move this one out of the folder"
        )
    return first


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class DataChangedError(ValueError):
    """A file of a streamed table changed while the table was being read: its rows would
    have moved between the training and the validation rows."""


@dataclass
class FileState:
    """A file's size and modified time (ns) when a stream first read it, and its rows once a
    pass has counted them."""

    path: str
    size: int
    mtime_ns: int
    rows: int | None = None

    @classmethod
    def of(cls, path: str) -> FileState:
        info = regular_file(path)
        return cls(path, int(info.st_size), int(info.st_mtime_ns))

    def check(self, task: str = "training", rows: int | None = None) -> None:
        """Refuse the file if it changed since it was first read: its size, its modified
        time, or (``rows``: as many as a pass has just read) its row count."""
        try:
            now: Any = os.stat(self.path)
            changes = []
            if now.st_size != self.size:
                changes.append(f"size {self.size} -> {now.st_size} bytes")
            if now.st_mtime_ns != self.mtime_ns:
                changes.append("modified time")
        except OSError as exc:
            changes = [f"now {exc.strerror or exc}"]
        if rows is not None and self.rows is not None and rows != self.rows:
            changes.append(f"{self.rows} -> {rows} rows")
        if not changes:
            if rows is not None:
                self.rows = rows
            return
        raise DataChangedError(
            f"DATA file {self.path} changed during {task} ({', '.join(changes)}); {task} "
            f"stopped, nothing was saved: a table must stay as it is while it is read "
            f"(copy it elsewhere, or wait until it is written, and run again)"
        )


def read_folder(text: str) -> tuple[Any, str]:
    """Every file of a folder (:func:`folder_files`), in the order
    :mod:`layerwise.tables.stream` reads them, as one table: a folder that fits in memory is
    read as one file of its rows would be (the same files, the same columns' rule)."""
    pd = _pandas()
    files, file_format = folder_files(text)
    parquet = file_format == "parquet"
    kind = "Parquet folder" if parquet else "CSV folder"
    columns = check_same_columns(files, file_format, text)
    parts = []
    for name in files:
        try:
            if parquet:
                parts.append(pd.read_parquet(name))
            else:
                parts.append(pd.read_csv(name, sep=delimiter_of(name)))
        except ImportError:
            raise ImportError(
                f"reading {kind} needs pandas and pyarrow: pip install 'layerwise[tables]'"
            ) from None
        except Exception as exc:  # every reader has its own exception types
            raise ValueError(f"cannot read {name}: {_first_line(exc)}") from None
    frame = pd.concat(parts, ignore_index=True)[columns]
    frame.columns = [str(c) for c in frame.columns]
    _check_unique(list(frame.columns), text)
    if frame.shape[0] == 0:
        raise ValueError(f"{text} has no rows")
    return frame, kind
