"""The pieces of a streamed table and how one is read, for
:class:`~layerwise.tables.stream.TableStream`.

A *part* is a row group of a Parquet file or a whole CSV/TSV file; a *piece* is what a pass
reads at a time: one part, or consecutive small parts read together (many tiny files would
otherwise cost a reader, a conversion to pandas and an encoder call each: a few milliseconds
per file per pass). A piece of files is read with pyarrow's file readers (the Parquet footer is
read once, when the stream is made), each file with its own column types as written (a
Parquet file carries them; a CSV file's are inferred from its first block), CSV with quoted
values that span lines allowed. Before a file is read its size and modified time are compared
with those first seen (:class:`~layerwise.tables.folders.FileState`), and after a CSV file is
read, its row count with the first pass's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._optional import require
from .folders import FileState, _first_line, delimiter_of

__all__ = ["Part", "Piece", "Spans", "file_of_row", "group_parts", "parquet_parts", "read_piece"]

#: a CSV piece gathers consecutive files until it holds this many bytes per chunk row
CSV_BYTES_PER_ROW = 32


@dataclass
class Part:
    """A row group of a Parquet file (``row_group``), or a whole CSV file (None)."""

    path: str
    row_group: int | None
    rows: int | None
    nbytes: int
    #: the row of the file its first row is (a row group's place in its file)
    file_row: int = 0


@dataclass
class Piece:
    """A row group, a CSV file, consecutive small ones read together (``parts``), or a
    fragment of a pyarrow dataset given from Python (``fragment``)."""

    fragment: Any
    rows: int | None
    offset: int = 0
    parts: list[Part] = field(default_factory=list)


def parquet_parts(path: str) -> list[Part]:
    """A Parquet file's row groups, from its footer."""
    pq = require("pyarrow.parquet", "tables", "reading Parquet files")
    try:
        meta = pq.read_metadata(path)
    except Exception as exc:  # pyarrow's own errors for a damaged file
        raise ValueError(f"cannot read {path}: {_first_line(exc)}") from None
    parts, file_row = [], 0
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        parts.append(Part(path, i, group.num_rows, group.total_byte_size, file_row))
        file_row += group.num_rows
    return parts


def group_parts(parts: Sequence[Part], chunk_rows: int) -> list[Piece]:
    """Consecutive parts gathered into pieces of at least ``chunk_rows`` rows (Parquet) or
    ``chunk_rows`` × :data:`CSV_BYTES_PER_ROW` bytes (CSV, whose rows are not counted yet);
    a part as large alone is a piece alone."""
    pieces: list[Piece] = []
    group: list[Part] = []
    size = 0
    for part in parts:
        group.append(part)
        size += part.rows if part.rows is not None else part.nbytes // CSV_BYTES_PER_ROW
        if size >= chunk_rows:
            pieces.append(_piece(group))
            group, size = [], 0
    if group:
        pieces.append(_piece(group))
    return pieces


def _piece(parts: list[Part]) -> Piece:
    rows = None if any(p.rows is None for p in parts) else sum(p.rows or 0 for p in parts)
    return Piece(None, rows, 0, list(parts))


def read_piece(
    piece: Piece,
    columns: Sequence[str],
    chunk_rows: int,
    states: dict[str, FileState],
    task: str,
) -> Iterator[tuple[Any, list[tuple[str, int, int]]]]:
    """The rows of a piece of files as pandas DataFrames of about ``chunk_rows`` rows (small
    parts' rows gathered into one), each with the files its rows come from: (file, row of
    the file of the first, rows). A file that changed since it was first read is refused
    (:class:`~layerwise.tables.folders.DataChangedError`), a file pyarrow cannot read is
    named."""
    pa = require("pyarrow", "tables", "streaming tables")
    pending: list[Any] = []
    spans: list[tuple[str, int, int]] = []
    held = 0  # the rows pending
    for part in piece.parts:
        state = states.get(part.path)
        if state is not None:
            state.check(task)
        rows = 0
        for batch in _part_batches(part, columns, chunk_rows, state, task):
            if pending and not batch.schema.equals(pending[0].schema):
                # a file of other column types: a chunk of its own, as the encoder's
                # statistics check each chunk's types against the first's
                yield _gathered(pa, pending), spans
                pending, spans, held = [], [], 0
            pending.append(batch)
            spans.append((part.path, part.file_row + rows, batch.num_rows))
            rows += batch.num_rows
            held += batch.num_rows
            if held >= chunk_rows:
                yield _gathered(pa, pending), spans
                pending, spans, held = [], [], 0
        if part.rows is None:
            part.rows = rows
        if state is not None:
            state.check(task, rows if part.row_group is None else None)
    if pending:
        yield _gathered(pa, pending), spans


class Spans(tuple):
    """A chunk's files as (file, position of the first row, its row of the file, rows), kept
    in ``DataFrame.attrs``: shared, not copied, by the frames pandas derives from the chunk
    (which deep-copy their attrs: a tuple per tiny file each time)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Spans:
        return self


#: how a cell's error names its row (its place in the table)
_ROW = re.compile(r"\bat row (\d+)\b")


def file_of_row(spans: Sequence[tuple[str, int, int, int]], error: BaseException) -> str | None:
    """The file of the row an error on a chunk names (``at row N``: its place in the table)
    and the row's place in that file (``d/p2.parquet (row 1500 of the file)``), from spans of
    (file, position of the first row, its row of the file, rows); None when no span holds
    it."""
    found = _ROW.search(str(error))
    if found is None:
        return None
    position = int(found.group(1))
    for path, first, file_row, rows in spans:
        if first <= position < first + rows:
            return f"{path} (row {file_row + position - first} of the file)"
    return None


def _gathered(pa: Any, batches: list[Any]) -> Any:
    """Record batches of one schema as one pandas DataFrame (one conversion for many small
    parts)."""
    if len(batches) == 1:
        return batches[0].to_pandas()
    return pa.Table.from_batches(batches).to_pandas()


def _part_batches(
    part: Part, columns: Sequence[str], chunk_rows: int, state: FileState | None, task: str
) -> Iterator[Any]:
    """A part's record batches of at most ``chunk_rows`` rows; pyarrow's errors name the
    file (and blame a change of the file when it changed)."""
    pa = require("pyarrow", "tables", "streaming tables")
    try:
        if part.row_group is not None:
            pq = require("pyarrow.parquet", "tables", "reading Parquet files")
            reader = pq.ParquetFile(part.path).iter_batches(
                batch_size=chunk_rows,
                row_groups=[part.row_group],
                columns=list(columns),
                use_threads=False,
            )
        else:
            reader = _csv_reader(part.path, columns)
        for batch in reader:
            for start in range(0, batch.num_rows, chunk_rows):
                yield batch.slice(start, chunk_rows)
    except (pa.ArrowException, OSError) as exc:
        if state is not None:
            state.check(task)  # a file rewritten while it was read: say so
        raise ValueError(f"cannot read {part.path}: {_reason(exc)}") from None


def _csv_reader(path: str, columns: Sequence[str]) -> Any:
    pacsv = require("pyarrow.csv", "tables", "streaming tables")
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False),
        # a quoted value may hold line breaks (at no measurable cost when none does)
        parse_options=pacsv.ParseOptions(delimiter=delimiter_of(path), newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(include_columns=list(columns)),
    )


_MISSING_FIELD = re.compile(r"No match for FieldRef\.Name\((.*?)\)")


def _reason(exc: BaseException) -> str:
    """pyarrow's message on one line, a missing column said as such."""
    text = str(exc)
    missing = _MISSING_FIELD.search(text)
    if missing:
        return f"it has no column {missing.group(1)!r}"
    return _first_line(exc).replace("\\n", " ")
