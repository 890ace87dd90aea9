"""What ``layerwise train`` reads from a table's target: the task (binary, multiclass,
regression) and its output activation, Y and the class labels, the validation split, and the
statistics that standardize a regression target."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..encoding import check_target_size
from ..tables import Table, class_labels, encode_labels, output_for, type_of_target

__all__ = ["task_of", "encode_target", "split_rows", "target_scale"]


def task_of(table: Table, output: str) -> tuple[str, str]:
    """(target type, output activation), from the target unless --output says otherwise."""
    assert table.y is not None
    numeric = table.y.dtype.kind in "iuf"
    if output == "auto":
        kind = type_of_target(table.y)
        return kind, output_for(kind)
    if output == "linear":
        if not numeric:
            raise ValueError(
                f"--output linear (regression) needs a numeric target; {table.target!r} holds "
                f"labels such as {table.y[0]!r}"
            )
        return "continuous", "linear"
    if output == "sigmoid":
        return "binary", "sigmoid"
    return "multiclass", "softmax"


def encode_target(table: Table, kind: str, output: str) -> tuple[np.ndarray, list[Any] | None]:
    """Y (1, m) and the class labels (None for regression)."""
    assert table.y is not None
    if kind == "continuous":
        return table.y.astype(np.float64).reshape(1, -1), None
    classes = class_labels(table.y)
    if len(classes) < 2:
        raise ValueError(
            f"target {table.target!r} has a single class ({classes[0]!r}) in all {table.m} "
            f"rows: a classifier needs at least two"
        )
    check_target_size(str(table.target), len(classes), table.m)  # before Y is one-hot
    if output == "sigmoid" and len(classes) > 2:
        raise ValueError(
            f"--output sigmoid is for two classes but target {table.target!r} has "
            f"{len(classes)}; use --output softmax (or auto)"
        )
    return encode_labels(table.y, classes).astype(np.float64).reshape(1, -1), classes


def split_rows(m: int, fraction_: float, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    if fraction_ == 0:
        return np.arange(m), None
    n_val = round(m * fraction_)
    if n_val < 1 or n_val >= m:
        raise ValueError(
            f"--validation-split {fraction_} of {m} rows leaves {m - n_val} for training and "
            f"{n_val} for validation; both need at least one (--validation-split 0 trains on "
            f"every row)"
        )
    order = np.random.default_rng(seed).permutation(m)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def target_scale(Y: np.ndarray, w: np.ndarray | None) -> tuple[float, float]:
    """The training rows' (weighted) mean and standard deviation of y (1 when constant)."""
    weights = None if w is None else w.reshape(-1)
    mean = float(np.average(Y, weights=weights))
    sd = float(np.sqrt(np.average((Y - mean) ** 2, weights=weights)))
    return mean, sd if sd > 0 else 1.0
