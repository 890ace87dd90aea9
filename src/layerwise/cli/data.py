"""``layerwise datasets``: the built-in data sets, listed, shown, or written to a file."""

from __future__ import annotations

import argparse
from typing import Any

from ..model.io import atomic_write_bytes
from ..tables import BUILTIN, frame_to_bytes, load_builtin, type_of_target
from .common import CLIError, check_output_file, positive_int, text_table

__all__ = ["add_datasets", "cmd_datasets"]


def _describe(name: str) -> list[Any]:
    frame = load_builtin(name)
    y = frame["target"].to_numpy()
    kind = type_of_target(y)
    what = "continuous" if kind == "continuous" else f"{frame['target'].nunique()} classes"
    return [name, frame.shape[0], frame.shape[1] - 1, what, BUILTIN[name]]


def cmd_datasets(args: argparse.Namespace) -> int:
    """List the built-in data sets; show one; or write one with --out."""
    if args.name is None:
        if args.out:
            raise CLIError(
                "--out needs a data set NAME, e.g. layerwise datasets iris --out iris.csv"
            )
        rows = [["name", "rows", "features", "target", "description"]]
        rows += [_describe(name) for name in BUILTIN]
        print(text_table(rows, right=(1, 2)))
        print(
            "\nUse a name wherever DATA is expected, e.g. 'layerwise train iris'; "
            "'layerwise datasets NAME --out NAME.csv' writes one as a table."
        )
        return 0
    name = args.name.strip().lower()
    if name not in BUILTIN:
        raise CLIError(
            f"unknown data set {args.name!r}; the built-in ones are: {', '.join(BUILTIN)}"
        )
    out = check_output_file(args.out, "--out") if args.out else None
    if out is not None and out.suffix.lower() not in (".csv", ".tsv", ".parquet"):
        raise CLIError(f"--out {out}: the suffix must be .csv, .tsv or .parquet")
    frame = load_builtin(name)
    if out is None:
        print(
            f"{name}: {BUILTIN[name]}; {frame.shape[0]} rows, columns "
            f"{', '.join(frame.columns[:6])}{', ...' if frame.shape[1] > 6 else ''}"
        )
        print(frame.head(args.head).to_string(index=False))
        return 0
    atomic_write_bytes(out, frame_to_bytes(frame, out))
    print(f"Wrote {name} ({frame.shape[0]} rows, {frame.shape[1]} columns) to {out}")
    return 0


def add_datasets(sub: Any) -> None:
    """Add the ``datasets`` command."""
    p = sub.add_parser(
        "datasets",
        help="list the built-in data sets, or write one as a table",
        description="Without NAME, list the built-in data sets (the generated ones, and "
        "scikit-learn's digits, breast_cancer, iris, wine and diabetes, which "
        "ship with it: nothing is downloaded). With NAME, show its first rows, or "
        "write it with --out FILE (.csv, .tsv or .parquet), features first and "
        "the target last in a column named 'target'.",
    )
    p.add_argument("name", metavar="NAME", nargs="?", help="a built-in data set")
    p.add_argument("--out", metavar="FILE", help="write the data set here")
    p.add_argument(
        "--head",
        type=positive_int,
        default=5,
        metavar="N",
        help="rows to show without --out (default 5)",
    )
    p.set_defaults(func=cmd_datasets)
