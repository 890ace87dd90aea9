"""The epoch loop: batches, the training step, history, validation and safety.

One step is the notes' iteration on a batch: forward over the batch, cost, backward, update
every W[l], b[l]. It runs the layer functions of :mod:`layerwise.propagation` through each
:class:`~layerwise.layers.Dense` layer's preallocated buffers, and updates the network's flat
parameter array with one optimizer call, so after the first epoch a step allocates no
(n[l], m) arrays.

The batches come from :mod:`layerwise.batches`. The end of every epoch, whichever engine ran
it (``"numpy"`` here, ``"jax"`` in :mod:`layerwise.engines.jax`), is :class:`EpochLog`'s: the
divergence guard :func:`check_divergence`, the history, validation and callbacks.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._typing import Array
from .batches import Batches, BatchWeights
from .history import History
from .metrics import EpochMetric, task_of
from .optimizers import Constant, GradientDescent, Optimizer, Schedule
from .propagation import (
    backward,
    batch_output_delta,
    compute_cost,
    forward,
    l2_cost,
    update_params,
)
from .threads import blas_threads_for

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

__all__ = [
    "TrainingDivergedError",
    "TrainConfig",
    "cost_and_gradient",
    "l2_cost",
    "batch_output_delta",
    "check_divergence",
    "EpochLog",
    "run",
]


class TrainingDivergedError(ValueError):
    """Training diverged, and the parameters were put back from before it did.

    Raised during training when an epoch's cost is NaN or infinite, a million times the first
    epoch's, or sits at the ceiling of a clipped cross-entropy (the parameters from the start
    of that epoch are restored); and at the end when the run ends with a cost above its first
    epoch's or with exploded weights (the parameters the run started from are restored).
    ``history`` holds the epochs recorded (None where there were none); ``epoch`` is the
    epoch that diverged (numbered as in the message), or None when the run as a whole did
    (at its end).
    """

    def __init__(
        self, message: str, history: History | None = None, epoch: int | None = None
    ) -> None:
        super().__init__(message)
        self.history = history
        self.epoch = epoch


#: a cost above this many times max(first epoch's cost, 1) counts as divergence
_BLOW_UP = 1e6
#: a cost at or above this share of a clipped cross-entropy's ceiling (−log eps per
#: example, i.e. confidently wrong on the average example) counts as divergence
_AT_CEILING = 0.5
#: a run that ends with a cost above (1 + this) times its first epoch's ended worse than
#: it began (with more than one epoch)
_WORSE = 0.1
#: weights larger than this many times max(1, the largest at the start) have exploded
_EXPLODED = 1e6


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


def cost_and_gradient(
    net: Network,
    A0: Array,
    Y: Array,
    weights: BatchWeights | None = None,
    l2: float = 0.0,
    hard_labels: bool = False,
    factor: float = 1.0,
) -> tuple[float, Array]:
    """The notes' iteration up to the update, on a batch: the tour's :func:`forward`,
    :func:`compute_cost` and :func:`backward`, through the layers' buffers.

    Writes dθ, the gradient of J for every W[l], b[l] multiplied by ``factor``, into the
    network's gradient storage (``net.parameters.grad``) and returns (J, A[L]). ``weights``
    are the batch's sample weights (see :func:`~layerwise.batches.batch_weights`), ``l2`` is
    λ and ``hard_labels`` promises 0/1 targets.
    """
    loss = net.loss
    params: Any = net.parameters  # what the tour's functions take as params, with buffers
    buffers = params.buffers(A0.shape[1])
    masks = buffers.draw_masks(net.rng) if buffers.masks else None
    # forward: Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]) for l = 1..L
    AL, caches = forward(A0, params, params.activations, masks, buffers=buffers)
    # cost: J = 1/m Σ L(a, y) (+ λ/(2m) Σ‖W[l]‖²)
    J = compute_cost(
        AL,
        Y,
        loss,
        l2=l2,
        params=params,
        weights=weights,
        hard_labels=hard_labels,
        buffers=buffers,
    )
    # backward: dZ[L], then dW[l], db[l], dA[l-1] for l = L..1 (times factor)
    grads = backward(
        AL, Y, caches, loss, l2=l2, weights=weights, grad_scale=factor, buffers=buffers
    )
    if grads is not params.grads:  # a backward() that returned arrays of its own
        params.set_grads(grads)
    return J, AL


def _step(
    net: Network,
    A0: Array,
    Y: Array,
    weights: BatchWeights | None,
    cfg: TrainConfig,
    lr: float,
    grad_norms: bool,
) -> tuple[float, Array, list[float]]:
    """One iteration of the notes on a batch (with its sample weights, if any): forward,
    cost, backward, update. Returns (cost, A[L], ‖dW[l]‖ if asked)."""
    plain = cfg.optimizer.folds_learning_rate
    # plain descent takes the gradient already multiplied by α (see propagation.descend)
    factor = lr if plain else 1.0
    cost, AL = cost_and_gradient(net, A0, Y, weights, cfg.l2, cfg.hard_labels, factor)
    # ‖dW[l]‖, read before the optimizer reuses the gradient storage as scratch
    params = net.parameters
    # (the ndarray method: np.vdot's dispatch layer costs as much as the product here)
    norms = [math.sqrt(dW.dot(dW)) / factor for dW in params.dW_flat] if grad_norms else []
    if cfg.notes_update:
        # update: θ := θ − α dθ, the tour's update_params
        update_params(params, params.grads, lr, scaled=True)
        cfg.optimizer.t += 1
    else:
        # update: the optimizer's rule (momentum, RMSprop, Adam, or one of a user's own)
        cfg.optimizer.step([params.theta], [params.grad], lr, grad_scale=factor)
    return cost, AL, norms


def run(net: Network, X: Array, Y: Array, cfg: TrainConfig) -> History:
    """Train ``net`` on X (n[0], m), Y (n[L], m) as configured; returns the History."""
    cfg.hard_labels = bool(np.all((Y == 0) | (Y == 1)))

    def epochs(log: EpochLog, ctrl_c: dict[str, bool]) -> None:
        if cfg.run_epochs is not None:
            cfg.run_epochs(net, X, Y, cfg, log, ctrl_c)
        else:
            with blas_threads_for(net.layer_dims, cfg.batch_size or X.shape[1]):
                _numpy_epochs(net, X, Y, cfg, log, ctrl_c)

    return run_with(net, cfg, epochs)


def run_with(
    net: Network, cfg: TrainConfig, epochs: Callable[[EpochLog, dict[str, bool]], None]
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


def _numpy_epochs(
    net: Network, X: Array, Y: Array, cfg: TrainConfig, log: EpochLog, ctrl_c: dict[str, bool]
) -> None:
    """The numpy engine: the epochs, batch by batch, through the layers' buffers."""
    batches = Batches(X, Y, cfg.batch_size, cfg.shuffle, net.rng, cfg.sample_weight)
    m = X.shape[1]
    n_batches = 1 if batches.full else -(-m // batches.batch_size)
    snapshot = np.empty_like(net.parameters.theta)

    def restore(i: int) -> Array:  # the parameters from the start of the epoch
        return snapshot

    epoch_metric = EpochMetric(Y, log.task, cfg.hard_labels)
    constant_lr = isinstance(cfg.schedule, Constant)
    for epoch in range(cfg.epochs):
        lr = cfg.learning_rate if constant_lr else cfg.schedule(epoch, cfg.learning_rate)
        np.copyto(snapshot, net.parameters.theta)
        total_cost = 0.0
        seen = 0
        norms: list[float] = []
        for k, (A0, Yb, wb) in enumerate(batches.epoch()):
            cost, AL, batch_norms = _step(net, A0, Yb, wb, cfg, lr, k == n_batches - 1)
            b = A0.shape[1]
            total_cost += cost * b
            epoch_metric.record(AL, seen)
            seen += b
            if batch_norms:
                norms = batch_norms
            if ctrl_c["stop"]:
                break
        if seen < m:
            # Ctrl-C in mid-epoch: the batch in flight was finished and the network keeps
            # every update made so far (an interrupted long epoch is not thrown away); the
            # history lists the completed epochs only
            raise KeyboardInterrupt
        metric = epoch_metric.value(batches.order_of_epoch)
        if log.end_epoch(epoch, total_cost / m, metric, lr, norms, restore):
            break
        if ctrl_c["stop"]:
            raise KeyboardInterrupt


def check_divergence(
    net: Network,
    epoch: int,
    costs: Sequence[float],
    new_costs: Sequence[float],
    lrs: Sequence[float],
    restore: Callable[[int], Array],
    ceiling: float = math.inf,
) -> None:
    """The divergence guard, which every engine calls for every epoch it has run.

    ``new_costs`` are the costs of epochs ``epoch``, ``epoch + 1``, ... (one epoch for the
    numpy engine, a compiled run of epochs for the jax engine), ``lrs`` their learning rates,
    ``costs`` those of the epochs before. At the first epoch whose cost is NaN or infinite, or
    (after the first epoch) a million times max(first epoch's cost, 1), the parameters from
    the start of that epoch, ``restore(i)`` for epoch ``epoch + i``, are put back and
    :class:`TrainingDivergedError` is raised.
    """
    limit = _BLOW_UP * max(costs[0], 1.0) if costs else math.inf
    for i, cost in enumerate(new_costs):
        if not math.isfinite(cost) or cost > limit or cost >= _AT_CEILING * ceiling:
            net.parameters.set(restore(i))
            why = (
                f"the cost sits at {cost:g}, at the ceiling of the clipped cross-entropy "
                f"({ceiling:.4g}): the outputs are saturated and confidently wrong"
                if math.isfinite(cost) and cost >= _AT_CEILING * ceiling
                else f"the cost became {cost:g}"
            )
            raise TrainingDivergedError(
                f"training diverged in epoch {epoch + i}: {why}; the parameters from the "
                f"start of that epoch were restored. Try a smaller learning rate than "
                f"{lrs[i]:g}, or standardize the inputs",
                epoch=epoch + i,
            )
        if i == 0 and not costs:
            limit = _BLOW_UP * max(cost, 1.0)


def check_run(net: Network, history: History, start: Array, learning_rate: float) -> None:
    """The divergence guard at the end of a run: a run that ends with a cost above its first
    epoch's (by more than a tenth, the epoch kept by early stopping counting as its end), or
    with weights a million times larger than it started with (at least 1), diverged even
    though no single epoch showed it. The parameters of ``start`` are put back and
    :class:`TrainingDivergedError` is raised."""
    costs = history.cost
    end = costs[history.best_epoch] if history.best_epoch is not None else costs[-1]
    why = None
    if len(costs) > 1 and end > (1.0 + _WORSE) * costs[0]:
        why = f"it ended with a cost of {end:g}, above its first epoch's {costs[0]:g}"
    else:
        largest, first = _largest_magnitude(net.parameters.theta), _largest_magnitude(start)
        if largest > _EXPLODED * max(first, 1.0):
            why = f"its weights exploded (the largest is {largest:g}; it started at {first:g})"
    if why is not None:
        net.parameters.set(start)
        raise TrainingDivergedError(
            f"training diverged: {why}; the parameters it started from were restored. Try a "
            f"smaller learning rate than {learning_rate:g}, or standardize the inputs",
            history,
        )


def _largest_magnitude(theta: Array) -> float:
    """max(|θ|) without the temporary |θ|, as big as the model: the extremes are read in place
    (NaN if θ holds one)."""
    return max(float(theta.max()), -float(theta.min())) if theta.size else 0.0


class EpochLog:
    """What happens at the end of every epoch, whichever engine ran it: the divergence guard,
    the history's series, the validation metrics and the callbacks."""

    def __init__(self, net: Network, cfg: TrainConfig, history: History) -> None:
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
    ) -> bool:
        """Record epoch ``epoch`` (the network holds its final parameters; ``restore(0)``
        gives those from its start); True when a callback asks to stop."""
        if not cost < self.safe_below:
            self._guard(epoch, (cost,), (lr,), restore)
        self.cost_s.append(cost)
        if len(self.cost_s) == 1:
            self._first_cost_known()
        self.metric_s.append(metric)
        self.lr_s.append(lr)
        for s, norm in zip(self.norm_s, norms):
            s.append(norm)
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
