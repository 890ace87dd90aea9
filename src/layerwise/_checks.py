"""Validation at the door: every public entry point checks its inputs here, once.

Messages name the notes' notation (n[l], m, W[l]) and say what to do. Nothing here runs in
the inner training loop.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeGuard

import numpy as np

# the params dict's shapes live in their own module; callers keep reading them from here
from ._param_shapes import check_softmax_units as check_softmax_units
from ._param_shapes import layer_dims_from_params as layer_dims_from_params
from ._typing import Array, DTypeLike, SeedLike

FLOAT_DTYPES = ("float32", "float64")


def check_dtype(dtype: DTypeLike) -> np.dtype:
    """Return float32 or float64 as a NumPy dtype; anything else is a ValueError."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64'; Received: dtype={dtype!r}")
    return resolved


def check_rng(seed: SeedLike) -> np.random.Generator:
    """Turn None, an int or a Generator into a Generator (never the global stream)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        if seed is not None and int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer; Received: seed={seed!r}")
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be None, a non-negative int or a numpy.random.Generator; "
        f"Received: seed={seed!r} of type {type(seed).__name__}"
    )


def registry_key(
    name: Any,
    registry: Mapping[str, Any],
    what: str,
    param: str,
    aliases: Mapping[str, str] | None = None,
) -> str:
    """The registry key for a user-given name (case and spaces ignored, aliases resolved).

    Every resolver of the package (activations, losses, initializers, optimizers, schedules)
    goes through here, so a wrong name gets the same kind of message everywhere: what was
    given, and the names there are.
    """
    if not isinstance(name, str):
        raise TypeError(
            f"{param} must be a name (str) or a {what} object; "
            f"Received: {param}={name!r} of type {type(name).__name__}"
        )
    key = name.strip().lower()
    key = (aliases or {}).get(key, key)
    if key not in registry:
        raise ValueError(
            f"unknown {what} {name!r}; expected one of: {', '.join(registry)}. "
            f"Received: {param}={name!r}"
        )
    return key


def check_layer_dims(layer_dims: Any) -> list[int]:
    """layer_dims = [n[0], n[1], ..., n[L]], L >= 1, every n[l] a positive int."""
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, (Sequence, np.ndarray)):
        raise TypeError(
            f"layer_dims must be a list of layer sizes [n[0], n[1], ..., n[L]]; "
            f"Received: layer_dims={layer_dims!r}"
        )
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(
            f"layer_dims needs at least n[0] (inputs) and n[L] (outputs), e.g. [2, 4, 1]; "
            f"Received: layer_dims={dims!r}"
        )
    for l, n in enumerate(dims):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"n[{l}] must be a positive integer; Received: layer_dims={dims!r}")
        if n <= 0:
            raise ValueError(
                f"n[{l}] = {n} but every layer size must be positive; Received: layer_dims={dims!r}"
            )
    return [int(n) for n in dims]


def check_positive(name: str, value: Any, *, integer: bool = False) -> Any:
    """A positive number (or positive int); names the parameter in the error."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "a positive integer" if integer else "a positive number"
        raise TypeError(f"{name} must be {what}; Received: {name}={value!r}")
    number = float(value)
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be positive and finite; Received: {name}={value!r}")
    return round(number) if integer else number


def check_in_range(
    owner: str,
    name: str,
    value: Any,
    low: float,
    high: float | None = None,
    *,
    integer: bool = False,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """A number (or int) in [low, high], with the open ends asked for; names it when not."""
    kind = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    ok = isinstance(value, kind) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            high is None or (value < high if high_open else value <= high)
        )
    if not ok:
        what = "an int" if integer else "a number"
        left = "(" if low_open else "["
        right = "inf)" if high is None else (f"{high})" if high_open else f"{high}]")
        raise ValueError(
            f"{owner}: {name} must be {what} in {left}{low}, {right}; Received: {name}={value!r}"
        )


def _real_numbers(name: str, value: Any, expected: str) -> Array:
    """``value`` (an array, a nested list, a pandas object) as an array of real numbers or
    booleans; a TypeError names what was given otherwise."""
    if hasattr(value, "to_numpy") and not isinstance(value, np.ndarray):
        value = value.to_numpy()
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be {expected}; {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold numbers; Received: {name} with dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real; Received: {name} with dtype {arr.dtype}")
    return arr


def as_float_array(name: str, value: Any, dtype: np.dtype | None = None) -> Array:
    """A 2-D float array, finite; a 1-D input gets a message (we never guess the orientation)."""
    arr = _real_numbers(name, value, "a 2-D array of numbers")
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = (
                f" For m examples of one feature use {name}.reshape(1, -1);"
                f" for a single example (one column) use {name}.reshape(-1, 1)."
            )
        raise ValueError(
            f"{name} must be 2-D with one example per column, shape (n, m); "
            f"Received: {name} with shape {arr.shape}.{hint}"
        )
    if arr.shape[1] == 0 or arr.shape[0] == 0:
        raise ValueError(
            f"{name} is empty: shape {arr.shape}; it needs at least one row and one "
            f"example (m >= 1)"
        )
    target = (
        dtype
        if dtype is not None
        else (arr.dtype if arr.dtype.name in FLOAT_DTYPES else np.dtype("float64"))
    )
    arr = arr.astype(target, copy=False)
    # a finite sum proves every entry finite (NaN and inf propagate) without the
    # array-sized temporary of isfinite(arr); only a non-finite sum, which may also be an
    # overflow of large finite values, needs the entry-by-entry check
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(arr, axis=None)
    if not np.isfinite(total) and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]}); "
            f"remove or impute those values before training"
        )
    return arr


def is_sparse(X: Any) -> bool:
    """True for a SciPy sparse matrix or array (told by its methods: SciPy is not imported)."""
    return hasattr(X, "tocsc") and hasattr(X, "nnz") and not isinstance(X, np.ndarray)


def as_sparse_columns(name: str, X: Any, dtype: np.dtype | None = None) -> Any:
    """A SciPy sparse X (any format) as CSC, whose columns are the examples, of a float dtype;
    its stored values finite."""
    if len(X.shape) != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"{name} must be 2-D with one example per column, shape (n, m), and not empty; "
            f"Received: a sparse {name} with shape {X.shape}"
        )
    X = X.tocsc()
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers; Received: a sparse {name} of {X.dtype}")
    target = (
        dtype
        if dtype is not None
        else (X.dtype if X.dtype.name in FLOAT_DTYPES else np.dtype("float64"))
    )
    if X.dtype != target:
        X = X.astype(target)
    bad = np.flatnonzero(~np.isfinite(X.data))
    if bad.size:
        column = int(np.searchsorted(X.indptr, bad[0], side="right")) - 1
        raise ValueError(
            f"{name} contains NaN or inf (first at row {int(X.indices[bad[0]])}, column "
            f"{column}); remove or impute those values before training"
        )
    return X


def check_X(X: Any, n0: int, dtype: np.dtype | None = None, name: str = "X") -> Array:
    """X = A[0] must be (n[0], m); suggests X.T when the transpose fits. A SciPy sparse X
    comes back as CSC (columns are examples), for mini-batches cut from it."""
    X = as_sparse_columns(name, X, dtype) if is_sparse(X) else as_float_array(name, X, dtype)
    if X.shape[0] != n0:
        hint = f"; did you mean {name}.T?" if X.shape[1] == n0 else ""
        raise ValueError(
            f"{name} has {X.shape[0]} rows but n[0] is {n0}: {name} must be (n[0], m) = "
            f"({n0}, m) with one example per column{hint}"
        )
    return X


def check_Y(Y: Any, nL: int, m: int, dtype: np.dtype | None = None, name: str = "Y") -> Array:
    """Y must be (n[L], m), with the same m as X."""
    Y = as_float_array(name, Y, dtype)
    if Y.shape[1] != m:
        hint = f"; did you mean {name}.T?" if Y.shape[0] == m and Y.shape[1] == nL else ""
        raise ValueError(
            f"{name} has {Y.shape[1]} examples (columns) but X has m = {m}: "
            f"{name} must be (n[L], m) = ({nL}, {m}){hint}"
        )
    if Y.shape[0] != nL:
        raise ValueError(
            f"{name} has {Y.shape[0]} rows but n[L] is {nL}: {name} must be (n[L], m) = ({nL}, {m})"
        )
    return Y


def check_sample_weight(
    sample_weight: Any, m: int, dtype: np.dtype, name: str = "sample_weight"
) -> Array:
    """Per-example weights as a row (1, m): m numbers, finite, >= 0, not all 0. A 1-D array
    of m is taken as the row (weights have one orientation only)."""
    w = _real_numbers(name, sample_weight, f"m = {m} numbers, one per example")
    if w.shape not in ((m,), (1, m)):
        raise ValueError(
            f"{name} must have one weight per example, shape (m,) or (1, m) with m = {m}; "
            f"Received: {name} with shape {w.shape}"
        )
    w = w.reshape(1, m)
    if not np.isfinite(w).all():
        bad = int(np.flatnonzero(~np.isfinite(w))[0])
        raise ValueError(f"{name} must be finite; Received: {w[0, bad]} for example {bad}")
    big = float(np.finfo(dtype).max)
    if np.abs(w).max() > big:
        bad = int(np.argmax(np.abs(w)))
        raise ValueError(
            f"{name} holds {w[0, bad]:g} (example {bad}), more than {dtype.name} can hold "
            f"({big:g}); divide the weights by a common factor (only their ratios matter, "
            f"besides the Σ w that takes the place of m in the L2 term)"
        )
    w = w.astype(dtype)
    if (w < 0).any():
        bad = int(np.flatnonzero(w < 0)[0])
        raise ValueError(f"{name} must be >= 0; Received: {w[0, bad]:g} for example {bad}")
    if not w.any():
        raise ValueError(f"{name} is zero for every example; at least one weight must be positive")
    return w


def check_targets(
    Y: Any,
    nL: int,
    m: int,
    task: str,
    check_loss_targets: Callable[[Array], None],
    dtype: np.dtype,
) -> Array:
    """Y for a network with n[L] outputs: (n[L], m), or for softmax also class indices
    0..n[L]−1 of shape (1, m) or (m,), which become one-hot columns. ``check_loss_targets``
    is the loss's own check of the values (0/1 for cross-entropy, ...)."""
    if task == "multiclass":
        check_softmax_units(nL)
        arr = np.asarray(Y.to_numpy() if hasattr(Y, "to_numpy") else Y)
        if (arr.ndim == 2 and arr.shape == (1, m)) or (arr.ndim == 1 and arr.shape == (m,)):
            return _labels_to_one_hot(arr.reshape(-1), nL, dtype)
    Y = check_Y(Y, nL, m, dtype=dtype)
    check_loss_targets(Y)
    return Y


def _labels_to_one_hot(labels: Array, nL: int, dtype: np.dtype) -> Array:
    if not np.issubdtype(labels.dtype, np.number) or not np.all(np.isfinite(labels)):
        raise ValueError("class labels Y must be finite numbers 0..n[L]-1")
    if np.any(labels != np.round(labels)) or labels.min() < 0 or labels.max() >= nL:
        raise ValueError(
            f"integer class labels Y (1, m) must be 0..n[L]-1 = 0..{nL - 1}; Received "
            f"values from {labels.min():g} to {labels.max():g}"
        )
    Y = np.zeros((nL, labels.size), dtype)
    Y[labels.astype(np.intp), np.arange(labels.size)] = 1.0
    return Y


def format_bytes(n: int) -> str:
    """``"1.2 GB"``: a byte count as people read it (powers of 1000)."""
    value = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def available_memory() -> int | None:
    """Bytes of memory that can be had without swapping (Linux's MemAvailable), or None
    where the system does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(n_bytes: int, what: str) -> None:
    """Raise MemoryError saying how many bytes ``what`` needs when that is more than the
    machine has available: better than a failure half-way, or the system killing the process
    once the pages are touched (allocations are lazy on Linux)."""
    available = available_memory()
    if available is not None and n_bytes > available:
        raise MemoryError(
            f"{what} needs {format_bytes(n_bytes)} ({n_bytes} bytes) of memory, but only "
            f"{format_bytes(available)} is available"
        )


# --------------------------------------------------------------------------- JSON values


def is_int(value: Any) -> TypeGuard[int]:
    """An integer as JSON gives it (a Python int), never a boolean."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> TypeGuard[float]:
    """A number as JSON gives it (a Python int or float), never a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_real(value: Any) -> TypeGuard[float]:
    """A real number as an option takes it: a Python or NumPy int or float (np.float32(0.5)
    is a fine keep probability), never a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_finite_number(value: Any) -> TypeGuard[float]:
    """:func:`is_number`, and finite (no NaN, no inf)."""
    return is_number(value) and math.isfinite(value)
