"""The defaults of ``layerwise train`` that fit the table: the mini-batch size grows with the
number of training rows m, and a validation split with early stopping ends training once the
validation cost stops improving, keeping the best epoch's weights.

The rule and its constants were chosen from the measurements in ``docs/defaults.md``
(``benchmarks/defaults.py`` reproduces them): on each table they reach within 0.5 % of the best
validation score of every candidate in the least time, or close to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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
    "TOLERANCE",
    "BIG_TABLE_ROWS",
    "WIDTH",
    "SMALL_ROWS",
    "SMALL_VALIDATION_SPLIT",
    "PATIENCE_STEPS",
    "REFIT_ROWS",
    "NUMERIC_SCALING",
    "CLIP",
    "TrainingPlan",
    "plan_for",
    "stopping",
    "RARE_ROWS_PER_COUNT",
    "MIN_RARE_COUNT",
    "MAX_RARE_COUNT",
    "rare_category_count",
    "rare_notices",
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

#: on a big table (at least BIG_TABLE_ROWS rows), early stopping also ends training once the
#: validation cost has fallen by less than TOLERANCE over the last PATIENCE epochs (Keras'
#: ``min_delta``): a long flat end buys nothing (a 2M-row table trained 98 epochs for +0.15
#: accuracy points over epoch 20). Measured in docs/defaults.md ("A tolerance for big tables").
TOLERANCE = 1e-3
BIG_TABLE_ROWS = 100_000

#: the hidden layer: one, of WIDTH units (never narrower than the output)
WIDTH = 128
#: a table of fewer than SMALL_ROWS rows holds out SMALL_VALIDATION_SPLIT of them, so that
#: early stopping judges on enough rows
SMALL_ROWS = 1000
SMALL_VALIDATION_SPLIT = 0.2
#: patience is at least PATIENCE epochs and at least PATIENCE_STEPS mini-batch steps: on a small
#: table an epoch is a handful of steps, and ten of them stop on noise
PATIENCE_STEPS = 250
#: a table of fewer than REFIT_ROWS rows is trained twice: once with its validation rows held
#: out, to choose the number of epochs by early stopping, then on every row for that number
#: of epochs (the held-out rows are too many to give up on a small table): measured on the
#: table suite, docs/defaults.md ("Refitting on every row"); 0 turns it off
REFIT_ROWS = 3000
#: how the table door scales numbers (TableEncoder's ``scaling``: "standard" or "robust") and
#: the smooth clip after it, z / sqrt(1 + (z/CLIP)²) (``clip``, None for none): measured on the
#: table suite (docs/defaults.md), the clip at 3 after the usual standardization lifted 21 to
#: 22 tables within 0.01 of the MLP; the robust scaling did not help
NUMERIC_SCALING = "standard"
CLIP: float | None = 3.0

#: a category seen in fewer training rows than rare_category_count(m) shares its column's
#: "(infrequent)" feature: one row per RARE_ROWS_PER_COUNT rows of the table, at least
#: MIN_RARE_COUNT (2: a small table keeps every category seen twice) and at most
#: MAX_RARE_COUNT (docs/defaults.md, "Rare categories": 1 measured below 2)
RARE_ROWS_PER_COUNT = 1000
MIN_RARE_COUNT = 2
MAX_RARE_COUNT = 5

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


def rare_category_count(m: float) -> float:
    """The fewest training rows a category needs for a feature of its own, on a table of m
    (weighted) training rows: ceil(m / :data:`RARE_ROWS_PER_COUNT`), within
    [:data:`MIN_RARE_COUNT`, :data:`MAX_RARE_COUNT`]. Rarer categories share the column's
    infrequent feature.

    A fixed count of 5 merges most of a small table's categories (a car's ``model``, 38
    values in 175 rows: 25 merged), and with them what decides the target; on a big table a
    category seen in a handful of rows of thousands is noise that a feature of its own fits.

    >>> [rare_category_count(m) for m in (175, 1000, 2001, 2500, 4000, 100_000)]
    [2.0, 2.0, 3.0, 3.0, 4.0, 5.0]
    """
    if not (isinstance(m, (int, float)) and math.isfinite(m) and m >= 0):
        raise ValueError(f"m must be a number of rows >= 0; got {m!r}")
    return float(min(MAX_RARE_COUNT, max(MIN_RARE_COUNT, math.ceil(m / RARE_ROWS_PER_COUNT))))


def rare_notices(columns: list[Any], min_count: float) -> list[str]:
    """One notice per text column whose rare categories were merged: how many, below which
    count, into which feature, and how to keep them.

    ``columns`` are :class:`~layerwise.features.encoding.ColumnEncoding` (``kind``, ``name``,
    ``categories``, ``infrequent``).
    """
    out = []
    for c in columns:
        if c.kind != "category" or not c.infrequent:
            continue
        kept, merged = len(c.categories), len(c.infrequent)
        out.append(
            f"column {c.name!r}: {merged} of its {kept + merged} categories seen in fewer than "
            f"{min_count:.3g} training rows share the feature '{c.name}=(infrequent)'; "
            "TableEncoder(min_frequency=1) keeps every category"
        )
    return out


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class TrainingPlan:
    """Everything the table door chooses by itself for one table, before training.

    Each field is what ``layerwise train`` (and :class:`~layerwise.tables.TableModel`) uses
    where the user gave no option; an option the user gives replaces its field.

    Attributes
    ----------
    layers : list of int
        The hidden sizes n[1] ... n[L-1].
    hidden : str
        The hidden activation g[1] ... g[L-1].
    optimizer, learning_rate, l2 : str, float, float
        The update rule, α and the L2 λ.
    epochs : int
        The most passes over the training rows.
    batch_size : int
        The mini-batch size.
    validation_split : float
        The fraction of the rows held out for validation and early stopping (0: none).
    patience : int
        Epochs without a better validation value before training stops (0: every epoch).
    monitor : str
        What early stopping watches: ``"cost"`` or ``"score"``.
    min_delta : float
        The tolerance: the smallest fall of the validation cost that counts as an
        improvement (:data:`TOLERANCE` on a big table, 0 otherwise).
    refit : bool
        Train again on every row for the epochs early stopping chose (a small table:
        :data:`REFIT_ROWS`).
    """

    layers: list[int]
    hidden: str = "relu"
    optimizer: str = "adam"
    learning_rate: float = 0.001
    l2: float = 0.0
    epochs: int = EPOCHS
    batch_size: int = MIN_BATCH
    validation_split: float = VALIDATION_SPLIT
    patience: int = PATIENCE
    monitor: str = MONITOR
    min_delta: float = 0.0
    refit: bool = False


def plan_for(m: int, n_features: int, n_outputs: int, task: str) -> TrainingPlan:
    """The table door's defaults for a table of m rows (before the validation split).

    Parameters
    ----------
    m : int
        Rows with a target.
    n_features : int
        n[0], the encoded features.
    n_outputs : int
        n[L]: 1 for a sigmoid or linear output, the number of classes for softmax.
    task : str
        ``"classification"`` or ``"regression"``.

    >>> plan = plan_for(1000, 12, 3, "classification")
    >>> plan.layers, plan.batch_size, plan.validation_split, plan.patience
    ([128], 32, 0.1, 10)
    >>> plan = plan_for(300, 12, 3, "classification")   # a small table: more validation rows
    >>> plan.validation_split, plan.patience             # and patience of 250 steps (8 an epoch)
    (0.2, 32)
    """
    split = SMALL_VALIDATION_SPLIT if m < SMALL_ROWS else VALIDATION_SPLIT
    m_train = max(1, round(m * (1 - split)))
    batch_size = batch_size_for(m_train)
    steps_per_epoch = math.ceil(m_train / batch_size)
    return TrainingPlan(
        layers=[max(WIDTH, n_outputs)],
        batch_size=batch_size,
        validation_split=split,
        patience=max(PATIENCE, math.ceil(PATIENCE_STEPS / steps_per_epoch)),
        min_delta=TOLERANCE if m >= BIG_TABLE_ROWS else 0.0,
        refit=m < REFIT_ROWS,
    )


def stopping(
    plan: TrainingPlan,
    validation_split: float | None = None,
    early_stopping: int | None = None,
    tol: float | None = None,
) -> tuple[float, int, float]:
    """(validation split, patience, tolerance): those given, the plan's for those left None;
    no validation rows means no early stopping, and no early stopping no tolerance.

    >>> stopping(plan_for(300, 12, 3, "classification"), early_stopping=5)
    (0.2, 5, 0.0)
    >>> stopping(plan_for(300, 12, 3, "classification"), validation_split=0)
    (0, 0, 0.0)
    """
    split = plan.validation_split if validation_split is None else validation_split
    patience = plan.patience if early_stopping is None else int(early_stopping)
    if split == 0:
        patience = 0
    tolerance = plan.min_delta if tol is None else float(tol)
    return split, patience, tolerance if patience else 0.0
