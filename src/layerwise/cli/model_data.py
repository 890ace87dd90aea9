"""A table read for a model file: its columns encoded as in training, its target encoded as
in training, and the model's outputs turned back into labels or values in the target's units.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._text import printable
from .._typing import Array
from ..network import Network
from ..tables import Table, TableEncoder, encode_labels, load_table

__all__ = [
    "ModelData",
    "model_data",
    "model_classes",
    "encode_for_model",
    "predict_rows",
    "decode_predictions",
    "warn_unseen",
]


@dataclass
class ModelData:
    """A table prepared for a model: X = A[0] (n[0], m) encoded and standardized as in
    training, Y encoded as in training (or None for prediction data), and the values of text
    columns that training never saw (column -> value -> count)."""

    table: Table
    X: Array | None
    Y: Array | None
    unseen: dict[str, dict[Any, int]]


def model_data(
    net: Network,
    data: str,
    *,
    target: str | None,
    need_target: bool,
    drop_missing: bool,
    id_column: str | None,
    encode: bool = True,
) -> ModelData:
    """Read DATA for ``net``: the model's input columns (each present, in any order, no others
    but those it ignores), encoded and standardized as in training, its class labels."""
    pre = net.preprocessing
    if target is None and pre is not None:
        target = pre.target
    if pre is not None and pre.columns is not None:  # a model trained on a raw table
        table = load_table(
            data,
            target,
            features=[c.name for c in pre.columns],
            require_target=need_target,
            drop_missing=drop_missing,
            id_column=id_column,
            raw=True,
            ignored=pre.ignored,
        )
        assert table.frame is not None
        if not encode:  # the caller encodes the rows in chunks (TableEncoder.predict_in_chunks)
            return ModelData(table, None, None, {})
        X, unseen = TableEncoder.from_preprocessing(pre).encode(table.frame)
        Y = encode_for_model(net, table) if need_target else None
        return ModelData(table, X, Y, unseen)
    features = pre.feature_names if pre is not None else None
    table = load_table(
        data,
        target,
        features=features,
        require_target=need_target,
        drop_missing=drop_missing,
        id_column=id_column,
    )
    n0 = net.layer_dims[0]
    X = table.columns()
    if X.shape[0] != n0:
        raise ValueError(
            f"{data} has {X.shape[0]} feature columns but the model takes n[0] = {n0} inputs"
        )
    if pre is not None:
        X = pre.transform(X)
    Y = encode_for_model(net, table) if need_target else None
    return ModelData(table, X, Y, {})


def predict_rows(net: Network, data: ModelData) -> tuple[Array, dict[str, dict[Any, int]]]:
    """A[L] (n[L], m) for every row, and the unseen values: from X, or, for a table read
    with ``encode=False``, encoded a chunk of rows at a time (bounded memory however many
    features the model's columns make)."""
    if data.X is not None:
        return net.predict_proba(data.X), data.unseen
    pre, frame = net.preprocessing, data.table.frame
    assert pre is not None and frame is not None
    return TableEncoder.from_preprocessing(pre).predict_in_chunks(frame, net.predict_proba)


def model_classes(net: Network) -> list[Any]:
    """The model's class labels (class indices for a model saved without them)."""
    pre = net.preprocessing
    if pre is not None and pre.classes is not None:
        return list(pre.classes)
    nL = net.layer_dims[-1]
    return [0, 1] if net.task == "binary" else list(range(nL))


def encode_for_model(net: Network, table: Table) -> Array:
    """The target column as the model's Y (1, m): 0/1, class indices, or values (standardized
    as in training when the model standardized its target)."""
    assert table.y is not None and table.target is not None
    nL = net.layer_dims[-1]
    if net.task == "binary" and nL > 1:
        raise ValueError(
            f"this model has n[L] = {nL} sigmoid outputs (multi-label); the command line "
            f"handles one target column"
        )
    if net.task == "regression":
        if nL > 1:
            raise ValueError(
                f"this model has n[L] = {nL} outputs; the command line handles one target column"
            )
        if table.y.dtype.kind not in "iuf":
            raise ValueError(
                f"target {table.target!r} must hold numbers for a regression model (linear "
                f"output); it holds labels such as {table.y[0]!r}"
            )
        Y = table.y.astype(np.float64).reshape(1, -1)
        return Y if net.preprocessing is None else net.preprocessing.scale_target(Y)
    return encode_labels(table.y, model_classes(net)).astype(np.float64).reshape(1, -1)


def decode_predictions(net: Network, AL: Array) -> Array:
    """A[L] (n[L], m) -> one prediction per example, shape (m,): the original class label,
    or the value for regression (in the target's units)."""
    if net.task == "regression":
        if net.preprocessing is not None:
            AL = net.preprocessing.inverse_target(AL)
        return AL[0] if AL.shape[0] == 1 else AL.T
    from ..metrics import predict_from_output

    idx = predict_from_output(AL, net.task).reshape(-1)
    return np.asarray(model_classes(net), dtype=object)[idx]


def warn_unseen(command: str, unseen: dict[str, dict[Any, int]]) -> None:
    """One line on stderr counting the values of text columns that training never saw (they
    were encoded as infrequent, or all 0)."""
    if not unseen:
        return
    total = sum(sum(counts.values()) for counts in unseen.values())
    parts = []
    for name, counts in unseen.items():
        shown = sorted(counts.items(), key=lambda kv: -kv[1])
        values = ", ".join(
            f"{'(missing)' if v is None else repr(v)} x{n}" for v, n in shown[:3]
        ) + (", ..." if len(shown) > 3 else "")
        parts.append(f"{printable(name)}: {values}")
    print(
        f"layerwise {command}: warning: {total} value(s) unseen in training, encoded as "
        f"infrequent (or all 0): {'; '.join(parts)}",
        file=sys.stderr,
    )
