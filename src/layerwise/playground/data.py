"""The playground's data: the data sets of the plane (two classes, several classes, a surface
to fit), the inputs made of x1 and x2 (the feature crosses), and the held-out split.

Every data set gives X (2, m), the points of the plane, and Y (1, m): a 0/1 label (two
classes), a class index 0..K−1 (several classes) or a number (regression). :func:`inputs`
then turns X into the network's A[0] = X (n[0], m), one row per chosen feature.

Examples
--------
>>> X = np.array([[1.0, 2.0], [3.0, 0.0]])
>>> inputs(X, ("x1", "x1x2"))
array([[1., 2.],
       [3., 0.]])
>>> feature_lines(("x1", "x1^2"))
['x1, x2 = X', 'X = np.stack([x1, x1**2])  # A[0]: x1, x1²']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._typing import Array, IndexArray
from ..core import datasets

__all__ = [
    "FEATURES",
    "TASKS",
    "OUTPUTS",
    "DATASETS",
    "DEFAULT_NOISE",
    "POINTS",
    "plane",
    "sine",
    "inputs",
    "feature_lines",
    "data_call",
    "make_data",
    "split_data",
    "classes_of",
]

#: examples per data set (the flower's 2 × 200, as in the notes)
POINTS = 400

#: the inputs a network may take: name -> (how the page shows it, the NumPy source that
#: computes it from the rows x1, x2 of X); the order is the order of the rows of A[0]
FEATURES: dict[str, tuple[str, str]] = {
    "x1": ("x1", "x1"),
    "x2": ("x2", "x2"),
    "x1^2": ("x1²", "x1**2"),
    "x2^2": ("x2²", "x2**2"),
    "x1x2": ("x1·x2", "x1 * x2"),
    "sin_x1": ("sin x1", "np.sin(x1)"),
    "sin_x2": ("sin x2", "np.sin(x2)"),
}

_COMPUTE: dict[str, Callable[[Array, Array], Array]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1**2,
    "x2^2": lambda x1, x2: x2**2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}


def plane(m: int = POINTS, noise: float = 0.1, seed: int | None = None) -> tuple[Array, Array]:
    """A tilted plane to fit: points uniform in [−3, 3]², y = (x1 − 2 x2) / 3 + noise·ε.

    Returns
    -------
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m), the targets
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3.0, 3.0, size=(2, m))
    Y = (X[0] - 2.0 * X[1]) / 3.0 + noise * rng.standard_normal(m)
    return X, Y[None, :]


def sine(m: int = POINTS, noise: float = 0.05, seed: int | None = None) -> tuple[Array, Array]:
    """A wavy surface to fit: points uniform in [−3, 3]², y = sin x1 · cos x2 + noise·ε.

    Returns
    -------
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m), the targets
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3.0, 3.0, size=(2, m))
    Y = np.sin(X[0]) * np.cos(X[1]) + noise * rng.standard_normal(m)
    return X, Y[None, :]


#: each data set: its generator's Python name (as the script calls it) and its task
_SOURCES: dict[str, tuple[str, str]] = {
    **{name: (f"lw.datasets.{name}", "binary") for name in datasets.GENERATED},
    "blobs3": ("lw.datasets.blobs", "multiclass"),
    "spiral3": ("lw.datasets.spiral", "multiclass"),
    "plane": ("lw.playground.data.plane", "regression"),
    "sine": ("lw.playground.data.sine", "regression"),
}
_MAKERS: dict[str, Any] = {
    **datasets.GENERATED,
    "blobs3": datasets.blobs,
    "spiral3": datasets.spiral,
    "plane": plane,
    "sine": sine,
}
#: the output activation of each task
OUTPUTS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
#: the data sets the page offers ("upload": a CSV file of one's own, see :mod:`.upload`)
DATASETS = (*_SOURCES, "upload")
#: each data set's task: binary (a sigmoid output), multiclass (softmax), regression (linear)
TASKS: dict[str, str] = {name: task for name, (_, task) in _SOURCES.items()}

#: the noise each data set starts with (its generator's own default; the blobs' spread is
#: their standard deviation); the flower's noise is fixed by the course's generator
DEFAULT_NOISE: dict[str, float | None] = {
    "planar": None,
    "moons": 0.1,
    "circles": 0.05,
    "xor": 0.0,
    "spiral": 0.2,
    "blobs": 1.0,
    "blobs3": 1.0,
    "spiral3": 0.2,
    "plane": 0.1,
    "sine": 0.05,
    "upload": None,
}


def inputs(X: Array, features: Sequence[str]) -> Array:
    """A[0] (n[0], m): the chosen ``features`` of the points X (2, m), in the given order."""
    x1, x2 = X[0], X[1]
    return np.stack([_COMPUTE[name](x1, x2) for name in features])


def feature_lines(features: Sequence[str]) -> list[str]:
    """The script's lines that turn X (2, m) into the network's inputs (none for x1, x2)."""
    if tuple(features) == ("x1", "x2"):
        return []
    shown = ", ".join(FEATURES[f][0] for f in features)
    source = ", ".join(FEATURES[f][1] for f in features)
    return ["x1, x2 = X", f"X = np.stack([{source}])  # A[0]: {shown}"]


def _data_kwargs(dataset: str, noise: float | None, seed: int) -> dict[str, Any]:
    """The arguments of the generator of ``dataset``: :data:`POINTS` examples."""
    if dataset == "planar":
        return {"seed": seed}
    if dataset in ("blobs", "blobs3"):
        return {"m": POINTS, "centers": 3 if dataset == "blobs3" else 2, "std": noise, "seed": seed}
    if dataset in ("spiral", "spiral3"):
        classes = 3 if dataset == "spiral3" else 2
        return {"m": POINTS, "classes": classes, "noise": noise, "seed": seed}
    return {"m": POINTS, "noise": noise, "seed": seed}


def data_call(settings: Any) -> str:
    """The Python call that makes the data, e.g. ``lw.datasets.moons(m=400, noise=0.1,
    seed=1)`` (``settings``: a :class:`~layerwise.playground.settings.Settings`)."""
    s = settings
    args = ", ".join(f"{k}={v!r}" for k, v in _data_kwargs(s.dataset, s.noise, s.seed).items())
    return f"{_SOURCES[s.dataset][0]}({args})"


def make_data(settings: Any) -> tuple[Array, Array]:
    """X (2, m) and Y (1, m) of a built-in data set, as :func:`data_call` makes them."""
    s = settings
    kwargs = _data_kwargs(s.dataset, s.noise, s.seed)
    make: Any = _MAKERS[s.dataset]
    X, Y = make(**kwargs)
    return X, Y


def classes_of(dataset: str) -> int:
    """The number of output units a built-in data set needs (1 for two classes or a
    regression)."""
    return 3 if TASKS[dataset] == "multiclass" else 1


def split_data(m: int, share: float, seed: int) -> tuple[IndexArray, IndexArray, np.ndarray]:
    """The indices of the training examples and of those held out (each sorted), drawn from
    ``seed``, and a 0/1 mark of the held-out ones (m,).

    The script writes the same draw out: ``np.random.default_rng(seed).permutation(m)``, its
    first round(m · share) held out.
    """
    n_val = round(m * share)
    order = np.random.default_rng(seed).permutation(m)
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    held_out = np.zeros(m, dtype=np.uint8)
    held_out[val] = 1
    return train, val, held_out
