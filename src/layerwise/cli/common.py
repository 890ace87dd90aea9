"""What the command line's commands share: the parser, argument types, model files, and
plain-text tables (the checks of output paths are in :mod:`layerwise.cli.paths`, re-exported
here; a table read for a model is in :mod:`layerwise.cli.model_data`).

Every user mistake found here is a :class:`CLIError` (exit code 2) or a ``ValueError`` (exit
code 1), turned into one line on stderr by :func:`layerwise.cli.main`.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, NoReturn

import numpy as np

from .._text import text_table
from .._typing import Array
from ..core.activations import ACTIVATIONS, Activation, get_activation
from ..core.initializers import suited_init
from ..core.losses import Loss, loss_for_activation
from ..model.network import Network
from ._errors import CLIError
from .paths import (
    check_model_file,
    check_output_dir,
    check_output_file,
    check_outside_folders,
    check_plot_dir,
    file_size,
)

__all__ = [
    "CLIError",
    "Parser",
    "int_list",
    "hidden_sizes",
    "positive_int",
    "nonnegative_int",
    "split_fraction",
    "positive_float",
    "seed_int",
    "nonnegative_float",
    "fraction",
    "keep_probability",
    "check_output_file",
    "check_model_file",
    "check_outside_folders",
    "check_output_dir",
    "check_plot_dir",
    "load_model",
    "add_network_options",
    "network_from_args",
    "Design",
    "design_from_args",
    "confusion_text",
    "text_table",
    "file_size",
    "confusion_counts",
]


class Parser(argparse.ArgumentParser):
    """argparse with a two-line error (the message, then where to find help) instead of the
    whole usage, and with the defaults shown in ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


# --------------------------------------------------------------------------- argument types

#: activations a hidden layer may use (softmax is for the output layer only)
HIDDEN_ACTIVATIONS = [name for name in ACTIVATIONS if name != "softmax"]


def int_list(text: str) -> list[int]:
    """``"20,7,5"`` -> [20, 7, 5]: comma-separated positive integers."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 20,7,5; got {text!r}"
        ) from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers such as 20,7,5; got {text!r}")
    return values


def hidden_sizes(text: str) -> list[int]:
    """``"20,7,5"`` -> [20, 7, 5]: the hidden layer sizes n[1],...,n[L-1] of ``train``."""
    return int_list(text)


def _number(text: str, kind: Callable[[str], Any], what: str, valid: Callable[[Any], bool]) -> Any:
    """``text`` read as ``kind``, finite and ``valid``; otherwise an error naming ``what``."""
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or not valid(value):
        raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1."""
    return int(_number(text, int, "a positive integer", lambda v: v >= 1))


def nonnegative_int(text: str) -> int:
    """An integer >= 0."""
    return int(_number(text, int, "an integer >= 0", lambda v: v >= 0))


def seed_int(text: str) -> int:
    """A seed: an integer >= 0."""
    return int(_number(text, int, "a seed, an integer >= 0", lambda v: v >= 0))


def positive_float(text: str) -> float:
    """A finite number > 0."""
    return float(_number(text, float, "a positive number", lambda v: v > 0))


def nonnegative_float(text: str) -> float:
    """A finite number >= 0."""
    return float(_number(text, float, "a number >= 0", lambda v: v >= 0))


def fraction(text: str) -> float:
    """A number strictly between 0 and 1."""
    what = "a fraction between 0 and 1 (exclusive) such as 0.2"
    return float(_number(text, float, what, lambda v: 0 < v < 1))


def split_fraction(text: str) -> float:
    """A fraction in [0, 1): 0 means no split."""
    what = "a fraction from 0 (none) to 1 (exclusive) such as 0.2"
    return float(_number(text, float, what, lambda v: 0 <= v < 1))


def keep_probability(text: str) -> float:
    """A keep probability in (0, 1]."""
    what = "the keep probability of each hidden unit, in (0, 1] such as 0.8"
    return float(_number(text, float, what, lambda v: 0 < v <= 1))


# --------------------------------------------------------------------------- output paths


def add_drop_missing(parser: argparse.ArgumentParser) -> None:
    """The ``--drop-missing`` option every command that reads a table has."""
    parser.add_argument(
        "--drop-missing",
        action="store_true",
        help="drop the rows with a missing value in a feature instead of filling it in as in "
        "training (a row whose target is missing is left out either way)",
    )


# --------------------------------------------------------------------------- networks

#: choices of --output where a network is described by its sizes
OUTPUT_CHOICES = ["auto", *ACTIVATIONS]


def add_network_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dims",
        type=int_list,
        default=None,
        metavar="2,4,1",
        help="all layer sizes n[0],n[1],...,n[L], input and output included",
    )
    # train's --layers means the hidden sizes; here the old spelling gets a pointer to --dims
    p.add_argument("--layers", default=None, help=argparse.SUPPRESS)
    p.add_argument(
        "--hidden",
        choices=HIDDEN_ACTIVATIONS,
        default="relu",
        help="hidden activation with --layers (default relu)",
    )
    p.add_argument(
        "--output",
        choices=OUTPUT_CHOICES,
        default="auto",
        help="output activation with --layers (default auto: sigmoid for one "
        "output, softmax for more)",
    )
    p.add_argument(
        "--seed",
        type=seed_int,
        default=0,
        metavar="N",
        help="seed of the weights (and data) made for --layers (default 0)",
    )


class Design(NamedTuple):
    """A network as the describing commands need it: its sizes, activations, loss and dtype,
    and the network itself only when it was loaded from a file (a design given by its sizes
    is never allocated: ``summary`` and ``explain`` are arithmetic)."""

    layer_dims: list[int]
    activations: list[Activation]
    loss: Loss
    dtype: np.dtype
    init: str
    network: Network | None


def design_from_args(args: argparse.Namespace, *, model: str | None) -> Design:
    """The design of MODEL, or the one --dims/--hidden/--output describe."""
    if args.layers is not None:
        raise CLIError(
            f"give all the sizes n[0],...,n[L] with --dims (e.g. --dims {args.layers}); "
            f"--layers is train's option for the hidden sizes only"
        )
    if model is not None and args.dims is not None:
        raise CLIError("give a MODEL file or --dims, not both")
    if model is not None:
        net = load_model(model)
        return Design(net.layer_dims, net.activations, net.loss, net.dtype, net.init, net)
    if args.dims is None:
        raise CLIError("give a MODEL file or --dims n[0],n[1],...,n[L] (e.g. --dims 2,4,1)")
    dims = args.dims
    if len(dims) < 2:
        raise CLIError(
            f"--dims needs at least n[0] (inputs) and n[L] (outputs), e.g. 2,4,1; "
            f"got {','.join(map(str, dims))}"
        )
    output = args.output
    if output == "auto":
        output = "sigmoid" if dims[-1] == 1 else "softmax"
    activations = [get_activation(args.hidden)] * (len(dims) - 2) + [get_activation(output)]
    loss = loss_for_activation(output)
    return Design(dims, activations, loss, np.dtype("float64"), suited_init(args.hidden), None)


def network_from_args(args: argparse.Namespace, *, model: str | None) -> Network:
    """The network of MODEL, or one built (with the seed's weights) from --layers."""
    design = design_from_args(args, model=model)
    if design.network is not None:
        return design.network
    return Network(
        design.layer_dims,
        activations=design.activations,
        init=design.init,
        seed=args.seed,
        loss=design.loss,
    )


# --------------------------------------------------------------------------- model files


def load_model(path: str | os.PathLike[str]) -> Network:
    """``Network.load`` (a ModelFileError names the file and the problem)."""
    return Network.load(path)


# --------------------------------------------------------------------------- text


def confusion_counts(true_idx: Array, pred_idx: Array, k: int) -> np.ndarray:
    """Counts (k, k): rows the true class, columns the predicted class."""
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (true_idx.astype(np.intp), pred_idx.astype(np.intp)), 1)
    return counts


def confusion_text(counts: np.ndarray, labels: Sequence[Any]) -> str:
    """The confusion matrix as a text table."""
    names = [str(c) for c in labels]
    rows: list[list[Any]] = [["true \\ predicted", *names]]
    rows += [[names[i], *counts[i].tolist()] for i in range(len(names))]
    return text_table(rows, right=range(1, len(names) + 1))
