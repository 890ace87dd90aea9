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
   chunks, and NumPy's BLAS keeps to the other cores (:func:`layerwise.threads.core_for_reading`;
   with threadpoolctl, the ``threads`` extra, and more than one core).

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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._files import regular_file
from .._optional import require
from .._typing import Array
from ..batches import batch_weights
from ..callbacks import EarlyStopping
from ..encoding import factorize
from ..history import History
from ..metrics import (
    RunningMoments,
    count_correct,
    r2_from_sums,
    squared_residuals,
    task_of,
)
from ..network import Network
from ..optimizers import get_optimizer, get_schedule
from ..threads import core_for_reading
from ..training import EpochLog, TrainConfig, _step, callbacks_from, epoch_loop, run_with
from .encoder import TableEncoder
from .folders import FileState, check_same_columns, file_columns
from .formats import STREAM_SUFFIXES, _pandas, _shorten, folder_files
from .loading import _check_roles, _choose_target
from .pieces import Part, Piece, Spans, file_of_row, group_parts, parquet_parts, read_piece
from .stats import TableStats
from .targets import class_labels, encode_labels, task_notice, type_of_target

__all__ = [
    "TableStream",
    "StreamPlan",
    "prepare_stream",
    "stream_batches",
    "fit_stream",
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
    data : str, path or pyarrow.dataset.Dataset
        A Parquet file, a folder of Parquet files (every ``.parquet``/``.pq`` file in it and
        its subfolders; or of CSV/TSV files when it holds no Parquet file), a CSV/TSV file, or
        a pyarrow dataset.
    chunk_rows : int, optional
        Rows read at a time (default :data:`CHUNK_ROWS`).
    task : str
        What a file that changes while it is read stops (``"training"``, ``"reading"``), for
        the message.
    progress : bool
        A bar of the files the first pass has read (tqdm, the ``progress`` extra): the pass
        that prepares a folder of many files shows how far it is.

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
            self.pieces = group_parts(parts, self.chunk_rows)
        self.columns = [c for c in columns if not c.startswith("__")]
        if not self.columns:
            raise ValueError(f"{self.source} has no columns")
        if not self.pieces:
            raise ValueError(f"{self.source} holds no rows (no file or row group)")
        self._set_offsets()
        if progress:
            self._unread = {id(piece) for piece in self.pieces}
            self._bar = _files_bar(len(self.states) or len(self.pieces))

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


def _files_bar(total: int) -> Any:
    """A tqdm bar of the files a pass has read, or None without the progress extra."""
    try:
        tqdm = require("tqdm.auto", "progress", "the progress bar").tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="files", desc="reading the files", leave=False)


def _source_name(data: Any) -> str:
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    return f"the {type(data).__name__}"


def _files_and_format(data: Any) -> tuple[list[str], str]:
    """The files of a path (a folder's: :func:`~layerwise.tables.folders.folder_files`),
    each a regular file, and their kind ("parquet" or "csv")."""
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


# --------------------------------------------------------------------------- preparing


@dataclass
class StreamPlan:
    """A streamed table prepared for training: what :func:`prepare_stream` returns.

    The roles of the columns, the task, the fitted encoder, the validation rows (encoded, in
    memory), and the counts of the training rows.
    """

    stream: TableStream
    target: str
    features: list[str]
    weight_column: str | None
    drop_missing: bool
    kind: str
    output: str
    classes: list[Any] | None
    encoder: TableEncoder
    target_mean: float | None
    target_scale: float | None
    validation_fraction: float
    seed: int
    m: int
    m_train: int
    X_val: Array | None = None
    Y_val: Array | None = None
    w_val: Array | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def validation(self) -> tuple[Array, ...] | None:
        """(X, Y) or (X, Y, weights) of the validation rows, or None."""
        if self.X_val is None or self.Y_val is None:
            return None
        if self.w_val is None:
            return self.X_val, self.Y_val
        return self.X_val, self.Y_val, self.w_val

    def masks(self, frame: Any, positions: Array) -> tuple[Array, Array, int, int]:
        """The training and the validation rows of a chunk among those that can teach (a
        target; with ``drop_missing``, no missing value), as two masks; and the counts of the
        rows without a target and of those ``drop_missing`` drops."""
        has_target = frame[self.target].notna().to_numpy()
        usable: Any = has_target.copy()
        incomplete = 0
        if self.drop_missing:
            gaps = frame[self.features].isna().any(axis=1).to_numpy()
            incomplete = int((gaps & has_target).sum())
            usable &= ~gaps
        held = held_out(positions, self.seed, self.validation_fraction)
        return usable & ~held, usable & held, int((~has_target).sum()), incomplete

    def take(self, frame: Any, positions: Array, keep: Array) -> tuple[Any, Array | None]:
        """The rows ``keep`` of a chunk, with their weights (checked: finite, >= 0)."""
        pd = _pandas()
        w = None
        if self.weight_column is not None:
            column = frame[self.weight_column]
            if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                raise ValueError(f"weight column {self.weight_column!r} must hold numbers")
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = keep & ~(np.isfinite(values) & (values >= 0))
            if bad.any():
                row = int(positions[np.flatnonzero(bad)[0]])
                raise ValueError(
                    f"weight column {self.weight_column!r} holds {values[bad][0]:g} at row "
                    f"{row} of {self.stream.source}; every weight must be a finite number >= 0"
                )
            w = values[keep]
        return frame[keep], w

    def encode_target(self, y: Any, dtype: Any) -> Array:
        """Y (n[L], m) of a chunk's target values, as the table workflow encodes them."""
        if self.kind == "continuous":
            values = np.asarray(y, dtype=np.float64)
            if self.target_mean is not None and self.target_scale is not None:
                values = (values - self.target_mean) / self.target_scale
            return values.reshape(1, -1).astype(dtype, copy=False)
        assert self.classes is not None
        index = encode_labels(y, self.classes)
        if self.output == "softmax":
            Y = np.zeros((len(self.classes), index.size), dtype=dtype)
            Y[index, np.arange(index.size)] = 1
            return Y
        return index.reshape(1, -1).astype(dtype)


class _TargetStats:
    """The target's labels (counted up to :data:`_MAX_LABELS` distinct values) and, for
    numbers, their weighted running moments."""

    def __init__(self) -> None:
        self.counts: dict[Any, int] | None = {}
        self.numeric: bool | None = None
        self.moments = RunningMoments(1)

    def update(self, y: Any, w: Array) -> None:
        pd = _pandas()
        values = y.to_numpy()
        numeric = pd.api.types.is_numeric_dtype(y) and values.dtype != bool
        self.numeric = numeric if self.numeric is None else self.numeric and numeric
        if numeric:
            v = values.astype(np.float64)
            if not np.isfinite(v).all():
                raise ValueError(
                    f"target {y.name!r} holds {v[~np.isfinite(v)][0]}; it must be finite"
                )
            self.moments.add(v[None, :], w)
        if self.counts is not None:
            codes, distinct = factorize(values)
            counts = np.bincount(codes, minlength=len(distinct))
            for value, count in zip(distinct, counts.tolist()):
                self.counts[value] = self.counts.get(value, 0) + count
            if len(self.counts) > _MAX_LABELS:
                self.counts = None

    def values(self) -> Array:
        """Every training row's target value (the counted values repeated), for the rules of
        :func:`type_of_target`."""
        assert self.counts is not None
        values = list(self.counts)
        repeats = list(self.counts.values())
        array = np.array(values, dtype=np.float64 if self.numeric else object)
        return np.repeat(array, repeats)


def prepare_stream(
    data: Any,
    target: str | None = None,
    *,
    output: str = "auto",
    validation_split: float = 0.1,
    seed: int = 0,
    drop: Sequence[str] = (),
    keep: Sequence[str] = (),
    id_column: str | None = None,
    sample_weight: str | None = None,
    drop_missing: bool = False,
    target_scaling: bool = True,
    encoder_options: dict[str, Any] | None = None,
    dtype: Any = np.float64,
    chunk_rows: int | None = None,
) -> StreamPlan:
    """One pass over a streamed table: the roles of its columns, the task, the encoder fitted
    on the training rows (:class:`~layerwise.tables.stats.TableStats`), the target's labels
    or scaling, and the validation rows, encoded. The options are those of
    :class:`~layerwise.tables.TableModel`."""
    stream = data if isinstance(data, TableStream) else TableStream(data, chunk_rows)
    columns, source = stream.columns, stream.source
    target = _choose_target(columns, target, None, True, source)
    assert target is not None
    if id_column is None:
        id_column = next((c for c in columns if c.lower() == "id" and c != target), None)
    if id_column is not None and id_column not in columns:
        raise ValueError(
            f"id column {id_column!r} is not in {source}; its columns are: {_shorten(columns)}"
        )
    if id_column is not None and id_column == target:
        raise ValueError(f"column {id_column!r} cannot be both the target and the id")
    # the weight, dropped and kept columns exist and none has two roles (the in-memory checks)
    _check_roles(columns, target, id_column, sample_weight, drop, keep, source)
    reserved = {target, id_column, sample_weight, *drop} - {None}
    features = [c for c in columns if c not in reserved]
    if not features:
        raise ValueError(f"{source} has no feature column besides the target {target!r}")
    m_total = stream.m
    fraction = float(validation_split)
    if fraction > 0 and m_total:
        # the validation rows are kept in memory: at most VALIDATION_ROWS of them
        fraction = min(fraction, VALIDATION_ROWS / m_total)
    plan = StreamPlan(
        stream=stream,
        target=target,
        features=features,
        weight_column=sample_weight,
        drop_missing=drop_missing,
        kind="",
        output=output,
        classes=None,
        encoder=TableEncoder(),
        target_mean=None,
        target_scale=None,
        validation_fraction=fraction,
        seed=seed,
        m=0,
        m_train=0,
    )
    needed = [c for c in columns if c in {*features, target, sample_weight}]
    stats = TableStats(seed=seed)
    target_stats = _TargetStats()
    val_frames: list[Any] = []
    val_weights: list[Array] = []
    n_val = no_target = m = incomplete = 0
    for piece in stream.pieces:
        rows_in_piece = 0
        for frame, positions in stream.chunks(piece, needed, start=m):
            rows_in_piece += len(frame)
            m += len(frame)
            train_rows, val_rows, missing_target, dropped = plan.masks(frame, positions)
            no_target += missing_target
            incomplete += dropped
            try:
                train, w = plan.take(frame, positions, train_rows)
                weights = np.ones(len(train)) if w is None else w
                if len(train):
                    stats.update(train[features], weights)
                    target_stats.update(train[target], weights)
            except ValueError as exc:
                raise ValueError(f"{stream.where(piece, exc)}: {exc}") from None
            if fraction > 0 and n_val < VALIDATION_ROWS:
                val, wv = plan.take(frame, positions, val_rows)
                val = val.iloc[: VALIDATION_ROWS - n_val]
                if len(val):
                    val_frames.append(val)
                    if wv is not None:
                        val_weights.append(wv[: len(val)])
                    n_val += len(val)
        stream.count_rows(piece, rows_in_piece)
    if stats.m == 0:
        raise ValueError(
            f"{source} has no training rows"
            + (f" (the target {target!r} is missing in every row)" if no_target == m else "")
        )
    plan.m, plan.m_train = m, stats.m
    notices: list[str] = []
    if no_target:
        notices.append(f"{no_target} row(s) left out: their target {target!r} is missing")
    if incomplete:
        notices.append(f"{incomplete} row(s) with a missing value dropped (--drop-missing)")
    options = dict(encoder_options or {})
    encoder = stats.encoder(keep=keep, **options)
    plan.encoder = encoder
    notices += encoder.notices_
    _choose_task(plan, target_stats, output)
    if target_stats.counts is not None:
        notices.insert(0, task_notice(target_stats.values(), target))
    elif plan.kind == "continuous":
        notices.insert(
            0,
            f"target {target!r}: numbers with more than {_MAX_LABELS} distinct values, trained "
            f"as a regression (linear output); --output sets another output",
        )
    if plan.kind == "continuous" and target_scaling:
        moments = target_stats.moments
        sd = float(np.sqrt(moments.m2[0] / moments.w)) if moments.w > 0 else 0.0
        plan.target_mean, plan.target_scale = float(moments.mean[0]), sd if sd > 0 else 1.0
    pre = encoder.preprocessing_
    pre.classes, pre.target = plan.classes, target
    pre.ignored = [c for c in columns if c in {*drop, id_column} - {None}] + encoder.left_out_
    pre.target_mean, pre.target_scale = plan.target_mean, plan.target_scale
    if val_frames:
        pd = _pandas()
        val = pd.concat(val_frames)  # indexed by their places in the table, as errors say
        try:
            X_val, _ = encoder.encode(val)
        except ValueError as exc:
            raise ValueError(f"{stream.where(None, exc)}: {exc}") from None
        plan.X_val = X_val.astype(dtype, copy=False)
        plan.Y_val = plan.encode_target(val[target].to_numpy(), dtype)
        if val_weights:
            plan.w_val = np.concatenate(val_weights)[None, :]
    elif fraction > 0:
        notices.append(f"no validation row among the {m} rows: training without validation")
    plan.notices = notices
    return plan


def _choose_task(plan: StreamPlan, stats: _TargetStats, output: str) -> None:
    target = plan.target
    if output == "auto":
        if stats.counts is None:
            if not stats.numeric:
                raise ValueError(
                    f"target {target!r} has more than {_MAX_LABELS} distinct labels: not a "
                    f"class target"
                )
            kind = "continuous"
        else:
            kind = type_of_target(stats.values())
        output = {"binary": "sigmoid", "multiclass": "softmax"}.get(kind, "linear")
    elif output == "linear":
        if not stats.numeric:
            raise ValueError(
                f"--output linear (regression) needs a numeric target; {target!r} holds labels"
            )
        kind = "continuous"
    else:
        kind = "binary" if output == "sigmoid" else "multiclass"
    plan.kind, plan.output = kind, output
    if kind == "continuous":
        return
    if stats.counts is None:
        raise ValueError(
            f"target {target!r} has more than {_MAX_LABELS} distinct values: a regression "
            f"(--output linear), not classes"
        )
    classes = class_labels(list(stats.counts))
    if len(classes) < 2:
        raise ValueError(
            f"target {target!r} has a single class ({classes[0]!r}) in all "
            f"{sum(stats.counts.values())} training rows: a classifier needs at least two"
        )
    if output == "sigmoid" and len(classes) > 2:
        raise ValueError(
            f"--output sigmoid is for two classes but target {target!r} has {len(classes)}; "
            f"use --output softmax (or auto)"
        )
    plan.classes = classes


# --------------------------------------------------------------------------- the epochs


def _encoded_chunks(
    plan: StreamPlan, order: Sequence[int], dtype: Any
) -> Iterator[tuple[Array, Array, Array | None]]:
    """The training rows of the pieces in ``order``, chunk by chunk: (X (n[0], r),
    Y (n[L], r), weights (r,) or None)."""
    stream = plan.stream
    needed = [c for c in stream.columns if c in {*plan.features, plan.target, plan.weight_column}]
    for i in order:
        piece = stream.pieces[i]
        for frame, positions in stream.chunks(piece, needed):
            try:
                rows, w = plan.take(frame, positions, plan.masks(frame, positions)[0])
                if not len(rows):
                    continue
                X, _ = plan.encoder.encode(rows)
                Y = plan.encode_target(rows[plan.target].to_numpy(), dtype)
            except ValueError as exc:
                raise ValueError(f"{stream.where(piece, exc)}: {exc}") from None
            yield X, Y, w


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


def stream_batches(
    plan: StreamPlan,
    batch_size: int,
    epoch: int,
    *,
    dtype: Any = np.float64,
    buffer_bytes: int | None = None,
    read_ahead: bool = False,
) -> Iterator[tuple[Array, Array, Array | None]]:
    """One epoch's mini-batches (A[0] (n[0], b), Y (n[L], b), weights (1, b) or None): the
    pieces in an order drawn from (seed, epoch), their rows through a shuffle buffer of
    ``buffer_bytes`` (default :data:`BUFFER_BYTES`; at least eight batches). Every training
    row comes once per epoch. With ``read_ahead``, a second thread reads and encodes the
    next chunks meanwhile (the same batches)."""
    buffer_bytes = BUFFER_BYTES if buffer_bytes is None else int(buffer_bytes)
    rng = np.random.default_rng([plan.seed, epoch, 0xB47C])
    order = rng.permutation(len(plan.stream.pieces)).tolist()
    n0 = len(plan.encoder.feature_names_out_)
    capacity = max(8 * batch_size, buffer_bytes // (n0 * np.dtype(dtype).itemsize))
    # the buffer's slots, allocated on the first chunk: rows of X (so that a gathered batch
    # transposes into A[0]), the columns of Y, the weights
    X_buf: Array | None = None
    Y_buf: Array | None = None
    w_buf: Array | None = None
    free = np.arange(capacity)[::-1].copy()  # a stack of free slots
    n_free = capacity

    def drain(count: int) -> Iterator[tuple[Array, Array, Array | None]]:
        """``count`` rows drawn at random from the filled slots, as batches; their slots
        become free."""
        nonlocal n_free
        assert X_buf is not None and Y_buf is not None
        filled = np.setdiff1d(np.arange(capacity), free[:n_free], assume_unique=True)
        chosen = rng.permutation(filled)[:count]
        for start in range(0, chosen.size, batch_size):
            slots = chosen[start : start + batch_size]
            yield (
                X_buf[slots].T,
                Y_buf[:, slots],
                None if w_buf is None else w_buf[None, slots],
            )
        free[n_free : n_free + chosen.size] = chosen
        n_free += chosen.size

    chunks = _encoded_chunks(plan, order, dtype)
    for X, Y, w in _read_ahead(chunks) if read_ahead else chunks:
        if X_buf is None:
            X_buf = np.empty((capacity, X.shape[0]), dtype=dtype)
            Y_buf = np.empty((Y.shape[0], capacity), dtype=dtype)
            w_buf = None if w is None else np.empty(capacity)
        assert Y_buf is not None
        done = 0
        while done < X.shape[1]:
            take = min(n_free, X.shape[1] - done)
            slots = free[n_free - take : n_free]
            X_buf[slots] = X[:, done : done + take].T
            Y_buf[:, slots] = Y[:, done : done + take]
            if w_buf is not None and w is not None:
                w_buf[slots] = w[done : done + take]
            n_free -= take
            done += take
            if n_free == 0:
                # half the buffer goes out as batches; the other half stays to mix with the
                # rows that come next
                yield from drain((capacity // 2) // batch_size * batch_size)
    if X_buf is not None and n_free < capacity:
        yield from drain(capacity - n_free)


def fit_stream(
    net: Network,
    plan: StreamPlan,
    *,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    optimizer: str = "adam",
    l2: float = 0.0,
    early_stopping: int = 0,
    min_delta: float = 0.0,
    callbacks: Sequence[Any] = (),
    buffer_bytes: int | None = None,
    progress: bool = False,
) -> History:
    """Train ``net`` in place on a streamed table: each epoch a pass of
    :func:`stream_batches`, each batch one step of the notes (:func:`layerwise.training._step`,
    the optimizer's update), the epoch's end as in :meth:`Network.fit` (divergence guard,
    validation on ``plan.validation``, callbacks, early stopping with the best epoch
    restored). The history adds ``rows_per_second``; ``progress`` shows a bar of the rows."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1; Received: {batch_size!r}")
    cbs = callbacks_from(list(callbacks))
    if early_stopping:
        if plan.validation is None:
            raise ValueError("early_stopping watches the validation cost: keep validation rows")
        cbs.append(EarlyStopping(patience=early_stopping, min_delta=min_delta))
    cfg = TrainConfig(
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        shuffle=True,
        optimizer=get_optimizer(optimizer),
        schedule=get_schedule(None),
        l2=l2,
        callbacks=cbs,
        validation=plan.validation,
        hard_labels=plan.kind != "continuous",
    )
    bar = _row_bar(plan.m_train) if progress else None

    def run_epochs(log: EpochLog, ctrl_c: dict[str, bool]) -> None:
        with core_for_reading() as read_ahead:
            source = _StreamSource(net, plan, batch_size, buffer_bytes, read_ahead, bar, epochs)
            epoch_loop(net, cfg, log, ctrl_c, source, _step)

    try:
        return run_with(net, cfg, run_epochs)
    finally:
        if bar is not None:
            bar.close()


class _StreamSource:
    """The batches of :func:`stream_batches` for :func:`layerwise.loop.epoch_loop`, one pass
    an epoch, with the epoch's accuracy (or R²) summed batch by batch and the bar of rows."""

    m = None  # known only at the end of each pass
    n_batches = None
    timed = True

    def __init__(
        self,
        net: Network,
        plan: StreamPlan,
        batch_size: int,
        buffer_bytes: int | None,
        read_ahead: bool,
        bar: Any,
        epochs: int,
    ) -> None:
        self.net, self.plan, self.batch_size = net, plan, batch_size
        self.buffer_bytes, self.read_ahead = buffer_bytes, read_ahead
        self.bar, self.epochs = bar, epochs
        self.name = plan.stream.source
        self.task = task_of(net.activations[-1].name)

    def epoch(self, epoch: int) -> Iterator[tuple[Array, Array, Any]]:
        self.seen, self.correct = 0, 0.0
        # per output: Σ (y − a)², and y's running moments, for R²
        self.ss_res = np.zeros(self.net.layer_dims[-1])
        self.y_moments = RunningMoments(self.net.layer_dims[-1])
        if self.bar is not None:
            self.bar.reset(total=self.plan.m_train)
            self.bar.set_description(f"epoch {epoch + 1}/{self.epochs}")
        for A0, Yb, wb in stream_batches(
            self.plan,
            self.batch_size,
            epoch,
            dtype=self.net.dtype,
            buffer_bytes=self.buffer_bytes,
            read_ahead=self.read_ahead,
        ):
            yield A0, Yb, None if wb is None else batch_weights(wb)
            if self.bar is not None:
                self.bar.update(A0.shape[1])

    def record(self, AL: Array, start: int, Yb: Array) -> None:
        if self.task == "regression":
            self.ss_res += squared_residuals(AL, Yb)
            self.y_moments.add(Yb)
        else:
            self.correct += count_correct(AL, Yb, self.task, True)
        self.seen += AL.shape[1]

    def value(self) -> float:
        if self.task == "regression":
            return float(np.mean(r2_from_sums(self.ss_res, self.y_moments.m2)))
        return self.correct / self.seen


def _row_bar(total: int) -> Any:
    """A tqdm bar of the epoch's rows (rows per second), or None without the progress
    extra."""
    try:
        tqdm = require("tqdm.auto", "progress", "the progress bar").tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="rows", unit_scale=True, leave=False)
