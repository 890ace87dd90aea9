"""Forward and back propagation and the update rule, as in the notes.

These functions are the one implementation of the equations, and the ones training runs.
Called as the README's tour calls them, they check their inputs and allocate their results.
:class:`layerwise.Network`'s numpy engine calls the same :func:`forward`,
:func:`compute_cost`, :func:`backward` and :func:`update_params` at every step, with
``buffers=`` (the layers' preallocated arrays, :class:`~layerwise.core.layers.StepBuffers`): the
inputs were checked at ``fit``'s door, and every Z[l], A[l], dZ[l], dW[l], db[l] is written
into those buffers, so a step allocates no (n[l], m) array. Editing one of these functions
changes what ``Network.fit`` does. The ``jax`` engine traces them too: each takes its array
namespace from its inputs (see :mod:`layerwise.core._namespace`); :func:`forward_layers` and
:func:`backward_layers`, the loops over the layers of :func:`forward` and :func:`backward`,
:func:`batch_output_delta` and :func:`descend` are what it compiles.

The equations of one layer l (``linear_forward``, ``linear_backward``, ``output_delta``, ...)
are in :mod:`layerwise.core.one_layer` and importable from here; this module is the whole
network's passes over them. (It passes STYLE.md's 400 lines by its docstrings: the four
functions of the tour, each with the training step's call beside the readable one, read
best together.)

Shapes, for layer l = 1..L with n[l] units and m examples stacked as columns:

====================  ===================
X = A[0]              (n[0], m)
W[l], dW[l]           (n[l], n[l−1])
b[l], db[l]           (n[l], 1)
Z[l], A[l], dZ[l]     (n[l], m)
====================  ===================

Examples
--------
>>> import numpy as np
>>> import layerwise as lw
>>> X, Y = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]), np.array([[1.0, 0.0, 1.0]])
>>> params = lw.init_params([2, 4, 1], seed=1)
>>> AL, caches = lw.forward(X, params, ["tanh", "sigmoid"])
>>> AL.shape, len(caches)
((1, 3), 2)
>>> grads = lw.backward(AL, Y, caches)
>>> sorted(grads), grads["dW1"].shape
(['dW1', 'dW2', 'db1', 'db2'], (4, 2))
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

import numpy as np

from .. import _checks
from .._typing import Array
from ._namespace import NAMESPACES
from ._propagation_args import check_cost_inputs, check_masks, params_and_activations
from .activations import Activation, ActivationLike
from .losses import LossLike, get_loss, loss_for_activation
from .one_layer import (
    LayerCache,
    batch_output_delta,
    dropout_mask,
    l2_cost,
    layer_forward,
    linear_backward,
    linear_forward,
    output_delta,
)

__all__ = [
    "LayerCache",
    "linear_forward",
    "layer_forward",
    "dropout_mask",
    "linear_backward",
    "output_delta",
    "batch_output_delta",
    "l2_cost",
    "forward",
    "forward_layers",
    "compute_cost",
    "backward",
    "backward_layers",
    "update_params",
    "descend",
]


def forward(
    X: Array,
    params: Mapping[str, Array],
    activations: Sequence[ActivationLike],
    dropout_masks: Mapping[int, Array] | None = None,
    *,
    buffers: Any = None,
) -> tuple[Array, list[LayerCache]]:
    """Forward propagation through L layers: A[0] = X, then for l = 1..L
    Z[l] = W[l] A[l−1] + b[l], A[l] = g[l](Z[l]).

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
        One example per column.
    params : dict
        ``W{l}`` (n[l], n[l−1]) and ``b{l}`` (n[l], 1) for l = 1..L.
    activations : list of str or Activation
        g[1], ..., g[L].
    dropout_masks : dict, optional
        {l: D[l] / keep_prob} for hidden layers l < L, each (n[l], m): inverted dropout with
        fixed masks, A[l] is multiplied by the mask before layer l+1 sees it (for checking
        dropout's gradient; :class:`~layerwise.Network` draws its own masks).
    buffers : StepBuffers, optional
        The training step's call: ``params`` is the network's
        :class:`~layerwise.core.layers.Parameters`, every input was checked at ``fit``'s door,
        and each Z[l], A[l] is written into the layer's buffers.

    Returns
    -------
    AL : ndarray of shape (n[L], m)
        A[L] = ŷ.
    caches : list of LayerCache
        One per layer, l = 1..L (``caches[l - 1]``).
    """
    if buffers is not None:
        network: Any = params  # the network's Parameters
        return forward_layers(
            X, network.Ws, network.bs, network.activations, dropout_masks, buffers
        )
    dims, Ws, bs, acts = params_and_activations(params, activations)
    A = _checks.check_X(X, dims[0], dtype=Ws[0].dtype)
    masks = check_masks(dropout_masks, dims, A.shape[1])
    return forward_layers(A, Ws, bs, acts, masks)


def forward_layers(
    A0: Array,
    Ws: Sequence[Array],
    bs: Sequence[Array],
    activations: Sequence[Activation],
    masks: Mapping[int, Array] | None = None,
    buffers: Any = None,
) -> tuple[Array, list[LayerCache]]:
    """The loop of :func:`forward`, on checked inputs: A[0] (n[0], m), the W[l], b[l] and
    g[l] of l = 1..L, dropout masks {l: D[l] / keep_prob}, and the buffers to write Z[l],
    A[l] into (None: new arrays). Returns (A[L], caches)."""
    caches = []
    A = A0
    if buffers is None:
        Z_outs = A_outs = drop_outs = [None] * len(Ws)
    else:
        Z_outs, A_outs, drop_outs = buffers.Z, buffers.A, buffers.A_drop
    # the loop over layers stays a Python loop; the loop over examples is vectorized away
    for l, (W, b, g, Z_out, A_out) in enumerate(zip(Ws, bs, activations, Z_outs, A_outs), 1):
        cache = layer_forward(A, W, b, g, Z_out, A_out)
        A = cache.A
        if masks and l in masks:
            # inverted dropout: A[l] * D[l] / keep_prob goes on to layer l+1
            cache = cache._replace(mask=masks[l])
            A = NAMESPACES[type(A)].multiply(A, masks[l], out=drop_outs[l - 1])
        caches.append(cache)
    return caches[-1].A, caches


def compute_cost(
    AL: Array,
    Y: Array,
    loss: LossLike = "binary_crossentropy",
    *,
    l2: float = 0.0,
    params: Mapping[str, Array] | None = None,
    weights: tuple[Array, float] | None = None,
    hard_labels: bool = False,
    buffers: Any = None,
) -> float:
    """Cost J = 1/m Σ_{i=1}^{m} L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾), the mean over the m examples (ERRATA 1).

    Parameters
    ----------
    AL : ndarray of shape (n[L], m)
        A[L] = ŷ.
    Y : ndarray of shape (n[L], m)
    loss : {"binary_crossentropy", "categorical_crossentropy", "mse"}
        Defaults to binary cross-entropy as in the notes.
    l2 : float
        λ of L2 regularization: J gains λ/(2m) Σ_l ‖W[l]‖² (needs ``params``).
    params : dict, optional
        The W[l] for the L2 term.
    weights : (w, Σw), optional
        Per-example weights w (1, m) of mean 1 and their sum as given
        (:func:`~layerwise.training.batches.batch_weights`): J = 1/m Σ w_i L_i, and Σw takes the
        place of m in the L2 term.
    hard_labels : bool
        Promises that every y is exactly 0 or 1 (one logarithm instead of two).
    buffers : StepBuffers, optional
        The training step's call: ``loss`` is a Loss, ``params`` the network's
        :class:`~layerwise.core.layers.Parameters`, the inputs were checked at ``fit``'s door, and
        the output layer's dZ buffer is the scratch of the cost.

    Returns
    -------
    float
    """
    if buffers is not None:
        w, m_l2 = (None, AL.shape[1]) if weights is None else weights
        network_loss: Any = loss  # a Loss
        J: float = network_loss.cost(AL, Y, work=buffers.dZ[-1], hard_labels=hard_labels, weights=w)
        if l2:
            network: Any = params  # the network's Parameters
            J += l2_cost(network.W_all, l2, m_l2)
        return J
    loss_ = get_loss(loss)
    AL, Y = check_cost_inputs(AL, Y, loss_)
    w = None if weights is None else weights[0]
    J = loss_.cost(AL, Y, hard_labels=hard_labels, weights=w)
    if l2:
        if params is None:
            raise ValueError("compute_cost with l2 > 0 needs params (the W[l] to regularize)")
        dims = _checks.layer_dims_from_params(params)
        m = AL.shape[1] if weights is None else weights[1]
        # J += λ/(2m) Σ_l ‖W[l]‖²
        J += (
            l2
            / (2.0 * m)
            * sum(float(np.sum(np.square(params[f"W{l}"]))) for l in range(1, len(dims)))
        )
    return J


def backward(
    AL: Array,
    Y: Array,
    caches: Sequence[LayerCache],
    loss: LossLike | None = None,
    *,
    l2: float = 0.0,
    weights: tuple[Array, float] | None = None,
    grad_scale: float = 1.0,
    buffers: Any = None,
) -> dict[str, Array]:
    """Back propagation: dZ[L] at the output, then for l = L..1
    dW[l] = 1/m dZ[l] A[l−1]ᵀ, db[l] = 1/m Σ_columns dZ[l], dA[l−1] = W[l]ᵀ dZ[l],
    dZ[l−1] = dA[l−1] * g[l−1]'(Z[l−1]).

    Parameters
    ----------
    AL : ndarray of shape (n[L], m)
    Y : ndarray of shape (n[L], m)
    caches : list of LayerCache
        From :func:`forward`; they carry each layer's activation.
    loss : str or Loss, optional
        Follows the output activation when not given (sigmoid → binary cross-entropy,
        softmax → categorical cross-entropy, linear → mse).
    l2 : float
        λ of L2 regularization: dW[l] gains λ/m W[l].
    weights : (w, Σw), optional
        Per-example weights of mean 1 and their sum (see :func:`compute_cost`): column i of
        dZ[L] is multiplied by w_i, and Σw takes the place of m in λ/m W[l].
    grad_scale : float
        Every dW[l], db[l] comes out multiplied by it (the training step's plain descent
        passes α: see :func:`descend`). With ``buffers`` only.
    buffers : StepBuffers, optional
        The training step's call: ``loss`` is a Loss, the inputs were checked at ``fit``'s
        door, every dZ[l], dA[l] goes into the layers' buffers and the gradients into the
        network's dθ, whose course-style dict ``buffers.grads`` is returned.

    Returns
    -------
    grads : dict
        ``dW{l}`` shaped like W[l], ``db{l}`` shaped like b[l].
    """
    if buffers is not None:
        m = AL.shape[1]
        w, m_l2 = (None, m) if weights is None else weights
        # dZ[L] times grad_scale / m: back propagation is linear in dZ[L], so every dW[l],
        # db[l] comes out with the 1/m of J (and grad_scale) without a pass over each one
        out = caches[-1]
        dZ = batch_output_delta(
            AL,
            Y,
            out.Z,
            out.activation,
            loss,  # type: ignore[arg-type]
            w,
            grad_scale / m,
            buffers.dZ[-1],
        )
        backward_layers(dZ, caches, average=False, buffers=buffers)
        if l2:
            # dW[l] += λ/m W[l], every layer at once (times the same grad_scale)
            buffers.parameters.add_weight_decay(l2 * grad_scale / m_l2)
        grads: dict[str, Array] = buffers.grads
        return grads
    if not caches or not all(isinstance(c, LayerCache) for c in caches):
        raise TypeError("caches must be the list of LayerCache returned by forward()")
    output = caches[-1].activation
    loss_ = loss_for_activation(output.name) if loss is None else get_loss(loss)
    AL, Y = check_cost_inputs(AL, Y, loss_)
    if AL.shape != caches[-1].A.shape:
        raise ValueError(
            f"AL has shape {AL.shape} but the last cache holds A[L] of shape {caches[-1].A.shape}"
        )
    m = AL.shape[1] if weights is None else weights[1]
    w = None if weights is None else weights[0]
    dZ = output_delta(AL, Y, caches[-1].Z, output, loss_)
    if w is not None:
        dZ = dZ * w
    # dW[l] += λ/m W[l]
    dWs, dbs = backward_layers(dZ, caches, weight_decay=l2 / m if l2 else None)
    grads = {}
    for l, (dW, db) in enumerate(zip(dWs, dbs), start=1):
        grads[f"dW{l}"], grads[f"db{l}"] = dW, db
    return grads


def backward_layers(
    dZL: Array,
    caches: Sequence[LayerCache],
    *,
    weight_decay: float | None = None,
    average: bool = True,
    buffers: Any = None,
) -> tuple[list[Array], list[Array]]:
    """The loop of :func:`backward` from dZ[L] (n[L], m) down to layer 1, on checked inputs.

    ``weight_decay`` c adds c·W[l] to every dW[l] (L2: c = λ/m); ``average=False`` when dZ[L]
    already carries the 1/m (see :func:`linear_backward`); ``buffers`` hold the arrays to
    write dZ[l], dA[l−1], dW[l], db[l] into (None: new arrays). Returns ([dW[1], ...,
    dW[L]], [db[1], ..., db[L]]).
    """
    L = len(caches)
    if buffers is None:
        dWs: list[Array] = [dZL] * L  # placeholders, each replaced below
        dbs: list[Array] = [dZL] * L
        dZ_outs = dA_outs = [None] * L
    else:
        # dW[l], db[l] go into dθ, dZ[l] into layer l's buffer, dA[l-1] into layer l-1's
        dWs, dbs, dZ_outs, dA_outs = buffers.dW, buffers.db, buffers.dZ, buffers.dA_prev
    dA: Array | None = None
    dZ = dZL
    for l in range(L, 0, -1):
        # (unpacked once: a named field costs a lookup each time, for every layer and step)
        A_prev, W, _, Z, A, g, mask = caches[l - 1]
        if l < L:
            assert dA is not None  # set by layer l + 1
            if mask is not None:
                # dropout's backward: dA[l] := dA[l] * D[l] / keep_prob
                dA = dA * mask if buffers is None else _times(dA, mask)
            # dZ[l] = dA[l] * g[l]'(Z[l])
            dZ = g.backward(dA, Z, A, dZ_outs[l - 1])
        if buffers is None:
            dA, dW, dbs[l - 1] = linear_backward(dZ, A_prev, W, need_dA_prev=l > 1, average=average)
            if weight_decay is not None:
                dW += weight_decay * W
            dWs[l - 1] = dW
        else:
            dA, _, _ = linear_backward(
                dZ,
                A_prev,
                W,
                dA_prev_out=dA_outs[l - 1],
                dW_out=dWs[l - 1],
                db_out=dbs[l - 1],
                need_dA_prev=l > 1,
                average=average,
            )
    return dWs, dbs


def _times(dA: Array, mask: Array) -> Array:
    """dA * mask, into dA."""
    dA *= mask
    return dA


def update_params(
    params: MutableMapping[str, Array] | Any,
    grads: Mapping[str, Array],
    learning_rate: float,
    *,
    scaled: bool = False,
) -> Any:
    """One gradient-descent step, in place: W[l] := W[l] − α dW[l], b[l] := b[l] − α db[l].

    Returns the same ``params`` dict (updated in place), so the notes'
    ``params = update_params(params, grads, learning_rate)`` reads naturally.

    ``params`` may also be a network's :class:`~layerwise.core.layers.Parameters` and ``grads``
    what :func:`backward` returned with ``buffers=`` (the training step's call, checked at
    ``fit``'s door): the update then runs over the whole flat θ at once. ``scaled=True``
    says that ``grads`` already hold α dθ (see :func:`descend`).
    """
    own_grads = getattr(params, "grads", None)
    if own_grads is not None:
        # the network's θ and dθ; a backward() that returned arrays of its own (not the
        # views of dθ it was given) has them copied into dθ first
        network: Any = params
        if grads is not own_grads:
            network.set_grads(grads)
        descend(network.theta, network.grad, learning_rate, scaled=scaled)
        return params
    alpha = _checks.check_positive("learning_rate", learning_rate)
    dims = _checks.layer_dims_from_params(params)
    for l in range(1, len(dims)):
        for p in "Wb":
            key, gkey = f"{p}{l}", f"d{p}{l}"
            if gkey not in grads:
                raise ValueError(
                    f"grads has no {gkey!r}; expected keys {sorted('d' + k for k in params)}"
                )
            if np.shape(grads[gkey]) != np.shape(params[key]):
                raise ValueError(
                    f"{gkey} has shape {np.shape(grads[gkey])} but {key} has shape "
                    f"{np.shape(params[key])}: d{p}[l] must have the shape of {p}[l]"
                )
            # W[l] := W[l] - α dW[l]  ;  b[l] := b[l] - α db[l]
            theta = descend(params[key], grads[gkey], alpha)
            if theta is not params[key]:  # JAX arrays are updated into new arrays
                params[key] = theta
    return params


def descend(theta: Array, dtheta: Array, learning_rate: float, *, scaled: bool = False) -> Array:
    """The notes' update θ := θ − α dθ: in place for NumPy (returns θ), a new array for JAX.

    Every plain gradient-descent step runs this line: :func:`update_params`, the ``gd`` and
    ``sgd`` optimizers, the jax engine.

    The one speed trick of training sits here. ``scaled=True`` says that ``dtheta`` already
    holds α dθ: back propagation is linear in dZ[L], so the training step's
    ``backward(..., grad_scale=α)`` multiplies dZ[L] once by α/m and every dW[l], db[l]
    comes out as α dθ, the 1/m of J included. The update is then the single subtraction,
    with no pass over dθ to multiply it by α (nor one over each dW[l] for the 1/m).
    """
    # θ := θ − α dθ
    if scaled:
        theta -= dtheta
    else:
        theta -= learning_rate * dtheta
    return theta
