"""The playground's WebSocket protocol: JSON text messages, one socket per page.

The page sends
--------------
``{"type": "play"}``, ``{"type": "pause"}``, ``{"type": "step"}`` (one epoch),
``{"type": "reset"}`` (epoch 0: the same data and initial weights),
``{"type": "settings", "settings": {control: value as typed, ...}}`` (checked on the server),
``{"type": "upload", "name": file name, "text": a CSV file's text}`` (one's own data),
``{"type": "edit", "run": run, "param": "W" or "b", "l": l, "i": i, "j": j, "value": v}``
(set W[l]_ij or b[l]_i, 1-based as in the notes, between two epochs),
``{"type": "ack"}`` once it has drawn a frame.

The server sends
----------------
``hello``      the session's token (for the downloads), the controls' choices and defaults
``state``      ``playing``: true or false
``reset``      a new network on new data: ``run``, the settings, ``layer_dims``, the ``task``
               (binary, multiclass, regression), the ``classes`` or the ``value_range``
               of the targets, the ``features`` and their ``input_maps``, the points
               (packed), the plane's ``extent``, the grid sizes
``equations``  the network's equations with their shapes, for the current settings
``settings``   the settings after an accepted change, and whether they ``restart`` at epoch 0
``frame``      ``run``, ``epoch``, costs, accuracies, the boundary and unit maps, W[l], b[l],
               the curves (see :mod:`.frames`); ``id`` counts the frames sent
``upload``     a CSV file read: its ``name``, ``columns``, ``numeric`` columns and ``rows``
``notice``     something to know (the epoch limit, the symmetry of zero weights)
``error``      a refused value or message: ``message``, and the ``field`` (control) it concerns

Frames wait for the page: after one frame, the next is sent only once the page has answered
``ack``, and only the newest one then; those in between are dropped, never queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .session import Session
from .settings import SettingsError
from .upload import UploadError

if TYPE_CHECKING:  # pragma: no cover
    from starlette.websockets import WebSocket

__all__ = ["Outbox", "handle"]


class Outbox:
    """What the server sends one page, in order, with frames dropped rather than queued.

    The session's worker thread hands messages and frames over with :meth:`put` and
    :meth:`put_frame`; they reach the event loop through ``call_soon_threadsafe``. Messages
    are all sent. A frame waits in a single slot until the page has acknowledged the previous
    one (``{"type": "ack"}``); a newer frame replaces it there (counted in :attr:`dropped`).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._messages: deque[dict[str, Any]] = deque()
        self._frame: dict[str, Any] | None = None
        self._in_flight = False
        self._wake = asyncio.Event()
        self.session: Session | None = None
        self.sent = 0
        self.dropped = 0

    # the worker thread's side
    def put(self, message: dict[str, Any]) -> None:
        self._call(self._add, message)

    def put_frame(self, frame: dict[str, Any]) -> None:
        self._call(self._add_frame, frame)

    def _call(self, fn: Callable[[dict[str, Any]], None], value: dict[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: the server is stopping
            self._loop.call_soon_threadsafe(fn, value)

    # the event loop's side
    def _add(self, message: dict[str, Any]) -> None:
        if message.get("type") == "reset" and self._frame is not None:
            self._frame, self.dropped = None, self.dropped + 1  # a frame of the old network
        self._messages.append(message)
        self._wake.set()

    def _add_frame(self, frame: dict[str, Any]) -> None:
        if self._frame is not None:
            self.dropped += 1
        self._frame = frame
        self._wake.set()

    def acked(self) -> None:
        """The page has drawn the frame in flight."""
        self._in_flight = False
        if self._frame is not None:
            self._wake.set()
        elif self.session is not None:
            self.session.frame_wanted()

    def error(self, message: str, field: str = "") -> None:
        self._add({"type": "error", "field": field, "message": message})

    async def run(self, websocket: WebSocket) -> None:
        """Send until the socket closes."""
        from starlette.websockets import WebSocketDisconnect

        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._messages:
                    await websocket.send_text(json.dumps(self._messages.popleft()))
                if self._frame is not None and not self._in_flight:
                    frame, self._frame = self._frame, None
                    self.sent += 1
                    frame["id"] = self.sent
                    self._in_flight = True
                    await websocket.send_text(json.dumps(frame))
        except (WebSocketDisconnect, RuntimeError, OSError):
            return  # the page has gone; the receiving side ends the session


#: the deepest nesting of a message (the page's are two levels deep)
MAX_NESTING = 8


class _RefusedValueError(ValueError):
    """A JSON value that no control takes, found while the message is parsed."""


def _number(text: str) -> int:
    """An integer literal of a message, refused when no float can hold it (its float would
    overflow wherever a control reads it)."""
    value = int(text)
    try:
        float(value)
    except OverflowError:
        raise _RefusedValueError(
            f"a message holds an integer of {len(text.lstrip('-'))} digits, too large for a "
            f"number; the controls take numbers up to about 1.8e308"
        ) from None
    return value


def _constant(name: str) -> Any:
    raise _RefusedValueError(f"a message holds {name}, which is not a JSON number")


def parse(text: str) -> Any:
    """A message's JSON; ValueError with a message for the page when it is not JSON, is
    nested too deeply (the decoder's RecursionError), or holds an integer too large for a
    float or NaN/Infinity."""
    deep = ValueError(
        f"a message is nested too deeply (more than {MAX_NESTING} levels); the page sends "
        f"objects of one or two levels"
    )
    try:
        message = json.loads(text, parse_int=_number, parse_constant=_constant)
    except _RefusedValueError:
        raise
    except RecursionError:
        raise deep from None
    except ValueError:
        raise ValueError(
            f'messages are JSON such as {{"type": "play"}}; got {text[:80]!r}'
        ) from None
    # nesting within the decoder's reach may still be too deep for what reads it (repr, the
    # checks): measured without recursion
    level: list[tuple[Any, int]] = [(message, 1)]
    while level:
        value, depth = level.pop()
        if depth > MAX_NESTING:
            raise deep
        if isinstance(value, dict):
            level.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            level.extend((v, depth + 1) for v in value)
    return message


def handle(text: str | None, session: Session, outbox: Outbox) -> None:
    """One message from the page."""
    if text is None:
        outbox.error('messages are JSON text such as {"type": "play"}, not binary')
        return
    try:
        message = parse(text)
    except ValueError as exc:
        outbox.error(str(exc))
        return
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "ack":
        outbox.acked()
    elif kind == "play":
        session.play()
    elif kind == "pause":
        session.pause()
    elif kind == "step":
        session.step()
    elif kind == "reset":
        session.reset()
    elif kind == "settings":
        try:
            settings, restart = session.configure(message.get("settings"))
        except SettingsError as exc:
            outbox.error(str(exc), exc.field)
        except (OverflowError, RecursionError, TypeError, ValueError) as exc:
            # a value no check foresaw: a message for the page rather than a dropped socket
            outbox.error(f"refused settings: {str(exc)[:200]}")
        else:
            outbox._add({"type": "settings", "settings": settings.to_json(), "restart": restart})
    elif kind == "upload":
        _upload(message, session, outbox)
    elif kind == "edit":
        fields = [message.get(k) for k in ("param", "l", "i", "j", "value", "run")]
        try:
            session.edit(*fields)
        except SettingsError as exc:
            outbox.error(str(exc), exc.field)
    else:
        outbox.error(
            f"unknown message type {str(kind)[:40]!r}; the page sends play, pause, step, "
            f"reset, settings, upload, edit and ack"
        )


def _upload(message: dict[str, Any], session: Session, outbox: Outbox) -> None:
    """One's own CSV file: read and checked, then the data set; refused with a message."""
    name = message.get("name")
    name = name[:100] if isinstance(name, str) else "the file"
    try:
        table, settings = session.upload(message.get("text"))
    except UploadError as exc:
        outbox.error(f"{name} cannot be used: {exc}", "upload")
        return
    except (OverflowError, RecursionError, TypeError, ValueError) as exc:
        # a file no check foresaw: a message for the page rather than a dropped socket
        outbox.error(f"{name} cannot be used: {str(exc)[:200]}", "upload")
        return
    outbox._add(
        {
            "type": "upload",
            "name": name,
            "columns": table.columns,
            "numeric": table.numeric,
            "rows": table.rows,
        }
    )
    outbox._add({"type": "settings", "settings": settings.to_json(), "restart": True})
