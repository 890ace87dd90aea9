"""Small helpers every reader of :mod:`layerwise.tables` shares: pandas imported where a table
is read, a list of names shortened for a message, repeated column names refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from .._optional import require


def _pandas() -> Any:
    return require("pandas", "tables", "reading tables")


def _shorten(names: Sequence[Any], limit: int = 12) -> str:
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names)} in all)"
    return shown


def _check_unique(names: Sequence[str], source: str) -> None:
    """Two columns of one name would be merged or renamed without a word: refuse them."""
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise ValueError(
            f"{source} has more than one column named {repeated[0]!r}; column names must be "
            f"unique (rename or drop the repeated ones)"
        )
