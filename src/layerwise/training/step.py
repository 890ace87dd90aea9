"""The training step, and ``Network.fit``'s run: the tour's functions on every batch.

One step is the notes' iteration on a batch: the README tour's :func:`forward`,
:func:`compute_cost`, :func:`backward` and :func:`update_params`
(:mod:`layerwise.core.propagation`), called with the layers' preallocated buffers
(:class:`~layerwise.core.layers.StepBuffers`), so after the first epoch a step allocates no
(n[l], m) arrays; an optimizer other than plain descent takes the update (one call over the
network's flat θ).

The epochs around the steps are :mod:`layerwise.training.loop`'s, the one loop of every way of
training: :func:`~layerwise.training.loop.run_with` is the frame of a run (callbacks, Ctrl-C, the
best epoch, the check of the run as a whole), :func:`~layerwise.training.loop.epoch_loop` the batch
loop whose source of batches (rows in memory here, a table's stream of row groups, a cluster's
parts) and step are given to it, and :class:`~layerwise.training.loop.EpochLog` every epoch's end
(the divergence guard of :mod:`layerwise.training.divergence`, the history, validation, callbacks).
The jax engine (:mod:`layerwise.training.engines.jax`) runs its compiled epochs in the same frame
and log. The names of those modules stay importable from here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import Array
from ..core.propagation import (
    backward,
    batch_output_delta,
    compute_cost,
    forward,
    l2_cost,
    update_params,
)
from .batches import BatchWeights
from .divergence import TrainingDivergedError, check_divergence, check_run
from .history import History
from .loop import EpochLog, RowsInMemory, TrainConfig, callbacks_from, epoch_loop, run_with
from .threads import blas_threads_for

if TYPE_CHECKING:  # pragma: no cover
    from .trainable import Trainable

__all__ = [
    "TrainingDivergedError",
    "TrainConfig",
    "cost_and_gradient",
    "l2_cost",
    "batch_output_delta",
    "check_divergence",
    "check_run",
    "callbacks_from",
    "EpochLog",
    "epoch_loop",
    "run",
    "run_with",
]


def cost_and_gradient(
    net: Trainable,
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
    are the batch's sample weights (see :func:`~layerwise.training.batches.batch_weights`), ``l2``
    is λ and ``hard_labels`` promises 0/1 targets.
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
    net: Trainable,
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


def run(net: Trainable, X: Array, Y: Array, cfg: TrainConfig) -> History:
    """Train ``net`` on X (n[0], m), Y (n[L], m) as configured; returns the History."""
    cfg.hard_labels = bool(np.all((Y == 0) | (Y == 1)))

    def epochs(log: EpochLog, ctrl_c: dict[str, bool]) -> None:
        if cfg.run_epochs is not None:
            cfg.run_epochs(net, X, Y, cfg, log, ctrl_c)
        else:
            with blas_threads_for(net.layer_dims, cfg.batch_size or X.shape[1]):
                source = RowsInMemory(net, X, Y, cfg, log.task)
                epoch_loop(net, cfg, log, ctrl_c, source, _step)

    return run_with(net, cfg, epochs)
