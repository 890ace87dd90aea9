"""Read-only arrays of one repeated value, cached by shape, value and dtype.

Two steps of every training iteration need an array that holds a single value:

- db[l] = dZ[l] · (1, ..., 1)ᵀ, a BLAS product with a column of ones instead of a
  reduction (see :func:`layerwise.core.propagation.linear_backward`);
- ReLU's max(z, 0), where NumPy's loop over two operands of the same shape is two to three
  times faster than its loop against the scalar 0 (see :class:`layerwise.core.activations.ReLU`).

A training run asks for the same few shapes at every step, so each is made once.
"""

from __future__ import annotations

import numpy as np

from ._typing import Array

__all__ = ["filled", "filled_like"]

_CACHE: dict[tuple[tuple[int, ...], float, str], Array] = {}
#: at most this many arrays are kept (a run needs two per batch size: batch and last batch)
_MAX_ENTRIES = 64
#: arrays larger than this (a big predict) are not kept
_MAX_ELEMENTS = 1 << 20


def filled(shape: tuple[int, ...], value: float, dtype: np.dtype) -> Array:
    """A read-only array of ``shape`` holding ``value``; cached unless it is large."""
    key = (shape, value, dtype.char)
    arr = _CACHE.get(key)
    if arr is None:
        arr = np.full(shape, value, dtype=dtype)
        arr.flags.writeable = False
        if arr.size <= _MAX_ELEMENTS:
            if len(_CACHE) >= _MAX_ENTRIES:
                _CACHE.clear()
            _CACHE[key] = arr
    return arr


def filled_like(a: Array, value: float) -> Array | float:
    """``value`` shaped like ``a`` (cached) when ``a`` is small enough to keep one; else the
    scalar itself, which broadcasts to the same result without the memory."""
    if a.size > _MAX_ELEMENTS:
        return value
    return filled(a.shape, value, a.dtype)
