"""What a ``Network.fit`` was trained with, as the network keeps it in
``net.metadata["training"]``: the update rule (and its settings), α, the batch size, the
epochs asked for and run, λ of L2 and the schedule. The notebook view and ``layerwise explain``
write the update rule from it (:func:`layerwise.views.equations.update_rule`); the table workflow
writes its own, larger record with the same keys.
"""

from __future__ import annotations

from typing import Any

__all__ = ["fit_record"]


def fit_record(cfg: Any, history: Any, m: int) -> dict[str, Any]:
    """The record of one ``fit``.

    Parameters
    ----------
    cfg : TrainConfig
        What ``fit`` was asked for, validated.
    history : History
        What the run recorded.
    m : int
        The number of training examples (a batch of m or more is the whole set: batch
        gradient descent, recorded as ``batch_size`` None).

    Returns
    -------
    dict
        JSON-serializable: ``optimizer`` ({"name": ..., its settings}), ``learning_rate``,
        ``batch_size``, ``epochs``, ``epochs_run``, ``examples``, ``l2``, ``lr_schedule``,
        ``stop_reason``.
    """
    optimizer = cfg.optimizer
    name = optimizer.name or optimizer.rule().name
    batch = cfg.batch_size if cfg.batch_size is not None and cfg.batch_size < m else None
    return {
        "optimizer": {"name": name, **_plain(optimizer.get_config())},
        "learning_rate": float(cfg.learning_rate),
        "batch_size": None if batch is None else int(batch),
        "epochs": int(cfg.epochs),
        "epochs_run": int(history.epochs),
        "examples": int(m),
        "l2": float(cfg.l2),
        "lr_schedule": {"name": cfg.schedule.name, **_plain(cfg.schedule.get_config())},
        "stop_reason": history.stop_reason,
    }


def _plain(config: dict[str, Any]) -> dict[str, Any]:
    """A config's numbers and texts, as JSON keeps them."""
    return {
        k: (float(v) if isinstance(v, float) else v)
        for k, v in config.items()
        if isinstance(v, (int, float, str, bool))
    }
