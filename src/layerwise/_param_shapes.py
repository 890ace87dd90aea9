"""The shapes of a params dict {"W1", "b1", ..., "WL", "bL"}: W[l] (n[l], n[l−1]) and
b[l] (n[l], 1), read off and checked, with messages that name a transposed W[l] as such; and
the one-unit softmax. Re-exported by :mod:`layerwise._checks`, where the other checks at the
door are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def layer_dims_from_params(params: Mapping[str, Any]) -> list[int]:
    """Read [n[0], ..., n[L]] off params {"W1", "b1", ...}, checking the (n[l], n[l-1]) rule."""
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must be a dict {{'W1': ..., 'b1': ..., ...}}; "
            f"Received: {type(params).__name__}"
        )
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    if L == 0:
        raise ValueError(
            f"params has no 'W1'; expected keys W1, b1, ..., WL, bL. "
            f"Received keys: {sorted(params)}"
        )
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if set(params) != expected:
        missing = sorted(expected - set(params))
        extra = sorted(set(params) - expected)
        raise ValueError(
            f"params must have exactly the keys W1, b1, ..., W{L}, b{L}; "
            f"missing {missing}, unexpected {extra}"
        )
    dims: list[int] = []
    for l in range(1, L + 1):
        W = np.asarray(params[f"W{l}"])
        b = np.asarray(params[f"b{l}"])
        if W.ndim != 2:
            raise ValueError(
                f"W{l} must be 2-D, (n[{l}], n[{l - 1}]); Received: W{l} with shape {W.shape}"
            )
        # n[l] as b[l] (n[l], 1) tells it, so that a transposed W[l] is named as such
        n_l = b.shape[0] if b.ndim == 2 and b.shape[1] == 1 else None
        n_prev = dims[-1] if dims else None
        after = np.shape(params.get(f"W{l + 1}", np.empty((0,))))
        n_next = after[1] if len(after) == 2 else None  # n[l] as W[l+1] (n[l+1], n[l]) tells it
        prev_shape = np.shape(params[f"W{l - 1}"]) if l > 1 else ()
        _check_W_orientation(l, W.shape, n_prev, n_l, n_next, prev_shape)
        if l == 1:
            dims.append(W.shape[1])
        dims.append(W.shape[0])
        if b.shape != (W.shape[0], 1):
            hint = (
                f"; b[l] is a column: np.zeros((n[l], 1)), or b{l}.reshape(-1, 1)"
                if b.shape == (W.shape[0],)
                else ""
            )
            raise ValueError(
                f"b{l} has shape {b.shape} but b[l] must be (n[l], 1) = ({W.shape[0]}, 1) "
                f"to match W{l} with shape {W.shape}{hint}"
            )
    return dims


def _check_W_orientation(
    l: int,
    shape: tuple,
    n_prev: int | None,
    n_l: int | None,
    n_next: int | None,
    prev_shape: tuple,
) -> None:
    """W[l] must be (n[l], n[l−1]), n[l−1] known from W[l−1] (l > 1) and n[l] from b[l]
    (and from W[l+1]): a W[l] of shape (n[l−1], n[l]) is named transposed (not blamed on
    b[l])."""
    rows_ok = n_l is None or shape[0] == n_l
    cols_ok = n_prev is None or shape[1] == n_prev
    transposed = (
        (n_l is None or shape[1] == n_l)
        and (n_prev is None or shape[0] == n_prev)
        and (n_next is None or shape[1] == n_next)
    )
    if rows_ok and cols_ok:
        return
    if transposed:
        rows = n_l if n_l is not None else shape[1]
        cols = n_prev if n_prev is not None else shape[0]
        known = f"n[{l}] = {shape[1]}" + (f" from b{l}" if n_l is not None else "")
        if n_prev is not None:
            known += f" and n[{l - 1}] = {n_prev} from W{l - 1} with shape {prev_shape}"
        raise ValueError(
            f"W{l} has shape {shape} but W[l] must be (n[l], n[l-1]) = ({rows}, {cols}) with "
            f"{known}: W{l} is transposed, (n[l-1], n[l]) instead of (n[l], n[l-1]), one row "
            f"per unit of layer {l}; did you mean W{l}.T?"
        )
    if not cols_ok:
        raise ValueError(
            f"W{l} has shape {shape} but W[l] must be (n[l], n[l-1]) = "
            f"({shape[0]}, {n_prev}): n[{l - 1}] = {n_prev} from W{l - 1} "
            f"with shape {prev_shape}"
        )
    # rows that disagree with b[l] only: b[l]'s message says so


def check_softmax_units(nL: int) -> None:
    """A softmax output needs n[L] >= 2 units: over one unit it is always 1."""
    if nL == 1:
        raise ValueError(
            "softmax over n[L] = 1 output unit is always 1 (e^z / e^z), so the network cannot "
            "learn; for two classes use one sigmoid unit (output='sigmoid', Y of 0/1 with "
            "shape (1, m)), or give softmax n[L] = the number of classes (Y one-hot, "
            "(n[L], m))"
        )
