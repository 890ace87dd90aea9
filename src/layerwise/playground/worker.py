"""The worker side of a playground :class:`~layerwise.playground.session.Session`: the
thread that owns the run (data and network), trains it by ``Network.fit`` segment after
segment, applies the page's weight edits between two epochs and publishes what it computes.

Nothing but this thread touches the run; the commands of the session reach it through the
requests (:class:`Requests`) under the session's condition variable.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from ..model.network import Network
from ..training.step import TrainingDivergedError
from .run import Run
from .settings import STRUCTURE, TRAINING, Settings
from .snippet import Edit, Segment, equations_text
from .upload import Table

__all__ = ["Requests", "Worker", "MAX_EPOCHS", "FPS"]

#: one page trains at most this many epochs (the History of a ``fit`` grows with its epochs);
#: the model and the script take a run further
MAX_EPOCHS = 100_000
#: frames a second, at most
FPS = 30

Message = dict[str, Any]


@dataclass
class Requests:
    """What the page asked for and the worker has not done yet (guarded by the condition)."""

    settings: Settings
    playing: bool = False
    steps: int = 0
    reset: bool = False
    closed: bool = False
    want_frame: bool = True
    tasks: list[tuple[Callable[[], Any], Future[Any]]] = field(default_factory=list)
    #: weight edits to apply between two epochs: (run, param, l, i, j, value)
    edits: list[tuple[int, str, int, int, int, float]] = field(default_factory=list)
    #: one's own data, once a CSV file has been read
    table: Table | None = None
    #: edits taken since the last new run
    edit_count: int = 0


class _Controller:
    """The callback ``fit`` calls; it hands every epoch to the session."""

    stop_reason = "playground"

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        return self.worker._epoch_end(logs)


class Worker:
    """The worker thread's side of a session (see :mod:`.session` for the design)."""

    _publish: Callable[[Message], None]
    _publish_frame: Callable[[Message], None]
    _cond: threading.Condition
    _req: Requests
    max_epochs: int

    def _start(self, settings: Settings) -> None:
        """The worker's own state, touched by the worker thread only; then the thread."""
        self.settings = settings
        self.run = 0
        self.epochs = 0
        self.segments: list[Segment | Edit] = []
        self._dirty = False
        self._last_frame = -math.inf
        self._due = 0.0
        self._stepping = False
        self._thread = threading.Thread(target=self._main, name="layerwise-playground", daemon=True)
        self._thread.start()

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
                self._apply_edits()
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
            or req.edits
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
        with self._cond:
            table = self._req.table
            # edits of the network being replaced are void
            self._req.edits.clear()
            self._req.edit_count = 0
        self.run += 1
        self.epochs = 0
        self.segments = []
        self.board = Run(s, self.run, table)
        with self._cond:  # the reset stopped play (on the commands' side); say so
            playing = self._req.playing
        self._publish({"type": "state", "playing": playing})
        self._publish(self.board.reset_message(self.max_epochs))
        self._publish_equations()
        for note in self.board.notes:
            self._publish({"type": "notice", "message": note})
        self._frame()

    @property
    def net(self) -> Network:
        """The network being trained."""
        return self.board.net

    @property
    def n_val(self) -> int:
        return self.board.n_val

    def _apply_edits(self) -> None:
        """The page's weight edits, between two ``fit`` calls (so the script can make the same
        changes at the same place); a refused one gets a message."""
        with self._cond:
            edits, self._req.edits = self._req.edits, []
        for run, param, l, i, j, value in edits:
            if run != self.run:
                continue  # an edit of a network since replaced
            try:
                self.board.edit(param, l, i, j, value)
            except ValueError as exc:
                self._publish({"type": "error", "field": "edit", "message": str(exc)})
                continue
            self.segments.append(Edit(param, l, i, j, value))
            self._dirty = True

    def _retrain(self, settings: Settings) -> None:
        """New training settings for the same network: the next segment uses them."""
        changed = self._differs(settings, TRAINING)
        self.settings = settings
        if changed:
            self._publish_equations()

    def _publish_equations(self) -> None:
        train = self.board.train[0].shape[1]
        text = equations_text(self.net, self.settings, train, self.board.settings.features)
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
                *self.board.train,
                epochs=self.max_epochs - self.epochs,
                learning_rate=s.learning_rate,
                optimizer=s.optimizer,
                batch_size=s.batch_size,
                l2=s.l2,
                dropout=s.keep_prob if s.keep_prob < 1 and s.hidden else None,
                validation_data=self.board.validation,
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
        self.board.curve.record(self.epochs, logs)
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
                if req.closed or req.reset or req.edits or req.settings != self.settings:
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
        if req.closed or req.reset or req.tasks or req.edits or req.settings != self.settings:
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
        frame.update(self.board.frame())
        self._publish_frame(frame)

    # -- take it away (run in the worker thread through call()) ---------------------------
