"""The divergence guard: the checks every engine runs on every epoch's cost, and on the run
as a whole at its end; a run that diverged puts its parameters back and says what to try.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .._typing import Array
from .history import History

__all__ = ["TrainingDivergedError", "check_divergence", "check_run"]


class TrainingDivergedError(ValueError):
    """Training diverged, and the parameters were put back from before it did.

    Raised during training when an epoch's cost is NaN or infinite, a million times the first
    epoch's, or sits at the ceiling of a clipped cross-entropy (the parameters from the start
    of that epoch are restored); and at the end when the run ends with a cost above its first
    epoch's or with exploded weights (the parameters the run started from are restored).
    ``history`` holds the epochs recorded (None where there were none); ``epoch`` is the
    epoch that diverged (numbered as in the message), or None when the run as a whole did
    (at its end).
    """

    def __init__(
        self, message: str, history: History | None = None, epoch: int | None = None
    ) -> None:
        super().__init__(message)
        self.history = history
        self.epoch = epoch


#: a cost above this many times max(first epoch's cost, 1) counts as divergence
_BLOW_UP = 1e6
#: a cost at or above this share of a clipped cross-entropy's ceiling (−log eps per
#: example, i.e. confidently wrong on the average example) counts as divergence
_AT_CEILING = 0.5
#: a run that ends with a cost above (1 + this) times its first epoch's ended worse than
#: it began (with more than one epoch)
_WORSE = 0.1
#: weights larger than this many times max(1, the largest at the start) have exploded
_EXPLODED = 1e6


def check_divergence(
    net: Any,
    epoch: int,
    costs: Sequence[float],
    new_costs: Sequence[float],
    lrs: Sequence[float],
    restore: Callable[[int], Array],
    ceiling: float = math.inf,
) -> None:
    """The divergence guard, which every engine calls for every epoch it has run.

    ``new_costs`` are the costs of epochs ``epoch``, ``epoch + 1``, ... (one epoch for the
    numpy engine, a compiled run of epochs for the jax engine), ``lrs`` their learning rates,
    ``costs`` those of the epochs before. At the first epoch whose cost is NaN or infinite, or
    (after the first epoch) a million times max(first epoch's cost, 1), the parameters from
    the start of that epoch, ``restore(i)`` for epoch ``epoch + i``, are put back and
    :class:`TrainingDivergedError` is raised.
    """
    limit = _BLOW_UP * max(costs[0], 1.0) if costs else math.inf
    for i, cost in enumerate(new_costs):
        if not math.isfinite(cost) or cost > limit or cost >= _AT_CEILING * ceiling:
            net.parameters.set(restore(i))
            why = (
                f"the cost sits at {cost:g}, at the ceiling of the clipped cross-entropy "
                f"({ceiling:.4g}): the outputs are saturated and confidently wrong"
                if math.isfinite(cost) and cost >= _AT_CEILING * ceiling
                else f"the cost became {cost:g}"
            )
            raise TrainingDivergedError(
                f"training diverged in epoch {epoch + i}: {why}; the parameters from the "
                f"start of that epoch were restored. Try a smaller learning rate than "
                f"{lrs[i]:g}, or standardize the inputs",
                epoch=epoch + i,
            )
        if i == 0 and not costs:
            limit = _BLOW_UP * max(cost, 1.0)


def check_run(net: Any, history: History, start: Array, learning_rate: float) -> None:
    """The divergence guard at the end of a run: a run that ends with a cost above its first
    epoch's (by more than a tenth, the epoch kept by early stopping counting as its end), or
    with weights a million times larger than it started with (at least 1), diverged even
    though no single epoch showed it. The parameters of ``start`` are put back and
    :class:`TrainingDivergedError` is raised."""
    costs = history.cost
    end = costs[history.best_epoch] if history.best_epoch is not None else costs[-1]
    why = None
    if len(costs) > 1 and end > (1.0 + _WORSE) * costs[0]:
        why = f"it ended with a cost of {end:g}, above its first epoch's {costs[0]:g}"
    else:
        largest, first = _largest_magnitude(net.parameters.theta), _largest_magnitude(start)
        if largest > _EXPLODED * max(first, 1.0):
            why = f"its weights exploded (the largest is {largest:g}; it started at {first:g})"
    if why is not None:
        net.parameters.set(start)
        raise TrainingDivergedError(
            f"training diverged: {why}; the parameters it started from were restored. Try a "
            f"smaller learning rate than {learning_rate:g}, or standardize the inputs",
            history,
        )


def _largest_magnitude(theta: Array) -> float:
    """max(|θ|) without the temporary |θ|, as big as the model: the extremes are read in place
    (NaN if θ holds one)."""
    return max(float(theta.max()), -float(theta.min())) if theta.size else 0.0
