"""Callbacks: the one mechanism that printing, progress bars and early stopping share.

A callback is any object with ``on_epoch_end(epoch, logs) -> bool | None``; returning True
stops training after that epoch. ``on_train_begin(network)`` and ``on_train_end()`` are
optional, and so is a ``stop_reason`` attribute: the word ``History.stop_reason`` takes when
this callback stops training (``"callback"`` when it has none). ``logs`` holds the epoch's
values (``cost``, ``accuracy`` or ``r2``, ``val_cost``, ``learning_rate``, ...), the same
that go into :class:`~layerwise.training.history.History`.

Examples
--------
>>> import layerwise as lw
>>> X, Y = lw.datasets.xor(m=40, seed=0)
>>> class StopAtThree:
...     def on_epoch_end(self, epoch, logs):
...         return epoch == 2
>>> net = lw.Network([2, 3, 1], seed=0)
>>> net.fit(X, Y, epochs=10, callbacks=[StopAtThree()]).epochs
3
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any, Protocol, TextIO, runtime_checkable

import numpy as np

from .._optional import require
from .history import shown

if TYPE_CHECKING:  # pragma: no cover
    from .trainable import Trainable

__all__ = ["Callback", "EarlyStopping", "PrintCost", "ProgressBar"]


def __getattr__(name: str) -> object:
    """``layerwise.callbacks.LiveView``, kept for one release: it lives in
    :mod:`layerwise.views.live` (a view, which training does not import)."""
    if name == "LiveView":
        from ..views.live import LiveView

        return LiveView
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@runtime_checkable
class Callback(Protocol):
    """``on_epoch_end(epoch, logs)`` returns True to stop training."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None: ...


class PrintCost:
    """Print "Cost after iteration i: J" every ``every`` epochs (the notes' printout)."""

    def __init__(self, every: int = 1000, file: TextIO | None = None) -> None:
        if every < 1:
            raise ValueError(f"print_every must be >= 1; Received: every={every!r}")
        self.every = int(every)
        self.file = file

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        if epoch % self.every == 0:
            extra = "".join(f", {k}: {v:.4f}" for k, v in shown(logs).items() if k != "cost")
            print(
                f"Cost after iteration {epoch}: {logs['cost']:.6f}{extra}",
                file=self.file or sys.stdout,
            )
        return None


class EarlyStopping:
    """Stop when ``monitor`` (default ``val_cost``) has not improved for ``patience`` epochs
    in a row (Keras' rule: the best epoch, then ``patience`` epochs without improvement).

    A value counts as an improvement when it is below the best by more than ``min_delta``
    (the tolerance): with ``min_delta > 0`` training stops once the gain over the last
    ``patience`` epochs has fallen below it, as a long, flat end of training on a big table
    gains nothing worth its time.

    With ``restore_best=True`` the network gets back the parameters of its best epoch, and
    ``history.best_epoch`` names it.
    """

    #: what ``History.stop_reason`` says when this callback stops training
    stop_reason = "early_stopping"

    def __init__(
        self,
        patience: int = 10,
        monitor: str = "val_cost",
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an int >= 0; Received: patience={patience!r}")
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)):
            raise ValueError(f"min_delta must be a number >= 0; Received: min_delta={min_delta!r}")
        if not 0 <= min_delta < math.inf:
            raise ValueError(f"min_delta must be a number >= 0; Received: min_delta={min_delta!r}")
        self.patience = patience
        self.monitor = monitor
        self.min_delta = float(min_delta)
        self.restore_best = restore_best
        self.best = math.inf
        self.best_epoch: int | None = None
        self.last: tuple[int, float] | None = None  # the last epoch seen and its value
        self.wait = 0
        self._network: Trainable | None = None
        self._best_params: np.ndarray | None = None

    def on_train_begin(self, network: Trainable) -> None:
        self._network = network
        self.best, self.best_epoch, self.wait = math.inf, None, 0
        self.last = None
        self._best_params = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        if self.monitor not in logs:
            raise ValueError(
                f"early stopping monitors {self.monitor!r} but the epoch logs only have "
                f"{sorted(logs)}; pass validation_data or validation_split to fit()"
            )
        value = logs[self.monitor]
        self.last = (epoch, value)
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best and self._network is not None:
                self._best_params = self._network.parameters.copy()
            return None
        self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self) -> None:
        if self.restore_best and self._best_params is not None and self._network is not None:
            self._network.parameters.set(self._best_params)

    def why_kept(self) -> str | None:
        """Why the best epoch is not the last one seen (None when it is): the last epoch's
        value against the best, and the tolerance it had to beat."""
        if self.best_epoch is None or self.last is None or self.last[0] == self.best_epoch:
            return None
        epoch, value = self.last
        name = self.monitor.replace("_", " ")
        if value < self.best:
            return (
                f"the {name} of epoch {epoch + 1} ({value:.4f}) fell below epoch "
                f"{self.best_epoch + 1}'s ({self.best:.4f}) by {self.best - value:.4g}, "
                f"less than the tolerance {self.min_delta:g}"
            )
        return f"its {name} ({self.best:.4f}) is the lowest; epoch {epoch + 1}'s is {value:.4f}"


class ProgressBar:
    """A tqdm progress bar over epochs with the cost and validation metrics (extra: progress).

    It comes from ``tqdm.auto``: in a notebook (JupyterLab, Notebook, VS Code, with ipywidgets)
    the notebook's bar, elsewhere the terminal's."""

    def __init__(self, total: int, desc: str = "training", **tqdm_kwargs: Any) -> None:
        tqdm = require("tqdm.auto", "progress", "the progress bar").tqdm
        self._bar = tqdm(total=total, desc=desc, unit="epoch", **tqdm_kwargs)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        self._bar.set_postfix({k: f"{v:.4g}" for k, v in shown(logs).items()}, refresh=False)
        self._bar.update(1)
        return None

    def on_train_end(self) -> None:
        self._bar.close()
