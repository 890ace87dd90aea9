"""``layerwise train``: a table in, a model file out.

The table's rows are examples; they are transposed once into the notes' X = A[0] (n[0], m).
The features are standardized with statistics from the training rows, stored in the model
(``net.preprocessing``) with the feature names and the class labels, so that ``evaluate`` and
``predict`` take raw tables and give back the original labels.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np

from ..initializers import INITIALIZERS, suited_init
from ..network import Network
from ..optimizers import OPTIMIZERS
from ..preprocessing import Preprocessing
from ..tables import Table, class_labels, encode_labels, load_table, output_for, type_of_target
from ..training import TrainingDivergedError
from .common import (
    HIDDEN_ACTIVATIONS,
    PLOT_FILES,
    CLIError,
    add_drop_missing,
    check_output_dir,
    check_output_file,
    file_size,
    fraction,
    int_list,
    keep_probability,
    nonnegative_float,
    positive_float,
    positive_int,
    seed_int,
)
from .report import (
    make_callbacks,
    print_plan,
    print_report,
    training_config,
    write_plots,
)

__all__ = ["add_train", "cmd_train", "make_callbacks"]

# --------------------------------------------------------------------------- the target


def _task(table: Table, output: str) -> tuple[str, str]:
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


def _encode_target(table: Table, kind: str, output: str) -> tuple[np.ndarray, list[Any] | None]:
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
    if output == "sigmoid" and len(classes) > 2:
        raise ValueError(
            f"--output sigmoid is for two classes but target {table.target!r} has "
            f"{len(classes)}; use --output softmax (or auto)"
        )
    return encode_labels(table.y, classes).astype(np.float64).reshape(1, -1), classes


def _split(m: int, fraction_: float | None, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    if fraction_ is None:
        return np.arange(m), None
    n_val = round(m * fraction_)
    if n_val < 1 or n_val >= m:
        raise ValueError(
            f"--validation-split {fraction_} of {m} rows leaves {m - n_val} for training and "
            f"{n_val} for validation; both need at least one"
        )
    order = np.random.default_rng(seed).permutation(m)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


# --------------------------------------------------------------------------- the command


def _check_plot_extra() -> None:
    from .. import plot

    plot.require()  # ImportError naming the plot extra, before any training


def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on a table; save it with --out."""
    inputs = [("DATA", args.data)]
    out = check_output_file(args.out, "--out", inputs) if args.out else None
    plot_dir = (
        check_output_dir(args.plot_dir, "--plot-dir", PLOT_FILES, inputs) if args.plot_dir else None
    )
    if plot_dir is not None:
        _check_plot_extra()
    if args.early_stopping and args.validation_split is None:
        raise CLIError(
            "--early-stopping watches the validation cost: give --validation-split too "
            "(e.g. --validation-split 0.2)"
        )

    table = load_table(
        args.data,
        args.target,
        drop_missing=args.drop_missing,
        id_column=args.id,
        weight_column=args.sample_weight,
    )
    kind, output = _task(table, args.output)
    Y_all, classes = _encode_target(table, kind, output)
    train, val = _split(table.m, args.validation_split, args.seed)
    X_all = table.columns()
    w_all = None if table.weights is None else table.weights[None, :]
    w = None if w_all is None else w_all[:, train]
    pre = Preprocessing.fit(
        X_all[:, train],
        feature_names=table.feature_names,
        classes=classes,
        target=table.target,
        sample_weight=w,
    )
    X_all = pre.transform(X_all)
    X, Y = X_all[:, train], Y_all[:, train]
    validation = None
    if val is not None:
        validation = (X_all[:, val], Y_all[:, val], None if w_all is None else w_all[:, val])

    n_out = len(classes) if output == "softmax" and classes else 1
    dims = [len(table.feature_names), *args.layers, n_out]
    init = args.init
    if init == "auto":
        init = suited_init(args.hidden)
    net = Network(
        dims, hidden=args.hidden, output=output, init=init, seed=args.seed, dtype=args.dtype
    )
    net.preprocessing = pre
    batch_size = args.batch_size
    if batch_size is None and args.optimizer != "gd":
        batch_size = 32

    print_plan(args, table, kind, classes, net, init, batch_size, X.shape[1], validation)
    start = time.perf_counter()
    try:
        history = net.fit(
            X,
            Y,
            epochs=args.epochs,
            learning_rate=args.lr,
            batch_size=batch_size,
            optimizer=args.optimizer,
            l2=args.l2,
            dropout=args.dropout,
            validation_data=validation,
            sample_weight=w,
            early_stopping=args.early_stopping or False,
            callbacks=make_callbacks(args),
        )
    except TrainingDivergedError as exc:
        raise ValueError(f"{exc}; nothing was written") from None
    seconds = time.perf_counter() - start

    metrics = {"train": net.evaluate(X, Y, sample_weight=w)}
    if validation is not None:
        metrics["validation"] = net.evaluate(*validation)
    print_report(history, args.epochs, metrics, X.shape[1], validation, seconds)
    net.metadata = {
        "training": training_config(args, table, kind, init, batch_size, history, seconds),
        "metrics": metrics,
    }
    if out is not None:
        net.save(out)
        print(f"Saved the model to {out} ({file_size(out)})")
    elif not history.interrupted:
        print("(no --out: the model was not saved)")
    if plot_dir is not None and history.epochs:
        write_plots(net, history, table, X_all, Y_all, val if val is not None else train, plot_dir)
    if history.interrupted:
        saved = (
            f"the model as trained so far was saved to {out}"
            if out
            else "nothing was saved (no --out)"
        )
        print(
            f"Interrupted (Ctrl-C) after {history.epochs} completed epoch(s) of "
            f"{args.epochs}: {saved}",
            file=sys.stderr,
        )
        return 130
    return 0


# --------------------------------------------------------------------------- the parser


_DESCRIPTION = """\
Train an L-layer network on a table and save it as a model file.

DATA is a .csv, .tsv, .parquet, .npz or .npy file with one example per row, or the name of a
built-in data set (see 'layerwise datasets'). The target column follows --target (default: a
column named target, y, label or class). Every other column is a feature and must hold
numbers: categorical (text) columns are refused, naming the column; one-hot encode them first,
e.g. pandas.get_dummies(df, columns=["colour"], dtype=float). A column named 'id' (or the one
given with --id) identifies the rows and is not a feature.

The features are standardized with the mean and standard deviation of the training rows; those
statistics, the feature names and the class labels are stored in the model file.

The output follows the target, as scikit-learn's type_of_target does: two classes -> one
sigmoid unit (binary cross-entropy), more -> softmax (categorical cross-entropy), numbers with
a fraction or more than 50 distinct integers -> linear (mean squared error). --output
overrides it.

Ctrl-C stops after the current batch; with --out the model of that point is saved (exit 130).
"""

_EXAMPLES = """\
examples:
  layerwise train breast_cancer --out cancer.safetensors --layers 20,7,5 --epochs 100
  layerwise train data.csv --target price --output linear --lr 0.01 --plot-dir plots
"""


def add_train(sub: Any) -> None:
    """Add the ``train`` command."""
    p = sub.add_parser(
        "train",
        help="train a network on a table and save it",
        description=_DESCRIPTION,
        epilog=_EXAMPLES,
    )
    p.add_argument("data", metavar="DATA", help="a data file or a built-in data set name")
    p.add_argument(
        "--target", metavar="COL", help="the target column (default: target/y/label/class)"
    )
    p.add_argument("--out", metavar="MODEL", help="write the model file here (.safetensors)")
    p.add_argument("--id", metavar="COL", help="a column identifying the rows (not a feature)")
    p.add_argument(
        "--sample-weight",
        metavar="COL",
        help="a column of per-row weights (not a feature): a row of weight 2 counts as two "
        "rows, one of weight 0 as none",
    )
    p.add_argument(
        "--layers",
        type=int_list,
        default=[20, 7, 5],
        metavar="20,7,5",
        help="hidden layer sizes n[1],...,n[L-1]; n[0] and n[L] come from the data "
        "(default 20,7,5)",
    )
    p.add_argument(
        "--hidden",
        choices=HIDDEN_ACTIVATIONS,
        default="relu",
        help="activation g of the hidden layers (default relu)",
    )
    p.add_argument(
        "--output",
        choices=["auto", "sigmoid", "softmax", "linear"],
        default="auto",
        help="output activation (default auto: from the target)",
    )
    p.add_argument(
        "--init",
        choices=["auto", *INITIALIZERS],
        default="auto",
        help="weight initialization (default auto: he for relu, xavier otherwise)",
    )
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=100,
        metavar="N",
        help="passes over the training rows (default 100)",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=0.001,
        metavar="α",
        help="learning rate α (default 0.001)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        metavar="N",
        help="mini-batch size (default 32; the whole set with --optimizer gd)",
    )
    p.add_argument(
        "--optimizer",
        choices=list(OPTIMIZERS),
        default="adam",
        help="update rule (default adam)",
    )
    p.add_argument(
        "--l2",
        type=nonnegative_float,
        default=0.0,
        metavar="λ",
        help="L2 regularization λ (default 0)",
    )
    p.add_argument(
        "--dropout",
        type=keep_probability,
        default=None,
        metavar="KEEP",
        help="inverted dropout: keep probability of each hidden unit, in (0, 1]",
    )
    p.add_argument(
        "--validation-split",
        type=fraction,
        default=None,
        metavar="F",
        help="hold out this fraction of the rows (drawn with --seed) for validation",
    )
    p.add_argument(
        "--early-stopping",
        type=positive_int,
        default=None,
        metavar="N",
        help="stop when the validation cost has not improved for N epochs "
        "(needs --validation-split); the best epoch's model is kept",
    )
    p.add_argument(
        "--seed",
        type=seed_int,
        default=0,
        metavar="N",
        help="seed of the initialization, shuffling, dropout and split (default 0)",
    )
    p.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default="float64",
        help="precision of the parameters and the arithmetic (default float64)",
    )
    add_drop_missing(p)
    p.add_argument(
        "--plot-dir",
        metavar="DIR",
        help="write cost_curve.png, confusion_matrix.png and (2 features) "
        "decision_boundary.png here",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")
    p.set_defaults(func=cmd_train)
