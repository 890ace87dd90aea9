"""The table workflow on a cluster: :meth:`TableModel.fit(data, client=client)
<layerwise.tables.TableModel.fit>`.

The plan is the one a single machine makes for a streamed table; only where the passes run
differs. The table (a folder or a file at a path every worker opens) is cut into its pieces
(Parquet row groups, CSV files), dealt out to the workers by rows, and each worker's
:class:`~layerwise.cluster._stream_worker.StreamTrainer` streams its own pieces:

1. a worker reads the table's layout (its columns, the roles: target, id, features; the rows
   of each piece, counted on the workers for CSV), so every row has its place in the table and
   the validation rows are the hash-chosen rows one machine holds out;
2. every worker scans its pieces (:func:`layerwise.tables.stream_plan.scan`), the client merges
   the scans and finishes the plan (:func:`~layerwise.tables.stream_plan.finish_plan`; then
   :meth:`TableModel.stream_choices`, the same network, batch size, validation and stopping
   rules);
3. the epochs run in the one frame (:func:`layerwise.training.run_with`): each step, every
   worker takes its next batch of its shuffle buffer (its share of the global batch) and
   returns the sums of its gradient; validation runs on the workers' held-out rows.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tables.stream_fit import stream_config
from ._calls import ClusterError, reading_limit, results, worker_of
from ._loop import train_parts
from ._stream_worker import StreamTrainer, count_piece, open_stream
from ._trainers import Parts, check_infos

__all__ = ["prepare_table", "train_table", "OnWorkers"]


@dataclass
class Layout:
    """What the client knows of a table on the workers' file system: no rows."""

    source: str
    columns: list[str]
    #: one entry per piece (row group or CSV file): where it comes from
    pieces: list[str]

    def where(self, piece: Any) -> str:
        return str(piece)


@dataclass
class OnWorkers:
    """A table prepared on a cluster: the client, the trainers of its training rows and of its
    validation rows (on the same workers), and what is printed of them."""

    client: Any
    train: Parts
    val: Parts | None
    n_val: int
    scheduler: str

    @property
    def validation_rows(self) -> tuple[Any, ...] | None:
        """A stand-in for the validation rows (X_val, ...) that holds only their shape
        (n[0], m_val): the rows live on the workers."""
        if self.val is None:
            return None
        n0 = self.train.infos[0].x_shape[0]
        return (np.broadcast_to(np.float64(0), (n0, self.n_val)),)


def _layout(data: Any, model_options: dict[str, Any]) -> tuple[Layout, dict[str, Any], list[Any]]:
    """On a worker: the table's columns and pieces, the roles of its columns, each piece's rows
    (None for CSV)."""
    from ..tables.stream_plan import stream_roles

    stream = open_stream(data)
    target, id_column, features = stream_roles(
        stream.columns, stream.source, *model_options.values()
    )
    layout = Layout(stream.source, stream.columns, [stream.where(p) for p in stream.pieces])
    roles = {"target": target, "features": features, "id_column": id_column}
    return layout, roles, [p.rows for p in stream.pieces]


def _deal(rows: Sequence[int], n_workers: int) -> list[list[int]]:
    """The pieces of each worker: the biggest first, each to the worker with fewest rows."""
    loads = [0] * n_workers
    dealt: list[list[int]] = [[] for _ in range(n_workers)]
    for i in sorted(range(len(rows)), key=lambda i: -rows[i]):
        w = loads.index(min(loads))
        dealt[w].append(i)
        loads[w] += rows[i]
    return [sorted(pieces) for pieces in dealt]


def _one(client: Any, future: Any, what: str) -> Any:
    """The result of a task that reads a file, with the time limit of such a call."""
    return results(client, [future], [worker_of(client, future)], what, reading_limit())[0]


def prepare_table(model: Any, data: Any, client: Any) -> Any:
    """:meth:`TableModel.prepare_stream` on a cluster: the workers scan their own pieces of
    ``data``, the client makes the plan from their merged statistics."""
    from ..tables.encoder import TableEncoder
    from ..tables.prepared import ENCODER_OPTIONS
    from ..tables.stream_plan import StreamPlan, finish_plan, validation_fraction

    if model.sample_weight is not None:
        raise ValueError("sample weights are not available on a cluster; train without them")
    if isinstance(data, (list, tuple)) and data and all(isinstance(p, str) for p in data):
        data = [os.path.abspath(p) for p in data]
    elif isinstance(data, (str, os.PathLike)):
        data = os.path.abspath(data) if "://" not in os.fspath(data) else os.fspath(data)
    else:
        raise TypeError(
            f"on a cluster, data is the path of a folder or a file that every worker opens "
            f"(or a list of files); Received: {type(data).__name__}"
        )
    workers = sorted(client.scheduler_info().get("workers") or {})
    if not workers:
        raise ValueError(
            "the cluster has no workers: start some (`dask worker SCHEDULER_ADDRESS`) or wait "
            "for them (client.wait_for_workers(n)) before training"
        )
    asked = (model.target, model.id_column, None, tuple(model.drop), tuple(model.keep))
    options = dict(zip(("target", "id_column", "sample_weight", "drop", "keep"), asked))
    layout, roles, rows = _one(
        client, client.submit(_layout, data, options, pure=False), "reading the table's layout"
    )
    unknown = [i for i, n in enumerate(rows) if n is None]
    if unknown:  # CSV files: their rows counted on the workers
        counts = client.map(count_piece, [data] * len(unknown), unknown, pure=False)
        found = results(client, counts, ["?"] * len(counts), "a count of rows", reading_limit())
        for i, n in zip(unknown, found):
            rows[i] = n
    fraction = validation_fraction(model.split_or_default, sum(rows))
    id_column = roles.pop("id_column")
    fields = dict(
        roles, weight_column=None, drop_missing=model.drop_missing, kind="", output=model.output,
        classes=None, encoder=TableEncoder(), target_mean=None, target_scale=None,
        validation_fraction=fraction, seed=model.seed, m=0, m_train=0,
    )  # fmt: skip
    dealt = [(w, pieces) for w, pieces in zip(workers, _deal(rows, len(workers))) if pieces]
    futures = [
        client.submit(
            StreamTrainer, data, fields, pieces, rows, workers=[w], actor=True, pure=False
        )
        for w, pieces in dealt
    ]
    trainers = _gather(client, futures)
    everyone = Parts(trainers, [], [w for w, _ in dealt], streamed=True)
    most = max(sum(rows[i] for i in pieces) for _, pieces in dealt)
    scans = everyone.call(
        client, "a pass over its files", lambda i, t: t.scan(), limit=reading_limit(most)
    )
    found = scans[0]
    for other in scans[1:]:
        found.merge(other)
    plan = StreamPlan(stream=layout, **fields)
    finish_plan(
        plan, found, layout.columns, output=model.output, drop=tuple(model.drop),
        keep=tuple(model.keep), id_column=id_column, target_scaling=model.target_scaling,
        encoder_options=ENCODER_OPTIONS,
    )  # fmt: skip
    prepared = model.stream_choices(plan, found.n_val > 0)
    sizes = [s.stats.m for s in scans]
    prepared.on_workers = _set_plan(client, everyone, plan, prepared, sizes, found.n_val)
    return prepared


def _gather(client: Any, futures: list[Any]) -> list[Any]:
    """The actors of ``futures``, made on their workers (with the time limit)."""
    try:
        return list(client.gather(futures))
    except OSError as exc:
        raise ClusterError(f"the cluster could not start a worker's trainer: {exc}") from None


def _set_plan(
    client: Any, everyone: Parts, plan: Any, prepared: Any, sizes: list[int], n_val: int
) -> OnWorkers:
    """The plan and the network sent to every worker with its share of the global batch; the
    trainers of the training rows and of the validation rows."""
    fields = {
        name: getattr(plan, name)
        for name in ("kind", "output", "classes", "encoder", "target_mean", "target_scale")
    }
    template = pickle.dumps(prepared.network)
    steps = -(-plan.m_train // prepared.batch_size)  # S = ⌈m / B⌉ steps an epoch
    shares = [max(1, -(-m // steps)) for m in sizes]  # each worker's ⌈m_i / S⌉ rows a step
    infos = everyone.call(
        client,
        "taking the plan",
        lambda i, t: t.set_plan(fields, template, shares[i]),
        limit=reading_limit(),
    )
    keep = [i for i, size in enumerate(sizes) if size > 0]
    train = _subset(everyone, keep, [infos[i][0] for i in keep])
    check_infos(prepared.network, train.infos, "the training rows")
    with_val = [i for i, (_, v) in enumerate(infos) if v is not None]
    val = _subset(everyone, with_val, [infos[i][1] for i in with_val]) if with_val else None
    address = getattr(getattr(client, "scheduler", None), "address", "?")
    return OnWorkers(client, train, val, n_val, str(address))


def _subset(parts: Parts, chosen: list[int], infos: list[Any]) -> Parts:
    return Parts(
        [parts.trainers[i] for i in chosen], infos, [parts.workers[i] for i in chosen], True
    )


def train_table(model: Any, prepared: Any, *, callbacks: Sequence[Any] = ()) -> Any:
    """:meth:`TableModel.train_stream` on a cluster: the epochs in the one frame, each step's
    gradient summed over the workers; the history, scores and training record as for a
    streamed table. Returns ``model``."""
    from ..tables.prepared import last_epoch, training_record

    cluster: OnWorkers = prepared.on_workers
    net, p, plan = prepared.network, prepared, prepared.data
    cfg = stream_config(
        cluster.validation_rows, plan.kind, epochs=p.epochs, learning_rate=p.learning_rate,
        batch_size=p.batch_size, optimizer=p.optimizer, l2=p.l2, early_stopping=p.patience,
        min_delta=p.tol, callbacks=callbacks,
    )  # fmt: skip
    cfg.validation = None  # evaluated on the workers, by the cluster's epochs
    start = time.perf_counter()
    history = train_parts(cluster.client, net, cfg, cluster.train, cluster.val, None)
    seconds = time.perf_counter() - start
    metrics: dict[str, dict[str, float]] = {"train": last_epoch(history)}
    if cluster.val is not None:
        metrics["validation"] = last_epoch(_validation_series(history))
    workers = sorted(set(cluster.train.workers))
    record = training_record(
        model, p, history, seconds, "cluster", data=plan.stream.source, rows=plan.m,
        target=plan.target, task=plan.kind, training_rows=plan.m_train, stream=True,
        scheduler=cluster.scheduler, workers=len(workers), files=len(set(plan.stream.pieces)),
    )  # fmt: skip
    net.metadata = {"training": record, "metrics": metrics, "notices": list(p.notices)}
    model.network, model.history, model.metrics = net, history, metrics
    model.notices = list(p.notices)
    return model


class _validation_series:  # noqa: N801  (a view, read as a History by last_epoch)
    """The validation series of a history under the training series' names."""

    def __init__(self, history: Any) -> None:
        self.best_epoch, self.epochs = history.best_epoch, history.epochs
        self.history = {
            key.removeprefix("val_"): values
            for key, values in history.history.items()
            if key.startswith("val_")
        }
