"""``layerwise train``'s options, its description and examples: every default named is taken
from :mod:`layerwise.tables.defaults`, where the defaults live."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.initializers import INITIALIZERS
from ..tables import defaults
from ..training.optimizers import OPTIMIZERS
from .common import (
    HIDDEN_ACTIVATIONS,
    add_drop_missing,
    hidden_sizes,
    keep_probability,
    nonnegative_float,
    nonnegative_int,
    positive_float,
    positive_int,
    seed_int,
    split_fraction,
)

__all__ = ["DESCRIPTION", "EXAMPLES", "add_train_options"]

#: the plan's defaults where no option is given (tables/defaults.py: the one place they live)
_PLAN = defaults.TrainingPlan(layers=[defaults.WIDTH])


DESCRIPTION = f"""\
Train an L-layer network on a table and save it as a model file.

DATA is a .csv, .tsv, .parquet, .npz or .npy file with one example per row, a folder of
Parquet (or CSV/TSV) files, or the name of a built-in data set (see 'layerwise datasets'); a
table too big for memory is read a chunk of rows at a time (--stream). The target column
follows --target (default: a column named target, y, label or class). A column named 'id' (or
the one given with --id) identifies the rows, --sample-weight names a column of row weights
and --drop COL leaves a column out; every other column is a feature, taken as it is, learned
from the training rows only and stored in the model file:

  numbers      a missing value -> the training median; standardized with the training mean
               and standard deviation, then softly clipped, z/sqrt(1+(z/{defaults.CLIP:g})^2);
               a column with missing values gets a 0/1 'missing' feature beside it
  text         one 0/1 feature per category (pandas categorical columns too); missing is a
               category of its own; categories in fewer than ceil(m/1000) training rows (at
               least 2, at most 5) share one '(infrequent)' feature, where unseen values go
  booleans     0/1 (True/False); a missing value as for numbers
  dates        the year, the day of the year, the day of the week and the days since the
               earliest training date (datetime columns, or text that reads as dates)
  left out     a column that numbers the rows (1..m, with gaps) and text with nearly every
               value distinct (an id, a name, free text), each with a notice; --keep COL
               keeps it
Rows whose target is missing are left out (counted in a notice).

The output follows the target: two classes -> one sigmoid unit (binary cross-entropy), more ->
softmax (categorical cross-entropy), numbers with a fraction, or an integer score with more
than 10 unbalanced values, or more than 50 -> linear (mean squared error; the rule is
layerwise.tables.type_of_target's), trained on the standardized target (--no-target-scaling:
as it is) and reported in its own units. --output overrides it.

Defaults that fit the table (measured on 24 public tables: docs/defaults.md): one
hidden layer of {defaults.WIDTH} relu units, Adam with α = 0.001;
{defaults.VALIDATION_SPLIT:g} of the rows ({defaults.SMALL_VALIDATION_SPLIT:g} under
{defaults.SMALL_ROWS} rows) are held out for validation, and early stopping ends training
once the validation cost has not improved for {defaults.PATIENCE} epochs or
{defaults.PATIENCE_STEPS} steps, whichever is more (at most --epochs {defaults.EPOCHS}),
keeping the best epoch's weights; under {defaults.REFIT_ROWS} rows the network is then
trained again on every row for that many epochs (--no-refit); the mini-batch size is
{defaults.BATCH_RULE}.
--validation-split 0 trains on every row, for --epochs epochs.

Ctrl-C stops after the current batch; with --out the model of that point is saved (exit 130).
"""

EXAMPLES = """\
examples:
  layerwise train mixed --out penguins.safetensors
  layerwise train breast_cancer --out cancer.safetensors --layers 20,7,5 --epochs 100
  layerwise train data.csv --target price --drop name --plot-dir plots
"""


def add_train_options(p: Any) -> None:
    """Add ``train``'s options (all but ``--engine`` and the cluster's) to its parser: one
    ``add_argument`` per option, in the order ``--help`` lists them (hence its length)."""
    p.add_argument("data", metavar="DATA", help="a data file or a built-in data set name")
    p.add_argument(
        "--target", metavar="COL", help="the target column (default: target/y/label/class)"
    )
    p.add_argument("--out", metavar="MODEL", help="write the model file here (.safetensors)")
    p.add_argument("--id", metavar="COL", help="a column identifying the rows (not a feature)")
    p.add_argument(
        "--drop",
        metavar="COL",
        action="append",
        help="leave this column out (repeatable): an id, a name, free text",
    )
    p.add_argument(
        "--keep",
        metavar="COL",
        action="append",
        help="keep this column as a feature although it would be left out (repeatable): a "
        "text column with nearly every value distinct (kept as a category), a row number",
    )
    p.add_argument(
        "--sample-weight",
        metavar="COL",
        help="a column of per-row weights (not a feature): a row of weight 2 counts as two "
        "rows, one of weight 0 as none",
    )
    p.add_argument(
        "--layers",
        type=hidden_sizes,
        default=None,
        metavar="SIZES",
        help="hidden layer sizes n[1],...,n[L-1], e.g. 64,32; n[0] and n[L] come from the "
        f"data (default: one layer of {defaults.WIDTH} units, never narrower than the output)",
    )
    p.add_argument("--dims", help=argparse.SUPPRESS)  # the other commands' spelling: explained
    p.add_argument(
        "--hidden",
        choices=HIDDEN_ACTIVATIONS,
        default=None,
        help=f"activation g of the hidden layers (default {_PLAN.hidden})",
    )
    p.add_argument(
        "--output",
        choices=["auto", "sigmoid", "softmax", "linear"],
        default="auto",
        help="output activation (default auto: from the target)",
    )
    p.add_argument(
        "--refit",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="once early stopping has chosen the epochs, train again on every row for that "
        f"many epochs (default: on a table under {defaults.REFIT_ROWS} rows)",
    )
    p.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read the table a chunk of rows at a time, never all of it: DATA is then a "
        "Parquet or CSV file or a folder of them; one pass fits the encoder, each epoch is a "
        "pass with the rows shuffled through a buffer (default: when the table would not fit "
        "comfortably in memory; a folder that fits is read into memory as one table; "
        "--no-stream reads it into memory)",
    )
    p.add_argument(
        "--no-target-scaling",
        action="store_true",
        help="regression: train on the target as it is, not standardized",
    )
    p.add_argument(
        "--init",
        choices=["auto", *INITIALIZERS],
        default="auto",
        help="weight initialization (default auto: he for relu, xavier otherwise)",
    )
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"the most passes over the training rows (default {defaults.EPOCHS}; early "
        f"stopping usually ends sooner)",
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        metavar="α",
        help=f"learning rate α (default {_PLAN.learning_rate:g})",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"mini-batch size (default: {defaults.BATCH_RULE}; the whole set with --optimizer gd)",
    )
    p.add_argument(
        "--optimizer",
        choices=list(OPTIMIZERS),
        default=None,
        help=f"update rule (default {_PLAN.optimizer})",
    )
    p.add_argument(
        "--l2",
        type=nonnegative_float,
        default=None,
        metavar="λ",
        help=f"L2 regularization λ (default {_PLAN.l2:g})",
    )
    p.add_argument(
        "--dropout",
        type=keep_probability,
        default=None,
        metavar="KEEP",
        help="inverted dropout: keep probability of each hidden unit, in (0, 1]",
    )
    p.add_argument(
        "--validation-split",
        type=split_fraction,
        default=None,
        metavar="F",
        help=f"hold out this fraction of the rows (drawn with --seed) for validation and "
        f"early stopping (default {defaults.VALIDATION_SPLIT:g}, "
        f"{defaults.SMALL_VALIDATION_SPLIT:g} under {defaults.SMALL_ROWS} rows; 0: none, train "
        f"on every row)",
    )
    p.add_argument(
        "--early-stopping",
        type=nonnegative_int,
        default=None,
        metavar="N",
        help=f"stop when the validation cost has not improved for N epochs and keep the best "
        f"epoch's model (default {defaults.PATIENCE} epochs, or {defaults.PATIENCE_STEPS} "
        f"mini-batch steps when that is more; 0: run every epoch)",
    )
    p.add_argument(
        "--tol",
        type=nonnegative_float,
        default=None,
        metavar="Δ",
        help=f"early stopping's tolerance: stop once the validation cost has fallen by less "
        f"than Δ over the last --early-stopping epochs (default {defaults.TOLERANCE:g} on a "
        f"table of {defaults.BIG_TABLE_ROWS:,} rows or more, 0 below)",
    )
    p.add_argument(
        "--seed",
        type=seed_int,
        default=0,
        metavar="N",
        help="seed of the initialization, shuffling, dropout and split (default 0)",
    )
    p.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default="float64",
        help="precision of the parameters and the arithmetic (default float64)",
    )
    add_drop_missing(p)
    p.add_argument(
        "--plot-dir",
        metavar="DIR",
        help="write cost_curve.png, confusion_matrix.png and (2 features) "
        "decision_boundary.png here (the folder is created if needed)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")
