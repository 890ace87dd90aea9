"""One generated mixed table trained raw with ``layerwise train``'s defaults, next to
scikit-learn's ``MLPClassifier`` in a ``ColumnTransformer`` pipeline, on the same split.

The table is :func:`layerwise.tables.mixed_table` (a penguin survey: four measurements, three
text columns, a boolean and a year, missing values in numbers and text, a rare island, an id
column). A quarter of the rows is held out as the test set; both tools see only the other
three quarters, raw. layerwise runs its command line as a user would: ``layerwise train
train.csv --target species --out model.safetensors`` (all defaults: its own validation split,
early stopping, the batch-size rule), then ``layerwise evaluate model.safetensors test.csv``.
scikit-learn gets the same encoding written as a ``ColumnTransformer`` (median imputation with
a missing indicator and ``StandardScaler`` for numbers, ``OneHotEncoder`` with missing as a
category and categories rarer than 5 rows merged) in front of ``MLPClassifier``, with its
defaults and with the layerwise network's sizes and early stopping. Each is run ``--repeats``
times; the table reports the median wall time (training only, reading and encoding included
for both) and the test accuracy (the same every repeat: fixed seeds).

    python benchmarks/mixed_table.py                   # 20 000 rows, 3 repeats
    python benchmarks/mixed_table.py --rows 100000 --repeats 1
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from layerwise.cli import main as layerwise
from layerwise.tables import mixed_table

NUMBERS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
TEXT = ["island", "sex", "diet"]


def pipeline(mlp: MLPClassifier) -> object:
    """The encoding layerwise learns, written with scikit-learn's transformers."""
    numbers = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    onehot = OneHotEncoder(
        handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False
    )
    encode = ColumnTransformer(
        [
            ("numbers", numbers, NUMBERS),
            ("text", onehot, TEXT),
            ("tagged", SimpleImputer(strategy="median", add_indicator=True), ["tagged"]),
        ]
    )
    return make_pipeline(encode, mlp)


def for_sklearn(frame: pd.DataFrame) -> pd.DataFrame:
    """Text with NaN for missing values, booleans as 0/1 floats: what the transformers take."""
    out = frame.copy()
    out["tagged"] = out["tagged"].map(lambda v: np.nan if v is None or v != v else float(v))
    for c in TEXT:
        out[c] = out[c].astype(object).where(out[c].notna(), np.nan)
    return out


def run_layerwise(folder: Path) -> tuple[float, float, str]:
    """Train with the command line's defaults and evaluate on the test rows: (seconds,
    accuracy, the training's last lines)."""
    model = folder / "model.safetensors"
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = layerwise(
            ["train", str(folder / "train.csv"), "--target", "species", "--out", str(model)]
        )
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"layerwise train failed:\n{out.getvalue()}")
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        layerwise(["evaluate", str(model), str(folder / "test.csv")])
    line = next(x for x in report.getvalue().splitlines() if x.startswith("accuracy"))
    summary = [
        x for x in out.getvalue().splitlines() if x.startswith(("Stopped", "Training", "Time"))
    ]
    return seconds, float(line.split()[1]), "\n".join(summary)


def run_sklearn(folder: Path, mlp: MLPClassifier) -> tuple[float, float]:
    start = time.perf_counter()
    train = pd.read_csv(folder / "train.csv")
    model = pipeline(mlp)
    model.fit(for_sklearn(train), train["species"])
    seconds = time.perf_counter() - start
    test = pd.read_csv(folder / "test.csv")
    return seconds, accuracy_score(test["species"], model.predict(for_sklearn(test)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    frame = mixed_table(m=args.rows, seed=args.seed)
    train, test = train_test_split(
        frame, test_size=0.25, random_state=args.seed, stratify=frame["species"]
    )
    tools = {
        "layerwise train (defaults)": None,
        "MLPClassifier (defaults: hidden 100, batch 200, adam)": MLPClassifier(random_state=0),
        "MLPClassifier (hidden 20, 7, 5, early_stopping=True)": MLPClassifier(
            hidden_layer_sizes=(20, 7, 5), early_stopping=True, random_state=0
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in tools}
    scores: dict[str, float] = {}
    notes = ""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train.to_csv(folder / "train.csv", index=False)
        test.to_csv(folder / "test.csv", index=False)
        import warnings

        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(args.repeats):  # alternate the tools within each repeat
            for name, mlp in tools.items():
                if mlp is None:
                    seconds, score, notes = run_layerwise(folder)
                else:
                    seconds, score = run_sklearn(folder, mlp)
                times[name].append(seconds)
                scores[name] = score
    print(
        f"mixed_table(m={args.rows}, seed={args.seed}): {len(train)} training rows, "
        f"{len(test)} test rows (stratified), {frame.shape[1] - 2} feature columns; "
        f"median of {args.repeats} runs\n"
    )
    print("| tool | test accuracy | training time (s) |")
    print("|---|---|---|")
    for name in tools:
        print(f"| {name} | {scores[name]:.4f} | {statistics.median(times[name]):.2f} |")
    print(f"\nlayerwise's last run:\n{notes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
