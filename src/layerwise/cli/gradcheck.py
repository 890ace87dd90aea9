"""``layerwise gradcheck``: back propagation checked against central differences, per
parameter, for a model on its data or for a network of ``--dims`` on random data."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..core.gradcheck import gradient_check
from ..model.network import Network
from .common import (
    CLIError,
    add_drop_missing,
    add_network_options,
    network_from_args,
    positive_float,
    positive_int,
    text_table,
)
from .model_data import model_data

__all__ = ["add_gradcheck", "cmd_gradcheck"]


def _random_targets(net: Network, m: int, rng: np.random.Generator) -> np.ndarray:
    nL = net.layer_dims[-1]
    if net.task == "binary":
        return rng.integers(0, 2, size=(nL, m)).astype(np.float64)
    if net.task == "multiclass":
        return np.eye(nL)[rng.integers(0, nL, size=m)].T
    return rng.standard_normal((nL, m))


# a network of more parameters than this is checked on a sample unless --sample all is given
_CHECK_ALL_UP_TO = 2000
_DEFAULT_SAMPLE = 200


def _sample_size(option: str | None, size: int) -> int | None:
    """How many parameters to check: None for all of them."""
    if option == "all" or (option is None and size <= _CHECK_ALL_UP_TO):
        return None
    if option is None:
        return _DEFAULT_SAMPLE
    return None if int(option) >= size else int(option)


def _sample_option(text: str) -> str:
    if text == "all":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer or 'all'; Received: {text!r}"
        )
    return str(value)


def cmd_gradcheck(args: argparse.Namespace) -> int:
    """Central differences against back propagation, per parameter; exit 1 when it fails."""
    if args.dims is None and args.model is not None and args.data is None:
        raise CLIError("gradcheck MODEL needs DATA too (or use --dims without a model)")
    if args.dims is not None and args.data is not None:
        raise CLIError("give MODEL DATA or --dims, not both")
    net = network_from_args(args, model=args.model)
    m = args.examples
    if args.model is not None:
        data = model_data(
            net,
            args.data,
            target=args.target,
            need_target=True,
            drop_missing=args.drop_missing,
            id_column=None,
        )
        assert data.X is not None and data.Y is not None
        X = data.X[:, :m]
        Y = data.Y[:, :m]
        if net.task == "multiclass":  # class indices (1, m) -> one-hot (n[L], m)
            Y = np.eye(net.layer_dims[-1])[Y[0].astype(np.intp)].T
        where = f"{args.model} on the first {X.shape[1]} rows of {args.data}"
    else:
        rng = np.random.default_rng(args.seed)
        X = rng.standard_normal((net.layer_dims[0], m))
        Y = _random_targets(net, m, rng)
        where = f"n = {net.layer_dims} on {m} random examples (seed {args.seed})"
    size = sum(int(v.size) for v in net.params.values())
    sample = _sample_size(args.sample, size)
    print(f"Gradient check of {where}:")
    if sample is not None:
        # each parameter costs two forward passes: millions of them would take hours
        print(
            f"checking {sample:,} of the {size:,} parameters, drawn at random (seed "
            f"{args.seed}); --sample K checks K of them, --sample all every one",
            flush=True,
        )
    result = gradient_check(
        X,
        Y,
        dict(net.params),
        net.activations,
        loss=net.loss,
        epsilon=args.epsilon,
        report=True,
        sample=sample,
        seed=args.seed,
    )
    print(
        "relative difference ‖approx − backprop‖ / (‖approx‖ + ‖backprop‖), "
        f"threshold {args.threshold:g}: PASS when each gradient's is below it"
    )
    rows: list[list[Any]] = [["gradient", "shape", "difference", ""]]
    failed = []
    for key, diff in result.per_parameter.items():
        shape = net.params[key[1:]].shape
        ok = diff < args.threshold
        failed += [] if ok else [key]
        rows.append([key, shape, f"{diff:.3e}", "ok" if ok else "FAIL"])
    print(text_table(rows))
    # one rule for the rows and the verdict: a gradient with a small norm (a db[l]) can be
    # wrong while the difference of all of them together, dominated by the large ones, is not
    passed = not failed and result.difference < args.threshold
    worst = result.per_parameter.get(result.worst, result.difference)
    print(
        f"overall: {result.difference:.3e}  {'PASS' if passed else 'FAIL'}"
        + ("" if passed else f" (worst: {result.worst} {worst:.3e}; failed: {', '.join(failed)})")
    )
    if not passed and net.task != "regression":
        AL = net.predict_proba(X)
        saturated = int(np.count_nonzero((AL.min(axis=0) < 1e-6) | (AL.max(axis=0) > 1 - 1e-6)))
        if saturated:
            print(
                f"note: for {saturated} of the {X.shape[1]} examples an output is within 1e-6 "
                f"of 0 or 1, where the cost's finite differences lose precision in float64; "
                f"try --epsilon 1e-5, other rows, or --dims"
            )
    return 0 if passed else 1


def add_gradcheck(sub: Any) -> None:
    """Add the ``gradcheck`` command."""
    p = sub.add_parser(
        "gradcheck",
        help="check back propagation against central differences",
        description="Compare back propagation's dW[l], db[l] with central differences "
        "(J(θ + ε) − J(θ − ε)) / 2ε, in float64, for a model on the first rows of "
        "DATA, or for a network of --dims on random data. Prints the relative "
        "difference of each gradient and PASS/FAIL; exit code 1 on FAIL.",
    )
    p.add_argument("model", metavar="MODEL", nargs="?", help="a model file")
    p.add_argument("data", metavar="DATA", nargs="?", help="data for the model")
    add_network_options(p)
    p.add_argument(
        "--examples",
        type=positive_int,
        default=10,
        metavar="M",
        help="number of examples (default 10)",
    )
    p.add_argument(
        "--sample",
        type=_sample_option,
        default=None,
        metavar="K",
        help=f"check K parameters drawn at random (each gradient gets its share), or 'all'; "
        f"default: all of them up to {_CHECK_ALL_UP_TO:,} parameters, else {_DEFAULT_SAMPLE}",
    )
    p.add_argument("--target", metavar="COL", help="the target column (default: the model's)")
    add_drop_missing(p)
    p.add_argument(
        "--epsilon",
        type=positive_float,
        default=1e-7,
        metavar="ε",
        help="the step ε of the central differences (default 1e-7)",
    )
    p.add_argument(
        "--threshold",
        type=positive_float,
        default=1e-7,
        help="largest relative difference that passes (default 1e-7)",
    )
    p.set_defaults(func=cmd_gradcheck)
