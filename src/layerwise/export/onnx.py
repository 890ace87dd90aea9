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

from .._optional import plain, require
from .._version import __version__
from ..model.io import atomic_write_bytes
from ._onnx_labels import labels

if TYPE_CHECKING:  # pragma: no cover
    from ..features.encoding import ColumnEncoding
    from ..model.network import Network

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
        A = _standardize_nodes(pre, A, nodes, const)
    A = _layer_nodes(network, A, nodes, const)
    task = network.task
    if invalid is not None:
        # a row with an invalid input gets NaN outputs (and, below, no label)
        nodes[-1].output[0] = f"{A}_of_every_row"
        nodes.append(
            helper.make_node("Where", [invalid, const("lw_nan", np.nan), f"{A}_of_every_row"], [A])
        )
    nL = dims[-1]
    outputs = [helper.make_tensor_value_info(A, TensorProto.FLOAT, ["N", nL])]
    if task != "regression":
        outputs.append(labels(network, nodes, inits, A, invalid))

    if columns is not None:
        _check_names(columns, nodes, inits)
    model = _model(network, opset, nodes, inits, inputs, outputs)
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        atomic_write_bytes(path, model.SerializeToString())
    return model


def _model(
    network: Network, opset: int, nodes: list[Any], inits: list[Any], inputs: Any, outputs: Any
) -> Any:
    """The ModelProto of the graph, with its opsets and the model's metadata as JSON."""
    from onnx import helper

    dims = network.layer_dims
    pre = network.preprocessing
    columns = None if pre is None else pre.columns
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
    return model


def _standardize_nodes(pre: Any, A: str, nodes: list[Any], const: Any) -> str:
    """x := (x − mean) / scale, one statistic per feature (column of the rows), then the
    smooth clip when the preprocessing has one; returns the name of A[0]."""
    from onnx import helper

    nodes.append(helper.make_node("Sub", [A, const("mean", pre.mean)], ["X_centered"]))
    nodes.append(helper.make_node("Div", ["X_centered", const("scale", pre.scale)], ["A0"]))
    if pre.clip is None:
        return "A0"
    # the smooth clip z / sqrt(1 + (z/c)²)
    nodes.append(helper.make_node("Div", ["A0", const("clip", pre.clip)], ["z_over_c"]))
    nodes.append(helper.make_node("Mul", ["z_over_c", "z_over_c"], ["z_over_c_sq"]))
    nodes.append(helper.make_node("Add", ["z_over_c_sq", const("clip_one", 1.0)], ["clip_den2"]))
    nodes.append(helper.make_node("Sqrt", ["clip_den2"], ["clip_den"]))
    nodes.append(helper.make_node("Div", ["A0", "clip_den"], ["A0_clipped"]))
    return "A0_clipped"


def _layer_nodes(network: Network, A: str, nodes: list[Any], const: Any) -> str:
    """The dense layers and their activations from A[0] ``A``, and a standardized regression
    target mapped back to its units; returns the name of the output."""
    from onnx import helper

    pre = network.preprocessing
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
    return A


def _column_inputs(
    columns: list[ColumnEncoding], nodes: list[Any], inits: list[Any]
) -> tuple[list[Any], str | None]:
    """One graph input per column and the nodes that encode it as in training (each kind's
    own, :meth:`layerwise.tables.kinds.Kind.onnx_nodes`), joined by ``Concat`` into
    ``X_encoded`` [N, n[0]]; returns the inputs and the name of the [N, 1] mask of invalid
    rows (None without number, boolean or date columns).

    Invalid: inf or −inf in a number or date column, anything but 0, 1 and NaN (missing) in
    a boolean column; layerwise refuses such values, so the graph gives those rows no output."""
    from onnx import helper

    from ..tables.kinds import KINDS

    inputs, pieces, invalid = [], [], []
    for i, column in enumerate(columns):
        info, features, mask = KINDS[column.kind].onnx_nodes(column, f"lw_column{i}", nodes, inits)
        inputs.append(info)
        pieces += features
        if mask is not None:
            invalid.append(mask)
    nodes.append(helper.make_node("Concat", pieces, ["X_encoded"], axis=1))
    if not invalid:
        return inputs, None
    mask = invalid[0]
    for k, other in enumerate(invalid[1:]):
        nodes.append(helper.make_node("Or", [mask, other], [f"lw_invalid{k}"]))
        mask = f"lw_invalid{k}"
    return inputs, mask


def _check_names(columns: list[ColumnEncoding], nodes: list[Any], inits: list[Any]) -> None:
    """A column may not be named as a value the graph computes (its inputs are the columns)."""
    internal = {i.name for i in inits} | {out for node in nodes for out in node.output}
    for column in columns:
        if column.name in internal:
            raise ValueError(
                f"column {column.name!r} has the name of a value inside the ONNX graph; rename "
                f"the column (and train again) to export this model"
            )
