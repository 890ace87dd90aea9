"""Weight initializers: W[l] of shape (n[l], n[l−1]); b[l] always starts at zeros (n[l], 1).

- ``small``: W = randn(n[l], n[l−1]) × 0.01, the notes' choice (``scale`` configurable).
  Small, because large weights push z into the flat ends of sigmoid/tanh, where the slope,
  and so learning, is slow.
- ``he``: W = randn × √(2 / n[l−1]), for ReLU layers.
- ``xavier``: W = randn × √(2 / (n[l−1] + n[l])) (Glorot normal), for tanh/sigmoid layers.
- ``zeros``: W = 0. Allowed, for demonstrating the symmetry problem, with a warning: every
  hidden unit of a layer then computes the same function and receives the same gradient,
  so they stay identical through training.

- ``course`` (:func:`init_params` only): the ``small`` rule drawn as the course's assignments
  draw it, so that ``init_params(dims, init="course", seed=1)`` holds the numbers of
  ``np.random.seed(1)`` followed by ``np.random.randn(n[l], n[l−1]) * 0.01`` in layer order
  (W[1], then W[2], ...; the zeros of b[l] draw nothing), from a legacy
  ``numpy.random.RandomState(seed)`` of its own.

Randomness always comes from a ``numpy.random.Generator`` (for ``course``, a
``RandomState``); the global stream is never used.
:func:`init_params` returns the notes' dict {"W1", "b1", ...}; ``Network`` draws its weights
from the same :func:`init_weights`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from .. import _checks
from .._checks import registry_key
from .._typing import Array, DTypeLike, SeedLike

__all__ = [
    "INITIALIZERS",
    "SymmetryWarning",
    "init_params",
    "init_weights",
    "check_init",
    "suited_init",
]


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


def course_weights(layer_dims: list[int], seed: SeedLike, scale: float | None) -> list[Array]:
    """W[1], ..., W[L] as the course's assignments draw them after ``np.random.seed(seed)``:
    ``np.random.randn(n[l], n[l−1]) * 0.01`` in layer order, here from a legacy
    ``RandomState(seed)`` (the global stream is not touched)."""
    if isinstance(seed, (np.random.Generator, bool)):
        raise TypeError(
            "init='course' reproduces np.random.seed(seed), which takes an integer seed; "
            f"Received: seed={seed!r}"
        )
    _checks.check_rng(seed)  # the same checks of the seed as the other initializers
    rs = np.random.RandomState(None if seed is None else int(seed))
    s = 0.01 if scale is None else float(scale)
    # W[l] = np.random.randn(n[l], n[l-1]) * 0.01, for l = 1..L in order
    return [rs.randn(layer_dims[l], layer_dims[l - 1]) * s for l in range(1, len(layer_dims))]


def init_params(
    layer_dims: Sequence[int],
    init: str = "small",
    seed: SeedLike = None,
    dtype: DTypeLike = "float64",
    scale: float | None = None,
) -> dict[str, Array]:
    """Initialize W[l] randomly and b[l] at zeros, for l = 1..L.

    Parameters
    ----------
    layer_dims : list of int
        [n[0], n[1], ..., n[L]].
    init : {"small", "he", "xavier", "zeros", "course"}
        ``small`` is the notes' randn(n[l], n[l−1]) × 0.01. ``course`` is the same rule with
        the numbers of the course's assignments: those of ``np.random.seed(seed)`` then
        ``np.random.randn(n[l], n[l−1]) * 0.01`` for l = 1..L (their
        ``initialize_parameters(n_x, n_h, n_y)`` and ``initialize_parameters_deep``, which
        seed inside), drawn from a ``RandomState(seed)`` of its own; ``seed`` must then be an
        int (or None).
    seed : int, numpy.random.Generator or None
    dtype : {"float64", "float32"}
    scale : float, optional
        Multiplies the initializer's standard deviation (for ``small``, replaces 0.01).

    Returns
    -------
    params : dict
        ``W{l}`` of shape (n[l], n[l−1]) and ``b{l}`` of shape (n[l], 1).

    Examples
    --------
    >>> params = init_params([2, 3, 5, 4, 2, 1], seed=0)
    >>> [params[f"W{l}"].shape for l in range(1, 6)]
    [(3, 2), (5, 3), (4, 5), (2, 4), (1, 2)]
    >>> init_params([2, 4, 1], init="course", seed=2)["W1"][0]  # the planar assignment's W1
    array([-0.00416758, -0.00056267])
    """
    dims = _checks.check_layer_dims(layer_dims)
    dt = _checks.check_dtype(dtype)
    if isinstance(init, str) and init.strip().lower() == "course":
        weights = [W.astype(dt, copy=False) for W in course_weights(dims, seed, scale)]
    else:
        weights = init_weights(dims, init, _checks.check_rng(seed), dt, scale)
    params: dict[str, Array] = {}
    for l, W in enumerate(weights, start=1):
        params[f"W{l}"] = W
        # b[l] = np.zeros((n[l], 1))
        params[f"b{l}"] = np.zeros((dims[l], 1), dtype=dt)
    return params


def suited_init(hidden: str) -> str:
    """The initializer that suits a hidden activation: ``he`` for the ReLU family (whose
    units pass half their inputs, so the variance needs the factor 2 / n[l−1]), ``xavier``
    (Glorot) for the others. The command line's ``--init auto``.

    Examples
    --------
    >>> suited_init("relu"), suited_init("tanh")
    ('he', 'xavier')
    """
    return "he" if hidden in ("relu", "leaky_relu") else "xavier"
