"""The streamed doors of :class:`~layerwise.tables.TableModel`: a table read a chunk of rows at
a time, here (:func:`~layerwise.tables.stream_plan.prepare_stream`,
:func:`~layerwise.tables.stream_fit.fit_stream`) or by a cluster's workers
(:func:`layerwise.cluster.prepare_table`, :func:`layerwise.cluster.train_table`), with one plan
(:func:`stream_choices`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import defaults
from .prepared import ENCODER_OPTIONS, TASKS, PreparedStream, _scores, last_epoch, training_record
from .stream import TableStream
from .stream_fit import fit_stream
from .stream_plan import StreamPlan, prepare_stream

if TYPE_CHECKING:  # pragma: no cover
    from .model import TableModel

__all__ = ["prepare_streamed", "stream_choices", "train_streamed", "cluster_door"]


def cluster_door(name: str) -> Any:
    """A function of :mod:`layerwise.cluster`, the edge that runs the table workflow's passes
    on dask workers: imported only when a run is given a client (a lazy import against the
    layers' order, named in tests/test_layout.py; a table model without dask needs no dask)."""
    from .. import cluster

    return getattr(cluster, name)


def prepare_streamed(
    model: TableModel, data: Any, client: Any, *, progress: bool = False
) -> PreparedStream:
    """:meth:`TableModel.prepare_stream`."""
    model._check_options()
    if model.engine != "numpy":
        raise ValueError(
            f"a streamed table trains with the numpy engine; Received: engine={model.engine!r}"
        )
    if model.dropout is not None:
        raise ValueError("dropout is not available for a streamed table; train without it")
    if client is not None:
        return cluster_door("prepare_table")(model, data, client)
    if progress and not isinstance(data, TableStream):  # a bar of the files read
        data = TableStream(data, progress=True)
    data_plan = prepare_stream(
        data,
        model.target,
        output=model.output,
        validation_split=model.split_or_default,
        seed=model.seed,
        drop=tuple(model.drop),
        keep=tuple(model.keep),
        id_column=model.id_column,
        sample_weight=model.sample_weight,
        drop_missing=model.drop_missing,
        target_scaling=model.target_scaling,
        encoder_options=ENCODER_OPTIONS,
        dtype=np.dtype(model.dtype),
    )
    return model.stream_choices(data_plan, data_plan.validation is not None)


def stream_choices(
    model: TableModel, data_plan: StreamPlan, has_validation: bool
) -> PreparedStream:
    """:meth:`TableModel.stream_choices`."""
    split = model.split_or_default
    kind, classes = data_plan.kind, data_plan.classes
    n0 = len(data_plan.encoder.feature_names_out_)
    n_out = len(classes) if data_plan.output == "softmax" and classes else 1
    plan = defaults.plan_for(data_plan.m, n0, n_out, TASKS[kind])
    _, patience, tol = defaults.stopping(plan, split, model.early_stopping, model.tol)
    if not has_validation:
        patience, tol = 0, 0.0
    choices = model._choices(plan, n0, n_out, data_plan.output)
    choices["network"].preprocessing = data_plan.encoder.preprocessing_
    batch_size = model.batch_size or defaults.batch_size_for(data_plan.m_train)
    notices = list(data_plan.notices)
    if model.refit:
        notices.append("refit is not available for a streamed table: the first run is kept")
    prepared = PreparedStream(
        data=data_plan,
        **choices,
        batch_size=int(batch_size),
        validation_split=data_plan.validation_fraction,
        patience=patience,
        tol=tol,
        notices=notices,
    )
    model.plan = None
    model.notices = list(notices)
    return prepared


def train_streamed(
    model: TableModel, prepared: PreparedStream, callbacks: Sequence[Any], progress: bool
) -> TableModel:
    """:meth:`TableModel.train_stream`."""
    if prepared.on_workers is not None:
        return cluster_door("train_table")(model, prepared, callbacks=callbacks)
    net, p = prepared.network, prepared
    assert p.batch_size is not None  # a streamed table always trains by mini-batches
    start = time.perf_counter()
    history = fit_stream(
        net,
        p.data,
        epochs=p.epochs,
        learning_rate=p.learning_rate,
        batch_size=p.batch_size,
        optimizer=p.optimizer,
        l2=p.l2,
        early_stopping=p.patience,
        min_delta=p.tol,
        callbacks=list(callbacks),
        progress=progress,
    )
    seconds = time.perf_counter() - start
    metrics: dict[str, dict[str, float]] = {"train": last_epoch(history)}
    validation = p.data.validation
    if validation is not None:
        X, Y, *w = validation
        metrics["validation"] = _scores(net, X, Y, w[0] if w else None, p.data.kind)
    d = p.data
    net.metadata = {
        "training": training_record(
            model,
            p,
            history,
            seconds,
            "numpy",
            data=d.stream.source,
            rows=d.m,
            target=d.target,
            task=d.kind,
            training_rows=d.m_train,
            stream=True,
        ),
        "metrics": metrics,
        "notices": list(p.notices),
    }
    model.network, model.history, model.metrics = net, history, metrics
    model.notices = list(p.notices)
    return model
