"""Optional dependencies and plain Python values, for the edges around the NumPy core.

NumPy is the only hard dependency. Everything else (safetensors for model files, onnx, pandas,
matplotlib, tqdm, scikit-learn, JAX, the playground's server) is an extra, imported where it is
used, through :func:`require`, so that a missing one is an ``ImportError`` naming the extra to
install rather than a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np

__all__ = ["require", "plain", "jsonable"]


def require(module: str, extra: str, what: str) -> Any:
    """Import ``module``, or raise ImportError saying that ``what`` needs the ``extra``.

    Examples
    --------
    >>> require("numpy", "core", "arrays").__name__
    'numpy'
    >>> require("no_such_module_here", "plot", "plots")
    Traceback (most recent call last):
    ...
    ImportError: no_such_module_here is needed for plots: pip install 'layerwise[plot]' (from a
    clone of layerwise: pip install '.[plot]' in its folder)
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise ImportError(
            f"{package} is needed for {what}: pip install 'layerwise[{extra}]' (from a clone "
            f"of layerwise: pip install '.[{extra}]' in its folder)"
        ) from None


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python scalar it holds (anything else unchanged), for JSON and
    for labels compared across files."""
    return value.item() if isinstance(value, np.generic) else value


def jsonable(value: Any, _path: tuple[int, ...] = ()) -> Any:
    """``value`` with its arrays, NumPy scalars and tuples turned into JSON's lists and
    scalars; a non-finite float becomes None (JSON has no NaN).

    Raises
    ------
    ValueError
        When a dict or list contains itself (JSON has no cycles).
    """
    if isinstance(value, (dict, list, tuple)):
        if id(value) in _path:
            raise ValueError(f"a {type(value).__name__} contains itself (JSON has no cycles)")
        inner = (*_path, id(value))
        if isinstance(value, dict):
            return {str(k): jsonable(v, inner) for k, v in value.items()}
        return [jsonable(v, inner) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
