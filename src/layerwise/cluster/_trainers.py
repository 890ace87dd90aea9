"""The trainers of a cluster run, one dask actor per part on the part's worker, and the checks
of what they hold against the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._optional import require
from .._typing import Array
from ..core.metrics import RunningMoments
from ..model.network import Network
from . import _worker
from ._calls import results, worker_of
from ._worker import PartInfo

__all__ = ["Parts", "check_parts", "check_infos", "distributed"]


def distributed() -> Any:
    return require("distributed", "dask", "training on a dask.distributed cluster")


@dataclass
class Parts:
    """Parts checked against the network: futures on the workers and what they hold."""

    #: one PartTrainer actor per part, on the part's worker
    trainers: list[Any]
    infos: list[PartInfo]
    #: the address of each trainer's worker (named when it stops answering)
    workers: list[str]
    #: the trainers stream their rows (:class:`StreamTrainer`): a step takes each one's next
    #: batch, not a slice of rows laid out for the epoch
    streamed: bool = False

    def call(
        self,
        client: Any,
        what: str,
        method: Any,
        only: Sequence[int] | None = None,
        limit: float | None = None,
    ) -> Any:
        """``method(i, trainer)`` on every trainer (or those of ``only``) at once; their
        results, each waited for with the time limit of :func:`_calls.results`."""
        chosen = range(len(self.trainers)) if only is None else only
        calls = [method(i, self.trainers[i]) for i in chosen]
        return results(client, calls, [self.workers[i] for i in chosen], what, limit)

    @property
    def sizes(self) -> list[int]:
        return [info.x_shape[1] for info in self.infos]

    @property
    def m(self) -> int:
        return sum(self.sizes)

    def ss_tot(self) -> Array:
        """Σ (y − ȳ)² per output over every part (the parts' means and sums of squares
        merged)."""
        merged = RunningMoments(self.infos[0].y_mean.size)
        for size, info in zip(self.sizes, self.infos):
            merged.merge(size, info.y_mean, info.y_m2)
        return merged.m2


def check_parts(client: Any, net: Network, parts: Any, what: str, template: bytes) -> Parts:
    """A :class:`PartTrainer` for every part, on the part's worker, with the part's shapes
    checked (n[0], n[L], m_i > 0, the same X and Y columns, finite values)."""
    dd = distributed()
    if isinstance(parts, (np.ndarray, tuple)) or not isinstance(parts, Sequence):
        raise TypeError(
            f"{what} must be a list of futures of (X, Y) parts on the workers (see "
            f"layerwise.cluster.scatter_parts and read_parts); Received: {type(parts).__name__}"
        )
    if len(parts) == 0:
        raise ValueError(f"{what} is an empty list: give at least one part (X, Y)")
    for i, part in enumerate(parts):
        if not isinstance(part, dd.Future):
            raise TypeError(
                f"{what}[{i}] must be a future of an (X, Y) part on a worker, so that the data "
                f"stays there (see layerwise.cluster.scatter_parts and read_parts); "
                f"Received: {type(part).__name__}"
            )
    dd.wait(parts)  # read or scattered: then each is somewhere
    for part in parts:
        if part.status == "error":
            part.result()  # the error of the reader that made it, raised here
    who_has = client.who_has(parts)
    futures, addresses = [], []
    for part in parts:
        # the trainer lives where its part is: the rows never move
        workers = sorted(who_has.get(part.key, ())) or None
        futures.append(
            client.submit(
                _worker.PartTrainer, part, template, workers=workers, actor=True, pure=False
            )
        )
        addresses.append(workers[0] if workers else "?")
    trainers = client.gather(futures)
    addresses = [worker_of(client, f) if a == "?" else a for f, a in zip(futures, addresses)]
    made = Parts(trainers, [], addresses)
    infos: list[PartInfo] = made.call(client, "a description of its part", _describe)
    check_infos(net, infos, what)
    problems = made.call(client, "a check of its targets", lambda i, t: t.check_targets())
    for i, problem in enumerate(problems):
        if problem is not None:
            raise ValueError(f"{what}[{i}]: {problem}")
    made.infos = infos
    return made


def check_infos(net: Network, infos: Sequence[PartInfo], what: str) -> None:
    """Each part's shapes against the network (n[0], n[L], m_i > 0, the same X and Y
    columns) and its values finite."""
    n0, nL = net.layer_dims[0], net.layer_dims[-1]
    for i, info in enumerate(infos):
        where = f"{what}[{i}]"
        if len(info.x_shape) != 2 or len(info.y_shape) != 2:
            raise ValueError(
                f"{where} must hold X (n[0], m_i) and Y (n[L], m_i), two 2-d arrays; "
                f"Received: X shape {info.x_shape}, Y shape {info.y_shape}"
            )
        if info.x_shape[0] != n0:
            raise ValueError(
                f"{where}: X has {info.x_shape[0]} rows but n[0] is {n0}: X must be "
                f"(n[0], m_i) = ({n0}, m_i); did you mean X.T?"
            )
        if info.y_shape[0] != nL:
            raise ValueError(
                f"{where}: Y has {info.y_shape[0]} rows but n[L] is {nL}: Y must be "
                f"(n[L], m_i) = ({nL}, m_i)"
            )
        if info.x_shape[1] != info.y_shape[1]:
            raise ValueError(
                f"{where}: X has {info.x_shape[1]} examples (columns) but Y has "
                f"{info.y_shape[1]}; they must match"
            )
        if info.x_shape[1] == 0:
            raise ValueError(f"{where} has no rows (m_i = 0): every part needs examples")
        if not info.finite:
            raise ValueError(f"{where} holds NaN or infinite values in X or Y")


def _describe(i: int, trainer: Any) -> Any:
    return trainer.describe()
