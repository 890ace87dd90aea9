"""ONNX export: a network, its preprocessing included, as a standard ONNX graph.

The graph takes raw features, as the model file's preprocessing expects them, and does in
ONNX operators what layerwise does in NumPy:

====================  ======================================================================
input ``X``           float32 [N, n[0]]: one example per **row**, as ONNX tabular models take
                      them (the transpose of the notes' A[0])
or one input per      for a model trained on a table (``net.preprocessing.columns``): each
column                named as its column, [N, 1]; float32 for numbers and booleans (NaN is
                      missing), string for text ("" is missing, and so is the text that
                      pandas reads as missing: ``NA``, ``null``, ``N/A``...). Numbers:
                      ``IsNaN`` and ``Where`` put the training median in place of a missing
                      value, ``Cast`` of the NaN mask is the missing indicator. Text:
                      ``LabelEncoder``
                      (ai.onnx.ml) maps each category to its feature's index (infrequent
                      and unseen ones to the infrequent feature, or to −1: all 0), ``Equal``
                      against 0..k−1 makes the one-hot rows. Dates: the input is float32
                      **days since 1970-01-01** (a fraction for the time of day, NaN is
                      missing), not text, since ONNX has no operator that parses a date;
                      ``Floor`` and ``Div`` give the year, the day of the year and the day
                      of the week by the civil-from-days arithmetic, exact for the years 1 to
                      9999. ``Concat`` joins them into the [N, n[0]] features, in the
                      model's order
standardize           ``Sub`` mean, ``Div`` scale (when ``net.preprocessing`` has them)
layer l               ``Gemm(A[l−1], W[l], b[l], transB=1)``: W[l] is stored as the notes'
                      (n[l], n[l−1]); with rows as examples Z[l]ᵀ = A[l−1]ᵀ W[l]ᵀ + b[l]ᵀ
g[l]                  ``Sigmoid``, ``Tanh``, ``Relu``, ``LeakyRelu(alpha=slope)``,
                      ``Identity``, ``Softmax(axis=-1)``
output                ``probabilities`` [N, n[L]] (sigmoid/softmax output) or ``values``
                      [N, n[L]] (any other output activation), in the target's units: ``Mul``
                      and ``Add`` undo a standardized regression target
labels                classifiers only, ``label``: ``ArgMax`` over the row (softmax) or
                      ``a > 0.5`` (sigmoid), then ``Gather`` from the original classes when
                      ``net.preprocessing.classes`` is set. Shape [N] (one sigmoid unit or
                      softmax); [N, n[L]] for several sigmoid units (multilabel)
====================  ======================================================================

The labels have the type of the classes: int64 for integers (and the plain class indices when
there are no classes), string for strings, double for floats, bool for booleans.

All arithmetic is float32; the network's dtype does not change the graph. The model's
``metadata_props`` keep the layer sizes, activations, feature names and classes as JSON.

Needs the ``onnx`` extra: ``pip install 'layerwise[onnx]'``.

Examples
--------
>>> import numpy as np
>>> import layerwise as lw
>>> net = lw.Network([3, 4, 2], hidden="tanh", output="softmax", seed=0)
>>> model = export_network(net)
>>> [node.op_type for node in model.graph.node]
['Gemm', 'Tanh', 'Gemm', 'Softmax', 'ArgMax']
>>> [output.name for output in model.graph.output]
['probabilities', 'label']
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

from ._optional import plain, require
from ._version import __version__
from .io import atomic_write_bytes

if TYPE_CHECKING:  # pragma: no cover
    from .encoding import ColumnEncoding
    from .network import Network

__all__ = ["export_network", "MIN_OPSET"]

#: Softmax over one axis (rather than over a flattened 2-D view) needs opset 13.
MIN_OPSET = 13

_OPS = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "Relu",
    "leaky_relu": "LeakyRelu",
    "linear": "Identity",
    "softmax": "Softmax",
}


def _onnx() -> Any:
    return require("onnx", "onnx", "ONNX export")


def _is_network(obj: Any) -> TypeGuard[Network]:
    # what a Network has (told apart without importing network, which imports this module
    # for Network.to_onnx): its layers and its description
    return callable(getattr(obj, "_describe", None)) and isinstance(
        getattr(obj, "layers", None), list
    )


def _network_of(net: Any) -> Network:
    """The Network itself, or the ``network_`` of a fitted layerwise estimator."""
    if _is_network(net):
        return net
    inner = getattr(net, "network_", None)
    if _is_network(inner):
        return inner
    if hasattr(net, "get_params") and inner is None:
        raise ValueError(
            f"{type(net).__name__} is not fitted yet: call fit before exporting it to ONNX"
        )
    raise TypeError(
        f"export_network needs a layerwise Network or a fitted NetworkClassifier/"
        f"NetworkRegressor; Received: {type(net).__name__}"
    )


def _classes_tensor(onnx: Any, classes: list[Any]) -> Any:
    """The class labels as a 1-D initializer, typed as documented in the module."""
    arr = np.asarray(classes)
    if arr.dtype.kind == "b":
        values = arr.astype(bool)
    elif arr.dtype.kind in "iu":
        values = arr.astype(np.int64)
    elif arr.dtype.kind == "f":
        values = arr.astype(np.float64)
    else:
        values = np.array([str(c) for c in classes], dtype=object)
    return onnx.numpy_helper.from_array(values, name="classes")


def export_network(net: Any, path: str | os.PathLike[str] | None = None, opset: int = 17) -> Any:
    """Build the ONNX graph of ``net`` (preprocessing included); write it to ``path`` if given.

    Parameters
    ----------
    net : Network, or a fitted NetworkClassifier / NetworkRegressor
        An estimator is exported through its ``network_``.
    path : str or path-like, optional
        Where to write the ``.onnx`` file (atomically).
    opset : int, default 17
        ONNX operator set of the default domain, at least 13.

    Returns
    -------
    onnx.ModelProto
        Input ``X`` float32 [N, n[0]], or one input per column [N, 1] (float32 or string) for
        a model trained on a table; outputs ``probabilities`` and ``label`` for a sigmoid or
        softmax output, ``values`` otherwise. Checked with ``onnx.checker.check_model``.

    Raises
    ------
    ValueError
        For an unsupported opset, stored classes that do not fit the output layer, or a
        column named as one of the graph's own values (``label``, ``W1``...).
    TypeError
        For anything that is not a Network or a layerwise estimator.
    """
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper

    network = _network_of(net)
    max_opset = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= max_opset:
        raise ValueError(
            f"opset must be an int from {MIN_OPSET} to {max_opset} (this onnx package's newest); "
            f"Received: opset={opset!r}"
        )
    dims = network.layer_dims
    pre = network.preprocessing
    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: Any) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name=name))
        return name

    A = "X"
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", dims[0]])]
    columns = None if pre is None else pre.columns
    invalid = None  # [N, 1] bool: rows whose input no column encoding takes
    if columns is not None:
        inputs, invalid = _column_inputs(columns, nodes, inits)
        A = "X_encoded"
    if pre is not None and pre.mean is not None and pre.scale is not None:
        # x := (x − mean) / scale, one statistic per feature (column of the rows)
        nodes.append(helper.make_node("Sub", [A, const("mean", pre.mean)], ["X_centered"]))
        nodes.append(helper.make_node("Div", ["X_centered", const("scale", pre.scale)], ["A0"]))
        A = "A0"
        if pre.clip is not None:
            # the smooth clip z / sqrt(1 + (z/c)²)
            nodes.append(helper.make_node("Div", [A, const("clip", pre.clip)], ["z_over_c"]))
            nodes.append(helper.make_node("Mul", ["z_over_c", "z_over_c"], ["z_over_c_sq"]))
            nodes.append(
                helper.make_node("Add", ["z_over_c_sq", const("clip_one", 1.0)], ["clip_den2"])
            )
            nodes.append(helper.make_node("Sqrt", ["clip_den2"], ["clip_den"]))
            nodes.append(helper.make_node("Div", [A, "clip_den"], ["A0_clipped"]))
            A = "A0_clipped"

    task = network.task
    L = network.L
    for layer in network.layers:
        l = layer.index
        g = layer.activation
        W = const(f"W{l}", layer.W)  # (n[l], n[l−1]), the notes' orientation
        b = const(f"b{l}", layer.b.reshape(-1))  # (n[l],), broadcast over the N rows
        # rows: Z[l]ᵀ = A[l−1]ᵀ W[l]ᵀ + b[l]ᵀ, shape [N, n[l]]
        nodes.append(helper.make_node("Gemm", [A, W, b], [f"Z{l}"], transB=1, name=f"layer{l}"))
        last = "values" if task == "regression" else "probabilities"
        scaled = task == "regression" and pre is not None and pre.target_scale is not None
        out = f"A{l}" if l < L else ("values_standardized" if scaled else last)
        attrs: dict[str, Any] = {}
        if g.name == "leaky_relu":
            attrs["alpha"] = float(g.get_config()["slope"])
        elif g.name == "softmax":
            attrs["axis"] = -1
        nodes.append(helper.make_node(_OPS[g.name], [f"Z{l}"], [out], name=f"g{l}", **attrs))
        A = out
    if A == "values_standardized":
        assert pre is not None
        # the network was trained on (y − mean) / sd: back to the target's units
        nodes.append(
            helper.make_node("Mul", [A, const("target_scale", pre.target_scale)], ["values_sd"])
        )
        nodes.append(
            helper.make_node(
                "Add", ["values_sd", const("target_mean", pre.target_mean)], ["values"]
            )
        )
        A = "values"

    if invalid is not None:
        # a row with an invalid input gets NaN outputs (and, below, no label)
        nodes[-1].output[0] = f"{A}_of_every_row"
        nodes.append(
            helper.make_node("Where", [invalid, const("lw_nan", np.nan), f"{A}_of_every_row"], [A])
        )
    nL = dims[-1]
    outputs = [helper.make_tensor_value_info(A, TensorProto.FLOAT, ["N", nL])]
    if task != "regression":
        outputs.append(_labels(network, nodes, inits, A, invalid))

    if columns is not None:
        _check_names(columns, nodes, inits)
    graph = helper.make_graph(
        nodes,
        "layerwise_network",
        inputs,
        outputs,
        initializer=inits,
        doc_string=f"layerwise network, layer_dims {dims}; rows of the inputs are examples",
    )
    opsets = [helper.make_opsetid("", opset)]
    if columns is not None:  # LabelEncoder's string keys and int64 values: ai.onnx.ml 2
        opsets.append(helper.make_opsetid("ai.onnx.ml", 2))
    model = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="layerwise",
        producer_version=__version__,
        doc_string=(
            "Raw features in (X, float32 [N, n[0]], or one input per column of the table); "
            "encoding, standardization, dense layers and activations as trained with "
            "layerwise."
        ),
    )
    # the oldest IR version that carries this opset: the widest choice of runtimes
    model.ir_version = helper.find_min_ir_version_for(opsets)
    meta = {
        "layer_dims": dims,
        "activations": [{"name": g.name, **g.get_config()} for g in network.activations],
        "feature_names": None if pre is None else pre.feature_names,
        "classes": None if pre is None or pre.classes is None else [plain(c) for c in pre.classes],
        "target": None if pre is None else pre.target,
        "columns": None if columns is None else [c.to_dict() for c in columns],
    }
    helper.set_model_props(model, {k: json.dumps(v, default=str) for k, v in meta.items()})
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        atomic_write_bytes(path, model.SerializeToString())
    return model


#: the text that pandas' read_csv takes as missing by default (its ``na_values``): the command
#: line reads these cells as missing, so the graph gives them what "" (missing) gets
NA_TEXT = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)


def _category_keys(column: ColumnEncoding) -> tuple[list[str], list[int], int]:
    """The LabelEncoder's string keys and feature indices of a category column, and its
    default (unseen values): the infrequent feature, or −1 (all 0).

    The missing value (None) is the key "", and every text of :data:`NA_TEXT` that is not a
    category of its own maps where "" does, as the command line (pandas) reads them.
    """
    rare = len(column.categories) if column.infrequent else -1
    index: dict[str, int] = {}
    for j, c in enumerate(column.categories):
        index["" if c is None else c] = j
    for c in column.infrequent:
        index["" if c is None else c] = rare
    missing = index.get("", rare)
    for text in NA_TEXT:
        index.setdefault(text, missing)
    return list(index), list(index.values()), rare


def _column_inputs(
    columns: list[ColumnEncoding], nodes: list[Any], inits: list[Any]
) -> tuple[list[Any], str | None]:
    """One graph input per column and the nodes that encode it as in training, joined by
    ``Concat`` into ``X_encoded`` [N, n[0]]; returns the inputs and the name of the [N, 1]
    mask of invalid rows (None without number or boolean columns).

    Invalid: inf or −inf in a number column, anything but 0, 1 and NaN (missing) in a boolean
    column; layerwise refuses such values, so the graph gives those rows no output."""
    from onnx import TensorProto, helper, numpy_helper

    inputs, pieces, invalid = [], [], []
    for i, column in enumerate(columns):
        name, t = column.name, f"lw_column{i}"
        if column.kind == "category":
            inputs.append(helper.make_tensor_value_info(name, TensorProto.STRING, ["N", 1]))
            # each category to the index of its feature; "" (and pandas' NA text) is the
            # missing value (None)
            keys, values, rare = _category_keys(column)
            nodes.append(
                helper.make_node(
                    "LabelEncoder",
                    [name],
                    [f"{t}_index"],
                    domain="ai.onnx.ml",
                    keys_strings=keys,
                    values_int64s=values,
                    default_int64=rare,  # unseen: the infrequent feature, or none (all 0)
                )
            )
            positions = numpy_helper.from_array(np.arange(column.width, dtype=np.int64), f"{t}_k")
            inits.append(positions)
            nodes.append(helper.make_node("Equal", [f"{t}_index", f"{t}_k"], [f"{t}_hot"]))
            nodes.append(helper.make_node("Cast", [f"{t}_hot"], [t], to=TensorProto.FLOAT))
            pieces.append(t)
            continue
        inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", 1]))
        fill = numpy_helper.from_array(np.array([column.fill], dtype=np.float32), f"{t}_fill")
        inits.append(fill)
        invalid.append(_invalid_values(column, name, t, nodes, inits))
        # a missing value (NaN) takes the training median; the indicator is the NaN mask
        nodes.append(helper.make_node("IsNaN", [name], [f"{t}_isnan"]))
        nodes.append(helper.make_node("Where", [f"{t}_isnan", f"{t}_fill", name], [t]))
        if column.kind == "date":
            pieces += _date_parts(column, t, nodes, inits)
        else:
            pieces.append(t)
        if column.indicator:
            nodes.append(
                helper.make_node("Cast", [f"{t}_isnan"], [f"{t}_missing"], to=TensorProto.FLOAT)
            )
            pieces.append(f"{t}_missing")
    nodes.append(helper.make_node("Concat", pieces, ["X_encoded"], axis=1))
    if not invalid:
        return inputs, None
    mask = invalid[0]
    for k, other in enumerate(invalid[1:]):
        nodes.append(helper.make_node("Or", [mask, other], [f"lw_invalid{k}"]))
        mask = f"lw_invalid{k}"
    return inputs, mask


def _invalid_values(
    column: ColumnEncoding, name: str, t: str, nodes: list[Any], inits: list[Any]
) -> str:
    """The [N, 1] bool mask of the values of a number or boolean column that layerwise
    refuses: inf and −inf (in a number or a date column, days since 1970-01-01); for a
    boolean column anything but 0, 1 and NaN."""
    from onnx import helper, numpy_helper

    if column.kind in ("number", "date"):
        nodes.append(helper.make_node("IsInf", [name], [f"{t}_invalid"]))
        return f"{t}_invalid"
    for v in (0, 1):
        inits.append(numpy_helper.from_array(np.array(v, np.float32), f"{t}_{v}"))
        nodes.append(helper.make_node("Equal", [name, f"{t}_{v}"], [f"{t}_is{v}"]))
    nodes.append(helper.make_node("Or", [f"{t}_is0", f"{t}_is1"], [f"{t}_01"]))
    nodes.append(helper.make_node("IsNaN", [name], [f"{t}_nan"]))
    nodes.append(helper.make_node("Or", [f"{t}_01", f"{t}_nan"], [f"{t}_valid"]))
    nodes.append(helper.make_node("Not", [f"{t}_valid"], [f"{t}_invalid"]))
    return f"{t}_invalid"


def _date_parts(column: ColumnEncoding, days: str, nodes: list[Any], inits: list[Any]) -> list[str]:
    """The four features of a date column from ``days`` [N, 1] (days since 1970-01-01, a
    missing one already filled in): the year, the day of the year and the day of the week
    by the civil-from-days arithmetic (H. Hinnant's ``civil_from_days``), in float32 with
    Floor and exact divisions (every value below 2^24), and the days since the origin.
    Returns the names of the four [N, 1] values."""
    from onnx import TensorProto, helper, numpy_helper

    count = iter(range(1_000))

    def const(value: float) -> str:
        name = f"{days}_c{next(count)}"
        inits.append(numpy_helper.from_array(np.array([value], dtype=np.float32), name))
        return name

    def op(kind: str, a: str, b: str | None = None, **attrs: Any) -> str:
        out = f"{days}_v{next(count)}"
        nodes.append(helper.make_node(kind, [a] if b is None else [a, b], [out], **attrs))
        return out

    def floor_div(a: str, b: float) -> str:
        return op("Floor", op("Div", a, const(b)))

    def year_days(yoe: str) -> str:  # 365 yoe + ⌊yoe/4⌋ − ⌊yoe/100⌋
        return op(
            "Sub", op("Add", op("Mul", yoe, const(365)), floor_div(yoe, 4)), floor_div(yoe, 100)
        )

    d = op("Floor", days)
    # the 400-year era of the day, counted from 0000-03-01, and the day in it
    z = op("Add", d, const(719_468))
    era = floor_div(z, 146_097)
    doe = op("Sub", z, op("Mul", era, const(146_097)))
    # yoe = ⌊(doe − ⌊doe/1460⌋ + ⌊doe/36524⌋ − ⌊doe/146096⌋) / 365⌋, the year of the era
    leaps = op(
        "Sub",
        op("Add", op("Sub", doe, floor_div(doe, 1460)), floor_div(doe, 36_524)),
        floor_div(doe, 146_096),
    )
    yoe = floor_div(leaps, 365)
    doy_march = op("Sub", doe, year_days(yoe))  # 0 on March 1
    month_march = floor_div(op("Add", op("Mul", doy_march, const(5)), const(2)), 153)
    january_or_february = op(
        "Cast", op("GreaterOrEqual", month_march, const(10)), to=TensorProto.FLOAT
    )
    year = op("Add", op("Add", yoe, op("Mul", era, const(400))), january_or_february)
    # day of the year: d − (1 January of that year) + 1, 1 January by days_from_civil
    before = op("Sub", year, const(1))
    era1 = floor_div(before, 400)
    yoe1 = op("Sub", before, op("Mul", era1, const(400)))
    doe1 = op("Add", year_days(yoe1), const(306))
    january_1 = op("Sub", op("Add", op("Mul", era1, const(146_097)), doe1), const(719_468))
    day_of_year = op("Add", op("Sub", d, january_1), const(1))
    # 1970-01-01 was a Thursday: Monday 0
    shifted = op("Add", d, const(3))
    day_of_week = op("Sub", shifted, op("Mul", floor_div(shifted, 7), const(7)))
    assert column.origin is not None
    since = op("Sub", days, const(column.origin))
    return [year, day_of_year, day_of_week, since]


def _check_names(columns: list[ColumnEncoding], nodes: list[Any], inits: list[Any]) -> None:
    """A column may not be named as a value the graph computes (its inputs are the columns)."""
    internal = {i.name for i in inits} | {out for node in nodes for out in node.output}
    for column in columns:
        if column.name in internal:
            raise ValueError(
                f"column {column.name!r} has the name of a value inside the ONNX graph; rename "
                f"the column (and train again) to export this model"
            )


def _labels(
    network: Network, nodes: list[Any], inits: list[Any], P: str, invalid: str | None = None
) -> Any:
    """Append the label nodes for probabilities ``P`` [N, n[L]]; return the output's info.

    Rows of the [N, 1] mask ``invalid`` get no label: −1 for integer labels, "" for strings,
    NaN for floats; for True/False classes, whose type has no such value, the graph fails
    at run time with such a row (a Reshape to a size that does not fit)."""
    onnx = _onnx()
    from onnx import TensorProto, helper

    nL = network.layer_dims[-1]
    pre = network.preprocessing
    classes = None if pre is None else pre.classes
    multiclass = network.task == "multiclass"
    expected = nL if multiclass else 2
    if classes is not None and len(classes) != expected:
        need = "one per unit" if multiclass else "[negative, positive]"
        raise ValueError(
            f"net.preprocessing.classes has {len(classes)} labels but a {network.task} output "
            f"of n[L] = {nL} units needs {expected} ({need})"
        )
    # without classes the class indices are the labels, as Network.predict returns them
    index = "label" if classes is None else "index"
    shape: list[Any] = ["N"]
    if multiclass:
        # the row of the largest probability: the notes' argmax over a column
        nodes.append(helper.make_node("ArgMax", [P], [index], axis=1, keepdims=0))
    else:
        # 1 where a > 0.5, as Network.predict
        inits.append(onnx.numpy_helper.from_array(np.array(0.5, np.float32), name="half"))
        nodes.append(helper.make_node("Greater", [P, "half"], ["positive"]))
        if nL == 1:
            nodes.append(helper.make_node("Cast", ["positive"], ["index_2d"], to=TensorProto.INT64))
            inits.append(onnx.numpy_helper.from_array(np.array([-1], np.int64), name="rows"))
            nodes.append(helper.make_node("Reshape", ["index_2d", "rows"], [index]))
        else:  # several sigmoid units (multilabel): one 0/1 label per unit
            nodes.append(helper.make_node("Cast", ["positive"], [index], to=TensorProto.INT64))
            shape = ["N", nL]
    if classes is None:
        label_type = TensorProto.INT64
    else:
        table = _classes_tensor(onnx, list(classes))
        inits.append(table)
        nodes.append(helper.make_node("Gather", ["classes", index], ["label"], axis=0))
        label_type = table.data_type
    if invalid is not None:
        _no_label_for(invalid, label_type, len(shape), nodes, inits)
    return helper.make_tensor_value_info("label", label_type, shape)


def _no_label_for(
    invalid: str, label_type: int, ndim: int, nodes: list[Any], inits: list[Any]
) -> None:
    """Replace the labels of the rows of ``invalid`` [N, 1] by no label (see :func:`_labels`);
    the node that made ``label`` now makes ``label_of_every_row``."""
    from onnx import TensorProto, helper, numpy_helper

    producer = next(node for node in reversed(nodes) if "label" in node.output)
    producer.output[list(producer.output).index("label")] = "label_of_every_row"
    rows = invalid
    if ndim == 1:  # labels [N]: the mask as [N]
        inits.append(numpy_helper.from_array(np.array([-1], np.int64), "lw_invalid_shape"))
        nodes.append(helper.make_node("Reshape", [invalid, "lw_invalid_shape"], ["lw_rows"]))
        rows = "lw_rows"
    if label_type == TensorProto.BOOL:
        # no "no label" among True/False: a row of invalid input makes the graph fail, by
        # reshaping the N labels to N + (number of invalid rows) elements
        nodes.append(helper.make_node("Cast", [rows], ["lw_rows64"], to=TensorProto.INT64))
        nodes.append(helper.make_node("ReduceSum", ["lw_rows64"], ["lw_n_invalid"], keepdims=0))
        nodes.append(helper.make_node("Shape", ["label_of_every_row"], ["lw_label_shape"]))
        nodes.append(helper.make_node("Size", ["label_of_every_row"], ["lw_n_labels"]))
        inits.append(numpy_helper.from_array(np.array([1], np.int64), "lw_one"))
        nodes.append(helper.make_node("Reshape", ["lw_n_labels", "lw_one"], ["lw_n_labels1"]))
        nodes.append(helper.make_node("Add", ["lw_n_labels1", "lw_n_invalid"], ["lw_need"]))
        nodes.append(helper.make_node("Reshape", ["label_of_every_row", "lw_need"], ["lw_checked"]))
        nodes.append(helper.make_node("Reshape", ["lw_checked", "lw_label_shape"], ["label"]))
        return
    nones: dict[int, np.ndarray] = {
        int(TensorProto.INT64): np.array(-1, np.int64),
        int(TensorProto.STRING): np.array("", dtype=object),
        int(TensorProto.DOUBLE): np.array(np.nan, np.float64),
    }
    inits.append(numpy_helper.from_array(nones[int(label_type)], "lw_no_label"))
    nodes.append(helper.make_node("Where", [rows, "lw_no_label", "label_of_every_row"], ["label"]))
