"""Column encodings: how each column of a raw table becomes rows of X = A[0].

A table has one example per row and columns of four kinds; each column turns into one or more
features (rows of X, shape (n[0], m)):

============  ==========================================================================
``number``    one feature: the value, a missing one replaced by ``fill`` (the training
              median); standardized afterwards. With ``indicator``, a second 0/1 feature
              that is 1 where the value was missing.
``boolean``   one feature, 0/1 (False/True); a missing value takes ``fill`` (the training
              median), and with ``indicator`` a 0/1 feature marks it. Not standardized.
``category``  one 0/1 feature per entry of ``categories`` (strings; ``None`` is the
              missing value, a category of its own), then, when ``infrequent`` is not
              empty, one feature for all the categories rarer than the threshold. A value
              never seen in training is 1 in the infrequent feature when there is one, and
              0 everywhere otherwise (scikit-learn's ``handle_unknown="infrequent_if_exist"``).
``date``      four features from the date (or date-time), given as days since 1970-01-01
              (a fraction for the time of day): the year, the day of the year (1..366),
              the day of the week (Monday 0 .. Sunday 6) and the days since ``origin``
              (the earliest training date); all four standardized. A missing date takes
              ``fill`` (the training median); with ``indicator``, a 0/1 feature marks it.
============  ==========================================================================

The same concepts keep one name each across this module, :mod:`layerwise.features.preprocessing` and
:mod:`layerwise.tables.encoder`: a table's **column** (one ``ColumnEncoding``) becomes one or
more **features** (rows of X, named by ``feature_names``); its **kind** is one of
:data:`KINDS`; a missing value takes the **fill** and is marked by the **indicator**; a
category seen too rarely is **infrequent**; a value never seen in training is **unseen**;
**standardized** features are scaled by :class:`~layerwise.features.preprocessing.Preprocessing`.

This module is the NumPy side that a saved model needs: the JSON description in the model file
(:meth:`ColumnEncoding.to_dict` / :meth:`ColumnEncoding.from_dict`, which checks every field)
and the transform (:func:`encode_columns`). Learning an encoding from a table, which needs
pandas, is :class:`layerwise.tables.TableEncoder`; it prepares each column as a NumPy array for
:func:`encode_columns` with :func:`category_key` for text.

Examples
--------
>>> import numpy as np
>>> island = ColumnEncoding("island", "category", categories=("Biscoe", "Dream", None),
...                         infrequent=("Torgersen",))
>>> island.feature_names()
['island=Biscoe', 'island=Dream', 'island=(missing)', 'island=(infrequent)']
>>> mass = ColumnEncoding("mass", "number", fill=4.0, indicator=True)
>>> raw = {"island": np.array(["Dream", None, "Torgersen", "Atlantis"], dtype=object),
...        "mass": np.array([3.0, np.nan, 5.0, 6.0])}
>>> X, unseen = encode_columns([island, mass], raw)
>>> X                                   # (n[0], m) = (6, 4): one example per column
array([[0., 0., 0., 0.],
       [1., 0., 0., 0.],
       [0., 1., 0., 0.],
       [0., 0., 1., 1.],
       [3., 4., 5., 6.],
       [0., 1., 0., 0.]])
>>> unseen
{'island': {'Atlantis': 1}}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np

from .._memory import check_encoding_size, check_target_size, encoding_too_large
from .._typing import Array
from ._column_encoding import (
    DATE_PARTS,
    INFREQUENT_NAME,
    KINDS,
    MISSING_NAME,
    ColumnEncoding,
    category_key,
    date_parts,
    factorize,
)

__all__ = [
    "KINDS",
    "MISSING_NAME",
    "INFREQUENT_NAME",
    "ColumnEncoding",
    "category_key",
    "encode_columns",
    "encode_in_chunks",
    "date_parts",
    "DATE_PARTS",
    "check_encoding_size",
    "check_target_size",
    "predict_in_chunks",
    "factorize",
    "CHUNK_BYTES",
]

#: the most bytes of X that :func:`predict_in_chunks` encodes at once
CHUNK_BYTES = 64 * 2**20


def encode_columns(
    columns: Sequence[ColumnEncoding], raw: Mapping[str, Array], out: Array | None = None
) -> tuple[Array, dict[str, dict[str | None, int]]]:
    """X = A[0] (n[0], m) from the raw columns, before standardization.

    Parameters
    ----------
    columns : list of ColumnEncoding
        In the order of the features (rows of X).
    raw : mapping of str to ndarray of shape (m,)
        Each column's values as :meth:`ColumnEncoding.encode` takes them.
    out : ndarray of shape (n[0], m), float64, optional
        Filled and returned instead of a new array (a buffer reused chunk after chunk).

    Returns
    -------
    X : ndarray of shape (n[0], m), float64
    unseen : dict
        For each category column with values never seen in training: value -> count.
    """
    missing = [c.name for c in columns if c.name not in raw]
    if missing:
        raise ValueError(f"the columns {missing} are missing")
    m = len(raw[columns[0].name]) if columns else 0
    n0 = sum(c.width for c in columns)
    if out is not None:
        if out.shape != (n0, m) or out.dtype != np.float64:
            raise ValueError(
                f"out must be float64 of shape (n[0], m) = ({n0}, {m}); got {out.dtype} {out.shape}"
            )
        X = out
    else:
        check_encoding_size(columns, m)
        try:
            X = np.empty((n0, m), dtype=np.float64)
        except MemoryError:  # the system refused what the estimate let through
            raise MemoryError(encoding_too_large(columns, m, None)) from None
    unseen: dict[str, dict[str | None, int]] = {}
    row = 0
    for column in columns:
        values = raw[column.name]
        if len(values) != m:
            raise ValueError(
                f"column {column.name!r} has {len(values)} values; the first column has {m}"
            )
        counts = column.encode(values, X[row : row + column.width])
        if counts:
            unseen[column.name] = dict(counts)
        row += column.width
    return X, unseen


# --------------------------------------------------------------------------- chunks


def encode_in_chunks(
    columns: Sequence[ColumnEncoding],
    raw: Mapping[str, Array],
    transform: Callable[[Array, Array], Array] | None = None,
    order: str = "F",
    max_bytes: int = CHUNK_BYTES,
) -> tuple[Array, dict[str, dict[str | None, int]]]:
    """X (n[0], m) encoded from ``raw`` a chunk of rows at a time into one array of the given
    memory ``order``: ``"F"`` stores it as rows (each example's features together), the
    layout mini-batches are gathered from, so that training reads X without a copy of it.

    ``transform(X_chunk, out)`` (the standardization, in place) is applied to each chunk;
    only one chunk of the C-ordered encoding exists at a time beside the result.

    Returns
    -------
    X : ndarray of shape (n[0], m), float64, in ``order``
    unseen : dict
        As :func:`encode_columns` counts them, over all the rows.
    """
    m = len(raw[columns[0].name]) if columns else 0
    n0 = sum(c.width for c in columns)
    check_encoding_size(columns, m)
    try:
        X = np.empty((n0, m), dtype=np.float64, order=order)  # type: ignore[call-overload]
    except MemoryError:  # the system refused what the estimate let through
        raise MemoryError(encoding_too_large(columns, m, None)) from None
    unseen: dict[str, Counter[str | None]] = {}
    for start, block in _blocks(columns, raw, max_bytes, unseen):
        if transform is not None:
            block = transform(block, block)
        X[:, start : start + block.shape[1]] = block
    return X, {name: dict(c) for name, c in unseen.items()}


def _blocks(
    columns: Sequence[ColumnEncoding],
    raw: Mapping[str, Array],
    max_bytes: int,
    unseen: dict[str, Counter[str | None]],
) -> Iterator[tuple[int, Array]]:
    """(first row, X of the chunk) for the rows of ``raw``, each chunk's X (n[0], k) at most
    ``max_bytes`` and written into one buffer (its pages faulted in once, not once per chunk:
    use a chunk before asking for the next); the unseen values are added to ``unseen``."""
    m = len(raw[columns[0].name]) if columns else 0
    n0 = sum(c.width for c in columns)
    step = max(1, int(max_bytes) // max(1, 8 * n0))
    buffer = np.empty((n0, min(step, m)), dtype=np.float64)
    for start in range(0, m, step):
        stop = min(m, start + step)
        chunk = {k: v[start:stop] for k, v in raw.items()}
        X, counts = encode_columns(columns, chunk, out=buffer[:, : stop - start])
        for name, found in counts.items():
            unseen.setdefault(name, Counter()).update(found)
        yield start, X


def predict_in_chunks(
    predict: Callable[[Array], Array],
    columns: Sequence[ColumnEncoding],
    raw: Mapping[str, Array],
    transform: Callable[[Array], Array] | None = None,
    max_bytes: int = CHUNK_BYTES,
) -> tuple[Array, dict[str, dict[str | None, int]]]:
    """``predict(transform(X))`` for X encoded from ``raw`` a chunk of rows at a time, each
    chunk's X at most ``max_bytes``: memory stays bounded however many features the columns
    make (a million categories) and however many rows there are.

    Parameters
    ----------
    predict : callable
        X (n[0], k) -> A (n[L], k), such as ``Network.predict_proba``.
    columns, raw
        As :func:`encode_columns` takes them.
    transform : callable, optional
        Applied to each chunk's X before ``predict`` (the standardization).
    max_bytes : int
        The most bytes of one chunk's X (float64); at least one row per chunk.

    Returns
    -------
    A : ndarray of shape (n[L], m)
        Equal to ``predict(transform(X))`` of all the rows at once.
    unseen : dict
        As :func:`encode_columns` counts them, over all the rows.

    Raises
    ------
    ValueError
        When ``predict`` gives a non-finite output for finite features: the model's weights
        or statistics overflow (the message says so; the data is not to blame).
    """
    n0 = sum(c.width for c in columns)
    parts: list[Array] = []
    unseen: dict[str, Counter[str | None]] = {}
    for start, X in _blocks(columns, raw, max_bytes, unseen):
        if transform is not None:
            X = transform(X)
        A = np.asarray(predict(X))
        if not np.isfinite(A).all():
            i = int(np.flatnonzero(~np.isfinite(A).all(axis=0))[0])
            if np.isfinite(X[:, i]).all():
                biggest = float(np.max(np.abs(X[:, i]))) if n0 else 0.0
                raise ValueError(
                    f"the model's output for row {start + i} is {A[:, i].tolist()[:4]} although "
                    f"its encoded features are finite (the largest |feature| is {biggest:.3g}): "
                    f"the model's weights or preprocessing statistics overflow on it (a damaged "
                    f"model file, or a value far outside the training range); no prediction is "
                    f"made from it"
                )
        parts.append(A)
    if not parts:
        return predict(np.empty((n0, 0))), {}
    return np.concatenate(parts, axis=1), {k: dict(v) for k, v in unseen.items()}
