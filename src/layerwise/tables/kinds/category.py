"""The ``category`` kind: a pandas categorical column, and the text that is neither dates, nor
numbers, nor an id (the ``text`` kind ends here).

- recognised: a pandas categorical dtype (text comes through :mod:`.text`);
- read: each value's key, the string it is stored as
(:func:`~layerwise.features.encoding.category_key`;
  None: missing), :func:`keys`;
- gathered: the (weighted) count of each key, up to :data:`~._base.MAX_DISTINCT` distinct
  (:class:`CategoryStats`);
- encoded: ``ColumnEncoding(kind="category")``: one 0/1 feature per category seen at least
  ``min_frequency`` times (sorted, the missing value last), one for all the rarer ones;
- exported: a string input; ``LabelEncoder`` (ai.onnx.ml) to the feature's index, ``Equal``
  against 0..k−1 for the one-hot rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..._typing import Array
from ...features.encoding import ColumnEncoding, category_key
from ..formats import _pandas
from ._base import MAX_DISTINCT, ColumnStats, Kind, no_values

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Category", "CATEGORY", "CategoryStats", "NA_TEXT", "keys", "sorted_keys"]


class Category(Kind):
    """Categories: see the module."""

    name = "category"

    def recognises(self, column: pd.Series, inferred: str) -> bool:
        return isinstance(column.dtype, _pandas().CategoricalDtype)

    def values(self, column: pd.Series, name: str) -> Array:
        return np.array(keys(column), dtype=object)

    def stats(self, name: str, exact: bool) -> ColumnStats:
        return CategoryStats(name, self.name, exact)

    def onnx_nodes(
        self, encoding: ColumnEncoding, t: str, nodes: list[Any], inits: list[Any]
    ) -> tuple[Any, list[str], str | None]:
        from onnx import TensorProto, helper, numpy_helper

        name = encoding.name
        # each category to the index of its feature; "" (and pandas' NA text) is the
        # missing value (None)
        keys_, values, rare = label_encoder_keys(encoding)
        nodes.append(
            helper.make_node(
                "LabelEncoder",
                [name],
                [f"{t}_index"],
                domain="ai.onnx.ml",
                keys_strings=keys_,
                values_int64s=values,
                default_int64=rare,  # unseen: the infrequent feature, or none (all 0)
            )
        )
        positions = numpy_helper.from_array(np.arange(encoding.width, dtype=np.int64), f"{t}_k")
        inits.append(positions)
        nodes.append(helper.make_node("Equal", [f"{t}_index", f"{t}_k"], [f"{t}_hot"]))
        nodes.append(helper.make_node("Cast", [f"{t}_hot"], [t], to=TensorProto.FLOAT))
        info = helper.make_tensor_value_info(name, TensorProto.STRING, ["N", 1])
        return info, [t], None


class CategoryStats(ColumnStats):
    """The (weighted) count of each key, in the order first seen (``counts``: None once
    there were more than :data:`~._base.MAX_DISTINCT` distinct keys, unless exact)."""

    def __init__(self, name: str, kind: str, exact: bool = False) -> None:
        super().__init__(name, kind, exact)
        self.counts: dict[str | None, float] | None = {}

    def update(self, column: pd.Series, w: Array) -> None:
        self.add_keys(keys(column), w)

    def add_keys(self, values: list[str | None], w: Array) -> None:
        missing = np.fromiter((k is None for k in values), dtype=bool, count=len(values))
        self._count(missing, w)
        if self.counts is None:
            return
        pd = _pandas()
        codes, uniques = pd.factorize(np.array(values, dtype=object), use_na_sentinel=False)
        sums = np.bincount(codes, weights=w, minlength=len(uniques))
        for key, s in zip(uniques.tolist(), sums.tolist()):  # in the order first seen
            k = None if key is None or key != key else key
            self.counts[k] = self.counts.get(k, 0.0) + s
        if len(self.counts) > MAX_DISTINCT and not self.exact:
            self.counts = None

    def merge(self, other: ColumnStats) -> None:
        super().merge(other)
        assert isinstance(other, CategoryStats)
        if self.counts is not None and other.counts is not None:
            for k, c in other.counts.items():
                self.counts[k] = self.counts.get(k, 0.0) + c
            if len(self.counts) > MAX_DISTINCT and not self.exact:
                self.counts = None
        else:
            self.counts = None

    def distinct(self) -> list[str]:
        """The present keys, in the order first seen."""
        assert self.counts is not None
        return [k for k in self.counts if k is not None]

    def encoding(self, min_count: float, sample: Any) -> ColumnEncoding:
        if self.n_present == 0:
            raise no_values(self.name)
        assert self.counts is not None
        frequent = [k for k, c in self.counts.items() if c >= min_count]
        rare = [k for k, c in self.counts.items() if c < min_count]
        return ColumnEncoding(
            self.name, "category", categories=sorted_keys(frequent), infrequent=sorted_keys(rare)
        )


def sorted_keys(values: list[str | None]) -> tuple[str | None, ...]:
    """As scikit-learn orders categories: the strings sorted, the missing value last."""
    return (*sorted(k for k in values if k is not None), *([None] if None in values else []))


def keys(column: pd.Series) -> list[str | None]:
    """Each value's key (:func:`~layerwise.features.encoding.category_key`), None where missing."""
    pd = _pandas()
    if isinstance(column.dtype, pd.CategoricalDtype):
        # the key of each category once, then picked by code (−1: missing)
        table = [category_key(c) for c in column.cat.categories] + [None]
        return [table[i] for i in column.cat.codes.to_numpy()]
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(column, skipna=True) == "string":
        # missing and "" are the missing key; the rest are their own keys (in C loops)
        blank = column.isna().to_numpy() | (column == "").to_numpy(dtype=bool, na_value=False)
        values = values.copy() if np.shares_memory(values, column.to_numpy()) else values
        values[blank] = None
        return list(values.tolist())
    return [category_key(v) for v in values.tolist()]


#: the text that pandas' read_csv takes as missing by default (its ``na_values``): the command
#: line reads these cells as missing, so the graph gives them what "" (missing) gets
NA_TEXT = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)


def label_encoder_keys(column: ColumnEncoding) -> tuple[list[str], list[int], int]:
    """The LabelEncoder's string keys and feature indices of a category column, and its
    default (unseen values): the infrequent feature, or −1 (all 0).

    The missing value (None) is the key "", and every text of :data:`NA_TEXT` that is not a
    category of its own maps where "" does, as the command line (pandas) reads them.
    """
    rare = len(column.categories) if column.infrequent else -1
    index: dict[str, int] = {}
    for j, c in enumerate(column.categories):
        index["" if c is None else c] = j
    for c in column.infrequent:
        index["" if c is None else c] = rare
    missing = index.get("", rare)
    for text in NA_TEXT:
        index.setdefault(text, missing)
    return list(index), list(index.values()), rare


CATEGORY = Category()
