"""The target column of a table, for :mod:`layerwise.tables` (which re-exports the public
names: use them from there): its type (binary, multiclass, continuous), its class labels and
their encoding as indices, and the output activation it asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._optional import plain
from .formats import _shorten

#: a numeric target with more distinct (integer) values than this is continuous (regression)
MAX_CLASSES = 50


# --------------------------------------------------------------------------- the target


def _label(value: Any) -> Any:
    """A label as a plain Python value: numpy scalars -> Python scalars, 1.0 -> 1."""
    value = plain(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _key(value: Any) -> str:
    value = _label(value)
    return str(value)


def type_of_target(y: Any) -> str:
    """What a target column asks for, as scikit-learn's ``type_of_target`` says it.

    ``"continuous"``: numbers with a fractional part, or more than :data:`MAX_CLASSES`
    distinct integers (scikit-learn would call those classes; a target such as a price in
    whole units is a regression); ``"binary"``: at most two distinct values;
    ``"multiclass"``: more.

    Parameters
    ----------
    y : array-like of shape (m,)

    Returns
    -------
    str
    """
    values = np.asarray(y).reshape(-1)
    if values.dtype.kind in "iuf":
        distinct = np.unique(values)
        if values.dtype.kind == "f" and np.any(distinct != np.round(distinct)):
            return "continuous"
        if distinct.size > MAX_CLASSES:
            return "continuous"
        return "binary" if distinct.size <= 2 else "multiclass"
    distinct_keys = {_key(v) for v in values}
    return "binary" if len(distinct_keys) <= 2 else "multiclass"


def class_labels(y: Any) -> list[Any]:
    """The distinct labels of a target column, sorted, as plain Python values.

    For a sigmoid output the second one is the positive class (Y = 1).
    """
    seen: dict[str, Any] = {}
    for v in np.asarray(y).reshape(-1).tolist():
        seen.setdefault(_key(v), _label(v))
    labels = list(seen.values())
    try:
        return sorted(labels)
    except TypeError:  # mixed types
        return sorted(labels, key=str)


def encode_labels(y: Any, classes: Sequence[Any]) -> np.ndarray:
    """Labels -> class indices 0..K−1 (the position in ``classes``), shape (m,).

    Labels are matched by value (1, 1.0 and "1" are the same label), so a model trained on
    one file reads another that spells them differently.

    Raises
    ------
    ValueError
        A label that is not one of ``classes`` (named, with the known ones).
    """
    index = {_key(c): i for i, c in enumerate(classes)}
    values = np.asarray(y).reshape(-1).tolist()
    out = np.empty(len(values), dtype=np.int64)
    unknown: list[Any] = []
    for i, v in enumerate(values):
        k = index.get(_key(v))
        if k is None:
            unknown.append(_label(v))
            k = 0
        out[i] = k
    if unknown:
        distinct = list(dict.fromkeys(unknown))
        raise ValueError(
            f"label(s) {_shorten(distinct)} were not among the classes the model was trained on: "
            f"{_shorten(list(classes))}"
        )
    return out


def output_for(kind: str) -> str:
    """The output activation for a target type: sigmoid, softmax or linear."""
    return {"binary": "sigmoid", "multiclass": "softmax", "continuous": "linear"}[kind]
