"""One run of the playground: the data, its inputs, the held-out split and the network that
some settings make, with what the page needs to draw them.

A run is made at epoch 0 (a reset, or a change of the data or the network's structure) and
then trained; its network is the one the page shows and the downloads hand out.
"""

from __future__ import annotations

import warnings
from typing import Any

from .._typing import Array
from ..core import datasets
from ..model.network import Network
from . import frames
from .data import OUTPUTS, TASKS, data_call, inputs, make_data, split_data
from .settings import Settings
from .upload import Table

__all__ = ["Run"]


class Run:
    """The data, split and network of ``settings`` (with ``table``, one's own data, when
    the data set is "upload").

    Attributes
    ----------
    X : ndarray of shape (2, m)
        The points of the plane.
    A0 : ndarray of shape (n[0], m)
        The network's inputs: the chosen features of X.
    Y : ndarray of shape (n[L], m)
        The targets as the network takes them (one-hot for several classes).
    labels : ndarray of shape (1, m)
        The class index or the regression target of each point.
    task : str
        binary, multiclass or regression.
    """

    def __init__(self, settings: Settings, number: int, table: Table | None = None) -> None:
        s = self.settings = settings
        self.number = number
        self.classes: list[str] = []
        if s.dataset == "upload":
            if table is None:
                raise ValueError("the data set 'upload' needs a CSV file; choose one first")
            self.X, self.labels, self.task, self.classes = table.select(s.columns, s.label)
        else:
            self.X, self.labels = make_data(s)
            self.task = TASKS[s.dataset]
        if self.task != "regression" and not self.classes:
            self.classes = [str(k) for k in range(int(self.labels.max()) + 1)]
        K = len(self.classes)
        if self.task == "multiclass":
            self.Y = datasets.one_hot(self.labels, K)
        else:
            self.Y = self.labels
        self.A0 = inputs(self.X, s.features)
        m = self.X.shape[1]
        train, val, self.held_out = split_data(m, s.validation, s.seed)
        self.n_val = len(val)
        self.train = (self.A0[:, train], self.Y[:, train])
        self.validation = (self.A0[:, val], self.Y[:, val]) if self.n_val else None
        self.notes: list[str] = []
        if s.init == "zeros" and s.hidden:
            # the library warns of the symmetry that zero weights keep; the page says it
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.net = self.network()
            self.notes += [str(w.message) for w in caught]
        else:
            self.net = self.network()
        self.curve = frames.Curve(self.net.L)
        self.box = frames.extent(self.X)
        self.grid = inputs(frames.plane_grid(self.box), s.features)
        low, high = float(self.labels.min()), float(self.labels.max())
        #: the range of the colour scale of a regression's values
        self.value_range = (low, high if high > low else low + 1.0)

    @property
    def layer_dims(self) -> list[int]:
        s = self.settings
        return [len(s.features), *s.hidden, self.Y.shape[0]]

    def network(self) -> Network:
        """The network of the settings at epoch 0 (the same weights for the same seed)."""
        s = self.settings
        g = OUTPUTS[self.task]
        return Network(self.layer_dims, hidden=s.activation, output=g, init=s.init, seed=s.seed)

    def data_source(self) -> str:
        """How the data is made (or read), for the model file's metadata."""
        s = self.settings
        if s.dataset == "upload":
            return (
                f"layerwise.playground.upload.load_csv(<one's own CSV file>, "
                f"columns={list(s.columns)!r}, label={s.label!r})"
            )
        return data_call(s)

    def _colour_values(self) -> Array:
        """Each point's colour: its class, or its value on the scale as a byte."""
        if self.task != "regression":
            return self.labels[0]
        return frames.quantize(self.labels[0], self.value_range)

    def reset_message(self, max_epochs: int) -> dict[str, Any]:
        """What the page needs to draw this run at epoch 0."""
        s, net = self.settings, self.net
        m = self.X.shape[1]
        unit_grid = frames.GRID // frames.UNIT_STRIDE
        small = inputs(frames.plane_grid(self.box, unit_grid), s.features)
        return {
            "type": "reset",
            "run": self.number,
            "settings": s.to_json(),
            "data": self.data_source(),
            "task": self.task,
            "classes": self.classes,
            "value_range": self.value_range,
            "layer_dims": net.layer_dims,
            "activations": [g.name for g in net.activations],
            "features": list(s.features),
            "input_maps": frames.input_maps(small),
            "points": frames.points(self.X, self._colour_values(), self.held_out),
            "m": m,
            "m_train": m - self.n_val,
            "extent": self.box,
            "grid": frames.GRID,
            "unit_grid": unit_grid,
            "max_epochs": max_epochs,
        }

    def frame(self) -> dict[str, Any]:
        """What the network computes now (see :func:`frames.frame`)."""
        return frames.frame(
            self.net, self.grid, self.curve, self.train, self.validation, self.value_range
        )

    def edit(self, param: str, l: int, i: int, j: int, value: float) -> None:
        """Set W[l]_ij (or b[l]_i) of the network to ``value``; ValueError naming the
        network's sizes when there is no such weight."""
        dims = self.net.layer_dims
        L = len(dims) - 1
        if not 1 <= l <= L:
            raise ValueError(f"there is no layer {l}: the network has layers 1 to {L}")
        if not 1 <= i <= dims[l]:
            raise ValueError(f"layer {l} has units 1 to {dims[l]}; got unit {i}")
        if param == "W" and not 1 <= j <= dims[l - 1]:
            raise ValueError(f"W[{l}] has columns 1 to {dims[l - 1]} (n[{l - 1}]); got {j}")
        layer = self.net.layer(l)
        if param == "W":
            layer.W[i - 1, j - 1] = value
        else:
            layer.b[i - 1, 0] = value
