"""Timing the tools on a workload: each tool's wall time per repeat, its final loss, and the CPU
time other processes took meanwhile (Measurement, measure); and each tool's time on a quiet
machine and with another process keeping one core busy (QuietBusy, measure_quiet_busy)."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass

from tools import Tool
from workloads import Workload, make_task

# --------------------------------------------------------------------------- measuring


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (NaN where /proc/stat is absent)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Measurement:
    """A workload's timings (seconds per repeat) and final losses, per tool."""

    spec: Workload
    task_m: int  # number of training examples
    seconds: dict[str, list[float]]
    loss: dict[str, float]
    other_cpu: float = 0.0  # CPU seconds other processes used while a tool was being timed

    def median(self, tool: str) -> float | None:
        times = self.seconds.get(tool)
        return statistics.median(times) if times else None

    def ratio(self, tool: str, of: str = "layerwise") -> float | None:
        """The median over the repeats of ``of``'s time ÷ ``tool``'s time in that repeat."""
        ours, theirs = self.seconds.get(of), self.seconds.get(tool)
        if not ours or not theirs:
            return None
        return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))

    @property
    def other_load(self) -> float:
        """Cores kept busy by other processes, on average, while the tools were timed."""
        return self.other_cpu / sum(sum(times) for times in self.seconds.values())


def measure(spec: Workload, tools: list[Tool], repeats: int) -> Measurement:
    """Run every tool ``repeats`` times, one after another within each repeat (the order
    rotated by one tool from one repeat to the next)."""
    task = make_task(spec)
    result = Measurement(spec, task.m, {tool.name: [] for tool in tools}, {})
    for r in range(repeats):
        for tool in tools[r % len(tools) :] + tools[: r % len(tools)]:
            train = tool.prepare(task)
            gc.collect()
            busy, own = _busy_cpu_seconds(), _own_cpu_seconds()
            start = time.perf_counter()
            loss = train()
            elapsed = time.perf_counter() - start
            other = (_busy_cpu_seconds() - busy) - (_own_cpu_seconds() - own)
            result.other_cpu += max(other, 0.0)
            result.seconds[tool.name].append(elapsed)
            result.loss[tool.name] = loss
            del train
        line = ", ".join(f"{name} {t[-1]:.3f}s" for name, t in result.seconds.items())
        print(f"  {spec.title} repeat {r + 1}/{repeats}: {line}", flush=True)
    return result


# --------------------------------------------------------------------------- quiet and busy


def _spin() -> None:  # pragma: no cover - runs in the busy process
    while True:
        pass


class BusyCore:
    """Another process keeping one core busy while the block runs, as a second job, another
    cross-validation fold or a Dask worker would."""

    def __enter__(self) -> BusyCore:
        self.process = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
        self.process.start()
        time.sleep(0.3)  # let it start and take its core
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.join()


@dataclass
class QuietBusy:
    """A workload's times per tool on a quiet machine and with one core kept busy."""

    spec: Workload
    quiet: dict[str, list[float]]
    busy: dict[str, list[float]]

    def median(self, tool: str, load: str) -> float | None:
        times = (self.quiet if load == "quiet" else self.busy).get(tool)
        return statistics.median(times) if times else None

    def slowdown(self, tool: str) -> float | None:
        """The median over the repeats of the busy time ÷ the quiet time of the same repeat."""
        quiet, busy = self.quiet.get(tool), self.busy.get(tool)
        if not quiet or not busy:
            return None
        return statistics.median(b / q for q, b in zip(quiet, busy, strict=True))


def measure_quiet_busy(spec: Workload, tools: list[Tool], repeats: int) -> QuietBusy:
    """Every tool once quiet and once with a busy core per repeat, alternating."""
    task = make_task(spec)
    result = QuietBusy(spec, {t.name: [] for t in tools}, {t.name: [] for t in tools})
    for r in range(repeats):
        for load in ("quiet", "busy") if r % 2 == 0 else ("busy", "quiet"):
            context = BusyCore() if load == "busy" else contextlib.nullcontext()
            with context:
                for tool in tools[r % len(tools) :] + tools[: r % len(tools)]:
                    train = tool.prepare(task)
                    gc.collect()
                    start = time.perf_counter()
                    train()
                    seconds = time.perf_counter() - start
                    (result.quiet if load == "quiet" else result.busy)[tool.name].append(seconds)
                    del train
        line = ", ".join(
            f"{name} {result.quiet[name][-1]:.3f}/{result.busy[name][-1]:.3f}s"
            for name in result.quiet
        )
        print(f"  {spec.title} quiet/busy repeat {r + 1}/{repeats}: {line}", flush=True)
    return result
