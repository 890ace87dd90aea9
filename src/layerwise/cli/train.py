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
from ..model.io import check_header_room
from ..tables import TableModel, defaults
from ..training.step import TrainingDivergedError
from .cluster import add_cluster_options, check_cluster_options, cluster_client, cluster_data
from .common import (
    CLIError,
    check_model_file,
    check_plot_dir,
    file_size,
)
from .engine import add_engine_option, check_engine, pick_engine
from .report import (
    make_callbacks,
    print_plan,
    print_report,
    write_plots,
)
from .train_options import DESCRIPTION, EXAMPLES, add_train_options

__all__ = ["add_train", "cmd_train", "make_callbacks", "table_model"]

# --------------------------------------------------------------------------- the command


def _check_plot_extra() -> None:
    from ..views import plot

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
    out = check_model_file(args.out, "--out", inputs) if args.out else None
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
    engine = pick_engine(
        args, net.layer_dims, m_train, prepared.X_all.nbytes + prepared.Y_all.nbytes
    )
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
        predicted = model.validation_predictions if val is not None else None
        write_plots(
            net, history, table, prepared.X_all, prepared.Y_all, rows, which, plot_dir, predicted
        )
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
    source = cluster_data(args.data) if client else args.data
    progress = client is None and not args.quiet and sys.stderr.isatty()
    prepared = model.prepare_stream(source, client=client, progress=progress)
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


def add_train(sub: Any) -> None:
    """Add the ``train`` command."""
    p = sub.add_parser(
        "train",
        help="train a network on a table and save it",
        description=DESCRIPTION,
        epilog=EXAMPLES,
    )
    add_train_options(p)
    add_engine_option(p)
    add_cluster_options(p)
    p.set_defaults(func=cmd_train)
