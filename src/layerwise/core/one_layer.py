"""The notes' equations of one layer l: forward Z[l] = W[l] A[l−1] + b[l], A[l] = g[l](Z[l]);
backward dW[l], db[l], dA[l−1] from dZ[l]; the output layer's dZ[L]; inverted dropout's mask;
the L2 term of the cost.

Each function allocates its result, or fills the ``out`` buffers it is given (the training
step's call), and takes its array namespace from its inputs (NumPy, JAX, or NumPy with a
sparse A[0]; see :mod:`layerwise.core._namespace`). :mod:`layerwise.core.propagation` loops over the
layers with them.
"""

from __future__ import annotations

from typing import NamedTuple

from .._typing import Array
from ._namespace import NAMESPACES
from .activations import Activation
from .losses import Loss

__all__ = [
    "LayerCache",
    "linear_forward",
    "layer_forward",
    "dropout_mask",
    "linear_backward",
    "output_delta",
    "batch_output_delta",
    "l2_cost",
]


class LayerCache(NamedTuple):
    """What back propagation needs from layer l's forward pass.

    Z and A are both kept: g'(z) is computed from A where the notes allow it
    (sigmoid a(1 − a), tanh 1 − a²) and from Z where A cannot tell (ReLU at 0).
    """

    A_prev: Array  # A[l-1], (n[l-1], m)
    W: Array  # W[l], (n[l], n[l-1])
    b: Array  # b[l], (n[l], 1)
    Z: Array  # Z[l], (n[l], m)
    A: Array  # A[l], (n[l], m)
    activation: Activation  # g[l]
    #: inverted-dropout mask D[l] / keep_prob applied to A[l] on its way to layer l+1, or None
    mask: Array | None = None


def linear_forward(A_prev: Array, W: Array, b: Array, out: Array | None = None) -> Array:
    """Z[l] = W[l] A[l−1] + b[l] (b broadcast over the m columns).

    Parameters
    ----------
    A_prev : ndarray of shape (n[l−1], m)
    W : ndarray of shape (n[l], n[l−1])
    b : ndarray of shape (n[l], 1)
    out : ndarray of shape (n[l], m), optional

    Returns
    -------
    Z : ndarray of shape (n[l], m)
    """
    # Z[l] = W[l] A[l-1] + b[l]
    # (products use the ndarray method: np.dot's dispatch layer costs a third of a 32 × 32
    # product, and this runs for every layer at every training step)
    xp = NAMESPACES[type(A_prev)]
    Z = xp.dot(xp.asarray(W), A_prev, out=out)
    Z += b
    return Z


def layer_forward(
    A_prev: Array,
    W: Array,
    b: Array,
    activation: Activation,
    Z_out: Array | None = None,
    A_out: Array | None = None,
) -> LayerCache:
    """Z[l] = W[l] A[l−1] + b[l], A[l] = g[l](Z[l]); returns the layer's cache."""
    Z = linear_forward(A_prev, W, b, Z_out)
    # A[l] = g[l](Z[l])
    A = activation(Z, A_out)
    # LayerCache(A_prev, W, b, Z, A, activation), built as the tuple it is: a named tuple's
    # own constructor is a Python function, and this runs for every layer at every step
    return _new_cache(LayerCache, (A_prev, W, b, Z, A, activation, None))


_new_cache = tuple.__new__


def linear_backward(
    dZ: Array,
    A_prev: Array,
    W: Array,
    *,
    dA_prev_out: Array | None = None,
    dW_out: Array | None = None,
    db_out: Array | None = None,
    need_dA_prev: bool = True,
    average: bool = True,
) -> tuple[Array | None, Array, Array]:
    """The notes' three backward lines for layer l.

    Parameters
    ----------
    dZ : ndarray of shape (n[l], m)
        Per-example dL/dZ[l]; the 1/m of the cost J is applied here.
    A_prev : ndarray of shape (n[l−1], m)
    W : ndarray of shape (n[l], n[l−1])
    dA_prev_out, dW_out, db_out : ndarray, optional
        Buffers to write into, shaped like the results.
    need_dA_prev : bool
        False skips dA[l−1] (layer 1 needs no dA[0]: X is not trained).
    average : bool
        False when ``dZ`` already carries the 1/m, i.e. it is dJ/dZ[l] rather than the
        per-example dL/dZ[l]. The training loop scales dZ[L] once (back propagation is linear
        in dZ, so every layer's dZ inherits the factor), which spares a pass over every dW[l].

    Returns
    -------
    dA_prev : ndarray of shape (n[l−1], m), or None
    dW : ndarray of shape (n[l], n[l−1])
    db : ndarray of shape (n[l], 1)
    """
    xp = NAMESPACES[type(dZ)]
    m = dZ.shape[1]
    # dW[l] = 1/m dZ[l] A[l-1]^T  (the product in A[l-1]'s namespace: A[0] may be sparse)
    dW = NAMESPACES[type(A_prev)].dot(dZ, A_prev.T, out=dW_out)
    if average:
        dW *= 1.0 / m
    # db[l] = 1/m np.sum(dZ[l], axis=1, keepdims=True), computed as the product of dZ[l]
    # with the column (1/m, ..., 1/m)^T: one BLAS call instead of a reduction and a scaling
    db = xp.dot(dZ, xp.filled((m, 1), 1.0 / m if average else 1.0, dZ.dtype), out=db_out)
    # dA[l-1] = W[l]^T dZ[l]
    dA_prev = xp.dot(W.T, dZ, out=dA_prev_out) if need_dA_prev else None
    return dA_prev, dW, db


def output_delta(
    AL: Array, Y: Array, ZL: Array, g: Activation, loss: Loss, out: Array | None = None
) -> Array:
    """dZ[L] for the output layer, from A[L], Y, Z[L] and g[L].

    For the canonical pairs (sigmoid + binary cross-entropy, softmax + categorical
    cross-entropy, linear + mse) dL/dA[L] and g[L]' cancel: dZ[L] = A[L] − Y. Any other pair
    takes the general chain rule dZ[L] = dA[L] * g[L]'(Z[L]).
    """
    if g.name == loss.canonical_activation:
        # dZ[L] = A[L] - Y
        return loss.output_delta(AL, Y, out=out)
    dAL = loss.derivative(AL, Y)
    return g.backward(dAL, ZL, AL, out=out)


def dropout_mask(U: Array, keep_prob: float, out: Array | None = None) -> Array:
    """Inverted dropout's D[l] / keep_prob from uniform draws U in [0, 1) of shape (n[l], m):
    D[l] = [U < keep_prob], so each unit is kept with probability keep_prob, and kept units
    are scaled by 1 / keep_prob so that the expected A[l] is unchanged."""
    xp = NAMESPACES[type(U)]
    D = xp.less(U, keep_prob, out=out, casting="unsafe")
    if out is None:
        D = D.astype(U.dtype)
    D *= 1.0 / keep_prob
    return D


def batch_output_delta(
    AL: Array,
    Y: Array,
    ZL: Array,
    g: Activation,
    loss: Loss,
    weights: Array | None,
    scale: float,
    out: Array | None = None,
) -> Array:
    """dZ[L] of a batch as the training step back-propagates it: weighted by the batch's
    sample weights (1, m) when given, and multiplied by ``scale``."""
    dZ = output_delta(AL, Y, ZL, g, loss, out=out)
    if weights is not None:
        dZ *= weights  # column i of dZ[L] is example i's gradient: weighted by w_i
    dZ *= scale
    return dZ


def l2_cost(W_all: Array, l2: float, m: float) -> float:
    """The L2 term of the cost, λ/(2m) Σ_l ‖W[l]‖², from every W[l] in one flat array (with
    sample weights, m is Σ w_i)."""
    xp = NAMESPACES[type(W_all)]
    # J += λ/(2m) Σ_l ‖W[l]‖²
    return l2 / (2.0 * m) * xp.scalar(xp.vdot(W_all, W_all))
