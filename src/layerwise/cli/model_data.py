"""A table read for a model file (the steps live in :mod:`layerwise.tables.steps`), and the
command line's warning about values that training never saw."""

from __future__ import annotations

import sys
from typing import Any

from .._text import printable
from ..tables.steps import (
    ModelData,
    decode_predictions,
    encode_for_model,
    model_classes,
    model_data,
    predict_rows,
)

__all__ = [
    "ModelData",
    "model_data",
    "model_classes",
    "encode_for_model",
    "predict_rows",
    "decode_predictions",
    "warn_unseen",
]


def warn_unseen(command: str, unseen: dict[str, dict[Any, int]]) -> None:
    """One line on stderr counting the values of text columns that training never saw (they
    were encoded as infrequent, or all 0)."""
    if not unseen:
        return
    total = sum(sum(counts.values()) for counts in unseen.values())
    parts = []
    for name, counts in unseen.items():
        shown = sorted(counts.items(), key=lambda kv: -kv[1])
        values = ", ".join(
            f"{'(missing)' if v is None else repr(v)} x{n}" for v, n in shown[:3]
        ) + (", ..." if len(shown) > 3 else "")
        parts.append(f"{printable(name)}: {values}")
    print(
        f"layerwise {command}: warning: {total} value(s) unseen in training, encoded as "
        f"infrequent (or all 0): {'; '.join(parts)}",
        file=sys.stderr,
    )
