"""``layerwise summary`` and ``explain``: a network described, and its equations written out
with every shape filled in.

The network comes from a model file or from ``--dims n[0],n[1],...,n[L]`` (all the sizes,
input and output included), with ``--hidden`` and ``--output``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .._text import printable
from ..model.network import dimension_table
from ..views.equations import equations, update_rule
from .common import (
    add_network_options,
    design_from_args,
    file_size,
    positive_int,
    text_table,
)

__all__ = [
    "add_summary",
    "add_explain",
    "equations",
    "update_rule",
]

# --------------------------------------------------------------------------- summary


def cmd_summary(args: argparse.Namespace) -> int:
    """The notes' dimension table; for a model file, also what it was trained on."""
    design = design_from_args(args, model=args.model)
    m: int | str = args.examples if args.examples is not None else "m"
    if args.model is not None:
        print(f"Model file: {printable(args.model)} ({file_size(args.model)})")
    print(dimension_table(design.layer_dims, design.activations, design.loss, design.dtype, m))
    net = design.network
    if net is None:
        return 0
    pre = net.preprocessing
    if pre is not None and pre.columns is not None:
        print(f"input columns: {len(pre.columns)}, encoded as n[0] = {net.layer_dims[0]} features")
        rows: list[list[Any]] = [["column", "kind", "features", "encoding"]]
        rows += [[c.name, c.kind, c.width, c.describe()] for c in pre.columns]
        print("  " + text_table(rows, right=(2,)).replace("\n", "\n  "))
        if pre.ignored:
            print(f"ignored columns (not features): {_listed(pre.ignored)}")
        if pre.target is not None:
            scaled = (
                f" (standardized for training: mean {pre.target_mean:.6g}, "
                f"sd {pre.target_scale:.6g}; predictions in its units)"
                if pre.target_scale is not None
                else ""
            )
            print(f"target: {printable(pre.target)}{scaled}")
        if pre.classes is not None:
            print(f"classes: {_listed(pre.classes)}")
    elif pre is not None:
        if pre.feature_names is not None:
            names = pre.feature_names
            shown = _listed(names[:8]) + (f", ... ({len(names)})" if len(names) > 8 else "")
            print(f"features: {shown}")
        if pre.target is not None:
            print(f"target: {printable(pre.target)}")
        if pre.classes is not None:
            print(f"classes: {_listed(pre.classes)}")
        print(f"standardized inputs: {'yes' if pre.mean is not None else 'no'}")
    training = net.metadata.get("training") if isinstance(net.metadata, dict) else None
    if isinstance(training, dict):
        keys = (
            "data",
            "optimizer",
            "learning_rate",
            "batch_size",
            "epochs_run",
            "l2",
            "dropout",
            "validation_split",
            "early_stopping",
            "seed",
            "stop_reason",
        )
        config = [[k, training[k]] for k in keys if training.get(k) is not None]
        print("training:\n  " + text_table(config).replace("\n", "\n  "))
    metrics = net.metadata.get("metrics") if isinstance(net.metadata, dict) else None
    if isinstance(metrics, dict):
        for part, values in metrics.items():
            if isinstance(values, dict):
                shown = ", ".join(
                    f"{k} {v:.4f}" for k, v in values.items() if isinstance(v, (int, float))
                )
                print(printable(f"{part} metrics: {shown}"))
    return 0


def _listed(values: Sequence[Any]) -> str:
    """Names, categories or labels from a model file, comma-separated, each printable."""
    return ", ".join(printable(v) for v in values)


# --------------------------------------------------------------------------- explain


def cmd_explain(args: argparse.Namespace) -> int:
    """Print the network's equations with its shapes."""
    design = design_from_args(args, model=args.model)
    m: int | str = args.examples if args.examples is not None else "m"
    net = design.network
    training = net.metadata.get("training") if net is not None else None
    training = training if isinstance(training, dict) else None
    print(equations(design.layer_dims, design.activations, design.loss.name, m, training))
    return 0


# --------------------------------------------------------------------------- parsers


def _add_network_command(sub: Any, name: str, help: str, description: str, func: Any) -> None:
    """A command that describes a network: a model file or ``--dims``, and ``--examples``."""
    p = sub.add_parser(name, help=help, description=description)
    p.add_argument("model", metavar="MODEL", nargs="?", help="a model file")
    add_network_options(p)
    p.add_argument(
        "--examples",
        type=positive_int,
        default=None,
        metavar="M",
        help="fill in m with this number of examples",
    )
    p.set_defaults(func=func)


def add_summary(sub: Any) -> None:
    """Add the ``summary`` command."""
    _add_network_command(
        sub,
        "summary",
        help="the dimension table of a model file or of --dims",
        description="Print the notes' dimension table: n[l], g[l], the shapes of W[l], b[l], "
        "Z[l] and A[l], and the parameter count; for a model file also its "
        "features, classes, training configuration and final metrics.",
        func=cmd_summary,
    )


def add_explain(sub: Any) -> None:
    """Add the ``explain`` command."""
    _add_network_command(
        sub,
        "explain",
        help="the forward and backward equations of a network, shapes filled in",
        description="Print the forward and backward propagation equations of this network, "
        "layer by layer, with the shape of every matrix filled in (the notes' "
        "corrected equations).",
        func=cmd_explain,
    )
