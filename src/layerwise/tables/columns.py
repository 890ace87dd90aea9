"""Why a raw column cannot be a feature (:func:`left_out_reason`), for the loader and the
encoder; the rules themselves belong to the kinds of column (:mod:`layerwise.tables.kinds`):
a row number to :mod:`~layerwise.tables.kinds.number`, an id or free text to
:mod:`~layerwise.tables.kinds.text`. The names below stay importable from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .kinds import ColumnStats, kind_of
from .kinds.date import DATE_FRACTION, DATE_SAMPLE
from .kinds.number import NUMBER, ROW_NUMBER_MIN_ROWS, ROW_NUMBER_SPAN, NumberStats
from .kinds.text import (
    DISTINCT_FRACTION,
    DISTINCT_MIN_ROWS,
    TEXT,
    text_left_out_reason,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DISTINCT_FRACTION",
    "DISTINCT_MIN_ROWS",
    "DATE_FRACTION",
    "DATE_SAMPLE",
    "ROW_NUMBER_MIN_ROWS",
    "ROW_NUMBER_SPAN",
    "left_out_reason",
    "text_left_out_reason",
]


def left_out_reason(column: pd.Series) -> str | None:
    """Why a column cannot be a feature, or None when it can: the rules the encoder applies
    to the column as its only chunk of rows.

    - whole numbers that number the rows, as R's ``rownames`` or pandas' ``Unnamed: 0``
      (:func:`~layerwise.tables.kinds.number.row_number_reason`): at least
      :data:`ROW_NUMBER_MIN_ROWS` rows, no missing value, distinct, at most
      :data:`ROW_NUMBER_SPAN` times as many numbers from 0 to the largest as rows, from a
      small start (in file order, or shuffled by a split; gaps at both ends where rows were
      split off or filtered out);
    - text (not dates) in which nearly every value is distinct (at least
      :data:`DISTINCT_FRACTION` among at least :data:`DISTINCT_MIN_ROWS` values): an id,
      a name, free text, whose categories would each be seen once.
    """
    name = str(column.name)
    kind = kind_of(name, column, refuse=False)
    w = np.ones(len(column))
    stats: ColumnStats
    if kind is NUMBER:
        stats = NumberStats(name, NUMBER, exact=True)
        stats.add(column.to_numpy(dtype=np.float64, na_value=np.nan), w)
    elif kind is TEXT:
        stats = TEXT.stats(name, exact=True)
        stats.update(column, w)
    else:
        return None
    return stats.left_out_reason()
