"""The array namespace of the math functions: NumPy for NumPy arrays, JAX for JAX arrays.

Every function of the notes' math (activations, losses, propagation, update rules) takes its
namespace from the type of its first array, ``xp = NAMESPACES[type(Z)]``, and writes
``xp.exp(A, out=A)`` where it used to write ``np.exp(A, out=A)``. The same lines then run two
ways:

- on NumPy arrays ``xp`` is NumPy's own functions: ``out=`` fills a preallocated buffer and an
  in-place ``A += 1.0`` writes into A, so the fast training loop allocates nothing;
- on JAX arrays (the ``jax`` engine traces these functions to compile an epoch) ``xp`` is a
  thin adapter over ``jax.numpy`` that accepts ``out=`` and returns a new array of ``out``'s
  dtype instead, and ``A += 1.0`` rebinds A to a new array.

For that to hold, the math always uses the value a call *returns* (``A = xp.exp(A, out=A)``),
never the side effect on ``out``. JAX is imported only when a JAX array is met: the NumPy path
never imports it.

A SciPy sparse A[0] (a mini-batch of a sparse X) has NumPy's namespace with one change: its
``dot`` lets the sparse operand compute the product (layer 1's W[1]A[0] and dZ[1]A[0]ᵀ) from
the non-zeros, and writes the dense result into ``out``.

Beyond NumPy's names, a namespace has ``dot(a, b, out=None)`` (the ndarray method for NumPy:
``np.dot``'s dispatch layer costs a third of a 32 × 32 product), ``scalar(x)`` (a Python float
for NumPy, the traced 0-d array for JAX: JAX cannot turn a traced value into a float),
``filled(shape, value, dtype)`` and ``filled_like(a, value)`` (the cached constant arrays of
:mod:`layerwise._constants`; for JAX a new array and the scalar itself).
"""

from __future__ import annotations

import functools
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

from .._constants import filled, filled_like

__all__ = ["NAMESPACES", "NUMPY", "namespace_of", "is_jax_array"]

#: the NumPy functions the math calls, by name (the JAX adapter wraps the same names)
_UFUNCS = (
    "abs",
    "add",
    "divide",
    "exp",
    "greater",
    "greater_equal",
    "less",
    "log",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "reciprocal",
    "sqrt",
    "square",
    "subtract",
    "tanh",
)
_FUNCTIONS = (
    "asarray",
    "count_nonzero",
    "empty_like",
    "ones_like",
    "vdot",
    "where",
)


def _module(module_name: str, **attributes: Any) -> ModuleType:
    # a module, not a SimpleNamespace: Python's attribute lookup on a module is the faster
    # one (measured: an xp.exp(A, out=A) on this module costs less than np.exp(A, out=A))
    module = ModuleType(module_name)
    module.__dict__.update(attributes)
    return module


#: NumPy's namespace: its own functions, with ``out=`` buffers and in-place operators
NUMPY = _module(
    "layerwise.core._namespace.numpy",
    name="numpy",
    **{name: getattr(np, name) for name in _UFUNCS + _FUNCTIONS},
    dot=np.ndarray.dot,
    scalar=float,
    filled=filled,
    filled_like=filled_like,
)

_ndarray = np.ndarray


def _sparse_dot(a: Any, b: Any, out: Any = None) -> Any:
    """a · b where one of them is a SciPy sparse matrix (a batch of sparse examples, A[0]);
    its own ``@`` computes the product in O(non-zeros · n[1]), and the dense result is
    written into ``out`` when given. SciPy is never imported here: the operand brings it."""
    result = np.asarray(a @ b)
    if out is None:
        return result
    np.copyto(out, result)
    return out


#: the namespace of a SciPy sparse A[0]: NumPy's, with a product that takes a sparse operand
#: (only layer 1 meets one, in its Z[1] = W[1] A[0] and dW[1] = dZ[1] A[0]ᵀ)
SPARSE = _module(
    "layerwise.core._namespace.sparse",
    name="sparse",
    **{name: getattr(np, name) for name in _UFUNCS + _FUNCTIONS},
    dot=_sparse_dot,
    scalar=float,
    filled=filled,
    filled_like=filled_like,
)


def is_jax_array(a: Any) -> bool:
    """True for a JAX array or a value being traced by JAX (told by its type's module, so
    JAX is never imported to answer)."""
    return bool(type(a).__module__.startswith(("jax", "jaxlib")))


class _Namespaces(dict[type, Any]):
    """Array type -> namespace; a type not seen before is resolved once (JAX's array and
    tracer types to the JAX adapter, anything else to NumPy) and kept. A dict lookup by type is
    what the math does at every call, so it must cost less than a function call: the training
    loop of a small network makes a dozen such calls per step."""

    def __missing__(self, kind: type) -> Any:
        module = kind.__module__
        namespace: Any
        if module.startswith(("jax", "jaxlib")):
            namespace = _jax_namespace()
        elif module.startswith("scipy.sparse"):
            namespace = SPARSE
        else:
            namespace = NUMPY
        self[kind] = namespace
        return namespace


#: the namespace of an array's type: ``xp = NAMESPACES[type(Z)]``
NAMESPACES: dict[type, Any] = _Namespaces({np.ndarray: NUMPY})


def namespace_of(*arrays: Any) -> Any:
    """The namespace of the arrays: JAX's adapter when any of them is a JAX array, else NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> namespace_of(np.ones(3)).name
    'numpy'
    >>> namespace_of(np.ones(3)).exp(np.zeros(2))
    array([1., 1.])
    """
    for a in arrays:
        if type(a) is not _ndarray and is_jax_array(a):
            return _jax_namespace()
    return NUMPY


class _JaxOp:
    """A ``jax.numpy`` function that takes NumPy's ``out=`` (and ``casting=``) and returns a
    new array instead: of ``out``'s dtype when ``out`` is given, as NumPy would write it."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def __call__(self, *args: Any, out: Any = None, casting: Any = None, **kwargs: Any) -> Any:
        result = self.fn(*args, **kwargs)
        if out is not None and result.dtype != out.dtype:
            result = result.astype(out.dtype)
        return result

    def reduce(self, a: Any, axis: Any = 0, keepdims: bool = False, out: Any = None) -> Any:
        return self.fn.reduce(a, axis=axis, keepdims=keepdims)


@functools.cache
def _jax_namespace() -> SimpleNamespace:
    import jax.numpy as jnp

    def dot(a: Any, b: Any, out: Any = None) -> Any:
        return jnp.dot(a, b)

    def filled_jax(shape: tuple[int, ...], value: float, dtype: Any) -> Any:
        return jnp.full(shape, value, dtype)

    def scalar_like(a: Any, value: float) -> float:
        return value  # a Python scalar broadcasts, and keeps a's dtype (weak typing)

    return SimpleNamespace(
        name="jax",
        **{name: _JaxOp(getattr(jnp, name)) for name in _UFUNCS},
        **{name: _JaxOp(getattr(jnp, name)) for name in _FUNCTIONS if name != "empty_like"},
        # an "empty" buffer for JAX is a new array that the next call overwrites (XLA
        # removes it)
        empty_like=_JaxOp(jnp.zeros_like),
        dot=dot,
        scalar=lambda x: x,
        filled=filled_jax,
        filled_like=scalar_like,
    )
