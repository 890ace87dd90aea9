"""The ``layerwise`` command line (also ``python -m layerwise``).

Commands: ``train``, ``evaluate``, ``predict``, ``summary``, ``explain``, ``gradcheck``,
``demo``, ``datasets``, ``playground``; ``layerwise COMMAND --help`` describes each. Tables
come in with one example per row and are transposed once into the notes' X (n[0], m).

Each command is a function taking the parsed arguments and returning an exit code; every
user mistake becomes a one- or two-line message on stderr and a non-zero exit code, never a
traceback, and no output file is created or damaged. ``main(argv)`` is what the tests call.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._text import printable
from .._version import __version__
from .common import CLIError, Parser
from .data import add_datasets
from .demo import add_demo
from .explain import add_explain, add_summary
from .gradcheck import add_gradcheck
from .model import add_evaluate, add_export, add_predict
from .playground import add_playground
from .train import add_train

__all__ = ["main", "build_parser", "CLIError"]

# --------------------------------------------------------------------------- parser

#: functions that add one subcommand each, in the order ``--help`` lists them
COMMANDS: list[Callable[[Any], None]] = [
    add_train,
    add_evaluate,
    add_predict,
    add_summary,
    add_explain,
    add_gradcheck,
    add_export,
    add_demo,
    add_datasets,
    add_playground,
]


def build_parser() -> argparse.ArgumentParser:
    """The ``layerwise`` parser with every command."""
    parser = Parser(
        prog="layerwise",
        description="Build and train deep (L-layer) fully connected neural networks.",
        epilog="Run 'layerwise COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"layerwise {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 1 failure, 2 usage error,
    130 interrupted, 141 when the reader of its output closed the pipe, as for SIGPIPE)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, and argparse's usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with np.errstate(over="ignore"):
            return int(args.func(args))
    except BrokenPipeError:
        # the reader went away (``layerwise explain MODEL | head``): stop quietly, as a
        # command killed by SIGPIPE does, and keep Python from complaining at exit when it
        # flushes stdout into the closed pipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + 13
    except CLIError as exc:
        _error(args.command, exc)
        return 2
    except MemoryError as exc:
        _error(args.command, _out_of_memory(exc))
        return 1
    except (ValueError, TypeError, OSError, ImportError) as exc:
        _error(args.command, exc)
        return 1
    except RuntimeError as exc:
        if not _exhausted(exc):
            raise
        _error(args.command, _out_of_memory(exc))
        return 1
    except KeyboardInterrupt:
        print(f"layerwise {args.command}: interrupted", file=sys.stderr)
        return 130


def _exhausted(exc: RuntimeError) -> bool:
    """Whether ``exc`` is JAX's out-of-memory (an XlaRuntimeError, or JaxRuntimeError, whose
    status is RESOURCE_EXHAUSTED), told without importing JAX."""
    name = type(exc).__name__
    return name in ("XlaRuntimeError", "JaxRuntimeError") and "RESOURCE_EXHAUSTED" in str(exc)


def _out_of_memory(exc: Exception) -> str:
    """The one line of a command that ran out of memory: a message of layerwise's own as it
    is; NumPy's "Unable to allocate" and JAX's RESOURCE_EXHAUSTED (its first line only) said
    in plain words, with what to do."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, RuntimeError):  # JAX's: the jax engine held more than there was
        return (
            f"not enough memory for the jax engine ({text[:200]}); train with --engine numpy, "
            f"which needs less, or use fewer rows"
        )
    if text.startswith("Unable to allocate"):  # NumPy's own words: say what they mean
        return (
            f"not enough memory ({text}); use fewer rows, or leave out a text column with "
            f"very many categories (--drop COL)"
        )
    return str(exc)


def _error(command: str, message: object) -> None:
    """The one line of a failed command on stderr. Messages repeat names, categories and
    labels from tables and model files: their control characters (a newline among them) are
    escaped, so that the message stays one line and the terminal shows what was there."""
    print(f"layerwise {command}: error: {printable(message)}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
