"""The jax engine's compiled run of epochs: the notes' step on a batch, traced with JAX
arrays, ``lax.scan`` over an epoch's batches, a loop over a run's epochs; and the compiled
runs kept for later fits of the same network structure and options."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...core.metrics import count_correct, squared_residuals
from ...core.propagation import (
    backward_layers,
    batch_output_delta,
    descend,
    dropout_mask,
    forward_layers,
)
from ...core.propagation import l2_cost as l2_term

if TYPE_CHECKING:  # pragma: no cover
    from .jax import _Trainer

__all__ = ["compiled_run"]

#: the compiled runs of epochs of the last few fits, by everything their tracing read
_COMPILED: OrderedDict[tuple[Any, ...], Callable[..., Any]] = OrderedDict()
_KEEP_COMPILED = 8


def compiled_run(trainer: _Trainer) -> Callable[..., Any]:
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
        trainer.split_rest,
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
    K, n_params = trainer.K, net.parameters.size
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
        if folds:
            # plain descent: θ := θ − α dθ, the gradients already holding α dθ
            params = [descend(p, g, lr, scaled=True) for p, g in zip(params, dWs + dbs)]
            return (params, slots, t), (cost, _metric(AL, Yb, present), norms)
        # the optimizer's rule, applied to each array (it is elementwise)
        updated = [
            rule._update(p, g, lr, factor, [s[i] for s in slots], t)
            for i, (p, g) in enumerate(zip(params, dWs + dbs))
        ]
        params = [p for p, _ in updated]
        slots = [[new[k] for _, new in updated] for k in range(len(slots))]
        return (params, slots, t), (cost, _metric(AL, Yb, present), norms)

    def _metric(AL: Any, Yb: Any, present: Any) -> Any:
        """The batch's Σ (y − a)² per output (regression) or count of correct examples."""
        if task == "regression":
            return squared_residuals(AL, Yb, 1.0 if present is None else present)
        return jnp.asarray(count_correct(AL, Yb, task, hard, present), dtype)

    split, b, n_full = trainer.split_rest, plan.b, plan.n_full
    # batches in order without weights: slices of X's columns (X is not laid out as rows)
    columns = not plan.shuffle and not trainer.weighted

    def epoch(
        state: Any, lr: Any, data: Any, order: Any, weights: Any, key: Any
    ) -> tuple[Any, Any]:
        """The batches of one epoch, lax.scan over them (one step, when it is the full
        batch); a smaller last batch without weights is a step after the scan."""
        if plan.n_batches == 1 and not plan.rest:
            w = None if weights is None else tuple(part[0] for part in weights)
            state, (cost, metric, norms) = step(state, data["X"], data["Y"], w, lr, key)
            return state, (cost[None], metric, norms)

        def batch(state: Any, xs: Any) -> tuple[Any, Any]:
            if plan.shuffle:
                idx, last, w = xs
                A0 = data["X"].at[idx].get(mode="promise_in_bounds").T
                Yb = data["Y"].at[idx].get(mode="promise_in_bounds").T
            elif columns:
                k, last, w = xs
                A0 = lax.dynamic_slice_in_dim(data["X"], k * b, b, axis=1)
                Yb = lax.dynamic_slice_in_dim(data["Y"], k * b, b, axis=1)
            else:
                X_rows, Y_rows, last, w = xs
                A0, Yb = X_rows.T, Y_rows.T
            return step(state, A0, Yb, w, lr, key, last)

        n_scan = n_full if split else plan.n_batches
        blocks: tuple[Any, ...]
        if plan.shuffle:
            blocks = (order[: n_scan * b].reshape(n_scan, b),)
        elif columns:
            blocks = (jnp.arange(n_scan),)
        else:
            blocks = (data["X"], data["Y"])
        last = jnp.arange(n_scan) == (n_scan if split else n_scan - 1)
        state, (costs, metrics, norms) = lax.scan(batch, state, (*blocks, last, weights))
        if not split:
            return state, (costs, metrics.sum(axis=0), norms[-1])
        if plan.shuffle:
            rest = order[n_full * b :]
            A0 = data["X"].at[rest].get(mode="promise_in_bounds").T
            Yb = data["Y"].at[rest].get(mode="promise_in_bounds").T
        else:
            A0, Yb = data["X"][:, n_full * b :], data["Y"][:, n_full * b :]
        state, (cost, metric, norm) = step(state, A0, Yb, None, lr, key, True)
        costs = jnp.concatenate([costs, cost[None]])
        return state, (costs, metrics.sum(axis=0) + metric, norm)

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
