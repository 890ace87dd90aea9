"""Small generated data sets for teaching, nothing downloaded.

Every function returns ``X`` of shape (2, m) (one example per column, as in the notes) and
``Y`` of shape (1, m) holding float labels (never uint8: integer label arrays silently wrap
in dot products), except :func:`blobs`, :func:`spiral` and :func:`gaussian_quantiles` with
more than two classes, whose ``Y`` holds the class index 0..K−1 (use :func:`one_hot` for a
softmax output).

The course's "other data sets" of week 3 are ``circles(m=200, noise=0.3)`` (noisy circles),
``moons(m=200, noise=0.2)`` (noisy moons), ``blobs(m=200, centers=6)`` with Y % 2 (blobs, two
classes) and ``gaussian_quantiles()``.

Examples
--------
>>> X, Y = planar()
>>> X.shape, Y.shape, Y.dtype
((2, 400), (1, 400), dtype('float64'))
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from .._typing import Array, SeedLike

__all__ = [
    "planar",
    "moons",
    "circles",
    "xor",
    "spiral",
    "blobs",
    "gaussian_quantiles",
    "one_hot",
    "GENERATED",
]


def _count(name: str, value: int) -> int:
    return int(_checks.check_positive(name, value, integer=True))


def planar(seed: int = 1, n_per_class: int = 200) -> tuple[Array, Array]:
    """The course's "flower": two classes of 200 points on the petals of r = 4 sin(4t).

    Reproduces the course's generator exactly (so its published numbers can be reproduced):
    with a local legacy stream ``rs = np.random.RandomState(seed)``, for class j = 0 then 1,
    t = linspace(3.12 j, 3.12 (j + 1), N) + 0.2 randn(N), r = 4 sin(4t) + 0.2 randn(N),
    points (r sin t, r cos t) with label j.

    Parameters
    ----------
    seed : int
        Default 1, as in the course.
    n_per_class : int
        N, default 200 (m = 2N = 400).

    Returns
    -------
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m), float 0.0/1.0
    """
    N = _count("n_per_class", n_per_class)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"planar() takes an integer seed >= 0; Received: seed={seed!r}")
    rs = np.random.RandomState(seed)  # a local legacy stream, never the global one
    X = np.zeros((2 * N, 2))
    Y = np.zeros((2 * N, 1))
    a = 4  # maximum ray of the flower
    for j in range(2):
        ix = slice(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rs.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rs.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T.copy(), Y.T.copy()


def moons(m: int = 400, noise: float = 0.1, seed: SeedLike = None) -> tuple[Array, Array]:
    """Two interleaving half circles (class 0 on top, class 1 below, shifted)."""
    m = _count("m", m)
    rng = _checks.check_rng(seed)
    m0 = m // 2 + m % 2
    m1 = m // 2
    t0 = np.linspace(0, np.pi, m0)
    t1 = np.linspace(0, np.pi, m1)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)]), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)])], axis=1
    )
    X += noise * rng.standard_normal(X.shape)
    Y = np.concatenate([np.zeros(m0), np.ones(m1)])[None, :]
    return _shuffled(X, Y, rng)


def circles(
    m: int = 400, noise: float = 0.05, factor: float = 0.5, seed: SeedLike = None
) -> tuple[Array, Array]:
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1)."""
    m = _count("m", m)
    if not 0 < factor < 1:
        raise ValueError(
            f"factor is the inner radius and must be in (0, 1); Received: factor={factor!r}"
        )
    rng = _checks.check_rng(seed)
    m0 = m // 2 + m % 2
    m1 = m // 2
    t0 = np.linspace(0, 2 * np.pi, m0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, m1, endpoint=False)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)]), factor * np.stack([np.cos(t1), np.sin(t1)])], axis=1
    )
    X += noise * rng.standard_normal(X.shape)
    Y = np.concatenate([np.zeros(m0), np.ones(m1)])[None, :]
    return _shuffled(X, Y, rng)


def xor(m: int = 400, noise: float = 0.0, seed: SeedLike = None) -> tuple[Array, Array]:
    """Points uniform in [−1, 1]²; label 1 where x1 and x2 have different signs."""
    m = _count("m", m)
    rng = _checks.check_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(2, m))
    Y = ((X[0] > 0) != (X[1] > 0)).astype(np.float64)[None, :]
    if noise:
        X += noise * rng.standard_normal(X.shape)
    return X, Y


def spiral(
    m: int = 300, classes: int = 3, noise: float = 0.2, seed: SeedLike = None
) -> tuple[Array, Array]:
    """``classes`` interleaved spiral arms; Y holds the arm index 0..K−1 (float)."""
    m = _count("m", m)
    K = _count("classes", classes)
    rng = _checks.check_rng(seed)
    per = np.full(K, m // K)
    per[: m % K] += 1
    Xs, Ys = [], []
    for k, n in enumerate(per):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, n) + rng.standard_normal(n) * noise
        Xs.append(np.stack([r * np.sin(t), r * np.cos(t)]))
        Ys.append(np.full(n, float(k)))
    return _shuffled(np.concatenate(Xs, axis=1), np.concatenate(Ys)[None, :], rng)


def blobs(
    m: int = 400, centers: int = 2, std: float = 1.0, seed: SeedLike = None
) -> tuple[Array, Array]:
    """Gaussian blobs around ``centers`` points drawn in [−5, 5]²; Y is the blob index."""
    m = _count("m", m)
    K = _count("centers", centers)
    rng = _checks.check_rng(seed)
    C = rng.uniform(-5.0, 5.0, size=(2, K))
    labels = np.arange(m) % K
    X = C[:, labels] + std * rng.standard_normal((2, m))
    return _shuffled(X, labels.astype(np.float64)[None, :], rng)


def gaussian_quantiles(
    m: int = 200, classes: int = 2, cov: float = 0.5, seed: SeedLike = None
) -> tuple[Array, Array]:
    """Points of a Gaussian N(0, cov·I) in the plane, in ``classes`` rings of equal size cut
    at the quantiles of the distance from the centre (class 0 the innermost), as
    scikit-learn's ``make_gaussian_quantiles`` (the course's "gaussian quantiles" set:
    ``cov=0.5``, 200 points, 2 classes). With 2 classes, ‖x‖²/cov follows χ² with 2 degrees
    of freedom, so the boundary is near the circle ‖x‖² = 2 ln 2 · cov.

    The remainder of m / classes goes to the outermost class; Y holds the class index
    0..K−1 (float).
    """
    m = _count("m", m)
    K = _count("classes", classes)
    if not (isinstance(cov, (int, float)) and cov > 0):
        raise ValueError(f"cov is the variance of each feature and must be > 0; Received: {cov!r}")
    if m < K:
        raise ValueError(f"classes={K} rings need at least {K} points; Received: m={m}")
    rng = _checks.check_rng(seed)
    X = np.sqrt(cov) * rng.standard_normal((2, m))
    order = np.argsort(np.sum(X**2, axis=0), kind="stable")
    step = m // K
    labels = np.minimum(np.arange(m) // step, K - 1)
    Y = np.empty(m)
    Y[order] = labels
    return X, Y[None, :]


def one_hot(Y: Array, n_classes: int | None = None) -> Array:
    """Class indices (1, m) → one-hot (K, m), the targets a softmax output needs."""
    labels = np.asarray(Y).reshape(-1)
    if labels.size and (labels.min() < 0 or np.any(labels != np.round(labels))):
        raise ValueError("one_hot needs class indices 0, 1, ..., K-1")
    K = int(labels.max()) + 1 if n_classes is None else int(n_classes)
    if labels.size and labels.max() >= K:
        raise ValueError(f"label {int(labels.max())} does not fit n_classes={K}")
    out = np.zeros((K, labels.size))
    out[labels.astype(np.intp), np.arange(labels.size)] = 1.0
    return out


def _shuffled(X: Array, Y: Array, rng: np.random.Generator) -> tuple[Array, Array]:
    order = rng.permutation(X.shape[1])
    return np.ascontiguousarray(X[:, order]), np.ascontiguousarray(Y[:, order])


#: name -> generator, for the CLI and the docs
GENERATED = {
    "planar": planar,
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "spiral": spiral,
    "blobs": blobs,
}
