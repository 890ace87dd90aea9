"""The client's side of data-parallel training: the epochs, the steps, the update.

The client holds the parameters θ and the optimizer's state, nothing of the data. A step sends
θ to every part's worker, each returns the sums of its share of the global mini-batch (cost,
gradient, metric), and the client applies the update to the mean:

    dθ = 1/B Σ_parts Σ_(i in the part's share) dθ_i          (B = Σ shares, the global batch)

which is the gradient of the global batch itself, the same number ``Network.fit`` computes on
those rows in one process.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._optional import require
from .._typing import Array
from ..callbacks import EarlyStopping
from ..history import History
from ..metrics import RunningMoments, r2_from_sums, task_of
from ..network import Network
from ..optimizers import OptimizerLike, ScheduleLike, get_optimizer, get_schedule
from ..training import TrainingDivergedError, check_divergence, check_run, l2_cost
from . import _worker
from ._worker import PartInfo, StepSums

__all__ = ["fit"]


def _distributed() -> Any:
    return require("distributed", "dask", "training on a dask.distributed cluster")


@dataclass
class _Parts:
    """Parts checked against the network: futures on the workers and what they hold."""

    #: one PartTrainer actor per part, on the part's worker
    trainers: list[Any]
    infos: list[PartInfo]

    @property
    def sizes(self) -> list[int]:
        return [info.x_shape[1] for info in self.infos]

    @property
    def m(self) -> int:
        return sum(self.sizes)

    def ss_tot(self) -> Array:
        """Σ (y − ȳ)² per output over every part (the parts' means and sums of squares
        merged)."""
        merged = RunningMoments(self.infos[0].y_mean.size)
        for size, info in zip(self.sizes, self.infos):
            merged.merge(size, info.y_mean, info.y_m2)
        return merged.m2


def _check_parts(client: Any, net: Network, parts: Any, what: str, template: bytes) -> _Parts:
    """A :class:`PartTrainer` for every part, on the part's worker, with the part's shapes
    checked (n[0], n[L], m_i > 0, the same X and Y columns, finite values)."""
    distributed = _distributed()
    if isinstance(parts, (np.ndarray, tuple)) or not isinstance(parts, Sequence):
        raise TypeError(
            f"{what} must be a list of futures of (X, Y) parts on the workers (see "
            f"layerwise.cluster.scatter_parts and read_parts); Received: {type(parts).__name__}"
        )
    if len(parts) == 0:
        raise ValueError(f"{what} is an empty list: give at least one part (X, Y)")
    for i, part in enumerate(parts):
        if not isinstance(part, distributed.Future):
            raise TypeError(
                f"{what}[{i}] must be a future of an (X, Y) part on a worker, so that the data "
                f"stays there (see layerwise.cluster.scatter_parts and read_parts); "
                f"Received: {type(part).__name__}"
            )
    distributed.wait(parts)  # read or scattered: then each is somewhere
    for part in parts:
        if part.status == "error":
            part.result()  # the error of the reader that made it, raised here
    who_has = client.who_has(parts)
    trainers = []
    for part in parts:
        # the trainer lives where its part is: the rows never move
        workers = sorted(who_has.get(part.key, ())) or None
        actor = client.submit(
            _worker.PartTrainer, part, template, workers=workers, actor=True, pure=False
        )
        trainers.append(actor)
    trainers = client.gather(trainers)
    infos: list[PartInfo] = [t.describe().result() for t in trainers]
    n0, nL = net.layer_dims[0], net.layer_dims[-1]
    for i, info in enumerate(infos):
        where = f"{what}[{i}]"
        if len(info.x_shape) != 2 or len(info.y_shape) != 2:
            raise ValueError(
                f"{where} must hold X (n[0], m_i) and Y (n[L], m_i), two 2-d arrays; "
                f"Received: X shape {info.x_shape}, Y shape {info.y_shape}"
            )
        if info.x_shape[0] != n0:
            raise ValueError(
                f"{where}: X has {info.x_shape[0]} rows but n[0] is {n0}: X must be "
                f"(n[0], m_i) = ({n0}, m_i); did you mean X.T?"
            )
        if info.y_shape[0] != nL:
            raise ValueError(
                f"{where}: Y has {info.y_shape[0]} rows but n[L] is {nL}: Y must be "
                f"(n[L], m_i) = ({nL}, m_i)"
            )
        if info.x_shape[1] != info.y_shape[1]:
            raise ValueError(
                f"{where}: X has {info.x_shape[1]} examples (columns) but Y has "
                f"{info.y_shape[1]}; they must match"
            )
        if info.x_shape[1] == 0:
            raise ValueError(f"{where} has no rows (m_i = 0): every part needs examples")
        if not info.finite:
            raise ValueError(f"{where} holds NaN or infinite values in X or Y")
    for i, problem in enumerate(_results([t.check_targets() for t in trainers])):
        if problem is not None:
            raise ValueError(f"{what}[{i}]: {problem}")
    return _Parts(trainers, infos)


def _bounds(sizes: Sequence[int], steps: int) -> list[list[int]]:
    """For each part, the step boundaries 0 = b_0 ≤ b_1 ≤ ... ≤ b_steps = m_i: step k takes
    its examples b_k..b_(k+1)−1, so that each step's share is in proportion to the part's
    rows and an epoch uses every row once."""
    return [[k * m // steps for k in range(steps + 1)] for m in sizes]


def _gradient(
    net: Network, train: _Parts, bounds: list[list[int]], k: int, l2: float, grad: Array
) -> tuple[float, int, list[Array]]:
    """Step k of the epoch up to the update: every part's trainer computes the sums of its
    share with the current θ, and ``grad`` gets the gradient of the global batch. Returns
    the batch's cost J (with L2), its size B_k and the parts' metric sums."""
    theta = net._theta.copy()
    sums: list[StepSums] = _results(
        [
            trainer.step(theta, b[k], b[k + 1])
            for trainer, b in zip(train.trainers, bounds)
            if b[k + 1] > b[k]
        ]
    )
    m_k = sum(s.m for s in sums)
    np.copyto(grad, sums[0].grad)
    for s in sums[1:]:
        grad += s.grad
    # dθ = 1/B_k Σ_parts Σ_i dθ_i: the gradient of the global batch
    grad *= 1.0 / m_k
    cost = sum(s.cost for s in sums) / m_k
    if l2:
        W = net._flat_W  # every W[l], the first entries of θ
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
        bad options.
    TypeError
        Parts that are not futures (arrays would travel through the client).
    TrainingDivergedError
        As in :meth:`Network.fit`; the parameters from before are put back.
    """
    _distributed()
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
    opt, schedule = get_optimizer(optimizer), get_schedule(lr_schedule)
    cbs = list(callbacks or [])
    if early_stopping:
        if validation is None:
            raise ValueError(
                "early_stopping watches val_cost: give validation parts (validation=[...])"
            )
        patience = 10 if early_stopping is True else int(early_stopping)
        cbs.append(EarlyStopping(patience=patience, restore_best=restore_best))
    for cb in cbs:
        if not callable(getattr(cb, "on_epoch_end", None)):
            raise TypeError(
                f"a callback needs an on_epoch_end(epoch, logs) method; Received: {cb!r}"
            )
    if seed is None:
        seed = int(net._rng.integers(2**63))
    template = pickle.dumps(net)
    train = _check_parts(client, net, parts, "parts", template)
    val = (
        None
        if validation is None
        else _check_parts(client, net, validation, "validation", template)
    )

    M = train.m
    B = M if batch_size is None else min(batch_size, M)
    steps = -(-M // B)
    bounds = _bounds(train.sizes, steps)
    task = task_of(net.activations[-1].name)
    ss_tot = train.ss_tot() if task == "regression" else None
    val_ss_tot = val.ss_tot() if val is not None and task == "regression" else None

    history = History()
    series = history.history
    start_params = net._flat_params(copy=True)
    snapshot = np.empty_like(net._theta)
    grad = np.empty_like(net._theta)
    opt.reset()
    ceiling = net.loss.ceiling(net.dtype) if l2 == 0 else math.inf
    for cb in cbs:
        if hasattr(cb, "on_train_begin"):
            cb.on_train_begin(net)
    try:
        for epoch in range(epochs):
            lr = schedule(epoch, learning_rate)
            np.copyto(snapshot, net._theta)
            # every worker shuffles its own rows (or, without shuffling, lays them out as
            # rows once)
            _results(
                [
                    t.start_epoch(seed if shuffle else None, epoch, i)
                    for i, t in enumerate(train.trainers)
                ]
            )
            total_cost = 0.0
            metric_sums: list[Array] = []
            for k in range(steps):
                cost, m_k, metrics = _gradient(net, train, bounds, k, l2, grad)
                total_cost += cost * m_k
                metric_sums += metrics
                opt.step([net._theta], [grad], lr)
            epoch_cost = total_cost / M
            check_divergence(
                net, epoch, series.get("cost", []), [epoch_cost], [lr], lambda i: snapshot, ceiling
            )
            logs = {
                "cost": epoch_cost,
                ("r2" if task == "regression" else "accuracy"): _metric_value(
                    task, _total(metric_sums), M, ss_tot
                ),
                "learning_rate": lr,
            }
            if val is not None:
                theta = net._theta.copy()
                val_sums: list[StepSums] = _results([t.evaluate(theta) for t in val.trainers])
                m_val = val.m
                logs["val_cost"] = sum(s.cost for s in val_sums) / m_val
                key = "val_r2" if task == "regression" else "val_accuracy"
                logs[key] = _metric_value(
                    task, _total([s.metric for s in val_sums]), m_val, val_ss_tot
                )
            history.record(logs)
            if _callbacks_stop(cbs, epoch, logs, history):
                break
    except TrainingDivergedError as exc:
        exc.history = history
        raise
    except KeyboardInterrupt:
        # as in fit: the network keeps every update made so far, the history lists the
        # completed epochs
        history.interrupted = True
        history.stop_reason = "interrupted"
    finally:
        for cb in cbs:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end()
        # the actors (and their copies of the epoch's rows) go when nothing refers to them
        del train, val
    for cb in cbs:
        if getattr(cb, "restore_best", False) and getattr(cb, "best_epoch", None) is not None:
            history.best_epoch = cb.best_epoch
    if history.epochs and not history.interrupted:
        check_run(net, history, start_params, learning_rate)
    return history


def _results(calls: list[Any]) -> list[Any]:
    """The results of actor calls made at once (they run in parallel on their workers)."""
    return [call.result() for call in calls]


def _callbacks_stop(cbs: list[Any], epoch: int, logs: dict[str, float], history: History) -> bool:
    """Give every callback the epoch's logs; True when one of them asks to stop."""
    stop = False
    for cb in cbs:
        if cb.on_epoch_end(epoch, dict(logs)):
            stop = True
            reason = getattr(cb, "stop_reason", None)
            if reason or history.stop_reason is None:
                history.stop_reason = reason or "callback"
    return stop
