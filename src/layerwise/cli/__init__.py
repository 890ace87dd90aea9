"""The ``layerwise`` command line (also ``python -m layerwise``).

Commands: ``train``, ``evaluate``, ``predict``, ``summary``, ``explain``, ``gradcheck``,
``demo``, ``datasets``; ``layerwise COMMAND --help`` describes each. Tables come in with one
example per row and are transposed once into the notes' X (n[0], m).

Each command is a function taking the parsed arguments and returning an exit code; every
user mistake becomes a one- or two-line message on stderr and a non-zero exit code, never a
traceback, and no output file is created or damaged. ``main(argv)`` is what the tests call.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import datasets
from .._version import __version__
from ..network import Network
from .common import CLIError, Parser, int_list
from .data import add_datasets
from .explain import add_explain, add_summary
from .gradcheck import add_gradcheck
from .model import add_evaluate, add_export, add_predict
from .train import add_train

__all__ = ["main", "build_parser", "CLIError"]

#: kept for code that imported it from here


# --------------------------------------------------------------------------- demo


def _train_flower(
    n_h: int, epochs: int, lr: float, seed: int, X: Any, Y: Any, verbose: bool = False
) -> tuple[Network, Any]:
    dims = [2, n_h, 1] if n_h else [2, 1]
    net = Network(dims, hidden="tanh", output="sigmoid", init="small", seed=seed)
    history = net.fit(X, Y, epochs=epochs, learning_rate=lr, verbose=verbose)
    return net, history


def cmd_demo(args: argparse.Namespace) -> int:
    """Train the notes' network on the flower data and compare with logistic regression."""
    if not args.no_plot and not Path(args.plot_dir).is_dir():
        raise CLIError(f"--plot-dir {args.plot_dir} is not an existing folder")
    X, Y = datasets.planar(seed=1)
    m = X.shape[1]
    print(f"The flower data set (planar): X {X.shape}, Y {Y.shape}, m = {m}")
    print(
        f"The notes' network: one hidden layer of {args.hidden_units} tanh units, a sigmoid "
        f"output, learning rate {args.lr}, {args.epochs} iterations of batch gradient descent\n"
    )
    net, history = _train_flower(
        args.hidden_units, args.epochs, args.lr, args.seed, X, Y, verbose=not args.quiet
    )
    print()
    print(net.summary(m=m))
    acc = net.evaluate(X, Y)["accuracy"]
    logreg, _ = _train_flower(0, args.epochs, args.lr, args.seed, X, Y)
    base = logreg.evaluate(X, Y)["accuracy"]
    print()
    print(f"Training accuracy, {args.hidden_units} hidden units:        {100 * acc:6.2f} %")
    print(f"Training accuracy, logistic regression (no hidden layer): {100 * base:6.2f} %")

    if args.hidden_sizes:
        print(f"\nAccuracy per hidden-layer size ({args.table_epochs} iterations each):")
        print("n[1]  accuracy")
        for n_h in args.hidden_sizes:
            net_h, _ = _train_flower(n_h, args.table_epochs, args.lr, args.seed, X, Y)
            print(f"{n_h:<4d}  {100 * net_h.evaluate(X, Y)['accuracy']:6.2f} %")

    if not args.no_plot:
        try:
            from .. import plot

            plot.require()
        except ImportError:
            print("\n(plots skipped: install the plot extra with pip install 'layerwise[plot]')")
            return 0
        out = Path(args.plot_dir)
        if not out.is_dir():
            raise CLIError(f"--plot-dir {out} is not an existing folder")
        boundary = out / "decision_boundary.png"
        curve = out / "cost_curve.png"
        plot.decision_boundary(
            net,
            X,
            Y,
            path=boundary,
            title=(
                f"Decision boundary, hidden layer of {args.hidden_units} "
                f"(accuracy {100 * acc:.1f} %)"
            ),
        )
        plot.cost_curve(history, path=curve, title="Cost per iteration (flower data)")
        print(f"\nWrote the decision boundary to {boundary}")
        print(f"Wrote the cost curve to {curve}")
    return 0


def _add_demo(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="train the notes' network on the flower data",
        description=(
            "Train the notes' network (one hidden layer of 4 tanh units, sigmoid output, "
            "learning rate 1.2, 10000 iterations) on the flower data; print the cost every "
            "1000 iterations and the accuracy next to logistic regression's; write the "
            "decision boundary and the cost curve as PNG files (plot extra)."
        ),
    )
    p.add_argument("--hidden-units", type=int, default=4, metavar="N", help="n[1] (default 4)")
    p.add_argument(
        "--epochs",
        type=int,
        default=10_000,
        metavar="N",
        help="iterations of gradient descent (default 10000)",
    )
    p.add_argument("--lr", type=float, default=1.2, help="learning rate α (default 1.2)")
    p.add_argument("--seed", type=int, default=1, help="seed of the initialization (default 1)")
    p.add_argument(
        "--hidden-sizes",
        type=int_list,
        default=None,
        metavar="1,2,3",
        help="also print the accuracy for each of these hidden-layer sizes",
    )
    p.add_argument(
        "--table-epochs",
        type=int,
        default=5000,
        metavar="N",
        help="iterations per size for --hidden-sizes (default 5000, as in the course)",
    )
    p.add_argument(
        "--plot-dir",
        default=".",
        metavar="DIR",
        help="folder for decision_boundary.png and cost_curve.png (default .)",
    )
    p.add_argument("--no-plot", action="store_true", help="do not write the plots")
    p.add_argument("--quiet", action="store_true", help="do not print the cost during training")
    p.set_defaults(func=cmd_demo)


# --------------------------------------------------------------------------- parser

#: functions that add one subcommand each, in the order ``--help`` lists them
COMMANDS: list[Callable[[Any], None]] = [
    add_train,
    add_evaluate,
    add_predict,
    add_summary,
    add_explain,
    add_gradcheck,
    add_export,
    _add_demo,
    add_datasets,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``layerwise`` parser with every command."""
    parser = Parser(
        prog="layerwise",
        description="Build and train deep (L-layer) fully connected neural networks.",
        epilog="Run 'layerwise COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"layerwise {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 1 failure, 2 usage error,
    130 interrupted)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, and argparse's usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with np.errstate(over="ignore"):
            return int(args.func(args))
    except CLIError as exc:
        print(f"layerwise {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError, ImportError) as exc:
        print(f"layerwise {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"layerwise {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
