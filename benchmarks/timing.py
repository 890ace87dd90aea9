"""Timing the tools on a workload: each tool's wall time per repeat, its final loss, and the CPU
time other processes took meanwhile (Measurement, measure)."""

from __future__ import annotations

import gc
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
