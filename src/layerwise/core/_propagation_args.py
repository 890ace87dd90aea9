"""Argument checks of the readable whole-network functions (:func:`~layerwise.forward`,
:func:`~layerwise.compute_cost`, :func:`~layerwise.backward`) and of ``Network``'s
activations: each bad input gets an error that names what was given and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import _checks
from .._typing import Array
from .activations import Activation, ActivationLike, get_activation
from .losses import Loss

__all__ = ["check_cost_inputs", "check_masks", "params_and_activations", "resolve_activations"]


def resolve_activations(activations: Any, L: int) -> list[Activation]:
    """g[1], ..., g[L] from names or objects: one per layer, softmax only at the output."""
    if isinstance(activations, (str, Activation)):
        raise TypeError(
            f"activations must be a list of L = {L} names, one per layer, e.g. "
            f"{['relu'] * (L - 1) + ['sigmoid']}; Received: activations={activations!r}"
        )
    acts = [get_activation(a) for a in activations]
    if len(acts) != L:
        raise ValueError(
            f"activations has {len(acts)} entries but the network has L = {L} layers; "
            f"give one activation g[l] per layer l = 1..{L}. Received: activations={activations!r}"
        )
    for l, g in enumerate(acts[:-1], start=1):
        if g.name == "softmax":
            raise ValueError(
                f"softmax is for the output layer only, but g[{l}] is softmax (L = {L}); "
                f"use relu, tanh or leaky_relu in hidden layers"
            )
    return acts


def params_and_activations(
    params: Mapping[str, Any], activations: Sequence[ActivationLike]
) -> tuple[list[int], list[Array], list[Array], list[Activation]]:
    """[n[0], ..., n[L]], the W[l], the b[l] and the g[l] of a params dict, checked: float,
    finite, shapes that chain, one activation per layer."""
    dims = _checks.layer_dims_from_params(params)
    L = len(dims) - 1
    acts = resolve_activations(activations, L)
    if acts[-1].name == "softmax":
        _checks.check_softmax_units(dims[-1])
    Ws = [np.asarray(params[f"W{l}"]) for l in range(1, L + 1)]
    bs = [np.asarray(params[f"b{l}"]) for l in range(1, L + 1)]
    for name, arr in zip(
        [f"W{l}" for l in range(1, L + 1)] + [f"b{l}" for l in range(1, L + 1)], Ws + bs
    ):
        if not np.issubdtype(arr.dtype, np.floating):
            raise TypeError(f"{name} must hold floats; Received: {name} with dtype {arr.dtype}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or inf; parameters must be finite")
    return dims, Ws, bs, acts


def check_masks(masks: Mapping[int, Array] | None, dims: list[int], m: int) -> dict[int, Array]:
    """Fixed dropout masks {l: D[l] / keep_prob}, hidden layers only, each (n[l], m)."""
    if not masks:
        return {}
    L = len(dims) - 1
    out = {}
    for l, mask in masks.items():
        if not isinstance(l, (int, np.integer)) or not 1 <= l < L:
            raise ValueError(
                f"dropout masks are for hidden layers l = 1..{L - 1}; Received a mask for l={l!r}"
            )
        arr = np.asarray(mask, dtype=float)
        if arr.shape != (dims[l], m):
            raise ValueError(
                f"the dropout mask of layer {l} must be (n[{l}], m) = ({dims[l]}, {m}); "
                f"Received: shape {arr.shape}"
            )
        out[int(l)] = arr
    return out


def check_cost_inputs(AL: Any, Y: Any, loss: Loss) -> tuple[Array, Array]:
    """A[L] as floats and Y shaped like it, with labels the loss accepts."""
    AL = _checks.as_float_array("AL", AL)
    if loss.name == "categorical_crossentropy":
        _checks.check_softmax_units(AL.shape[0])
    Y = _checks.check_Y(Y, AL.shape[0], AL.shape[1], dtype=AL.dtype)
    loss.check_targets(Y)
    return AL, Y
