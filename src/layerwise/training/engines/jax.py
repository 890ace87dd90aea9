"""The ``jax`` engine of ``Network.fit``: the notes' functions, traced by JAX, compiled by
runs of epochs.

A training step here is the numpy engine's step with JAX arrays: :func:`forward_layers`
(``linear_forward`` and each g[l]), the loss's ``cost``, ``output_delta``,
:func:`backward_layers` (each g[l].backward and ``linear_backward``) and the optimizer's
update rule, the very functions of :mod:`layerwise.core.propagation`,
:mod:`layerwise.core.activations`,
:mod:`layerwise.core.losses` and :mod:`layerwise.training.optimizers`, which take their array
namespace from their inputs. JAX traces them once and XLA compiles
(:mod:`layerwise.training.engines._jax_run`):

- an epoch: ``lax.scan`` over its batches, the last one, when smaller, padded with examples
  of weight 0 (so one compiled step serves every batch);
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

The parameters and the optimizer's state travel as one array per W[l] and b[l] (XLA's
products run several times faster on arrays of their own than on pieces of one flat array),
donated to each call so that XLA updates them in place, and go back into the network's flat
arrays at the end. float64 networks run with JAX's 64-bit mode switched on for the duration of
the fit only.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._optional import require
from ..._typing import Array, IndexArray
from ...core.activations import ACTIVATIONS
from ...core.losses import LOSSES
from ...core.metrics import r2_from_sums, squared_residuals
from ..batches import batch_weights
from ..optimizers import OPTIMIZERS, OptimizerLike, get_optimizer
from ..step import EpochLog, TrainConfig
from ._jax_run import compiled_run

if TYPE_CHECKING:  # pragma: no cover
    from ..trainable import Trainable

__all__ = ["check_supported", "train_epochs"]

#: a compiled run of epochs aims at about this many seconds (callbacks and Ctrl-C wait for it)
_RUN_SECONDS = 0.25
#: at most this many batch steps in one compiled run
_MAX_STEPS_PER_RUN = 1 << 14
#: at most this many parameter values kept for the starts of a run's epochs
_MAX_SNAPSHOT_VALUES = 1 << 24


def _jax() -> Any:
    """JAX, imported on the first call with Ctrl-C held (see :func:`_import_holding_ctrl_c`)."""
    if "jax" in sys.modules or threading.current_thread() is not threading.main_thread():
        return require("jax", "jax", "engine='jax'")
    return _import_holding_ctrl_c()


def _import_holding_ctrl_c() -> Any:
    """Import JAX with Ctrl-C held until the import is done, then honoured.

    The import installs a garbage-collector callback part-way through; a KeyboardInterrupt
    raised inside it is printed as "Exception ignored" and lost, and one raised elsewhere
    leaves JAX half imported. So a Ctrl-C during the import is only noted, and once the
    import is complete it reaches the handler that was in place (KeyboardInterrupt by
    default), before any training starts."""
    pressed: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        pressed.append(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        jax = require("jax", "jax", "engine='jax'")
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous == signal.SIG_DFL:
            signal.raise_signal(signal.SIGINT)
    return jax


def check_supported(net: Trainable, optimizer: OptimizerLike) -> None:
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
    net: Trainable, X: Array, Y: Array, cfg: TrainConfig, log: EpochLog, ctrl_c: dict[str, bool]
) -> None:
    """Run ``cfg.epochs`` epochs of ``net`` on X (n[0], m), Y (n[L], m) with JAX, recording
    each epoch in ``log``."""
    with _x64(net.dtype):
        _Trainer(net, X, Y, cfg, log).run(ctrl_c)


class _Trainer:
    """One fit with the jax engine: the data on the device, the compiled run of epochs, and
    what the host does between runs."""

    def __init__(self, net: Trainable, X: Array, Y: Array, cfg: TrainConfig, log: EpochLog) -> None:
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
        self.key = jax.random.key(int(net.rng.integers(2**31)) if dropout else 0)
        self.weights = cfg.sample_weight
        # batches carry weights when examples have them; the last batch, when smaller, is
        # then padded to b columns of weight 0, so that one compiled step serves every batch.
        # Without weights it runs as a step of its own: weights on every batch cost a
        # tenth of a step's time on the benchmark's wide network, a second traced step only
        # compilation time
        self.weighted = self.weights is not None
        self.split_rest = plan.rest > 0 and not self.weighted
        self.order = np.arange(plan.m)  # the running order, reshuffled in place per epoch
        n_params = net.parameters.size
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
        self.compiled = compiled_run(self)

    def _device_data(self, X: Array, Y: Array) -> dict[str, Any]:
        """X and Y on the device, laid out for the batches: the full batch as X itself;
        batches in order as a stack of blocks of rows (n_batches, b, n), the last one padded
        with zeros; shuffled batches as rows (m, n), gathered per batch. The batches' weights
        go with them when they do not change from epoch to epoch."""
        plan, put = self.plan, self.jax.device_put
        data: dict[str, Any] = {}
        if plan.n_batches == 1 and not plan.rest:
            data["X"], data["Y"] = put(X), put(Y)
        else:
            # X goes to the device as it is (a plain copy) and is turned into rows there:
            # XLA's transpose of a large X takes a fraction of NumPy's
            if not plan.shuffle and not self.weighted:
                # batches in order: X as it is, each batch a slice of its columns
                data["X"], data["Y"] = put(X), put(Y)
            else:
                blocks = 0 if plan.shuffle else plan.n_batches
                data["X"] = _as_rows(put(X), blocks=blocks, b=plan.b)
                data["Y"] = _as_rows(put(Y), blocks=blocks, b=plan.b)
        if self.weighted and not plan.shuffle:
            data["w"] = tuple(put(a) for a in self._batch_weights(self.order))
        return data

    def _batch_weights(self, order: IndexArray) -> tuple[Array, Array, Array]:
        """Each batch's weights as the numpy engine computes them
        (:func:`~layerwise.training.batches.batch_weights`: rescaled to mean 1, and their sum for
        the L2 term), (n_batches, 1, b) and (n_batches,), and which of its b columns are examples
        (n_batches, 1, b). The last batch, when smaller, is padded with examples of weight 0:
        with weights of mean 1 over the b columns, its cost and gradient are those of its own
        examples, and one compiled step serves every batch."""
        plan, dtype = self.plan, self.net.dtype
        given = self.weights[0, order] if self.weights is not None else np.ones(plan.m, dtype)
        padded = np.zeros((plan.n_batches, 1, plan.b), dtype)
        padded.reshape(-1)[: plan.m] = given
        present = np.zeros_like(padded)
        present.reshape(-1)[: plan.m] = 1.0
        per_batch = [batch_weights(padded[k].copy()) for k in range(plan.n_batches)]
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
        width = plan.m if self.split_rest else plan.n_batches * plan.b
        orders = np.zeros((self.K, width), np.int32)
        weights: list[tuple[Array, ...]] = []
        rng = self.net.rng
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
            [jnp.asarray(piece) for piece in self._pieces(net.parameters.theta)],
            [[jnp.asarray(p) for p in self._pieces(s)] for s in rule.state(net.parameters.theta)],
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
        for target, pieces in zip(self.rule.state(self.net.parameters.theta), slots):
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
            net.parameters.set(final)
            return False
        for i in range(n):
            net.parameters.set(end_of(i))  # what validation and the callbacks look at
            restore = functools.partial(start_of_offset, i)
            if log.end_epoch(epoch + i, costs[i], metrics[i], lrs[i], norm_rows[i], restore):
                return True
        return False


@functools.cache
def _rows_function(blocks: int, b: int) -> Any:
    jax = _jax()

    def rows(A: Any) -> Any:
        """A (n, m) as rows (m, n); with ``blocks``, as that many blocks of b rows, the last
        one padded with zeros."""
        R = A.T
        if not blocks:
            return R
        R = jax.numpy.pad(R, ((0, blocks * b - R.shape[0]), (0, 0)))
        return R.reshape(blocks, b, R.shape[1])

    return jax.jit(rows)


def _as_rows(A: Any, blocks: int, b: int) -> Any:
    return _rows_function(blocks, b)(A)


def _flat(pieces: Sequence[Any]) -> Array:
    """The flat array (all W[l], then all b[l]) of pieces on the device."""
    return np.concatenate([np.asarray(p).ravel() for p in pieces])


def _flat_layout(dims: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """Where W[l] and b[l] lie in the flat parameter array (all W[l], then all b[l], as
    :func:`~layerwise.core.layers.flat_layers` lays them out): (w_start, w_stop, b_start,
    b_stop)."""
    n_W = sum(dims[l] * dims[l - 1] for l in range(1, len(dims)))
    spans, w_at, b_at = [], 0, n_W
    for l in range(1, len(dims)):
        spans.append((w_at, w_at + dims[l] * dims[l - 1], b_at, b_at + dims[l]))
        w_at += dims[l] * dims[l - 1]
        b_at += dims[l]
    return spans
