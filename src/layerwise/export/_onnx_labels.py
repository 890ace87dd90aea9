"""The label outputs of an ONNX graph (:func:`layerwise.export.onnx.export_network`): the
class of each row from its probabilities, and no label for a row whose input layerwise
refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._optional import require

if TYPE_CHECKING:  # pragma: no cover
    from ..model.network import Network

__all__ = ["labels"]


def _onnx() -> Any:
    return require("onnx", "onnx", "ONNX export")


def _classes_tensor(onnx: Any, classes: list[Any]) -> Any:
    """The class labels as a 1-D initializer, typed as :mod:`layerwise.export.onnx` documents."""
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


def labels(
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
