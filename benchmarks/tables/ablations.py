"""The ablation table of ``docs/defaults.md``: each variant of the table door's defaults run on
the whole suite (three seeds, ``run.py``'s protocol), and its summary against the anchors.

A variant is a tag, a patch of module constants applied before the command line runs (see
``run.py --patch``) and extra options of ``layerwise train``. Results are cached by tag, so a
rerun only measures new variants (``--force`` measures again).

    python benchmarks/tables/ablations.py              # run what is missing, print the table
    python benchmarks/tables/ablations.py --table-only # print it from the cache
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from report import results, summary  # noqa: E402
from run import DEFAULT_SUITES, load_suite, run, table_name  # noqa: E402

REFIT = {"layerwise.tables.defaults.REFIT_ROWS": 3000, "layerwise.tables.defaults.CLIP": None}
MIN_FREQUENCY_1 = {
    "layerwise.tables.encoder.MIN_FREQUENCY": 1,
    "layerwise.tables.encoder.TableEncoder.min_frequency": 1,
}

#: (tag, what it changes, patch, options); the first is the defaults before this measurement
W = "layerwise.tables.defaults.WIDTH"
PATIENCE = "layerwise.tables.defaults.PATIENCE_STEPS"
SMALL = "layerwise.tables.defaults.SMALL_ROWS"
REFIT_1000 = {"layerwise.tables.defaults.REFIT_ROWS": 1000, "layerwise.tables.defaults.CLIP": None}
#: the defaults before this measurement: no refit
BASE = {"layerwise.tables.defaults.REFIT_ROWS": 0, "layerwise.tables.defaults.CLIP": None}
ROBUST = {"layerwise.tables.defaults.NUMERIC_SCALING": "robust"}
CLIP = "layerwise.tables.defaults.CLIP"
#: RARE_ROWS = 1: the rare count min(5, m), the fixed 5 of before
RARE_ROWS = "layerwise.tables.defaults.RARE_ROWS_PER_COUNT"
RARE_MIN = "layerwise.tables.defaults.MIN_RARE_COUNT"

#: (tag, what it changes, patch, options); the first is the defaults before this measurement
VARIANTS: list[tuple[str, str, dict[str, Any], list[str]]] = [
    (
        "base",
        "one layer of 128, validation 0.2 under 1000 rows, patience ≥ 250 steps",
        BASE,
        [],
    ),
    ("minfreq1", "base, no merging of rare categories", {**BASE, **MIN_FREQUENCY_1}, []),
    ("width256", "base, 256 hidden units", {**BASE, W: 256}, []),
    ("depth2", "base, two hidden layers of 128", BASE, ["--layers", "128,128"]),
    ("epochs400", "base, at most 400 epochs", BASE, ["--epochs", "400"]),
    ("patience500", "base, patience ≥ 500 steps", {**BASE, PATIENCE: 500}, []),
    ("small3000", "base, validation 0.2 under 3000 rows", {**BASE, SMALL: 3000}, []),
    ("refit1000", "base, refit on every row under 1000 rows", REFIT_1000, []),
    ("refit3000", "base, refit on every row under 3000 rows", REFIT, []),
    ("r3k_mf1", "refit3000, no merging of rare categories", {**REFIT, **MIN_FREQUENCY_1}, []),
    ("r3k_e400", "refit3000, at most 400 epochs", REFIT, ["--epochs", "400"]),
    ("r3k_lr3", "refit3000, α = 0.003", REFIT, ["--lr", "0.003"]),
    ("r3k_w256", "refit3000, 256 hidden units", {**REFIT, W: 256}, []),
    ("r3k_l2", "refit3000, L2 λ = 0.01", REFIT, ["--l2", "0.01"]),
    ("r3k_p500", "refit3000, patience ≥ 500 steps", {**REFIT, PATIENCE: 500}, []),
    (
        "r3k_rob3",
        "refit3000, robust scaling and smooth clip at 3",
        {**REFIT, **ROBUST, CLIP: 3.0},
        [],
    ),
    ("r3k_rob", "refit3000, robust scaling", {**REFIT, **ROBUST}, []),
    ("r3k_std3", "refit3000, smooth clip at 3 (the defaults now)", {**REFIT, CLIP: 3.0}, []),
    ("r3k_std2", "refit3000, smooth clip at 2", {**REFIT, CLIP: 2.0}, []),
    ("r3k_std5", "refit3000, smooth clip at 5", {**REFIT, CLIP: 5.0}, []),
    ("r3k_std3_l2", "r3k_std3, L2 λ = 0.01", {**REFIT, CLIP: 3.0}, ["--l2", "0.01"]),
    # the 60-table suite; the tags after the first run from the code of their change
    ("8ace23fd2b0f", "r3k_std3 on 60 tables: ≤ 10 integer values are classes, merge < 5", {}, []),
    ("d_task", "integer counts and scores are regressions", {RARE_ROWS: 1}, []),
    ("d_both", "d_task, and rare count ceil(m/1000) in [1, 5]", {RARE_MIN: 1}, []),
    (
        "d_rare2",
        "d_task, and rare count ceil(m/1000) in [2, 5] (the defaults now)",
        {"layerwise.tables.defaults.MIN_RARE_COUNT": 2},
        [],
    ),
]


def table(suites: list[Path]) -> str:
    """One row per variant measured: its summary against the anchors on the tables it ran
    (the variants before the 60-table suite ran on its first 24 tables)."""
    tables = [table_name(s) for s in load_suite(suites)]
    refs = {m: results(m, "ref") for m in ("mlp", "hgb", "realmlp", "tabm", "dummy")}
    rows = [
        "| variant | what | tables ≥ best MLP-family − 0.01 | worst vs best | mean | − MLP | "
        "− HGB | − RealMLP | − TabM | median train process (s) |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for tag, what, _, _ in VARIANTS:
        lw = results("lw", tag)
        if not lw:
            continue
        s = summary({"lw": lw, **refs}, [t for t in tables if t in lw])

        def diff(anchor: str, s: dict[str, Any] = s) -> str:
            paired = s[f"paired_{anchor}"]
            return "—" if paired is None else f"{paired[0] - paired[1]:+.4f}"

        # the whole train process (start-up included), as every variant recorded it
        times = [
            r.get("process_seconds") or r["seconds"]
            for recs in lw.values()
            for r in recs
            if r.get("seconds")
        ]
        mean = "—" if s["mean_lw"] is None else f"{s['mean_lw']:.4f}"
        worst = "—" if s["worst"] is None else f"{s['worst']:+.3f} ({s['worst_table']})"
        rows.append(
            f"| `{tag}` | {what} | {s['within']}/{s['judged']} | {worst} | {mean} | "
            f"{diff('mlp')} | {diff('hgb')} | {diff('realmlp')} | {diff('tabm')} | "
            f"{statistics.median(times):.2f} |"
        )
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", type=Path, nargs="+", default=list(DEFAULT_SUITES))
    p.add_argument("--table-only", action="store_true", help="print the table from the cache")
    p.add_argument("--force", action="store_true")
    args = p.parse_args()
    if not args.table_only:
        specs = load_suite(args.suite)
        for tag, _, patch, options in VARIANTS:
            run(["lw"], specs, [0, 1, 2], patch, options, tag, args.force)
    print(table(args.suite))


if __name__ == "__main__":
    main()
