"""What the table workflow prepares before training (:class:`PreparedTable` in memory,
:class:`PreparedStream` streamed, here or on a cluster), and what it keeps after: the scores
and the training record of the model file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._typing import Array
from ..model.network import Network
from . import defaults
from .encoder import TableEncoder
from .loading import Table
from .steps import regression_metrics
from .stream_plan import StreamPlan

if TYPE_CHECKING:  # pragma: no cover
    from .model import TableModel

__all__ = [
    "TrainingChoices",
    "PreparedTable",
    "PreparedStream",
    "TASKS",
    "ENCODER_OPTIONS",
    "training_record",
    "last_epoch",
]

#: the encoding's options of the table door (in memory, streamed, on a cluster)
ENCODER_OPTIONS = {"scaling": defaults.NUMERIC_SCALING, "clip": defaults.CLIP}
#: the target's type (:func:`~layerwise.tables.type_of_target`) -> the plan's task
TASKS = {"binary": "classification", "multiclass": "classification", "continuous": "regression"}


@dataclass(kw_only=True)
class TrainingChoices:
    """The network and the training options a prepared table trains with: those given, and
    the table's plan (:func:`~layerwise.tables.defaults.plan_for`) for the others."""

    network: Network
    layers: list[int]
    hidden: str
    init: str
    epochs: int
    learning_rate: float
    optimizer: str
    l2: float
    batch_size: int | None
    validation_split: float
    patience: int
    tol: float
    notices: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class PreparedTable(TrainingChoices):
    """A table read, encoded and split, with the network that will train on it: what
    :meth:`TableModel.prepare` returns and :meth:`TableModel.train` takes.

    ``X_all`` (n[0], m) and ``Y_all`` (n[L], m) hold every row, ``train`` and ``val`` the
    column indices of the training and validation rows (``val`` None without validation).
    Without refit, the columns are the training rows (in the table's order) followed by the
    validation rows, so that ``X`` is a view of ``X_all``; with refit, the table's order.
    ``X_all`` is stored as rows (Fortran order): the mini-batches are gathered from it
    without a copy.
    The plan's values are the ones actually used: those given, and the table's plan
    (:func:`~layerwise.tables.defaults.plan_for`) for the others.
    """

    table: Table
    kind: str
    output: str
    classes: list[Any] | None
    encoder: TableEncoder
    X_all: Array
    Y_all: Array
    train: Array
    val: Array | None
    weights: Array | None  # (1, m) or None
    refit: bool = False

    def _rows(self, index: Array) -> Any:
        """A slice (a view, no copy) when ``index`` is a run of consecutive columns."""
        if index.size and index[-1] - index[0] == index.size - 1:
            return slice(int(index[0]), int(index[-1]) + 1)
        return index

    @property
    def X(self) -> Array:
        """The training rows' X (n[0], m_train)."""
        return self.X_all[:, self._rows(self.train)]

    @property
    def Y(self) -> Array:
        """The training rows' Y (n[L], m_train)."""
        return self.Y_all[:, self._rows(self.train)]

    @property
    def sample_weight(self) -> Array | None:
        """The training rows' weights (1, m_train), or None."""
        return None if self.weights is None else self.weights[:, self._rows(self.train)]

    @property
    def validation(self) -> tuple[Array, Array, Array | None] | None:
        """(X, Y, weights) of the validation rows, or None."""
        if self.val is None:
            return None
        rows = self._rows(self.val)
        w = None if self.weights is None else self.weights[:, rows]
        return self.X_all[:, rows], self.Y_all[:, rows], w


@dataclass(kw_only=True)
class PreparedStream(TrainingChoices):
    """A streamed table prepared for training: what :meth:`TableModel.prepare_stream`
    returns and :meth:`TableModel.train_stream` takes. ``data`` holds the encoder, the task
    and the validation rows (:class:`~layerwise.tables.stream.StreamPlan`); the rest is the
    plan actually used."""

    data: StreamPlan
    #: on a cluster, the workers that stream the table's pieces and hold its validation rows
    #: (:mod:`layerwise.cluster`); None when this process streams it
    on_workers: Any = None


def _scores(net: Network, X: Array, Y: Array, w: Array | None, kind: str) -> dict[str, float]:
    """The network's evaluate on (X, Y), with R², RMSE and MAE in the target's units for a
    regression."""
    scores = net.evaluate(X, Y, sample_weight=w)
    if kind == "continuous":
        scores.update(regression_metrics(net, X, Y, w))
    return scores


def training_record(
    model: TableModel,
    p: PreparedTable | PreparedStream,
    history: Any,
    seconds: float,
    engine: str,
    *,
    data: str,
    rows: int,
    target: str | None,
    task: str,
    **extra: Any,
) -> dict[str, Any]:
    """How the network was trained, as the model file keeps it (``layerwise explain`` shows
    the update rule from it); ``extra`` adds what only one kind of table has."""
    return {
        "data": data,
        "rows": rows,
        "target": target,
        "sample_weight": model.sample_weight,
        "task": task,
        "layers": list(p.layers),
        "hidden": p.hidden,
        "init": p.init,
        "epochs": p.epochs,
        "epochs_run": history.epochs,
        "learning_rate": p.learning_rate,
        "batch_size": p.batch_size,
        "optimizer": p.optimizer,
        "l2": p.l2,
        "validation_split": p.validation_split,
        "early_stopping": p.patience,
        "target_scaling": task == "continuous" and model.target_scaling,
        "drop": list(model.drop),
        "id_column": model.id_column,  # predict writes it back beside the predictions
        "seed": model.seed,
        "dtype": model.dtype,
        "stop_reason": history.stop_reason,
        "best_epoch": history.best_epoch,
        **history.kept(),  # epochs_run, epoch_kept (1-based) and why when not the last
        "seconds": round(seconds, 3),
        "engine": engine,
        **extra,
    }


def last_epoch(history: Any) -> dict[str, float]:
    """The training cost and metric of the epoch kept (the best one after early stopping)."""
    series = history.history
    epoch = history.best_epoch if history.best_epoch is not None else history.epochs - 1
    out = {}
    for key in ("cost", "accuracy", "r2"):
        values = series.get(key) or []
        if 0 <= epoch < len(values):
            out[key] = float(values[epoch])
    return out
