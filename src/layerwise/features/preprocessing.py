"""What turns a raw table into X = A[0] and back: the encoding of its columns, standardization,
class labels and the target's units.

A :class:`Preprocessing` travels with a network (``net.preprocessing``), in its model file and
in its ONNX export, so that a saved model takes raw feature values and gives back the original
class labels (or values in the target's units). The core API (``Network.fit``/``predict``) works
on prepared arrays and never applies it by itself; the command line, the scikit-learn estimators
and :class:`layerwise.tables.TableEncoder` do.

A model trained on a table (``layerwise train``) also has ``columns``: how each input column,
text and missing values included, becomes features (:mod:`layerwise.features.encoding`); then
:meth:`Preprocessing.encode` takes the raw columns and the standardization follows.

Names: a table's **columns** become **features** (rows of X); the columns that are neither
features nor the target are **left out** (``left_out`` here, ``Table.left_out`` and
``TableEncoder.left_out_``: one name; ``ignored``, the former one, stays an alias and the key in
the model file). The other words (kind, fill, indicator, infrequent, unseen, standardized) are
those of :mod:`layerwise.features.encoding`.

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 40.0]])      # (n[0], m)
>>> pre = Preprocessing.fit(X, classes=["no", "yes"])
>>> pre.transform(X).round(3)
array([[-1.225,  0.   ,  1.225],
       [-0.707, -0.707,  1.414]])
>>> pre.decode(np.array([[1, 0, 1]]))
array(['yes', 'no', 'yes'], dtype='<U3')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._optional import plain
from .._typing import Array
from ..core.metrics import power_of_two_above, power_of_two_scaled
from ._preprocessing_file import MAX_FILL_DEVIATIONS, read_fields
from .encoding import CHUNK_BYTES, ColumnEncoding, encode_columns, predict_in_chunks

__all__ = ["Preprocessing", "MAX_FILL_DEVIATIONS", "constant_features"]


@dataclass
class Preprocessing:
    """Feature standardization x := (x − mean) / scale, and the class labels of the outputs.

    Attributes
    ----------
    mean, scale : ndarray of shape (n[0],), or None
        None means the features are used as given.
    feature_names : list of str, or None
        The input columns, in the order of the rows of X.
    classes : list, or None
        The original labels: for a sigmoid output ``[negative, positive]``; for softmax the
        label of each output row; None for regression.
    target : str, or None
        The name of the target column.
    columns : list of ColumnEncoding, or None
        How each input column of a raw table becomes features, in the order of the rows of
        X (their widths add up to n[0]); None for a network that takes prepared numbers.
    target_mean, target_scale : float, or None
        Regression: the network was trained on (y − target_mean) / target_scale, so its
        outputs are mapped back with :meth:`inverse_target`.
    clip : float, or None
        After standardizing, each feature passes the smooth clip z / sqrt(1 + (z / clip)²)
        (RealMLP's): about z near 0, never beyond ±clip, so an outlier cannot dominate a
        unit. None: no clipping.
    left_out : list of str
        Columns of the training table that were not features (the id, the weights, the
        ones dropped on request or left out by rule): a table given to the model may carry
        them. ``ignored`` is its former name, kept as an alias and as its key in the model
        file (files already written keep loading).
    """

    mean: Array | None = None
    scale: Array | None = None
    feature_names: list[str] | None = None
    classes: list[Any] | None = None
    target: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    columns: list[ColumnEncoding] | None = None
    target_mean: float | None = None
    target_scale: float | None = None
    left_out: list[str] = field(default_factory=list)
    clip: float | None = None

    @property
    def ignored(self) -> list[str]:
        """The former name of :attr:`left_out`."""
        return self.left_out

    @ignored.setter
    def ignored(self, names: Sequence[str]) -> None:
        self.left_out = list(names)

    @classmethod
    def fit(
        cls,
        X: Array,
        standardize: bool = True,
        feature_names: Sequence[str] | None = None,
        classes: Sequence[Any] | None = None,
        target: str | None = None,
        sample_weight: Array | None = None,
    ) -> Preprocessing:
        """Statistics from training data X (n[0], m); a constant feature gets scale 1. With
        ``sample_weight`` (1, m) the mean and the standard deviation are weighted (an example
        of weight 2 counts as two), as scikit-learn's ``StandardScaler`` weights them."""
        mean = scale = None
        if standardize:
            w = None if sample_weight is None else power_of_two_scaled(np.ravel(sample_weight))
            # each feature divided by a power of two above its largest |x| (exact): finite
            # values, however large, give a finite mean and standard deviation
            X64 = np.asarray(X, dtype=np.float64)
            unit = power_of_two_above(X64, axis=1)[:, 0]
            Xs = X64 / unit[:, None]
            mean_s = np.average(Xs, axis=1, weights=w)
            scale_s = np.sqrt(np.average((Xs - mean_s[:, None]) ** 2, axis=1, weights=w))
            mean, scale = mean_s * unit, scale_s * unit
            scale[constant_features(scale, mean, X64.shape[1])] = 1.0
        return cls(
            mean=mean,
            scale=scale,
            feature_names=list(feature_names) if feature_names is not None else None,
            classes=list(classes) if classes is not None else None,
            target=target,
        )

    def transform(self, X: Array) -> Array:
        """(x − mean) / scale for X (n[0], m), then the smooth :attr:`clip` when there is one;
        returns a new array."""
        if self.mean is None or self.scale is None:
            return np.array(X, copy=True)
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        return self._standardize(X, np.empty(X.shape, dtype=dtype))

    def _standardize(self, X: Array, Z: Array, encoded: bool = False) -> Array:
        """Write :meth:`transform` of X into Z (X itself for a transform in place), a block
        of columns at a time: the smooth clip's scratch stays a block's size.

        ``encoded``: X comes from :func:`~layerwise.features.encoding.encode_columns`, so its
        one-hot and missing-indicator features hold exactly 0 and 1 (mean 0, scale 1): those rows
        are mapped by x · clip(1) (the same value as the formula, computed once) instead of
        the formula, most of a table's features for a few multiplications."""
        assert self.mean is not None and self.scale is not None
        mean = self.mean.astype(Z.dtype)[:, None]
        scale = self.scale.astype(Z.dtype)[:, None]
        binary = self._binary_rows() if encoded else None
        general: Any = slice(None)
        on = None
        if binary is not None and binary.any():
            general = np.flatnonzero(~binary)
            on = np.ones(1, dtype=Z.dtype)  # the image of 1: the clip's own arithmetic
            if self.clip is not None:
                _smooth_clip(on, float(self.clip))
            mean, scale = mean[general], scale[general]
            binary_rows = np.flatnonzero(binary)
        step = max(1, _BLOCK_VALUES // max(1, X.shape[0]))
        # in place, each block is computed aside first: an error then still has X's values
        width = min(step, X.shape[1])
        scratch = (
            np.empty((mean.shape[0], width), dtype=Z.dtype) if X is Z or on is not None else None
        )
        for start in range(0, X.shape[1], step):
            x, z = X[:, start : start + step], Z[:, start : start + step]
            xg = x if on is None else x[general]
            out = z if scratch is None else scratch[:, : x.shape[1]]
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                np.subtract(xg, mean, out=out, dtype=Z.dtype)
                out /= scale
            if not np.isfinite(out).all():
                self._refuse_overflow(x, out if on is None else _rows_back(out, general, x))
            if self.clip is not None:
                _smooth_clip(out, float(self.clip))
            if on is not None:
                z[binary_rows] = x[binary_rows] * on[0]
                z[general] = out
            elif scratch is not None:
                np.copyto(z, out)
        return Z

    def _binary_rows(self) -> Any:
        """Which features an encoding writes as exactly 0 or 1 with mean 0 and scale 1 (the
        categories' one-hot features, the missing indicators), or None without columns."""
        if self.columns is None or self.mean is None or self.scale is None:
            return None
        rows: list[bool] = []
        for c in self.columns:
            if c.kind == "category":
                rows += [True] * c.width
            else:  # the value (or a date's parts), then the indicator
                rows += [False] * (c.width - int(c.indicator)) + [True] * int(c.indicator)
        mask = np.array(rows, dtype=bool)
        if mask.size != self.mean.size:
            return None
        return mask & (self.mean == 0) & (self.scale == 1)

    def _refuse_overflow(self, X: Array, Z: Array) -> None:
        """Finite values that the stored statistics turn into inf or NaN: the fault is the
        model's (its mean or scale), not the data's, and the message says so."""
        assert self.mean is not None and self.scale is not None
        bad = np.argwhere(~np.isfinite(Z) & np.isfinite(X))
        # in float64, where a float32 X only passed its dtype's range: the data's, not the model's
        rows, cols = bad[:, 0], bad[:, 1]
        with np.errstate(over="ignore", invalid="ignore"):
            z64 = (X[rows, cols].astype(np.float64) - self.mean[rows]) / self.scale[rows]
        bad = bad[~np.isfinite(z64)]
        if not bad.size:
            return  # the data's own values: the checks that follow name them
        j, i = (int(v) for v in bad[0])
        names = self.feature_names
        feature = repr(names[j]) if names is not None and j < len(names) else f"{j + 1}"
        raise ValueError(
            f"the model's preprocessing turns the finite value {float(X[j, i])!r} of feature "
            f"{feature} into {Z[j, i]} with its stored statistics (mean {self.mean[j]:.6g}, "
            f"scale {self.scale[j]:.6g}): the model file's standardization is out of range, "
            f"not the data; use a model trained again, or one whose file is not damaged"
        )

    def encode(self, raw: Mapping[str, Array]) -> tuple[Array, dict[str, dict[str | None, int]]]:
        """X = A[0] (n[0], m) from the raw columns of a table (see :meth:`ColumnEncoding.encode`
        for the values each takes), standardized; and the values of each category column that
        training never saw (value -> count), which were encoded as infrequent or all 0."""
        if self.columns is None:
            raise ValueError("this preprocessing has no column encoding (it takes numbers)")
        X, unseen = encode_columns(self.columns, raw)
        if self.mean is None or self.scale is None:
            return X, unseen
        # X is this call's own: standardized in place, no second table-sized array
        return self._standardize(X, X, encoded=True), unseen

    def predict_in_chunks(
        self,
        raw: Mapping[str, Array],
        predict: Callable[[Array], Array],
        max_bytes: int = CHUNK_BYTES,
    ) -> tuple[Array, dict[str, dict[str | None, int]]]:
        """``predict`` (such as ``net.predict_proba``) of :meth:`encode` ``(raw)``, encoded
        and standardized a chunk of rows at a time (each chunk's X at most ``max_bytes``), so
        that memory stays bounded for a model of very many features; returns A (n[L], m) and
        the unseen values as :meth:`encode` does
        (:func:`layerwise.features.encoding.predict_in_chunks`).
        """
        if self.columns is None:
            raise ValueError("this preprocessing has no column encoding (it takes numbers)")
        # without statistics, transform would only copy each chunk
        transform = None if self.mean is None else self.transform
        return predict_in_chunks(predict, self.columns, raw, transform, max_bytes)

    def scale_target(self, Y: Array) -> Array:
        """(y − target_mean) / target_scale: the units the network was trained in."""
        if self.target_mean is None or self.target_scale is None:
            return np.asarray(Y, dtype=np.float64)
        return (np.asarray(Y, dtype=np.float64) - self.target_mean) / self.target_scale

    def inverse_target(self, AL: Array) -> Array:
        """A[L] of a regression back in the target's units: a · target_scale + target_mean."""
        if self.target_mean is None or self.target_scale is None:
            return AL
        return AL * self.target_scale + self.target_mean

    def decode(self, labels: Array) -> np.ndarray:
        """Class indices (1, m) from ``Network.predict`` → the original labels, shape (m,)."""
        idx = np.asarray(labels).reshape(-1).astype(np.intp)
        if self.classes is None:
            return idx
        return np.asarray(self.classes)[idx]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for model files."""
        return {
            "mean": None if self.mean is None else [float(v) for v in self.mean],
            "scale": None if self.scale is None else [float(v) for v in self.scale],
            "feature_names": self.feature_names,
            "classes": None if self.classes is None else [plain(c) for c in self.classes],
            "target": self.target,
            "extra": self.extra,
            "columns": None if self.columns is None else [c.to_dict() for c in self.columns],
            "target_mean": self.target_mean,
            "target_scale": self.target_scale,
            "ignored": list(self.left_out),  # the key files have always had
            **({} if self.clip is None else {"clip": float(self.clip)}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], n0: int) -> Preprocessing:
        """Inverse of :meth:`to_dict`, checked against n[0] field by field (JSON type and
        range: model files come from anywhere); ValueError saying what is wrong."""
        return cls(**read_fields(data, n0))


def _rows_back(out: Array, rows: Array, like: Array) -> Array:
    """A block's computed rows put back in place among all its rows (the others 0), for
    the overflow check's message."""
    full = np.zeros(like.shape, dtype=out.dtype)
    full[rows] = out
    return full


#: a block of the transform holds at most this many values (its scratch: 8 MiB in float64)
_BLOCK_VALUES = 1 << 20


def _smooth_clip(Z: Array, c: float) -> None:
    """Z := z / sqrt(1 + (z/c)²) in place, in two scratch-free passes (a faster form of
    ``Z / np.hypot(1, Z / c)``, equal to it within 2 ulp). z is first bounded by
    sqrt(max)·c/2, beyond which the result is ±c to the dtype's precision, so that (z/c)²
    cannot overflow and a huge z gives ±c, not 0."""
    bound = float(np.sqrt(np.finfo(Z.dtype).max)) * min(c, 1.0) / 2
    np.clip(Z, -bound, bound, out=Z)
    T = Z * Z.dtype.type(1.0 / c)
    T *= T
    T += 1.0
    np.sqrt(T, out=T)
    Z /= T


def constant_features(sd: Array, mean: Array, n: int) -> Array:
    """Which features are constant up to rounding (scikit-learn's rule for
    ``StandardScaler``): var <= n·eps·var + (n·mean·eps)², tested on sd and mean divided by
    the larger of |mean| and sd (the rule is scale-free, and so cannot overflow). They get
    scale 1, so that rounding noise in a constant column is not magnified into values of
    order 1."""
    eps = np.finfo(np.float64).eps
    sd, mean = np.asarray(sd, dtype=np.float64), np.asarray(mean, dtype=np.float64)
    unit = np.maximum(np.abs(mean), sd)
    with np.errstate(invalid="ignore", divide="ignore"):
        s, m = sd / unit, mean / unit
    var = s * s
    return np.asarray((unit == 0) | (var <= n * eps * var + (n * m * eps) ** 2))
