"""``layerwise playground``: the notes' network training live in a browser page.

The server and its packages are imported only when the command runs (the ``playground``
extra), so the rest of the command line works without them.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import CLIError

__all__ = ["add_playground", "cmd_playground"]


def port_number(text: str) -> int:
    """A TCP port, 0 to 65535 (0: any free port)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535; got {text!r}")
    return port


def cmd_playground(args: argparse.Namespace) -> int:
    """Serve the playground until Ctrl-C."""
    from .. import playground

    if not args.host.strip():
        raise CLIError("--host needs an address such as 127.0.0.1")
    playground.serve(args.host, args.port, open_browser=not args.no_browser)
    return 0


def add_playground(sub: Any) -> None:
    """Add the ``playground`` command."""
    p = sub.add_parser(
        "playground",
        help="train a network live in a browser page",
        description=(
            "Start a local web server with the playground page: pick a data set of the "
            "plane (two or three classes, a surface to fit, or a CSV file of your own), its "
            "inputs (x1, x2, x1², x2², x1·x2, sin x1, sin x2), a network and its training, "
            "and watch a real layerwise Network learn (decision boundary, each unit, with "
            "its weights to hover and edit, cost curves with the test data's, gradient norms "
            "per layer, the equations with their shapes); share the settings as an address; "
            "download the model and a script that reproduces the run. Needs the playground "
            "extra: pip install "
            "'layerwise[playground]'. Ctrl-C stops the server."
        ),
    )
    p.add_argument(
        "--port",
        type=port_number,
        default=0,
        metavar="N",
        help="the port to listen on (default: a free one)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this machine only); on any other "
        "address the server answers only the printed address, which carries a secret token",
    )
    p.add_argument(
        "--no-browser", action="store_true", help="print the address without opening a browser"
    )
    p.set_defaults(func=cmd_playground)
