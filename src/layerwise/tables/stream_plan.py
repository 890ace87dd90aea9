"""Preparing a streamed table for training: one pass over it (:func:`prepare_stream`).

The pass gathers, in file order, the feature columns' statistics
(:class:`~layerwise.tables.stats.TableStats`: running moments, counted categories, the
row-number bitmap; the same rules as :meth:`TableEncoder.fit`, so that the encoder is the one
training in memory would fit), the target's labels or its mean and standard deviation, and the
validation rows, kept in memory (at most :data:`VALIDATION_ROWS`: the validation share shrinks
for a very large table). A row is a validation row when a hash of (seed, its position in the
table) falls below the validation share (:func:`~layerwise.tables.stream.held_out`).

The pass is three steps, so that a cluster runs the same plan: :func:`stream_roles` (the
target, the id, the features), :func:`scan` over some pieces (a worker's, or all of them; the
scans of several workers merge with :meth:`Scan.merge`) and :func:`finish_plan` (the encoder,
the task, the target's scaling, the notices).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from .encoder import TableEncoder
from .formats import _pandas, _shorten
from .loading import _check_roles, _choose_target
from .stats import TableStats
from .stream import _MAX_LABELS, VALIDATION_ROWS, TableStream, held_out
from .target_stats import _choose_task, _TargetStats
from .targets import encode_labels, task_notice

__all__ = [
    "StreamPlan",
    "Scan",
    "prepare_stream",
    "stream_roles",
    "scan",
    "finish_plan",
    "encode_validation",
    "VALIDATION_ROWS",
]


@dataclass
class StreamPlan:
    """A streamed table prepared for training: what :func:`prepare_stream` returns.

    The roles of the columns, the task, the fitted encoder, the validation rows (encoded, in
    memory), and the counts of the training rows.
    """

    #: the table (on a cluster's worker, only the pieces it reads; on the client, None)
    stream: Any
    target: str
    features: list[str]
    weight_column: str | None
    drop_missing: bool
    kind: str
    output: str
    classes: list[Any] | None
    encoder: TableEncoder
    target_mean: float | None
    target_scale: float | None
    validation_fraction: float
    seed: int
    m: int
    m_train: int
    X_val: Array | None = None
    Y_val: Array | None = None
    w_val: Array | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def validation(self) -> tuple[Array, ...] | None:
        """(X, Y) or (X, Y, weights) of the validation rows, or None."""
        if self.X_val is None or self.Y_val is None:
            return None
        if self.w_val is None:
            return self.X_val, self.Y_val
        return self.X_val, self.Y_val, self.w_val

    def masks(self, frame: Any, positions: Array) -> tuple[Array, Array, int, int]:
        """The training and the validation rows of a chunk among those that can teach (a
        target; with ``drop_missing``, no missing value), as two masks; and the counts of the
        rows without a target and of those ``drop_missing`` drops."""
        has_target = frame[self.target].notna().to_numpy()
        usable: Any = has_target.copy()
        incomplete = 0
        if self.drop_missing:
            gaps = frame[self.features].isna().any(axis=1).to_numpy()
            incomplete = int((gaps & has_target).sum())
            usable &= ~gaps
        held = held_out(positions, self.seed, self.validation_fraction)
        return usable & ~held, usable & held, int((~has_target).sum()), incomplete

    def take(self, frame: Any, positions: Array, keep: Array) -> tuple[Any, Array | None]:
        """The rows ``keep`` of a chunk, with their weights (checked: finite, >= 0)."""
        pd = _pandas()
        w = None
        if self.weight_column is not None:
            column = frame[self.weight_column]
            if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                raise ValueError(f"weight column {self.weight_column!r} must hold numbers")
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = keep & ~(np.isfinite(values) & (values >= 0))
            if bad.any():
                row = int(positions[np.flatnonzero(bad)[0]])
                raise ValueError(
                    f"weight column {self.weight_column!r} holds {values[bad][0]:g} at row "
                    f"{row} of {self.stream.source}; every weight must be a finite number >= 0"
                )
            w = values[keep]
        return frame[keep], w

    def encode_target(self, y: Any, dtype: Any) -> Array:
        """Y (n[L], m) of a chunk's target values, as the table workflow encodes them."""
        if self.kind == "continuous":
            values = np.asarray(y, dtype=np.float64)
            if self.target_mean is not None and self.target_scale is not None:
                values = (values - self.target_mean) / self.target_scale
            return values.reshape(1, -1).astype(dtype, copy=False)
        assert self.classes is not None
        index = encode_labels(y, self.classes)
        if self.output == "softmax":
            Y = np.zeros((len(self.classes), index.size), dtype=dtype)
            Y[index, np.arange(index.size)] = 1
            return Y
        return index.reshape(1, -1).astype(dtype)


def stream_roles(
    columns: Sequence[str],
    source: str,
    target: str | None,
    id_column: str | None,
    sample_weight: str | None,
    drop: Sequence[str],
    keep: Sequence[str],
) -> tuple[str, str | None, list[str]]:
    """(target, id column, feature columns) of a streamed table with these ``columns``: the
    in-memory rules and checks (a target named target/y/label/class, a column named id)."""
    target = _choose_target(list(columns), target, None, True, source)
    assert target is not None
    if id_column is None:
        id_column = next((c for c in columns if c.lower() == "id" and c != target), None)
    if id_column is not None and id_column not in columns:
        raise ValueError(
            f"id column {id_column!r} is not in {source}; its columns are: {_shorten(columns)}"
        )
    if id_column is not None and id_column == target:
        raise ValueError(f"column {id_column!r} cannot be both the target and the id")
    # the weight, dropped and kept columns exist and none has two roles (the in-memory checks)
    _check_roles(list(columns), target, id_column, sample_weight, drop, keep, source)
    reserved = {target, id_column, sample_weight, *drop} - {None}
    features = [c for c in columns if c not in reserved]
    if not features:
        raise ValueError(f"{source} has no feature column besides the target {target!r}")
    return target, id_column, features


@dataclass
class Scan:
    """What a pass over some pieces of a stream gathered: the statistics of the training
    rows, the target's, the validation rows (raw frames, at most ``limit``) and the counts."""

    stats: TableStats
    target: _TargetStats
    m: int = 0
    no_target: int = 0
    incomplete: int = 0
    n_val: int = 0
    val_frames: list[Any] = field(default_factory=list)
    val_weights: list[Array] = field(default_factory=list)

    def merge(self, other: Scan) -> Scan:
        """Add another scan's statistics and counts (another worker's pieces); its
        validation rows stay where they are. Returns self."""
        self.stats.merge(other.stats)
        self.target.merge(other.target)
        self.m += other.m
        self.no_target += other.no_target
        self.incomplete += other.incomplete
        self.n_val += other.n_val
        return self


def scan(
    plan: StreamPlan, pieces: Sequence[int] | None = None, limit: int = VALIDATION_ROWS
) -> Scan:
    """One pass over the pieces ``pieces`` of ``plan.stream`` (None: all of them in file
    order, counting the rows of pieces whose size is not known yet), keeping at most
    ``limit`` validation rows."""
    stream, features, target = plan.stream, plan.features, plan.target
    needed = [c for c in stream.columns if c in {*features, target, plan.weight_column}]
    out = Scan(TableStats(seed=plan.seed), _TargetStats())
    in_order = pieces is None
    for i in range(len(stream.pieces)) if pieces is None else pieces:
        piece = stream.pieces[i]
        rows_in_piece = 0
        for frame, positions in stream.chunks(piece, needed, start=out.m if in_order else None):
            rows_in_piece += len(frame)
            out.m += len(frame)
            train_rows, val_rows, missing_target, dropped = plan.masks(frame, positions)
            out.no_target += missing_target
            out.incomplete += dropped
            try:
                train, w = plan.take(frame, positions, train_rows)
                weights = np.ones(len(train)) if w is None else w
                if len(train):
                    out.stats.update(train[features], weights)
                    out.target.update(train[target], weights)
            except ValueError as exc:
                raise ValueError(f"{stream.where(piece, exc)}: {exc}") from None
            if plan.validation_fraction > 0 and out.n_val < limit:
                val, wv = plan.take(frame, positions, val_rows)
                val = val.iloc[: limit - out.n_val]
                if len(val):
                    out.val_frames.append(val)
                    if wv is not None:
                        out.val_weights.append(wv[: len(val)])
                    out.n_val += len(val)
        if in_order:
            stream.count_rows(piece, rows_in_piece)
    return out


def finish_plan(
    plan: StreamPlan,
    found: Scan,
    columns: Sequence[str],
    *,
    output: str,
    drop: Sequence[str],
    keep: Sequence[str],
    id_column: str | None,
    target_scaling: bool,
    encoder_options: dict[str, Any] | None,
) -> None:
    """The plan from a pass's statistics: the encoder, the task and the classes, the target's
    scaling, what the model file keeps (``encoder.preprocessing_``) and the notices."""
    source, target = getattr(plan.stream, "source", "the table"), plan.target
    if found.stats.m == 0:
        raise ValueError(
            f"{source} has no training rows"
            + (
                f" (the target {target!r} is missing in every row)"
                if found.no_target == found.m
                else ""
            )
        )
    plan.m, plan.m_train = found.m, found.stats.m
    notices: list[str] = []
    if found.no_target:
        notices.append(f"{found.no_target} row(s) left out: their target {target!r} is missing")
    if found.incomplete:
        notices.append(f"{found.incomplete} row(s) with a missing value dropped (--drop-missing)")
    encoder = found.stats.encoder(keep=keep, **dict(encoder_options or {}))
    plan.encoder = encoder
    notices += encoder.notices_
    target_stats = found.target
    _choose_task(plan, target_stats, output)
    if target_stats.counts is not None:
        notices.insert(0, task_notice(target_stats.values(), target))
    elif plan.kind == "continuous":
        notices.insert(
            0,
            f"target {target!r}: numbers with more than {_MAX_LABELS} distinct values, trained "
            f"as a regression (linear output); --output sets another output",
        )
    if plan.kind == "continuous" and target_scaling:
        moments = target_stats.moments
        sd = float(np.sqrt(moments.m2[0] / moments.w)) if moments.w > 0 else 0.0
        plan.target_mean, plan.target_scale = float(moments.mean[0]), sd if sd > 0 else 1.0
    pre = encoder.preprocessing_
    pre.classes, pre.target = plan.classes, target
    pre.ignored = [c for c in columns if c in {*drop, id_column} - {None}] + encoder.left_out_
    pre.target_mean, pre.target_scale = plan.target_mean, plan.target_scale
    if plan.validation_fraction > 0 and found.n_val == 0:
        notices.append(f"no validation row among the {found.m} rows: training without validation")
    plan.notices = notices


def encode_validation(
    plan: StreamPlan, frames: list[Any], weights: list[Array], dtype: Any
) -> tuple[Array, Array, Array | None] | None:
    """X (n[0], m_val), Y (n[L], m_val) and the weights (1, m_val) or None of the validation
    rows a scan kept, encoded by the plan's encoder; None without any."""
    if not frames:
        return None
    val = _pandas().concat(frames)  # indexed by their places in the table, as errors say
    try:
        X_val, _ = plan.encoder.encode(val)
    except ValueError as exc:
        stream = getattr(plan, "stream", None)
        if stream is None:
            raise
        raise ValueError(f"{stream.where(None, exc)}: {exc}") from None
    Y_val = plan.encode_target(val[plan.target].to_numpy(), dtype)
    w_val = np.concatenate(weights)[None, :] if weights else None
    return X_val.astype(dtype, copy=False), Y_val, w_val


def prepare_stream(
    data: Any,
    target: str | None = None,
    *,
    output: str = "auto",
    validation_split: float = 0.1,
    seed: int = 0,
    drop: Sequence[str] = (),
    keep: Sequence[str] = (),
    id_column: str | None = None,
    sample_weight: str | None = None,
    drop_missing: bool = False,
    target_scaling: bool = True,
    encoder_options: dict[str, Any] | None = None,
    dtype: Any = np.float64,
    chunk_rows: int | None = None,
) -> StreamPlan:
    """One pass over a streamed table: the roles of its columns, the task, the encoder fitted
    on the training rows (:class:`~layerwise.tables.stats.TableStats`), the target's labels
    or scaling, and the validation rows, encoded. The options are those of
    :class:`~layerwise.tables.TableModel`."""
    stream = data if isinstance(data, TableStream) else TableStream(data, chunk_rows)
    columns = stream.columns
    target, id_column, features = stream_roles(
        columns, stream.source, target, id_column, sample_weight, drop, keep
    )
    plan = StreamPlan(
        stream=stream,
        target=target,
        features=features,
        weight_column=sample_weight,
        drop_missing=drop_missing,
        kind="",
        output=output,
        classes=None,
        encoder=TableEncoder(),
        target_mean=None,
        target_scale=None,
        validation_fraction=validation_fraction(validation_split, stream.m),
        seed=seed,
        m=0,
        m_train=0,
    )
    found = scan(plan)
    finish_plan(
        plan,
        found,
        columns,
        output=output,
        drop=drop,
        keep=keep,
        id_column=id_column,
        target_scaling=target_scaling,
        encoder_options=encoder_options,
    )
    validation = encode_validation(plan, found.val_frames, found.val_weights, dtype)
    if validation is not None:
        plan.X_val, plan.Y_val, plan.w_val = validation
    return plan


def validation_fraction(split: float, m: int | None) -> float:
    """The share of rows held out: ``split``, less for a table so big that its validation rows
    would pass :data:`VALIDATION_ROWS` (kept in memory)."""
    fraction = float(split)
    if fraction > 0 and m:
        fraction = min(fraction, VALIDATION_ROWS / m)
    return fraction
