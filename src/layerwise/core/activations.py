"""Activation functions g and their derivatives g', one record per activation.

Every activation is an object with both directions a few lines apart:

- ``g(Z, out=None)`` computes A = g(Z), elementwise (softmax: over each column);
- ``g.derivative(Z, A=None, out=None)`` computes g'(Z), from A where the notes allow
  (sigmoid: a(1 − a), tanh: 1 − a²), which saves recomputing g;
- ``g.backward(dA, Z, A, out=None)`` applies the chain rule dZ = dA * g'(Z).

All three follow the NumPy ufunc convention: they allocate when ``out`` is None and fill
``out`` otherwise (``out`` may be the very array passed as an input; partially overlapping
views are not supported). The readable functions of
:mod:`layerwise.core.propagation` and the training loop call the very same methods; the loop just
passes preallocated buffers. They take their array namespace from their input
(:data:`~layerwise.core._namespace.NAMESPACES`) and always use the array a call returns, so the
same lines run on JAX arrays when the ``jax`` engine traces them.

Names are resolved by :func:`get_activation`, the one place a new activation is registered.

Examples
--------
>>> import numpy as np
>>> g = get_activation("tanh")
>>> Z = np.array([[0.0, 1.0]])
>>> g(Z).round(4)
array([[0.    , 0.7616]])
>>> g.derivative(Z).round(4)
array([[1.  , 0.42]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Union

import numpy as np

from .._checks import registry_key
from .._typing import Array
from ._namespace import NAMESPACES

__all__ = [
    "Activation",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "Linear",
    "Softmax",
    "get_activation",
    "ACTIVATIONS",
]


class Activation:
    """Base record of an activation g: forward, derivative and chain rule.

    Subclasses implement ``__call__`` and ``derivative``; ``backward`` defaults to the
    elementwise chain rule dZ = dA * g'(Z) and is overridden where a cheaper form exists
    (linear: dZ = dA) or the Jacobian is not diagonal (softmax).
    """

    name: str = ""
    #: True when g'(z) is computed from a = g(z) alone (so the cache needs only A).
    derivative_from_output: bool = False

    def __call__(self, Z: Array, out: Array | None = None) -> Array:  # pragma: no cover
        raise NotImplementedError

    def derivative(self, Z: Array, A: Array | None = None, out: Array | None = None) -> Array:
        """g'(Z), elementwise; ``A = g(Z)`` may be passed to save recomputing it."""
        raise NotImplementedError  # pragma: no cover

    def backward(self, dA: Array, Z: Array, A: Array, out: Array | None = None) -> Array:
        """dZ = dA * g'(Z) (elementwise product), shape (n[l], m)."""
        # When out is dA itself, compute g' into a fresh array first, or we would read a
        # half-overwritten dA. Otherwise g' goes straight into out.
        xp = NAMESPACES[type(dA)]
        if out is None or out is dA:
            deriv = self.derivative(Z, A)
            return xp.multiply(dA, deriv, out=out)
        D = self.derivative(Z, A, out=out)
        return xp.multiply(D, dA, out=D)

    def get_config(self) -> dict[str, float]:
        """Parameters beyond the name (for model files); empty for most activations."""
        return {}

    def __repr__(self) -> str:
        config = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({config})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Activation)
            and self.name == other.name
            and self.get_config() == other.get_config()
        )

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.get_config().items()))))


class Sigmoid(Activation):
    """Sigmoid σ(z) = 1 / (1 + e^(−z)); σ'(z) = σ(z)(1 − σ(z)) = a(1 − a).

    e^(−z) is computed with −z capped at 708 in float64 (87 in float32), just below where it
    would overflow: the result keeps its relative accuracy in both tails (σ(−40) ≈ 4.2e−18,
    not 0), e^(−z) never overflows, and below the cap σ(z) stays at about 3e−308 (1.6e−38),
    the smallest normal numbers, instead of reaching 0. Suits a binary (0/1) output layer.
    """

    name = "sigmoid"
    derivative_from_output = True

    def __call__(self, Z: Array, out: Array | None = None) -> Array:
        xp = NAMESPACES[type(Z)]
        A = xp.negative(Z, out=out)
        A = xp.minimum(A, _exp_cap(A.dtype), out=A)
        # σ(z) = 1 / (1 + e^(−z))
        A = xp.exp(A, out=A)
        A += 1.0
        return xp.reciprocal(A, out=A)

    def derivative(self, Z: Array, A: Array | None = None, out: Array | None = None) -> Array:
        if A is None:
            A = self(Z)
        if out is A:  # a (1 − a) needs a while 1 − a is written
            return _into(out, self.derivative(Z, A))
        # g'(z) = a (1 − a)
        D = NAMESPACES[type(A)].subtract(1.0, A, out=out)
        D *= A
        return D


_EXP_CAPS: dict[str, float] = {}


def _exp_cap(dtype: np.dtype) -> float:
    """A whole x whose 1 / (1 + e^x) is still a normal number in ``dtype`` (708 for
    float64, 87 for float32)."""
    cap = _EXP_CAPS.get(dtype.char)
    if cap is None:
        cap = _EXP_CAPS[dtype.char] = float(np.floor(np.log(np.finfo(dtype).max))) - 1.0
    return cap


def _into(out: Array, value: Array) -> Array:
    np.copyto(out, value)
    return out


class Tanh(Activation):
    """Hyperbolic tangent g(z) = tanh(z); g'(z) = 1 − tanh²(z) = 1 − a².

    Almost always a better hidden-layer choice than sigmoid: its outputs are centred on 0.
    """

    name = "tanh"
    derivative_from_output = True

    def __call__(self, Z: Array, out: Array | None = None) -> Array:
        return NAMESPACES[type(Z)].tanh(Z, out=out)

    def derivative(self, Z: Array, A: Array | None = None, out: Array | None = None) -> Array:
        if A is None:
            A = self(Z)
        # g'(z) = 1 − a²
        xp = NAMESPACES[type(A)]
        D = xp.multiply(A, A, out=out)
        return xp.subtract(1.0, D, out=D)


class ReLU(Activation):
    """Rectified linear unit g(z) = max(0, z); g'(z) = 0 for z < 0, 1 for z ≥ 0.

    g is not differentiable at 0; like the notes we take g'(0) = 1 (any value in [0, 1]
    is a valid subgradient). That is why the derivative is read from Z, not from A: A = 0
    cannot tell z = 0 from z < 0. The usual default for hidden layers.
    """

    name = "relu"

    def __call__(self, Z: Array, out: Array | None = None) -> Array:
        # g(z) = max(z, 0), against an array of zeros: NumPy's loop over two operands of one
        # shape is two to three times faster than its loop against the scalar 0
        xp = NAMESPACES[type(Z)]
        return xp.maximum(Z, xp.filled_like(Z, 0.0), out=out)

    def derivative(self, Z: Array, A: Array | None = None, out: Array | None = None) -> Array:
        # g'(z) = 1 if z >= 0 else 0 (the notes' choice at the kink)
        if out is None:
            return (Z >= 0).astype(Z.dtype)
        return NAMESPACES[type(Z)].greater_equal(Z, 0.0, out=out, casting="unsafe")


class LeakyReLU(Activation):
    """Leaky ReLU g(z) = max(slope·z, z); g'(z) = slope for z < 0, 1 for z ≥ 0.

    ``slope`` is 0.01 by default, as in the notes, and must lie in [0, 1). As for ReLU,
    g'(0) = 1.
    """

    name = "leaky_relu"

    def __init__(self, slope: float = 0.01) -> None:
        slope = float(slope)
        if not 0.0 <= slope < 1.0:
            raise ValueError(
                f"leaky_relu slope must be in [0, 1) so that g(z) = max(slope*z, z); "
                f"Received: slope={slope!r}"
            )
        self.slope = slope

    def __call__(self, Z: Array, out: Array | None = None) -> Array:
        if out is Z:  # slope·z must not overwrite the z it is compared with
            return _into(out, self(Z))
        # g(z) = max(slope z, z), valid because 0 <= slope < 1
        xp = NAMESPACES[type(Z)]
        A = xp.multiply(Z, self.slope, out=out)
        return xp.maximum(A, Z, out=A)

    def derivative(self, Z: Array, A: Array | None = None, out: Array | None = None) -> Array:
        # g'(z) = slope + (1 - slope) [z >= 0]
        xp = NAMESPACES[type(Z)]
        if out is None:
            out = xp.empty_like(Z)
        D = xp.greater_equal(Z, 0.0, out=out, casting="unsafe")
        D *= 1.0 - self.slope
        D += self.slope
        return D

    def get_config(self) -> dict[str, float]:
        return {"slope": self.slope}


class Linear(Activation):
    """Identity g(z) = z; g'(z) = 1.

    Belongs only in the output layer of a regression (the notes' housing prices): a
    network whose hidden layers are all linear is just one linear function.
    """

    name = "linear"
    derivative_from_output = True

    def __call__(self, Z: Array, out: Array | None = None) -> Array:
        if out is None:
            return Z.copy()  # (JAX arrays have copy() too)
        if out is not Z:
            np.copyto(out, Z)
        return out

    def derivative(self, Z: Array, A: Array | None = None, out: Array | None = None) -> Array:
        if out is None:
            return NAMESPACES[type(Z)].ones_like(Z)
        out.fill(1.0)
        return out

    def backward(self, dA: Array, Z: Array, A: Array, out: Array | None = None) -> Array:
        # dZ = dA * 1
        return self(dA, out=out)


class Softmax(Activation):
    """Softmax over each column: a_i = e^(z_i) / Σ_j e^(z_j).

    Its Jacobian is not diagonal: ∂a_i/∂z_j = a_i (δ_ij − a_j). ``derivative`` returns the
    diagonal a(1 − a) (what an elementwise g' would be); ``backward`` applies the full
    Jacobian, dZ = A * (dA − Σ_rows(A * dA)). Paired with categorical cross-entropy the
    two collapse to dZ = A − Y, which is what training uses. Output layer only.
    Computed from Z minus its column maximum, so it never overflows.
    """

    name = "softmax"
    derivative_from_output = True

    def __call__(self, Z: Array, out: Array | None = None) -> Array:
        # a = e^(z − max z) / Σ e^(z − max z): the same value, no overflow
        # (the ufuncs' reduce methods directly: the ndarray methods add a Python layer)
        xp = NAMESPACES[type(Z)]
        A = xp.subtract(Z, xp.maximum.reduce(Z, axis=0, keepdims=True), out=out)
        A = xp.exp(A, out=A)
        A /= xp.add.reduce(A, axis=0, keepdims=True)
        return A

    def derivative(self, Z: Array, A: Array | None = None, out: Array | None = None) -> Array:
        if A is None:
            A = self(Z)
        if out is A:
            return _into(out, self.derivative(Z, A))
        # diagonal of the Jacobian: a (1 − a)
        D = NAMESPACES[type(A)].subtract(1.0, A, out=out)
        D *= A
        return D

    def backward(self, dA: Array, Z: Array, A: Array, out: Array | None = None) -> Array:
        if out is A:
            return _into(out, self.backward(dA, Z, A))
        # dZ = A * (dA − Σ_i a_i dA_i), column by column (Jacobian-vector product)
        weighted = (A * dA).sum(axis=0, keepdims=True)
        dZ = NAMESPACES[type(dA)].subtract(dA, weighted, out=out)
        dZ *= A
        return dZ


#: The registry: name -> factory. Tests iterate it, so a new activation is tested
#: the moment it is added here.
ACTIVATIONS: dict[str, Callable[..., Activation]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "linear": Linear,
    "softmax": Softmax,
}

ActivationLike = Union[str, Activation]  # noqa: UP007 (a runtime alias)


def get_activation(name: ActivationLike, **config: float) -> Activation:
    """Resolve an activation from its name (or return an :class:`Activation` unchanged).

    Parameters
    ----------
    name : str or Activation
        One of ``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``linear``, ``softmax``.
    **config
        Parameters of the activation, e.g. ``slope=0.1`` for ``leaky_relu``.

    Returns
    -------
    Activation
        Callable on Z (``g(Z)``), with ``.derivative(Z)`` and ``.backward(dA, Z, A)``.

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.
    TypeError
        For anything that is neither a string nor an Activation.

    Examples
    --------
    >>> get_activation("leaky_relu", slope=0.2)
    LeakyReLU(slope=0.2)
    """
    if isinstance(name, Activation):
        if config:
            raise TypeError(
                f"configuration {sorted(config)} can only be given with an activation name; "
                f"Received: name={name!r}"
            )
        return name
    key = registry_key(name, ACTIVATIONS, "activation", "name")
    try:
        return ACTIVATIONS[key](**config)
    except TypeError:
        raise TypeError(
            f"activation {key!r} takes no parameters {sorted(config)}; Received: name={name!r}"
        ) from None
