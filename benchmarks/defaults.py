"""Measure the defaults of ``layerwise train`` that depend on the table: the mini-batch size
and early stopping. Writes ``benchmarks/defaults.md``, from which ``docs/defaults.md`` explains
the rule chosen.

For each table (generated or shipped with scikit-learn; fixed seeds) it does what
``layerwise train`` does with its defaults: a validation split of 10 % drawn with the seed,
the columns encoded by a TableEncoder fitted on the training rows, the default network
(hidden layers 20, 7, 5, relu, He initialization, Adam, α = 0.001, float64). Then, for each
candidate batch size, it trains without early stopping, recording after every epoch the
elapsed time, the validation cost and the validation score (accuracy, or R² for a regression).
From those curves:

- the table's best score is the highest validation score any candidate reached (with the same
  seed, so the same validation rows), and the target is to come within 0.5 % of it, or within
  one validation row of it for an accuracy measured on fewer than 200 rows (one row of 30 is
  3.3 %: a difference the validation set cannot resolve);
- each candidate's time to target is the elapsed time at the first epoch whose validation
  score reaches the target;
- early stopping with patience p is replayed on each curve (Keras' rule, as
  ``layerwise.training.callbacks.EarlyStopping``: stop after p epochs without a lower validation
  cost, keep the epoch of the lowest one): the time it takes, and whether the kept epoch's score
  reaches the target.

Times are the process's CPU seconds (``time.process_time``) with NumPy's BLAS held to one
thread (threadpoolctl), so that they measure the work each candidate does rather than what the
other processes of a shared machine take: on a loaded two-core machine a multithreaded BLAS
makes some sizes several times slower from one run to the next. ``--threads 0`` leaves BLAS as
it is and measures wall time instead.

Run it from the repository root, with NumPy's BLAS left alone (unset OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE if they are set)::

    python benchmarks/defaults.py                  # every table (about 25 minutes on 2 cores)
    python benchmarks/defaults.py --quick --out /tmp/defaults.md   # small tables only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits, make_classification, make_friedman1

import layerwise as lw
from layerwise.tables import TableEncoder, class_labels, defaults, encode_labels, mixed_table

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 0.005  # within 0.5 % of the best validation score (or one validation row)
PATIENCES = (5, 10, 20)
#: what early stopping watches: the validation cost, or the validation score
MONITORS = ("cost", "score")
LAYERS = [20, 7, 5]
LR = 0.001


@dataclass
class Table:
    name: str
    make: Callable[[], tuple[pd.DataFrame, str]]
    batches: list[int]
    seeds: list[int]
    max_epochs: int = 200
    max_seconds: float = 60.0


def _digits() -> tuple[pd.DataFrame, str]:
    bunch = load_digits()
    frame = pd.DataFrame(bunch.data, columns=[f"pixel{j}" for j in range(64)])
    frame["target"] = bunch.target
    return frame, "target"


def _classification() -> tuple[pd.DataFrame, str]:
    X, y = make_classification(
        n_samples=200_000,
        n_features=50,
        n_informative=20,
        n_redundant=10,
        n_classes=2,
        flip_y=0.02,
        class_sep=0.8,
        random_state=0,
    )
    frame = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(50)])
    frame["target"] = y
    return frame, "target"


def _friedman() -> tuple[pd.DataFrame, str]:
    X, y = make_friedman1(n_samples=500_000, n_features=20, noise=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(20)])
    frame["y"] = y
    return frame, "y"


TABLES = [
    Table(
        "mixed-300",
        lambda: (mixed_table(m=300, seed=0).drop(columns="id"), "species"),
        [16, 32, 64, 128],
        [0, 1, 2, 3, 4],
    ),
    Table("digits-1797", _digits, [16, 32, 64, 128, 256], [0, 1, 2, 3, 4]),
    Table(
        "mixed-20000",
        lambda: (mixed_table(m=20_000, seed=1).drop(columns="id"), "species"),
        [32, 64, 128, 256, 512, 1024],
        [0, 1, 2],
    ),
    Table("classification-200000", _classification, [32, 128, 256, 512, 1024, 2048], [0]),
    Table("friedman1-500000", _friedman, [128, 256, 512, 1024, 2048], [0]),
]


@dataclass
class Curve:
    """One training run: per epoch, the elapsed seconds, validation cost and score."""

    batch: int
    seed: int
    seconds: list[float] = field(default_factory=list)
    val_cost: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)

    def first_reaching(self, target: float) -> int | None:
        return next((e for e, s in enumerate(self.val_score) if s >= target), None)

    def early_stopping(self, patience: int, monitor: str) -> tuple[int, int]:
        """(stopping epoch, kept epoch) of EarlyStopping(patience) replayed on this curve,
        watching the validation cost (lower is better) or score (higher is better); a run
        that ended before it would have stopped counts whole, keeping its best epoch."""
        values = self.val_cost if monitor == "cost" else [-v for v in self.val_score]
        best, best_epoch, wait = math.inf, 0, 0
        for epoch, value in enumerate(values):
            if value < best:
                best, best_epoch, wait = value, epoch, 0
            else:
                wait += 1
                if wait >= patience:
                    return epoch, best_epoch
        return len(values) - 1, best_epoch


#: the clock: CPU seconds of this process (one BLAS thread), or wall seconds (--threads 0)
CLOCK: Callable[[], float] = time.process_time


class Recorder:
    def __init__(self, curve: Curve, score_key: str, max_seconds: float) -> None:
        self.curve, self.key, self.max_seconds = curve, score_key, max_seconds
        self.start = CLOCK()

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        self.curve.seconds.append(CLOCK() - self.start)
        self.curve.val_cost.append(logs["val_cost"])
        self.curve.val_score.append(logs[self.key])
        return self.curve.seconds[-1] > self.max_seconds


def prepare(frame: pd.DataFrame, target: str, seed: int):
    """What 'layerwise train' does before training, with its default validation split."""
    y = frame[target].to_numpy()
    features = frame.drop(columns=target)
    m = len(frame)
    order = np.random.default_rng(seed).permutation(m)
    n_val = round(m * defaults.VALIDATION_SPLIT)
    train, val = np.sort(order[n_val:]), np.sort(order[:n_val])
    encoder = TableEncoder().fit(features.iloc[train])
    X = encoder.transform(features)
    regression = y.dtype.kind == "f"
    if regression:
        Y = ((y - y[train].mean()) / y[train].std())[None, :]
        output = "linear"
    else:
        classes = class_labels(y)
        Y = encode_labels(y, classes)[None, :].astype(float)
        output = "sigmoid" if len(classes) == 2 else "softmax"
    n_out = 1 if output != "softmax" else len(classes)
    return X[:, train], Y[:, train], X[:, val], Y[:, val], output, n_out


def measure(table: Table, log: Callable[[str], None]) -> tuple[list[Curve], dict[str, int]]:
    frame, target = table.make()
    curves = []
    info: dict[str, int] = {}
    for seed in table.seeds:
        X, Y, Xv, Yv, output, n_out = prepare(frame, target, seed)
        key = "val_r2" if output == "linear" else "val_accuracy"
        info = {"m": X.shape[1], "n0": X.shape[0], "n_val": Xv.shape[1]}
        info["rows"] = 0 if output == "linear" else Xv.shape[1]  # accuracy's resolution
        for batch in table.batches:
            curve = Curve(batch, seed)
            net = lw.Network(
                [X.shape[0], *LAYERS, n_out], hidden="relu", output=output, init="he", seed=seed
            )
            net.fit(
                X,
                Y,
                epochs=table.max_epochs,
                learning_rate=LR,
                batch_size=batch,
                optimizer="adam",
                validation_data=(Xv, Yv),
                callbacks=[Recorder(curve, key, table.max_seconds)],
            )
            curves.append(curve)
            log(
                f"{table.name} seed {seed} batch {batch}: {len(curve.seconds)} epochs in "
                f"{curve.seconds[-1]:.1f} s, best {key} {max(curve.val_score):.4f}"
            )
    return curves, info


@dataclass
class Summary:
    """A table's results: per batch size, the medians over the seeds."""

    table: Table
    info: dict[str, int]
    epoch_seconds: dict[int, float]
    time_to_target: dict[int, float]  # inf when a seed never reached it
    epochs_to_target: dict[int, float]
    #: (batch, patience, monitor) -> (seconds, runs whose kept epoch reached the target, runs)
    stopping: dict[tuple[int, int, str], tuple[float, int, int]]
    #: (batch, patience, monitor) -> median of (best score − the kept epoch's score)
    gap: dict[tuple[int, int, str], float]
    best: float


def summarize(table: Table, info: dict[str, int], curves: list[Curve]) -> Summary:
    targets, bests, bests_by_seed = {}, [], {}
    # an accuracy moves in steps of one validation row: closer than that is not measurable
    resolution = 1.0 / info["rows"] if info["rows"] else 0.0
    for seed in table.seeds:
        best = max(max(c.val_score) for c in curves if c.seed == seed)
        targets[seed] = best - max(TOLERANCE * abs(best), resolution) - 1e-12
        bests.append(best)
        bests_by_seed[seed] = best
    epoch_seconds, to_target, epochs_to = {}, {}, {}
    stopping, gap = {}, {}
    for batch in table.batches:
        runs = [c for c in curves if c.batch == batch]
        epoch_seconds[batch] = statistics.median(c.seconds[-1] / len(c.seconds) for c in runs)
        times, epochs = [], []
        for c in runs:
            e = c.first_reaching(targets[c.seed])
            times.append(math.inf if e is None else c.seconds[e])
            epochs.append(math.inf if e is None else e + 1)
        to_target[batch] = statistics.median(times)
        epochs_to[batch] = statistics.median(epochs)
        for p in PATIENCES:
            for monitor in MONITORS:
                spent, gaps, reached = [], [], 0
                for c in runs:
                    stop, kept = c.early_stopping(p, monitor)
                    spent.append(c.seconds[stop])
                    reached += c.val_score[kept] >= targets[c.seed]
                    gaps.append(bests_by_seed[c.seed] - c.val_score[kept])
                stopping[batch, p, monitor] = (statistics.median(spent), reached, len(runs))
                gap[batch, p, monitor] = statistics.median(gaps)
    return Summary(
        table, info, epoch_seconds, to_target, epochs_to, stopping, gap, statistics.median(bests)
    )


def _seconds(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:.2f}"


def report(summaries: list[Summary], elapsed: float, threads: int) -> str:
    try:
        import threadpoolctl

        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        blas_text = ", ".join(
            f"{i['internal_api']} {i.get('architecture')} ({i['num_threads']} threads)"
            for i in blas
        )
    except ImportError:
        blas_text = "unknown (threadpoolctl is not installed)"
    lines = [
        "# The defaults of `layerwise train`, measured",
        "",
        "Written by `python benchmarks/defaults.py` (see its docstring for the method). Each "
        "table is split as `layerwise train` splits it (10 % for validation, drawn with the "
        "seed), encoded by a TableEncoder fitted on the training rows, and trained with the "
        f"default network (hidden layers {', '.join(map(str, LAYERS))}, relu, He, Adam, "
        f"α = {LR}, float64) for each candidate batch size, without early stopping, recording "
        "the validation score (accuracy, or R² for regression) and cost after every epoch. "
        "The target is the table's best validation score (with the same seed) less 0.5 %, or "
        "less one validation row when that is more (an accuracy on 30 rows moves in steps of "
        "3.3 %); medians over the seeds.",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"NumPy {np.__version__}, BLAS: {blas_text}; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}. "
        f"Total time {elapsed / 60:.1f} minutes. "
        + (
            f"Times are CPU seconds of the process with BLAS held to {threads} thread(s): the "
            "work of each candidate, whatever the other processes of the shared machine do."
            if threads
            else "Times are wall seconds with BLAS as it is."
        ),
        "",
        "## Time to reach the target, per batch size",
        "",
        "| table | m (training rows) | validation rows | n[0] | best score | batch | "
        "s per epoch | epochs to target | s to target |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        fastest = min(s.time_to_target, key=lambda b: s.time_to_target[b])
        for batch in s.table.batches:
            mark = " **(fastest)**" if batch == fastest else ""
            epochs = s.epochs_to_target[batch]
            rule = " (rule)" if batch == defaults.batch_size_for(s.info["m"]) else ""
            lines.append(
                f"| {s.table.name} | {s.info['m']} | {s.info['n_val']} | {s.info['n0']} | "
                f"{s.best:.4f} | "
                f"{batch}{rule} | {s.epoch_seconds[batch]:.3f} | "
                f"{'never' if math.isinf(epochs) else f'{epochs:g}'} | "
                f"{_seconds(s.time_to_target[batch])}{mark} |"
            )
    lines += [
        "",
        "## Early stopping replayed on the same curves",
        "",
        "Seconds until early stopping with patience p stops training (median over the seeds), "
        "and in how many runs the kept epoch reaches the target; watching the validation cost "
        "(the epoch of the lowest cost is kept) or the validation score (the epoch of the "
        "highest score is kept; a tie is no improvement).",
        "",
        "| table | batch | "
        + " | ".join(f"{w}, p = {p}: s, reached" for w in MONITORS for p in PATIENCES)
        + " |",
        "|---|---|" + "---|" * (len(PATIENCES) * len(MONITORS)),
    ]
    for s in summaries:
        for batch in s.table.batches:
            cells = []
            for monitor in MONITORS:
                for p in PATIENCES:
                    spent, reached, runs = s.stopping[batch, p, monitor]
                    cells.append(f"{spent:.2f}, {reached}/{runs}")
            lines.append(f"| {s.table.name} | {batch} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## The rule",
        "",
        f"Batch size: {defaults.BATCH_RULE}. Validation split {defaults.VALIDATION_SPLIT:g}, "
        f"early stopping with patience {defaults.PATIENCE} (at most {defaults.EPOCHS} epochs), "
        "the best epoch's weights kept.",
        "",
        "| table | m | rule's batch | its s to target | fastest batch | its s to target | "
        f"rule + early stopping (p = {defaults.PATIENCE}, watching the {defaults.MONITOR}): "
        "s, reached | its kept score's gap to the best | "
        "old default (batch 32, 100 epochs): s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        rule = defaults.batch_size_for(s.info["m"])
        fastest = min(s.time_to_target, key=lambda b: s.time_to_target[b])
        measured = rule in s.time_to_target
        key = (rule, defaults.PATIENCE, defaults.MONITOR)
        stop, gap = s.stopping.get(key), s.gap.get(key)
        old = s.epoch_seconds.get(32)
        lines.append(
            f"| {s.table.name} | {s.info['m']} | {rule} | "
            f"{_seconds(s.time_to_target[rule]) if measured else 'not measured'} | {fastest} | "
            f"{_seconds(s.time_to_target[fastest])} | "
            f"{f'{stop[0]:.2f}, {stop[1]}/{stop[2]}' if stop else 'not measured'} | "
            f"{'not measured' if gap is None else f'{gap:.4f}'} | "
            f"{f'{100 * old:.1f}' if old else 'not measured'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the two small tables only")
    parser.add_argument("--tables", help="comma-separated table names")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "defaults.md"))
    parser.add_argument("--curves", help="also write the measured curves here (JSON)")
    parser.add_argument(
        "--from-curves", help="analyse curves written by --curves instead of training"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads, timed in CPU seconds (default 1); 0: BLAS as it is, wall seconds",
    )
    args = parser.parse_args(argv)
    global CLOCK
    limit = None
    if args.threads:
        import threadpoolctl

        limit = threadpoolctl.threadpool_limits(args.threads)
    else:
        CLOCK = time.perf_counter
    tables = TABLES[:2] if args.quick else TABLES
    if args.tables:
        wanted = args.tables.split(",")
        tables = [t for t in TABLES if t.name in wanted]
    start = time.perf_counter()
    summaries, saved = [], {}
    loaded = json.loads(Path(args.from_curves).read_text()) if args.from_curves else {}
    for table in tables:
        if loaded:
            if table.name not in loaded:  # measured apart, or not at all
                continue
            info, curves = (
                loaded[table.name]["info"],
                [Curve(**c) for c in loaded[table.name]["curves"]],
            )
        else:
            curves, info = measure(table, lambda text: print(text, file=sys.stderr, flush=True))
        saved[table.name] = {"info": info, "curves": [asdict(c) for c in curves]}
        summaries.append(summarize(table, info, curves))
    elapsed = loaded.get("_elapsed", 0.0) if loaded else time.perf_counter() - start
    if args.curves:
        Path(args.curves).write_text(json.dumps({**saved, "_elapsed": elapsed}))
    text = report(summaries, elapsed, args.threads)
    if limit is not None:
        limit.restore_original_limits()
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
