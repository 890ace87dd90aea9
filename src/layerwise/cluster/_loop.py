"""The client's side of data-parallel training: the epochs, the steps, the update.

The client holds the parameters θ and the optimizer's state, nothing of the data. A step sends
θ to every part's worker, each returns the sums of its share of the global mini-batch (cost,
gradient, metric), and the client applies the update to the mean:

    dθ = 1/B Σ_parts Σ_(i in the part's share) dθ_i          (B = Σ shares, the global batch)

which is the gradient of the global batch itself, the same number ``Network.fit`` computes on
those rows in one process.

(:func:`fit` passes 80 lines by its public signature and numpydoc parameter list alone; its body
is 25 lines.)
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import Array
from ..core.metrics import r2_from_sums, task_of
from ..model.network import Network
from ..training.callbacks import EarlyStopping
from ..training.history import History
from ..training.optimizers import OptimizerLike, ScheduleLike, get_optimizer, get_schedule
from ..training.step import EpochLog, TrainConfig, callbacks_from, l2_cost, run_with
from ._trainers import Parts, check_parts, distributed
from ._worker import StepSums

__all__ = ["fit"]


def _bounds(sizes: Sequence[int], steps: int) -> list[list[int]]:
    """For each part, the step boundaries 0 = b_0 ≤ b_1 ≤ ... ≤ b_steps = m_i: step k takes
    its examples b_k..b_(k+1)−1, so that each step's share is in proportion to the part's
    rows and an epoch uses every row once."""
    return [[k * m // steps for k in range(steps + 1)] for m in sizes]


def _gradient(
    client: Any,
    net: Network,
    train: Parts,
    bounds: list[list[int]],
    k: int,
    l2: float,
    grad: Array,
) -> tuple[float, int, list[Array]]:
    """Step k of the epoch up to the update: every part's trainer computes the sums of its
    share with the current θ, and ``grad`` gets the gradient of the global batch. Returns
    the batch's cost J (with L2), its size B_k and the parts' metric sums."""
    theta = net.parameters.copy()
    if train.streamed:  # every worker's next batch (none once its epoch is done)
        sums: list[StepSums] = train.call(client, "a training step", lambda i, t: t.step(theta))
        sums = [s for s in sums if s.m > 0]
    else:
        busy = [i for i, b in enumerate(bounds) if b[k + 1] > b[k]]
        sums = train.call(
            client,
            "a training step",
            lambda i, t: t.step(theta, bounds[i][k], bounds[i][k + 1]),
            busy,
        )
    m_k = sum(s.m for s in sums)
    if m_k == 0:  # streamed: every worker's epoch is done (its last batches were smaller)
        return 0.0, 0, []
    np.copyto(grad, sums[0].grad)
    for s in sums[1:]:
        grad += s.grad
    # dθ = 1/B_k Σ_parts Σ_i dθ_i: the gradient of the global batch
    grad *= 1.0 / m_k
    cost = sum(s.cost for s in sums) / m_k
    if l2:
        W = net.parameters.W_all  # every W[l], the first entries of θ
        # J += λ/(2 B_k) Σ‖W[l]‖²;  dW[l] += λ/B_k W[l]   (as Network.fit does per batch)
        cost += l2_cost(W, l2, m_k)
        grad[: W.size] += (l2 / m_k) * W
    return cost, m_k, [s.metric for s in sums]


def _total(sums: list[Array]) -> Array:
    """The element-wise total of the parts' metric sums."""
    return np.sum(np.stack(sums), axis=0)


def _metric_value(task: str, total: Array, m: int, ss_tot: Array | None) -> float:
    """Accuracy from the summed correct predictions, or R² from the summed squared residuals."""
    if task == "regression":
        assert ss_tot is not None
        return float(np.mean(r2_from_sums(np.asarray(total, dtype=float), ss_tot)))
    return float(total[0]) / m


def fit(
    net: Network,
    client: Any,
    parts: Sequence[Any],
    epochs: int = 10,
    learning_rate: float = 0.01,
    *,
    batch_size: int | None = None,
    optimizer: OptimizerLike = "gd",
    lr_schedule: ScheduleLike = None,
    l2: float = 0.0,
    shuffle: bool = True,
    seed: int | None = None,
    validation: Sequence[Any] | None = None,
    early_stopping: bool | int = False,
    restore_best: bool = True,
    callbacks: Sequence[Any] | None = None,
) -> History:
    """Train ``net`` in place on data that lives on a dask.distributed cluster's workers.

    Data-parallel synchronous mini-batch descent: each step, every part's worker computes,
    with the core's functions, the cost and gradient sums of its share of the global batch;
    the client divides their total by the global batch size B (the gradient of the global
    batch) and applies the optimizer's update, with L2 as in :meth:`Network.fit`.

    Parameters
    ----------
    net : Network
        Trained in place; its parameters are the only arrays the client holds.
    client : distributed.Client
        A client of the cluster (``Client("tcp://host:8786")``, or of a ``LocalCluster``).
    parts : list of distributed.Future
        Each the future of a part ``(X, Y)`` on a worker, X of shape (n[0], m_i) and Y of
        shape (n[L], m_i): from :func:`scatter_parts` or :func:`read_parts`.
    epochs : int
    learning_rate : float
        α.
    batch_size : int, optional
        The global mini-batch size B (None: every row, batch gradient descent). An epoch has
        ⌈m / B⌉ steps; each takes from every part a share in proportion to its rows.
    optimizer : {"gd", "sgd", "momentum", "rmsprop", "adam"} or Optimizer
    lr_schedule : {"constant", "inverse_time", "exponential", "step"} or Schedule, optional
    l2 : float
        λ: J += λ/(2B) Σ‖W[l]‖², dW[l] += λ/B W[l].
    shuffle : bool
        Each worker reshuffles its part every epoch, seeded by (seed, epoch, part index).
    seed : int, optional
        The shuffling's seed (None: drawn from the network's generator).
    validation : list of distributed.Future, optional
        Held-out parts, evaluated on their workers after every epoch: ``val_cost`` and
        ``val_accuracy`` (or ``val_r2``).
    early_stopping : bool or int
        Stop when ``val_cost`` has not improved for this many epochs (True: 10); needs
        ``validation``.
    restore_best : bool
        With early stopping, end with the parameters of the best epoch.
    callbacks : list, optional
        Objects with ``on_epoch_end(epoch, logs) -> stop?`` (and optionally
        ``on_train_begin(net)``, ``on_train_end()``), as for :meth:`Network.fit`.

    Returns
    -------
    History
        ``cost[i]``: the mean over epoch i's examples of the cost of its step's forward pass,
        before that step's update (with L2, each step's term), as :meth:`Network.fit` records it;
        ``accuracy`` or ``r2``; ``learning_rate``; the ``val_`` series with ``validation``.

    Raises
    ------
    ValueError
        No workers, parts that do not match the network or each other, a part without rows,
        bad options. TrainingDivergedError as in :meth:`Network.fit`.
    TypeError
        Parts that are not futures (arrays would travel through the client).
    ClusterError
        A worker that does not answer in time, or a worker or the scheduler gone.
    """
    distributed()
    cbs = _check_options(net, client, epochs, batch_size, learning_rate, l2, callbacks)
    cbs += _stopping(early_stopping, restore_best, validation is not None)
    if seed is None:
        seed = int(net.rng.integers(2**63))
    template = pickle.dumps(net)
    train = check_parts(client, net, parts, "parts", template)
    val = (
        None if validation is None else check_parts(client, net, validation, "validation", template)
    )
    cfg = TrainConfig(
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        shuffle=shuffle,
        optimizer=get_optimizer(optimizer),
        schedule=get_schedule(lr_schedule),
        l2=l2,
        callbacks=cbs,
    )
    try:
        return train_parts(client, net, cfg, train, val, seed if shuffle else None)
    finally:
        # the actors (and their copies of the epoch's rows) go when nothing refers to them
        del train, val


def train_parts(
    client: Any, net: Network, cfg: TrainConfig, train: Parts, val: Parts | None, seed: int | None
) -> History:
    """Train ``net`` on the trainers of ``train`` (validation on those of ``val``) in the one
    frame around the epochs (:func:`layerwise.training.run_with`: callbacks, Ctrl-C, the best
    epoch, the check of the run as a whole), as Network.fit and a streamed table have it."""
    return run_with(net, cfg, _Epochs(client, net, cfg, train, val, seed).run)


def _stopping(early_stopping: bool | int, restore_best: bool, validation: bool) -> list[Any]:
    """The EarlyStopping callback that ``early_stopping`` asks for (True: a patience of 10)."""
    if not early_stopping:
        return []
    if not validation:
        raise ValueError(
            "early_stopping watches val_cost: give validation parts (validation=[...])"
        )
    patience = 10 if early_stopping is True else int(early_stopping)
    return [EarlyStopping(patience=patience, restore_best=restore_best)]


def _check_options(
    net: Network,
    client: Any,
    epochs: Any,
    batch_size: Any,
    learning_rate: Any,
    l2: Any,
    callbacks: Sequence[Any] | None,
) -> list[Any]:
    """Refuse bad options by name; the callbacks checked."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a layerwise.Network; Received: {type(net).__name__}")
    if not client.scheduler_info().get("workers"):
        raise ValueError(
            "the cluster has no workers: start some (`dask worker SCHEDULER_ADDRESS`) or wait "
            "for them (client.wait_for_workers(n)) before training"
        )
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if value is None and name == "batch_size":
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int; Received: {name}={value!r}")
        if value < 1:
            raise ValueError(f"{name} must be >= 1; Received: {name}={value!r}")
    for name, number in (("learning_rate", learning_rate), ("l2", l2)):
        if isinstance(number, bool) or not isinstance(number, (int, float, np.floating)):
            raise TypeError(f"{name} must be a number; Received: {name}={number!r}")
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be > 0; Received: learning_rate={learning_rate!r}")
    if not (math.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be >= 0; Received: l2={l2!r}")
    return callbacks_from(callbacks)


class _Epochs:
    """The cluster as a source of steps for the one frame (:func:`training.run_with`): each
    epoch, every worker lays out its rows, each step's gradient is summed over the workers
    and the optimizer updates θ here; the epoch's end is :class:`training.EpochLog`'s."""

    def __init__(
        self,
        client: Any,
        net: Network,
        cfg: TrainConfig,
        train: Parts,
        val: Parts | None,
        seed: int | None,
    ) -> None:
        self.client, self.net, self.cfg, self.train, self.val, self.seed = (
            client,
            net,
            cfg,
            train,
            val,
            seed,
        )
        M = train.m
        B = M if cfg.batch_size is None else min(cfg.batch_size, M)
        self.steps = -(-M // B)
        self.bounds = _bounds(train.sizes, self.steps)
        self.task = task_of(net.activations[-1].name)
        regression = self.task == "regression"
        self.ss_tot = train.ss_tot() if regression else None
        self.val_ss_tot = val.ss_tot() if val is not None and regression else None

    def run(self, log: EpochLog, ctrl_c: dict[str, bool]) -> None:
        """The epochs, recorded in ``log``; Ctrl-C stops after the step in flight."""
        net, cfg, train = self.net, self.cfg, self.train
        snapshot = np.empty_like(net.parameters.theta)
        grad = np.empty_like(net.parameters.theta)
        for epoch in range(cfg.epochs):
            lr = cfg.schedule(epoch, cfg.learning_rate)
            np.copyto(snapshot, net.parameters.theta)
            # every worker shuffles its own rows (or, without shuffling, lays them out once)
            train.call(
                self.client,
                "the start of an epoch",
                lambda i, t, e=epoch: t.start_epoch(self.seed, e, i),
            )
            total_cost = 0.0
            metric_sums: list[Array] = []
            for k in range(self.steps):
                cost, m_k, metrics = _gradient(
                    self.client, net, train, self.bounds, k, cfg.l2, grad
                )
                if m_k == 0:
                    break
                total_cost += cost * m_k
                metric_sums += metrics
                cfg.optimizer.step([net.parameters.theta], [grad], lr)
                if ctrl_c["stop"]:
                    # the network keeps every update made so far; the history lists the
                    # completed epochs
                    raise KeyboardInterrupt
            metric = _metric_value(self.task, _total(metric_sums), train.m, self.ss_tot)
            if self.val is not None:
                self._validate(log)
            if log.end_epoch(epoch, total_cost / train.m, metric, lr, (), lambda i: snapshot):
                break

    def _validate(self, log: EpochLog) -> None:
        """``val_cost`` and ``val_accuracy`` (or ``val_r2``) of θ, from the validation parts'
        workers, into the epoch's series (before the callbacks read them)."""
        assert self.val is not None
        theta = self.net.parameters.copy()
        sums: list[StepSums] = self.val.call(
            self.client, "a validation pass", lambda i, t: t.evaluate(theta)
        )
        m_val = self.val.m
        key = "val_r2" if self.task == "regression" else "val_accuracy"
        value = _metric_value(self.task, _total([s.metric for s in sums]), m_val, self.val_ss_tot)
        log.series.setdefault("val_cost", []).append(sum(s.cost for s in sums) / m_val)
        log.series.setdefault(key, []).append(value)
