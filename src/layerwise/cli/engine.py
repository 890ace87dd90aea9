"""``train --engine numpy|jax|auto``: the option, its check before any reading, and the choice
(:func:`layerwise.training.engines.choice.choose_engine`) with the line that says it."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..training.engines import choice
from ..training.engines.choice import ENGINES, JAX_MIN_WORK, choose_engine, work_of

__all__ = ["add_engine_option", "check_engine", "pick_engine"]

_HELP = (
    "the engine that trains: numpy (the functions of the notes, batch by batch), jax (the "
    "same functions compiled by JAX; the jax extra) or auto (default): jax where JAX is "
    f"installed and the work, 3·Σ n[l]n[l-1] · rows · epochs multiply-adds, is at least "
    f"{JAX_MIN_WORK:.0e}, where it pays for JAX's import and compilation; numpy otherwise"
)


def add_engine_option(p: Any) -> None:
    """Add ``--engine`` to a command's parser."""
    p.add_argument("--engine", choices=ENGINES, default="auto", help=_HELP)


def check_engine(args: argparse.Namespace) -> None:
    """``--engine jax`` without JAX: the ImportError naming the extra, before the data is
    read (``auto`` never needs JAX)."""
    if args.engine == "jax":
        choose_engine("jax", [1, 1], 1, 1)


def pick_engine(
    args: argparse.Namespace, layer_dims: Sequence[int], m: int, data_bytes: int = 0
) -> str:
    """The engine for this training (X and Y of ``data_bytes`` bytes), printed as one line of
    the plan."""
    engine = choose_engine(args.engine, layer_dims, m, args.epochs, data_bytes)
    if args.engine == "auto":
        work = work_of(layer_dims, m, args.epochs)
        threshold = choice.JAX_MIN_WORK
        side = "≥" if work >= threshold else "<"
        why = f"auto: {work:.1e} multiply-adds {side} {threshold:.0e}"
        if engine == "numpy" and work >= threshold:
            known = data_bytes and choice.jax_installed()
            notice = choice.engine_memory_notice(data_bytes) if known else None
            why = "auto: JAX is not installed" if notice is None else f"auto: {notice}"
        print(f"Engine: {engine} ({why})")
    else:
        print(f"Engine: {engine}")
    return engine
