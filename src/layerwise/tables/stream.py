"""Training on a table bigger than memory: read a chunk of rows at a time, never the table.

A *stream* is a Parquet file, a folder of Parquet files (or of CSV/TSV files), or a pyarrow
dataset (:class:`TableStream`). Its *pieces* are the row groups of the Parquet files (the
files themselves for CSV), each read in chunks of :data:`CHUNK_ROWS` rows. Training takes two
kinds of passes over it:

1. **one pass to prepare** (:func:`prepare_stream`), in file order: the feature columns'
   statistics (:class:`~layerwise.tables.stats.TableStats`: running moments, counted
   categories, the row-number bitmap; the same rules as :meth:`TableEncoder.fit`, so that the
   encoder is the one training in memory would fit), the target's labels or its mean and
   standard deviation, and the validation rows, kept in memory (at most
   :data:`VALIDATION_ROWS`: the validation share shrinks for a very large table);
2. **one pass per epoch** (:func:`stream_batches`): the pieces in a new random order each
   epoch, their chunks encoded into a *shuffle buffer* of :data:`BUFFER_BYTES` from which
   mini-batches are drawn at random, so that a batch mixes rows of many files and row
   groups. While the network trains on a batch, a second thread reads and encodes the next
   chunks, and NumPy's BLAS keeps to the other cores
   (:func:`layerwise.training.threads.core_for_reading`;
   with threadpoolctl, the ``threads`` extra, and more than one core).

This module reads; the workflow around it is :mod:`layerwise.tables.stream_plan` (the pass
that prepares) and :mod:`layerwise.tables.stream_fit` (the epochs), whose names are still
importable from here.

A row is a validation row when a hash of (seed, its position in the table) falls below the
validation share: the same rows on every pass and every run, without the table in memory.

Memory follows the chunk, the buffer and the validation rows, not the table: a chunk encoded
(:data:`CHUNK_ROWS` × n[0] × 8 bytes, two or three times while it is encoded), the buffer's
slots (:data:`BUFFER_BYTES`, allocated once: a batch is gathered from them, the rows are never
copied into a shuffled whole), the validation rows (:data:`VALIDATION_ROWS` × n[0] × 8 bytes),
the uniform sample of the encoder's statistics (:data:`~layerwise.tables.stats.SAMPLE_ROWS`
raw rows, while preparing) and a row group as pyarrow reads it. The training step is the notes' own
(:func:`layerwise.training.cost_and_gradient` through :func:`layerwise.training._step`), as in
:meth:`Network.fit`.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .._files import regular_file
from .._optional import require
from .._typing import Array
from .folders import FileState, check_same_columns, file_columns
from .formats import STREAM_SUFFIXES, folder_files
from .pieces import Part, Piece, Spans, file_of_row, group_parts, parquet_parts, read_piece

__all__ = [
    "TableStream",
    "held_out",
    "is_streamable",
    "table_chunks",
    "should_stream",
    "CHUNK_ROWS",
    "BUFFER_BYTES",
    "VALIDATION_ROWS",
]

#: rows read and encoded at a time
CHUNK_ROWS = 16_384
#: the size of the shuffle buffer of encoded rows that batches are drawn from
BUFFER_BYTES = 64 * 2**20
#: at most this many validation rows (kept encoded in memory)
VALIDATION_ROWS = 50_000
#: a table streams by itself when reading it in memory would take more than the memory budget
#: (half the memory available): its Arrow size times this factor, measured on
#: benchmarks/stream.py's table (1 million rows, 192 MiB: 2.35 GB in memory with the numpy
#: engine, 4.3 GB with the jax engine the command line takes for that much work; 12 and 22 times)
IN_MEMORY_FACTOR = 24
#: a target with more distinct values than this is not class labels
_MAX_LABELS = 1000
_SUFFIXES = STREAM_SUFFIXES


# --------------------------------------------------------------------------- the source


def _pyarrow_dataset() -> Any:
    require("pyarrow", "tables", "streaming tables")
    import pyarrow.dataset as ds

    return ds


def is_streamable(data: Any) -> bool:
    """Whether ``data`` can be streamed: a pyarrow dataset, or the path of a Parquet/CSV/TSV
    file or of a folder."""
    if hasattr(data, "get_fragments") and hasattr(data, "schema"):
        return True
    if not isinstance(data, (str, os.PathLike)):
        return False
    path = os.fspath(data)
    return os.path.isdir(path) or (
        os.path.isfile(path) and os.path.splitext(path)[1].lower() in _SUFFIXES
    )


def should_stream(data: Any, stream: bool | None) -> bool:
    """Whether the table workflow streams ``data``: as asked (``stream`` True/False), or, when
    None, for a file, a folder or a pyarrow dataset whose table would take more than the
    memory budget (:func:`layerwise._memory.memory_budget`) in memory (its Arrow size times
    :data:`IN_MEMORY_FACTOR`). A folder or a dataset that fits is read into memory."""
    if stream is False:
        return False
    if stream is True:
        if not is_streamable(data):
            raise ValueError(
                f"stream=True reads a Parquet or CSV file, a folder of them or a pyarrow "
                f"dataset; Received: {_describe(data)}"
            )
        return True
    if not is_streamable(data):
        return False
    from .._memory import memory_budget

    budget = memory_budget()
    if budget is None:
        return False
    if not isinstance(data, (str, os.PathLike)) or os.path.isdir(os.fspath(data)):
        try:
            size = TableStream(data).arrow_bytes
        except ValueError:
            return True  # unreadable: streaming names the file
        return bool(size * IN_MEMORY_FACTOR > budget)
    path = os.fspath(data)
    try:
        if _SUFFIXES[os.path.splitext(path)[1].lower()] == "parquet":
            pq = require("pyarrow.parquet", "tables", "reading Parquet files")
            meta = pq.ParquetFile(path).metadata
            size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        else:
            size = os.path.getsize(path)
    except (OSError, ValueError, ImportError):
        return False  # unreadable: reading it in memory says why
    except Exception:  # pyarrow's own errors for a damaged file: the same
        return False
    return bool(size * IN_MEMORY_FACTOR > budget)


def _describe(data: Any) -> str:
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if not os.path.exists(path):
            return f"{path!r}, which does not exist"
        return f"{path!r}, not a .parquet, .pq, .csv or .tsv file or a folder"
    return f"a {type(data).__name__}, which is in memory already (stream=False)"


_Piece = Piece  # a row group, a CSV file, or consecutive small ones: layerwise.tables.pieces


class TableStream:
    """A table read a chunk of rows at a time.

    Parameters
    ----------
    data : str, path, list of paths or pyarrow.dataset.Dataset
        A Parquet file, a folder of Parquet files (every ``.parquet``/``.pq`` file in it and
        its subfolders; or of CSV/TSV files when it holds no Parquet file), a CSV/TSV file, a
        list of files of one format, or a pyarrow dataset.
    chunk_rows : int, optional
        Rows read at a time (default :data:`CHUNK_ROWS`).
    task : str
        What a file that changes while it is read stops (``"training"``, ``"reading"``), for
        the message.
    progress : bool
        A bar of the files the first pass has read (tqdm, the ``progress`` extra): the pass
        that prepares a folder of many files shows how far it is.
    group : bool
        Consecutive small files or row groups read together as one piece (the default);
        False keeps each a piece of its own (a cluster deals whole pieces to its workers).

    Attributes
    ----------
    columns : list of str
    pieces : list
        The row groups (Parquet) or files (CSV), in file order; consecutive small ones are
        read together, as one piece of at least ``chunk_rows`` rows.
    m : int or None
        The number of rows (None for CSV until a pass has counted them).
    states : dict
        Each file's :class:`~layerwise.tables.folders.FileState` (size, modified time, rows)
        when the stream was made: a file that changes since is refused by name.
    """

    def __init__(
        self,
        data: Any,
        chunk_rows: int | None = None,
        task: str = "training",
        progress: bool = False,
        group: bool = True,
    ) -> None:
        _pyarrow_dataset()
        self.source = _source_name(data)
        self.chunk_rows = CHUNK_ROWS if chunk_rows is None else int(chunk_rows)
        self.task = task
        self._bar: Any = None
        self._unread: set[int] = set()
        self.states: dict[str, FileState] = {}
        self.dataset: Any = None
        if hasattr(data, "get_fragments") and hasattr(data, "schema"):
            self.dataset = data
            columns = [str(c) for c in data.schema.names]
            self.pieces = self._fragment_pieces(data)
        else:
            files, kind = _files_and_format(data)
            self.states = {name: FileState.of(name) for name in files}
            columns = (
                check_same_columns(files, kind, self.source)
                if len(files) > 1
                else file_columns(files[0], kind)
            )
            if kind == "parquet":
                parts = [part for name in files for part in parquet_parts(name)]
            else:
                parts = [Part(name, None, None, self.states[name].size) for name in files]
            # small consecutive files or row groups read together (one machine); a cluster
            # deals its workers whole files or row groups (group=False)
            self.pieces = group_parts(parts, self.chunk_rows if group else 1)
        self.columns = [c for c in columns if not c.startswith("__")]
        if not self.columns:
            raise ValueError(f"{self.source} has no columns")
        if not self.pieces:
            raise ValueError(f"{self.source} holds no rows (no file or row group)")
        self._set_offsets()
        if progress:
            self._unread = {id(piece) for piece in self.pieces}
            self._bar = progress_bar(
                len(self.states) or len(self.pieces), "files", desc="reading the files"
            )

    def _read_once(self, piece: _Piece) -> None:
        """The first pass's bar: ``piece`` read."""
        if id(piece) not in self._unread or self._bar is None:
            return
        self._unread.discard(id(piece))
        self._bar.update(len({part.path for part in piece.parts}) if piece.parts else 1)
        if not self._unread:
            self._bar.close()
            self._bar = None

    def _fragment_pieces(self, dataset: Any) -> list[_Piece]:
        """A pyarrow dataset's row groups (Parquet) or fragments."""
        import pyarrow as pa

        pieces = []
        for fragment in dataset.get_fragments():
            try:
                groups = getattr(fragment, "row_groups", None)
                if groups is not None and hasattr(fragment, "split_by_row_group"):
                    for part in fragment.split_by_row_group():
                        pieces.append(_Piece(part, int(part.row_groups[0].num_rows)))
                else:
                    pieces.append(_Piece(fragment, None))
            except (pa.ArrowException, OSError) as exc:
                where = getattr(fragment, "path", self.source)
                raise ValueError(f"cannot read {where}: {exc}") from None
        return pieces

    def _set_offsets(self) -> None:
        offset = 0
        for piece in self.pieces:
            piece.offset = offset
            offset += piece.rows or 0

    @property
    def m(self) -> int | None:
        if any(p.rows is None for p in self.pieces):
            return None
        return sum(p.rows or 0 for p in self.pieces)

    @property
    def arrow_bytes(self) -> int:
        """The table's size as pyarrow holds it uncompressed (Parquet metadata; the files'
        size for CSV)."""
        total = 0
        for piece in self.pieces:
            if piece.fragment is None:
                total += sum(part.nbytes for part in piece.parts)
                continue
            groups = getattr(piece.fragment, "row_groups", None)
            if groups:
                total += sum(int(g.total_byte_size) for g in groups)
            else:
                total += os.path.getsize(piece.fragment.path)
        return total

    def chunks(
        self, piece: _Piece, columns: Sequence[str], start: int | None = None
    ) -> Iterator[tuple[Any, Array]]:
        """The chunks of a piece as pandas DataFrames, with each row's position in the table
        (int64), counted from ``start`` (default: the piece's offset, known once every piece
        has been counted). A file that changed since the stream was made is refused
        (:class:`~layerwise.tables.folders.DataChangedError`)."""
        start = piece.offset if start is None else start
        if piece.fragment is None:
            frames: Iterator[Any] = read_piece(
                piece, columns, self.chunk_rows, self.states, self.task
            )
        else:
            frames = ((batch.to_pandas(), []) for batch in self._batches(piece, columns))
        for frame, spans in frames:
            n = len(frame)
            if n == 0:
                continue
            positions: Any = np.arange(start, start + n, dtype=np.int64)
            frame.index = positions  # an error names the row by its place in the table
            frame.attrs["source"] = self.source  # ... and the table by its file or folder
            files, first = [], start
            for path, file_row, rows in spans:
                files.append((path, first, file_row, rows))
                first += rows
            frame.attrs["files"] = Spans(files)  # ... and the file by a row's place
            yield frame, positions
            start += n
        if self._bar is not None:
            self._read_once(piece)

    def _batches(self, piece: _Piece, columns: Sequence[str]) -> Iterator[Any]:
        """pyarrow's record batches of a fragment of a dataset; its errors (a damaged file,
        a column of another type than in the first file) name the file."""
        import pyarrow as pa

        batches = piece.fragment.to_batches(
            batch_size=self.chunk_rows, columns=list(columns), use_threads=False
        )
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (pa.ArrowException, OSError) as exc:
                raise ValueError(f"cannot read {self.where(piece)}: {exc}") from None
            yield batch

    def where(self, piece: _Piece | None, error: BaseException | None = None) -> str:
        """The file a piece comes from; with the ``error`` raised on one of its chunks (or on
        rows of any piece: None), the file of the row it names (``at row N``: its place in
        the table) and the row's place in that file."""
        if piece is not None and piece.fragment is not None:
            return str(getattr(piece.fragment, "path", self.source))
        named = file_of_row(self.spans(), error) if error is not None else None
        if named is not None:
            return named
        if piece is None:
            return self.source
        paths = list(dict.fromkeys(part.path for part in piece.parts))
        return paths[0] if len(paths) == 1 else f"{paths[0]} ... {paths[-1]}"

    def spans(self) -> list[tuple[str, int, int, int]]:
        """(file, position of its first row in the table, its row of the file, rows) of each
        part whose rows, and those of every part before it, are counted."""
        spans, start = [], 0
        parts = [part for piece in self.pieces if piece.fragment is None for part in piece.parts]
        for part in parts:
            if part.rows is None:
                break
            spans.append((part.path, start, part.file_row, part.rows))
            start += part.rows
        return spans

    def count_rows(self, piece: _Piece, n: int) -> None:
        """Record a CSV piece's row count once a pass has read it."""
        if piece.rows is None:
            piece.rows = n
            if all(p.rows is not None for p in self.pieces):
                self._set_offsets()


def table_chunks(data: Any) -> Iterator[Any]:
    """The rows of a stream (a Parquet or CSV file, a folder of them, a pyarrow dataset) as
    pandas DataFrames of :data:`CHUNK_ROWS` rows, in file order, each indexed by its rows'
    places in the whole table (counted as they are read: a CSV file's rows are not known
    before)."""
    stream = data if isinstance(data, TableStream) else TableStream(data, task="reading")
    m = 0
    for piece in stream.pieces:
        rows = 0
        for frame, _positions in stream.chunks(piece, stream.columns, start=m):
            rows += len(frame)
            m += len(frame)
            yield frame
        stream.count_rows(piece, rows)


def progress_bar(total: int, unit: str, **options: Any) -> Any:
    """A tqdm bar of ``total`` ``unit`` (the files a pass has read, an epoch's rows), or None
    without the progress extra."""
    try:
        tqdm = require("tqdm.auto", "progress", "the progress bar").tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit=unit, leave=False, **options)


def _source_name(data: Any) -> str:
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    if isinstance(data, (list, tuple)) and data:
        first = os.fspath(data[0])
        return f"{len(data)} files ({first}, ...)" if len(data) > 1 else first
    return f"the {type(data).__name__}"


def _files_and_format(data: Any) -> tuple[list[str], str]:
    """The files of a path (a folder's: :func:`~layerwise.tables.folders.folder_files`), or
    of a list of files (a cluster's share of a table), each a regular file, and their kind
    ("parquet" or "csv")."""
    if isinstance(data, (list, tuple)):
        if not data:
            raise ValueError("no files given: expected a list of .parquet, .csv or .tsv files")
        found = [_files_and_format(one) for one in data]
        kinds = {kind for _, kind in found}
        if len(kinds) > 1:
            raise ValueError(
                f"{_source_name(data)} mix Parquet and CSV files; give files of one format"
            )
        return [name for names, _ in found for name in names], kinds.pop()
    path = os.fspath(data)
    if os.path.isdir(path):
        return folder_files(path)
    if not os.path.isfile(path):
        if os.path.islink(path):
            regular_file(path)  # a broken link or a loop: says which
        raise ValueError(f"no such file or folder: {path}")
    suffix = os.path.splitext(path)[1].lower()
    file_kind = _SUFFIXES.get(suffix)
    if file_kind is None:
        raise ValueError(
            f"cannot stream {path!r}: expected a .parquet, .pq, .csv or .tsv file, or a folder"
        )
    if regular_file(path).st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes)")
    return [path], file_kind


def held_out(positions: Array, seed: int, fraction: float) -> Any:
    """Which rows, by their positions in the table, are validation rows: a hash of
    (seed, position) mapped to [0, 1) (SplitMix64) below ``fraction``."""
    if fraction <= 0:
        return np.zeros(positions.shape, dtype=bool)
    with np.errstate(over="ignore"):
        z = positions.astype(np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.asarray(u < fraction)


def _read_ahead(items: Iterator[Any], depth: int = 3) -> Iterator[Any]:
    """``items`` made by a second thread, ``depth`` ahead (reading and encoding the next
    chunks while the network trains on this one): the same items in the same order."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("end", None))
        except BaseException as exc:  # raised in the consumer's thread
            box.put(("error", exc))

    thread = threading.Thread(target=work, name="layerwise-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            what, item = box.get()
            if what == "end":
                return
            if what == "error":
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full box
            try:
                box.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


#: the names of the streamed training's workflow, which lives in
#: :mod:`layerwise.tables.stream_plan` (preparing) and :mod:`layerwise.tables.stream_fit` (the
#: epochs), still importable from here
_WORKFLOW = {
    "StreamPlan": "stream_plan",
    "prepare_stream": "stream_plan",
    "stream_batches": "stream_fit",
    "fit_stream": "stream_fit",
}


def __getattr__(name: str) -> Any:
    if name in _WORKFLOW:
        import importlib

        return getattr(importlib.import_module(f".{_WORKFLOW[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
