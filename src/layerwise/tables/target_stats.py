"""A streamed target's statistics, gathered chunk by chunk and merged over a cluster's workers
(:class:`_TargetStats`: its labels, counted up to a thousand distinct values, and a numeric
target's weighted running moments), and the task chosen from them (:func:`_choose_task`), by
the rules of :func:`~layerwise.tables.type_of_target` for a table in memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import Array
from ..core.metrics import RunningMoments
from ..features.encoding import factorize
from .formats import _pandas
from .stream import _MAX_LABELS
from .targets import class_labels, type_of_target

__all__ = ["_TargetStats", "_choose_task"]


class _TargetStats:
    """The target's labels (counted up to :data:`_MAX_LABELS` distinct values) and, for
    numbers, their weighted running moments."""

    def __init__(self) -> None:
        self.counts: dict[Any, int] | None = {}
        self.numeric: bool | None = None
        self.moments = RunningMoments(1)

    def update(self, y: Any, w: Array) -> None:
        pd = _pandas()
        values = y.to_numpy()
        numeric = pd.api.types.is_numeric_dtype(y) and values.dtype != bool
        self.numeric = numeric if self.numeric is None else self.numeric and numeric
        if numeric:
            v = values.astype(np.float64)
            if not np.isfinite(v).all():
                raise ValueError(
                    f"target {y.name!r} holds {v[~np.isfinite(v)][0]}; it must be finite"
                )
            self.moments.add(v[None, :], w)
        if self.counts is not None:
            codes, distinct = factorize(values)
            counts = np.bincount(codes, minlength=len(distinct))
            for value, count in zip(distinct, counts.tolist()):
                self.counts[value] = self.counts.get(value, 0) + count
            if len(self.counts) > _MAX_LABELS:
                self.counts = None

    def merge(self, other: _TargetStats) -> None:
        """Add the labels and moments of other rows of the same target (another worker's)."""
        if other.numeric is not None:
            self.numeric = other.numeric if self.numeric is None else self.numeric and other.numeric
        moments = other.moments
        if moments.w > 0:
            self.moments.merge(moments.w, moments.mean, moments.m2)
        if self.counts is None or other.counts is None:
            self.counts = None
            return
        for value, count in other.counts.items():
            self.counts[value] = self.counts.get(value, 0) + count
        if len(self.counts) > _MAX_LABELS:
            self.counts = None

    def values(self) -> Array:
        """Every training row's target value (the counted values repeated), for the rules of
        :func:`type_of_target`."""
        assert self.counts is not None
        values = list(self.counts)
        repeats = list(self.counts.values())
        array = np.array(values, dtype=np.float64 if self.numeric else object)
        return np.repeat(array, repeats)


def _choose_task(plan: Any, stats: _TargetStats, output: str) -> None:
    """Set ``plan.kind``, ``plan.output`` and ``plan.classes`` (a
    :class:`~layerwise.tables.stream_plan.StreamPlan`) from the target's statistics."""
    target = plan.target
    if output == "auto":
        if stats.counts is None:
            if not stats.numeric:
                raise ValueError(
                    f"target {target!r} has more than {_MAX_LABELS} distinct labels: not a "
                    f"class target"
                )
            kind = "continuous"
        else:
            kind = type_of_target(stats.values())
        output = {"binary": "sigmoid", "multiclass": "softmax"}.get(kind, "linear")
    elif output == "linear":
        if not stats.numeric:
            raise ValueError(
                f"--output linear (regression) needs a numeric target; {target!r} holds labels"
            )
        kind = "continuous"
    else:
        kind = "binary" if output == "sigmoid" else "multiclass"
    plan.kind, plan.output = kind, output
    if kind == "continuous":
        return
    if stats.counts is None:
        raise ValueError(
            f"target {target!r} has more than {_MAX_LABELS} distinct values: a regression "
            f"(--output linear), not classes"
        )
    classes = class_labels(list(stats.counts))
    if len(classes) < 2:
        raise ValueError(
            f"target {target!r} has a single class ({classes[0]!r}) in all "
            f"{sum(stats.counts.values())} training rows: a classifier needs at least two"
        )
    if output == "sigmoid" and len(classes) > 2:
        raise ValueError(
            f"--output sigmoid is for two classes but target {target!r} has {len(classes)}; "
            f"use --output softmax (or auto)"
        )
    plan.classes = classes
