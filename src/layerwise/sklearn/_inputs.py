"""The three kinds of X the estimators take, as rows (m, ...), and how each becomes A[0]:

- a dense array (or an all-numeric DataFrame without missing values): standardized with the
  training mean and standard deviation, as before;
- a SciPy sparse matrix or array (CSR, CSC, COO, ...): kept sparse and used as given, not
  standardized (``standardize`` applies to dense X). Centering would fill in every zero, and
  scaling without centering (``StandardScaler(with_mean=False)``) blows up the rare columns
  of a one-hot encoding: on one-hot encoded categorical tables it cost 2.8 points of accuracy
  (0.854 against 0.882, three seeds); scale a sparse X of counts or measurements in a Pipeline
  (``MaxAbsScaler``) when it needs it. A[0] is the CSR rows read as CSC, so the network trains
  on sparse batches (see :mod:`layerwise.training.batches`) and never densifies X;
- a raw pandas DataFrame with text, booleans, categoricals or missing values: encoded by the
  table door's own :class:`~layerwise.tables.TableEncoder`, fitted on the training rows
  inside ``fit`` (``encoder_``), whose preprocessing is the network's, so the model file and
  the ONNX export take the raw columns, as a model of ``layerwise train`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.validation import validate_data

from .._checks import is_sparse
from .._typing import Array
from ..features.preprocessing import Preprocessing

if TYPE_CHECKING:  # pragma: no cover
    from ..model.network import Network
    from ..tables import TableEncoder

__all__ = [
    "RowInputs",
    "column_kind",
    "is_pandas_frame",
    "is_raw_table",
    "is_sparse",
    "sparse_columns",
    "table_names",
]

#: the NumPy dtype kinds a DataFrame column may have and still be taken as numbers
#: (booleans, integers, floats): scikit-learn's own ``check_array`` converts those
_NUMERIC_KINDS = "biuf"


def is_pandas_frame(X: Any) -> bool:
    """A pandas DataFrame (told by its type: pandas is not imported to answer)."""
    kind = type(X)
    return kind.__name__ == "DataFrame" and kind.__module__.startswith("pandas")


def is_raw_table(X: Any) -> bool:
    """A pandas DataFrame that needs the table encoder: a column that is not numbers or
    booleans (text, categorical, dates...), or a missing value anywhere."""
    if not is_pandas_frame(X):
        return False
    for dtype in X.dtypes:
        kind = getattr(dtype, "kind", "O")
        # categorical dtypes have kind "O", pandas' nullable Int64/Float64/boolean their own
        if kind not in _NUMERIC_KINDS or type(dtype).__name__ == "CategoricalDtype":
            return True
    return bool(X.isna().to_numpy().any())


#: what a DataFrame column holds, in words, by the kind :func:`column_kind` gives it
_KIND_WORDS = {"boolean": "True/False", "number": "numbers", "date": "dates", "text": "text"}


def column_kind(column: Any) -> str | None:
    """What a DataFrame column holds: ``"boolean"``, ``"number"`` (integers or floats, pandas'
    nullable ones too), ``"date"`` or ``"text"`` (strings, categoricals); an object column by
    the values it holds (True/False with gaps is still boolean); None for one with no value."""
    dtype = column.dtype
    if type(dtype).__name__ == "CategoricalDtype":
        return "text"
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        return "boolean"
    if kind in "iuf":
        return "number"
    if kind in "mM":
        return "date"
    from pandas.api.types import infer_dtype

    inferred = infer_dtype(column, skipna=True)
    if inferred == "empty":
        return None
    if inferred == "boolean":
        return "boolean"
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return "number"
    if inferred.startswith("date"):
        return "date"
    return "text"


def shorten(names: list[str], limit: int = 12) -> str:
    """Names for a message: the first ``limit``, quoted, and how many there are in all."""
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def table_names(owner: str, X: Any) -> list[str]:
    """The column names of a DataFrame as text, each once."""
    names = [str(c) for c in X.columns]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"{owner}: X has two columns named {dup!r}; column names must differ")
    return names


def sparse_columns(X_rows: Any, dtype: np.dtype) -> Any:
    """A[0] (n[0], m) for sparse rows X (m, n[0]): the rows read as CSC columns, one example
    per column (the same arrays when X is CSR of the network's dtype)."""
    return X_rows.tocsr().T.astype(dtype, copy=False)  # CSR (m, n[0]) transposed is CSC


class RowInputs:
    """The estimators' X at the door (``fit``, ``partial_fit``, ``predict``) and its A[0]."""

    encoder_: TableEncoder  # set by fit on a raw DataFrame only
    feature_names_in_: Array
    n_features_in_: int
    standardize: bool

    def _check_kinds(self, X: Any, reset: bool) -> None:
        """Remember what each column of a DataFrame X holds at fit (:func:`column_kind`, as
        ``feature_names_in_`` remembers the names) and refuse, later, a column whose kind
        changed: True/False where numbers were trained would be taken as 0/1 in silence,
        as numbers where text was trained would be taken as unseen categories."""
        if reset:
            self._feature_kinds = (
                {str(c): (column_kind(X[c]), str(X[c].dtype)) for c in X.columns}
                if is_pandas_frame(X) and X.columns.is_unique
                else {}
            )
            return
        trained = getattr(self, "_feature_kinds", None)
        if not trained or not is_pandas_frame(X) or not X.columns.is_unique:
            return
        for c in X.columns:
            kind, dtype = trained.get(str(c), (None, ""))
            given = column_kind(X[c])
            if kind is not None and given is not None and given != kind:
                raise ValueError(
                    f"{type(self).__name__}: column {str(c)!r} holds {_KIND_WORDS[given]} "
                    f"(dtype {X[c].dtype}) but held {_KIND_WORDS[kind]} at fit (dtype "
                    f"{dtype}); give it as it was at fit (e.g. X[{str(c)!r}].astype("
                    f"{dtype!r})), or fit again"
                )

    def _check_X_y(self, X: Any, y: Any, reset: bool, y_numeric: bool = False) -> tuple[Any, Any]:
        """X as dense rows, sparse CSR rows or (fitted with the encoder) a DataFrame whose
        columns are named as text; y as an array."""
        self._check_kinds(X, reset)
        table = is_raw_table(X) if reset else hasattr(self, "encoder_")
        if not table:
            return validate_data(
                self,
                X,
                y,
                reset=reset,
                multi_output=True,
                y_numeric=y_numeric,
                accept_sparse="csr",
                dtype=(np.float64, np.float32),
            )
        frame = self._check_frame(X, reset)
        name = getattr(y, "name", None)
        y = check_array(
            y,
            ensure_2d=False,
            dtype="numeric" if y_numeric else None,
            ensure_all_finite=True,
            input_name="y",
        )
        check_consistent_length(frame, y)
        if reset:
            self._target_name = name if isinstance(name, str) and name not in frame else None
        return frame, y

    def _check_X(self, X: Any) -> Any:
        """X at predict: as at fit (a DataFrame with the same columns when fitted on one, each
        holding what it held at fit)."""
        self._check_kinds(X, reset=False)
        if hasattr(self, "encoder_"):
            return self._check_frame(X, reset=False)
        try:
            return validate_data(
                self, X, reset=False, accept_sparse="csr", dtype=(np.float64, np.float32)
            )
        except ValueError as exc:
            if is_pandas_frame(X) and "NaN" in str(exc):
                raise ValueError(
                    f"{exc} (This model was fitted on numbers without missing values; fitted "
                    f"on a DataFrame with missing values, it fills them in with its encoder_.)"
                ) from None
            raise

    def _check_frame(self, X: Any, reset: bool) -> Any:
        owner = type(self).__name__
        if not is_pandas_frame(X):
            kind = type(X)
            raise ValueError(
                f"{owner} was fitted on a pandas DataFrame with text, categories or missing "
                f"values (encoded by its encoder_), so X must be a DataFrame with the columns "
                f"{shorten(list(self.feature_names_in_))}; Received: "
                f"{kind.__module__.split('.')[0]}.{kind.__name__}"
            )
        names = table_names(owner, X)
        if X.shape[0] == 0:
            raise ValueError(f"{owner}: X has 0 rows; at least one example is needed")
        if reset:
            self.n_features_in_ = len(names)
            self.feature_names_in_ = np.asarray(names, dtype=object)
        else:
            expected = [str(n) for n in self.feature_names_in_]
            missing = [n for n in expected if n not in names]
            unexpected = [n for n in names if n not in expected]
            if missing or unexpected:
                parts = [f"lacks {shorten(missing)}"] if missing else []
                parts += [f"has {shorten(unexpected)}, not seen at fit"] if unexpected else []
                raise ValueError(
                    f"{owner}: X has other columns than at fit: it {' and '.join(parts)}; "
                    f"expected the columns {shorten(expected)} (in any order)"
                )
        if all(isinstance(c, str) for c in X.columns):
            return X
        return X.set_axis(names, axis=1)

    def _input_preprocessing(
        self, X: Any, classes: list[Any] | None, weights: Array | None
    ) -> Preprocessing:
        """What turns the training X into A[0], learned from it: the table encoder's
        preprocessing for a DataFrame (kept as ``encoder_``), the scale of each sparse feature,
        or the mean and standard deviation of each dense one."""
        if is_pandas_frame(X):
            from ..tables import TableEncoder

            encoder = TableEncoder().fit(X, sample_weight=None if weights is None else weights[0])
            pre = encoder.preprocessing_
            if not self.standardize:
                assert pre.mean is not None and pre.scale is not None
                pre.mean[:], pre.scale[:] = 0.0, 1.0
            pre.classes = classes
            pre.target = getattr(self, "_target_name", None)
            self.encoder_ = encoder
            return pre
        if hasattr(self, "encoder_"):
            del self.encoder_  # a fit on numbers after one on a table
        names = getattr(self, "feature_names_in_", None)
        feature_names = None if names is None else [str(n) for n in names]
        if is_sparse(X):  # used as given: see the module's docstring
            return Preprocessing(feature_names=feature_names, classes=classes)
        # the statistics come from the rows of X, stored per feature (n[0],) as the CLI does
        return Preprocessing.fit(
            X.T,
            standardize=bool(self.standardize),
            feature_names=feature_names,
            classes=classes,
            sample_weight=weights,
        )

    def _columns(self, net: Network, X: Any) -> Any:
        """The one transpose: rows (m, ...) -> A[0] (n[0], m), prepared as at fit."""
        if is_pandas_frame(X):
            return self.encoder_.transform(X).astype(net.dtype, copy=False)
        if is_sparse(X):
            return sparse_columns(X, net.dtype)
        pre = net.preprocessing
        A0 = np.asarray(X.T, dtype=net.dtype)
        return A0 if pre is None else pre.transform(A0)
