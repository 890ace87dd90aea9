"""Mini-batches: the examples of each step, cut from a copy of X held as rows, reshuffled each
epoch by the network's generator, with their sample weights.

A batch is a block of rows (b, n[0]) and A[0] its transpose, the layout the products read
fastest: a slice in order, a gather of whole rows when shuffled. A large X taken in order is
not copied: each batch is transposed into a buffer of rows as it comes.

A SciPy sparse X (CSC, as :func:`layerwise._checks.check_X` leaves it) stays sparse: its rows
are X's own arrays read as CSR, and each batch is a sparse A[0] (n[0], b) cut from them, which
layer 1 multiplies in O(non-zeros) (the sparse namespace of :mod:`layerwise.core._namespace`).
X is never densified, not even one batch of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from .._checks import is_sparse
from .._typing import Array, IndexArray
from ..core.losses import normalized_weights

__all__ = ["BatchWeights", "Batches", "batch_weights"]

#: X up to this size is copied once into rows for mini-batches; a larger one taken in order
#: is transposed batch by batch instead (shuffled batches always need the copy to gather)
_COPY_X_UP_TO = 64 * 2**20

#: a batch's sample weights: rescaled to mean 1, and their sum as given
BatchWeights = tuple[Array, float]


def batch_weights(w: Array, out: Array | None = None) -> BatchWeights:
    """w (1, b) rescaled to mean 1, which makes the batch's cost its weighted mean, and Σ w,
    which takes the place of m in the L2 term λ/(2m) Σ‖W[l]‖² (as in scikit-learn: a weight
    of 2 then counts exactly as the example repeated). A batch whose weights are all zero
    keeps m there; its examples count for nothing."""
    with np.errstate(over="ignore"):  # Σ w = inf: the L2 term λ/(2 Σw) goes to its limit 0
        total = float(np.add.reduce(w, axis=None))
    return normalized_weights(w, out=out), total if total > 0 else float(w.shape[1])


class Batches:
    """Contiguous mini-batches of (A[0], Y, w), reshuffled each epoch by the network's
    generator; w is None without sample weights, else the batch's :data:`BatchWeights`."""

    def __init__(
        self,
        X: Array,
        Y: Array,
        batch_size: int | None,
        shuffle: bool,
        rng: np.random.Generator,
        weights: Array | None = None,
    ) -> None:
        m = X.shape[1]
        self.m = m
        self.full = batch_size is None or batch_size >= m
        self.shuffle = shuffle and not self.full
        self.rng = rng
        self.weights = weights
        sparse = is_sparse(X)
        if self.full:
            self.X = X if sparse else np.ascontiguousarray(X)
            self.Y = np.ascontiguousarray(Y)
            self.W = None if weights is None else batch_weights(weights)
            return
        assert batch_size is not None
        self.batch_size = batch_size
        # A batch is a block of rows (b, n[0]) and A[0] its transpose, the layout the products
        # read fastest. X is stored once as rows (m, n[0]), so that a batch is a slice (in
        # order) or a gather of whole rows (shuffled); except a large X taken in order, whose
        # batches are transposed one at a time into a buffer instead of doubling its memory.
        sizes = {batch_size, m % batch_size} - {0}
        self.rows: Array | None = None
        if not self.shuffle:
            # every epoch sees the same batches: Y's are cut out once
            starts = range(0, m, batch_size)
            self.Y_batches = [np.ascontiguousarray(Y[:, s : s + batch_size]) for s in starts]
            self.W_batches: list[BatchWeights | None] = [
                None if weights is None else batch_weights(weights[:, s : s + batch_size])
                for s in starts
            ]
            if not sparse and X.nbytes > _COPY_X_UP_TO and not X.flags.f_contiguous:
                self.X = X
                self.rows_bufs = {size: np.empty((size, X.shape[0]), X.dtype) for size in sizes}
                return
        # free when X is already a transposed row array (sparse: CSC read as CSR, no copy)
        self.rows = X.T.tocsr() if sparse else np.ascontiguousarray(X.T)
        if self.shuffle:
            self.Y = np.ascontiguousarray(Y)
            self.order = np.arange(m)
            self._bufs = {
                size: (
                    None if sparse else np.empty((size, X.shape[0]), X.dtype),
                    np.empty((Y.shape[0], size), Y.dtype),
                )
                for size in sizes
            }
            if weights is not None:
                self._w_bufs = {size: np.empty((1, size), weights.dtype) for size in sizes}

    @property
    def order_of_epoch(self) -> IndexArray | None:
        """The permutation of the examples in the last epoch; None when taken in order."""
        return self.order if self.shuffle else None

    def epoch(self) -> Iterable[tuple[Array, Array, BatchWeights | None]]:
        """(A[0], Y, w) per batch: A[0] (n[0], b), Y (n[L], b) and the weights (1, b) with
        their sum, or None; b the batch size."""
        if self.full:
            # one batch, the same every epoch (a list: this runs once per iteration of
            # full-batch gradient descent, and a generator costs more to start)
            return [(self.X, self.Y, self.W)]
        return self._batches()

    def _batches(self) -> Iterator[tuple[Array, Array, BatchWeights | None]]:
        if not self.shuffle:
            for k, start in enumerate(range(0, self.m, self.batch_size)):
                stop = start + self.batch_size
                if self.rows is not None:
                    yield self.rows[start:stop].T, self.Y_batches[k], self.W_batches[k]
                    continue
                block = self.X[:, start:stop]
                rows_buf = self.rows_bufs[block.shape[1]]
                np.copyto(rows_buf, block.T)
                yield rows_buf.T, self.Y_batches[k], self.W_batches[k]
            return
        assert self.rows is not None
        self.rng.shuffle(self.order)
        for start in range(0, self.m, self.batch_size):
            idx = self.order[start : start + self.batch_size]
            gather_buf, Y_buf = self._bufs[idx.size]
            if gather_buf is None:
                A0 = self.rows[idx].T  # sparse: the batch's rows gathered (CSR), as CSC
            else:
                # the methods, not np.take: this runs once per batch; mode="clip" (the
                # indices are a permutation, always valid) writes straight into out, where
                # the default mode="raise" goes through a temporary buffer
                self.rows.take(idx, axis=0, out=gather_buf, mode="clip")
                A0 = gather_buf.T
            self.Y.take(idx, axis=1, out=Y_buf, mode="clip")
            if self.weights is None:
                yield A0, Y_buf, None
                continue
            w_buf = self._w_bufs[idx.size]
            self.weights.take(idx, axis=1, out=w_buf, mode="clip")
            yield A0, Y_buf, batch_weights(w_buf, out=w_buf)
