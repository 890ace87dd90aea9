"""The ``jax`` engine of ``Network.fit``: the notes' functions, traced by JAX, compiled by
epochs.

A training step here is the numpy engine's step with JAX arrays: :func:`forward_layers`
(``linear_forward`` and each g[l]), the loss's ``cost``, ``output_delta``,
:func:`backward_layers` (each g[l].backward and ``linear_backward``) and the optimizer's
update rule, the very functions of :mod:`layerwise.propagation`, :mod:`layerwise.activations`,
:mod:`layerwise.losses` and :mod:`layerwise.optimizers`, which take their array namespace from
their inputs. JAX traces them once and XLA compiles:

- an epoch: ``lax.scan`` over the batches of equal size, then the last, smaller batch;
- a run of epochs: a loop whose length is an argument, so one compiled function serves every
  run. Each call returns, per epoch, the batch costs, the accuracy count (or the residual sums
  of squares), ‖dW[l]‖ of the last batch and the parameters at the start of the epoch.

The host then does, epoch by epoch, what the numpy engine does after each epoch
(:class:`~layerwise.training.EpochLog`: the divergence guard, the history, validation,
callbacks), setting the network's parameters to each epoch's end first when validation or a
callback may look at them. So callbacks, early stopping and the divergence guard behave as
with the numpy engine; they just run after each compiled run of epochs, which the engine
keeps to about a quarter of a second. Ctrl-C stops at the end of such a run.

The batches are those of the numpy engine: the same order, reshuffled each epoch with the
network's generator by the same call (``rng.shuffle`` of the running order). Dropout masks
come from JAX's random numbers (a key drawn once per fit from the network's generator), so
with dropout the two engines train differently; so do their shuffles then, since the numpy
engine draws its masks from the same generator as its permutations.

Parameters and optimizer state are one flat array each, laid out as the network's own (all
W[l], then all b[l]), and donated to each call, so XLA updates them in place. float64 networks
run with JAX's 64-bit mode switched on for the duration of the fit only.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._optional import require
from ._typing import Array, IndexArray
from .activations import ACTIVATIONS
from .losses import LOSSES
from .metrics import count_correct, r2_from_sums, squared_residuals
from .optimizers import OPTIMIZERS, OptimizerLike, ScheduleLike, get_optimizer
from .propagation import backward_layers, dropout_mask, forward_layers
from .training import EpochLog, TrainConfig, _batch_weights, batch_output_delta
from .training import l2_cost as l2_term

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

__all__ = ["check_supported", "train_epochs"]

#: a compiled run of epochs aims at about this many seconds (callbacks and Ctrl-C wait for it)
_RUN_SECONDS = 0.25
#: at most this many batch steps in one compiled run
_MAX_STEPS_PER_RUN = 1 << 14
#: at most this many parameter values kept for the starts of a run's epochs
_MAX_SNAPSHOT_VALUES = 1 << 24


def _jax() -> Any:
    return require("jax", "jax", "engine='jax'")


def check_supported(net: Network, optimizer: OptimizerLike, schedule: ScheduleLike) -> None:
    """Refuse, naming it, what the jax engine cannot trace: an activation, loss or optimizer
    that is not one of layerwise's own (its code may not be written for JAX arrays). Needs
    JAX (the ``jax`` extra)."""
    _jax()
    builtin_activations = tuple(ACTIVATIONS.values())
    for l, g in enumerate(net.activations, start=1):
        if type(g) not in builtin_activations:
            raise ValueError(
                f"engine='jax' traces layerwise's own activations; g[{l}] is {g!r}, of type "
                f"{type(g).__name__}: use engine='numpy' for it"
            )
    if type(net.loss) not in {type(loss) for loss in LOSSES.values()}:
        raise ValueError(
            f"engine='jax' traces layerwise's own losses; the network's loss is {net.loss!r}: "
            f"use engine='numpy' for it"
        )
    rule = get_optimizer(optimizer).rule()
    if type(rule) not in OPTIMIZERS.values():
        raise ValueError(
            f"engine='jax' traces the update rules of the optimizers "
            f"{', '.join(OPTIMIZERS)}; {type(rule).__name__} is not one of them (its rule "
            f"may do more than update arrays): use engine='numpy' for it"
        )


@dataclass
class _Plan:
    """How the m examples fall into batches: ``n_full`` batches of ``b``, then ``rest``."""

    m: int
    b: int
    n_full: int
    rest: int
    shuffle: bool

    @property
    def sizes(self) -> list[int]:
        return [self.b] * self.n_full + ([self.rest] if self.rest else [])


def _plan(m: int, batch_size: int | None, shuffle: bool) -> _Plan:
    full = batch_size is None or batch_size >= m
    b = m if full else int(batch_size)  # type: ignore[arg-type]
    return _Plan(m, b, m // b, m % b, shuffle and not full)


def _x64(dtype: np.dtype) -> AbstractContextManager[Any]:
    """JAX's 64-bit mode for a float64 network, for this fit only (the user's other JAX code
    keeps its own setting)."""
    return _jax().enable_x64(True) if dtype == np.float64 else nullcontext()


def train_epochs(
    net: Network, X: Array, Y: Array, cfg: TrainConfig, log: EpochLog, ctrl_c: dict[str, bool]
) -> None:
    """Run ``cfg.epochs`` epochs of ``net`` on X (n[0], m), Y (n[L], m) with JAX, recording
    each epoch in ``log``."""
    with _x64(net.dtype):
        _Trainer(net, X, Y, cfg, log).run(ctrl_c)


class _Trainer:
    """One fit with the jax engine: the data on the device, the compiled run of epochs, and
    what the host does between runs."""

    def __init__(self, net: Network, X: Array, Y: Array, cfg: TrainConfig, log: EpochLog) -> None:
        jax = _jax()
        self.jax = jax
        self.net, self.cfg, self.log = net, cfg, log
        self.plan = plan = _plan(X.shape[1], cfg.batch_size, cfg.shuffle)
        self.sizes = np.array(plan.sizes, dtype=np.float64)
        self.rule = cfg.optimizer.rule()
        self.keeps = [layer.keep_prob for layer in net.layers[:-1]]
        # the key of the dropout masks, drawn only with dropout: without it, the network's
        # generator then gives the same permutations as with the numpy engine
        dropout = any(keep < 1.0 for keep in self.keeps)
        self.key = jax.random.key(int(net._rng.integers(2**31)) if dropout else 0)
        self.weights = cfg.sample_weight
        self.order = np.arange(plan.m)  # the running order, reshuffled in place per epoch
        n_params = net._theta.size
        # the epochs a call can run: the buffers of its outputs are this long (a power of
        # two, so that fits of similar lengths share one compiled function)
        self.K = max(
            1,
            min(
                1 << (cfg.epochs - 1).bit_length(),
                _MAX_STEPS_PER_RUN // len(plan.sizes),
                _MAX_SNAPSHOT_VALUES // n_params,
            ),
        )
        self.ss_tot = None
        if log.task == "regression":
            # Σ_i (y⁽ⁱ⁾ − ȳ)² of each output: the denominator of the epoch's R²
            self.ss_tot = squared_residuals(Y.mean(axis=1, keepdims=True), Y)
        self.data = self._device_data(X, Y)
        self.compiled = _compiled(self)

    def _device_data(self, X: Array, Y: Array) -> dict[str, Any]:
        """X and Y on the device, laid out for the batches: the full batch as X itself; whole
        batches in order as a stack of blocks of rows (n_full, b, n) and the rest; shuffled
        batches as rows (m, n), gathered per batch. Fixed sample weights go with them."""
        plan, put = self.plan, self.jax.device_put
        data: dict[str, Any] = {}
        if plan.n_full == 1 and not plan.rest:
            data["X"], data["Y"] = put(X), put(Y)
        elif plan.shuffle:
            data["X"], data["Y"] = put(np.ascontiguousarray(X.T)), put(np.ascontiguousarray(Y.T))
        else:
            cut = plan.n_full * plan.b
            rows_X, rows_Y = X.T, Y.T
            data["X"] = put(np.ascontiguousarray(rows_X[:cut]).reshape(plan.n_full, plan.b, -1))
            data["Y"] = put(np.ascontiguousarray(rows_Y[:cut]).reshape(plan.n_full, plan.b, -1))
            if plan.rest:
                data["X_rest"] = put(np.ascontiguousarray(rows_X[cut:]))
                data["Y_rest"] = put(np.ascontiguousarray(rows_Y[cut:]))
        if self.weights is not None and not plan.shuffle:
            data["w"] = tuple(put(a) for a in self._batch_weights(self.order))
        return data

    def _batch_weights(self, order: IndexArray) -> tuple[Array, ...]:
        """The sample weights of each batch as the numpy engine computes them
        (:func:`~layerwise.training._batch_weights`: rescaled to mean 1, and their sum for the
        L2 term): whole batches (n_full, 1, b) and (n_full,), then the rest's (1, rest) and
        sum (an empty (1, 0) and 0 when there is no rest)."""
        assert self.weights is not None
        w = self.weights[:, order]
        plan = self.plan
        batches = [
            _batch_weights(w[:, k * plan.b : (k + 1) * plan.b].copy()) for k in range(plan.n_full)
        ]
        rest = _batch_weights(w[:, plan.n_full * plan.b :].copy()) if plan.rest else None
        dtype = w.dtype
        return (
            np.stack([bw for bw, _ in batches]),
            np.array([total for _, total in batches], dtype),
            rest[0] if rest else np.zeros((1, 0), dtype),
            np.array(rest[1] if rest else 0.0, dtype),
        )

    def _epoch_inputs(self, n: int) -> tuple[Any, Any]:
        """The permutations (K, m) of the next n epochs, drawn as the numpy engine draws them,
        and their batches' sample weights; None where the batches do not change."""
        if not self.plan.shuffle:
            return None, None
        orders = np.zeros((self.K, self.plan.m), np.int32)
        weights: list[tuple[Array, ...]] = []
        rng = self.net._rng
        for e in range(n):
            rng.shuffle(self.order)  # the numpy engine's call: the same permutations
            orders[e] = self.order
            if self.weights is not None:
                weights.append(self._batch_weights(self.order))
        if not weights:
            return orders, None
        weights += [weights[-1]] * (self.K - n)  # padding for the epochs not run
        return orders, tuple(np.stack(parts) for parts in zip(*weights))

    def run(self, ctrl_c: dict[str, bool]) -> None:
        """Every epoch, in compiled runs; the network, the optimizer's state and step count
        end as the numpy engine leaves them."""
        net, cfg, rule = self.net, self.cfg, self.rule
        jnp = self.jax.numpy
        dtype = net.dtype
        state = (
            jnp.asarray(net._theta),
            [jnp.asarray(s) for s in rule.state(net._theta)],
            jnp.asarray(rule.t, dtype=jnp.int32),
        )
        per_epoch: float | None = None  # seconds, measured once the compilation is behind
        epoch, calls = 0, 0
        while epoch < cfg.epochs:
            n = 1 if per_epoch is None else round(_RUN_SECONDS / max(per_epoch, 1e-9))
            n = max(1, min(n, self.K, cfg.epochs - epoch))
            lrs = [cfg.schedule(e, cfg.learning_rate) for e in range(epoch, epoch + n)]
            orders, weights = self._epoch_inputs(n)
            started = time.perf_counter()
            state, outs = self.compiled(
                state,
                np.int32(n),
                np.asarray(lrs + [lrs[-1]] * (self.K - n), dtype),
                self.data,
                orders,
                weights,
                self.key,
            )
            outs = self.jax.device_get(outs)
            calls += 1
            if calls > 1:  # the first call compiled
                per_epoch = (time.perf_counter() - started) / n
            final = np.asarray(state[0])
            if self._record(epoch, n, lrs, outs, final):
                break
            epoch += n
            if ctrl_c["stop"]:
                self._write_back(state)
                raise KeyboardInterrupt
        self._write_back(state)

    def _write_back(self, state: tuple[Any, ...]) -> None:
        """The optimizer's step count and state, as the numpy engine leaves them (partial_fit
        continues from them)."""
        _, slots, t = state
        self.rule.t = int(t)
        for target, value in zip(self.rule.state(self.net._theta), slots):
            np.copyto(target, np.asarray(value))

    def _record(
        self, epoch: int, n: int, lrs: list[float], outs: tuple[Array, ...], final: Array
    ) -> bool:
        """Epochs epoch .. epoch + n − 1 into the log, as the numpy engine records them; the
        network ends with the parameters after the last one recorded. True when a callback
        stopped training."""
        costs_b, metric, norms, starts = (np.asarray(o)[:n] for o in outs)
        m = self.plan.m
        # each epoch's cost: the batch costs weighted by the batch sizes, summed in float64
        costs = (costs_b.astype(np.float64).dot(self.sizes) / m).tolist()
        if self.ss_tot is None:
            metrics = (metric.astype(np.float64) / m).tolist()
        else:
            metrics = [float(np.mean(r2_from_sums(ss, self.ss_tot))) for ss in metric]
        norm_rows = norms.astype(np.float64).tolist()

        def start_of(i: int) -> Array:
            return starts[i]

        def start_of_offset(offset: int, i: int) -> Array:
            return starts[offset + i]

        def end_of(i: int) -> Array:
            return starts[i + 1] if i + 1 < n else final

        log, net = self.log, self.net
        if not log.watches_params:
            log.end_epochs(epoch, costs, metrics, lrs, norm_rows, start_of)
            net._set_flat_params(final)
            return False
        for i in range(n):
            net._set_flat_params(end_of(i))  # what validation and the callbacks look at
            restore = functools.partial(start_of_offset, i)
            if log.end_epoch(epoch + i, costs[i], metrics[i], lrs[i], norm_rows[i], restore):
                return True
        return False


def _flat_layout(dims: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """Where W[l] and b[l] lie in the flat parameter array (all W[l], then all b[l], as
    :func:`~layerwise.layers.flat_layers` lays them out): (w_start, w_stop, b_start, b_stop)."""
    n_W = sum(dims[l] * dims[l - 1] for l in range(1, len(dims)))
    spans, w_at, b_at = [], 0, n_W
    for l in range(1, len(dims)):
        spans.append((w_at, w_at + dims[l] * dims[l - 1], b_at, b_at + dims[l]))
        w_at += dims[l] * dims[l - 1]
        b_at += dims[l]
    return spans


#: the compiled runs of epochs of the last few fits, by everything their tracing read
_COMPILED: OrderedDict[tuple[Any, ...], Callable[..., Any]] = OrderedDict()
_KEEP_COMPILED = 8


def _compiled(trainer: _Trainer) -> Callable[..., Any]:
    """The compiled run of epochs for this fit: one made by an earlier fit of the same
    network structure, options and batches, or a new one. (JAX would retrace a function it
    has seen with other shapes by itself; what it cannot see are the Python values the trace
    read, listed in the key.)"""
    net, cfg, rule = trainer.net, trainer.cfg, trainer.rule
    key = (
        tuple(net.layer_dims),
        tuple((g.name, tuple(sorted(g.get_config().items()))) for g in net.activations),
        net.loss.name,
        net.dtype.str,
        dataclasses.astuple(trainer.plan),
        type(rule).__name__,
        tuple(sorted(rule.get_config().items())),
        cfg.l2,
        cfg.hard_labels,
        tuple(trainer.keeps),
        trainer.K,
        trainer.weights is not None,
        trainer.jax.config.jax_enable_x64,
        trainer.jax.default_backend(),
    )
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _compile(trainer)
        while len(_COMPILED) > _KEEP_COMPILED:
            _COMPILED.popitem(last=False)
    _COMPILED.move_to_end(key)
    return compiled


def _compile(trainer: _Trainer) -> Callable[..., Any]:
    """The jitted run of epochs: (state, n, lrs, data, orders, weights) -> (state, outputs),
    state = (θ, the optimizer's slots, step count t), θ and the slots donated."""
    jax = trainer.jax
    jnp, lax = jax.numpy, jax.lax
    net, cfg, plan, rule = trainer.net, trainer.cfg, trainer.plan, trainer.rule
    dims, acts, loss, L = net.layer_dims, net.activations, net.loss, net.L
    spans = _flat_layout(dims)
    shapes = [(span, dims[l], dims[l - 1]) for l, span in enumerate(spans, start=1)]
    n_W = spans[-1][1]
    hard, task, l2, keeps = cfg.hard_labels, trainer.log.task, cfg.l2, trainer.keeps
    dtype = net.dtype
    folds = rule.folds_learning_rate
    K, n_params = trainer.K, net._theta.size
    n_steps = len(plan.sizes)
    metric_shape: tuple[int, ...] = (dims[-1],) if task == "regression" else ()

    def step(state: Any, A0: Any, Yb: Any, w: Any, m_l2: Any, lr: Any, key: Any) -> tuple[Any, Any]:
        """One iteration of the notes on a batch A[0] (n[0], b), Y (n[L], b): the numpy
        engine's step, through the same functions."""
        theta, slots, t = state
        # W[l] and b[l] as pieces of θ (XLA reads them in place)
        Ws = [theta[w0:w1].reshape(n, n_prev) for (w0, w1, _, _), n, n_prev in shapes]
        bs = [theta[b0:b1].reshape(n, 1) for (_, _, b0, b1), n, _ in shapes]
        m = A0.shape[1]
        masks = None
        if any(keep < 1.0 for keep in keeps):
            step_key = jax.random.fold_in(key, t)
            masks = {
                l: dropout_mask(
                    jax.random.uniform(jax.random.fold_in(step_key, l), (dims[l], m), dtype),
                    keep,
                )
                for l, keep in enumerate(keeps, start=1)
                if keep < 1.0
            }
        AL, caches = forward_layers(A0, Ws, bs, acts, masks)
        cost = loss.cost(AL, Yb, hard_labels=hard, weights=w)
        m_l2 = m if w is None else m_l2
        if l2:
            cost = cost + l2_term(theta[:n_W], l2, m_l2)
        factor = lr if folds else 1.0
        dZ = batch_output_delta(AL, Yb, caches[-1].Z, acts[-1], loss, w, factor / m)
        dWs, dbs = backward_layers(
            dZ, caches, weight_decay=l2 * factor / m_l2 if l2 else None, average=False
        )
        grad = jnp.concatenate([d.ravel() for d in dWs + dbs])
        norms = jnp.stack([jnp.sqrt(jnp.vdot(dW, dW)) for dW in dWs]) / factor
        t = t + 1
        theta, slots = rule._update(theta, grad, lr, factor, slots, t)
        if task == "regression":
            metric = squared_residuals(AL, Yb)
        else:
            metric = jnp.asarray(count_correct(AL, Yb, task, hard), dtype)
        return (theta, slots, t), (cost, metric, norms)

    def epoch(
        state: Any, lr: Any, data: Any, order: Any, weights: Any, key: Any
    ) -> tuple[Any, Any]:
        """The batches of one epoch: lax.scan over the whole ones, then the rest."""
        w_full, wt_full, w_rest, wt_rest = (None,) * 4 if weights is None else weights
        if plan.n_full == 1 and not plan.rest:
            w = None if w_full is None else w_full[0]
            wt = None if wt_full is None else wt_full[0]
            state, (cost, metric, norms) = step(state, data["X"], data["Y"], w, wt, lr, key)
            return state, (cost[None], metric, norms)

        def batch(state: Any, xs: Any) -> tuple[Any, Any]:
            if plan.shuffle:
                idx, w, wt = xs
                A0 = data["X"].at[idx].get(mode="promise_in_bounds", unique_indices=True).T
                Yb = data["Y"].at[idx].get(mode="promise_in_bounds", unique_indices=True).T
            else:
                X_rows, Y_rows, w, wt = xs
                A0, Yb = X_rows.T, Y_rows.T
            return step(state, A0, Yb, w, wt, lr, key)

        cut = plan.n_full * plan.b
        blocks = (data["X"], data["Y"]) if not plan.shuffle else (order[:cut].reshape(-1, plan.b),)
        state, (costs, metrics, norms) = lax.scan(batch, state, (*blocks, w_full, wt_full))
        metric = metrics.sum(axis=0)
        last_norms = norms[-1]
        if plan.rest:
            if plan.shuffle:
                idx = order[cut:]
                A0 = data["X"].at[idx].get(mode="promise_in_bounds", unique_indices=True).T
                Yb = data["Y"].at[idx].get(mode="promise_in_bounds", unique_indices=True).T
            else:
                A0, Yb = data["X_rest"].T, data["Y_rest"].T
            state, (cost, rest_metric, last_norms) = step(state, A0, Yb, w_rest, wt_rest, lr, key)
            costs = jnp.concatenate([costs, cost[None]])
            metric = metric + rest_metric
        return state, (costs, metric, last_norms)

    def run(state: Any, n: Any, lrs: Any, data: Any, orders: Any, weights: Any, key: Any) -> Any:
        outs = (
            jnp.zeros((K, n_steps), dtype),
            jnp.zeros((K, *metric_shape), dtype),
            jnp.zeros((K, L), dtype),
            jnp.zeros((K, n_params), dtype),
        )

        def one_epoch(i: Any, carry: Any) -> Any:
            state, outs = carry
            order = None if orders is None else orders[i]
            epoch_weights = (
                weights
                if orders is None
                else (None if weights is None else tuple(part[i] for part in weights))
            )
            if orders is None and "w" in data:
                epoch_weights = data["w"]
            start = state[0]
            state, values = epoch(state, lrs[i], data, order, epoch_weights, key)
            outs = tuple(o.at[i].set(v) for o, v in zip(outs, (*values, start)))
            return state, outs

        return lax.fori_loop(0, n, one_epoch, (state, outs))

    return jax.jit(run, donate_argnums=(0,))
