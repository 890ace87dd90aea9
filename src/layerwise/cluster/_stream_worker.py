"""What a worker runs for a table it streams: its own pieces (Parquet row groups, CSV files) of
the table, read a chunk at a time as one machine reads them.

A :class:`StreamTrainer` is a dask actor on a worker. It opens the table at the path every worker
sees, keeps the pieces the client gave it (with their places in the whole table, so that a row's
hash, and with it whether the row is held out for validation, is the one a single machine gives
it: :func:`layerwise.tables.stream.held_out`), and answers, in turn:

1. :meth:`~StreamTrainer.scan`: one pass over its pieces with the single machine's own
   :func:`layerwise.tables.stream_plan.scan` (the statistics of the training rows; the
   validation rows stay here);
2. :meth:`~StreamTrainer.set_plan`: the plan the client made from every worker's scan (the
   encoder, the task, the target's scaling); its validation rows encoded;
3. each epoch, :meth:`~StreamTrainer.start_epoch` and then one :meth:`~StreamTrainer.step` per
   step: the next batch of :func:`layerwise.tables.stream_fit.stream_batches` (its pieces in a
   new order, the rows through the shuffle buffer), forward and backward.

Its memory follows the chunk, the shuffle buffer and its validation rows, not its share of the
table.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .._typing import Array
from ..core.metrics import task_of
from ..model.network import Network
from ._worker import PartInfo, StepSums, describe, evaluation_sums, step_sums

__all__ = ["StreamTrainer", "open_stream", "count_piece"]


def open_stream(data: Any, chunk_rows: int | None = None) -> Any:
    """The :class:`~layerwise.tables.stream.TableStream` of ``data``: a folder or a file, or a
    list of files (a glob's: Parquet, or else CSV/TSV), opened on a worker."""
    from ..tables.stream import TableStream

    # each file or row group a piece of its own, dealt to the workers
    return TableStream(list(data) if isinstance(data, tuple) else data, chunk_rows, group=False)


def count_piece(data: Any, index: int, chunk_rows: int | None = None) -> int:
    """The rows of piece ``index`` of the table at ``data``, counted by reading it."""
    stream = open_stream(data, chunk_rows)
    piece = stream.pieces[index]
    first = stream.columns[:1]
    return sum(len(frame) for frame, _ in stream.chunks(piece, first, start=0))


class StreamTrainer:
    """A worker's pieces of a streamed table, and its copy of the network.

    Parameters
    ----------
    data : str
        The table's path (a folder, a file), the same on every worker.
    roles : dict
        The :class:`~layerwise.tables.stream_plan.StreamPlan` fields known before the scan
        (target, features, validation share, seed, ...).
    pieces : list of int
        The indices of this worker's pieces among the table's.
    rows : list of int
        Every piece's row count (for each piece's place in the table).
    chunk_rows : int, optional
        Rows read at a time.
    """

    def __init__(
        self,
        data: Any,
        roles: dict[str, Any],
        pieces: Sequence[int],
        rows: Sequence[int],
        chunk_rows: int | None = None,
    ) -> None:
        from ..tables.stream_plan import StreamPlan

        stream = open_stream(data, chunk_rows)
        offset = 0
        for piece, n in zip(stream.pieces, rows):
            piece.rows, piece.offset = int(n), offset
            offset += int(n)
        stream.pieces = [stream.pieces[i] for i in pieces]
        self.plan = StreamPlan(stream=stream, **roles)
        self.held: tuple[list[Any], list[Array]] = ([], [])
        self.net: Network | None = None
        self.batches: Iterator[tuple[Array, Array, Array | None]] | None = None
        self.X_val: Array | None = None
        self.Y_val: Array | None = None
        self.m_train = 0
        #: (Σw, mean, Σ (y − mean)²) of a numeric target over the training rows
        self.moments: tuple[float, float, float] | None = None

    def scan(self) -> Any:
        """The statistics of this worker's training rows (a
        :class:`~layerwise.tables.stream_plan.Scan` without its validation rows, which stay
        here until :meth:`set_plan` encodes them)."""
        from ..tables.stream_plan import scan

        found = scan(self.plan, range(len(self.plan.stream.pieces)))
        self.m_train = found.stats.m
        moments = found.target.moments
        if moments.w > 0:  # a numeric target's moments, for R² over every worker
            self.moments = (float(moments.w), float(moments.mean[0]), float(moments.m2[0]))
        self.held = (found.val_frames, found.val_weights)
        found.val_frames, found.val_weights = [], []
        return found

    def set_plan(
        self,
        fields: dict[str, Any],
        template: bytes,
        batch_size: int,
        buffer_bytes: int | None = None,
    ) -> tuple[PartInfo, PartInfo | None]:
        """Take the client's plan (``fields`` of the StreamPlan), the network to train and this
        worker's share of the global batch; returns what the client learns of the training
        rows and of the validation rows (None without any)."""
        from ..tables.stream_plan import encode_validation

        for name, value in fields.items():
            setattr(self.plan, name, value)
        self.net = pickle.loads(template)
        self.task = task_of(self.net.activations[-1].name)
        self.batch_size, self.buffer_bytes = int(batch_size), buffer_bytes
        val = encode_validation(self.plan, *self.held, self.net.dtype)
        self.held = ([], [])
        val_info = None
        if val is not None:
            self.X_val, self.Y_val = val[0], val[1]
            val_info = describe((self.X_val, self.Y_val))
        return self._train_info(), val_info

    def _train_info(self) -> PartInfo:
        """The training rows' shapes and, per output, the mean and Σ (y − mean)² of the
        encoded target (for R² over every worker), from the scan's moments."""
        plan, net = self.plan, self.net
        assert net is not None
        n0, nL = net.layer_dims[0], net.layer_dims[-1]
        m = self.m_train
        y_mean = y_m2 = np.zeros(nL)
        if plan.kind == "continuous" and self.moments is not None:
            _w, mean, m2 = self.moments
            scale = plan.target_scale or 1.0
            y_mean = np.array([(mean - (plan.target_mean or 0.0)) / scale])
            y_m2 = np.array([m2 / scale**2])
        return PartInfo((n0, m), (nL, m), True, plan.kind != "continuous", y_mean, y_m2)

    def check_targets(self) -> str | None:
        """The targets are encoded by the plan: the loss takes them."""
        return None

    def start_epoch(self, seed: int | None, epoch: int, index: int) -> int:
        """This epoch's batches: the worker's pieces in an order drawn from (seed, epoch), the
        rows through the shuffle buffer (``seed`` is the plan's; the argument is the parts'
        protocol). Returns the number of training rows."""
        from ..tables.stream_fit import stream_batches

        assert self.net is not None
        self.batches = stream_batches(
            self.plan,
            self.batch_size,
            epoch,
            dtype=self.net.dtype,
            buffer_bytes=self.buffer_bytes,
        )
        return int(self.plan.m_train)

    def step(self, theta: Array, start: int = 0, stop: int = 0) -> StepSums:
        """The sums of this worker's next batch with the parameters θ; no rows (m = 0) once
        its epoch is done."""
        assert self.net is not None and self.batches is not None, "start_epoch comes first"
        batch = next(self.batches, None)
        hard = self.plan.kind != "continuous"
        if batch is None:
            empty = np.zeros(self.net.layer_dims[-1] if self.task == "regression" else 1)
            return StepSums(0.0, np.empty(0), 0, empty)
        A0, Y, _w = batch
        return step_sums(self.net, theta, A0, Y, self.task, hard)

    def evaluate(self, theta: Array) -> StepSums:
        """Σ_i L_i and the metric's sum on this worker's validation rows with θ."""
        assert self.net is not None and self.X_val is not None and self.Y_val is not None
        hard = self.plan.kind != "continuous"
        return evaluation_sums(self.net, theta, self.X_val, self.Y_val, self.task, hard)
