"""``layerwise train``: a raw table in, a model file out.

The table's rows are examples; they are transposed once into the notes' X = A[0] (n[0], m).
Its columns are encoded with what a :class:`~layerwise.tables.TableEncoder` learns from the
training rows (missing numbers filled with the median and standardized, text one-hot encoded
with missing and rare values as categories of their own, booleans 0/1), stored in the model
(``net.preprocessing``) with the class labels, so that ``evaluate`` and ``predict`` take raw
tables and give back the original labels. A regression target is standardized for training
and reported in its own units.
"""

from __future__ import annotations

import argparse
import sys
from types import SimpleNamespace
from typing import Any

import numpy as np

from .._text import printable
from ..initializers import INITIALIZERS
from ..io import check_header_room
from ..optimizers import OPTIMIZERS
from ..tables import TableModel, defaults
from ..tables.encoder import MIN_FREQUENCY
from ..training import TrainingDivergedError
from .cluster import add_cluster_options, check_cluster_options, cluster_client, cluster_data
from .common import (
    HIDDEN_ACTIVATIONS,
    CLIError,
    add_drop_missing,
    check_output_file,
    check_plot_dir,
    file_size,
    hidden_sizes,
    keep_probability,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    seed_int,
    split_fraction,
)
from .engine import add_engine_option, check_engine, pick_engine
from .report import (
    make_callbacks,
    print_plan,
    print_report,
    write_plots,
)

__all__ = ["add_train", "cmd_train", "make_callbacks", "table_model"]

# --------------------------------------------------------------------------- the command


def _check_plot_extra() -> None:
    from .. import plot

    plot.require()  # ImportError naming the plot extra, before any training


def cmd_train(args: argparse.Namespace) -> int:
    """Train a network on a table; save it with --out."""
    if args.scheduler:
        check_cluster_options(args)
    else:
        check_engine(args)
    if args.dims is not None:
        raise CLIError(
            "train takes the hidden sizes with --layers (e.g. --layers 20,7,5): n[0] and n[L] "
            "come from the data; --dims n[0],...,n[L] is for summary, explain and gradcheck"
        )
    inputs = [("DATA", args.data)]
    out = check_output_file(args.out, "--out", inputs) if args.out else None
    plot_dir = check_plot_dir(args.plot_dir, inputs) if args.plot_dir else None
    if plot_dir is not None:
        _check_plot_extra()
    if args.validation_split == 0 and args.early_stopping:
        raise CLIError(
            "--early-stopping watches the validation cost: keep a --validation-split "
            f"(e.g. {defaults.VALIDATION_SPLIT})"
        )
    if args.validation_split == 0 and args.tol:
        raise CLIError("--tol is early stopping's tolerance: keep a --validation-split")

    model = table_model(args)
    if args.scheduler or model.streams(args.data):
        with cluster_client(args) as client:  # None without --scheduler
            return _train_stream(args, model, out, plot_dir, client)
    prepared = model.prepare(args.data)
    table, net = prepared.table, prepared.network
    _take_plan(args, prepared)
    assert net.preprocessing is not None
    if out is not None:  # a model file's header has a limit: known now, not after training
        check_header_room(net.preprocessing)
    m_train, validation = prepared.train.size, prepared.validation
    print_plan(
        args,
        table,
        prepared.kind,
        prepared.classes,
        net,
        prepared.init,
        prepared.batch_size,
        m_train,
        validation,
        prepared.patience,
    )
    for notice in prepared.notices:
        print(f"Notice: {printable(notice)}")
    engine = pick_engine(args, net.layer_dims, m_train)
    try:
        model.train(prepared, callbacks=make_callbacks(args), engine=engine)
    except TrainingDivergedError as exc:
        raise ValueError(f"{exc} (a smaller --lr than {args.lr:g}); nothing was written") from None
    history, metrics = model.history, model.metrics
    seconds = net.metadata["training"]["seconds"]
    print_report(history, args.epochs, metrics, m_train, validation, seconds)
    if out is not None:
        net.save(out)
        print(f"Saved the model to {out} ({file_size(out)})")
    elif not history.interrupted:
        print("(no --out: the model was not saved)")
    if plot_dir is not None and history.epochs:
        val = prepared.val
        rows, which = (val, "validation") if val is not None else (prepared.train, "all")
        write_plots(net, history, table, prepared.X_all, prepared.Y_all, rows, which, plot_dir)
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


def _train_stream(
    args: argparse.Namespace, model: TableModel, out: Any, plot_dir: Any, client: Any = None
) -> int:
    """``train`` on a table read a chunk of rows at a time (``--stream``, or a table too big
    for memory; with ``client``, by a cluster's workers): one pass to fit the encoder, then
    one pass per epoch."""
    if plot_dir is not None:
        raise CLIError("--plot-dir is not available for a streamed table; train without it")
    if getattr(args, "engine", "auto") == "jax":
        raise CLIError("--engine jax trains a table in memory; a streamed table uses numpy")
    if args.dropout is not None:
        raise CLIError("--dropout is not available for a streamed table; train without it")
    if client is None:
        print(f"Streaming {args.data}: one pass to fit the encoder, then one pass per epoch")
    prepared = model.prepare_stream(cluster_data(args.data) if client else args.data, client=client)
    data, net = prepared.data, prepared.network
    cluster = prepared.on_workers
    validation = data.validation if cluster is None else cluster.validation_rows
    _take_plan(args, prepared)
    assert net.preprocessing is not None
    if out is not None:
        check_header_room(net.preprocessing)
    pieces = len(data.stream.pieces)
    table = SimpleNamespace(
        source=data.stream.source,
        kind=f"streamed{' by the workers' if cluster else ''}, {pieces} row group(s) or file(s)",
        m=data.m,
        dropped=[],
        feature_names=data.features,
        target=data.target,
        id_name="row",
    )
    print_plan(
        args,
        table,  # type: ignore[arg-type]
        data.kind,
        data.classes,
        net,
        prepared.init,
        prepared.batch_size,
        data.m_train,
        validation,
        prepared.patience,
    )
    for notice in prepared.notices:
        print(f"Notice: {printable(notice)}")
    callbacks = make_callbacks(args)
    progress = not args.quiet and sys.stderr.isatty()
    try:
        model.train_stream(prepared, callbacks=callbacks, progress=progress)
    except TrainingDivergedError as exc:
        raise ValueError(f"{exc} (a smaller --lr than {args.lr:g}); nothing was written") from None
    history, metrics = model.history, model.metrics
    seconds = net.metadata["training"]["seconds"]
    if history.epochs:  # (Ctrl-C may come before the first epoch ends)
        print_report(history, args.epochs, metrics, data.m_train, validation, seconds)
    rates = history.history.get("rows_per_second") or []
    if rates:
        print(f"Throughput: {np.median(rates):,.0f} training rows per second (median of epochs)")
    if out is not None:
        net.save(out)
        print(f"Saved the model to {out} ({file_size(out)})")
    elif not history.interrupted:
        print("(no --out: the model was not saved)")
    if history.interrupted:
        saved = f"the model as trained so far was saved to {out}" if out else "nothing was saved"
        print(
            f"Interrupted (Ctrl-C) after {history.epochs} completed epoch(s): {saved}",
            file=sys.stderr,
        )
        return 130
    return 0


def _take_plan(args: argparse.Namespace, prepared: Any) -> None:
    """The options actually used (those given, the table's plan for the others) into args,
    for the plan and the report printed."""
    for option, value in (
        ("layers", prepared.layers),
        ("hidden", prepared.hidden),
        ("epochs", prepared.epochs),
        ("lr", prepared.learning_rate),
        ("optimizer", prepared.optimizer),
        ("l2", prepared.l2),
    ):
        setattr(args, option, value)


def table_model(args: argparse.Namespace) -> TableModel:
    """The :class:`~layerwise.tables.TableModel` that ``train``'s options describe (an option
    left None takes the table's plan)."""
    return TableModel(
        args.target,
        layers=args.layers,
        hidden=args.hidden,
        output=args.output,
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        l2=args.l2,
        dropout=args.dropout,
        validation_split=args.validation_split,
        early_stopping=args.early_stopping,
        tol=args.tol,
        init=args.init,
        seed=args.seed,
        dtype=args.dtype,
        drop=args.drop or (),
        keep=args.keep or (),
        id_column=args.id,
        sample_weight=args.sample_weight,
        target_scaling=not args.no_target_scaling,
        drop_missing=args.drop_missing,
        refit=args.refit,
        stream=args.stream,
    )


# --------------------------------------------------------------------------- the parser


_DESCRIPTION = f"""\
Train an L-layer network on a table and save it as a model file.

DATA is a .csv, .tsv, .parquet, .npz or .npy file with one example per row, a folder of
Parquet (or CSV/TSV) files, or the name of a built-in data set (see 'layerwise datasets'); a
table too big for memory is read a chunk of rows at a time (--stream). The target column
follows --target (default: a column named target, y, label or class). A column named 'id' (or
the one given with --id) identifies the rows, --sample-weight names a column of row weights
and --drop COL leaves a column out; every other column is a feature, taken as it is, learned
from the training rows only and stored in the model file:

  numbers      a missing value -> the training median; standardized with the training mean
               and standard deviation, then softly clipped, z/sqrt(1+(z/{defaults.CLIP:g})^2);
               a column with missing values gets a 0/1 'missing' feature beside it
  text         one 0/1 feature per category (pandas categorical columns too); missing is a
               category of its own; categories in fewer than {MIN_FREQUENCY} training rows share
               one '(infrequent)' feature, where unseen values go at predict time
  booleans     0/1 (True/False); a missing value as for numbers
  dates        the year, the day of the year, the day of the week and the days since the
               earliest training date (datetime columns, or text that reads as dates)
  left out     a column that numbers the rows (1..m, with gaps) and text with nearly every
               value distinct (an id, a name, free text), each with a notice; --keep COL
               keeps it
Rows whose target is missing are left out (counted in a notice).

The output follows the target: two classes -> one sigmoid unit (binary cross-entropy), more ->
softmax (categorical cross-entropy), numbers with a fraction, or an integer score with more
than 10 unbalanced values, or more than 50 -> linear (mean squared error; the rule is
layerwise.tables.type_of_target's), trained on the standardized target (--no-target-scaling:
as it is) and reported in its own units. --output overrides it.

Defaults that fit the table (measured on 24 public tables: docs/defaults.md): one
hidden layer of {defaults.WIDTH} relu units, Adam with α = 0.001;
{defaults.VALIDATION_SPLIT:g} of the rows ({defaults.SMALL_VALIDATION_SPLIT:g} under
{defaults.SMALL_ROWS} rows) are held out for validation, and early stopping ends training
once the validation cost has not improved for {defaults.PATIENCE} epochs or
{defaults.PATIENCE_STEPS} steps, whichever is more (at most --epochs {defaults.EPOCHS}),
keeping the best epoch's weights; under {defaults.REFIT_ROWS} rows the network is then
trained again on every row for that many epochs (--no-refit); the mini-batch size is
{defaults.BATCH_RULE}.
--validation-split 0 trains on every row, for --epochs epochs.

Ctrl-C stops after the current batch; with --out the model of that point is saved (exit 130).
"""

_EXAMPLES = """\
examples:
  layerwise train mixed --out penguins.safetensors
  layerwise train breast_cancer --out cancer.safetensors --layers 20,7,5 --epochs 100
  layerwise train data.csv --target price --drop name --plot-dir plots
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
        "--drop",
        metavar="COL",
        action="append",
        help="leave this column out (repeatable): an id, a name, free text",
    )
    p.add_argument(
        "--keep",
        metavar="COL",
        action="append",
        help="keep this column as a feature although it would be left out (repeatable): a "
        "text column with nearly every value distinct (kept as a category), a row number",
    )
    p.add_argument(
        "--sample-weight",
        metavar="COL",
        help="a column of per-row weights (not a feature): a row of weight 2 counts as two "
        "rows, one of weight 0 as none",
    )
    p.add_argument(
        "--layers",
        type=hidden_sizes,
        default=None,
        metavar="20,7,5",
        help="hidden layer sizes n[1],...,n[L-1]; n[0] and n[L] come from the data "
        "(default: the table's plan, see below)",
    )
    p.add_argument("--dims", help=argparse.SUPPRESS)  # the other commands' spelling: explained
    p.add_argument(
        "--hidden",
        choices=HIDDEN_ACTIVATIONS,
        default=None,
        help="activation g of the hidden layers (default: the plan's, relu)",
    )
    p.add_argument(
        "--output",
        choices=["auto", "sigmoid", "softmax", "linear"],
        default="auto",
        help="output activation (default auto: from the target)",
    )
    p.add_argument(
        "--refit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="once early stopping has chosen the epochs, train again on every row for that "
        f"many epochs (default: on a table under {defaults.REFIT_ROWS} rows)",
    )
    p.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read the table a chunk of rows at a time, never all of it: DATA is then a "
        "Parquet or CSV file or a folder of them; one pass fits the encoder, each epoch is a "
        "pass with the rows shuffled through a buffer (default: when the table would not fit "
        "comfortably in memory; a folder that fits is read into memory as one table; "
        "--no-stream reads it into memory)",
    )
    p.add_argument(
        "--no-target-scaling",
        action="store_true",
        help="regression: train on the target as it is, not standardized",
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
        default=None,
        metavar="N",
        help=f"the most passes over the training rows (default {defaults.EPOCHS}; early "
        f"stopping usually ends sooner)",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        metavar="α",
        help="learning rate α (default: the plan's, 0.001 for adam)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"mini-batch size (default: {defaults.BATCH_RULE}; the whole set with --optimizer gd)",
    )
    p.add_argument(
        "--optimizer",
        choices=list(OPTIMIZERS),
        default=None,
        help="update rule (default: the plan's, adam)",
    )
    p.add_argument(
        "--l2",
        type=nonnegative_float,
        default=None,
        metavar="λ",
        help="L2 regularization λ (default: the plan's, 0)",
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
        type=split_fraction,
        default=None,
        metavar="F",
        help=f"hold out this fraction of the rows (drawn with --seed) for validation and "
        f"early stopping (default {defaults.VALIDATION_SPLIT:g}; 0: none, train on every row)",
    )
    p.add_argument(
        "--early-stopping",
        type=nonnegative_int,
        default=None,
        metavar="N",
        help=f"stop when the validation cost has not improved for N epochs and keep the best "
        f"epoch's model (default {defaults.PATIENCE}; 0: run every epoch)",
    )
    p.add_argument(
        "--tol",
        type=nonnegative_float,
        default=None,
        metavar="Δ",
        help=f"early stopping's tolerance: stop once the validation cost has fallen by less "
        f"than Δ over the last --early-stopping epochs (default {defaults.TOLERANCE:g} on a "
        f"table of {defaults.BIG_TABLE_ROWS:,} rows or more, 0 below)",
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
        "decision_boundary.png here (the folder is created if needed)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")
    add_engine_option(p)
    add_cluster_options(p)
    p.set_defaults(func=cmd_train)
