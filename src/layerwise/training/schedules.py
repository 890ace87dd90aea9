"""Learning-rate schedules: α as a function of the epoch.

=============  ===========================================
constant       α = α0
inverse_time   α = α0 / (1 + decay_rate · epoch)
exponential    α = α0 · rate^epoch
step           α = α0 · factor^⌊epoch / every⌋
=============  ===========================================

Examples
--------
>>> get_schedule("step")(25, 0.1)   # every 10 epochs, halved: 0.1 · 0.5²
0.025
"""

from __future__ import annotations

import math
from typing import Union

from .._checks import registry_key

__all__ = [
    "Schedule",
    "Constant",
    "InverseTimeDecay",
    "ExponentialDecay",
    "StepDecay",
    "SCHEDULES",
    "ScheduleLike",
    "get_schedule",
]


class Schedule:
    """α as a function of the epoch (0-based): ``schedule(epoch, alpha0) -> alpha``."""

    name = ""

    def __call__(self, epoch: int, alpha0: float) -> float:  # pragma: no cover
        raise NotImplementedError

    def get_config(self) -> dict[str, float]:
        return {}

    def __repr__(self) -> str:
        config = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({config})"


class Constant(Schedule):
    """α = α0."""

    name = "constant"

    def __call__(self, epoch: int, alpha0: float) -> float:
        return alpha0


class InverseTimeDecay(Schedule):
    """α = α0 / (1 + decay_rate · epoch)."""

    name = "inverse_time"

    def __init__(self, decay_rate: float = 1.0) -> None:
        self.decay_rate = float(decay_rate)

    def __call__(self, epoch: int, alpha0: float) -> float:
        return alpha0 / (1.0 + self.decay_rate * epoch)

    def get_config(self) -> dict[str, float]:
        return {"decay_rate": self.decay_rate}


class ExponentialDecay(Schedule):
    """α = α0 · rate^epoch."""

    name = "exponential"

    def __init__(self, rate: float = 0.95) -> None:
        if not 0.0 < rate <= 1.0:
            raise ValueError(f"exponential decay rate must be in (0, 1]; Received: rate={rate!r}")
        self.rate = float(rate)

    def __call__(self, epoch: int, alpha0: float) -> float:
        return alpha0 * self.rate**epoch

    def get_config(self) -> dict[str, float]:
        return {"rate": self.rate}


class StepDecay(Schedule):
    """α = α0 · factor^⌊epoch / every⌋."""

    name = "step"

    def __init__(self, every: int = 10, factor: float = 0.5) -> None:
        if every < 1:
            raise ValueError(f"step decay 'every' must be >= 1; Received: every={every!r}")
        self.every, self.factor = int(every), float(factor)

    def __call__(self, epoch: int, alpha0: float) -> float:
        return alpha0 * self.factor ** math.floor(epoch / self.every)

    def get_config(self) -> dict[str, float]:
        return {"every": self.every, "factor": self.factor}


SCHEDULES: dict[str, type[Schedule]] = {
    s.name: s for s in (Constant, InverseTimeDecay, ExponentialDecay, StepDecay)
}

ScheduleLike = Union[None, str, Schedule]  # noqa: UP007 (a runtime alias)


def get_schedule(schedule: ScheduleLike) -> Schedule:
    """Resolve ``constant``, ``inverse_time``, ``exponential`` or ``step`` (None = constant)."""
    if schedule is None:
        return Constant()
    if isinstance(schedule, Schedule):
        return schedule
    return SCHEDULES[registry_key(schedule, SCHEDULES, "learning-rate schedule", "lr_schedule")]()
