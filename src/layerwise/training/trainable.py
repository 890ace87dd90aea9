"""What training needs of a model: the members of :class:`layerwise.Network` that the epoch
loop, the step, the options, the callbacks and the engines read (training comes before the
model in the package's layers, so it types against this protocol, which ``Network``
satisfies with its public members)."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from .._typing import Array
from ..core.activations import Activation
from ..core.layers import Dense, Parameters
from ..core.losses import Loss

__all__ = ["Trainable"]


class Trainable(Protocol):
    """A network training can run: dense layers over one parameters object, a loss, a
    generator, and the checks and forward pass of its door."""

    layers: list[Dense]
    loss: Loss
    dtype: np.dtype
    metadata: dict[str, Any]

    @property
    def parameters(self) -> Parameters: ...

    @property
    def rng(self) -> np.random.Generator: ...

    @property
    def L(self) -> int: ...

    @property
    def layer_dims(self) -> list[int]: ...

    @property
    def activations(self) -> list[Activation]: ...

    @property
    def task(self) -> str: ...

    @property
    def n_params(self) -> int: ...

    def check_X(self, X: Any) -> Array: ...

    def check_Y(self, Y: Any, m: int) -> Array: ...

    def output(self, X: Array) -> Array: ...

    def evaluate(
        self, X: Array, Y: Array, sample_weight: Array | None = None
    ) -> dict[str, float]: ...

    def predict_proba(self, X: Array) -> Array: ...

    def layer(self, l: int) -> Dense: ...

    def summary(self, m: int | str = "m") -> str: ...
