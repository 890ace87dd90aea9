"""Time the wide workload with layerwise's jax engine and the hand-written JAX loop on whatever
device JAX sees: a GPU when it has one (``jax[cuda12]`` or similar installed), the CPU
otherwise. For a machine with a GPU at hand; CI does not run it.

Usage::

    python benchmarks/gpu.py [--repeats 5] [--workload wide]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from blasenv import reexec_without_openblas_overrides

if __name__ == "__main__":
    reexec_without_openblas_overrides()

from optional import jax
from tools import COMPILE_SECONDS, prepare_jax, prepare_layerwise, prepare_layerwise_jax
from workloads import WORKLOADS, make_task


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workload", default="wide", choices=[w.key for w in WORKLOADS])
    args = parser.parse_args(argv)
    if jax is None:
        print("jax is not installed: pip install 'layerwise[jax]'", file=sys.stderr)
        return 1
    spec = next(w for w in WORKLOADS if w.key == args.workload)
    task = make_task(spec)
    device = jax.devices()[0]
    print(f"JAX {jax.__version__} on {device.platform}: {device.device_kind} ({device})")
    tools = {
        "layerwise, jax engine": prepare_layerwise_jax,
        "JAX, hand-written": prepare_jax,
        "layerwise, numpy engine (CPU)": prepare_layerwise,
    }
    times: dict[str, list[float]] = {name: [] for name in tools}
    for r in range(args.repeats):
        for name, prepare in tools.items():
            train = prepare(task)
            start = time.perf_counter()
            loss = train()
            times[name].append(time.perf_counter() - start)
            print(f"  repeat {r + 1}: {name} {times[name][-1]:.3f} s (final loss {loss:.6f})")
    print(f"\n{spec.title} on {device.platform}, {args.repeats} repeats (median seconds):")
    for name, seconds in times.items():
        print(f"  {name:32s} {statistics.median(seconds):8.3f}")
    for tool in ("layerwise (jax)", "JAX"):
        print(
            f"  compilation, {tool:19s} {COMPILE_SECONDS.get((tool, spec.key), float('nan')):8.3f}"
        )
    ratio = statistics.median(
        a / b
        for a, b in zip(times["layerwise, jax engine"], times["JAX, hand-written"], strict=True)
    )
    print(f"  layerwise (jax) ÷ JAX: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
