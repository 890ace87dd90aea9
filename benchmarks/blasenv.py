"""Running a benchmark without the OpenBLAS overrides: imported first by every benchmark
script, before anything imports NumPy."""

from __future__ import annotations

import os
import sys

# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when set, make OpenBLAS pick a slower kernel or
# blocking. They are read when the library loads, so this process re-executes itself without
# them before NumPy is imported (the caller's environment is left as it is).
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
UNSET_MARKER = "LAYERWISE_BENCHMARK_UNSET"


def reexec_without_openblas_overrides() -> None:
    """Restart this script without the OpenBLAS overrides, if any is set."""
    found = {name: os.environ[name] for name in OPENBLAS_OVERRIDES if name in os.environ}
    if not found or "numpy" in sys.modules:
        return
    env = {key: value for key, value in os.environ.items() if key not in found}
    env[UNSET_MARKER] = ", ".join(f"{name}={value}" for name, value in found.items())
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
