"""The kinds of column, one module each: how a column is recognised, read, gathered (its
statistics, updated chunk by chunk and merged), encoded (its
:class:`~layerwise.features.encoding.ColumnEncoding`, NumPy only, so that a model loads without
pandas) and exported (its ONNX nodes).

====================  ====================================================================
:mod:`.number`        numbers; a column that numbers the rows is left out
:mod:`.boolean`       True/False
:mod:`.date`          dates and date-times (a datetime dtype, or text that reads as dates)
:mod:`.category`      pandas categoricals, and text that ends as categories
:mod:`.text`          anything read by its text: dates, numbers, categories, or left out
                      as an id or free text, once every training row is counted
====================  ====================================================================

:data:`KINDS` maps each name to its :class:`~._base.Kind`; :func:`kind_of` chooses the kind of
a column in the registry's order. :class:`~layerwise.tables.TableEncoder` and
:class:`~layerwise.tables.stats.TableStats` choose a kind per column and encode nothing
themselves. A new kind: a module here with a :class:`~._base.Kind`, a line in :data:`KINDS`,
and, when it makes a new kind of :class:`~layerwise.features.encoding.ColumnEncoding`, its NumPy
transform and its model-file fields there.

Examples
--------
>>> import pandas as pd
>>> [kind_of(name, column).name for name, column in pd.DataFrame(
...     {"age": [31, 45], "smoker": [True, False], "city": ["Lyon", "Nice"]}).items()]
['number', 'boolean', 'text']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._typing import Array
from ...features.encoding import ColumnEncoding
from ..formats import _pandas
from ._base import MAX_DISTINCT, MAX_DISTINCT_NUMBERS, ColumnStats, Kind
from ._values import ValueStats
from .boolean import BOOLEAN
from .category import CATEGORY
from .date import DATE
from .number import NUMBER
from .text import TEXT

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "KINDS",
    "Kind",
    "ColumnStats",
    "ValueStats",
    "MAX_DISTINCT",
    "MAX_DISTINCT_NUMBERS",
    "kind_of",
    "values_of",
]

#: every kind, in the order a column is recognised (text: anything else)
KINDS: dict[str, Kind] = {k.name: k for k in (CATEGORY, BOOLEAN, DATE, NUMBER, TEXT)}
#: what pandas infers of values that cannot be features
_REFUSED = ("time", "timedelta", "timedelta64", "period", "complex", "interval")


def kind_of(name: str, column: pd.Series, refuse: bool = True) -> Kind:
    """The kind of a column as read (``text`` may turn out dates, numbers, categories or an
    id, once counted); values that cannot be features (times, durations, complex numbers...)
    are refused with a ValueError naming the column (``refuse``; else they are text)."""
    inferred = _pandas().api.types.infer_dtype(column, skipna=True)
    for kind in KINDS.values():
        if kind is NUMBER and inferred in _REFUSED and refuse:
            raise ValueError(
                f"column {name!r} holds {inferred} values, which cannot be features; leave it "
                f"out (--drop {name} on the command line)"
            )
        if kind.recognises(column, inferred):
            return kind
    raise AssertionError("the text kind recognises every column")  # pragma: no cover


def values_of(column: pd.Series, encoding: ColumnEncoding) -> Array:
    """A column as :meth:`ColumnEncoding.encode` takes it, by the encoding's kind."""
    return KINDS[encoding.kind].values(column, encoding.name)
