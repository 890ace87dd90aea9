"""The live training view: a callback that redraws the cost curve (and, for 2-feature
classification data, the decision boundary) in place in a notebook while ``fit`` runs.

It shows one output and replaces it (IPython's ``display(..., display_id=True)`` and the
handle's ``update``), which JupyterLab, the classic Notebook and VS Code all support. Drawing
is throttled by time, not by epochs. Two rules, the sooner of the two wins, and no redraw comes
less than ``interval`` seconds after the one before:

- the budget: the time spent drawing, the next frame included, is at most ``budget`` (2 %) of
  the time since training began (on a long run, the frames spread out to keep to it);
- at least once a second (``every``), however short the run, so that a run of a few seconds
  shows its boundary forming; this rule gives way when the drawing would then take more than
  :data:`CEILING` (5 %) of the time since training began, or more than :data:`GRACE` seconds
  beyond the budget in all (so that on a long run, even with slow frames, the budget holds).

So the view costs under 5 % of the training time however fast or slow each epoch and each
redraw is. The pictures are an SVG and a small PNG written with NumPy and zlib alone
(``layerwise.views._pictures``): matplotlib is not needed.

Labels may be class ids (0/1 or 0..k−1), texts (each distinct text gets a colour, in sorted
order, as the estimators number their classes) or one-hot columns (k, m).

Examples
--------
>>> import layerwise as lw
>>> from layerwise.views.live import LiveView
>>> shown = []
>>> class Handle:
...     def update(self, obj):
...         shown.append(obj)
>>> def display(obj, display_id=True):
...     shown.append(obj)
...     return Handle()
>>> X, Y = lw.datasets.planar(n_per_class=40)
>>> net = lw.Network([2, 4, 1], hidden="tanh", seed=1)
>>> history = net.fit(X, Y, epochs=30, learning_rate=1.2,
...                   callbacks=[LiveView(X, Y, display=display)])
>>> "<svg" in shown[-1]._repr_html_()
True
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _optional
from .._typing import Array
from ..training.history import shown
from ._pictures import boundary_png, class_ids, cost_svg

if TYPE_CHECKING:  # pragma: no cover
    from ..model.network import Network

__all__ = ["LiveView", "CEILING", "GRACE"]

#: the largest share of the time since training began that drawing may take for the sake of
#: one frame a second (the budget rule alone keeps to ``budget``)
CEILING = 0.05
#: the most seconds of drawing, in all, that one frame a second may take beyond the budget
GRACE = 0.5

#: the clock of the throttle (a test puts a fake one here)
_clock = time.perf_counter


class _View:
    """One frame of the view: HTML for a notebook, a line of text for a terminal."""

    def __init__(self, html_text: str, text: str) -> None:
        self.html = html_text
        self.text = text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


class LiveView:
    """Redraw the cost curve, in place, while training runs in a notebook.

    Parameters
    ----------
    X : ndarray of shape (2, m), optional
        With Y and a sigmoid or softmax output, the view also shows the decision boundary
        over these examples (only for two features).
    Y : ndarray of shape (1, m) or (k, m), optional
        The labels of X's examples: class ids (or 0/1), texts, or one-hot columns.
    interval : float
        Least number of seconds between two redraws.
    every : float
        Most seconds between two redraws (1: once a second), while drawing takes under
        :data:`CEILING` of the time since training began.
    budget : float
        Largest share of the training time the redraws may take (0.02: 2 %, which leaves
        room for the per-epoch bookkeeping and uneven frames within 5 %).
    display : callable, optional
        ``display(obj, display_id=True) -> handle`` with ``handle.update(obj)``; by default
        IPython's (``pip install 'layerwise[notebook]'``).

    Attributes
    ----------
    cost, val_cost : list of float
        What the view has received so far.
    updates : int
        Frames shown (the first one included).
    Y : ndarray of int, shape (1, m), or None
        The class id of each example (its colour).
    classes : ndarray or None
        For text labels, the distinct texts, which ``Y`` indexes; None for class ids.
    """

    def __init__(
        self,
        X: Array | None = None,
        Y: Array | None = None,
        *,
        interval: float = 0.25,
        every: float = 1.0,
        budget: float = 0.02,
        display: Callable[..., Any] | None = None,
    ) -> None:
        if not (isinstance(interval, (int, float)) and interval >= 0):
            raise ValueError(f"interval must be a number of seconds >= 0; Received: {interval!r}")
        if not (isinstance(every, (int, float)) and every > 0 and every >= interval):
            raise ValueError(
                f"every must be a number of seconds > 0 and >= interval ({interval!r}); "
                f"Received: {every!r}"
            )
        if not (isinstance(budget, (int, float)) and 0 < budget < 1):
            raise ValueError(f"budget must be a share between 0 and 1; Received: {budget!r}")
        if (X is None) != (Y is None):
            raise ValueError("give X and Y together (for the decision boundary), or neither")
        self.X = None if X is None else np.asarray(X, dtype=float)
        self.classes: Array | None = None
        self.Y: Array | None = None
        if self.X is not None and Y is not None:
            self.Y, self.classes = class_ids(Y, m=self.X.shape[-1] if self.X.ndim else 0)
            if self.X.ndim != 2 or self.X.shape[1] != self.Y.shape[1]:
                raise ValueError(
                    f"X must be (n[0], m) with one column per label of Y; Received X of shape "
                    f"{self.X.shape} and {self.Y.shape[1]} labels"
                )
        self.interval = float(interval)
        self.every = float(every)
        self.budget = float(budget)
        self._display = display
        self._handle: Any = None
        self._network: Network | None = None
        self._next = self._start = self._spent = 0.0
        self._logs: dict[str, float] = {}
        self.cost: list[float] = []
        self.val_cost: list[float] = []
        self.updates = 0

    def on_train_begin(self, network: Network) -> None:
        display = self._display
        if display is None:
            display = _optional.require("IPython.display", "notebook", "the live view").display
        self._network = network
        self.cost, self.val_cost = [], []
        self._start = _clock()
        # the first frame shows the starting point (the boundary of the initial weights) and
        # tells how long a frame takes
        self._handle = display(self._frame(None, {}, final=False), display_id=True)
        self.updates = 1
        self._spent = 0.0
        self._schedule(self._start, _clock())

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        self._logs = logs
        self.cost.append(logs["cost"])
        if "val_cost" in logs:
            self.val_cost.append(logs["val_cost"])
        if _clock() >= self._next:
            self._draw(epoch, logs)
        return None

    def on_train_end(self) -> None:
        if self.cost:
            self._draw(len(self.cost) - 1, self._logs, final=True)

    def _draw(self, epoch: int, logs: dict[str, float], final: bool = False) -> None:
        start = _clock()
        self._handle.update(self._frame(epoch, logs, final))
        self.updates += 1
        self._schedule(start, _clock())

    def _schedule(self, start: float, end: float) -> None:
        took = end - start
        self._spent += took
        # the budget: the next frame waits until the time spent drawing, with that frame and
        # the last one at the end of training (each guessed to take as long as this one), is
        # at most `budget` of the time since training began
        by_budget = self._start + (self._spent + 2.0 * took) / self.budget
        # once every `every` seconds however short the run, unless the drawing, with the next
        # frame and the last, would then pass CEILING of the time since training began, or
        # the budget by more than GRACE seconds
        by_clock = max(
            end + self.every,
            self._start + (self._spent + 2.0 * took) / CEILING,
            self._start + (self._spent + 2.0 * took - GRACE) / self.budget,
        )
        self._next = max(end + self.interval, min(by_budget, by_clock))

    def _frame(self, epoch: int | None, logs: dict[str, float], final: bool) -> _View:
        state = "done" if final else "training"
        figures = ", ".join(f"{k} {v:.4g}" for k, v in shown(logs).items())
        text = "starting" if epoch is None else f"epoch {epoch} ({state}): {figures}"
        parts = []
        if self.cost:
            title = f"Cost per epoch ({state})"
            parts.append(cost_svg(self.cost, self.val_cost or None, title=title))
        net = self._network
        if (
            self.X is not None
            and self.X.shape[0] == 2
            and net is not None
            and net.activations[-1].name in ("sigmoid", "softmax")
        ):
            parts.append(boundary_png(net.predict, self.X, self.Y))  # type: ignore[arg-type]
        return _View(
            '<div class="layerwise-live">'
            f"<div>{html.escape(text)}</div>"
            f'<div style="display: flex; gap: 1em; align-items: center">{"".join(parts)}</div>'
            "</div>",
            text,
        )
