"""One page's training: a real :class:`~layerwise.Network` trained by ``Network.fit`` in a
worker thread, driven by play, pause, step, reset and the controls.

Design
------
The worker thread owns the network and its data; nothing else touches them. It trains by
calling ``net.fit`` once per *segment*, a stretch of epochs with unchanged training settings,
with a callback (:meth:`Session._epoch_end`) at the end of every epoch. That callback records
the epoch, publishes a frame when the page is ready for one, and then, while the page is
paused, waits right there, inside ``fit``: so pausing and stepping never end the ``fit`` call,
and the optimizer's state (Adam's moments), the shuffling and the dropout draws go on as in
one long call. A segment ends (the callback returns True) when the page closes, resets, or
changes a training setting; the next segment is a new ``fit`` with the new settings. The Python
script of :func:`~layerwise.playground.snippet.script` makes the same calls, so it reproduces
the run exactly.

Frames are dropped, never queued: the worker builds one only when the page has taken the last
(:meth:`Session.frame_wanted`), at most ``FPS`` a second, and the publisher keeps only the
newest unsent one. Other messages (reset, state, notices) are few and all delivered.

A weight edited on the page (:meth:`Session.edit`) also ends the segment: the worker sets it
between two ``fit`` calls, and the script sets it at the same place.

Every command (:meth:`play`, :meth:`step`, :meth:`configure`, ...) may come from any thread:
it sets a field under the session's condition variable and wakes the worker
(:mod:`.worker`), which acts at the next epoch's end, or at once when idle.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from .settings import STRUCTURE, Settings, SettingsError, update_settings
from .snippet import model_file, script
from .upload import Table, UploadError, parse_csv
from .worker import FPS, MAX_EPOCHS, Message, Requests, Worker

__all__ = ["Session", "MAX_EPOCHS", "FPS", "MAX_WEIGHT", "MAX_EDITS"]

#: the largest |value| a weight or bias may be set to from the page
MAX_WEIGHT = 1000.0
#: edits one run takes (each is a line of the script)
MAX_EDITS = 10_000


class Session(Worker):
    """One page's network, data and training thread.

    Parameters
    ----------
    publish : callable
        Receives every message but frames (a dict for JSON), from the worker thread.
    publish_frame : callable
        Receives each frame (a dict for JSON); a publisher that cannot send it yet keeps only
        the newest.
    settings : Settings, optional
        The starting controls (default: the notes' network on the flower data).
    max_epochs : int
        Training stops there, with a notice.
    """

    def __init__(
        self,
        publish: Callable[[Message], None],
        publish_frame: Callable[[Message], None],
        settings: Settings | None = None,
        max_epochs: int = MAX_EPOCHS,
    ) -> None:
        self._publish = publish
        self._publish_frame = publish_frame
        self.max_epochs = max_epochs
        self._cond = threading.Condition()
        self._req = Requests(settings or Settings())
        self._start(self._req.settings)

    # -- commands (any thread) ----------------------------------------------------------

    def _command(self, **changes: Any) -> None:
        with self._cond:
            was = self._req.playing
            for name, value in changes.items():
                setattr(self._req, name, value)
            now = self._req.playing
            self._cond.notify_all()
        if now != was:
            self._publish({"type": "state", "playing": now})

    def play(self) -> None:
        """Train epoch after epoch, at the chosen speed."""
        self._command(playing=True)

    def pause(self) -> None:
        """Stop after the current epoch."""
        self._command(playing=False, steps=0)

    def step(self) -> None:
        """Train one epoch, then pause."""
        with self._cond:
            was = self._req.playing
            self._req.playing = False
            self._req.steps += 1
            self._cond.notify_all()
        if was:
            self._publish({"type": "state", "playing": False})

    def reset(self) -> None:
        """Start again: the data and the initial weights of the current settings, epoch 0."""
        self._command(reset=True, playing=False, steps=0)

    def configure(self, changes: Mapping[str, Any]) -> tuple[Settings, bool]:
        """Check and apply control values (the page's text or numbers).

        Returns
        -------
        (Settings, bool)
            The settings now asked for, and whether they restart at epoch 0 (a new network
            or new data).

        Raises
        ------
        SettingsError
            The message names the control, what was given and what is accepted; nothing
            changes.
        """
        with self._cond:
            new = update_settings(self._req.settings, changes)
            self._check_own_data(new)
            restart = any(
                getattr(new, name) != getattr(self._req.settings, name) for name in STRUCTURE
            )
            self._req.settings = new
            if restart:
                self._req.playing, self._req.steps = False, 0
            self._cond.notify_all()
        return new, restart

    def frame_wanted(self) -> None:
        """The page has drawn the last frame and takes the next."""
        self._command(want_frame=True)

    def call(self, fn: Callable[[], Any]) -> Future[Any]:
        """Run ``fn`` in the worker thread between two epochs (where the network is whole);
        its result or exception comes back in the future."""
        future: Future[Any] = Future()
        with self._cond:
            if self._req.closed:
                future.set_exception(RuntimeError("the playground session has ended"))
                return future
            self._req.tasks.append((fn, future))
            self._cond.notify_all()
        return future

    def close(self, timeout: float | None = 10.0) -> None:
        """End the training (after its current epoch) and the thread."""
        self._command(closed=True, playing=False)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the worker thread still runs."""
        return self._thread.is_alive()

    @property
    def playing(self) -> bool:
        with self._cond:
            return self._req.playing

    # -- one's own data and weights (any thread) ---------------------------------------

    def upload(self, text: Any) -> tuple[Table, Settings]:
        """Read a CSV file's text as the data set "upload" (its first two numeric columns as
        x1, x2, its last column as the label): epoch 0 on the new data.

        Raises
        ------
        UploadError
            Naming what does not fit; nothing changes.
        """
        table = parse_csv(text)
        columns, label = table.defaults()
        try:
            table.check(columns, label)
        except UploadError as exc:
            raise UploadError(f"{exc} (the label is the file's last column)") from None
        with self._cond:
            self._req.table = table
            self._req.settings = dataclasses.replace(
                self._req.settings, dataset="upload", noise=None, columns=columns, label=label
            )
            self._req.playing, self._req.steps = False, 0
            self._req.reset = True
            self._cond.notify_all()
            return table, self._req.settings

    def _check_own_data(self, new: Settings) -> None:
        """SettingsError unless the columns and label of one's own data fit its table
        (called with the condition held)."""
        if new.dataset != "upload":
            return
        table = self._req.table
        if table is None:
            raise SettingsError(
                "dataset",
                "the data set 'upload' is a CSV file of one's own: choose the file (the "
                "address of a page holds its settings, not its data)",
            )
        try:
            table.check(new.columns, new.label)
        except UploadError as exc:
            raise SettingsError("columns" if new.label else "label", str(exc)) from None

    def edit(self, param: Any, l: Any, i: Any, j: Any, value: Any, run: Any = None) -> None:
        """Set W[l]_ij (``param`` "W") or b[l]_i ("b") to ``value`` between two epochs; the
        indices are 1-based, as in the notes. ``run``: the run the page edits (an edit of
        a network since replaced is dropped); default the current one.

        Raises
        ------
        SettingsError
            For a value that is not a finite number within ±:data:`MAX_WEIGHT` or indices
            that are not whole numbers; indices beyond the network's sizes get a message
            from the worker.
        """
        if param not in ("W", "b"):
            raise SettingsError("edit", f"param is 'W' or 'b'. Received: param={param!r:.40}")
        ints = {"l": l, "i": i, "j": 1 if param == "b" else j}  # b[l] has one column
        for name, v in ints.items():
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 64:
                raise SettingsError(
                    "edit", f"{name} is a whole number from 1 (1-based). Received: {name}={v!r:.40}"
                )
        number = value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = None
        if (
            isinstance(number, bool)
            or not isinstance(number, (int, float))
            or not math.isfinite(number)
            or abs(number) > MAX_WEIGHT
        ):
            raise SettingsError(
                "edit",
                f"a weight is a finite number from -{MAX_WEIGHT:g} to {MAX_WEIGHT:g}. "
                f"Received: value={value!r:.40}",
            )
        with self._cond:
            if run is None:
                run = self.run
            if isinstance(run, bool) or not isinstance(run, int):
                raise SettingsError("edit", f"run is a whole number. Received: run={run!r:.40}")
            if self._req.edit_count >= MAX_EDITS:
                raise SettingsError(
                    "edit", f"a run takes up to {MAX_EDITS} edits; reset to start again"
                )
            self._req.edit_count += 1
            self._req.edits.append((run, param, ints["l"], ints["i"], ints["j"], float(number)))
            self._cond.notify_all()

    # -- take it away (run in the worker thread through call()) ---------------------------

    def model_bytes(self) -> bytes:
        """The network as a model file that ``Network.load`` reads."""
        return model_file(self.net, self.settings, self.epochs, self.board.data_source())

    def script(self) -> str:
        """A Python script that reproduces this run with the library."""
        return script(self.settings, self.segments, self.n_val, self.board.layer_dims)
