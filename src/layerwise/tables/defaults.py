"""The defaults of ``layerwise train`` that fit the table: the mini-batch size grows with the
number of training rows m, and a validation split with early stopping ends training once the
validation cost stops improving, keeping the best epoch's weights.

The rule and its constants were chosen from the measurements in ``docs/defaults.md``
(``benchmarks/defaults.py`` reproduces them): on each table they reach within 0.5 % of the best
validation score of every candidate in the least time, or close to it.
"""

from __future__ import annotations

__all__ = [
    "EPOCHS",
    "PATIENCE",
    "MONITOR",
    "VALIDATION_SPLIT",
    "MIN_BATCH",
    "MAX_BATCH",
    "ROWS_PER_BATCH",
    "batch_size_for",
    "BATCH_RULE",
]

#: the most epochs ``train`` runs (early stopping usually ends it sooner)
EPOCHS = 200
#: epochs without a better validation value before early stopping ends training
PATIENCE = 10
#: what early stopping watches: the validation "cost" (or "score": accuracy, R²)
MONITOR = "cost"
#: the fraction of the rows held out for validation (and early stopping)
VALIDATION_SPLIT = 0.1
#: the mini-batch size is m / ROWS_PER_BATCH rounded down to a power of two, within
#: [MIN_BATCH, MAX_BATCH]: about a thousand steps per epoch
MIN_BATCH = 32
MAX_BATCH = 512
ROWS_PER_BATCH = 1000

BATCH_RULE = (
    f"m/{ROWS_PER_BATCH} rounded down to a power of two, at least {MIN_BATCH} and at most "
    f"{MAX_BATCH}, for m training rows (about a thousand steps per epoch)"
)


def batch_size_for(m: int) -> int:
    """The default mini-batch size for m training rows: :data:`BATCH_RULE`.

    >>> [batch_size_for(m) for m in (300, 18_000, 64_000, 180_000, 450_000, 5_000_000)]
    [32, 32, 64, 128, 256, 512]
    """
    size = MIN_BATCH
    while size * 2 <= min(MAX_BATCH, m / ROWS_PER_BATCH):
        size *= 2
    return size
