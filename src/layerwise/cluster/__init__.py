"""Training on a dask.distributed cluster: the data stays on the workers, the client holds
only the parameters.

Data-parallel synchronous mini-batch gradient descent. The data is a list of *parts*, futures
of ``(X, Y)`` on the workers, X (n[0], m_i) and Y (n[L], m_i): scattered from memory
(:func:`scatter_parts`) or read by the workers themselves (:func:`read_parts` with a reader
such as :class:`TableReader`). Each step of :func:`fit`, every worker computes with the core's
own functions the cost and gradient sums of its share of the global mini-batch; the client
divides their total by the global batch size, which gives the gradient of the global batch,
and applies the optimizer's update. One step equals the single-process step on the same rows.

Needs the ``dask`` extra (``pip install 'layerwise[dask]'``), on the client and on every
worker. See docs/cluster.md for a real cluster and measured throughput.

For example (a cluster is needed, so this is not run as a doctest)::

    from distributed import Client, LocalCluster
    import layerwise as lw
    import layerwise.cluster

    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    parts = lw.cluster.scatter_parts(client, [(X1, Y1), (X2, Y2)])
    net = lw.Network([30, 64, 1], hidden="relu", init="he", seed=0)
    history = lw.cluster.fit(net, client, parts, epochs=10, batch_size=256,
                             learning_rate=0.001, optimizer="adam")
"""

from __future__ import annotations

from ._calls import ClusterError
from ._loop import fit
from ._tables import prepare_table, train_table
from .parts import (
    TableReader,
    TableSummary,
    held_out_rows,
    read_frame,
    read_parts,
    scatter_parts,
    summarize_tables,
)

__all__ = [
    "fit",
    "prepare_table",
    "train_table",
    "ClusterError",
    "scatter_parts",
    "read_parts",
    "TableReader",
    "read_frame",
    "TableSummary",
    "summarize_tables",
    "held_out_rows",
]
