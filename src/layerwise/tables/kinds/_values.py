"""The statistics of the kinds whose values are numbers (number, boolean as 0/1, date in days
since 1970-01-01): :class:`ValueStats`, exact or streamed; and their ONNX side
(:func:`value_nodes`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..._typing import Array
from ...core.metrics import RunningMoments
from ...features.encoding import DATE_PARTS, ColumnEncoding, date_parts
from ...features.preprocessing import Preprocessing, constant_features
from ._base import MAX_DISTINCT_NUMBERS, ColumnStats, Kind, no_values, robust, weighted_median

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["ValueStats", "features", "value_nodes", "is_inf_node"]


def features(kind: str, values: Array) -> Array:
    """The standardized features of values (m,): (1, m) for a number, (4, m) for a date
    (its year, day of the year, day of the week and days since 1970-01-01)."""
    if kind == "date":
        return np.vstack([date_parts(values), values[None, :]])
    return values[None, :]


class ValueStats(ColumnStats):
    """The statistics of a column of numbers (a number, a boolean as 0/1, a date in days since
    1970-01-01): the rows without a value, and the values kept (exact) or summarized (running
    moments of the standardized features, the distinct values counted, the smallest)."""

    def __init__(self, name: str, kind: str, reader: Kind, exact: bool = False) -> None:
        super().__init__(name, kind, exact)
        self.reader = reader
        self.counts: dict[float, float] | None = {}
        self.moments: RunningMoments | None = None
        self.minimum = np.inf
        self.kept: list[tuple[Array, Array]] = []  # exact: (values with NaN, weights)

    def update(self, column: pd.Series, w: Array) -> None:
        self.add(self.reader.values(column, self.name), w)

    def add(self, values: Array, w: Array) -> None:
        """Add values (m,) as :meth:`Kind.values` gives them (NaN: missing) with weights (m,)."""
        missing = np.isnan(values)
        self._count(missing, w)
        if self.exact:
            self.kept.append((values, w))
            return
        present, wp = values[~missing], w[~missing]
        if present.size:
            self.minimum = min(self.minimum, float(present.min()))
            if self.moments is None:
                self.moments = RunningMoments(len(DATE_PARTS) if self.kind == "date" else 1)
            self.moments.add(features(self.kind, present), wp)
            self._count_values(present, wp)

    def _count_values(self, values: Array, w: Array) -> None:
        if self.counts is None:
            return
        distinct, index = np.unique(values, return_inverse=True)
        if len(self.counts) + distinct.size > MAX_DISTINCT_NUMBERS and (
            distinct.size > MAX_DISTINCT_NUMBERS
            or len(set(distinct.tolist()) | self.counts.keys()) > MAX_DISTINCT_NUMBERS
        ):
            self.counts = None  # a continuous column: its median comes from the sample
            return
        sums = np.bincount(index.reshape(-1), weights=w, minlength=distinct.size)
        for v, s in zip(distinct.tolist(), sums.tolist()):
            self.counts[v] = self.counts.get(v, 0.0) + s

    def merge(self, other: ColumnStats) -> None:
        super().merge(other)
        assert isinstance(other, ValueStats)
        self.kept += other.kept
        if self.counts is not None and other.counts is not None:
            for k, c in other.counts.items():
                self.counts[k] = self.counts.get(k, 0.0) + c
            if len(self.counts) > MAX_DISTINCT_NUMBERS:
                self.counts = None
        else:
            self.counts = None
        if other.moments is not None:
            if self.moments is None:
                self.moments = other.moments.copy()
            else:
                self.moments.merge(other.moments.w, other.moments.mean, other.moments.m2)
        self.minimum = min(self.minimum, other.minimum)

    def _kept(self) -> tuple[Array, Array]:
        if len(self.kept) == 1:
            return self.kept[0]
        return tuple(np.concatenate(parts) for parts in zip(*self.kept))  # type: ignore[return-value]

    def present(self, sample: Any) -> tuple[Array, Array]:
        """The present values and their weights: every row's (exact), every distinct value
        with its count, or those of the uniform sample when there were too many to count."""
        if self.exact:
            values, w = self._kept()
            keep = ~np.isnan(values)
            return values[keep], w[keep]
        if self.counts is not None:
            values = np.array(list(self.counts), dtype=np.float64)
            return values, np.array(list(self.counts.values()), dtype=np.float64)
        v = self.reader.values(sample.frame[self.name], self.name)
        keep = ~np.isnan(v)
        return v[keep], sample.weights[keep]

    def encoding(self, min_count: float, sample: Any) -> ColumnEncoding:
        if self.n_present == 0:
            raise no_values(self.name)
        values, weights = self.present(sample)
        fill = weighted_median(values, weights)
        origin = None
        if self.kind == "date":
            origin = float(values.min()) if self.exact or self.moments is None else self.minimum
        return ColumnEncoding(
            self.name, self.kind, fill=fill, indicator=self.n_missing > 0, origin=origin
        )

    def standardization(
        self, encoding: ColumnEncoding, sample: Any, scaling: str, weighted: bool
    ) -> tuple[Array, Array]:
        mean, scale = np.zeros(encoding.width), np.ones(encoding.width)
        parts = {"number": 1, "date": len(DATE_PARTS)}.get(encoding.kind, 0)
        if parts:
            fit = self._exact_standardization if self.exact else self._streamed_standardization
            mean[:parts], scale[:parts] = fit(encoding, sample, scaling, weighted)
        return mean, scale

    def _exact_standardization(
        self, encoding: ColumnEncoding, sample: Any, scaling: str, weighted: bool
    ) -> tuple[Array, Array]:
        """The statistics of the features as encoded, every row (a missing value filled in)."""
        values, w = self._kept()
        X = np.empty((encoding.width, values.size))
        encoding.encode(values, X)
        X = X[np.array(encoding.standardized)]
        stats = Preprocessing.fit(X, sample_weight=w[None, :] if weighted else None)
        assert stats.mean is not None and stats.scale is not None
        if scaling == "robust":
            for j in range(X.shape[0]):
                stats.mean[j], stats.scale[j] = robust(X[j], w, float(stats.scale[j]))
        return stats.mean, stats.scale

    def _streamed_standardization(
        self, encoding: ColumnEncoding, sample: Any, scaling: str, weighted: bool
    ) -> tuple[Array, Array]:
        """From the running moments, missing entries filled in as the encoding fills them."""
        assert encoding.fill is not None
        if self.moments is not None:
            moments = self.moments.copy()
        else:  # numbers or dates read as text: from the counted values
            values, weights = self.present(sample)
            moments = RunningMoments(len(DATE_PARTS) if encoding.kind == "date" else 1)
            moments.add(features(encoding.kind, values), weights)
        if self.w_missing > 0:
            moments.merge(
                self.w_missing,
                features(encoding.kind, np.array([encoding.fill]))[:, 0],
                np.zeros(moments.mean.size),
            )
        mean = moments.mean.copy()
        sd = np.sqrt(moments.m2 / moments.w) if moments.w > 0 else np.zeros_like(mean)
        if encoding.kind == "date":
            assert encoding.origin is not None
            mean[-1] -= encoding.origin  # the days since the earliest training date
        scale = np.where(constant_features(sd, moments.mean, self.n), 1.0, sd)
        if scaling == "robust":
            values, weights = self.present(sample)
            missing_w = self.w_missing
            if self.counts is None:  # the sample's rows without a value
                column = sample.frame[self.name]
                missing_w = float(sample.weights[column.isna().to_numpy()].sum())
            if missing_w > 0:
                values = np.append(values, encoding.fill)
                weights = np.append(weights, missing_w)
            X = features(encoding.kind, values)
            if encoding.kind == "date":
                assert encoding.origin is not None
                X[-1] -= encoding.origin
            for j in range(X.shape[0]):
                mean[j], scale[j] = robust(X[j], weights, float(scale[j]))
        return mean, scale


# --------------------------------------------------------------------------- ONNX


def value_nodes(
    encoding: ColumnEncoding,
    t: str,
    nodes: list[Any],
    inits: list[Any],
    invalid: str,
    parts: Callable[[str], list[str]] | None = None,
) -> tuple[Any, list[str], str]:
    """The ONNX side of a kind of numbers: a float32 [N, 1] input named as the column; a
    missing value (NaN) takes the training median (``IsNaN``, ``Where``) into ``t``; the
    features are ``parts(t)`` (``[t]`` when None), then the
    missing indicator (``Cast`` of the NaN mask). ``invalid``: the caller's mask of refused
    values."""
    from onnx import TensorProto, helper, numpy_helper

    name = encoding.name
    inits.append(numpy_helper.from_array(np.array([encoding.fill], dtype=np.float32), f"{t}_fill"))
    nodes.append(helper.make_node("IsNaN", [name], [f"{t}_isnan"]))
    nodes.append(helper.make_node("Where", [f"{t}_isnan", f"{t}_fill", name], [t]))
    pieces = [t] if parts is None else parts(t)
    if encoding.indicator:
        nodes.append(
            helper.make_node("Cast", [f"{t}_isnan"], [f"{t}_missing"], to=TensorProto.FLOAT)
        )
        pieces.append(f"{t}_missing")
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", 1]), pieces, invalid


def is_inf_node(name: str, t: str, nodes: list[Any]) -> str:
    """The [N, 1] mask of inf and −inf in the input ``name``."""
    from onnx import helper

    nodes.append(helper.make_node("IsInf", [name], [f"{t}_invalid"]))
    return f"{t}_invalid"
