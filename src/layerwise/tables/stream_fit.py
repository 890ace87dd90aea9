"""The epochs of a streamed table: each a pass over its pieces in a new random order, their
chunks encoded into a *shuffle buffer* of :data:`BUFFER_BYTES` from which mini-batches are drawn
at random (:func:`stream_batches`), so that a batch mixes rows of many files and row groups.
While the network trains on a batch, a second thread reads and encodes the next chunks, and
NumPy's BLAS keeps to the other cores (:func:`layerwise.training.threads.core_for_reading`; with
threadpoolctl, the ``threads`` extra, and more than one core).

Memory follows the chunk and the buffer, not the table: a chunk encoded (``CHUNK_ROWS`` × n[0]
× 8 bytes, two or three times while it is encoded) and the buffer's slots (allocated once: a
batch is gathered from them, the rows are never copied into a shuffled whole). The training
step is the notes' own (:func:`layerwise.training.cost_and_gradient` through
:func:`layerwise.training._step`), and the epochs run in the one frame
(:func:`layerwise.training.run_with`), as in :meth:`Network.fit`. A cluster's workers draw
their batches from the same function, over their own pieces.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .._typing import Array
from ..core.metrics import RunningMoments, count_correct, r2_from_sums, squared_residuals, task_of
from ..model.network import Network
from ..training.batches import batch_weights
from ..training.callbacks import EarlyStopping
from ..training.history import History
from ..training.optimizers import get_optimizer, get_schedule
from ..training.step import EpochLog, TrainConfig, _step, callbacks_from, epoch_loop, run_with
from ..training.threads import core_for_reading
from .stream import BUFFER_BYTES, _read_ahead, progress_bar
from .stream_plan import StreamPlan

__all__ = ["stream_batches", "fit_stream", "stream_config", "BUFFER_BYTES"]


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


def stream_config(
    validation: Any,
    kind: str,
    *,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    optimizer: str,
    l2: float,
    early_stopping: int,
    min_delta: float,
    callbacks: Sequence[Any],
) -> TrainConfig:
    """The training options of a streamed table (here, or on a cluster's workers), checked:
    ``validation`` is the validation rows (or anything but None when they live elsewhere,
    None without any), ``kind`` the target's type."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1; Received: {batch_size!r}")
    cbs = callbacks_from(list(callbacks))
    if early_stopping:
        if validation is None:
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
        validation=validation,
        hard_labels=kind != "continuous",
    )
    return cfg


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
    cfg = stream_config(
        plan.validation,
        plan.kind,
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        optimizer=optimizer,
        l2=l2,
        early_stopping=early_stopping,
        min_delta=min_delta,
        callbacks=callbacks,
    )
    bar = progress_bar(plan.m_train, "rows", unit_scale=True) if progress else None

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
    """The batches of :func:`stream_batches` for :func:`layerwise.training.loop.epoch_loop`, one
    pass
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
