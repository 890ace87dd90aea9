"""The record of a training run."""

from __future__ import annotations

from typing import Any

__all__ = ["History", "SHOWN_KEYS", "shown"]

#: the per-epoch values shown while training (printed lines, progress bars), in this order
SHOWN_KEYS = ("cost", "accuracy", "r2", "val_cost", "val_accuracy", "val_r2")


def shown(logs: dict[str, float]) -> dict[str, float]:
    """The values of an epoch's ``logs`` that are shown while training, in :data:`SHOWN_KEYS`
    order."""
    return {k: logs[k] for k in SHOWN_KEYS if k in logs}


class History:
    """Per-epoch record of a ``fit``: ``history.cost[i]`` is epoch i's cost.

    ``cost[i]`` is the mean of the epoch's batch costs weighted by batch size, each computed in
    that batch's forward pass, before its update (for full-batch gradient descent: the cost the
    notes print at iteration i). Other series, present when they apply:

    - ``accuracy`` (classification) or ``r2`` (regression), from the same forward passes;
    - ``val_cost``, ``val_accuracy`` / ``val_r2``, on the validation data after the epoch;
    - ``learning_rate``, the α used in the epoch;
    - ``grad_norm["dW1"]``, …: ‖dW[l]‖ of the epoch's last batch (vanishing or exploding
      gradients show here).

    Attributes
    ----------
    history : dict of str to list of float
        Every series by name (Keras' layout), ``grad_norm_dW1`` … included.
    stop_reason : str or None
        ``"early_stopping"``, ``"callback"``, ``"interrupted"`` or None (ran all epochs); a
        callback with a ``stop_reason`` attribute that stops training puts its own word here.
    best_epoch : int or None
        Epoch (0-based) whose parameters early stopping restored.
    kept_because : str or None
        When the network ends with the parameters of an epoch before the last
        (:attr:`restored`), why: the monitored value of the later epochs and the tolerance
        that kept them from counting as an improvement.
    interrupted : bool
        True when Ctrl-C stopped training: the batch in flight is finished and the network
        keeps its parameters as trained so far, including the batches of an epoch that was
        cut short; the history lists the completed epochs.

    Notes
    -----
    In a notebook a history shows itself as its cost curve (an SVG, with the validation cost),
    the first and last value of each series, and the cost at about ten epochs.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.stop_reason: str | None = None
        self.best_epoch: int | None = None
        self.kept_because: str | None = None
        self.interrupted = False

    def record(self, logs: dict[str, float]) -> None:
        """Append one epoch's values."""
        for key, value in logs.items():
            if key == "epoch":
                continue
            self.history.setdefault(key, []).append(float(value))

    @property
    def cost(self) -> list[float]:
        """Training cost per epoch."""
        return self.history.get("cost", [])

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.cost)

    @property
    def kept_epoch(self) -> int | None:
        """The epoch (0-based) whose parameters the network ends with: the restored best, or
        the last one; None before any epoch."""
        if self.best_epoch is not None:
            return self.best_epoch
        return self.epochs - 1 if self.epochs else None

    @property
    def restored(self) -> bool:
        """Whether the network ends with the parameters of an epoch before the last."""
        return self.best_epoch is not None and self.best_epoch < self.epochs - 1

    @property
    def restored_note(self) -> str:
        """One line for a report when :attr:`restored` ("Restored epoch 2 of the 3 run:
        ..."), else ""."""
        if not self.restored:
            return ""
        assert self.best_epoch is not None
        why = f": {self.kept_because}" if self.kept_because else ""
        return f"Restored epoch {self.best_epoch + 1} of the {self.epochs} run{why}"

    def kept(self) -> dict[str, Any]:
        """What a model file's training record says of the epochs: ``epochs_run``,
        ``epoch_kept`` (1-based, as a report numbers epochs) and ``kept_because`` (None when
        the kept epoch is the last)."""
        kept = self.kept_epoch
        return {
            "epochs_run": self.epochs,
            "epoch_kept": None if kept is None else kept + 1,
            "kept_because": self.kept_because if self.restored else None,
        }

    @property
    def grad_norm(self) -> dict[str, list[float]]:
        """‖dW[l]‖ per epoch, keyed ``dW1`` … ``dWL``."""
        prefix = "grad_norm_"
        return {k[len(prefix) :]: v for k, v in self.history.items() if k.startswith(prefix)}

    def __getattr__(self, name: str) -> Any:
        # val_cost, accuracy, r2, learning_rate, ... as attributes
        history = self.__dict__.get("history", {})
        if name in history:
            return history[name]
        raise AttributeError(
            f"History has no series {name!r}; it recorded: {', '.join(history) or 'nothing'}"
        )

    def __len__(self) -> int:
        return self.epochs

    def _repr_html_(self) -> str:
        # a notebook shows the cost curve (SVG, no matplotlib needed) and the final figures
        from ..views._html import history_html

        return history_html(self, SHOWN_KEYS)

    def __repr__(self) -> str:
        last = f", last cost={self.cost[-1]:.6g}" if self.cost else ""
        return f"History(epochs={self.epochs}{last}, series={list(self.history)})"
