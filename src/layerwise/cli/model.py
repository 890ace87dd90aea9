"""``layerwise evaluate``, ``predict`` and ``export``: a model file and a table, or ONNX.

The table must have the input columns the model was trained on (any order, no others besides
the target, an id column and the columns left out in training); they are encoded as in
training (missing values filled in, text one-hot encoded, an unseen category counted in one
warning line and encoded as infrequent or all 0), and class labels and regression values are
read and written in their original form and units.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from .._text import printable
from ..model.io import atomic_write_bytes
from ..model.network import Network
from ..tables import TableModel, frame_to_bytes
from ..tables.steps import Evaluation
from .common import (
    CLIError,
    add_drop_missing,
    check_output_file,
    check_plot_dir,
    confusion_text,
    load_model,
)
from .model_data import (
    decode_predictions,
    model_classes,
    model_data,
    predict_rows,
    warn_unseen,
)

__all__ = ["add_evaluate", "add_predict", "add_export", "cmd_evaluate", "cmd_predict", "cmd_export"]


def _is_table_model(net: Network) -> bool:
    """Whether the model was trained on a raw table (its columns are encoded)."""
    return net.preprocessing is not None and net.preprocessing.columns is not None


def _stream_chunks(data: str) -> Any:
    """The chunks of DATA (DataFrames) when it is read as a stream (a folder, or a file too
    big for memory: :func:`layerwise.tables.stream.should_stream`), else None."""
    from ..tables.stream import should_stream, table_chunks

    return table_chunks(data) if should_stream(data, None) else None


def _read(net: Network, source: Any, args: argparse.Namespace, **read: Any) -> Any:
    """A table (or a chunk of one) read and encoded for the model."""
    if _is_table_model(net):  # the table workflow's object, as train made it
        return TableModel.from_network(net).read(source, target=args.target, encode=True, **read)
    return model_data(net, source, target=args.target, **read)


def _merge_unseen(total: dict[str, dict[Any, int]], unseen: dict[str, dict[Any, int]]) -> None:
    for column, counts in unseen.items():
        into = total.setdefault(column, {})
        for value, n in counts.items():
            into[value] = into.get(value, 0) + n


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Cost and accuracy (with the confusion matrix) or cost and R² of a model on a table; a
    folder of files (or a file too big for memory) is read a chunk of rows at a time."""
    inputs = [("MODEL", args.model), ("DATA", args.data)]
    plot_dir = check_plot_dir(args.plot_dir, inputs) if args.plot_dir else None
    if plot_dir is not None:
        from ..views import plot

        plot.require()  # an ImportError naming the plot extra, before any work
    net = load_model(args.model)
    read = dict(need_target=True, drop_missing=args.drop_missing, id_column=args.id)
    chunks = _stream_chunks(args.data)
    if chunks is not None and plot_dir is not None:
        raise CLIError("--plot-dir is not available for a table read in chunks (a folder)")
    evaluation = Evaluation(net)
    dropped = 0
    unseen: dict[str, dict[Any, int]] = {}
    target = None
    for source in [args.data] if chunks is None else chunks:
        data = _read(net, source, args, **read)
        assert data.X is not None and data.Y is not None
        _merge_unseen(unseen, data.unseen)
        dropped += len(data.table.dropped)  # a chunk's rows without a target too
        if data.table.m:
            target = data.table.target
            evaluation.add(data.X, data.Y)
    warn_unseen("evaluate", unseen)
    m = evaluation.m
    if m == 0:
        raise CLIError(f"DATA {args.data}: no row with a target to evaluate on")
    scores = evaluation.scores()
    note = f" ({dropped} with missing values dropped)" if dropped else ""
    print(f"Model: {args.model}: n = {net.layer_dims}, output {net.activations[-1].name}")
    print(f"Data: {args.data}: {m} rows{note}, target {target!r}")
    pre = net.preprocessing
    scaled = pre is not None and pre.target_scale is not None
    print(f"cost      {scores['cost']:.6f}" + ("  (of the standardized target)" if scaled else ""))
    if net.task == "regression":
        print(f"R²        {scores['r2']:.6f}")
        print(f"RMSE      {scores['rmse']:.6g}")
        print(f"MAE       {scores['mae']:.6g}")
        return 0
    correct = evaluation.correct
    classes = model_classes(net)
    print(f"accuracy  {scores['accuracy']:.6f}  ({correct} of {m} correct)")
    print("\nConfusion matrix (rows: true class, columns: predicted class):")
    print(confusion_text(evaluation.counts[: len(classes), : len(classes)], classes))
    true, pred = evaluation.true, evaluation.pred
    if plot_dir is not None:
        from ..views import plot

        labels = np.asarray(classes, dtype=object)
        plot_dir.mkdir(parents=True, exist_ok=True)
        path = plot_dir / "confusion_matrix.png"
        plot.confusion_matrix(
            labels[true.astype(np.intp)],
            labels[pred.astype(np.intp)],
            labels=classes,
            path=path,
            title=f"Confusion matrix, all {m} rows of {args.data}",
        )
        print(f"\nWrote {path}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """Write one prediction per row (CSV): the row's id, the prediction, the probabilities; a
    folder of files (or a file too big for memory) is read and written a chunk at a time."""
    inputs = [("MODEL", args.model), ("DATA", args.data)]
    out = check_output_file(args.out, "--out", inputs) if args.out else None
    if out is not None and out.suffix.lower() not in (".csv", ".tsv", ".parquet"):
        raise CLIError(f"--out {out}: the suffix must be .csv, .tsv or .parquet")
    net = load_model(args.model)
    if args.proba and net.task == "regression":
        raise CLIError("--proba needs a classifier; this model has a linear output (regression)")
    chunks = _stream_chunks(args.data)
    unseen: dict[str, dict[Any, int]] = {}
    frames = (
        _predictions(net, source, args, unseen, chunked=chunks is not None)
        for source in ([args.data] if chunks is None else chunks)
    )
    if out is None:
        for i, frame in enumerate(frames):
            text = frame_to_bytes(frame, "predictions.csv").decode("utf-8")
            sys.stdout.write(text if i == 0 else text.split("\n", 1)[1])
        warn_unseen("predict", unseen)
        return 0
    if chunks is None:  # one table: written at once
        frame = next(iter(frames))
        atomic_write_bytes(out, frame_to_bytes(frame, out))
        m = len(frame)
    else:
        m = write_frames(frames, out)
    warn_unseen("predict", unseen)
    print(f"Wrote {m} predictions to {out}")
    return 0


def _predictions(
    net: Network,
    source: Any,
    args: argparse.Namespace,
    unseen: dict[str, dict[Any, int]],
    chunked: bool,
) -> Any:
    """The predictions of a table (or a chunk of one) as a DataFrame: the id, the
    prediction(s), the probabilities with --proba."""
    import pandas as pd

    remembered = None if args.id is not None else _trained_id(net)
    try:
        data, AL, new = _predict_table(net, source, args, args.id or remembered)
    except ValueError as exc:
        if remembered is None or not str(exc).startswith(f"id column {remembered!r} is not in"):
            raise
        if not getattr(args, "_told_id", False):
            print(
                f"layerwise predict: notice: the model's id column {printable(remembered)!r} "
                f"is not in {printable(args.data)}: the rows are numbered from 0 instead",
                file=sys.stderr,
            )
            args._told_id = True
        data, AL, new = _predict_table(net, source, args, None)
    _merge_unseen(unseen, new)
    id_name = data.table.id_name
    ids = data.table.ids
    if chunked and id_name == "row":  # the row's place in the whole table, not in the chunk
        ids = np.asarray(source.index)[np.asarray(ids, dtype=np.intp)]
    columns: dict[str, Any] = {}
    predictions = decode_predictions(net, AL)
    if predictions.ndim == 2:
        for k in range(predictions.shape[1]):
            columns[f"prediction_{k + 1}"] = predictions[:, k]
    else:
        columns["prediction"] = predictions
    if args.proba:
        classes = model_classes(net)
        P = np.vstack([1.0 - AL[0], AL[0]]) if net.task == "binary" else AL
        for c, row in zip(classes, P):
            columns[f"proba_{c}"] = row
    frame = pd.DataFrame({id_name: ids})
    for name, values in columns.items():
        written = name
        while written == id_name:  # the ids keep their column: the output takes another name
            written += "_"
        if written != name and not getattr(args, "_told", False):
            print(
                f"layerwise predict: the id column is named {printable(id_name)!r}: the "
                f"predictions' column is {printable(written)!r}",
                file=sys.stderr,
            )
            args._told = True
        frame[written] = values
    return frame


def _trained_id(net: Network) -> str | None:
    """The id column the model was trained with (``train --id``), as its file keeps it."""
    name = (net.metadata.get("training") or {}).get("id_column")
    return name if isinstance(name, str) else None


def _predict_table(
    net: Network, source: Any, args: argparse.Namespace, id_column: str | None
) -> tuple[Any, Any, dict[str, dict[Any, int]]]:
    """A table (or a chunk of one) read for the model with ``id_column`` as its ids, its
    outputs A[L] (n[L], m) and its unseen values."""
    if _is_table_model(net):  # the table workflow's object, as train made it
        model = TableModel.from_network(net)
        data = model.read(source, drop_missing=args.drop_missing, id_column=id_column)
        AL, new = model.outputs(data)  # encoded in chunks of rows: bounded memory
        return data, AL, new
    data = model_data(
        net, source, target=None, need_target=False, drop_missing=args.drop_missing,
        id_column=id_column,
    )  # fmt: skip
    AL, new = predict_rows(net, data)
    return data, AL, new


def write_frames(frames: Any, out: Any) -> int:
    """Write DataFrames one after the other into one CSV, TSV or Parquet file, atomically (a
    temporary file beside ``out``, renamed when every frame is written); returns the rows."""
    import os
    import tempfile

    out = os.fspath(out)
    folder = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(prefix=".layerwise-", suffix=os.path.splitext(out)[1], dir=folder)
    rows = 0
    writer = None
    try:
        with os.fdopen(fd, "wb") as handle:
            for i, frame in enumerate(frames):
                rows += len(frame)
                if out.lower().endswith(".parquet"):
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    table = pa.Table.from_pandas(frame, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(handle, table.schema)
                    writer.write_table(table)
                else:
                    data = frame_to_bytes(frame, out)
                    handle.write(data if i == 0 else data.split(b"\n", 1)[1])
            if writer is not None:
                writer.close()
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return rows


_DATA_HELP = (
    "a data file or built-in data set with the model's feature columns (any order; besides "
    "them only the target and an id column); a folder of Parquet or CSV files (or a file too "
    "big for memory) is read a chunk of rows at a time"
)


def add_evaluate(sub: Any) -> None:
    """Add the ``evaluate`` command."""
    p = sub.add_parser(
        "evaluate",
        help="cost, accuracy / R² and confusion matrix of a model on a table",
        description="Evaluate a model file on a table: the cost J, the accuracy and the "
        "confusion matrix (classification) or R², RMSE and MAE (regression).",
    )
    p.add_argument("model", metavar="MODEL", help="a model file written by 'layerwise train'")
    p.add_argument("data", metavar="DATA", help=_DATA_HELP)
    p.add_argument("--target", metavar="COL", help="the target column (default: the model's)")
    p.add_argument("--id", metavar="COL", help="a column identifying the rows (not a feature)")
    add_drop_missing(p)
    p.add_argument(
        "--plot-dir",
        metavar="DIR",
        help="write confusion_matrix.png here (the folder is created if needed)",
    )
    p.set_defaults(func=cmd_evaluate)


def add_predict(sub: Any) -> None:
    """Add the ``predict`` command."""
    p = sub.add_parser(
        "predict",
        help="predictions of a model for a table, as CSV",
        description="Predict with a model file: one CSV row per input row with its id (the "
        "id column, or the row number counted from 0), the prediction (the "
        "original class label, or the value), and with --proba the probability "
        "of each class. A target column in the data is ignored.",
    )
    p.add_argument("model", metavar="MODEL", help="a model file written by 'layerwise train'")
    p.add_argument("data", metavar="DATA", help=_DATA_HELP)
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write the predictions here (.csv, .tsv or .parquet; default: stdout)",
    )
    p.add_argument("--proba", action="store_true", help="add a probability column per class")
    p.add_argument(
        "--id",
        metavar="COL",
        help="a column identifying the rows (default: the model's --id, else a column 'id', "
        "else the row number)",
    )
    add_drop_missing(p)
    p.set_defaults(func=cmd_predict)


def cmd_export(args: argparse.Namespace) -> int:
    """Write a model file as an ONNX graph that takes raw features (rows are examples)."""
    out = check_output_file(args.out, "OUT", [("MODEL", args.model)])
    net = load_model(args.model)
    from ..export.onnx import export_network

    export_network(net, out, opset=args.opset)
    pre = net.preprocessing
    outputs = "probabilities and label" if net.task != "regression" else "values"
    if pre is not None and pre.columns is not None:
        kinds = {"number": "float32", "boolean": "float32", "category": "string"}
        inputs = ", ".join(f"{printable(c.name)} {kinds[c.kind]}" for c in pre.columns[:4])
        more = f", ... ({len(pre.columns)} in all)" if len(pre.columns) > 4 else ""
        print(
            f'Wrote {out}: one input per column, [N, 1] each ({inputs}{more}; NaN or "" '
            f"= missing), encoded as in training; outputs {outputs} (opset {args.opset})"
        )
        return 0
    standardized = " with its standardization" if pre is not None else ""
    print(
        f"Wrote {out}: input X float32 [N, {net.layer_dims[0]}]{standardized}, outputs "
        f"{outputs} (opset {args.opset})"
    )
    return 0


def add_export(sub: Any) -> None:
    """Add the ``export`` command."""
    p = sub.add_parser(
        "export",
        help="write a model file as ONNX",
        description="Export a model file as a standard ONNX graph (Gemm and activation "
        "operators) that includes the stored preprocessing. A model trained on a table takes "
        "one input per column, named as the column, [N, 1]: float32 for numbers and booleans "
        '(NaN = missing), string for text ("" = missing), encoded as in training. A model '
        "without a column encoding takes X, float32 [N, n[0]], one example per row. The "
        "outputs are the probabilities (or values, in the target's units) [N, n[L]] and, for "
        "classifiers, the labels [N]. Needs the onnx extra.",
    )
    p.add_argument("model", metavar="MODEL", help="a model file written by 'layerwise train'")
    p.add_argument("out", metavar="OUT", help="the .onnx file to write (atomically)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset, 17 or later (default 17)")
    p.set_defaults(func=cmd_export)
