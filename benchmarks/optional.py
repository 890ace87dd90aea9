"""The optional packages the benchmark compares with or reports on, each None when it is not
installed: the run then skips that tool (and, without scikit-learn, the digits data) and the
report says why. JAX is both a peer (a hand-written jax.jit + lax.scan loop) and layerwise's
second engine."""

from __future__ import annotations

try:
    import threadpoolctl
except ImportError:  # pragma: no cover - reported in the results instead
    threadpoolctl = None
try:
    import sklearn
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
except ImportError:  # pragma: no cover
    sklearn = load_digits = MLPClassifier = None
try:
    import torch
except ImportError:  # pragma: no cover
    torch = None
try:
    import jax
except ImportError:  # pragma: no cover
    jax = None

__all__ = ["MLPClassifier", "jax", "load_digits", "sklearn", "threadpoolctl", "torch"]
