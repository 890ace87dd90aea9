"""What an encoded table costs in memory, checked before it is allocated.

The one-hot encoding of a text column with very many categories, or of a target with very many
classes, can need more memory than the machine has. NumPy would then fail with "Unable to
allocate", or the system would kill the process once the pages are touched (allocations are
lazy on Linux); these checks refuse first, naming the column and the bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ._checks import available_memory, format_bytes


class ColumnEncoding(Protocol):
    """What the size checks read of a column's encoding
    (:class:`layerwise.features.encoding.ColumnEncoding`): its name, kind and number of
    features."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def width(self) -> int: ...


__all__ = [
    "memory_budget",
    "check_encoding_size",
    "check_target_size",
    "encoding_too_large",
    "peak_rss",
]


def memory_budget() -> int | None:
    """The bytes one encoded table may take: half of the memory the machine has available,
    or of the process's address-space limit when that is lower; None where neither is
    known."""
    limits = [available_memory()]
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limits.append(soft)
    except (ImportError, OSError, ValueError):  # pragma: no cover - not on POSIX
        pass
    known = [n for n in limits if n is not None and n > 0]
    return min(known) // 2 if known else None


def check_encoding_size(columns: Sequence[ColumnEncoding], m: int, itemsize: int = 8) -> None:
    """Refuse, before anything is allocated, an X (n[0], m) larger than :func:`memory_budget`:
    MemoryError naming the widest column (the one-hot encoding of a text column with very many
    categories) and the bytes X needs, rather than NumPy's "Unable to allocate", or the system
    killing the process once the pages are touched."""
    budget = memory_budget()
    n0 = sum(c.width for c in columns)
    if budget is not None and n0 * m * itemsize > budget:
        raise MemoryError(encoding_too_large(columns, m, budget, itemsize))


def check_target_size(target: str, n_classes: int, m: int, itemsize: int = 8) -> None:
    """Refuse, before anything is allocated, a class target whose one-hot Y (n[L], m) is
    larger than :func:`memory_budget`: MemoryError naming the target, its classes and the
    bytes needed."""
    budget = memory_budget()
    need = n_classes * m * itemsize
    if budget is not None and need > budget:
        raise MemoryError(
            f"target {target!r} has {n_classes} classes: its one-hot Y (n[L], m) = "
            f"({n_classes}, {m}) needs {format_bytes(need)} ({need} bytes), more than half "
            f"the {format_bytes(2 * budget)} of memory there is; a target of so many classes "
            f"is an id or a measurement more often than a class (--output linear for "
            f"numbers), or group its rare classes"
        )


def encoding_too_large(
    columns: Sequence[ColumnEncoding], m: int, budget: int | None, itemsize: int = 8
) -> str:
    n0 = sum(c.width for c in columns)
    need = n0 * m * itemsize
    widest = max(columns, key=lambda c: c.width)
    share = widest.width * m * itemsize
    room = f"half the {format_bytes(2 * budget)} of memory there is" if budget else "what there is"
    what = (
        f"one-hot encodes into {widest.width} features ({format_bytes(share)} for {m} rows)"
        if widest.kind == "category"
        else f"is the widest ({widest.width} features)"
    )
    return (
        f"the encoded table X (n[0], m) = ({n0}, {m}) needs {format_bytes(need)} ({need} bytes), "
        f"more than {room}: column {widest.name!r} {what}; leave it out (--drop "
        f"{widest.name} on the command line), or use fewer rows"
    )


def peak_rss() -> int:
    """This process's peak resident memory in bytes: VmHWM from /proc (its own, where
    ru_maxrss of a process forked from a large one starts at the parent's), ru_maxrss where
    /proc is not there (kilobytes on Linux, bytes on macOS)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)
