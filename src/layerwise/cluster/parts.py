"""Parts: the data of a cluster run, as futures of (X, Y) on the workers.

Two ways to make them:

- :func:`scatter_parts` sends arrays that are already in this process to the workers (data
  that fits here; tests and small runs);
- :func:`read_parts` has every worker read its own sources (Parquet or CSV files, or a pyarrow
  dataset's fragments) with a *reader*, a picklable callable ``reader(source) -> (X, Y)``, so
  the rows never pass through the client. :class:`TableReader` is the reader for raw tables: a
  fitted :class:`layerwise.tables.TableEncoder` encodes the features, the target is encoded as
  the table workflow does (class indices as in :func:`layerwise.tables.encode_labels`, one-hot
  for softmax; a regression target standardized by the training rows' mean and scale).
"""

from __future__ import annotations

import contextlib
import os
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._optional import require
from .._typing import Array
from ..core.metrics import RunningMoments

__all__ = [
    "scatter_parts",
    "read_parts",
    "TableReader",
    "read_frame",
    "TableSummary",
    "summarize_tables",
    "held_out_rows",
]

#: seconds scatter_parts waits for a worker before saying the cluster has none
_WAIT_FOR_WORKERS = 10
#: a worker reports a target's distinct values up to this many (more: not a class label)
_MAX_LABELS = 1000


def scatter_parts(client: Any, parts: Sequence[tuple[Array, Array]]) -> list[Any]:
    """Send in-memory parts (X, Y), X (n[0], m_i) and Y (n[L], m_i), to the workers, spread
    over them in turn; returns their futures, for :func:`layerwise.cluster.fit`.

    The arrays pass through this process once, here; training never brings them back.
    """
    if isinstance(parts, tuple) and len(parts) == 2 and isinstance(parts[0], np.ndarray):
        raise TypeError(
            "parts must be a list of (X, Y) tuples, one per part; Received a single (X, Y): "
            "wrap it in a list, or split it with numpy.array_split"
        )
    items = []
    for i, part in enumerate(parts):
        if not (isinstance(part, tuple) and len(part) == 2):
            raise TypeError(
                f"parts[{i}] must be a tuple (X, Y) of arrays; Received: {type(part).__name__}"
            )
        items.append((np.asarray(part[0]), np.asarray(part[1])))
    workers = sorted(client.scheduler_info().get("workers", {}))
    if not workers:
        # workers still starting, or one being restarted by its nanny: wait a little
        with contextlib.suppress(OSError, TimeoutError):
            client.wait_for_workers(1, timeout=_WAIT_FOR_WORKERS)
        workers = sorted(client.scheduler_info().get("workers", {}))
    if not workers:
        raise ValueError("the cluster has no workers to scatter the parts to")
    futures = []
    for i, item in enumerate(items):
        [future] = client.scatter([item], workers=[workers[i % len(workers)]], hash=False)
        futures.append(future)
    return futures


def read_parts(client: Any, sources: Sequence[Any], reader: Any) -> list[Any]:
    """Have the workers read ``sources`` themselves: one part ``reader(source) -> (X, Y)`` per
    source, computed on a worker and kept there; returns their futures.

    Parameters
    ----------
    client : distributed.Client
    sources : list
        Paths every worker can open (the same path on every machine: a shared file system or
        an object store URL pandas reads), or pyarrow dataset fragments
        (``list(dataset.get_fragments())``).
    reader : callable
        ``reader(source) -> (X, Y)``, X (n[0], m_i), Y (n[L], m_i); picklable (a
        :class:`TableReader`, or a module-level function).
    """
    if isinstance(sources, (str, os.PathLike)):
        raise TypeError(
            f"sources must be a list of paths or fragments; Received the single path "
            f"{os.fspath(sources)!r}: wrap it in a list"
        )
    sources = list(sources)
    if not sources:
        raise ValueError("sources is empty: give at least one file or fragment to read")
    if not callable(reader):
        raise TypeError(
            f"reader must be callable as reader(source) -> (X, Y); Received: {reader!r}"
        )
    run = uuid.uuid4().hex[:8]
    return [
        client.submit(reader, source, key=f"layerwise-part-{run}-{i}")
        for i, source in enumerate(sources)
    ]


def held_out_rows(source: Any, m: int, fraction: float, seed: int) -> Any:
    """Which of the m rows of ``source`` are validation rows: ``u_i < fraction``, u drawn
    from a generator seeded with (seed, CRC-32 of the source's name), so the same rows on
    every run and every worker."""
    name = str(getattr(source, "path", source))
    if fraction <= 0:
        return np.zeros(m, dtype=bool)
    return np.random.default_rng([seed, zlib.crc32(name.encode())]).random(m) < fraction


def read_frame(source: Any) -> Any:
    """A pandas DataFrame from a path (``.parquet``/``.pq``, ``.csv``, ``.tsv``) or a pyarrow
    dataset fragment (anything with ``to_table()``)."""
    pd = require("pandas", "tables", "reading tables on the workers")
    if hasattr(source, "to_table"):
        return source.to_table().to_pandas()
    path = os.fspath(source)
    suffix = os.path.splitext(path)[1].lower()
    if suffix in (".parquet", ".pq"):
        require("pyarrow", "tables", "reading Parquet files")
        return pd.read_parquet(path)
    if suffix in (".csv", ".tsv"):
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    raise ValueError(
        f"cannot read {path!r}: expected a .parquet, .pq, .csv or .tsv file, or a pyarrow "
        f"dataset fragment"
    )


class TableReader:
    """Read a table on a worker and encode it as the table workflow does: ``(X, Y)``.

    Parameters
    ----------
    encoder : layerwise.tables.TableEncoder
        Fitted (on a sample in memory, or on the whole table); encodes the feature columns.
    target : str
        The target column.
    classes : list, optional
        The class labels of a classifier (the second is the positive class of a sigmoid
        output); None for regression.
    output : {"sigmoid", "softmax", "linear"}
        The output activation: Y is (1, m) of 0/1 for sigmoid, one-hot (K, m) for softmax and
        the standardized target (1, m) for linear.
    target_mean, target_scale : float
        Regression only: Y = (y − target_mean) / target_scale.
    dtype : numpy dtype
        Of X and Y (the network's).

    Examples
    --------
    >>> import pandas as pd
    >>> from layerwise.tables import TableEncoder
    >>> frame = pd.DataFrame({"size": [1.0, 2.0, 3.0], "label": ["no", "yes", "yes"]})
    >>> encoder = TableEncoder().fit(frame[["size"]])
    >>> reader = TableReader(encoder, "label", classes=["no", "yes"])
    >>> X, Y = reader.encode(frame)         # what a worker does after reading its file
    >>> X.shape, Y
    ((1, 3), array([[0., 1., 1.]]))
    >>> parts = read_parts(client, ["day1.parquet", "day2.parquet"], reader)  # doctest: +SKIP
    """

    def __init__(
        self,
        encoder: Any,
        target: str,
        classes: Sequence[Any] | None = None,
        output: str = "sigmoid",
        target_mean: float = 0.0,
        target_scale: float = 1.0,
        dtype: Any = np.float64,
    ) -> None:
        if output not in ("sigmoid", "softmax", "linear"):
            raise ValueError(
                f"output must be 'sigmoid', 'softmax' or 'linear'; Received: output={output!r}"
            )
        if output != "linear" and (classes is None or len(classes) < 2):
            raise ValueError(
                f"a {output} output needs the class labels (at least two); Received: "
                f"classes={classes!r}"
            )
        if output == "sigmoid" and classes is not None and len(classes) != 2:
            raise ValueError(
                f"a sigmoid output is for two classes; Received {len(classes)}: use softmax"
            )
        if not (np.isfinite(target_scale) and target_scale > 0):
            raise ValueError(f"target_scale must be > 0; Received: target_scale={target_scale!r}")
        if not hasattr(encoder, "columns_"):
            raise ValueError("the TableEncoder is not fitted yet: call encoder.fit(frame) first")
        self.encoder, self.target, self.output = encoder, target, output
        self.classes = None if classes is None else list(classes)
        self.target_mean, self.target_scale = float(target_mean), float(target_scale)
        self.dtype = np.dtype(dtype)

    def __call__(self, source: Any) -> tuple[Array, Array]:
        """(X, Y) of the table at ``source``, X (n[0], m), Y (n[L], m)."""
        frame = read_frame(source)
        return self.encode(frame, source)

    def encode(self, frame: Any, source: Any = "the frame") -> tuple[Array, Array]:
        """(X, Y) of a DataFrame (what :meth:`__call__` does after reading)."""
        from ..tables import encode_labels

        if self.target not in frame.columns:
            raise ValueError(
                f"{source}: the table has no target column {self.target!r}; it has "
                f"{list(frame.columns)[:12]}"
            )
        X, _unseen = self.encoder.encode(frame)
        y = frame[self.target].to_numpy()
        if self.output == "linear":
            values = np.asarray(y, dtype=np.float64)
            Y = ((values - self.target_mean) / self.target_scale).reshape(1, -1)
        else:
            assert self.classes is not None
            index = encode_labels(y, self.classes)
            if self.output == "sigmoid":
                Y = index.reshape(1, -1).astype(np.float64)
            else:
                Y = np.zeros((len(self.classes), index.size))
                Y[index, np.arange(index.size)] = 1.0
        return X.astype(self.dtype, copy=False), Y.astype(self.dtype, copy=False)


@dataclass
class TableSummary:
    """What the workers report about a table spread over files, without sending it: a sample
    of its rows, its row count, and its target's labels and statistics.

    Attributes
    ----------
    sample : pandas.DataFrame
        Rows drawn at random from every source (up to ``rows_per_source`` each), the target
        column included: fit the :class:`~layerwise.tables.TableEncoder` on it.
    m : int
        The number of rows in all the sources.
    labels : list or None
        The target's distinct values over all the rows, sorted as
        :func:`layerwise.tables.class_labels` sorts them; None when a source had more than a
        thousand (a continuous target).
    target_mean, target_scale : float or None
        The mean and standard deviation of a numeric target over all the rows (1 when it is
        constant), for ``TableReader(..., output="linear")``; None for text labels.
    stats : layerwise.tables.stats.TableStats
        The feature columns' statistics over every training row (those with a target, not
        held out), gathered by each worker on its files and merged:
        ``stats.encoder(...)`` is the encoder the same rows would fit in memory.
    """

    sample: Any
    m: int
    labels: list[Any] | None
    target_mean: float | None
    target_scale: float | None
    stats: Any = None


def _summary_of(
    source: Any,
    target: str,
    rows: int,
    seed: int,
    exclude: Sequence[str] = (),
    holdout: tuple[float, int] = (0.0, 0),
) -> dict[str, Any]:
    """On a worker: a source's row count, a sample of its rows, its target's distinct values
    (up to :data:`_MAX_LABELS`), for a numeric target its count, mean and Σ (y − mean)², and
    the statistics of its feature columns (every column but the target and ``exclude``) over
    its training rows (those with a target and not held out by :func:`held_out_rows` with
    ``holdout`` = (fraction, seed))."""
    from ..tables import class_labels
    from ..tables.stats import TableStats

    frame = read_frame(source)
    if target not in frame.columns:
        raise ValueError(
            f"{source}: the table has no target column {target!r}; it has "
            f"{list(frame.columns)[:12]}"
        )
    fraction, split_seed = holdout
    training = frame[target].notna().to_numpy() & ~held_out_rows(
        source, len(frame), fraction, split_seed
    )
    features = [c for c in frame.columns if c != target and c not in set(exclude)]
    stats = TableStats(sample_rows=rows, seed=seed).update(frame.loc[training, features])
    y = frame[target]
    distinct = y.dropna().unique()
    numeric = y.dtype.kind in "iuf"
    values = y.to_numpy(dtype=np.float64) if numeric else None
    return {
        "m": len(frame),
        "sample": frame.sample(n=min(rows, len(frame)), random_state=seed),
        "labels": class_labels(distinct) if len(distinct) <= _MAX_LABELS else None,
        "moments": (
            None
            if values is None or values.size == 0
            else (values.size, float(values.mean()), float(((values - values.mean()) ** 2).sum()))
        ),
        "stats": stats,
    }


def summarize_tables(
    client: Any,
    sources: Sequence[Any],
    target: str,
    rows_per_source: int = 5000,
    seed: int = 0,
    *,
    exclude: Sequence[str] = (),
    holdout: tuple[float, int] = (0.0, 0),
) -> TableSummary:
    """Have the workers read ``sources`` and report a :class:`TableSummary`: a sample of rows,
    the target's labels and statistics over **every** row, and the feature columns'
    statistics over the training rows.

    The target's labels and its mean and standard deviation are exact (merged from each
    source's counts, means and sums of squares). Each worker gathers the
    :class:`~layerwise.tables.stats.TableStats` of its sources' training rows (the rows with
    a target that :func:`held_out_rows` does not hold out with ``holdout`` = (fraction,
    seed)), over every feature column (all but the target and ``exclude``); the client
    merges them, and ``summary.stats.encoder()`` is the encoder those rows would fit in
    memory (by the same rules; the median of a continuous column with missing values comes
    from a sample of ``rows_per_source`` rows of each source).
    """
    pd = require("pandas", "tables", "summarizing tables on the workers")
    if isinstance(sources, (str, os.PathLike)):
        raise TypeError(
            f"sources must be a list of paths or fragments; Received the single path "
            f"{os.fspath(sources)!r}: wrap it in a list"
        )
    sources = list(sources)
    if not sources:
        raise ValueError("sources is empty: give at least one file or fragment to read")
    if isinstance(rows_per_source, bool) or not isinstance(rows_per_source, int):
        raise TypeError(f"rows_per_source must be an int; Received: {rows_per_source!r}")
    if rows_per_source < 1:
        raise ValueError(f"rows_per_source must be >= 1; Received: {rows_per_source}")
    from ..tables import class_labels

    futures = [
        client.submit(
            _summary_of,
            source,
            target,
            rows_per_source,
            seed + i,
            tuple(exclude),
            holdout,
            pure=False,
        )
        for i, source in enumerate(sources)
    ]
    parts: list[dict[str, Any]] = client.gather(futures)
    m = sum(p["m"] for p in parts)
    if m == 0:
        raise ValueError(f"the {len(sources)} source(s) have no rows")
    each = [p["labels"] for p in parts]
    labels = (
        None
        if any(x is None for x in each)
        else class_labels([label for labels_of in each for label in labels_of or []])
    )
    if labels is not None and len(labels) > _MAX_LABELS:
        labels = None
    mean = scale = None
    moments = [p["moments"] for p in parts if p["moments"] is not None]
    if moments and len(moments) == sum(p["m"] > 0 for p in parts):
        # the sources' (count, mean, Σ (y − mean)²) merged
        merged = RunningMoments(1)
        for count, part_mean, part_m2 in moments:
            merged.merge(count, np.array([part_mean]), np.array([part_m2]))
        mean = float(merged.mean[0])
        sd = float(np.sqrt(merged.m2[0] / merged.w))
        scale = sd if sd > 0 else 1.0
    sample = pd.concat([p["sample"] for p in parts], ignore_index=True)
    stats = parts[0]["stats"]
    for part in parts[1:]:
        stats.merge(part["stats"])
    return TableSummary(sample, m, labels, mean, scale, stats)
