"""Text for the terminal: aligned plain-text tables, and names made safe to print.

Column names, categories and class labels come from tables and model files, which come from
anywhere: :func:`printable` escapes the characters in them that a terminal would act on
(ESC sequences, NUL, BEL, a newline inside a name) instead of showing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["printable", "text_table"]


def printable(value: Any) -> str:
    """``str(value)`` with every character a terminal would not show as itself escaped as
    Python writes it in a string literal (``\\x1b``, ``\\x00``, ``\\n``, ``\\u202e``); the
    visible text, spaces and non-ASCII letters included, is kept as it is.

    >>> printable("size\\x1b[2J\\n")
    'size\\\\x1b[2J\\\\n'
    >>> printable("Größe 2")
    'Größe 2'
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def text_table(rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """Rows of cells as aligned text (each cell :func:`printable`); columns in ``right`` are
    right-aligned."""
    cells = [[printable(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells if i < len(r)) for i in range(max(map(len, cells)))]
    lines = []
    for row in cells:
        parts = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)
