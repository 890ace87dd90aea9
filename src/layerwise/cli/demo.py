"""``layerwise demo``: the notes' network on the flower data, next to logistic regression."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core import datasets
from ..model.network import Network
from .common import CLIError, check_output_dir, int_list

__all__ = ["add_demo", "cmd_demo"]


def _train_flower(
    n_h: int, epochs: int, lr: float, seed: int, X: Any, Y: Any, verbose: bool = False
) -> tuple[Network, Any]:
    dims = [2, n_h, 1] if n_h else [2, 1]
    net = Network(dims, hidden="tanh", output="sigmoid", init="small", seed=seed)
    history = net.fit(X, Y, epochs=epochs, learning_rate=lr, verbose=verbose)
    return net, history


def cmd_demo(args: argparse.Namespace) -> int:
    """Train the notes' network on the flower data and compare with logistic regression."""
    if not args.no_plot:
        check_output_dir(args.plot_dir, "--plot-dir")
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
            from ..views import plot

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


def add_demo(sub: Any) -> None:
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
