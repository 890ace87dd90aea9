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
    def n_batches(self) -> int:
        return self.n_full + (1 if self.rest else 0)

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
        # batches carry weights when examples have them, or when the last batch is padded
        self.weighted = self.weights is not None or plan.rest > 0
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
        """X and Y on the device, laid out for the batches: the full batch as X itself;
        batches in order as a stack of blocks of rows (n_batches, b, n), the last one padded
        with zeros; shuffled batches as rows (m, n), gathered per batch. The batches' weights
        go with them when they do not change from epoch to epoch."""
        plan, put = self.plan, self.jax.device_put
        data: dict[str, Any] = {}
        if plan.n_batches == 1 and not plan.rest:
            data["X"], data["Y"] = put(X), put(Y)
        elif plan.shuffle:
            data["X"], data["Y"] = put(np.ascontiguousarray(X.T)), put(np.ascontiguousarray(Y.T))
        else:
            for key, A in (("X", X), ("Y", Y)):
                blocks = np.zeros((plan.n_batches * plan.b, A.shape[0]), A.dtype)
                blocks[: plan.m] = A.T
                data[key] = put(blocks.reshape(plan.n_batches, plan.b, -1))
        if self.weighted and not plan.shuffle:
            data["w"] = tuple(put(a) for a in self._batch_weights(self.order))
        return data

    def _batch_weights(self, order: IndexArray) -> tuple[Array, Array, Array]:
        """Each batch's weights as the numpy engine computes them
        (:func:`~layerwise.training._batch_weights`: rescaled to mean 1, and their sum for the
        L2 term), (n_batches, 1, b) and (n_batches,), and which of its b columns are examples
        (n_batches, 1, b). The last batch, when smaller, is padded with examples of weight 0:
        with weights of mean 1 over the b columns, its cost and gradient are those of its own
        examples, and one compiled step serves every batch."""
        plan, dtype = self.plan, self.net.dtype
        given = self.weights[0, order] if self.weights is not None else np.ones(plan.m, dtype)
        padded = np.zeros((plan.n_batches, 1, plan.b), dtype)
        padded.reshape(-1)[: plan.m] = given
        present = np.zeros_like(padded)
        present.reshape(-1)[: plan.m] = 1.0
        per_batch = [_batch_weights(padded[k].copy()) for k in range(plan.n_batches)]
        weights = np.stack([w for w, _ in per_batch])
        totals = np.array([total for _, total in per_batch], dtype)
        return weights, totals, present

    def _epoch_inputs(self, n: int) -> tuple[Any, Any]:
        """The permutations (K, n_batches·b) of the next n epochs, drawn as the numpy engine
        draws them (padded with example 0, whose weight there is 0), and their batches'
        weights; None where the batches do not change."""
        plan = self.plan
        if not plan.shuffle:
            return None, None
        orders = np.zeros((self.K, plan.n_batches * plan.b), np.int32)
        weights: list[tuple[Array, ...]] = []
        rng = self.net._rng
        for e in range(n):
            rng.shuffle(self.order)  # the numpy engine's call: the same permutations
            orders[e, : plan.m] = self.order
            if self.weighted:
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
        # θ and each state array of the optimizer, cut into the pieces W[1], ..., W[L],
        # b[1], ..., b[L] (XLA's products run several times faster on arrays of their own
        # than on pieces of one flat array)
        state = (
            [jnp.asarray(piece) for piece in self._pieces(net._theta)],
            [[jnp.asarray(p) for p in self._pieces(s)] for s in rule.state(net._theta)],
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
            final = _flat(state[0])
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
        for target, pieces in zip(self.rule.state(self.net._theta), slots):
            np.copyto(target, _flat(pieces))

    def _pieces(self, flat: Array) -> list[Array]:
        """W[1], ..., W[L], b[1], ..., b[L] of a flat array laid out as the network's θ."""
        dims = self.net.layer_dims
        spans = _flat_layout(dims)
        Ws = [
            flat[w0:w1].reshape(dims[l], dims[l - 1]) for l, (w0, w1, _, _) in enumerate(spans, 1)
        ]
        bs = [flat[b0:b1].reshape(dims[l], 1) for l, (_, _, b0, b1) in enumerate(spans, 1)]
        return Ws + bs

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


def _flat(pieces: Sequence[Any]) -> Array:
    """The flat array (all W[l], then all b[l]) of pieces on the device."""
    return np.concatenate([np.asarray(p).ravel() for p in pieces])


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
        trainer.weighted,
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
    hard, task, l2, keeps = cfg.hard_labels, trainer.log.task, cfg.l2, trainer.keeps
    dtype = net.dtype
    folds = rule.folds_learning_rate
    K, n_params = trainer.K, net._theta.size
    n_steps = plan.n_batches
    metric_shape: tuple[int, ...] = (dims[-1],) if task == "regression" else ()

    def step(
        state: Any, A0: Any, Yb: Any, weights: Any, lr: Any, key: Any, last: Any = True
    ) -> tuple[Any, Any]:
        """One iteration of the notes on a batch A[0] (n[0], b), Y (n[L], b), with its
        weights (w (1, b), Σw, which columns are examples) or None: the numpy engine's step,
        through the same functions."""
        params, slots, t = state
        Ws, bs = params[:L], params[L:]
        m = A0.shape[1]
        w, m_l2, present = (None, m, None) if weights is None else weights
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
        if l2:
            cost = cost + sum(l2_term(W, l2, m_l2) for W in Ws)
        factor = lr if folds else 1.0
        dZ = batch_output_delta(AL, Yb, caches[-1].Z, acts[-1], loss, w, factor / m)
        dWs, dbs = backward_layers(
            dZ, caches, weight_decay=l2 * factor / m_l2 if l2 else None, average=False
        )
        # ‖dW[l]‖ for the history: of the epoch's last batch only, as the numpy engine (a
        # pass over every dW[l] at every step would cost the wide network 10 %)
        norms = lax.cond(
            last,
            lambda dWs: jnp.stack([jnp.sqrt(jnp.vdot(dW, dW)) for dW in dWs]) / factor,
            lambda dWs: jnp.zeros(L, dtype),
            dWs,
        )
        t = t + 1
        # the optimizer's rule, applied to each array (it is elementwise)
        updated = [
            rule._update(p, g, lr, factor, [s[i] for s in slots], t)
            for i, (p, g) in enumerate(zip(params, dWs + dbs))
        ]
        params = [p for p, _ in updated]
        slots = [[new[k] for _, new in updated] for k in range(len(slots))]
        if task == "regression":
            metric = squared_residuals(AL, Yb, 1.0 if present is None else present)
        else:
            metric = jnp.asarray(count_correct(AL, Yb, task, hard, present), dtype)
        return (params, slots, t), (cost, metric, norms)

    def epoch(
        state: Any, lr: Any, data: Any, order: Any, weights: Any, key: Any
    ) -> tuple[Any, Any]:
        """The batches of one epoch, lax.scan over them (one step, when it is the full
        batch)."""
        if plan.n_batches == 1 and not plan.rest:
            w = None if weights is None else tuple(part[0] for part in weights)
            state, (cost, metric, norms) = step(state, data["X"], data["Y"], w, lr, key)
            return state, (cost[None], metric, norms)

        def batch(state: Any, xs: Any) -> tuple[Any, Any]:
            if plan.shuffle:
                idx, last, w = xs
                A0 = data["X"].at[idx].get(mode="promise_in_bounds").T
                Yb = data["Y"].at[idx].get(mode="promise_in_bounds").T
            else:
                X_rows, Y_rows, last, w = xs
                A0, Yb = X_rows.T, Y_rows.T
            return step(state, A0, Yb, w, lr, key, last)

        blocks: tuple[Any, ...] = (
            (order.reshape(plan.n_batches, plan.b),) if plan.shuffle else (data["X"], data["Y"])
        )
        last = jnp.arange(plan.n_batches) == plan.n_batches - 1
        state, (costs, metrics, norms) = lax.scan(batch, state, (*blocks, last, weights))
        return state, (costs, metrics.sum(axis=0), norms[-1])

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
            # the batches' weights: this epoch's when shuffled, else the same every epoch
            epoch_weights = data.get("w")
            if weights is not None:
                epoch_weights = tuple(part[i] for part in weights)
            start = jnp.concatenate([p.ravel() for p in state[0]])  # θ at the epoch's start
            state, values = epoch(state, lrs[i], data, order, epoch_weights, key)
            outs = tuple(o.at[i].set(v) for o, v in zip(outs, (*values, start)))
            return state, outs

        return lax.fori_loop(0, n, one_epoch, (state, outs))

    return jax.jit(run, donate_argnums=(0,))
