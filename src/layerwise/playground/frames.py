"""What the page draws, computed from a :class:`~layerwise.Network` and packed small.

A frame is a JSON object. Its arrays travel as base64 of little-endian bytes, which the page
reads into typed arrays without parsing numbers:

- the decision boundary: A[L] on a ``GRID`` × ``GRID`` grid over the input plane, each
  probability quantized to a byte (0 → 0.0, 255 → 1.0); for several classes, the class of
  largest probability and that probability (``confidence``), a byte each; for a regression,
  the output on the colour scale of the targets' range (0 → the lowest, 255 → the highest);
- each unit's output A[l]_j on every other point of that grid, quantized to a byte
  around 128 (128 → 0, 255 → +s, 1 → −s, where s = max(1, max |A[l]_j|) travels too), and
  the range of A[l]_j over the plane (the output layer's units come last);
- W[l] and b[l] as float32, so that a clicked unit shows its row of W[l] and its b[l];
- the cost, validation cost and ‖dW[l]‖ curves, thinned by :class:`Curve`, as float32.

The grid's row 0 is the top of the plane (the largest x2), column 0 its left (the smallest x1).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._typing import Array
from ..core.propagation import forward
from ..model.network import Network

__all__ = [
    "GRID",
    "UNIT_STRIDE",
    "Curve",
    "extent",
    "plane_grid",
    "pack",
    "quantize",
    "input_maps",
    "points",
    "plane_maps",
    "weights",
    "frame",
]

#: the boundary's heat map has GRID × GRID points
GRID = 64
#: hidden units are drawn on every UNIT_STRIDE-th point of that grid
UNIT_STRIDE = 2


def pack(values: ArrayLike, dtype: str) -> str:
    """``values`` as base64 of little-endian ``dtype`` ("u1", "f4" or "i4") bytes."""
    with np.errstate(over="ignore"):  # an exploding ‖dW[l]‖ beyond float32 is shown as inf
        data = np.ascontiguousarray(values, dtype=f"<{dtype}").tobytes()
    return base64.b64encode(data).decode()


def extent(X: Array, margin: float = 0.1) -> tuple[float, float, float, float]:
    """(x1_min, x1_max, x2_min, x2_max): a square around the examples X (2, m), with
    ``margin`` of its side added all round, so that the page draws the plane unstretched."""
    low, high = X.min(axis=1), X.max(axis=1)
    center = (low + high) / 2
    half = max(float((high - low).max()) / 2, 1e-3) * (1 + 2 * margin)
    return (
        float(center[0] - half),
        float(center[0] + half),
        float(center[1] - half),
        float(center[1] + half),
    )


def plane_grid(box: Sequence[float], n: int = GRID) -> Array:
    """The grid's points as columns, X (2, n·n), row by row from the top of ``box``."""
    x1 = np.linspace(box[0], box[1], n)
    x2 = np.linspace(box[3], box[2], n)  # top row first
    G1, G2 = np.meshgrid(x1, x2)
    return np.stack([G1.ravel(), G2.ravel()])


def quantize(values: Array, value_range: Sequence[float]) -> Array:
    """``values`` on the colour scale of ``value_range`` (low, high): bytes 0 to 255."""
    low, high = value_range
    with np.errstate(all="ignore"):
        t = np.nan_to_num((np.asarray(values) - low) / (high - low), nan=0.5)
    return np.rint(np.clip(t, 0.0, 1.0) * 255)


def _unit_bytes(A: Array) -> tuple[list[str], list[float]]:
    """Each row of A (units, n, n) quantized around 128 with its scale s."""
    s = np.maximum(np.abs(A).max(axis=(1, 2)), 1.0)
    q = np.rint(A / s[:, None, None] * 127) + 128
    return [pack(unit, "u1") for unit in q], [float(v) for v in s]


def input_maps(A0: Array) -> dict[str, Any]:
    """Each input (a row of A[0] (n[0], n·n) on a grid of the plane) as a unit's map."""
    n = round(math.sqrt(A0.shape[1]))
    maps, scales = _unit_bytes(A0.reshape(-1, n, n))
    return {"maps": maps, "scale": scales}


def points(X: Array, y: ArrayLike, validation: ArrayLike) -> dict[str, str]:
    """The examples X (2, m), their colours y (m,): the class, or the value on the colour
    scale, a byte each, and which are held out (m,), packed."""
    return {
        "x1": pack(X[0], "f4"),
        "x2": pack(X[1], "f4"),
        "y": pack(y, "u1"),
        "validation": pack(validation, "u1"),
    }


def plane_maps(net: Network, G: Array, value_range: Sequence[float] = (0.0, 1.0)) -> dict[str, Any]:
    """The boundary and every unit's map on the grid points G (n[0], GRID²): the inputs of
    the points of the plane (see :func:`plane_grid`).

    Returns
    -------
    dict
        ``boundary``: A[L] quantized (GRID², bytes): the probability of class 1, the class
        of largest probability (with ``confidence``, its probability) or the output on the
        scale of ``value_range``; ``units``: for each hidden layer l, a list of its units'
        quantized maps ((GRID / UNIT_STRIDE)², bytes); ``unit_scale``: s of each hidden
        unit; ``output_units``: the output units' maps, likewise; ``unit_range``: [min, max]
        of each unit's A[l]_j over the plane, for l = 1..L.
    """
    n = round(math.sqrt(G.shape[1]))
    out: dict[str, Any] = {}
    # large weights (a high learning rate) overflow on the way to a saturated unit: the maps
    # show the saturation, and the training loop reports the divergence itself
    with np.errstate(all="ignore"):
        AL, caches = forward(G, net.params, net.activations)
        output = net.activations[-1].name
        if output == "softmax":
            p = np.nan_to_num(AL, nan=0.0)
            out["boundary"] = pack(p.argmax(axis=0), "u1")
            out["confidence"] = pack(np.rint(np.clip(p.max(axis=0), 0.0, 1.0) * 255), "u1")
        elif output == "linear":
            out["boundary"] = pack(quantize(AL[0], value_range), "u1")
        else:
            p = np.nan_to_num(AL[0], nan=0.5, posinf=1.0, neginf=0.0)
            out["boundary"] = pack(np.rint(np.clip(p, 0.0, 1.0) * 255), "u1")
        units, scales, ranges = [], [], []
        for cache in caches:  # the layers l = 1..L
            A = np.nan_to_num(cache.A, posinf=1e30, neginf=-1e30)
            ranges.append([[float(lo), float(hi)] for lo, hi in zip(A.min(1), A.max(1))])
            maps, s = _unit_bytes(A.reshape(-1, n, n)[:, ::UNIT_STRIDE, ::UNIT_STRIDE])
            units.append(maps)
            scales.append(s)
    return {
        **out,
        "units": units[:-1],
        "unit_scale": scales[:-1],
        "output_units": units[-1],
        "unit_range": ranges,
    }


def weights(net: Network) -> dict[str, list[str]]:
    """W[l] (row by row) and b[l] of every layer, packed as float32."""
    return {
        "W": [pack(layer.W, "f4") for layer in net.layers],
        "b": [pack(layer.b, "f4") for layer in net.layers],
    }


def frame(
    net: Network,
    G: Array,
    curve: Curve,
    train: tuple[Array, Array],
    validation: tuple[Array, Array] | None,
    value_range: Sequence[float] = (0.0, 1.0),
) -> dict[str, Any]:
    """Everything the page draws of ``net`` now: the cost and accuracy (R² for a
    regression) on the training and held-out examples (after the last epoch's updates), the
    maps on the grid G, the weights and the curves."""
    # a network on its way to diverging may overflow here; the training loop says so
    with np.errstate(all="ignore"):
        on_train = net.evaluate(*train)
        on_val = net.evaluate(*validation) if validation is not None else {}
    return {
        "cost": on_train["cost"],
        "accuracy": _finite(on_train.get("accuracy")),
        "r2": _finite(on_train.get("r2")),
        "val_cost": on_val.get("cost"),
        "val_accuracy": _finite(on_val.get("accuracy")),
        "val_r2": _finite(on_val.get("r2")),
        "curve": curve.to_json(),
        **plane_maps(net, G, value_range),
        **weights(net),
    }


def _finite(value: float | None) -> float | None:
    """``value``, or None where JSON has no number for it (NaN, ±inf)."""
    return None if value is None or not math.isfinite(value) else float(value)


class Curve:
    """The per-epoch cost, validation cost and ‖dW[l]‖, kept to at most ``2 · size`` samples:
    when full, every other sample goes and the stride between kept epochs doubles, so a long
    run keeps its whole shape in a bounded frame. The first epoch stays, where the curve
    starts."""

    def __init__(self, L: int, size: int = 256) -> None:
        self.size = size
        self.stride = 1
        self.epoch: list[int] = []
        self.cost: list[float] = []
        self.val_cost: list[float] = []
        self.grad: list[list[float]] = [[] for _ in range(L)]
        #: the latest epoch and its (cost, val_cost, norms), kept or not
        self.last: tuple[int, tuple[float, float, list[float]]] | None = None

    def record(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Keep epoch ``epoch``'s logs (``cost``, ``val_cost``, ``grad_norm_dW1``...) when it
        falls on the stride; the latest epoch is shown in any case."""
        sample = (
            logs["cost"],
            logs.get("val_cost", math.nan),
            [logs.get(f"grad_norm_dW{l}", math.nan) for l in range(1, len(self.grad) + 1)],
        )
        self.last = (epoch, sample)
        if epoch % self.stride and self.epoch:
            return  # between strides (the first epoch is always kept: the curve's start)
        self.epoch.append(epoch)
        self.cost.append(sample[0])
        self.val_cost.append(sample[1])
        for series, norm in zip(self.grad, sample[2]):
            series.append(norm)
        if len(self.epoch) >= 2 * self.size:
            self.stride *= 2
            keep = [i for i, e in enumerate(self.epoch) if i == 0 or e % self.stride == 0]
            self.epoch[:] = [self.epoch[i] for i in keep]
            for series in (self.cost, self.val_cost, *self.grad):
                series[:] = [series[i] for i in keep]

    def to_json(self) -> dict[str, Any]:
        epoch, cost, val_cost, grad = self.epoch, self.cost, self.val_cost, self.grad
        if self.last is not None and (not epoch or self.last[0] > epoch[-1]):
            e, (c, v, norms) = self.last  # the newest epoch, between two kept ones
            epoch, cost, val_cost = [*epoch, e], [*cost, c], [*val_cost, v]
            grad = [[*series, g] for series, g in zip(grad, norms)]
        return {
            "epoch": pack(epoch, "i4"),
            "cost": pack(cost, "f4"),
            "val_cost": pack(val_cost, "f4"),
            "grad": [pack(series, "f4") for series in grad],
        }
