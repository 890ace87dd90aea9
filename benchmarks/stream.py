"""A table bigger than memory: peak memory, time per row and quality of ``train --stream``
against training the same rows in memory.

    python benchmarks/stream.py [--rows 4000000] [--files 8] [--epochs 2] [--memory-rows 1000000]
                                [--dir DIR]

The table: ``--rows`` rows of 24 float and 4 text columns (5, 12, 30 and 100 categories) and a
yes/no target, in ``--files`` Parquet files (written once into DIR, default a temporary
folder). Every run is a fresh process whose peak RSS (``ru_maxrss``) is reported:

- **stream**: ``layerwise train DIR --stream`` on every row;
- **stream, the in-memory run's file**: ``--stream`` on one Parquet file of ``--memory-rows``
  rows;
- **in memory**: the same command with ``--no-stream`` on that file (``--engine auto`` picks
  the jax engine for this much work where JAX is installed; a streamed table trains with the
  numpy engine), and again with ``--engine numpy``: the references for the time per row and
  the quality (the validation rows differ: a hashed position there, a random
  permutation in memory; both a 10 % share, capped at 50 000 rows when streaming).

Both train the default network (one hidden layer of 128, Adam, mini-batches of 512) for
``--epochs`` epochs, float64, and report the training seconds per row per epoch (the training
loop: for the stream, reading and encoding every epoch included; in memory, the table is read
and encoded once, before) and the validation accuracy. Timings without the OpenBLAS overrides
(see blasenv.py); the BLAS kernel that ran is printed (threadpoolctl).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from blasenv import OPENBLAS_OVERRIDES

_CHILD = r"""
import json, sys, time

from layerwise._memory import peak_rss as peak

args = json.loads(sys.argv[1])
from layerwise.cli import main
start = time.perf_counter()
code = main(args)
wall = time.perf_counter() - start
high = peak()
print("RESULT " + json.dumps({"code": code, "wall": wall, "peak": high}))
"""


def make_table(m: int, seed: int = 0):  # type: ignore[no-untyped-def]
    """m rows: 24 normal floats, 4 text columns, a yes/no target of a nonlinear rule."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 24))
    cats = [rng.integers(0, k, m) for k in (5, 12, 30, 100)]
    logit = (
        X[:, 0]
        - 0.8 * X[:, 1]
        + 0.5 * X[:, 2] * X[:, 3]
        + np.sin(X[:, 4])
        + 0.3 * (cats[0] - 2)
        + 0.02 * (cats[2] - 15)
    )
    y = logit + 0.5 * rng.logistic(size=m) > 0
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(24)])
    for j, codes in enumerate(cats):
        names = np.array([f"v{j}_{i}" for i in range(codes.max() + 1)], dtype=object)
        frame[f"c{j}"] = names[codes]
    frame["label"] = np.where(y, "yes", "no")
    return frame


def write_folder(folder: str, m: int, files: int) -> None:
    os.makedirs(folder, exist_ok=True)
    step = -(-m // files)
    for i in range(files):
        rows = min(step, m - i * step)
        make_table(rows, seed=i).to_parquet(os.path.join(folder, f"part-{i}.parquet"), index=False)


def run(argv: list[str], out: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_OVERRIDES}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps([*argv, "--out", out])],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        sys.exit(f"failed: {argv}\n{done.stdout}\n{done.stderr}")
    lines = done.stdout.splitlines()
    result = json.loads(next(line for line in lines if line.startswith("RESULT "))[7:])
    from layerwise import Network

    net = Network.load(out)
    training = net.metadata["training"]
    validation = net.metadata["metrics"].get("validation", {})
    rows = training.get("training_rows") or round(
        training["rows"] * (1 - training["validation_split"])
    )
    result.update(
        seconds=training["seconds"],
        epochs=training["epochs_run"],
        rows=rows,
        per_row=training["seconds"] / (rows * training["epochs_run"]),
        val_accuracy=validation.get("accuracy"),
        output=[
            line for line in lines if line.startswith(("Throughput", "Training:", "Validation:"))
        ],
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    base = args.dir or tempfile.mkdtemp(prefix="layerwise-stream-")
    folder = os.path.join(base, f"table-{args.rows}-{args.files}")
    if not os.path.isdir(folder):
        start = time.perf_counter()
        write_folder(folder, args.rows, args.files)
        print(f"wrote {folder} in {time.perf_counter() - start:.0f} s")
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    one = os.path.join(base, f"memory-{args.memory_rows}.parquet")
    if not os.path.exists(one):
        make_table(args.memory_rows, seed=0).to_parquet(one, index=False)
    try:
        import threadpoolctl

        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        kernel = ", ".join(f"{i['internal_api']} {i.get('architecture')}" for i in blas)
    except ImportError:
        kernel = "unknown (threadpoolctl is not installed)"
    print(
        f"table: {args.rows} rows x (24 float + 4 text) in {args.files} files, "
        f"{size / 2**20:.0f} MiB"
    )
    print(f"BLAS: {kernel}; {os.cpu_count()} cores")
    common = ["--target", "label", "--epochs", str(args.epochs), "--quiet", "--early-stopping", "0"]
    with tempfile.TemporaryDirectory() as tmp:
        stream = run(["train", folder, "--stream", *common], os.path.join(tmp, "s.lw"))
        same = run(["train", one, "--stream", *common], os.path.join(tmp, "s1.lw"))
        memory = run(["train", one, "--no-stream", *common], os.path.join(tmp, "m.lw"))
        numpy_memory = run(
            ["train", one, "--no-stream", "--engine", "numpy", *common], os.path.join(tmp, "n.lw")
        )
    rows = [
        (f"stream, {args.files} files", args.rows, stream),
        ("stream, the in-memory run's file", args.memory_rows, same),
        ("in memory (--engine auto)", args.memory_rows, memory),
        ("in memory, --engine numpy", args.memory_rows, numpy_memory),
    ]
    print()
    print(
        "| run | rows | peak RSS | whole command s | training s | µs per row per epoch "
        "| validation accuracy |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, m, r in rows:
        print(
            f"| {name} | {m:,} | {r['peak'] / 2**20:,.0f} MiB | {r['wall']:.1f} | "
            f"{r['seconds']:.1f} | {r['per_row'] * 1e6:.2f} | {r['val_accuracy']:.4f} |"
        )
    print()
    print(f"stream ÷ memory (auto), time per row: {stream['per_row'] / memory['per_row']:.2f}")
    print(f"  on the same rows: {same['per_row'] / memory['per_row']:.2f}")
    ratio = same["per_row"] / numpy_memory["per_row"]
    print(f"  on the same rows, both with the numpy engine: {ratio:.2f}")
    print(f"stream peak RSS: {stream['peak'] / 2**30:.2f} GiB (target <= 1 GiB)")
    for line in stream["output"]:
        print(f"  stream: {line}")


if __name__ == "__main__":
    main()
