"""The playground's web server: a Starlette application served by uvicorn.

Routes
------
``/``                                  the page (``static/index.html``)
``/static/...``                        the page's script and style, from the package only
``/ws``                                one page's WebSocket (:mod:`.protocol`)
``/session/{token}/playground.safetensors`` the session's network, a model file
``/session/{token}/playground_run.py``      a Python script that reproduces the run

Safety
------
- It listens on 127.0.0.1 unless told otherwise. On any other address (``--host 0.0.0.0``)
  it needs a credential: a secret token in the address it prints (``/?token=…``), which the
  page's first request turns into a cookie. A request or WebSocket without it gets nothing,
  not even one of the page slots, whatever Host and Origin it sends.
- :class:`~.guard.Guard` refuses any request whose Host header is not one of the server's own
  addresses with its port (a DNS-rebinding page would send its own host name), and any
  WebSocket whose Origin is not the page's own.
- Every control value is checked on the server (:mod:`.settings`); a refused one gets a
  message on the page and changes nothing.
- Each WebSocket has one session with one training thread, stopped when the socket closes.
- Files come from the package's ``static`` folder only (Starlette's ``StaticFiles`` refuses
  paths that leave it); the downloads are made in memory for a session's secret token.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .._version import __version__
from .guard import COOKIE, LOOPBACK_ADDRESSES, Guard, loopback_hosts
from .protocol import Outbox, handle
from .session import Session
from .settings import Settings, choices

# Starlette and uvicorn (the playground extra) are imported where they are used, so that this
# module imports, and its names can be documented and tested, without them.
if TYPE_CHECKING:  # pragma: no cover
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket

__all__ = [
    "create_app",
    "serve_page",
    "serve",
    "Guard",
    "loopback_hosts",
    "COOKIE",
    "listen",
    "url_of",
    "has_display",
]

STATIC = Path(__file__).parent / "static"
#: the largest message a page may send (a settings change is a few hundred bytes; a CSV file
#: of one's own up to upload.MAX_BYTES, escaped as JSON text)
MAX_MESSAGE = 512 * 1024
#: pages (WebSockets, each with a training thread) one server runs at once
MAX_SESSIONS = 8
#: seconds a download waits for the training thread to reach the end of an epoch
DOWNLOAD_TIMEOUT = 30.0
MODEL_FILE = "playground.safetensors"
SCRIPT_FILE = "playground_run.py"


async def serve_page(websocket: WebSocket, sessions: dict[str, Session]) -> None:
    """One page's WebSocket: its session (kept in ``sessions`` under its download token)
    from the hello to the close, every message handled by :func:`.protocol.handle`."""
    from starlette.websockets import WebSocketDisconnect

    await websocket.accept()
    if len(sessions) >= MAX_SESSIONS:
        # 1013: try again later, once a page has closed
        reason = f"{MAX_SESSIONS} playground pages are open already; close one and reload"
        await websocket.close(code=1013, reason=reason)
        return
    loop = asyncio.get_running_loop()
    outbox = Outbox(loop)
    token = secrets.token_urlsafe(16)
    outbox._add(
        {
            "type": "hello",
            "version": __version__,
            "token": token,
            "choices": choices(),
            "defaults": Settings().to_json(),
        }
    )
    session = Session(outbox.put, outbox.put_frame)
    outbox.session = session
    sessions[token] = session
    sender = asyncio.create_task(outbox.run(websocket))
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            handle(message.get("text"), session, outbox)
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        del sessions[token]
        await asyncio.to_thread(session.close)


def create_app(host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> Starlette:
    """The playground application for a server at ``host``:``port`` (the port is part of
    the Host header that :class:`Guard` accepts); with a ``token``, only requests that carry
    it are answered (see :class:`Guard`)."""
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, PlainTextResponse, Response
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    sessions: dict[str, Session] = {}

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def socket_endpoint(websocket: WebSocket) -> None:
        await serve_page(websocket, sessions)

    async def download(request: Request, name: str, media_type: str) -> Response:
        session = sessions.get(request.path_params["token"])
        if session is None:
            return PlainTextResponse(
                "no such playground session (a session ends when its page closes)", 404
            )
        fn = session.model_bytes if name == MODEL_FILE else session.script
        try:
            data = await asyncio.wait_for(
                asyncio.wrap_future(session.call(fn)), timeout=DOWNLOAD_TIMEOUT
            )
        except (ImportError, RuntimeError, asyncio.TimeoutError) as exc:
            return PlainTextResponse(f"could not make {name}: {exc}", 503)
        return Response(
            data,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def model(request: Request) -> Response:
        return await download(request, MODEL_FILE, "application/octet-stream")

    async def run_script(request: Request) -> Response:
        return await download(request, SCRIPT_FILE, "text/x-python; charset=utf-8")

    routes = [
        Route("/", index),
        Route(f"/session/{{token}}/{MODEL_FILE}", model),
        Route(f"/session/{{token}}/{SCRIPT_FILE}", run_script),
        WebSocketRoute("/ws", socket_endpoint),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.sessions = sessions
    app.add_middleware(Guard, hosts=loopback_hosts(host, port), token=token)
    return app


# --------------------------------------------------------------------------- serving


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` (0: a free port) and listening.

    Raises
    ------
    OSError
        Naming the address, e.g. when the port is taken.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def url_of(host: str, port: int) -> str:
    """The page's address; a server on every interface is opened through 127.0.0.1."""
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = True,
    echo: Callable[[str], None] = print,
) -> None:
    """Run the playground until Ctrl-C: print its address, open it in the browser.

    Parameters
    ----------
    host : str
        The address to listen on; the loopback interface by default.
    port : int
        0 takes a free port.
    open_browser : bool
        Open the page in the default browser once the server is up.
    echo : callable
        Receives the lines to show the user.
    """
    import uvicorn

    sock = listen(host, port)
    port = sock.getsockname()[1]
    url = url_of(host, port)
    # beyond the loopback interface, other machines can reach the server: it answers only
    # those who have the address it prints, with its secret token
    token = None if host in LOOPBACK_ADDRESSES else secrets.token_urlsafe(24)
    if token is not None:
        url += f"?token={token}"
    config = uvicorn.Config(
        create_app(host, port, token),
        log_level="warning",
        ws_max_size=MAX_MESSAGE,
        lifespan="off",
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    echo(f"The layerwise playground is at {url}  (Ctrl-C stops it)")
    if token is not None:
        echo(
            f"Warning: listening on {host}, not on the loopback interface: other machines may "
            f"reach this server; it opens only at the address above, with its token"
        )
    if open_browser and not has_display():
        echo("(no display here: open that address in a browser)")
    elif open_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn has shut down and passes the Ctrl-C on
    finally:
        sock.close()
    echo("The playground has stopped.")


def has_display() -> bool:
    """Whether a graphical browser can open here: on Linux and other Unix systems, only with
    a display (without one, Python's webbrowser would start a text browser in this terminal,
    which the server's output shares)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_when_up(server: uvicorn.Server, url: str) -> None:
    for _ in range(200):
        if server.started:
            webbrowser.open(url)
            return
        if server.should_exit:
            return
        threading.Event().wait(0.05)
