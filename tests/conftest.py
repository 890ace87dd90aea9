"""Shared fixtures: a seeded generator, tiny data sets, and the one finite-difference oracle.

Every derivative in the suite is checked against :func:`central_diff`, which knows nothing
about layerwise: it perturbs one entry of an array at a time and differences a scalar function.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def central_diff(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences (f(x + ε e_i) − f(x − ε e_i)) / 2ε of a scalar ``f`` w.r.t. ``x``.

    ``f`` takes no arguments and reads ``x`` (perturbed in place, entry by entry, and restored
    exactly). Returns an array shaped like ``x``.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writing into it perturbs x
    assert np.shares_memory(flat, x), "central_diff needs a contiguous array it can perturb"
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        plus = float(f())
        flat[i] = saved - eps
        minus = float(f())
        flat[i] = saved
        gflat[i] = (plus - minus) / (2.0 * eps)
    return grad


@pytest.fixture
def num_grad() -> Callable[..., np.ndarray]:
    """The finite-difference oracle, :func:`central_diff`."""
    return central_diff


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def X(rng: np.random.Generator) -> np.ndarray:
    """(n[0], m) = (3, 7): three features, seven examples as columns."""
    return rng.standard_normal((3, 7))


@pytest.fixture
def Y_binary() -> np.ndarray:
    """(1, 7) labels 0/1, both classes present."""
    return np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0]])


@pytest.fixture
def Y_onehot() -> np.ndarray:
    """(3, 7) one-hot labels for a softmax output of three classes."""
    labels = np.array([0, 2, 1, 1, 0, 2, 2])
    return np.eye(3)[labels].T.copy()


@pytest.fixture
def Y_regression(rng: np.random.Generator) -> np.ndarray:
    """(2, 7) real-valued targets for a linear output of two units."""
    return rng.standard_normal((2, 7))
