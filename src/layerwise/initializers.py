"""Weight initializers: W[l] of shape (n[l], n[l−1]); b[l] always starts at zeros (n[l], 1).

- ``small``: W = randn(n[l], n[l−1]) × 0.01, the notes' choice (``scale`` configurable).
  Small, because large weights push z into the flat ends of sigmoid/tanh, where the slope,
  and so learning, is slow.
- ``he``: W = randn × √(2 / n[l−1]), for ReLU layers.
- ``xavier``: W = randn × √(2 / (n[l−1] + n[l])) (Glorot normal), for tanh/sigmoid layers.
- ``zeros``: W = 0. Allowed, for demonstrating the symmetry problem, with a warning: every
  hidden unit of a layer then computes the same function and receives the same gradient,
  so they stay identical through training.

Randomness always comes from a ``numpy.random.Generator``; the global stream is never used.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from ._checks import registry_key
from ._typing import Array

__all__ = ["INITIALIZERS", "SymmetryWarning", "init_weights", "check_init"]


class SymmetryWarning(UserWarning):
    """Zero weights: the hidden units of a layer will all compute the same function."""


def _small(n_out: int, n_in: int, rng: np.random.Generator, scale: float) -> Array:
    # W[l] = np.random.randn(n[l], n[l-1]) * 0.01
    return rng.standard_normal((n_out, n_in)) * scale


def _he(n_out: int, n_in: int, rng: np.random.Generator, scale: float) -> Array:
    return rng.standard_normal((n_out, n_in)) * (scale * math.sqrt(2.0 / n_in))


def _xavier(n_out: int, n_in: int, rng: np.random.Generator, scale: float) -> Array:
    return rng.standard_normal((n_out, n_in)) * (scale * math.sqrt(2.0 / (n_in + n_out)))


def _zeros(n_out: int, n_in: int, rng: np.random.Generator, scale: float) -> Array:
    return np.zeros((n_out, n_in))


#: name -> (function, default scale)
INITIALIZERS: dict[str, tuple[Callable[[int, int, np.random.Generator, float], Array], float]] = {
    "small": (_small, 0.01),
    "he": (_he, 1.0),
    "xavier": (_xavier, 1.0),
    "zeros": (_zeros, 0.0),
}


def check_init(init: str) -> str:
    """Validate an initializer name; unknown names list the valid ones."""
    return registry_key(init, INITIALIZERS, "initializer", "init")


def init_weights(
    layer_dims: list[int],
    init: str,
    rng: np.random.Generator,
    dtype: np.dtype,
    scale: float | None = None,
) -> list[Array]:
    """W[1], ..., W[L] for ``layer_dims``, drawn in layer order from ``rng``.

    Returns
    -------
    list of ndarray
        W[l] of shape (n[l], n[l−1]) and the requested dtype.
    """
    key = check_init(init)
    fn, default_scale = INITIALIZERS[key]
    s = default_scale if scale is None else float(scale)
    if key == "zeros" and len(layer_dims) > 2:
        warnings.warn(
            "init='zeros': every hidden unit of a layer will compute the same function and get "
            "the same gradient, so they stay identical (symmetry); use 'small', 'he' or 'xavier'",
            SymmetryWarning,
            stacklevel=3,
        )
    return [
        fn(layer_dims[l], layer_dims[l - 1], rng, s).astype(dtype, copy=False)
        for l in range(1, len(layer_dims))
    ]
