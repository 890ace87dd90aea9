"""The playground server's guard: ASGI middleware that answers only the server's own Host,
WebSockets from its own page, and, beyond the loopback interface, only those who carry the
server's secret token (see :mod:`.server`)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Guard", "loopback_hosts", "COOKIE", "LOOPBACK", "LOOPBACK_ADDRESSES"]

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")

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
