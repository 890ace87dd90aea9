"""The table workflow's steps, one function each: the task and output chosen from the target,
Y and the class labels, the validation rows, the target's scaling; and, for a model already
trained, a table read and encoded as in training, its outputs turned back into labels or values
in the target's units. :class:`~layerwise.tables.TableModel` and the command line's ``train``,
``evaluate`` and ``predict`` are built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import Array
from ..core.metrics import RunningMoments, r2_from_sums
from ..features.encoding import check_target_size
from ..model.network import Network
from .encoder import TableEncoder
from .loading import Table, load_table
from .rows import cell_error
from .targets import class_labels, encode_labels, output_for, type_of_target

__all__ = [
    "task_of",
    "encode_target",
    "split_rows",
    "target_scale",
    "regression_metrics",
    "ModelData",
    "model_data",
    "model_classes",
    "encode_for_model",
    "predict_rows",
    "decode_predictions",
    "Evaluation",
]


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


def regression_metrics(
    net: Network, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None = None
) -> dict[str, float]:
    """RMSE and MAE (weighted by w when given) in the target's own units: the network's
    outputs and Y mapped back through the stored target scaling."""
    pre = net.preprocessing
    AL, Y = net.predict_proba(X), np.asarray(Y, dtype=np.float64)
    if pre is not None:
        AL, Y = pre.inverse_target(AL), pre.inverse_target(Y)
    weights = None if w is None else np.ravel(w)
    residual = (AL - Y).reshape(-1)
    return {
        "rmse": float(np.sqrt(np.average(residual**2, weights=weights))),
        "mae": float(np.average(np.abs(residual), weights=weights)),
    }


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
        try:
            X, unseen = TableEncoder.from_preprocessing(pre).encode(table.frame)
        except ValueError as exc:  # a chunk of a streamed table: its file named too
            raise cell_error(data, exc) from None
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
    try:
        return TableEncoder.from_preprocessing(pre).predict_in_chunks(frame, net.predict_proba)
    except ValueError as exc:  # a chunk of a streamed table: its file named too
        raise cell_error(frame, exc) from None


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
    from ..core.metrics import predict_from_output

    idx = predict_from_output(AL, net.task).reshape(-1)
    return np.asarray(model_classes(net), dtype=object)[idx]


class Evaluation:
    """A model's scores on a table read in one piece or a chunk of rows at a time: the sums
    of each chunk (:meth:`add`), the scores of all the rows (:meth:`scores`).

    Classification: the cost J (the mean loss), the accuracy and the confusion counts
    (``counts[i, j]``: rows of class i predicted as j). Regression: J (of the standardized
    target when the model standardized it), and R², RMSE and MAE in the target's units (R²
    averaged over the outputs). Equal, however the rows are cut, to the same figures on all
    the rows at once.
    """

    def __init__(self, net: Network) -> None:
        self.net = net
        self.m = 0
        self.cost_sum = 0.0
        self.regression = net.task == "regression"
        k = 0 if self.regression else len(model_classes(net))
        self.counts = np.zeros((max(k, 2), max(k, 2)), dtype=np.int64)
        n_out = net.layer_dims[-1]
        # per output, in the target's units: Σ residual², Σ |residual|, and y's running
        # moments (for R²)
        self.sums = np.zeros((2, n_out))
        self.y_moments = RunningMoments(n_out)
        #: the last chunk's true and predicted class indices (the whole table's when it was
        #: read at once)
        self.true: Any = np.empty(0)
        self.pred: Any = np.empty(0)

    def add(self, X: Array, Y: Array) -> None:
        """Add the rows X (n[0], m), Y (n[L], m) (Y encoded as in training)."""
        from ..core.metrics import predict_from_output

        net = self.net
        m = X.shape[1]
        if m == 0:
            return
        AL = net.predict_proba(X)
        # Y as the loss takes it (class indices become one-hot columns for softmax)
        self.cost_sum += float(net.loss.cost(AL, net.check_Y(Y, m))) * m
        self.m += m
        if self.regression:
            pre = net.preprocessing
            values: Array = AL
            target: Array = np.asarray(Y, dtype=np.float64)
            if pre is not None:
                values, target = pre.inverse_target(values), pre.inverse_target(target)
            residual = values - target
            self.sums += np.stack([(residual**2).sum(axis=1), np.abs(residual).sum(axis=1)])
            self.y_moments.add(target)
            return
        self.pred = predict_from_output(AL, net.task).reshape(-1)
        self.true = np.asarray(Y).reshape(-1)
        np.add.at(self.counts, (self.true.astype(np.intp), self.pred.astype(np.intp)), 1)

    @property
    def correct(self) -> int:
        return int(np.trace(self.counts))

    def scores(self) -> dict[str, float]:
        """``{"cost", "accuracy"}`` or ``{"cost", "r2", "rmse", "mae"}`` over every row
        added."""
        if self.m == 0:
            raise ValueError("no row to evaluate on")
        scores = {"cost": self.cost_sum / self.m}
        if not self.regression:
            scores["accuracy"] = self.correct / self.m
            return scores
        ss_res, abs_sum = self.sums
        scores["r2"] = float(np.mean(r2_from_sums(ss_res, self.y_moments.m2)))
        scores["rmse"] = float(np.sqrt(ss_res.sum() / (self.m * ss_res.size)))
        scores["mae"] = float(abs_sum.sum() / (self.m * abs_sum.size))
        return scores
