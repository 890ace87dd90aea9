"""Optimizers (the learning-rate schedules are in :mod:`layerwise.training.schedules`, and
importable
from here).

Each optimizer's rule is written once, for one parameter array θ and its gradient dθ, and
applied in place. :class:`layerwise.Network` keeps all its W[l] and b[l] in one flat array,
so a training step calls the rule once for the whole network; the readable
:func:`layerwise.update_params` is the plain rule applied per array.

========== ==========================================================================
gd / sgd   θ := θ − α dθ  (the notes' update; ``sgd`` is the same rule on mini-batches)
momentum   v := β v + dθ; θ := θ − α v                                  (β = 0.9)
rmsprop    s := ρ s + (1 − ρ) dθ²; θ := θ − α dθ / (√s + ε)              (ρ = 0.9)
adam       v := β1 v + (1 − β1) dθ; s := β2 s + (1 − β2) dθ²;
           v̂ = v / (1 − β1ᵗ), ŝ = s / (1 − β2ᵗ); θ := θ − α v̂ / (√ŝ + ε)
           (β1 = 0.9, β2 = 0.999, ε = 1e-8)
========== ==========================================================================

Momentum uses the form without the (1 − β) factor on dθ, as PyTorch and scikit-learn do
(``velocity = momentum * velocity - lr * grad`` there), so that momentum=0 is plain descent.

The optimizers may overwrite the gradient array (it is scratch once the step is taken).

Each rule, ``_update``, takes its array namespace from θ and returns the new θ and state (the
same arrays, updated in place, for NumPy), so the ``jax`` engine traces the very same rule;
the step count t is an argument of the rule for the same reason.

Examples
--------
>>> import numpy as np
>>> opt = get_optimizer("momentum")
>>> theta, grad = np.array([1.0]), np.array([0.5])
>>> opt.step([theta], [grad.copy()], learning_rate=0.1); theta
array([0.95])
>>> opt.step([theta], [grad.copy()], learning_rate=0.1); theta   # v = 0.9*0.5 + 0.5
array([0.855])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np

from .._checks import registry_key
from .._typing import Array
from ..core._namespace import NAMESPACES
from ..core.propagation import descend
from .schedules import (
    SCHEDULES,
    Constant,
    ExponentialDecay,
    InverseTimeDecay,
    Schedule,
    ScheduleLike,
    StepDecay,
    get_schedule,
)

__all__ = [
    "Optimizer",
    "GradientDescent",
    "SGD",
    "Momentum",
    "RMSprop",
    "Adam",
    "OPTIMIZERS",
    "get_optimizer",
    "Schedule",
    "Constant",
    "InverseTimeDecay",
    "ExponentialDecay",
    "StepDecay",
    "SCHEDULES",
    "get_schedule",
    "ScheduleLike",
]


class Optimizer:
    """Base class: ``step(params, grads, learning_rate)`` updates each array in place.

    ``grad_scale`` tells the optimizer that ``grads`` hold the gradient multiplied by that
    factor. Plain gradient descent sets ``folds_learning_rate``: the training step then
    computes gradients already multiplied by α and updates with
    :func:`~layerwise.core.propagation.update_params` (see
    :func:`~layerwise.core.propagation.descend`).
    """

    name = ""
    #: plain descent: the training step folds α into the gradient and runs update_params
    folds_learning_rate = False
    #: state arrays per parameter array (momentum's v, Adam's v and s, scratch)
    n_slots = 0

    def __init__(self) -> None:
        self.t = 0  # number of steps taken
        self._state: list[list[Array]] = []
        self._state_shapes: list[tuple[tuple[int, ...], np.dtype]] | None = None

    def reset(self) -> None:
        """Forget the moment estimates (done at the start of every ``fit``)."""
        self.t = 0
        self._state = []
        self._state_shapes = None

    def _slots(self, params: Sequence[Array], n: int) -> list[list[Array]]:
        """n state arrays per parameter array, made (as zeros) on the first step and whenever
        the parameters change shape or dtype."""
        shapes = [(p.shape, p.dtype) for p in params]
        if self._state_shapes != shapes:
            self._state = [[np.zeros_like(p) for _ in range(n)] for p in params]
            self._state_shapes = shapes
        return self._state

    def step(
        self,
        params: Sequence[Array],
        grads: Sequence[Array],
        learning_rate: float,
        grad_scale: float = 1.0,
    ) -> None:
        """Update every θ in ``params`` in place from dθ = grad / grad_scale (grads may be
        overwritten: they are scratch once the step is taken)."""
        self.t += 1
        # a stateless rule (plain descent) skips the bookkeeping of state arrays
        states = self._slots(params, self.n_slots) if self.n_slots else [[]] * len(params)
        for theta, grad, slots in zip(params, grads, states):
            if grad_scale != 1.0 and not self.folds_learning_rate:
                grad *= 1.0 / grad_scale
            self._update(theta, grad, learning_rate, grad_scale, slots, self.t)

    def _update(
        self,
        theta: Array,
        grad: Array,
        lr: float,
        grad_scale: float,
        slots: list[Array],
        t: int,
    ) -> tuple[Array, list[Array]]:
        """The rule for one array at step t (1, 2, ...); ``slots`` are its ``n_slots`` state
        arrays (zeros at first). Returns θ and the slots, updated (in place for NumPy)."""
        raise NotImplementedError  # pragma: no cover

    def rule(self) -> Optimizer:
        """The optimizer whose ``_update`` and state a training engine uses (itself; a
        wrapper returns the optimizer it wraps)."""
        return self

    def state(self, theta: Array) -> list[Array]:
        """The ``n_slots`` state arrays for the parameter array θ (zeros before the first
        step), as :meth:`step` keeps them."""
        return self._slots([theta], self.n_slots)[0] if self.n_slots else []

    def get_config(self) -> dict[str, float]:
        return {}

    def __repr__(self) -> str:
        config = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({config})"


class GradientDescent(Optimizer):
    """θ := θ − α dθ, the notes' update."""

    name = "gd"
    folds_learning_rate = True

    def step(
        self,
        params: Sequence[Array],
        grads: Sequence[Array],
        learning_rate: float,
        grad_scale: float = 1.0,
    ) -> None:
        # the rule keeps no state: no state arrays to look up (this runs once per iteration
        # of full-batch gradient descent)
        self.t += 1
        for theta, grad in zip(params, grads):
            self._update(theta, grad, learning_rate, grad_scale, [], self.t)

    def _update(
        self,
        theta: Array,
        grad: Array,
        lr: float,
        grad_scale: float,
        slots: list[Array],
        t: int,
    ) -> tuple[Array, list[Array]]:
        # θ := θ − α dθ, the notes' update, written once (grad holds grad_scale·dθ)
        if grad_scale == lr:
            return descend(theta, grad, lr, scaled=True), slots
        return descend(theta, grad, lr / grad_scale), slots


class Momentum(Optimizer):
    """v := β v + dθ; θ := θ − α v (β = 0.9 by default)."""

    name = "momentum"
    n_slots = 1

    def __init__(self, beta: float = 0.9) -> None:
        super().__init__()
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"momentum beta must be in [0, 1); Received: beta={beta!r}")
        self.beta = float(beta)

    def _update(
        self,
        theta: Array,
        grad: Array,
        lr: float,
        grad_scale: float,
        slots: list[Array],
        t: int,
    ) -> tuple[Array, list[Array]]:
        xp = NAMESPACES[type(theta)]
        (v,) = slots
        # v := β v + dθ
        v *= self.beta
        v += grad
        # θ := θ − α v
        grad = xp.multiply(v, lr, out=grad)
        theta -= grad
        return theta, [v]

    def get_config(self) -> dict[str, float]:
        return {"beta": self.beta}


class RMSprop(Optimizer):
    """s := ρ s + (1 − ρ) dθ²; θ := θ − α dθ / (√s + ε)."""

    name = "rmsprop"
    n_slots = 2

    def __init__(self, rho: float = 0.9, epsilon: float = 1e-8) -> None:
        super().__init__()
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"rmsprop rho must be in [0, 1); Received: rho={rho!r}")
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def _update(
        self,
        theta: Array,
        grad: Array,
        lr: float,
        grad_scale: float,
        slots: list[Array],
        t: int,
    ) -> tuple[Array, list[Array]]:
        xp = NAMESPACES[type(theta)]
        s, scratch = slots
        # s := ρ s + (1 − ρ) dθ²
        s *= self.rho
        scratch = xp.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - self.rho
        s += scratch
        # θ := θ − α dθ / (√s + ε)
        scratch = xp.sqrt(s, out=scratch)
        scratch += self.epsilon
        grad /= scratch
        grad *= lr
        theta -= grad
        return theta, [s, scratch]

    def get_config(self) -> dict[str, float]:
        return {"rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam with bias correction: v̂ = v / (1 − β1ᵗ), ŝ = s / (1 − β2ᵗ)."""

    name = "adam"
    n_slots = 3

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__()
        for name, value in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= value < 1.0:
                raise ValueError(f"adam {name} must be in [0, 1); Received: {name}={value!r}")
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)

    def _update(
        self,
        theta: Array,
        grad: Array,
        lr: float,
        grad_scale: float,
        slots: list[Array],
        t: int,
    ) -> tuple[Array, list[Array]]:
        xp = NAMESPACES[type(theta)]
        v, s, scratch = slots
        b1, b2 = self.beta1, self.beta2
        # s := β2 s + (1 − β2) dθ²
        scratch = xp.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - b2
        s *= b2
        s += scratch
        # v := β1 v + (1 − β1) dθ
        v *= b1
        grad *= 1.0 - b1
        v += grad
        # θ := θ − α v̂ / (√ŝ + ε) with v̂ = v / (1 − β1ᵗ), ŝ = s / (1 − β2ᵗ), rewritten as
        # θ := θ − α_t v / (√s + ε √(1 − β2ᵗ)) with α_t = α √(1 − β2ᵗ) / (1 − β1ᵗ): the same
        # number, without forming v̂ and ŝ
        # (** 0.5, not math.sqrt: t is a traced value under the jax engine)
        correction2 = (1.0 - b2**t) ** 0.5
        scratch = xp.sqrt(s, out=scratch)
        scratch += self.epsilon * correction2
        grad = xp.divide(v, scratch, out=grad)
        grad *= lr * correction2 / (1.0 - b1**t)
        theta -= grad
        return theta, [v, s, scratch]

    def get_config(self) -> dict[str, float]:
        return {"beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}


class SGD(GradientDescent):
    """The same rule as ``gd``, named for mini-batch use."""

    name = "sgd"


OPTIMIZERS: dict[str, type[Optimizer]] = {
    o.name: o for o in (GradientDescent, SGD, Momentum, RMSprop, Adam)
}

OptimizerLike = Union[str, Optimizer]  # noqa: UP007 (a runtime alias)


def get_optimizer(name: OptimizerLike) -> Optimizer:
    """Resolve ``gd``, ``sgd``, ``momentum``, ``rmsprop`` or ``adam`` (or pass an Optimizer)."""
    if isinstance(name, Optimizer):
        return name
    return OPTIMIZERS[registry_key(name, OPTIMIZERS, "optimizer", "optimizer")]()
