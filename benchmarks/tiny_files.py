"""Many tiny files: the time per file of preparing a streamed folder and of an epoch.

    python benchmarks/tiny_files.py [--files 2000] [--rows 5] [--format parquet] [--epochs 2]

A folder of ``--files`` files of ``--rows`` rows each (two numbers, a text column, a yes/no
target), Parquet or CSV. The script times, in this process, ``prepare_stream`` (the pass that
fits the encoder) and each epoch's pass of ``stream_batches`` (reading, encoding and batching
every training row, without the network's steps), and prints the milliseconds per file of
each. The row count of every epoch is checked against the training rows prepared.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def write_folder(folder: str, files: int, rows: int, fmt: str) -> None:
    import pandas as pd

    rng = np.random.default_rng(0)
    os.makedirs(folder, exist_ok=True)
    for i in range(files):
        a, b = rng.normal(size=rows), rng.normal(size=rows)
        frame = pd.DataFrame(
            {
                "a": a,
                "b": b,
                "c": rng.choice(["red", "green", "blue"], rows),
                "label": np.where(a - b > 0, "yes", "no"),
            }
        )
        name = os.path.join(folder, f"p{i:06d}.{fmt}")
        if fmt == "csv":
            frame.to_csv(name, index=False)
        else:
            frame.to_parquet(name, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=5)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    from layerwise.tables import stream

    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "d")
        write_folder(folder, args.files, args.rows, args.format)
        began = time.perf_counter()
        plan = stream.prepare_stream(folder, "label", seed=0)
        prepare = time.perf_counter() - began
        print(
            f"{args.files} {args.format} files of {args.rows} rows: prepare "
            f"{prepare:.2f} s = {1000 * prepare / args.files:.2f} ms per file"
        )
        for epoch in range(args.epochs):
            began = time.perf_counter()
            rows = sum(A0.shape[1] for A0, _, _ in stream.stream_batches(plan, 32, epoch))
            took = time.perf_counter() - began
            assert rows == plan.m_train, (rows, plan.m_train)
            print(
                f"epoch {epoch + 1}: {rows} rows, {took:.2f} s = "
                f"{1000 * took / args.files:.2f} ms per file"
            )


if __name__ == "__main__":
    main()
