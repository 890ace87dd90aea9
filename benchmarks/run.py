"""Benchmark layerwise's training loop against the matrix-product floor, a plain NumPy
implementation of the notes, scikit-learn's MLPClassifier and PyTorch, in one run.

Every tool trains the same network from the same initial weights on the same data, in the
same batch order (no shuffling), with plain gradient descent, so that the wall times compare
the same work and the final losses agree. Repeats alternate between the tools (every tool runs
once per repeat, the order rotated from one repeat to the next) and the report gives medians.

Usage::

    python benchmarks/run.py [--repeats N] [--workloads planar,digits,...] [--quick]
                             [--out benchmarks/results.md]

See benchmarks/README.md for what each column means.
"""

from __future__ import annotations

import os
import sys

from blasenv import UNSET_MARKER, reexec_without_openblas_overrides

if __name__ == "__main__":
    reexec_without_openblas_overrides()

import argparse
import time
from dataclasses import replace
from pathlib import Path

# the sibling modules import NumPy, so they come after the re-exec
from optional import sklearn, torch
from report import blas_threads, load_average, report
from timing import measure, measure_quiet_busy
from tools import TOOLS
from workloads import WORKLOADS

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    families = list(dict.fromkeys(spec.family for spec in WORKLOADS))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None, help="default 7 (1 with --quick)")
    parser.add_argument(
        "--workloads",
        default=",".join(families),
        help=f"comma-separated, from {', '.join(families)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke test")
    parser.add_argument(
        "--tools",
        default=None,
        help=f"comma-separated, from {', '.join(t.name for t in TOOLS)} (default: all)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument(
        "--busy-workload",
        default="digits-float32",
        help="the workload timed quiet and with one core busy ('none' to skip)",
    )
    args = parser.parse_args(argv)
    args.workloads = [name.strip() for name in args.workloads.split(",") if name.strip()]
    unknown = set(args.workloads) - set(families) - {spec.key for spec in WORKLOADS}
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {families}")
    if args.repeats is None:
        args.repeats = 1 if args.quick else 7
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_at_start = load_average()
    if torch is not None:
        torch.set_num_threads(blas_threads())
    tools = [tool for tool in TOOLS if tool.missing is None]
    if args.tools:
        wanted = {name.strip() for name in args.tools.split(",")}
        tools = [tool for tool in tools if tool.name in wanted or tool.name == "layerwise"]
    for tool in TOOLS:
        if tool.missing:
            print(f"skipping {tool.name}: {tool.missing}")
    specs = [s for s in WORKLOADS if s.family in args.workloads or s.key in args.workloads]
    skipped = []
    if sklearn is None and any(s.family == "digits" for s in specs):
        skipped.append("digits: its data comes from scikit-learn, which is not installed")
        print(f"skipping {skipped[-1]}")
        specs = [s for s in specs if s.family != "digits"]
    if args.quick:
        specs = [replace(s, **s.quick) for s in specs]

    results = []
    for spec in specs:
        print(f"{spec.title}: {spec.epochs} epochs, {args.repeats} repeats", flush=True)
        results.append(measure(spec, tools, args.repeats))

    quiet_busy = None
    busy_specs = [s for s in specs if s.key == args.busy_workload]
    if busy_specs:
        spec = busy_specs[0]
        print(f"{spec.title}: quiet and with one core busy, {args.repeats} repeats", flush=True)
        peers = [t for t in tools if t.name not in ("floor", "naive", "inline")]
        quiet_busy = measure_quiet_busy(spec, peers, args.repeats)

    elapsed = time.perf_counter() - started
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    unset = os.environ.get(UNSET_MARKER)  # what the re-exec unset, if it ran
    text = report(
        results,
        tools,
        args.repeats,
        command.strip(),
        elapsed,
        load_at_start,
        skipped,
        unset,
        quiet_busy,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {args.out} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
