"""The report: the machine, BLAS and software the benchmark ran on (environment) and the
markdown tables of its results (report)."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from optional import jax, sklearn, threadpoolctl, torch
from timing import Measurement, QuietBusy
from tools import COMPARED, COMPILE_SECONDS, TOOLS, Tool
from workloads import BUSY_TARGET, COMPILE_TARGET, JAX_TARGET, TARGETS

import layerwise as lw

REPO = Path(__file__).resolve().parent.parent
LOSS_TOLERANCE = 0.01  # relative difference of a final loss from layerwise's that gets flagged
BUSY_MACHINE = 0.25  # cores used by other processes during timing that get reported


# --------------------------------------------------------------------------- environment


def blas_libraries() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """threadpoolctl's record of NumPy's BLAS, and of the other BLAS libraries loaded (SciPy's,
    brought in by scikit-learn, is a separate OpenBLAS build that NumPy does not call)."""
    if threadpoolctl is None:
        return None, []
    blas = [info for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    numpy_dir = Path(np.__file__).parent
    ours = [
        info
        for info in blas
        if Path(info["filepath"]).parent.name in (numpy_dir.name + ".libs", numpy_dir.name)
    ]
    numpy_blas = ours[0] if ours else (blas[0] if blas else None)
    return numpy_blas, [info for info in blas if info is not numpy_blas]


def blas_threads() -> int:
    numpy_blas, _ = blas_libraries()
    return int(numpy_blas["num_threads"]) if numpy_blas else os.cpu_count() or 1


def _describe_blas(info: dict[str, Any]) -> str:
    return (
        f"internal_api={info['internal_api']}, architecture={info.get('architecture')}, "
        f"num_threads={info['num_threads']}, version={info['version']}, "
        f"threading_layer={info.get('threading_layer')}, library={Path(info['filepath']).name}"
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def environment(
    repeats: int, load_at_start: str, openblas_unset: str | None
) -> list[tuple[str, str]]:
    """The machine and software rows of the report. ``openblas_unset``: the OpenBLAS overrides
    run.py unset by re-executing itself ("NAME=value, ..."), or None."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    rows = [
        ("date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        (
            "machine",
            f"{cpu_model()}, {os.cpu_count()} cores ({affinity} usable), {platform.machine()}",
        ),
        ("Python", platform.python_version()),
        ("NumPy", np.__version__),
        ("layerwise", f"{lw.__version__} (commit {git_commit()}, working tree as it was)"),
        ("scikit-learn", sklearn.__version__ if sklearn else "not installed"),
    ]
    rows.append(
        (
            "JAX",
            f"{jax.__version__}, devices {', '.join(str(d) for d in jax.devices())}"
            if jax is not None
            else "not installed",
        )
    )
    if torch is not None:
        rows.append(
            (
                "PyTorch",
                f"{torch.__version__}, {torch.get_num_threads()} threads, "
                f"CPU capability {torch.backends.cpu.get_cpu_capability()}, "
                f"MKL {'on' if torch.backends.mkl.is_available() else 'off'}",
            )
        )
    else:
        rows.append(("PyTorch", "not installed"))
    numpy_blas, others = blas_libraries()
    if numpy_blas is None:
        rows.append(("NumPy's BLAS", "unknown: threadpoolctl is not installed"))
    else:
        rows.append(("NumPy's BLAS (threadpoolctl)", _describe_blas(numpy_blas)))
    rows += [("other BLAS loaded, not NumPy's", _describe_blas(info)) for info in others]
    rows.append(
        (
            "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE",
            f"unset for this run (were {openblas_unset})" if openblas_unset else "not set",
        )
    )
    rows.append(
        ("repeats", f"{repeats}, alternating between tools; medians of times and of paired ratios")
    )
    rows.append(
        ("load average (1, 5, 15 min)", f"{load_at_start} at start, {load_average()} at end")
    )
    return rows


# --------------------------------------------------------------------------- the report


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _loss(value: float | None) -> str:
    return "n/a" if value is None else "—" if np.isnan(value) else f"{value:.6f}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def results_table(results: list[Measurement], tools: list[Tool]) -> list[str]:
    names = [tool.name for tool in tools]
    header = ["workload", *(f"{name} (s)" for name in names)]
    header += [f"layerwise ÷ {name}" for name in COMPARED]
    rows = [
        [r.spec.title, *(_seconds(r.median(n)) for n in names)]
        + [_ratio(r.ratio(n)) for n in COMPARED]
        for r in results
    ]
    return table(header, rows)


def users_table(results: list[Measurement]) -> list[str]:
    """Time to train, for the README: layerwise's two engines and the peers, and the jax
    engine's compilation (once per network structure in a process)."""
    header = [
        "workload",
        "layerwise, numpy engine (s)",
        "layerwise, jax engine (s)",
        "scikit-learn (s)",
        "PyTorch (s)",
        "JAX, hand-written (s)",
        "jax engine: compilation (s)",
    ]
    rows = []
    for r in results:
        compile_seconds = COMPILE_SECONDS.get(("layerwise (jax)", r.spec.key))
        rows.append(
            [r.spec.title]
            + [
                _seconds(r.median(name))
                for name in ("layerwise", "layerwise (jax)", "scikit-learn", "PyTorch", "JAX")
            ]
            + [_seconds(compile_seconds)]
        )
    return table(header, rows)


def jax_table(results: list[Measurement]) -> list[str]:
    """The jax engine against the hand-written JAX loop and the peers (medians of paired
    ratios), and both JAX tools' compile times."""
    header = [
        "workload",
        "layerwise (jax) (s)",
        "JAX (s)",
        "layerwise (jax) ÷ JAX",
        "layerwise (jax) ÷ JAX (notes' layout)",
        "layerwise (jax) ÷ layerwise",
        "layerwise (jax) ÷ scikit-learn",
        "layerwise (jax) ÷ PyTorch",
        "compile: layerwise (jax) (s)",
        "compile: JAX (s)",
    ]
    rows = []
    for r in results:
        rows.append(
            [
                r.spec.title,
                _seconds(r.median("layerwise (jax)")),
                _seconds(r.median("JAX")),
                *(
                    _ratio(r.ratio(name, of="layerwise (jax)"))
                    for name in (
                        "JAX",
                        "JAX (notes' layout)",
                        "layerwise",
                        "scikit-learn",
                        "PyTorch",
                    )
                ),
                _seconds(COMPILE_SECONDS.get(("layerwise (jax)", r.spec.key))),
                _seconds(COMPILE_SECONDS.get(("JAX", r.spec.key))),
            ]
        )
    return table(header, rows)


def jax_targets_table(results: list[Measurement]) -> list[str]:
    rows = []
    for r in results:
        ratio = r.ratio("JAX", of="layerwise (jax)")
        seconds = COMPILE_SECONDS.get(("layerwise (jax)", r.spec.key))
        rows.append(
            [
                r.spec.title,
                _verdict(ratio, JAX_TARGET),
                _verdict(seconds, COMPILE_TARGET, "s"),
            ]
        )
    header = ["workload", "layerwise (jax) ÷ JAX", "jax engine's compilation"]
    return table(header, rows)


def _verdict(value: float | None, limit: float, unit: str = "") -> str:
    if value is None:
        return f"n/a (≤ {limit}{unit})"
    return f"{value:.2f}{unit} ≤ {limit}{unit}: {'pass' if value <= limit else '**FAIL**'}"


def quiet_busy_table(qb: QuietBusy, tools: list[Tool]) -> list[str]:
    header = ["tool", "quiet (s)", "one core busy (s)", "busy ÷ quiet"]
    rows = [
        [
            tool.name,
            _seconds(qb.median(tool.name, "quiet")),
            _seconds(qb.median(tool.name, "busy")),
            _ratio(qb.slowdown(tool.name)),
        ]
        for tool in tools
        if tool.name in qb.quiet
    ]
    return table(header, rows)


def anatomy_table(results: list[Measurement]) -> list[str]:
    """Where layerwise's time beyond the floor goes: the NumPy calls themselves (inline ÷
    floor) and layerwise's structure and bookkeeping around them (layerwise ÷ inline)."""
    header = ["workload", "inline ÷ floor", "layerwise ÷ inline", "layerwise ÷ floor"]
    rows = [
        [
            r.spec.title,
            _ratio(r.ratio("floor", of="inline")),
            _ratio(r.ratio("inline")),
            _ratio(r.ratio("floor")),
        ]
        for r in results
    ]
    return table(header, rows)


def loss_table(results: list[Measurement], tools: list[Tool]) -> tuple[list[str], list[str]]:
    """Final losses, and a note for every one more than LOSS_TOLERANCE away from layerwise's."""
    names = [tool.name for tool in tools if tool.name != "floor"]
    rows, flags = [], []
    for r in results:
        ours = r.loss.get("layerwise")
        row = [r.spec.title]
        for name in names:
            value = r.loss.get(name)
            cell = _loss(value)
            if ours and value is not None and abs(value - ours) > LOSS_TOLERANCE * abs(ours):
                cell += " ⚠"
                flags.append(
                    f"{r.spec.title}: {name}'s final loss {value:.6f} differs from "
                    f"layerwise's {ours:.6f} by more than {LOSS_TOLERANCE:.0%}"
                )
            row.append(cell)
        rows.append(row)
    return table(["workload", *names], rows), flags


def targets_table(results: list[Measurement]) -> list[str]:
    rows = []
    for r in results:
        if r.spec.key not in TARGETS:
            continue
        row = [r.spec.title]
        for name, target in zip(["scikit-learn", "PyTorch"], TARGETS[r.spec.key], strict=True):
            value = r.ratio(name)
            if value is None:
                row.append(f"n/a (≤ {target})")
            else:
                verdict = "pass" if value <= target else "**FAIL**"
                row.append(f"{value:.2f} ≤ {target}: {verdict}")
        rows.append(row)
    header = ["workload", "layerwise ÷ scikit-learn", "layerwise ÷ PyTorch"]
    return table(header, rows)


def spread_table(results: list[Measurement], tools: list[Tool]) -> list[str]:
    rows = []
    for r in results:
        row = [r.spec.title]
        for tool in tools:
            times = r.seconds.get(tool.name)
            row.append(f"{min(times):.3f} – {max(times):.3f}" if times else "n/a")
        row.append(f"{r.other_load:.2f}")
        rows.append(row)
    return table(["workload", *(tool.name for tool in tools), "other processes (cores)"], rows)


def workloads_table(results: list[Measurement]) -> list[str]:
    rows = []
    for r in results:
        s = r.spec
        dims = s.dims if s.L <= 4 else (s.dims[0], f"{s.L - 1}×{s.dims[1]}", s.dims[-1])
        m = r.task_m
        batch = m if s.batch_size is None else s.batch_size
        rows.append(
            [
                s.title,
                f"{'-'.join(map(str, dims))} {s.hidden}/{s.output}",
                s.init,
                str(m),
                "full batch" if s.batch_size is None else f"batch {s.batch_size}",
                str(s.epochs),
                str(s.epochs * -(-m // batch)),
                str(s.learning_rate),
            ]
        )
    header = ["workload", "network", "init", "m", "batching", "epochs", "steps", "lr"]
    return table(header, rows)


def report(
    results: list[Measurement],
    tools: list[Tool],
    repeats: int,
    command: str,
    elapsed: float,
    load_at_start: str,
    skipped: list[str],
    openblas_unset: str | None,
    quiet_busy: QuietBusy | None = None,
) -> str:
    lines = ["# layerwise benchmark results", ""]
    lines += [f"Generated by `{command}` in {elapsed:.0f} s.", ""]
    lines += table(
        ["", ""], [[k, v] for k, v in environment(repeats, load_at_start, openblas_unset)]
    )
    lines += ["", "## Time to train (the README's table)", ""]
    lines += [
        "Median seconds of one training run. The jax engine compiles the first time a "
        "network structure is trained in a process; the last column is that one-off cost, "
        "which the times before it do not include.",
        "",
    ]
    lines += users_table(results)
    lines += ["", "## Median wall time (seconds) and median paired ratios", ""]
    lines += results_table(results, tools)
    lines += ["", "## The jax engine against a hand-written JAX loop", ""]
    lines += jax_table(results)
    lines += ["", "## Targets", ""]
    lines += targets_table(results)
    lines += [""]
    lines += jax_targets_table(results)
    if quiet_busy is not None:
        lines += ["", f"## Quiet and busy: {quiet_busy.spec.title}", ""]
        lines += [
            "Each tool's median time on the machine as it was, and with another process "
            "spinning on one core (`while True: pass`) meanwhile; busy ÷ quiet is the median "
            "of the paired ratios. The numpy engine chooses its BLAS threads during fit "
            "(layerwise.training.threads).",
            "",
        ]
        lines += quiet_busy_table(quiet_busy, tools)
        slowdown = quiet_busy.slowdown("layerwise")
        lines += [
            "",
            f"Target: layerwise (numpy engine) busy ÷ quiet {_verdict(slowdown, BUSY_TARGET)}",
        ]
    lines += ["", "## Beyond the floor: NumPy's calls and layerwise's structure", ""]
    lines += [
        "inline ÷ floor is how much longer than its products a step takes when its NumPy calls "
        "are written with nothing around them; layerwise ÷ inline is what layerwise's layers, "
        "history and checks add to those calls (medians of paired ratios).",
        "",
    ]
    lines += anatomy_table(results)
    losses, flags = loss_table(results, tools)
    lines += ["", "## Final loss (last epoch, mean of the batch losses before each update)", ""]
    lines += losses
    lines += [""]
    if flags:
        lines += ["Final losses that differ (the tools did not train comparably):", ""]
        lines += [f"- {flag}" for flag in flags]
    else:
        lines += [
            f"Every tool's final loss is within {LOSS_TOLERANCE:.0%} of layerwise's "
            "(same initial weights, data, batch order and update rule)."
        ]
    shared = [r for r in results if r.other_load > BUSY_MACHINE]
    if shared:
        lines += ["", "Other processes were using the CPU while these workloads were timed:", ""]
        lines += [f"- {r.spec.title}: {r.other_load:.2f} cores on average" for r in shared]
    missing = [f"- {tool.name}: {tool.missing}" for tool in TOOLS if tool.missing]
    missing += [f"- {note}" for note in skipped]
    if missing:
        lines += ["", "Skipped:", "", *missing]
    lines += ["", "## Spread (min – max seconds over the repeats)", ""]
    lines += [
        "The last column is the CPU that other processes used while the tools were timed, "
        "in cores on average (from /proc/stat): well above 0 means the machine was shared and "
        "the times are less trustworthy.",
        "",
    ]
    lines += spread_table(results, tools)
    lines += ["", "## Workloads", ""]
    lines += workloads_table(results)
    return "\n".join(lines) + "\n"
