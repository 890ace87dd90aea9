"""``layerwise train DATA --scheduler ADDRESS``: the same training on a dask.distributed cluster.

DATA is a folder of Parquet files (every ``*.parquet`` and ``*.pq`` in it and its
subfolders), a glob (``'data/day-*.parquet'``), or one file; CSV and TSV files are read too.
The workers read the files themselves (the same path must open on every worker: a shared file
system); the client holds only the network's parameters:

1. every worker reads its files and reports a sample of rows, the row count and the target's
   labels, mean and standard deviation over every row
   (:func:`layerwise.cluster.summarize_tables`);
2. every worker also gathers the statistics of its files' feature columns over their training
   rows (:class:`~layerwise.tables.stats.TableStats`: running moments, counted categories,
   the row-number and id rules); the client merges them into the
   :class:`~layerwise.tables.TableEncoder` those rows would fit in memory, and chooses the
   task, the network and the options as ``train`` does for a table in memory
   (:func:`layerwise.tables.defaults.plan_for`; the validation share is 0.1 unless
   ``--validation-split`` says otherwise);
3. the workers read their files again and keep them encoded, as parts (X, Y), the validation
   rows of each file apart (each row is held out or not by a generator seeded with --seed and
   the file's path, so the split is the same on every run and every cluster);
4. :func:`layerwise.cluster.fit` trains: each step, every worker computes the gradient sums of
   its share of the global mini-batch, and the client updates the parameters with their mean.

The model file is the one ``train`` writes: ``predict`` and ``evaluate`` take it as they take
any other.
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import time
from typing import Any

import numpy as np

from .._optional import require
from .._typing import Array
from ..initializers import suited_init
from ..io import check_header_room
from ..network import Network
from ..tables import TARGET_NAMES, defaults, output_for, type_of_target
from ..tables.formats import folder_files
from .common import CLIError, check_output_file, file_size
from .report import make_callbacks

__all__ = [
    "add_cluster_options",
    "cmd_train_cluster",
    "cluster_batch_size",
    "data_files",
    "SplitReader",
]

#: the suffixes of the files a folder or glob contributes
_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv")
#: rows of each file the workers send for fitting the encoder
SAMPLE_ROWS = 5000
#: the largest default global mini-batch: a step costs a round trip to every worker (1 to 3 ms
#: measured, docs/cluster.md), which batches of thousands of rows make small beside the step
CLUSTER_BATCH = 4096
#: seconds to wait for the scheduler
_CONNECT_SECONDS = 30


def add_cluster_options(p: Any) -> None:
    """Add ``--scheduler`` to ``train``'s parser."""
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="train on the dask.distributed cluster of this scheduler (tcp://host:8786; the "
        "dask extra): DATA is then a folder of Parquet files, a glob or a file that every "
        "worker can open at the same path; the workers read and encode the rows, the client "
        "holds only the parameters (see 'On a cluster' in the README)",
    )


# --------------------------------------------------------------------------- the files


def data_files(data: str) -> list[str]:
    """The files of DATA: a folder (its Parquet files, or when it has none its CSV and TSV
    files, recursively, sorted: :func:`layerwise.tables.formats.folder_files`), a glob, or a
    file; absolute paths, so that a worker started elsewhere opens the same file.
    A URL (``s3://...``) is passed on as one file for the workers to open."""
    if "://" in data:
        return [data]
    if os.path.isdir(data):
        try:  # the files a table kept as a folder has, wherever a folder is read
            found, _kind = folder_files(data)
        except ValueError as exc:
            raise CLIError(f"{exc}: with --scheduler, DATA is a folder of Parquet files") from None
        what = f"the folder {data!r}"
    elif glob.has_magic(data):
        found = [path for path in glob.glob(data, recursive=True) if os.path.isfile(path)]
        what = f"the pattern {data!r}"
    elif os.path.isfile(data):
        found = [data]
        what = data
    else:
        raise CLIError(
            f"DATA {data!r} is neither a folder, a glob nor a file: with --scheduler, give the "
            f"folder of Parquet files the workers read (e.g. data/ or 'data/*.parquet')"
        )
    found = sorted(os.path.abspath(path) for path in found)
    if not found:
        raise CLIError(
            f"{what} holds no {', '.join(_SUFFIXES)} file: with --scheduler, DATA is a folder "
            f"of Parquet files, a glob or a file"
        )
    return found


def cluster_batch_size(m: int) -> int:
    """The default global mini-batch for m training rows: :data:`CLUSTER_BATCH`, or an eighth
    of the rows when that is less (eight steps an epoch at least), but never below ``train``'s
    own default (:func:`layerwise.tables.defaults.batch_size_for`).

    >>> [cluster_batch_size(m) for m in (1_000, 20_000, 1_000_000)]
    [125, 2500, 4096]
    """
    return max(defaults.batch_size_for(m), min(CLUSTER_BATCH, m // 8))


class SplitReader:
    """Read a file on a worker and keep its training or its validation rows, encoded.

    Row i of a file is a validation row when ``u_i < fraction``, u drawn from a generator
    seeded with (seed, CRC-32 of the file's path): the same rows on every run and worker.

    Parameters
    ----------
    reader : layerwise.cluster.TableReader
        Encodes a frame as (X, Y).
    fraction : float
        The share of each file's rows held out (0: none).
    seed : int
    part : {"train", "validation"}
    """

    def __init__(self, reader: Any, fraction: float, seed: int, part: str) -> None:
        if part not in ("train", "validation"):
            raise ValueError(f"part must be 'train' or 'validation'; Received: {part!r}")
        self.reader, self.fraction, self.seed, self.part = reader, fraction, seed, part

    def rows(self, source: str, m: int) -> Any:
        """The boolean mask of the rows of ``source`` (m rows) that this reader keeps."""
        from ..cluster import held_out_rows

        held = held_out_rows(source, m, self.fraction, self.seed)
        return held if self.part == "validation" else ~held

    def __call__(self, source: str) -> tuple[Array, Array]:
        from ..cluster import read_frame

        frame = read_frame(source)
        frame = frame[self.rows(source, len(frame))]
        frame = frame[frame[self.reader.target].notna()]  # rows without a target: left out
        return self.reader.encode(frame, source)


# --------------------------------------------------------------------------- the command


#: options of ``train`` the cluster does not run, with what to do instead
_NOT_ON_A_CLUSTER = {
    "sample_weight": "row weights",
    "dropout": "dropout",
    "plot_dir": "plots",
    "id": "an id column (use --drop COL)",
}


def _check_options(args: argparse.Namespace) -> None:
    for option, what in _NOT_ON_A_CLUSTER.items():
        if getattr(args, option, None) is not None:
            flag = "--" + option.replace("_", "-")
            raise CLIError(f"{flag}: {what} not available with --scheduler; train without it")
    if getattr(args, "engine", "auto") == "jax":
        raise CLIError(
            "--engine jax trains in this process; with --scheduler the workers compute with "
            "the numpy engine (leave --engine out)"
        )
    if getattr(args, "drop_missing", False):
        raise CLIError(
            "--drop-missing is not available with --scheduler: missing feature values are "
            "filled by the encoder (rows without a target are always left out)"
        )
    if args.dims is not None:
        raise CLIError(
            "train takes the hidden sizes with --layers (e.g. --layers 20,7,5): n[0] and n[L] "
            "come from the data"
        )
    if args.validation_split == 0 and (args.early_stopping or args.tol):
        raise CLIError(
            "--early-stopping and --tol watch the validation cost: keep a --validation-split"
        )


def _connect(address: str) -> Any:
    distributed = require("distributed", "dask", "--scheduler (training on a dask cluster)")
    try:
        client = distributed.Client(address, timeout=_CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        raise CLIError(
            f"--scheduler {address}: no dask scheduler answered within {_CONNECT_SECONDS} s "
            f"({type(exc).__name__}: {exc}); start one with 'dask scheduler' and give its "
            f"address (tcp://host:8786)"
        ) from None
    if not client.scheduler_info().get("workers"):
        try:
            client.wait_for_workers(1, timeout=_CONNECT_SECONDS)
        except (OSError, TimeoutError):
            client.close()
            raise CLIError(
                f"--scheduler {address}: the cluster has no workers; start some with "
                f"'dask worker {address}'"
            ) from None
    return client


def _target_of(args: argparse.Namespace, columns: list[str]) -> str:
    if args.target is not None:
        if args.target not in columns:
            raise CLIError(f"--target {args.target!r} is not a column; the columns: {columns[:20]}")
        return str(args.target)
    lower = {str(c).lower(): c for c in reversed(columns)}
    for name in TARGET_NAMES:
        if name in lower:
            return str(lower[name])
    raise CLIError(
        f"no target column given and none of {', '.join(TARGET_NAMES)} is in the table; name "
        f"it with --target COL; the columns: {columns[:20]}"
    )


def _task(args: argparse.Namespace, summary: Any, target: str) -> tuple[str, str, list[Any] | None]:
    """(target type, output activation, class labels or None)."""
    y = summary.sample[target].dropna().to_numpy()
    numeric = summary.target_mean is not None
    if args.output == "auto":
        kind = type_of_target(y)
        output = output_for(kind)
    elif args.output == "linear":
        kind, output = "continuous", "linear"
    else:
        kind, output = ("binary" if args.output == "sigmoid" else "multiclass"), args.output
    if kind == "continuous":
        if not numeric:
            raise CLIError(
                f"--output linear (regression) needs a numeric target; {target!r} is not"
            )
        return kind, output, None
    classes = summary.labels
    if classes is None:
        raise CLIError(
            f"target {target!r} has more than a thousand distinct values: a regression "
            f"(--output linear), not classes"
        )
    if len(classes) < 2:
        raise CLIError(f"target {target!r} has a single class ({classes[0]!r}) in every row")
    if output == "sigmoid" and len(classes) > 2:
        raise CLIError(
            f"--output sigmoid is for two classes but target {target!r} has {len(classes)}; "
            f"use --output softmax (or auto)"
        )
    return kind, output, list(classes)


def cmd_train_cluster(args: argparse.Namespace) -> int:
    """``train DATA --scheduler ADDRESS``: read, encode and train on the cluster's workers."""
    _check_options(args)
    out = check_output_file(args.out, "--out", [("DATA", args.data)]) if args.out else None
    sources = data_files(args.data)
    from ..cluster import TableReader, fit, read_parts, summarize_tables

    client = _connect(args.scheduler)
    try:
        n_workers = len(client.scheduler_info()["workers"])
        print(
            f"Cluster: {args.scheduler}, {n_workers} worker(s); data: {len(sources)} file(s) "
            f"read by the workers"
        )
        columns = list(_columns_of(client, sources[0]))
        target = _target_of(args, columns)
        # the validation share is chosen before the files are read: the workers gather the
        # encoder's statistics on the training rows only, as training in memory does
        if args.validation_split is None:
            args.validation_split = defaults.VALIDATION_SPLIT
        summary = summarize_tables(
            client,
            sources,
            target,
            SAMPLE_ROWS,
            args.seed,
            exclude=tuple(args.drop or ()),
            holdout=(args.validation_split, args.seed),
        )
        kind, output, classes = _task(args, summary, target)
        encoder = summary.stats.encoder(
            keep=args.keep or (), scaling=defaults.NUMERIC_SCALING, clip=defaults.CLIP
        )
        pre = encoder.preprocessing_
        pre.classes, pre.target = classes, target
        pre.ignored = [*(args.drop or ()), *encoder.left_out_]
        if kind == "continuous" and not args.no_target_scaling:
            pre.target_mean, pre.target_scale = summary.target_mean, summary.target_scale
        if out is not None:
            check_header_room(pre)
        n_out = len(classes) if output == "softmax" and classes else 1
        n0 = len(encoder.feature_names_out_)
        task = "regression" if kind == "continuous" else "classification"
        split, patience, tolerance = _apply_plan(
            args, defaults.plan_for(summary.m, n0, n_out, task)
        )
        reader = TableReader(
            encoder,
            target,
            classes=classes,
            output=output,
            target_mean=pre.target_mean if pre.target_mean is not None else 0.0,
            target_scale=pre.target_scale if pre.target_scale is not None else 1.0,
            dtype=np.dtype(args.dtype),
        )
        train_parts = read_parts(client, sources, SplitReader(reader, split, args.seed, "train"))
        val_parts = None
        if split > 0:
            val_parts = read_parts(
                client, sources, SplitReader(reader, split, args.seed, "validation")
            )
        m_train = round(summary.m * (1 - split))
        batch_size = args.batch_size
        if batch_size is None and args.optimizer != "gd":
            batch_size = cluster_batch_size(m_train)
        init = suited_init(args.hidden) if args.init == "auto" else args.init
        dims = [n0, *args.layers, n_out]
        net = Network(
            dims, hidden=args.hidden, output=output, init=init, seed=args.seed, dtype=args.dtype
        )
        print(
            f"Task: {kind}, output {output}, target {target!r}"
            + (f", classes {classes[:10]}" if classes else "")
        )
        print(f"Network: n = {dims}, hidden {args.hidden}, init {init}, {args.dtype}")
        batches = "full batch" if batch_size is None else f"global mini-batches of {batch_size}"
        val = f"; {split:g} of each file's rows for validation" if split else ""
        if patience:
            val += f", early stopping after {patience} epochs without improvement"
        print(
            f"Training: {args.optimizer}, α = {args.lr:g}, at most {args.epochs} epochs, "
            f"{batches}, about {m_train} rows, seed {args.seed}{val}"
        )
        from ..callbacks import EarlyStopping

        callbacks = make_callbacks(args)
        if patience:
            callbacks.append(EarlyStopping(patience=patience, min_delta=tolerance))
        start = time.perf_counter()
        history = fit(
            net,
            client,
            _without_empty(client, train_parts, "training"),
            epochs=args.epochs,
            learning_rate=args.lr,
            batch_size=batch_size,
            optimizer=args.optimizer,
            l2=args.l2,
            seed=args.seed,
            validation=None if val_parts is None else _without_empty(client, val_parts, None),
            callbacks=callbacks,
        )
        seconds = time.perf_counter() - start
    finally:
        client.close()
    net.preprocessing = pre
    metrics = _metrics(history)
    for name, values in metrics.items():
        shown = "  ".join(f"{k} {v:.6g}" for k, v in values.items())
        print(f"{name.capitalize() + ':':<11} {shown}")
    if history.stop_reason == "early_stopping":
        best = "" if history.best_epoch is None else f"; restored epoch {history.best_epoch + 1}"
        print(f"Stopped early after epoch {history.epochs} of {args.epochs}{best}")
    print(f"Time: {seconds:.2f} s for {history.epochs} epochs on the cluster")
    net.metadata = {
        "training": {
            "data": args.data,
            "files": len(sources),
            "rows": summary.m,
            "target": target,
            "task": kind,
            "layers": list(args.layers),
            "hidden": args.hidden,
            "init": init,
            "epochs": args.epochs,
            "epochs_run": history.epochs,
            "learning_rate": args.lr,
            "batch_size": batch_size,
            "optimizer": args.optimizer,
            "l2": args.l2,
            "validation_split": split,
            "early_stopping": patience,
            "seed": args.seed,
            "seconds": seconds,
            "scheduler": args.scheduler,
            "workers": n_workers,
            "engine": "cluster",
        },
        "metrics": metrics,
    }
    if out is not None:
        net.save(out)
        print(f"Saved the model to {out} ({file_size(out)})")
    else:
        print("(no --out: the model was not saved)")
    return 0


def _columns_of(client: Any, source: str) -> list[str]:
    """The columns of a file, read on a worker (the client may not see the file)."""

    return list(client.submit(_read_columns, source, pure=False).result())


def _read_columns(source: str) -> list[str]:
    from ..cluster import read_frame

    if str(source).lower().endswith((".parquet", ".pq")):
        pq = require("pyarrow.parquet", "tables", "reading Parquet files")
        return [str(c) for c in pq.read_schema(source).names if not str(c).startswith("__")]
    return [str(c) for c in read_frame(source).columns]


def _without_empty(client: Any, parts: list[Any], what: str | None) -> list[Any]:
    """The parts with at least one row (a small file may have no validation row); an error
    when none is left for training."""
    sizes = client.gather([client.submit(_rows, part, pure=False) for part in parts])
    kept = [part for part, size in zip(parts, sizes) if size > 0]
    if not kept and what is not None:
        raise CLIError(f"no {what} rows left after the validation split")
    return kept


def _rows(part: tuple[Array, Array]) -> int:
    return int(part[0].shape[1])


def _metrics(history: Any) -> dict[str, dict[str, float]]:
    """The last (or, after early stopping, the restored best) epoch's figures."""
    epoch = history.epochs - 1
    best = getattr(history, "best_epoch", None)
    if best is not None:
        epoch = best
    out: dict[str, dict[str, float]] = {"train": {}, "validation": {}}
    for key, values in history.history.items():
        if len(values) <= epoch or key == "learning_rate" or key.startswith("grad_norm_"):
            continue
        value = float(values[epoch])
        if math.isfinite(value):
            side = "validation" if key.startswith("val_") else "train"
            out[side][key.removeprefix("val_")] = value
    return {k: v for k, v in out.items() if v}


def _apply_plan(args: argparse.Namespace, plan: defaults.TrainingPlan) -> tuple[float, int, float]:
    """Fill every option left out with the table's plan; (validation split, patience,
    tolerance), as ``train`` does in memory."""
    for option, field in (
        ("layers", "layers"),
        ("hidden", "hidden"),
        ("epochs", "epochs"),
        ("lr", "learning_rate"),
        ("optimizer", "optimizer"),
        ("l2", "l2"),
    ):
        if getattr(args, option) is None:
            setattr(args, option, getattr(plan, field))
    return defaults.stopping(plan, args.validation_split, args.early_stopping, args.tol)
