"""TableEncoder: a raw table (text, booleans, missing values) in, X = A[0] out, as the command
line encodes it.

What it learns from the training rows, one column at a time, each by its kind
(:mod:`layerwise.tables.kinds`; :mod:`layerwise.features.encoding` holds what a model file keeps of
it and the NumPy transform). :meth:`TableEncoder.fit` is the streamed statistics over one chunk
of rows whose values are kept (:class:`~layerwise.tables.stats.TableStats` with ``exact=True``):
one fit, in memory and streamed.

- **numbers** (any numeric dtype): a missing value becomes the training median; the column is
  then standardized with the training mean and standard deviation. A column with missing
  values in the training rows gets a 0/1 *missing indicator* feature beside it (scikit-learn's
  ``SimpleImputer(add_indicator=True)`` rule), so the network can tell "missing" from "equal to
  the median", as it can for text, where missing is a category of its own.
- **booleans** (bool dtype, or True/False values with blanks): 0/1, not standardized; missing
  as for numbers (median, indicator).
- **text** and pandas **categorical** columns: one 0/1 feature per category seen in the
  training rows (sorted), the missing value being a category of its own; categories seen in
  fewer than ``min_frequency`` training rows (default 5) share one *infrequent* feature, and so
  does any value never seen in training (all 0 when no category was rare).
- **dates** (a datetime column, or text that reads as dates in nearly every row, such as
  ``2021-03-04`` or ``3/4/2021 10:30``): four numbers, the year, the day of the year, the day
  of the week and the days since the earliest training date, standardized; a missing (or
  unreadable) date is filled in as a number is. The model keeps the column as a ``date``
  :class:`~layerwise.features.encoding.ColumnEncoding` and reads the same text at predict time.
- columns that cannot be features are **left out**, each with a notice (``notices_``) that
  names it and ``keep``, which keeps it (as a category, or a number): text in which nearly
  every value is distinct (an id, a name, free text: at least 90 % distinct values among at
  least 20) and whole numbers that number the rows (:func:`left_out_reason`).
- a column with no value in the training rows is refused with a ValueError naming it.

The names follow :mod:`layerwise.features.encoding` (column, feature, kind, fill, indicator,
infrequent, unseen); this module chooses and encodes nothing itself: it holds the options, the
fitted attributes and the transform.

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"mass": [3.1, np.nan, 4.0, 3.6, 5.2, 4.4],
...                    "island": ["Dream", "Biscoe", "Dream", None, "Dream", "Biscoe"]})
>>> enc = TableEncoder(min_frequency=2).fit(df)
>>> enc.feature_names_out_
['mass', 'mass=(missing)', 'island=Biscoe', 'island=Dream', 'island=(infrequent)']
>>> enc.transform(df).shape                       # (n[0], m): one example per column
(5, 6)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._typing import Array
from ..features.encoding import ColumnEncoding, encode_in_chunks
from ..features.preprocessing import Preprocessing
from ._gathering import Gathering
from .columns import DATE_FRACTION, DISTINCT_FRACTION, DISTINCT_MIN_ROWS, left_out_reason
from .defaults import rare_category_count
from .formats import _pandas, _shorten
from .kinds import values_of
from .kinds._base import weighted_median, weighted_quantile

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: categories seen in fewer training rows than this share the infrequent feature
MIN_FREQUENCY = 5

__all__ = [
    "TableEncoder",
    "MIN_FREQUENCY",
    "DISTINCT_FRACTION",
    "DISTINCT_MIN_ROWS",
    "DATE_FRACTION",
    "left_out_reason",
    "weighted_median",
    "weighted_quantile",
]


class TableEncoder:
    """Learn, from the training rows of a table, how each column becomes features of X = A[0].

    Parameters
    ----------
    min_frequency : int or float, optional
        A category seen in fewer training rows than this (a fraction of the rows when a float
        in (0, 1)) goes to the one infrequent feature of its column. Weighted by
        ``sample_weight`` when given. None (the default): a count that grows with the
        table, :func:`~layerwise.tables.defaults.rare_category_count` (2 up to 2000 rows,
        at most 5).
    keep : list of str, default ()
        Columns kept although :func:`left_out_reason` would leave them out: text with
        nearly every value distinct becomes a category, a row number a number.
    scaling : {"standard", "robust"}, default "standard"
        How the standardized features (a number's value, a date's parts) are centred and
        scaled: by the mean and the standard deviation (scikit-learn's ``StandardScaler``), or
        by the median and the interquartile range / 1.349 (the standard deviation for normal
        data; the standard deviation where the range is 0), which outliers and heavy tails
        do not stretch.
    clip : float, optional
        The smooth clip applied after scaling, z / sqrt(1 + (z / clip)²)
        (:attr:`Preprocessing.clip`); None: none.

    Attributes
    ----------
    columns_ : list of ColumnEncoding
        One per input column, in the table's order.
    feature_names_out_ : list of str
        The name of each feature, row of X: ``mass``, ``mass=(missing)``,
        ``island=Biscoe``, ``island=(infrequent)``...
    preprocessing_ : Preprocessing
        The encoding and the standardization, as a model file keeps them.
    left_out_ : list of str
        The columns left out (not features), by :func:`left_out_reason`.
    notices_ : list of str
        One line for each column left out, naming it and the option that keeps it.
    """

    columns_: list[ColumnEncoding]
    feature_names_out_: list[str]
    preprocessing_: Preprocessing
    left_out_: list[str]
    notices_: list[str]

    def __init__(
        self,
        min_frequency: float | None = None,
        keep: Sequence[str] = (),
        scaling: str = "standard",
        clip: float | None = None,
    ) -> None:
        self.min_frequency = min_frequency
        self.keep = keep
        self.scaling = scaling
        self.clip = clip

    # -- fit -------------------------------------------------------------------------------

    def fit(self, frame: pd.DataFrame, sample_weight: Array | None = None) -> TableEncoder:
        """Learn the encoding from ``frame`` (one example per row; every column a feature).

        Parameters
        ----------
        frame : pandas.DataFrame of shape (m, k)
        sample_weight : array of shape (m,), optional
            Row weights (>= 0): the medians, the category counts and the standardization
            statistics are weighted (a row of weight 2 counts as the row twice).

        Raises
        ------
        ValueError
            A column that cannot be a feature (named, with the reason), an empty table.
        """
        pd = _pandas()
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"TableEncoder.fit takes a pandas DataFrame; got {type(frame).__name__}"
            )
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise ValueError(f"TableEncoder.fit needs rows and columns; got shape {frame.shape}")
        self._check_options()
        # the streamed statistics over one chunk, its values kept: exact medians and moments
        return Gathering(exact=True).update(frame, sample_weight).fit(self)

    def _check_options(self) -> None:
        """The options' values, refused with a message that names them."""
        self._min_count(1.0)
        if self.scaling not in ("standard", "robust"):
            raise ValueError(f"scaling must be 'standard' or 'robust'; got {self.scaling!r}")
        clip = self.clip
        if clip is not None and not (
            isinstance(clip, (int, float)) and np.isfinite(clip) and clip > 0
        ):
            raise ValueError(f"clip must be a finite number > 0 or None; got {clip!r}")

    def _min_count(self, total: float) -> float:
        f = rare_category_count(total) if self.min_frequency is None else self.min_frequency
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not f > 0:
            raise ValueError(
                f"min_frequency must be a count >= 1 or a fraction in (0, 1); got {f!r}"
            )
        if isinstance(f, float) and f < 1:
            return f * total
        if f < 1 or (isinstance(f, float) and not f.is_integer()):
            raise ValueError(
                f"min_frequency must be a count >= 1 or a fraction in (0, 1); got {f!r}"
            )
        return float(f)

    @classmethod
    def from_preprocessing(cls, pre: Preprocessing) -> TableEncoder:
        """The encoder of a model (``net.preprocessing`` of a model trained on a table)."""
        if pre.columns is None:
            raise ValueError(
                "this model takes numbers, not a raw table (it has no column encoding)"
            )
        enc = cls()
        enc.left_out_, enc.notices_ = [], []
        enc.columns_ = list(pre.columns)
        enc.preprocessing_ = pre
        enc.feature_names_out_ = list(pre.feature_names or [])
        return enc

    # -- transform -------------------------------------------------------------------------

    def transform(self, frame: pd.DataFrame) -> Array:
        """X = A[0] of shape (n[0], m) for ``frame`` (its columns in any order; others are
        ignored), encoded and standardized as learned."""
        return self.encode(frame)[0]

    def fit_transform(self, frame: pd.DataFrame, sample_weight: Array | None = None) -> Array:
        """``fit(frame).transform(frame)``."""
        return self.fit(frame, sample_weight).transform(frame)

    def encode(self, frame: pd.DataFrame) -> tuple[Array, dict[str, dict[str | None, int]]]:
        """X (n[0], m) as :meth:`transform`, and for each text column the values that training
        never saw, with their counts (they are encoded as infrequent, or all 0)."""
        if not hasattr(self, "columns_"):
            raise ValueError("this TableEncoder is not fitted yet: call fit(frame) first")
        raw = self._columns_of(frame, self.columns_)
        return self.preprocessing_.encode(raw)

    def encode_rows(
        self, frame: pd.DataFrame, rows: Array | None = None
    ) -> tuple[Array, dict[str, dict[str | None, int]]]:
        """:meth:`encode` of the rows ``rows`` of ``frame`` (positions; all, in order, when
        None), stored as rows: X (n[0], m) in Fortran order, encoded a chunk at a time. A
        slice of its first columns is what :meth:`Network.fit` gathers mini-batches from
        without copying X, and no second table-sized array is made on the way."""
        if not hasattr(self, "columns_"):
            raise ValueError("this TableEncoder is not fitted yet: call fit(frame) first")
        raw = self._columns_of(frame, self.columns_)
        if rows is not None:
            raw = {name: values[rows] for name, values in raw.items()}
        pre = self.preprocessing_

        def transform(X: Array, Z: Array) -> Array:
            return pre._standardize(X, Z, encoded=True)

        return encode_in_chunks(
            self.columns_, raw, None if pre.mean is None else transform, order="F"
        )

    def predict_in_chunks(
        self, frame: pd.DataFrame, predict: Callable[[Array], Array]
    ) -> tuple[Array, dict[str, dict[str | None, int]]]:
        """``predict(transform(frame))`` (``predict`` such as ``net.predict_proba``), with
        the rows encoded a chunk at a time: bounded memory for a model of very many features
        (:meth:`Preprocessing.predict_in_chunks`); and the unseen values as :meth:`encode`."""
        if not hasattr(self, "columns_"):
            raise ValueError("this TableEncoder is not fitted yet: call fit(frame) first")
        raw = self._columns_of(frame, self.columns_)
        return self.preprocessing_.predict_in_chunks(raw, predict)

    @staticmethod
    def _columns_of(frame: pd.DataFrame, columns: Sequence[ColumnEncoding]) -> dict[str, Array]:
        missing = [c.name for c in columns if c.name not in frame.columns]
        if missing:
            raise ValueError(f"the table lacks the column(s) {_shorten(missing)}")
        return {c.name: values_of(frame[c.name], c) for c in columns}
