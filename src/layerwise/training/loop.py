"""The one frame and the one epoch loop of every way of training.

:func:`run_with` is the frame around a run's epochs, whichever engine or source runs them:
the optimizer reset, the callbacks' begin and end, Ctrl-C (the first one asks to stop after
the batch in flight; KeyboardInterrupt ends the run as interrupted), the best epoch of early
stopping (and why it was kept) and the divergence check of the run as a whole.
:class:`EpochLog` is the end of every epoch: the divergence guard, the history's series,
validation and callbacks.

:func:`epoch_loop` is the batch loop itself, written once. What differs between ways of
training is given to it:

- a **source** of batches (:class:`RowsInMemory` for ``Network.fit``; the table stream's
  row groups in :func:`layerwise.tables.stream.fit_stream`), an object with

  - ``epoch(e)``: the batches of epoch e, an iterable of (A[0] (n[0], b), Y (n[L], b), w),
    w the batch's :data:`~layerwise.training.batches.BatchWeights` or None;
  - ``record(AL, start, Y)``: a batch's A[L] for the epoch's metric, its examples numbered
    from ``start``; ``value()``: the epoch's accuracy (or R²);
  - ``m``: the examples of an epoch, or None when only the end of the batches tells
    (a stream); ``n_batches``: the batches of an epoch, or None (‖dW[l]‖ is then read at
    every batch); ``timed``: record ``rows_per_second``; ``name``: what it reads, for
    the message when an epoch brings no batch;

- a **step** ``step(net, A0, Y, w, cfg, lr, grad_norms) -> (J, A[L], ‖dW[l]‖ or [])``
  that computes the batch's cost and gradient and updates the network
  (:func:`layerwise.training._step` here: the tour's functions and the optimizer; a
  cluster plugs in a step whose gradient is summed over its workers).

The jax engine runs its compiled epochs inside the same frame and records them in the same
:class:`EpochLog` (:mod:`layerwise.training.engines.jax`).
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from ..core.metrics import EpochMetric, task_of
from .batches import Batches, BatchWeights
from .divergence import _AT_CEILING, _BLOW_UP, TrainingDivergedError, check_divergence, check_run
from .history import History
from .optimizers import Constant, GradientDescent, Optimizer, Schedule

__all__ = [
    "TrainConfig",
    "EpochLog",
    "RowsInMemory",
    "callbacks_from",
    "epoch_loop",
    "run_with",
]

#: a step: (net, A0, Y, w, cfg, lr, grad_norms) -> (J, A[L], ‖dW[l]‖ or [])
Step = Callable[..., tuple[float, Array, list[float]]]


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
    #: "numpy" (the layers' buffers, batch by batch) or "jax" (compiled epochs)
    engine: str = "numpy"
    #: the epochs of another engine than numpy's: ``run_epochs(net, X, Y, cfg, log, ctrl_c)``
    #: (given by fit's options, so that this module need not import the engines)
    run_epochs: Callable[..., None] | None = None

    def __post_init__(self) -> None:
        #: plain descent with the notes' rule: the step updates with update_params (an
        #: optimizer that changes the rule, a subclass of GradientDescent too, runs its own)
        rule = type(self.optimizer)
        self.notes_update = (
            rule.step is GradientDescent.step and rule._update is GradientDescent._update
        )


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


def run_with(
    net: Any, cfg: TrainConfig, epochs: Callable[[EpochLog, dict[str, bool]], None]
) -> History:
    """A training run around ``epochs(log, ctrl_c)``, which runs the epochs and records each
    in ``log``: the optimizer reset, the callbacks' begin and end, Ctrl-C (the first one
    sets ``ctrl_c["stop"]``; KeyboardInterrupt ends the run as interrupted), the best epoch
    of early stopping and the check of the run as a whole. Every engine's epochs, and a
    streamed table's, run inside it."""
    history = History()
    start = net.parameters.copy()  # put back if the run as a whole diverged
    cfg.optimizer.reset()
    log = EpochLog(net, cfg, history)
    for cb in log.callbacks:
        if hasattr(cb, "on_train_begin"):
            cb.on_train_begin(net)
    try:
        # overflow on the way to divergence is caught by the divergence guard, with a message
        # that says what to do; NumPy's own warnings would only come first and say less
        with _stop_on_ctrl_c() as ctrl_c, np.errstate(over="ignore", invalid="ignore"):
            epochs(log, ctrl_c)
    except KeyboardInterrupt:
        history.interrupted = True
        history.stop_reason = "interrupted"
    finally:
        for cb in log.callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end()
    for cb in log.callbacks:
        if getattr(cb, "restore_best", False) and getattr(cb, "best_epoch", None) is not None:
            history.best_epoch = cb.best_epoch
            why = getattr(cb, "why_kept", None)
            history.kept_because = why() if callable(why) else None
    if history.epochs and not history.interrupted:
        check_run(net, history, start, cfg.learning_rate)
    return history


class EpochLog:
    """What happens at the end of every epoch, whichever engine ran it: the divergence guard,
    the history's series, the validation metrics and the callbacks."""

    def __init__(self, net: Any, cfg: TrainConfig, history: History) -> None:
        self.net, self.cfg, self.history = net, cfg, history
        self.task = task_of(net.activations[-1].name)
        # the ceiling of the cost without L2 (whose term has none)
        self.ceiling = net.loss.ceiling(net.dtype) if cfg.l2 == 0 else math.inf
        #: a cost below this passes the divergence guard (the guard is not called for it:
        #: this runs once per iteration of full-batch gradient descent)
        self.safe_below = _AT_CEILING * self.ceiling
        self.callbacks = list(cfg.callbacks)
        # the series are appended to directly: this runs once per iteration of full-batch
        # gradient descent, so its bookkeeping is kept to a few list appends
        self.series: dict[str, list[float]] = history.history
        self.cost_s = self.series.setdefault("cost", [])
        self.metric_s = self.series.setdefault(
            "r2" if self.task == "regression" else "accuracy", []
        )
        self.lr_s = self.series.setdefault("learning_rate", [])
        self.norm_s = [
            self.series.setdefault(f"grad_norm_dW{layer.index}", []) for layer in net.layers
        ]

    def _guard(
        self,
        epoch: int,
        costs: Sequence[float],
        lrs: Sequence[float],
        restore: Callable[[int], Array],
    ) -> None:
        """:func:`check_divergence` for these epochs; its error carries the history so far."""
        try:
            check_divergence(self.net, epoch, self.cost_s, costs, lrs, restore, self.ceiling)
        except TrainingDivergedError as exc:
            exc.history = self.history
            raise

    def _first_cost_known(self) -> None:
        """After the first epoch, a cost a million times max(its cost, 1) diverged too."""
        if self.cost_s:
            limit = _BLOW_UP * max(self.cost_s[0], 1.0)
            self.safe_below = min(_AT_CEILING * self.ceiling, limit)

    @property
    def watches_params(self) -> bool:
        """Whether anything at the end of an epoch looks at the network's parameters
        (validation, callbacks): an engine that runs several epochs at once must then set
        each epoch's parameters before recording it."""
        return self.cfg.validation is not None or bool(self.callbacks)

    def end_epochs(
        self,
        epoch: int,
        costs: list[float],
        metrics: list[float],
        lrs: list[float],
        norms: list[list[float]],
        restore: Callable[[int], Array],
    ) -> None:
        """Record epochs ``epoch``, ``epoch + 1``, ... at once, when nothing watches the
        parameters (no validation, no callbacks); ``norms`` has one row of ‖dW[l]‖ per epoch
        and ``restore(i)`` gives the parameters from the start of epoch ``epoch + i``."""
        self._guard(epoch, costs, lrs, restore)
        self.cost_s.extend(costs)
        self._first_cost_known()
        self.metric_s.extend(metrics)
        self.lr_s.extend(lrs)
        for s, column in zip(self.norm_s, zip(*norms)):
            s.extend(column)

    def end_epoch(
        self,
        epoch: int,
        cost: float,
        metric: float,
        lr: float,
        norms: Sequence[float],
        restore: Callable[[int], Array],
        extra: dict[str, float] | None = None,
    ) -> bool:
        """Record epoch ``epoch`` (the network holds its final parameters; ``restore(0)``
        gives those from its start) with the ``extra`` series values given (such as
        ``rows_per_second``); True when a callback asks to stop."""
        if not cost < self.safe_below:
            self._guard(epoch, (cost,), (lr,), restore)
        self.cost_s.append(cost)
        if len(self.cost_s) == 1:
            self._first_cost_known()
        self.metric_s.append(metric)
        self.lr_s.append(lr)
        for s, norm in zip(self.norm_s, norms):
            s.append(norm)
        if extra:
            for key, value in extra.items():
                self.series.setdefault(key, []).append(value)
        if self.cfg.validation is not None:
            for key, value in self.net.evaluate(*self.cfg.validation).items():
                self.series.setdefault(f"val_{key}", []).append(value)
        return bool(self.callbacks) and _callbacks_stop(
            self.callbacks, epoch, self.series, self.history
        )


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


class RowsInMemory:
    """The source of batches of ``Network.fit``: mini-batches cut from X (n[0], m) and
    Y (n[L], m) in memory (:class:`~layerwise.training.batches.Batches`), reshuffled each epoch by
    the network's generator, and the epoch's metric
    (:class:`~layerwise.core.metrics.EpochMetric`)."""

    timed = False
    name = "the training examples"

    def __init__(self, net: Any, X: Array, Y: Array, cfg: TrainConfig, task: str) -> None:
        self.batches = Batches(X, Y, cfg.batch_size, cfg.shuffle, net.rng, cfg.sample_weight)
        self.m = X.shape[1]
        self.n_batches = 1 if self.batches.full else -(-self.m // self.batches.batch_size)
        self.metric = EpochMetric(Y, task, cfg.hard_labels)
        self.record = self.metric.record  # (AL, start, Y): the bound method, one call a batch

    def epoch(self, epoch: int) -> Iterable[tuple[Array, Array, BatchWeights | None]]:
        return self.batches.epoch()

    def value(self) -> float:
        return self.metric.value(self.batches.order_of_epoch)


def epoch_loop(
    net: Any,
    cfg: TrainConfig,
    log: EpochLog,
    ctrl_c: dict[str, bool],
    source: Any,
    step: Step,
) -> None:
    """Every epoch of a run, batch by batch: each batch of ``source`` goes through ``step``,
    each epoch's end through ``log`` (see the module's docstring for both).

    Ctrl-C in mid-epoch: the batch in flight is finished and the network keeps every update
    made so far (an interrupted long epoch is not thrown away); the history lists the
    completed epochs only."""
    snapshot = np.empty_like(net.parameters.theta)

    def restore(i: int) -> Array:  # the parameters from the start of the epoch
        return snapshot

    constant_lr = isinstance(cfg.schedule, Constant)
    last = None if source.n_batches is None else source.n_batches - 1
    for epoch in range(cfg.epochs):
        lr = cfg.learning_rate if constant_lr else cfg.schedule(epoch, cfg.learning_rate)
        np.copyto(snapshot, net.parameters.theta)
        began = time.perf_counter() if source.timed else 0.0
        total_cost = 0.0
        seen = 0
        norms: list[float] = []
        for k, (A0, Yb, wb) in enumerate(source.epoch(epoch)):
            cost, AL, batch_norms = step(net, A0, Yb, wb, cfg, lr, last is None or k == last)
            b = A0.shape[1]
            total_cost += cost * b
            source.record(AL, seen, Yb)
            seen += b
            if batch_norms:
                norms = batch_norms
            if ctrl_c["stop"]:
                break
        if ctrl_c["stop"] and (source.m is None or seen < source.m):
            raise KeyboardInterrupt
        if seen == 0:
            raise ValueError(f"{source.name}: no training row in this epoch")
        extra = None
        if source.timed:
            extra = {"rows_per_second": seen / max(time.perf_counter() - began, 1e-9)}
        if log.end_epoch(epoch, total_cost / seen, source.value(), lr, norms, restore, extra):
            break
        if ctrl_c["stop"]:
            raise KeyboardInterrupt
