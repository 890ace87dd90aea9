"""The ``boolean`` kind: True/False (a bool dtype, or True/False values with blanks).

- recognised: values pandas infers as booleans;
- read: True/False (or 1/0, yes/no) as 1.0/0.0, NaN where missing, anything else refused by
  row (:meth:`Boolean.values`);
- gathered: the values' statistics (:class:`~._base.ValueStats`);
- encoded: ``ColumnEncoding(kind="boolean")``: 0/1, not standardized; a missing value takes
  the training median, with a missing indicator when training saw missing values;
- exported: a float32 input; anything but 0, 1 and NaN marks a refused row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..._typing import Array
from ...features.encoding import ColumnEncoding, category_key
from ._base import ColumnStats, Kind
from ._values import ValueStats, value_nodes

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Boolean", "BOOLEAN"]

_TRUE = {"true", "1", "1.0", "yes"}
_FALSE = {"false", "0", "0.0", "no"}


class Boolean(Kind):
    """True/False: see the module."""

    name = "boolean"

    def recognises(self, column: pd.Series, inferred: str) -> bool:
        return inferred == "boolean"

    def values(self, column: pd.Series, name: str) -> Array:
        """True/False (or 1/0, yes/no) as 1.0/0.0, NaN where missing; anything else refused."""
        out = np.empty(len(column))
        for i, value in enumerate(column.tolist()):
            key = category_key(value)
            if key is None:
                out[i] = np.nan
            elif key.lower() in _TRUE:
                out[i] = 1.0
            elif key.lower() in _FALSE:
                out[i] = 0.0
            else:
                raise ValueError(
                    f"column {name!r} must hold True/False, as it did in training; it holds "
                    f"{value!r} at row {column.index[i]}"
                )
        return out

    def stats(self, name: str, exact: bool) -> ColumnStats:
        return ValueStats(name, self.name, self, exact)

    def onnx_nodes(
        self, encoding: ColumnEncoding, t: str, nodes: list[Any], inits: list[Any]
    ) -> tuple[Any, list[str], str | None]:
        """As a number's, with the mask of values other than 0, 1 and NaN (missing)."""
        from onnx import helper, numpy_helper

        name = encoding.name
        for v in (0, 1):
            inits.append(numpy_helper.from_array(np.array(v, np.float32), f"{t}_{v}"))
            nodes.append(helper.make_node("Equal", [name, f"{t}_{v}"], [f"{t}_is{v}"]))
        nodes.append(helper.make_node("Or", [f"{t}_is0", f"{t}_is1"], [f"{t}_01"]))
        nodes.append(helper.make_node("IsNaN", [name], [f"{t}_nan"]))
        nodes.append(helper.make_node("Or", [f"{t}_01", f"{t}_nan"], [f"{t}_valid"]))
        nodes.append(helper.make_node("Not", [f"{t}_valid"], [f"{t}_invalid"]))
        return value_nodes(encoding, t, nodes, inits, f"{t}_invalid")


BOOLEAN = Boolean()
