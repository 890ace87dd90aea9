"""Training that resumes across calls, as ``partial_fit`` needs: each call is one ``fit`` of
one epoch, and together they must equal one long run.

- :class:`KeepState` keeps an optimizer's moment estimates (Adam's, momentum's, RMSprop's)
  through the reset at the start of every ``Network.fit``;
- :class:`Continued` resumes a learning-rate schedule at the epoch where the last call stopped.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._typing import Array
from ..training.optimizers import Optimizer, Schedule

__all__ = ["Continued", "KeepState"]


class KeepState(Optimizer):
    """An optimizer whose moment estimates survive the reset at the start of ``Network.fit``,
    so that successive ``partial_fit`` calls continue one run of Adam (or momentum, RMSprop)."""

    def __init__(self, inner: Optimizer) -> None:
        super().__init__()
        self.inner = inner
        self.name = inner.name
        self.folds_learning_rate = inner.folds_learning_rate

    def reset(self) -> None:
        pass  # the estimator decides when the state starts over (a new fit)

    def rule(self) -> Optimizer:
        return self.inner.rule()  # the jax engine runs the inner rule on the inner state

    def step(
        self,
        params: Sequence[Array],
        grads: Sequence[Array],
        learning_rate: float,
        grad_scale: float = 1.0,
    ) -> None:
        self.inner.step(params, grads, learning_rate, grad_scale)


class Continued(Schedule):
    """A schedule resumed at epoch ``start``: ``partial_fit`` trains one epoch per call, and
    the learning rate must decay across calls as it does across the epochs of one fit."""

    def __init__(self, inner: Schedule, start: int) -> None:
        self.inner, self.start = inner, start
        self.name = inner.name

    def __call__(self, epoch: int, alpha0: float) -> float:
        return self.inner(self.start + epoch, alpha0)
