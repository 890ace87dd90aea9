"""Where the jax engine pays for itself: the time of a whole ``layerwise train`` fit with each
engine, in a fresh process (so the jax engine pays JAX's import and its compilation, as the
command line does), over networks, rows and epochs of the sizes the command line trains.

    python benchmarks/engine_choice.py [--repeats 3] [--quick]

Prints one line per case: the work (multiply-adds,
:func:`layerwise.training.engines.choice.work_of`),
the median seconds of each engine and their ratio, then the smallest work from which the jax
engine was faster in every larger case: the threshold ``JAX_MIN_WORK`` of
``layerwise.training.engines.choice`` (``train --engine auto``).

Each fit is the command line's: Adam, the default mini-batch size for the rows
(``layerwise.tables.defaults.batch_size_for``), float64 (the command line's default dtype).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from blasenv import OPENBLAS_OVERRIDES

_CHILD = r"""
import json, sys, time
start = time.perf_counter()
import numpy as np
import layerwise as lw
from layerwise.tables.defaults import batch_size_for
n0, hidden, m, epochs, dtype, engine = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
X = rng.normal(size=(n0, m)).astype(dtype)
Y = (X[:1] + 0.5 * rng.normal(size=(1, m)) > 0).astype(dtype)
net = lw.Network([n0, *hidden, 1], hidden="relu", output="sigmoid", init="he", seed=0,
                 dtype=dtype)
start = time.perf_counter()
if engine == "jax":
    import jax  # the import is part of the jax engine's cost in a fresh process
net.fit(X, Y, epochs=epochs, learning_rate=0.001, optimizer="adam",
        batch_size=batch_size_for(m), engine=engine)
print(json.dumps(time.perf_counter() - start))
"""


def _time(case: list, engine: str) -> float:
    # timings without the OpenBLAS overrides (see blasenv.py), in both engines' processes
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_OVERRIDES}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps([*case, engine])],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    from layerwise.training.engines.choice import JAX_MIN_WORK, work_of

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a few cases only")
    args = parser.parse_args()
    cases = []
    for n0, hidden in ((10, [128]), (60, [128]), (30, [64, 32])):
        for m in (2_000, 20_000, 100_000):
            for epochs in (5, 20, 80):
                if (n0 != 10 and args.quick) or work_of([n0, *hidden, 1], m, epochs) > 2e11:
                    continue
                cases.append([n0, hidden, m, epochs, "float64"])
    rows = []
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'network':>16} {'m':>7} {'epochs':>6} {'work':>10} {'numpy s':>8} {'jax s':>8} ratio")
    for case in cases:
        n0, hidden, m, epochs, _ = case
        times = {e: [] for e in ("numpy", "jax")}
        for _ in range(args.repeats):
            for engine in times:  # interleaved, so load changes hit both
                times[engine].append(_time(case, engine))
        t_np, t_jax = (statistics.median(times[e]) for e in ("numpy", "jax"))
        work = work_of([n0, *hidden, 1], m, epochs)
        rows.append((work, t_np, t_jax))
        dims = str([n0, *hidden, 1])
        print(
            f"{dims:>16} {m:>7} {epochs:>6} {work:>10.2e} {t_np:>8.2f} {t_jax:>8.2f} "
            f"{t_jax / t_np:.2f}",
            flush=True,
        )
    rows.sort()
    # the smallest work from which jax won every larger case
    threshold = None
    for i, (work, _, _) in enumerate(rows):
        if all(t_jax < t_np for _, t_np, t_jax in rows[i:]):
            threshold = work
            break
    print(
        f"jax faster in every case from {threshold:.2e} multiply-adds"
        if threshold
        else "jax never faster in every larger case"
    )
    print(f"(JAX_MIN_WORK now: {JAX_MIN_WORK:.2e}; load average after: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
