"""Calls from the client to the workers, each with a time limit, and an error that says who went
away: the scheduler or a worker (by its address), and what to do.

A dask actor's call goes to its worker directly. When that worker is frozen (``kill -STOP``),
the call would wait for ever; when it died (or the scheduler did), distributed says only
"Unable to contact Actor's worker". Every call the training makes goes through
:func:`results`, which waits at most :func:`timeout` seconds (the environment variable
``LAYERWISE_CLUSTER_TIMEOUT``, default :data:`TIMEOUT`) and turns either failure into a
:class:`ClusterError` naming the scheduler or the worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["ClusterError", "TIMEOUT", "timeout", "reading_limit", "results", "worker_of"]

#: seconds a call to a worker may take before the worker is reported as not answering: far
#: above a training step (milliseconds to a few seconds) or the reading of a file's chunk
TIMEOUT = 120.0
#: the slowest reading a call that reads files is allowed (rows a second), for its time limit
ROWS_PER_SECOND = 10_000
#: seconds to wait for the scheduler when asking it, after a failed call, who went away
_ASK_SCHEDULER = 5.0


class ClusterError(ConnectionError):
    """A worker or the scheduler stopped answering during a cluster run; the message names
    which (a worker by its address) and what to do."""


def timeout() -> float:
    """The time limit of a call to a worker: ``LAYERWISE_CLUSTER_TIMEOUT`` seconds when set
    (a positive number), else :data:`TIMEOUT`."""
    text = os.environ.get("LAYERWISE_CLUSTER_TIMEOUT")
    if not text:
        return TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ValueError(
            f"LAYERWISE_CLUSTER_TIMEOUT must be a number of seconds > 0; Received: {text!r}"
        )
    return seconds


def reading_limit(rows: int = 0) -> float:
    """The time limit of a call that reads ``rows`` rows of files (and, the first time, imports
    pandas and pyarrow on the worker): :func:`timeout` plus a minute plus a second for every
    :data:`ROWS_PER_SECOND` rows, so that a slow disk is not taken for a frozen worker."""
    return timeout() + 60.0 + rows / ROWS_PER_SECOND


def worker_of(client: Any, future: Any) -> str:
    """The address of the worker holding ``future`` (an actor's or a part's), or "?"."""
    try:
        return str(sorted(client.who_has([future]).get(future.key, ("?",)))[0])
    except Exception:  # the scheduler may be gone too: the caller says so
        return "?"


def results(
    client: Any,
    calls: Sequence[Any],
    workers: Sequence[str],
    what: str,
    limit: float | None = None,
) -> list[Any]:
    """The results of calls made at once to the workers ``workers[i]`` (they run in parallel
    there), each waited for at most ``limit`` seconds (default :func:`timeout`; a call that
    reads files is given more, :func:`reading_limit`); ``what`` names the call in the
    message ("a training step"). A worker that does not answer in time, or that went away,
    or a scheduler that went away, raises :class:`ClusterError`."""
    limit = timeout() if limit is None else limit
    out = []
    for call, worker in zip(calls, workers):
        try:
            out.append(call.result(timeout=limit))
        except TimeoutError:
            raise ClusterError(
                f"the worker {worker} did not answer {what} within {limit:g} s (frozen, "
                f"overloaded or cut off): restart it or remove it from the cluster and train "
                f"again (LAYERWISE_CLUSTER_TIMEOUT sets the limit)"
            ) from None
        except OSError as exc:
            raise gone(client, worker, what, exc) from None
    return out


def gone(client: Any, worker: str, what: str, exc: BaseException) -> ClusterError:
    """The error for a call that could not reach its worker: the scheduler gone, or the
    worker."""
    scheduler = getattr(getattr(client, "scheduler", None), "address", None) or "?"
    deadline = time.monotonic() + _ASK_SCHEDULER
    while True:  # the scheduler may take a moment to notice a worker that died
        try:
            info = client.sync(client.scheduler.identity, callback_timeout=_ASK_SCHEDULER)
        except Exception:
            return ClusterError(
                f"the scheduler {scheduler} went away during {what} (it does not answer): "
                f"start it again ('dask scheduler'), with its workers, and train again"
            )
        listed = worker in (info.get("workers") or {})
        if not listed or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if not listed:
        return ClusterError(
            f"the worker {worker} went away during {what} (killed, out of memory, or its "
            f"machine gone; the scheduler {scheduler} no longer lists it): the rows it held "
            f"are lost for this run; give the workers more memory (dask worker "
            f"--memory-limit) or restart it, and train again"
        )
    return ClusterError(
        f"the worker {worker} could not be reached during {what} (the scheduler {scheduler} "
        f"still lists it): check that it runs and that the network to it is open, and train "
        f"again"
    )
