"""The epoch loop: batches, the training step, history, validation and safety.

One step is the notes' iteration on a batch: forward over the batch, cost, backward, update
every W[l], b[l]. It runs the layer functions of :mod:`layerwise.propagation` through each
:class:`~layerwise.layers.Dense` layer's preallocated buffers, and updates the network's flat
parameter array with one optimizer call, so after the first epoch a step allocates no
(n[l], m) arrays.

Mini-batches are contiguous: the training set is held once as rows (m, n[0]), so that a batch
of rows is one contiguous block (a slice in order, a gather when shuffled) and A[0] is its
transpose, a view. A large X taken in order is not copied: each batch is transposed into a
buffer of rows as it comes.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._typing import Array, IndexArray
from .history import History
from .losses import normalized_weights
from .metrics import EpochMetric, task_of
from .optimizers import Constant, Optimizer, Schedule
from .propagation import output_delta

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

__all__ = ["TrainingDivergedError", "TrainConfig", "cost_and_gradient", "run"]


class TrainingDivergedError(ValueError):
    """The cost became NaN, infinite, or a million times the first epoch's; the parameters
    from the start of that epoch have been restored."""


#: a cost above this many times max(first epoch's cost, 1) counts as divergence
_BLOW_UP = 1e6
#: X up to this size is copied once into rows for mini-batches; a larger one taken in order
#: is transposed batch by batch instead (shuffled batches always need the copy to gather)
_COPY_X_UP_TO = 64 * 2**20


@dataclass
class TrainConfig:
    """Everything ``fit`` was asked for, validated."""

    epochs: int
    learning_rate: float
    batch_size: int | None
    shuffle: bool
    optimizer: Optimizer
    schedule: Schedule
    l2: float
    callbacks: list[Any] = field(default_factory=list)
    #: (X_val, Y_val) or (X_val, Y_val, sample_weight_val)
    validation: tuple[Array, ...] | None = None
    #: per-example weights (1, m) as given (any positive scale), or None
    sample_weight: Array | None = None
    #: every target is exactly 0 or 1 (checked once per fit; lets the cost take one log)
    hard_labels: bool = False


@contextmanager
def _stop_on_ctrl_c() -> Iterator[dict[str, bool]]:
    """Turn the first Ctrl-C into a request to stop after the current batch (a second one
    interrupts at once). Only possible in the main thread; elsewhere Ctrl-C raises as usual."""
    flag = {"stop": False}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag["stop"]:
            raise KeyboardInterrupt
        flag["stop"] = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


#: a batch's sample weights: rescaled to mean 1, and their sum as given
BatchWeights = tuple[Array, float]


def _batch_weights(w: Array, out: Array | None = None) -> BatchWeights:
    """w (1, b) rescaled to mean 1, which makes the batch's cost its weighted mean, and Σ w,
    which takes the place of m in the L2 term λ/(2m) Σ‖W[l]‖² (as in scikit-learn: a weight
    of 2 then counts exactly as the example repeated). A batch whose weights are all zero
    keeps m there; its examples count for nothing."""
    with np.errstate(over="ignore"):  # Σ w = inf: the L2 term λ/(2 Σw) goes to its limit 0
        total = float(np.add.reduce(w, axis=None))
    return normalized_weights(w, out=out), total if total > 0 else float(w.shape[1])


class _Batches:
    """Contiguous mini-batches of (A[0], Y, w), reshuffled each epoch by the network's
    generator; w is None without sample weights, else the batch's :data:`BatchWeights`."""

    def __init__(
        self,
        X: Array,
        Y: Array,
        batch_size: int | None,
        shuffle: bool,
        rng: np.random.Generator,
        weights: Array | None = None,
    ) -> None:
        m = X.shape[1]
        self.m = m
        self.full = batch_size is None or batch_size >= m
        self.shuffle = shuffle and not self.full
        self.rng = rng
        self.weights = weights
        if self.full:
            self.X, self.Y = np.ascontiguousarray(X), np.ascontiguousarray(Y)
            self.W = None if weights is None else _batch_weights(weights)
            return
        assert batch_size is not None
        self.batch_size = batch_size
        # A batch is a block of rows (b, n[0]) and A[0] its transpose, the layout the products
        # read fastest. X is stored once as rows (m, n[0]), so that a batch is a slice (in
        # order) or a gather of whole rows (shuffled); except a large X taken in order, whose
        # batches are transposed one at a time into a buffer instead of doubling its memory.
        sizes = {batch_size, m % batch_size} - {0}
        self.rows: Array | None = None
        if not self.shuffle:
            # every epoch sees the same batches: Y's are cut out once
            starts = range(0, m, batch_size)
            self.Y_batches = [np.ascontiguousarray(Y[:, s : s + batch_size]) for s in starts]
            self.W_batches: list[BatchWeights | None] = [
                None if weights is None else _batch_weights(weights[:, s : s + batch_size])
                for s in starts
            ]
            if X.nbytes > _COPY_X_UP_TO and not X.flags.f_contiguous:
                self.X = X
                self.rows_bufs = {size: np.empty((size, X.shape[0]), X.dtype) for size in sizes}
                return
        self.rows = np.ascontiguousarray(X.T)  # free when X is already a transposed row array
        if self.shuffle:
            self.Y = np.ascontiguousarray(Y)
            self.order = np.arange(m)
            self._bufs = {
                size: (np.empty((size, X.shape[0]), X.dtype), np.empty((Y.shape[0], size), Y.dtype))
                for size in sizes
            }
            if weights is not None:
                self._w_bufs = {size: np.empty((1, size), weights.dtype) for size in sizes}

    @property
    def order_of_epoch(self) -> IndexArray | None:
        """The permutation of the examples in the last epoch; None when taken in order."""
        return self.order if self.shuffle else None

    def epoch(self) -> Iterator[tuple[Array, Array, BatchWeights | None]]:
        """(A[0], Y, w) per batch: A[0] (n[0], b), Y (n[L], b) and the weights (1, b) with
        their sum, or None; b the batch size."""
        if self.full:
            yield self.X, self.Y, self.W
            return
        if not self.shuffle:
            for k, start in enumerate(range(0, self.m, self.batch_size)):
                stop = start + self.batch_size
                if self.rows is not None:
                    yield self.rows[start:stop].T, self.Y_batches[k], self.W_batches[k]
                    continue
                block = self.X[:, start:stop]
                rows_buf = self.rows_bufs[block.shape[1]]
                np.copyto(rows_buf, block.T)
                yield rows_buf.T, self.Y_batches[k], self.W_batches[k]
            return
        assert self.rows is not None
        self.rng.shuffle(self.order)
        for start in range(0, self.m, self.batch_size):
            idx = self.order[start : start + self.batch_size]
            rows_buf, Y_buf = self._bufs[idx.size]
            # the methods, not np.take: this runs once per batch; mode="clip" (the indices
            # are a permutation, always valid) writes straight into out, where the default
            # mode="raise" goes through a temporary buffer
            self.rows.take(idx, axis=0, out=rows_buf, mode="clip")
            self.Y.take(idx, axis=1, out=Y_buf, mode="clip")
            if self.weights is None:
                yield rows_buf.T, Y_buf, None
                continue
            w_buf = self._w_bufs[idx.size]
            self.weights.take(idx, axis=1, out=w_buf, mode="clip")
            yield rows_buf.T, Y_buf, _batch_weights(w_buf, out=w_buf)


def cost_and_gradient(
    net: Network,
    A0: Array,
    Y: Array,
    weights: BatchWeights | None = None,
    l2: float = 0.0,
    hard_labels: bool = False,
    factor: float = 1.0,
) -> tuple[float, Array]:
    """The notes' iteration up to the update, on a batch: forward, cost J, back propagation.

    Writes dθ, the gradient of J for every W[l], b[l] multiplied by ``factor``, into the
    network's gradient storage (``dW[l]``, ``db[l]`` of each layer) and returns (J, A[L]).
    ``weights`` are the batch's sample weights (see :func:`_batch_weights`), ``l2`` is λ and
    ``hard_labels`` promises 0/1 targets.
    """
    layers, loss = net.layers, net.loss
    m = A0.shape[1]
    # with sample weights w (mean 1 over the batch), J = 1/m Σ w_i L_i + λ/(2 Σw) Σ‖W[l]‖²
    w, m_l2 = (None, m) if weights is None else weights
    A = A0
    for layer in layers:
        A = layer.forward(A, training=True, rng=net._rng)
    out = layers[-1]
    work = out.buffers(m).dZ  # scratch for the cost; dZ[L] overwrites it next
    cost = loss.cost(A, Y, work=work, hard_labels=hard_labels, weights=w)
    if l2:
        W_all = net._flat_W
        # J += λ/(2m) Σ_l ‖W[l]‖²
        cost += l2 / (2.0 * m_l2) * float(np.vdot(W_all, W_all))
    assert out._buf is not None
    dZ: Array | None = output_delta(A, Y, out._buf.Z, out.activation, loss, out=work)
    # Back propagation is linear in dZ[L], so scaling it once scales every dW[l], db[l]: by
    # 1/m (the mean of the cost J), and by the factor (for plain descent α, which turns the
    # update into the single subtraction θ := θ − (α dθ)). No per-layer pass over dW[l].
    assert dZ is not None
    if w is not None:
        dZ *= w  # column i of dZ[L] is example i's gradient: weighted by w_i
    dZ *= factor / m
    L = len(layers)
    for i in range(L - 1, -1, -1):
        layers[i].backward(dZ, layers[i - 1] if i > 0 else None)
        dZ = None  # hidden layers start from the dA[l] written into their buffer
    if l2:
        # dW[l] += λ/m W[l]   (times the same factor as the rest of the gradient)
        dW_all = net._flat_dW
        np.multiply(net._flat_W, l2 * factor / m_l2, out=net._l2_scratch)
        dW_all += net._l2_scratch
    return cost, A


def _step(
    net: Network,
    A0: Array,
    Y: Array,
    weights: BatchWeights | None,
    cfg: TrainConfig,
    lr: float,
    grad_norms: bool,
) -> tuple[float, Array, list[float]]:
    """One iteration of the notes on a batch (with its sample weights, if any); returns
    (cost, A[L], ‖dW[l]‖ if asked)."""
    # plain descent takes the gradient already multiplied by α
    factor = lr if cfg.optimizer.folds_learning_rate else 1.0
    cost, A = cost_and_gradient(net, A0, Y, weights, cfg.l2, cfg.hard_labels, factor)
    # ‖dW[l]‖, read before the optimizer reuses the gradient storage as scratch
    norms = (
        [math.sqrt(np.vdot(layer.dW, layer.dW)) / factor for layer in net.layers]
        if grad_norms
        else []
    )
    cfg.optimizer.step([net._theta], [net._grad], lr, grad_scale=factor)
    return cost, A, norms


def run(net: Network, X: Array, Y: Array, cfg: TrainConfig) -> History:
    """Train ``net`` on X (n[0], m), Y (n[L], m) as configured; returns the History."""
    history = History()
    task = task_of(net.activations[-1].name)
    regression = task == "regression"
    batches = _Batches(X, Y, cfg.batch_size, cfg.shuffle, net._rng, cfg.sample_weight)
    m = X.shape[1]
    n_batches = 1 if batches.full else -(-m // batches.batch_size)
    snapshot = np.empty_like(net._theta)
    cfg.optimizer.reset()
    cfg.hard_labels = bool(np.all((Y == 0) | (Y == 1)))
    epoch_metric = EpochMetric(Y, task, cfg.hard_labels)
    callbacks = list(cfg.callbacks)
    for cb in callbacks:
        if hasattr(cb, "on_train_begin"):
            cb.on_train_begin(net)
    # the series are appended to directly: this loop runs once per iteration of full-batch
    # gradient descent, so its bookkeeping is kept to a few list appends
    series: dict[str, list[float]] = history.history
    cost_s = series.setdefault("cost", [])
    metric_s = series.setdefault("r2" if regression else "accuracy", [])
    lr_s = series.setdefault("learning_rate", [])
    norm_s = [series.setdefault(f"grad_norm_dW{layer.index}", []) for layer in net.layers]
    constant_lr = isinstance(cfg.schedule, Constant)
    blow_up = math.inf  # set after the first epoch: a cost this much larger is divergence
    try:
        # overflow on the way to divergence is caught by the cost check below, with a message
        # that says what to do; NumPy's own warnings would only come first and say less
        with _stop_on_ctrl_c() as ctrl_c, np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(cfg.epochs):
                lr = cfg.learning_rate if constant_lr else cfg.schedule(epoch, cfg.learning_rate)
                np.copyto(snapshot, net._theta)
                total_cost = 0.0
                seen = 0
                norms: list[float] = []
                for k, (A0, Yb, wb) in enumerate(batches.epoch()):
                    cost, AL, batch_norms = _step(net, A0, Yb, wb, cfg, lr, k == n_batches - 1)
                    if not math.isfinite(cost) or cost > blow_up:
                        net._set_flat_params(snapshot)
                        raise TrainingDivergedError(
                            f"training diverged in epoch {epoch} (batch {k}): the cost became "
                            f"{cost:g}; the parameters from the start of that epoch were "
                            f"restored. Try a smaller learning rate than {lr:g}, or standardize "
                            f"the inputs"
                        )
                    b = A0.shape[1]
                    total_cost += cost * b
                    epoch_metric.record(AL, seen)
                    seen += b
                    if batch_norms:
                        norms = batch_norms
                    if ctrl_c["stop"]:
                        break
                if seen < m:
                    # Ctrl-C in mid-epoch: the batch in flight was finished and the network
                    # keeps every update made so far (an interrupted long epoch is not thrown
                    # away); the history lists the completed epochs only
                    raise KeyboardInterrupt
                cost_s.append(total_cost / m)
                if epoch == 0:
                    blow_up = _BLOW_UP * max(cost_s[0], 1.0)
                metric_s.append(epoch_metric.value(batches.order_of_epoch))
                lr_s.append(lr)
                for s, norm in zip(norm_s, norms):
                    s.append(norm)
                if cfg.validation is not None:
                    for key, value in net.evaluate(*cfg.validation).items():
                        series.setdefault(f"val_{key}", []).append(value)
                if callbacks and _callbacks_stop(callbacks, epoch, series, history):
                    break
                if ctrl_c["stop"]:
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        history.interrupted = True
        history.stop_reason = "interrupted"
    finally:
        for cb in callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end()
    for cb in callbacks:
        if getattr(cb, "restore_best", False) and getattr(cb, "best_epoch", None) is not None:
            history.best_epoch = cb.best_epoch
    return history


def _callbacks_stop(
    callbacks: list[Any], epoch: int, series: dict[str, list[float]], history: History
) -> bool:
    """Give every callback the epoch's logs; True when one of them asks to stop."""
    logs = {key: values[-1] for key, values in series.items() if values}
    stop = False
    for cb in callbacks:
        if cb.on_epoch_end(epoch, logs):
            stop = True
            # a callback may name why it stops (EarlyStopping: "early_stopping"); a named
            # reason wins over the generic "callback"
            reason = getattr(cb, "stop_reason", None)
            if reason or history.stop_reason is None:
                history.stop_reason = reason or "callback"
    return stop


def callbacks_from(items: Sequence[Any] | None) -> list[Any]:
    """Check that every callback has ``on_epoch_end``."""
    out = []
    for cb in items or []:
        if not callable(getattr(cb, "on_epoch_end", None)):
            raise TypeError(
                f"a callback needs an on_epoch_end(epoch, logs) method; Received: {cb!r}"
            )
        out.append(cb)
    return out
