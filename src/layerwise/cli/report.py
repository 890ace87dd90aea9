"""What ``layerwise train`` prints and draws: the plan, the progress, the results, the plots.

A progress bar (tqdm) only when stderr is a terminal; otherwise one line every tenth of the
epochs; nothing with ``--quiet``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from ..model.network import Network
from ..tables import Table
from ..training.callbacks import ProgressBar
from ..training.history import History, shown

__all__ = [
    "TASKS",
    "EpochPrinter",
    "number",
    "make_callbacks",
    "describe_metrics",
    "print_plan",
    "print_report",
    "write_plots",
]

TASKS = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "continuous": "regression",
}


class EpochPrinter:
    """One line every ``every`` epochs (and the last), for logs: the bar's values as text."""

    def __init__(self, epochs: int, every: int) -> None:
        self.epochs = epochs
        self.every = max(1, every)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        done = epoch + 1
        if done % self.every == 0 or done == self.epochs:
            values = "  ".join(f"{k} {number(v)}" for k, v in shown(logs).items())
            width = len(str(self.epochs))
            print(f"epoch {done:>{width}}/{self.epochs}  {values}", flush=True)
        return None


def number(value: float) -> str:
    return f"{value:.4f}" if abs(value) < 1e5 else f"{value:.4g}"


def make_callbacks(args: argparse.Namespace) -> list[Any]:
    """A progress bar on a terminal, a line every tenth of the epochs otherwise; nothing
    with --quiet."""
    if args.quiet:
        return []
    if sys.stderr.isatty():
        try:
            return [ProgressBar(args.epochs, desc="training")]
        except ImportError:
            pass
    return [EpochPrinter(args.epochs, args.epochs // 10)]


def describe_metrics(name: str, metrics: dict[str, float], m: int) -> str:
    parts = [f"cost {number(metrics['cost'])}"]
    if "accuracy" in metrics:
        parts.append(f"accuracy {number(metrics['accuracy'])}")
    if "r2" in metrics:
        parts.append(f"R² {number(metrics['r2'])}")
    for key, label in (("rmse", "RMSE"), ("mae", "MAE")):
        if key in metrics:
            parts.append(f"{label} {metrics[key]:.6g}")
    return f"{name:<11} {'  '.join(parts)}  ({m} rows)"


def print_plan(
    args: argparse.Namespace,
    table: Table,
    kind: str,
    classes: list[Any] | None,
    net: Network,
    init: str,
    batch_size: int | None,
    m: int,
    validation: Any,
    patience: int = 0,
) -> None:
    dropped = f", {len(table.dropped)} with missing values dropped" if table.dropped else ""
    pre = net.preprocessing
    # the feature columns are those the encoding keeps (after its own rules left some out,
    # each with a notice): the one count this line and the encoding's line both give
    columns = pre.columns if pre is not None and pre.columns is not None else None
    n_columns = len(table.feature_names) if columns is None else len(columns)
    print(
        f"Data: {table.source} ({table.kind}): {table.m} rows{dropped}, "
        f"{n_columns} feature columns, target {table.target!r}"
    )
    if table.id_name != "row":
        print(f"  column {table.id_name!r} identifies the rows (not a feature)")
    if args.sample_weight is not None:
        print(f"  column {args.sample_weight!r} weights the rows (not a feature)")
    if getattr(args, "drop", None):
        print(f"  left out: {', '.join(repr(c) for c in args.drop)}")
    if columns is not None:
        kinds = [c.kind for c in columns]
        words = {"number": "numeric", "boolean": "boolean", "category": "text", "date": "date"}
        counts = ", ".join(f"{kinds.count(k)} {words[k]}" for k in words if k in kinds)
        filled = sum(1 for c in columns if c.indicator or None in c.categories)
        note = f"; {filled} with missing values" if filled else ""
        print(
            f"Encoding: {counts}{note} -> n[0] = {net.layer_dims[0]} features "
            f"(see 'layerwise summary MODEL')"
        )
    task = TASKS[kind]
    if classes is not None:
        shown = ", ".join(f"{c!r} ({i})" for i, c in enumerate(classes[:10]))
        more = f", ... ({len(classes)} classes)" if len(classes) > 10 else ""
        task += f", classes {shown}{more}"
    print(f"Task: {task}; output {net.activations[-1].name}, loss {net.loss.name}")
    print(
        f"Network: n = {net.layer_dims}, hidden {args.hidden}, init {init}, "
        f"{net.dtype.name}, {net.n_params} parameters"
    )
    batches = "full batch" if batch_size is None else f"mini-batches of {batch_size}"
    val = "" if validation is None else f"; validation on {validation[0].shape[1]} rows"
    if patience:
        val += f", early stopping after {patience} epochs without improvement"
    epochs = f"at most {args.epochs}" if patience else f"{args.epochs}"
    print(
        f"Training: {args.optimizer}, α = {args.lr:g}, {epochs} epochs, {batches}, "
        f"{m} rows, seed {args.seed}{val}"
    )


def print_report(
    history: History,
    epochs: int,
    metrics: dict[str, dict[str, float]],
    m: int,
    validation: Any,
    seconds: float,
) -> None:
    if history.stop_reason == "early_stopping":
        best = "" if history.best_epoch is None else f"; restored epoch {history.best_epoch + 1}"
        print(f"Stopped early after epoch {history.epochs} of {epochs}{best}")
    elif history.restored:  # the tolerance kept an earlier epoch than the last
        print(history.restored_note)
    print(describe_metrics("Training:", metrics["train"], m))
    if validation is not None:
        print(describe_metrics("Validation:", metrics["validation"], validation[0].shape[1]))
    print(f"Time: {seconds:.2f} s for {history.epochs} epochs")


def write_plots(
    net: Network,
    history: History,
    table: Table,
    X_all: np.ndarray,
    Y_all: np.ndarray,
    rows: np.ndarray,
    which: str,
    folder: Any,
    predicted: np.ndarray | None = None,
) -> None:
    """The cost curve, and for a classifier the confusion matrix of ``rows`` (``which`` says
    whose: "validation" or "all") and, for two numeric inputs, the decision boundary.
    ``predicted`` (1, rows.size) are the predictions for ``rows`` of the network whose scores
    were printed (before a refit trained on the validation rows too); without it the rows
    are predicted by ``net``."""
    from ..views import plot

    folder.mkdir(parents=True, exist_ok=True)
    written = ["cost_curve.png"]
    plot.cost_curve(
        history, path=folder / "cost_curve.png", title=f"Cost per epoch ({table.source})"
    )
    pre = net.preprocessing
    assert pre is not None
    if net.task != "regression":
        classes = pre.classes or []
        pred = (net.predict(X_all[:, rows]) if predicted is None else predicted).reshape(-1)
        true = Y_all[0, rows]
        whose = (
            f"validation rows ({rows.size})" if which == "validation" else f"all {rows.size} rows"
        )
        plot.confusion_matrix(
            np.asarray(classes, dtype=object)[true.astype(np.intp)],
            np.asarray(classes, dtype=object)[pred.astype(np.intp)],
            labels=classes,
            path=folder / "confusion_matrix.png",
            title=f"Confusion matrix, {whose}",
        )
        written.append("confusion_matrix.png")
        plain = pre.columns is None or all(
            c.kind == "number" and not c.indicator for c in pre.columns
        )
        if X_all.shape[0] == 2 and plain and pre.mean is not None and pre.scale is not None:
            # the inputs as given (missing ones filled in): the plane the boundary is drawn on
            raw = X_all * pre.scale[:, None] + pre.mean[:, None]

            def predict(G: np.ndarray) -> np.ndarray:
                return net.predict(pre.transform(G))

            plot.decision_boundary(
                predict,
                raw,
                Y_all,
                path=folder / "decision_boundary.png",
                class_names=classes,
                feature_names=pre.feature_names,
            )
            written.append("decision_boundary.png")
    print(f"Wrote {', '.join(written)} to {folder}")
