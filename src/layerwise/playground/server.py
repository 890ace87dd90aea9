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
- :class:`Guard` refuses any request whose Host header is not one of the server's own
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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._version import __version__
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
    from starlette.types import ASGIApp, Message, Receive, Scope, Send
    from starlette.websockets import WebSocket

__all__ = ["create_app", "serve", "Guard", "loopback_hosts", "listen", "url_of", "has_display"]

STATIC = Path(__file__).parent / "static"
#: the largest message a page may send (a settings change is a few hundred bytes; a CSV file
#: of one's own up to upload.MAX_BYTES, escaped as JSON text)
MAX_MESSAGE = 512 * 1024
#: pages (WebSockets, each with a training thread) one server runs at once
MAX_SESSIONS = 8
#: seconds a download waits for the training thread to reach the end of an epoch
DOWNLOAD_TIMEOUT = 30.0
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
MODEL_FILE = "playground.safetensors"
SCRIPT_FILE = "playground_run.py"

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def loopback_hosts(host: str, port: int) -> list[str]:
    """The Host headers a browser sends for this server: its loopback names (and ``host``
    itself when it listens elsewhere), each with the port."""
    names = list(LOOPBACK)
    shown = f"[{host}]" if ":" in host else host
    if shown not in names and host not in ("0.0.0.0", "::"):
        names.insert(0, shown)
    return [f"{name}:{port}" for name in names]


#: the cookie that carries a server's token once its page has been opened with it
COOKIE = "layerwise_playground"
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1", "localhost")


class Guard:
    """ASGI middleware: only the server's own Host (name and port), only WebSockets from its
    own page (Origin), and headers that keep the page from being framed or sniffed.

    With a ``token``, every request but the page's static files, and every WebSocket, must
    also carry it: as ``?token=`` (the page's address; the answer sets it as a cookie) or in
    the cookie :data:`COOKIE`."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str], token: str | None = None) -> None:
        self.app = app
        self.token = token
        self.hosts = [h.lower() for h in hosts]
        self.origins = {f"http://{h}" for h in self.hosts}
        # CSP has no syntax for an IPv6 literal; 'self' covers the page's own WebSocket
        websockets = " ".join(f"ws://{h}" for h in self.hosts if not h.startswith("["))
        self.headers = {
            **_SECURITY_HEADERS,
            "Content-Security-Policy": (
                "default-src 'none'; script-src 'self'; style-src 'self'; "
                f"img-src 'self' data:; connect-src 'self' {websockets}; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            ),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.datastructures import Headers, MutableHeaders

        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "").lower()
        if host not in self.hosts:
            await self._refuse(
                scope,
                receive,
                send,
                f"refused: the Host header is {host!r}, not this playground's address; "
                f"open http://{self.hosts[0]}/",
            )
            return
        if scope["type"] == "websocket":
            origin = headers.get("origin")
            if origin is None or origin.lower() not in self.origins:
                await self._refuse(scope, receive, send, f"refused: Origin {origin!r}")
                return
        given, in_query = self._credential(scope, headers)
        if not self._admitted(scope["path"], given):
            what = "a wrong token" if given else "no token"
            await self._refuse(
                scope,
                receive,
                send,
                f"refused: {what}; this playground listens beyond this machine and opens "
                f"only at the address it printed (with ?token=...)",
                status=403,
            )
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        cookie = (
            f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
            if self.token is not None and in_query
            else None
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.update(self.headers)
                if cookie is not None:
                    response_headers.append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _admitted(self, path: str, given: str | None) -> bool:
        """Whether a request may go on: no token is needed, or it has the right one (the
        page's static files are public: they are the package's own)."""
        if self.token is None or path.startswith("/static/"):
            return True
        # compared in constant time, as bytes (compare_digest refuses non-ASCII text)
        return given is not None and secrets.compare_digest(
            given.encode("utf-8", "replace"), self.token.encode()
        )

    @staticmethod
    def _credential(scope: Scope, headers: Any) -> tuple[str | None, bool]:
        """The token a request carries (from ``?token=``, else the cookie), and whether it
        came in the query."""
        from urllib.parse import parse_qs

        from starlette.requests import cookie_parser

        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("token"):
            return query["token"][0], True
        return cookie_parser(headers.get("cookie", "")).get(COOKIE), False

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, reason: str, status: int = 400
    ) -> None:
        from starlette.responses import PlainTextResponse

        if scope["type"] == "websocket":
            # closing before accepting: the server answers the handshake with 403
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
            return
        await PlainTextResponse(reason, status_code=status)(scope, receive, send)


def create_app(host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> Starlette:
    """The playground application for a server at ``host``:``port`` (the port is part of
    the Host header that :class:`Guard` accepts); with a ``token``, only requests that carry
    it are answered (see :class:`Guard`)."""
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, PlainTextResponse, Response
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocketDisconnect

    sessions: dict[str, Session] = {}

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def socket_endpoint(websocket: WebSocket) -> None:
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
