"""Losses L(a, y), their cost J = 1/m Σ_{i=1}^{m} L(a⁽ⁱ⁾, y⁽ⁱ⁾), and the output gradient.

One record per loss with both directions:

- ``loss.cost(AL, Y)`` is J, the mean over the m examples (columns), or with
  ``weights=w`` the weighted mean J = 1/m Σ_i w_i L(a⁽ⁱ⁾, y⁽ⁱ⁾) for weights w of mean 1;
- ``loss.derivative(AL, Y)`` is dA[L] = ∂L/∂A[L] per example (the general chain rule then
  gives dZ[L] = dA[L] * g[L]'(Z[L]));
- ``loss.output_delta(AL, Y)`` is dZ[L] = A[L] − Y, valid for the loss's canonical output
  activation (sigmoid/binary cross-entropy, softmax/categorical cross-entropy, linear/mse):
  the derivative of the loss and of the activation cancel into that one subtraction;
- ``loss.check_targets(Y)`` rejects labels the loss cannot take.

Like the activations, each takes its array namespace from its inputs, so the ``jax`` engine
traces these very methods (a cost is then a 0-d JAX array rather than a float).

Examples
--------
>>> import numpy as np
>>> bce = get_loss("binary_crossentropy")
>>> AL, Y = np.array([[0.9, 0.2]]), np.array([[1.0, 0.0]])
>>> round(bce.cost(AL, Y), 6)   # (−log 0.9 − log 0.8) / 2
0.164252
"""

from __future__ import annotations

import math
from typing import Union

import numpy as np

from .._checks import registry_key
from .._typing import Array
from ._namespace import NAMESPACES

__all__ = [
    "Loss",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "MeanSquaredError",
    "LOSSES",
    "get_loss",
    "loss_for_activation",
    "normalized_weights",
]


class Loss:
    """Base record of a loss: cost J, dA[L], and dZ[L] for the canonical pair."""

    name: str = ""
    #: the output activation for which dZ[L] = A[L] − Y
    canonical_activation: str = ""

    def cost(
        self,
        AL: Array,
        Y: Array,
        work: Array | None = None,
        *,
        hard_labels: bool = False,
        weights: Array | None = None,
    ) -> float:
        """J = 1/m Σ_{i=1}^{m} L(a⁽ⁱ⁾, y⁽ⁱ⁾), or 1/m Σ_{i=1}^{m} w_i L(a⁽ⁱ⁾, y⁽ⁱ⁾) with
        ``weights``.

        ``work`` is optional (n[L], m) scratch. ``hard_labels=True`` promises that every y
        is exactly 0 or 1, which lets binary cross-entropy take one logarithm instead of two
        (the training loop checks this once per fit). ``weights`` (1, m) are per-example
        weights of mean 1 (see :func:`normalized_weights`), which makes J the weighted mean
        Σ w_i L / Σ w_i.
        """
        raise NotImplementedError  # pragma: no cover

    def derivative(self, AL: Array, Y: Array, out: Array | None = None) -> Array:
        """dA[L] = ∂L/∂A[L], per example (no 1/m), shape (n[L], m)."""
        raise NotImplementedError  # pragma: no cover

    def output_delta(self, AL: Array, Y: Array, out: Array | None = None) -> Array:
        """dZ[L] = A[L] − Y (canonical output activation only), shape (n[L], m)."""
        return NAMESPACES[type(AL)].subtract(AL, Y, out=out)

    def check_targets(self, Y: Array) -> None:
        """Raise ValueError for labels this loss does not accept."""

    def ceiling(self, dtype: np.dtype) -> float:
        """The largest cost J this loss reports in ``dtype``: a cross-entropy clips a to
        [eps, 1 − eps], so no example costs more than −log eps (36.04 in float64, 15.94 in
        float32); mse has no ceiling (inf). A run whose cost sits near it has saturated
        outputs that are confidently wrong."""
        return math.inf

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Loss) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


_EPS = {np.dtype(t).char: float(np.finfo(t).eps) for t in (np.float32, np.float64)}


def _clipped(AL: Array, out: Array | None) -> Array:
    # log-loss is clipped to [eps, 1 − eps] with the dtype's eps: log(0) never happens
    xp = NAMESPACES[type(AL)]
    eps = _EPS[AL.dtype.char]
    P = xp.maximum(AL, eps, out=out)  # two ufunc calls: cheaper than np.clip's wrapper
    return xp.minimum(P, 1.0 - eps, out=P)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy L(a, y) = −y log a − (1 − y) log(1 − a).

    dL/da = −y/a + (1 − y)/(1 − a); with a sigmoid output, dz = dL/da · a(1 − a) = a − y.
    Labels y must lie in [0, 1]. ``a`` is clipped to [eps, 1 − eps] (the dtype's eps).
    """

    name = "binary_crossentropy"
    canonical_activation = "sigmoid"

    def ceiling(self, dtype: np.dtype) -> float:
        # −log of the clipping bound eps: every example's cost is at most this
        return -math.log(_EPS[np.dtype(dtype).char])

    def cost(
        self,
        AL: Array,
        Y: Array,
        work: Array | None = None,
        *,
        hard_labels: bool = False,
        weights: Array | None = None,
    ) -> float:
        xp = NAMESPACES[type(AL)]
        m = AL.shape[1]
        if hard_labels:
            # with y ∈ {0, 1}, L = −log q where q = a if y = 1 and 1 − a if y = 0, q = 1 − |y − a|
            Q = xp.subtract(AL, Y, out=work)
            Q = xp.abs(Q, out=Q)
            Q = xp.subtract(1.0, Q, out=Q)
            # q <= 1 already; only the lower clip (no log 0) is needed
            Q = xp.maximum(Q, _EPS[Q.dtype.char], out=Q)
            Q = xp.log(Q, out=Q)
            if weights is not None:
                Q *= weights  # w_i L(a⁽ⁱ⁾, y⁽ⁱ⁾)
            return -xp.scalar(xp.add.reduce(Q, axis=None)) / m
        P = _clipped(AL, work)
        # Σ (1 − y) log(1 − a) = Σ log(1 − a) − Σ y log(1 − a)
        P = xp.subtract(1.0, P, out=P)
        P = xp.log(P, out=P)
        if weights is not None:
            P *= weights  # every term below is then weighted by its example's w_i
        total = xp.scalar(P.sum()) - xp.scalar(xp.vdot(Y, P))
        # Σ y log a
        P = _clipped(AL, P)
        P = xp.log(P, out=P)
        if weights is not None:
            P *= weights
        total += xp.scalar(xp.vdot(Y, P))
        # J = −1/m Σ [y log a + (1 − y) log(1 − a)]
        return -total / m

    def derivative(self, AL: Array, Y: Array, out: Array | None = None) -> Array:
        P = _clipped(AL, None)
        # dL/da = −y/a + (1 − y)/(1 − a) = (a − y) / (a (1 − a))
        dA = NAMESPACES[type(P)].subtract(P, Y, out=out)
        dA /= P * (1.0 - P)
        return dA

    def check_targets(self, Y: Array) -> None:
        if Y.min() < 0 or Y.max() > 1:
            raise ValueError(
                f"binary cross-entropy needs labels y in [0, 1]; Y holds values from "
                f"{Y.min():g} to {Y.max():g}. For more than two classes use a softmax output "
                f"with one-hot Y (loss='categorical_crossentropy'); for real-valued targets "
                f"use a linear output (loss='mse')"
            )


class CategoricalCrossentropy(Loss):
    """Categorical cross-entropy L(a, y) = −Σ_k y_k log a_k, over the n[L] rows of a column.

    dL/da_k = −y_k / a_k; with a softmax output, dz = a − y. Y is one-hot (or a
    probability distribution): every column non-negative and summing to 1.
    """

    name = "categorical_crossentropy"
    canonical_activation = "softmax"

    def ceiling(self, dtype: np.dtype) -> float:
        # −log of the clipping bound eps: every example's cost is at most this
        return -math.log(_EPS[np.dtype(dtype).char])

    def cost(
        self,
        AL: Array,
        Y: Array,
        work: Array | None = None,
        *,
        hard_labels: bool = False,
        weights: Array | None = None,
    ) -> float:
        xp = NAMESPACES[type(AL)]
        m = AL.shape[1]
        # log a ≤ 0 needs only the lower clip (no log 0); the upper one would change
        # nothing but the last bit of a label's a = 1
        P = xp.maximum(AL, _EPS[AL.dtype.char], out=work)
        P = xp.log(P, out=P)
        if weights is not None:
            P *= weights  # w_i log a_k⁽ⁱ⁾
        # J = −1/m Σ_i Σ_k y_k log a_k
        return -xp.scalar(xp.vdot(Y, P)) / m

    def derivative(self, AL: Array, Y: Array, out: Array | None = None) -> Array:
        xp = NAMESPACES[type(AL)]
        P = _clipped(AL, None)
        # dL/da = −y / a
        dA = xp.divide(Y, P, out=out)
        return xp.negative(dA, out=dA)

    def check_targets(self, Y: Array) -> None:
        if Y.min() < 0:
            raise ValueError(
                f"categorical cross-entropy needs non-negative targets; Y has a value {Y.min():g}"
            )
        sums = Y.sum(axis=0)
        tol = 1e-3 if Y.dtype == np.float32 else 1e-6
        bad = np.flatnonzero(np.abs(sums - 1.0) > tol)
        if bad.size:
            raise ValueError(
                f"categorical cross-entropy needs each column of Y to sum to 1 (one-hot labels, "
                f"shape (n[L], m)); column {bad[0]} sums to {sums[bad[0]]:g} "
                f"({bad.size} such columns). Integer class labels? One-hot encode them first, "
                f"e.g. np.eye(n_classes)[labels].T"
            )


class MeanSquaredError(Loss):
    """Mean squared error with the ½: L(a, y) = ½ Σ_k (a_k − y_k)², J = 1/(2m) Σ (a − y)².

    dL/da = a − y; with a linear output, dz = a − y. The sum runs over the n[L] outputs of
    an example and the mean over the m examples, so that dZ[L] = A[L] − Y exactly.
    """

    name = "mse"
    canonical_activation = "linear"

    def cost(
        self,
        AL: Array,
        Y: Array,
        work: Array | None = None,
        *,
        hard_labels: bool = False,
        weights: Array | None = None,
    ) -> float:
        xp = NAMESPACES[type(AL)]
        m = AL.shape[1]
        D = xp.subtract(AL, Y, out=work)
        if weights is not None:
            # J = 1/(2m) Σ_i w_i Σ_k (a − y)²
            D = xp.multiply(D, D, out=D)
            D *= weights
            return xp.scalar(xp.add.reduce(D, axis=None)) / (2.0 * m)
        # J = 1/(2m) Σ (a − y)²
        return xp.scalar(xp.vdot(D, D)) / (2.0 * m)

    def derivative(self, AL: Array, Y: Array, out: Array | None = None) -> Array:
        # dL/da = a − y
        return NAMESPACES[type(AL)].subtract(AL, Y, out=out)


def normalized_weights(sample_weight: Array, out: Array | None = None) -> Array:
    """Per-example weights w (1, m) rescaled to mean 1: w_i · m / Σ_j w_j.

    With these, J = 1/m Σ_i w_i L_i is the weighted mean Σ w_i L_i / Σ w_i, the cost that
    ``sample_weight`` asks for (only the ratios of the weights matter), and dZ[L] gains the
    factor w_i in column i. All-zero weights stay zero: those examples count for nothing.
    """
    m = sample_weight.shape[1]
    with np.errstate(over="ignore"):  # an overflowing sum is handled below
        total = float(np.add.reduce(sample_weight, axis=None))
    if math.isfinite(total):
        return np.multiply(sample_weight, m / total if total > 0 else 0.0, out=out)
    # finite weights whose sum overflows: divided by the largest first (only ratios matter)
    relative = np.divide(sample_weight, float(np.max(sample_weight)), out=out)
    return np.multiply(relative, m / float(np.add.reduce(relative, axis=None)), out=relative)


#: The registry: name -> loss. Tests iterate it.
LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (BinaryCrossentropy(), CategoricalCrossentropy(), MeanSquaredError())
}
_ALIASES = {
    "bce": "binary_crossentropy",
    "cce": "categorical_crossentropy",
    "log_loss": "binary_crossentropy",
    "squared_error": "mse",
}

LossLike = Union[str, Loss]  # noqa: UP007 (a runtime alias)


def get_loss(name: LossLike) -> Loss:
    """Resolve a loss from its name (or return a :class:`Loss` unchanged).

    Parameters
    ----------
    name : str or Loss
        ``binary_crossentropy``, ``categorical_crossentropy`` or ``mse``.

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.
    """
    if isinstance(name, Loss):
        return name
    return LOSSES[registry_key(name, LOSSES, "loss", "loss", _ALIASES)]


def loss_for_activation(activation_name: str) -> Loss:
    """The loss that follows an output activation: sigmoid → binary cross-entropy,
    softmax → categorical cross-entropy, anything else (linear, tanh, relu, …) → mse."""
    for loss in LOSSES.values():
        if loss.canonical_activation == activation_name:
            return loss
    return LOSSES["mse"]
