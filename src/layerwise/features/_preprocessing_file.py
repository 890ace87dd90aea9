"""A :class:`~layerwise.features.preprocessing.Preprocessing` read back from a model file: every
field
checked (JSON type, range, agreement with n[0] and with the columns), since model files come
from anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import is_finite_number, is_number
from .._typing import Array
from .encoding import ColumnEncoding

__all__ = ["read_fields", "MAX_FILL_DEVIATIONS"]


def _statistics(data: Any, n0: int) -> dict[str, Array | None]:
    """The mean and the scale, each None or n[0] finite numbers (scale > 0)."""
    if not isinstance(data, dict):
        raise ValueError(f"preprocessing must be a JSON object, not {_json_type(data)}")
    arrays: dict[str, Array | None] = {}
    for key in ("mean", "scale"):
        value = data.get(key)
        if value is None:
            arrays[key] = None
            continue
        if not isinstance(value, list) or not all(is_number(v) for v in value):
            raise ValueError(
                f"preprocessing {key} must be a list of {n0} numbers, not {_json_type(value)}"
            )
        arr = np.asarray(value, dtype=np.float64)
        if arr.shape != (n0,) or not np.isfinite(arr).all():
            raise ValueError(f"preprocessing {key} must be {n0} finite numbers (one per feature)")
        arrays[key] = arr
    if (arrays["mean"] is None) != (arrays["scale"] is None):
        raise ValueError("preprocessing has a mean without a scale, or a scale without a mean")
    if arrays["scale"] is not None and not np.all(arrays["scale"] > 0):
        raise ValueError("preprocessing scale must be positive (a standard deviation)")
    return arrays


def read_fields(data: Any, n0: int) -> dict[str, Any]:
    """The fields of a :class:`~layerwise.features.preprocessing.Preprocessing` from its model-file
    form (:meth:`~layerwise.features.preprocessing.Preprocessing.to_dict`), checked against n[0]
    field by field (JSON type and range: model files come from anywhere); ValueError saying what is
    wrong."""
    arrays = _statistics(data, n0)
    names = data.get("feature_names")
    if names is not None and (
        not isinstance(names, list)
        or len(names) != n0
        or not all(isinstance(n, str) for n in names)
    ):
        raise ValueError(f"preprocessing feature_names must list the {n0} input columns")
    classes = data.get("classes")
    if classes is not None and (
        not isinstance(classes, list)
        or not classes
        or not all(isinstance(c, (str, int, float, bool)) for c in classes)
    ):
        raise ValueError("preprocessing classes must be a list of labels (strings or numbers)")
    if classes is not None:
        _check_distinct_labels(classes)
    target = data.get("target")
    if target is not None and not isinstance(target, str):
        raise ValueError(f"preprocessing target must be a column name, not {_json_type(target)}")
    extra = data.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise ValueError(f"preprocessing extra must be a JSON object, not {_json_type(extra)}")
    columns = _columns(data.get("columns"), n0, target)
    if columns is not None and arrays["mean"] is not None and arrays["scale"] is not None:
        _check_fills(columns, arrays["mean"], arrays["scale"])
    if columns is not None:
        derived = [name for c in columns for name in c.feature_names()]
        if names is not None and names != derived:
            raise ValueError(
                f"preprocessing feature_names do not match its columns (expected {derived[:3]}...)"
            )
        names = derived
    target_mean, target_scale = data.get("target_mean"), data.get("target_scale")
    if (target_mean is None) != (target_scale is None):
        raise ValueError("preprocessing target_mean and target_scale come together")
    if target_mean is not None and (
        not is_finite_number(target_mean)
        or not is_finite_number(target_scale)
        or not target_scale > 0
    ):
        raise ValueError(
            f"preprocessing target_mean must be finite and target_scale finite and > 0; "
            f"got {target_mean!r}, {target_scale!r}"
        )
    clip = data.get("clip")
    if clip is not None and (not is_finite_number(clip) or not clip > 0):
        raise ValueError(f"preprocessing clip must be a finite number > 0; got {clip!r}")
    ignored = data.get("ignored") or []
    if not isinstance(ignored, list) or not all(isinstance(c, str) for c in ignored):
        raise ValueError("preprocessing ignored must be a list of column names")
    inputs = {c.name for c in columns or []}
    if inputs & set(ignored):
        raise ValueError(
            f"preprocessing ignores the input column {sorted(inputs & set(ignored))[0]!r}"
        )
    return dict(
        mean=arrays["mean"],
        scale=arrays["scale"],
        feature_names=names,
        classes=classes,
        target=target,
        extra=extra or {},
        columns=columns,
        target_mean=None if target_mean is None else float(target_mean),
        target_scale=None if target_scale is None else float(target_scale),
        left_out=list(ignored),
        clip=None if clip is None else float(clip),
    )


#: the farthest a training median can lie from the training mean, in standard deviations:
#: at most sqrt(m − 1) for m rows (Samuelson's inequality), here for m up to 10^12 rows
MAX_FILL_DEVIATIONS = 1e6


def _check_fills(columns: Sequence[ColumnEncoding], mean: Array, scale: Array) -> None:
    """Each number column's fill (the training median) within MAX_FILL_DEVIATIONS standard
    deviations of its mean, as a median of the rows that gave the mean and the scale must
    be: a fill beyond that is not one training wrote, and a missing value would become a
    feature that overflows the network."""
    row = 0
    for column in columns:
        if column.kind == "number":
            assert column.fill is not None
            with np.errstate(over="ignore", invalid="ignore"):
                z = (column.fill - mean[row]) / scale[row]
            if not abs(z) <= MAX_FILL_DEVIATIONS:
                raise ValueError(
                    f"column {column.name!r}: the model's statistics are damaged: its fill "
                    f"{column.fill:.4g} is {abs(z):.3g} sd from its mean {mean[row]:.4g} "
                    f"(a training median is within {MAX_FILL_DEVIATIONS:g})"
                )
        row += column.width


def _check_distinct_labels(classes: list[Any]) -> None:
    """Each output has its own label, also once written as text: a prediction file names a
    probability column after each (``proba_1``), and 1 and "1", or 1 and 1.0 and True, would
    give two outputs one column, or one label two outputs."""
    seen: dict[Any, Any] = {}
    for label in classes:
        for key in (("text", str(label)), ("value", label)):
            if key in seen:
                first = seen[key]
                same = (
                    "is repeated"
                    if first == label and type(first) is type(label)
                    else (
                        f"and {first!r} are the same label once written as text"
                        if key[0] == "text"
                        else f"and {first!r} are equal"
                    )
                )
                raise ValueError(
                    f"preprocessing classes must name each output once; {label!r} {same} "
                    f"(labels: {_short_list(classes)})"
                )
            seen[key] = label


def _short_list(values: list[Any], limit: int = 6) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _json_type(value: Any) -> str:
    """What a JSON value is, for messages about a field of the wrong type."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if is_number(value) else type(value).__name__)


def _columns(value: Any, n0: int, target: str | None) -> list[ColumnEncoding] | None:
    """The ``columns`` entry read back: each one checked, names unique, widths adding to n[0]."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ValueError("preprocessing columns must be a non-empty list")
    columns = []
    for i, item in enumerate(value):
        try:
            columns.append(ColumnEncoding.from_dict(item))
        except ValueError as exc:
            raise ValueError(f"preprocessing columns[{i}]: {exc}") from None
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"preprocessing columns name {dup!r} twice")
    if target is not None and target in names:
        raise ValueError(f"preprocessing column {target!r} is also the target")
    width = sum(c.width for c in columns)
    if width != n0:
        raise ValueError(
            f"preprocessing columns make {width} features but the network takes n[0] = {n0}"
        )
    return columns
