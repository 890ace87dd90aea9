"""The target column of a table, for :mod:`layerwise.tables` (which re-exports the public
names: use them from there): its type (binary, multiclass, continuous), its class labels and
their encoding as indices, and the output activation it asks for.

The task is chosen by the rule of :func:`type_of_target` (``docs/defaults.md``): labels (text,
booleans, two integer values, integer codes that each hold a good share of the rows) are
classes; other numbers (a fraction, a count, an ordered score) are a regression.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._optional import plain
from ..features.encoding import factorize
from .formats import _shorten

#: an integer target with more distinct values than this is always continuous (regression)
MAX_CLASSES = 50
#: an integer target with three or more values is classes only when they look like class
#: codes: every value holds at least a share of an equal share of the rows (m / k for k
#: values) and at least MIN_ROWS_PER_CLASS rows; the share is FEW_CODES_SHARE for at most
#: FEW_CODES values (iris' 0..2) and CODE_SHARE for more (an ordered 1-5 or 0-10 scale whose
#: ends are rarer than its middle is a score; the digits 0..9 are used evenly). A count or a
#: score, whose rare values sit in a tail, is a regression whichever of its values a split
#: happens to draw
FEW_CODES = 4
FEW_CODES_SHARE = 0.5
CODE_SHARE = 0.75
MIN_ROWS_PER_CLASS = 5


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


def _looks_like_codes(counts: np.ndarray, m: int) -> bool:
    """Whether k integer values with these row counts look like class codes: each holds at
    least :data:`FEW_CODES_SHARE` (k <= :data:`FEW_CODES`) or :data:`CODE_SHARE` (more
    values) of an equal share m / k of the rows and :data:`MIN_ROWS_PER_CLASS` rows, and
    there are at most :data:`MAX_CLASSES` of them."""
    k = counts.size
    share = FEW_CODES_SHARE if k <= FEW_CODES else CODE_SHARE
    return bool(
        k <= MAX_CLASSES and counts.min() >= share * m / k and counts.min() >= MIN_ROWS_PER_CLASS
    )


def type_of_target(y: Any) -> str:
    """What a target column asks for: classes (``"binary"``, ``"multiclass"``) or a
    regression (``"continuous"``).

    The rule (``docs/defaults.md``, "The task of an integer target"):

    - text, booleans and other labels: ``"binary"`` for at most two distinct values,
      ``"multiclass"`` for more;
    - numbers with a fractional part: ``"continuous"``;
    - integers (or floats with whole values): ``"binary"`` for two values (a yes/no 0/1);
      with k >= 3 values, classes only when they look like class codes, each value holding
      a good share of the rows: half of an equal share m / k for up to :data:`FEW_CODES`
      (4) values (iris' and wine's 0..2), three quarters of it for more (the digits 0..9,
      used evenly); otherwise ``"continuous"``: a count (an arrest count, a number of
      children, whose large values are rare) or an ordered score (a 1-5 rating or a 0-10
      test whose ends are rarer than its middle).

    The rule reads the share of the rarest value, which a random subset of the rows keeps:
    a count whose values 7 and up are seen once each is a regression whether a split holds
    10 or 11 of its values (the earlier rule, classes up to 10 values, flipped with the split).
    On the 60-table suite every integer target with more than two values (9 counts, 5 ordinal
    scores and 9 other integer quantities) is a regression by its publisher and by this rule.

    scikit-learn's ``type_of_target`` calls every integer target classes; a score or a
    count asks for a regression. ``--output`` (``TableModel``'s ``output``) overrides the
    choice.

    Parameters
    ----------
    y : array-like of shape (m,)

    Returns
    -------
    str
    """
    values = np.asarray(y).reshape(-1)
    if values.dtype.kind in "iuf":
        distinct, counts = np.unique(values, return_counts=True)
        if values.dtype.kind == "f" and np.any(distinct != np.round(distinct)):
            return "continuous"
        if distinct.size <= 2:
            return "binary"
        return "multiclass" if _looks_like_codes(counts, values.size) else "continuous"
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
    # each distinct label matched once; the rows take their label's index by its code
    codes, distinct_values = factorize(np.asarray(y).reshape(-1))
    per_value = np.array([index.get(_key(v), -1) for v in distinct_values], dtype=np.int64)
    out = per_value[codes] if codes.size else np.empty(0, dtype=np.int64)
    unknown = [_label(distinct_values[j]) for j in np.flatnonzero(per_value < 0)]
    if unknown:
        distinct = list(dict.fromkeys(unknown))
        raise ValueError(
            f"label(s) {_shorten(distinct)} were not among the classes the model was trained on: "
            f"{_shorten(list(classes))}"
        )
    return out


def task_notice(y: Any, name: str) -> str:
    """One line saying which task :func:`type_of_target` chose for target ``name`` and the
    option that overrides it."""
    kind = type_of_target(y)
    values = np.asarray(y).reshape(-1)
    k = len({_key(v) for v in values})
    if kind == "continuous":
        override = "--output sets another output"
        if values.dtype.kind in "iu" or np.all(values == np.round(values)):
            what = f"{k} ordered integer values ({_label(values.min())} to {_label(values.max())})"
            if k <= MAX_CLASSES:
                override = f"--output softmax trains it as {k} classes"
        else:
            what = "numbers with a fraction"
        return f"target {name!r}: {what}, trained as a regression (linear output); {override}"
    if kind == "binary":
        return f"target {name!r}: {k} labels, trained as two classes (sigmoid output)" + (
            "; --output linear trains it as a regression" if values.dtype.kind in "iuf" else ""
        )
    numeric = values.dtype.kind in "iuf"
    return f"target {name!r}: {k} labels, trained as {k} classes (softmax output)" + (
        "; --output linear trains it as a regression" if numeric else ""
    )


def output_for(kind: str) -> str:
    """The output activation for a target type: sigmoid, softmax or linear."""
    return {"binary": "sigmoid", "multiclass": "softmax", "continuous": "linear"}[kind]
