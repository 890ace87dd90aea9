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

Every command (:meth:`play`, :meth:`step`, :meth:`configure`, ...) may come from any thread:
it sets a field under the session's condition variable and wakes the worker, which acts at the
next epoch's end, or at once when idle.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from ..network import Network
from ..training import TrainingDivergedError
from . import frames
from .settings import (
    STRUCTURE,
    TRAINING,
    Settings,
    data_call,
    make_data,
    split_data,
    update_settings,
)
from .snippet import Segment, equations_text, model_file, script

__all__ = ["Session", "MAX_EPOCHS", "FPS"]

#: one page trains at most this many epochs (the History of a ``fit`` grows with its epochs);
#: the model and the script take a run further
MAX_EPOCHS = 100_000
#: frames a second, at most
FPS = 30

Message = dict[str, Any]


@dataclass
class _Requests:
    """What the page asked for and the worker has not done yet (guarded by the condition)."""

    settings: Settings
    playing: bool = False
    steps: int = 0
    reset: bool = False
    closed: bool = False
    want_frame: bool = True
    tasks: list[tuple[Callable[[], Any], Future[Any]]] = field(default_factory=list)


class _Controller:
    """The callback ``fit`` calls; it hands every epoch to the session."""

    stop_reason = "playground"

    def __init__(self, session: Session) -> None:
        self.session = session

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        return self.session._epoch_end(logs)


class Session:
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
        self._req = _Requests(settings or Settings())
        # the worker's own state, touched by the worker thread only
        self.settings = self._req.settings
        self.run = 0
        self.epochs = 0
        self.segments: list[Segment] = []
        self._dirty = False
        self._last_frame = -math.inf
        self._due = 0.0
        self._stepping = False
        self._thread = threading.Thread(target=self._main, name="layerwise-playground", daemon=True)
        self._thread.start()

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

    # -- the worker thread --------------------------------------------------------------

    def _main(self) -> None:
        try:
            self._rebuild()
            while True:
                with self._cond:
                    while not self._has_work() and not self._dirty:
                        self._cond.wait()
                    req = self._req
                    if req.closed:
                        break
                    busy = self._has_work()
                    reset, req.reset = req.reset, False
                    target, train = req.settings, req.playing or req.steps > 0
                if not busy:  # idle, with something new to show (a step done, a pause)
                    self._frame()
                    continue
                self._run_tasks()
                if reset or self._differs(target, STRUCTURE):
                    self._rebuild(target)
                    continue
                if target != self.settings:
                    self._retrain(target)
                if train:
                    self._train()
        except Exception as exc:  # a bug: say so on the page rather than die silently
            traceback.print_exc()
            self._publish({"type": "error", "field": "", "message": f"internal error: {exc!r}"})
        finally:
            with self._cond:
                self._req.closed = True
                tasks, self._req.tasks = self._req.tasks, []
            for _, future in tasks:
                future.set_exception(RuntimeError("the playground session has ended"))

    def _has_work(self) -> bool:
        req = self._req
        return bool(
            req.closed
            or req.reset
            or req.tasks
            or req.playing
            or req.steps
            or req.settings != self.settings
        )

    def _differs(self, target: Settings, names: frozenset[str]) -> bool:
        return any(getattr(target, n) != getattr(self.settings, n) for n in names)

    def _run_tasks(self) -> None:
        with self._cond:
            tasks, self._req.tasks = self._req.tasks, []
        for fn, future in tasks:
            try:
                future.set_result(fn())
            except Exception as exc:
                future.set_exception(exc)

    def _set_playing(self, playing: bool) -> None:
        with self._cond:
            self._req.playing = playing
            if not playing:
                self._req.steps = 0
        self._publish({"type": "state", "playing": playing})

    def _rebuild(self, settings: Settings | None = None) -> None:
        """New data, split and network for ``settings``: epoch 0."""
        s = self.settings = settings or self.settings
        self.run += 1
        self.epochs = 0
        self.segments = []
        X, Y = make_data(s)
        m = X.shape[1]
        train, val, is_val = split_data(X, Y, s)
        n_val = len(val)
        self.X, self.Y = X, Y
        self.X_train, self.Y_train = X[:, train], Y[:, train]
        self.validation = (X[:, val], Y[:, val]) if n_val else None
        self.n_val = n_val
        notes: list[str] = []
        if s.init == "zeros" and s.hidden:
            # the library warns of the symmetry that zero weights keep; the page says it
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                self.net = self._network(s)
            notes += [str(w.message) for w in caught]
        else:
            self.net = self._network(s)
        self.curve = frames.Curve(self.net.L)
        self.box = frames.extent(X)
        self.grid = frames.plane_grid(self.box)
        with self._cond:  # the reset stopped play (on the commands' side); say so
            playing = self._req.playing
        self._publish({"type": "state", "playing": playing})
        self._publish(
            {
                "type": "reset",
                "run": self.run,
                "settings": s.to_json(),
                "data": data_call(s),
                "layer_dims": self.net.layer_dims,
                "activations": [g.name for g in self.net.activations],
                "points": frames.points(X, Y, is_val),
                "m": m,
                "m_train": m - n_val,
                "extent": self.box,
                "grid": frames.GRID,
                "unit_grid": frames.GRID // frames.UNIT_STRIDE,
                "max_epochs": self.max_epochs,
            }
        )
        self._publish_equations()
        for note in notes:
            self._publish({"type": "notice", "message": note})
        self._frame()

    @staticmethod
    def _network(s: Settings) -> Network:
        return Network(
            s.layer_dims, hidden=s.activation, output="sigmoid", init=s.init, seed=s.seed
        )

    def _retrain(self, settings: Settings) -> None:
        """New training settings for the same network: the next segment uses them."""
        changed = self._differs(settings, TRAINING)
        self.settings = settings
        if changed:
            self._publish_equations()

    def _publish_equations(self) -> None:
        text = equations_text(self.net, self.settings, self.X_train.shape[1])
        self._publish({"type": "equations", "run": self.run, "text": text})

    def _train(self) -> None:
        """One segment: a ``fit`` that runs until the page closes, resets, changes a training
        setting, or the epoch limit."""
        if self.epochs >= self.max_epochs:
            self._notice_limit()
            return
        s = self.settings
        segment = Segment(s)
        self.segments.append(segment)
        self._segment = segment
        self._due = time.monotonic()
        with self._cond:
            # the first epoch runs for a step unless the page is playing
            self._stepping = not self._req.playing
        try:
            self.net.fit(
                self.X_train,
                self.Y_train,
                epochs=self.max_epochs - self.epochs,
                learning_rate=s.learning_rate,
                optimizer=s.optimizer,
                batch_size=s.batch_size,
                l2=s.l2,
                dropout=s.keep_prob if s.keep_prob < 1 and s.hidden else None,
                validation_data=self.validation,
                callbacks=[_Controller(self)],
            )
        except TrainingDivergedError as exc:
            segment.diverged = True
            segment.diverged_in_epoch = exc.epoch is not None
            self._set_playing(False)
            message = f"{exc}. Reset starts again from the initial weights."
            self._publish({"type": "error", "field": "learning_rate", "message": message})
            self._dirty = True
        else:
            if self.epochs >= self.max_epochs:
                self._notice_limit()
        if not segment.epochs and not segment.diverged:
            # a diverged segment stays, even without a good epoch: its draws were spent
            self.segments.remove(segment)

    def _notice_limit(self) -> None:
        self._set_playing(False)
        self._publish(
            {
                "type": "notice",
                "message": f"The playground stops at {self.max_epochs} epochs; download the "
                f"model or the Python script to train on.",
            }
        )

    def _epoch_end(self, logs: dict[str, float]) -> bool:
        """After every epoch, inside ``fit``: record it, maybe draw it, then wait while paused
        or for the chosen speed; True ends the segment."""
        self.epochs += 1
        self._segment.epochs += 1
        self.curve.record(self.epochs, logs)
        self._dirty = True
        with self._cond:
            if self._stepping and self._req.steps:
                self._req.steps -= 1  # this epoch was a step's (not one played before a step)
        was_paused = False
        while True:
            with self._cond:
                req = self._req
                if req.settings != self.settings and not self._differs(
                    req.settings, STRUCTURE | TRAINING
                ):
                    self.settings = req.settings  # only the speed: no new fit needed
                if req.closed or req.reset or req.settings != self.settings:
                    return True
                paused = not req.playing and not req.steps
                stepping = not req.playing
                want = req.want_frame
                has_tasks = bool(req.tasks)
            if has_tasks:
                self._run_tasks()
                continue
            now = time.monotonic()
            if self._dirty and (paused or (want and now - self._last_frame >= 1 / FPS)):
                self._frame()
                continue
            if not paused:
                if was_paused:
                    self._due = now  # after a pause, no burst of epochs to catch up
                wait = self._due - now
                if wait <= 0 or self.settings.speed == "max":
                    self._due = max(self._due, now - 1.0) + self._period()
                    self._stepping = stepping
                    return False
            was_paused = was_paused or paused
            with self._cond:
                if self._still_waiting(paused):
                    self._cond.wait(None if paused else wait)

    def _still_waiting(self, paused: bool) -> bool:
        """Nothing new since the last look (called with the condition held)."""
        req = self._req
        if req.closed or req.reset or req.tasks or req.settings != self.settings:
            return False
        if self._dirty and req.want_frame:
            return False
        return paused == (not req.playing and not req.steps)

    def _period(self) -> float:
        speed = self.settings.speed
        return 0.0 if speed == "max" else 1.0 / float(speed)

    def _frame(self) -> None:
        """Publish what the network computes now."""
        with self._cond:
            self._req.want_frame = False
        self._dirty = False
        self._last_frame = time.monotonic()
        frame: Message = {"type": "frame", "run": self.run, "epoch": self.epochs}
        train = (self.X_train, self.Y_train)
        frame.update(frames.frame(self.net, self.grid, self.curve, train, self.validation))
        self._publish_frame(frame)

    # -- take it away (run in the worker thread through call()) ---------------------------

    def model_bytes(self) -> bytes:
        """The network as a model file that ``Network.load`` reads."""
        return model_file(self.net, self.settings, self.epochs)

    def script(self) -> str:
        """A Python script that reproduces this run with the library."""
        return script(self.settings, self.segments, self.n_val)
