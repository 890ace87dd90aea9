"""The playground: the notes' network training live in a browser page.

``layerwise playground`` serves a page on which a real :class:`~layerwise.Network` learns a
data set of the plane while one watches (two classes, three classes, a surface to fit, or a
CSV file of one's own, with inputs chosen among x1, x2, x1², x2², x1·x2, sin x1, sin x2):
the decision boundary, what each unit computes, the cost and test cost, ‖dW[l]‖ per layer,
and the notes' equations with this network's shapes. The network trains in Python, in the
server, by ``Network.fit``; the page only draws, and may set a weight. The model and a script
that reproduces the run can be downloaded.

Modules: :mod:`.settings` (the controls and their checks), :mod:`.data` (the data sets and
the inputs), :mod:`.upload` (one's own CSV file and its checks), :mod:`.run` (the data and
network of one run), :mod:`.session` (one page's commands) over :mod:`.worker` (its training
thread), :mod:`.frames` (what the page draws, packed), :mod:`.snippet` (equations and the
reproducing script), :mod:`.protocol` (the messages), :mod:`.server` (Starlette and uvicorn;
the ``playground`` extra: ``pip install 'layerwise[playground]'``).

Examples
--------
>>> from layerwise.playground import Settings
>>> Settings().layer_dims               # the notes' network on the flower data
[2, 4, 1]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .._optional import require
from .session import Session
from .settings import Settings, SettingsError

if TYPE_CHECKING:  # pragma: no cover
    from starlette.applications import Starlette

__all__ = ["Settings", "SettingsError", "Session", "create_app", "serve", "require_server"]


def require_server() -> None:
    """Check that the server's packages are installed; ImportError naming the extra if not."""
    for module in ("starlette", "uvicorn", "websockets"):
        require(module, "playground", "the playground")


def create_app(host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> Starlette:
    """The playground's ASGI application for a server at ``host``:``port``; with a ``token``,
    only requests that carry it (``?token=``, then its cookie) are answered."""
    require_server()
    from .server import create_app as _create_app

    return _create_app(host, port, token)


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = True,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the playground until Ctrl-C (see :func:`layerwise.playground.server.serve`)."""
    require_server()
    from .server import serve as _serve

    _serve(host, port, open_browser, echo)
