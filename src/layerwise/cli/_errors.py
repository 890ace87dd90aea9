"""The command line's user mistake: one line on stderr, exit code 2."""

from __future__ import annotations

__all__ = ["CLIError"]


class CLIError(Exception):
    """A user mistake on the command line: printed as one line, exit code 2."""
