"""The dense layer: W[l], b[l], g[l], and the buffers its forward and backward pass write into.

A :class:`Dense` layer holds its parameters and its preallocated buffers; a training step
runs the functions of :mod:`layerwise.core.propagation` (``forward``, ``compute_cost``,
``backward``, ``update_params``) with :class:`StepBuffers`, every layer's buffers for a batch,
so it allocates no (n[l], m) arrays once the buffers exist. Buffers are sized for the batch
and kept per batch size (a training run has at most two: the batch and the last, smaller one).

W[l] and b[l] (and dW[l], db[l]) are views into the flat arrays θ and dθ of a
:class:`Parameters` (``net.parameters``), so an optimizer can update every parameter of the
network in one operation; assigning ``layer.W = new`` copies into that storage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass

import numpy as np

from .._typing import Array
from .activations import Activation
from .propagation import dropout_mask

__all__ = ["Dense", "Parameters", "ParamsView", "StepBuffers", "flat_layers"]


@dataclass
class _Buffers:
    """Layer l's arrays for a batch of m examples, all (n[l], m)."""

    Z: Array
    A: Array
    dZ: Array  # dZ[l]; also scratch for the cost at the output layer
    dA: Array  # dA[l] = W[l+1]^T dZ[l+1], written by layer l+1's backward
    mask: Array | None  # inverted-dropout mask D[l] / keep_prob
    A_drop: Array | None  # A[l] * D[l] / keep_prob, what layer l+1 sees during training


class Dense:
    """Layer l of a network: Z[l] = W[l] A[l−1] + b[l], A[l] = g[l](Z[l]).

    Parameters
    ----------
    index : int
        l, 1-based as in the notes.
    W, b, dW, db : ndarray
        Views of shapes (n[l], n[l−1]) and (n[l], 1) into the network's flat storage.
    activation : Activation
        g[l].

    Examples
    --------
    >>> import layerwise as lw
    >>> net = lw.Network([2, 4, 1], hidden="tanh", seed=1)
    >>> layer = net.layer(1)
    >>> layer
    Dense(l=1, n[l]=4, n[l-1]=2, g=tanh)
    >>> layer.W.shape, layer.b.shape
    ((4, 2), (4, 1))
    """

    def __init__(
        self, index: int, W: Array, b: Array, dW: Array, db: Array, activation: Activation
    ) -> None:
        self.index = index
        self._W, self._b, self.dW, self.db = W, b, dW, db
        self.activation = activation
        #: keep probability of inverted dropout on this layer's output (1.0 = off)
        self.keep_prob = 1.0
        self._buffers: dict[int, _Buffers] = {}

    # -- parameters --------------------------------------------------------------------

    @property
    def n_in(self) -> int:
        """n[l−1]."""
        return int(self._W.shape[1])

    @property
    def n_out(self) -> int:
        """n[l]."""
        return int(self._W.shape[0])

    @property
    def W(self) -> Array:
        """W[l], shape (n[l], n[l−1])."""
        return self._W

    @W.setter
    def W(self, value: Array) -> None:
        self._assign("W", self._W, value)

    @property
    def b(self) -> Array:
        """b[l], shape (n[l], 1)."""
        return self._b

    @b.setter
    def b(self, value: Array) -> None:
        self._assign("b", self._b, value)

    def _assign(self, name: str, target: Array, value: Array) -> None:
        arr = np.asarray(value)
        if arr.shape != target.shape:
            rule = "(n[l], n[l-1])" if name == "W" else "(n[l], 1)"
            raise ValueError(
                f"{name}{self.index} must have shape {rule} = {target.shape}; "
                f"Received: shape {arr.shape}"
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"{name}{self.index} must be finite; Received values with NaN or inf")
        np.copyto(target, arr, casting="same_kind")

    @property
    def n_params(self) -> int:
        """n[l]·n[l−1] + n[l]."""
        return self.n_out * self.n_in + self.n_out

    # -- buffers -----------------------------------------------------------------------

    def buffers(self, m: int) -> _Buffers:
        """The (n[l], m) buffers for a batch of m examples (allocated on first use)."""
        buf = self._buffers.get(m)
        if buf is None:
            if len(self._buffers) >= 2:  # a new batch size: drop the oldest
                self._buffers.pop(next(iter(self._buffers)))
            shape, dt = (self.n_out, m), self._W.dtype
            buf = _Buffers(
                Z=np.empty(shape, dt),
                A=np.empty(shape, dt),
                dZ=np.empty(shape, dt),
                dA=np.empty(shape, dt),
                mask=np.empty(shape, dt) if self.keep_prob < 1.0 else None,
                A_drop=np.empty(shape, dt) if self.keep_prob < 1.0 else None,
            )
            self._buffers[m] = buf
        return buf

    def release_buffers(self) -> None:
        """Free the training buffers (they are rebuilt on the next fit)."""
        self._buffers.clear()

    def sample_dropout_mask(self, rng: np.random.Generator, out: Array) -> Array:
        """D[l] / keep_prob with D[l] ~ Bernoulli(keep_prob), written into ``out``."""
        rng.random(dtype=out.dtype, out=out)
        return dropout_mask(out, self.keep_prob, out=out)

    def __repr__(self) -> str:
        g = self.activation.name
        if self.activation.get_config():
            g = repr(self.activation)
        return f"Dense(l={self.index}, n[l]={self.n_out}, n[l-1]={self.n_in}, g={g})"


class ParamsView(MutableMapping[str, Array]):
    """The course-style dict {"W1", "b1", ...} over a network's own arrays.

    Reading gives the network's arrays themselves (writing into them changes the network);
    assigning ``params["W1"] = new`` copies ``new`` in after checking its shape.
    """

    def __init__(self, layers: list[Dense]) -> None:
        self._layers = layers

    def _split(self, key: str) -> tuple[Dense, str]:
        if isinstance(key, str) and len(key) > 1 and key[0] in "Wb" and key[1:].isdigit():
            l = int(key[1:])
            if 1 <= l <= len(self._layers):
                return self._layers[l - 1], key[0]
        L = len(self._layers)
        raise KeyError(f"{key!r}: this network's params are W1, b1, ..., W{L}, b{L}")

    def __getitem__(self, key: str) -> Array:
        layer, p = self._split(key)
        return layer.W if p == "W" else layer.b

    def __setitem__(self, key: str, value: Array) -> None:
        layer, p = self._split(key)
        setattr(layer, p, value)

    def __delitem__(self, key: str) -> None:
        raise TypeError("a network's parameters cannot be deleted")

    def __iter__(self) -> Iterator[str]:
        for l in range(1, len(self._layers) + 1):
            yield f"W{l}"
            yield f"b{l}"

    def __len__(self) -> int:
        return 2 * len(self._layers)

    def __repr__(self) -> str:
        shapes = ", ".join(f"'{k}': {self[k].shape}" for k in self)
        return f"ParamsView({{{shapes}}})"


def flat_layers(
    dims: list[int], activations: list[Activation], dtype: np.dtype
) -> tuple[list[Dense], Array, Array, int]:
    """The layers of a network over one flat parameter array θ and its gradient.

    All W[l] come first, then all b[l]: an optimizer updates the whole network in one call,
    and L2 sees every W[l] as one contiguous block. Each layer's W[l], b[l], dW[l], db[l] are
    views into the two arrays.

    Returns
    -------
    layers : list of Dense
    theta, grad : ndarray of shape (Σ_l n[l]·n[l−1] + n[l],)
        Zeros; the initializer fills θ.
    n_W : int
        Σ_l n[l]·n[l−1], where the b[l] start.
    """
    n_W = sum(dims[l] * dims[l - 1] for l in range(1, len(dims)))
    theta = np.zeros(n_W + sum(dims[1:]), dtype)
    grad = np.zeros_like(theta)
    layers: list[Dense] = []
    w_at, b_at = 0, n_W
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        views = []
        for flat in (theta, grad):
            views.append(flat[w_at : w_at + n * n_prev].reshape(n, n_prev))
            views.append(flat[b_at : b_at + n].reshape(n, 1))
        W, b, dW, db = views
        layers.append(Dense(l, W, b, dW, db, activations[l - 1]))
        w_at += n * n_prev
        b_at += n
    return layers, theta, grad, n_W


class Parameters:
    """A network's parameters as one object: the flat θ and dθ, the views of every W[l] and
    dW[l] in them, and the layers whose W[l], b[l], dW[l], db[l] are views into them.

    θ lays out every W[l] (l = 1..L, each (n[l], n[l−1]) row by row), then every b[l]; dθ
    the same. Training, the engines, the cluster and the estimators read and write a
    network's parameters through this object (``net.parameters``).

    Parameters
    ----------
    dims : list of int
        [n[0], ..., n[L]].
    activations : list of Activation
        g[1], ..., g[L].
    dtype : numpy.dtype

    Attributes
    ----------
    theta, grad : ndarray of shape (Σ_l n[l]·n[l−1] + n[l],)
        θ and dθ.
    W_all, dW_all : ndarray of shape (Σ_l n[l]·n[l−1],)
        Every W[l] (dW[l]) of θ (dθ), the first entries: the L2 term sees them at once.
    layers : list of Dense

    Examples
    --------
    >>> import layerwise as lw
    >>> p = lw.Network([2, 4, 1], seed=1).parameters
    >>> p.theta.shape, p.W_all.shape, len(p.layers)
    ((17,), (12,), 2)
    >>> saved = p.copy(); p.theta[:] = 0.0; p.set(saved); bool((p.theta == saved).all())
    True
    """

    def __init__(self, dims: list[int], activations: list[Activation], dtype: np.dtype) -> None:
        self.layers, self.theta, self.grad, n_W = flat_layers(dims, activations, dtype)
        self.W_all, self.dW_all = self.theta[:n_W], self.grad[:n_W]
        #: g[1], ..., g[L]
        self.activations = [layer.activation for layer in self.layers]
        #: W[1], ..., W[L] and b[1], ..., b[L]: views of θ
        self.Ws = [layer.W for layer in self.layers]
        self.bs = [layer.b for layer in self.layers]
        #: dW[1], ..., dW[L] as flat views of dθ (for ‖dW[l]‖)
        self.dW_flat = [layer.dW.reshape(-1) for layer in self.layers]
        #: {"dW1": dW[1], "db1": db[1], ...}: the course's grads dict over dθ
        self.grads: dict[str, Array] = {}
        for layer in self.layers:
            self.grads[f"dW{layer.index}"] = layer.dW
            self.grads[f"db{layer.index}"] = layer.db
        self._scratch: Array | None = None  # for add_weight_decay, made on first use
        self._step_buffers: dict[int, StepBuffers] = {}

    @property
    def size(self) -> int:
        """Σ_l n[l]·n[l−1] + n[l], the number of values in θ."""
        return int(self.theta.size)

    def copy(self) -> Array:
        """A copy of θ."""
        return self.theta.copy()

    def set(self, values: Array) -> None:
        """Copy ``values`` (laid out as θ) into θ: every layer's W[l], b[l] change with it."""
        np.copyto(self.theta, values)

    def set_grads(self, grads: Mapping[str, Array]) -> None:
        """Copy a grads dict {"dW1": ..., "db1": ...} into dθ, unless it is :attr:`grads`
        itself (whose arrays are dθ's views)."""
        if grads is not self.grads:
            for key, view in self.grads.items():
                np.copyto(view, grads[key])

    def add_weight_decay(self, c: float) -> None:
        """dW[l] += c W[l] for every layer at once (L2: c = λ/m), without a temporary."""
        if self._scratch is None:
            self._scratch = np.empty_like(self.W_all)
        np.multiply(self.W_all, c, out=self._scratch)
        self.dW_all += self._scratch

    def buffers(self, m: int) -> StepBuffers:
        """Every layer's buffers for a batch of m examples (made on first use; at most two
        batch sizes are kept, as each layer keeps them)."""
        found = self._step_buffers.get(m)
        if found is None:
            if len(self._step_buffers) >= 2:
                self._step_buffers.pop(next(iter(self._step_buffers)))
            found = self._step_buffers[m] = StepBuffers(self, m)
        return found

    def release_buffers(self) -> None:
        """Free the training buffers (they are rebuilt on the next fit)."""
        self._step_buffers.clear()
        for layer in self.layers:
            layer.release_buffers()

    def __repr__(self) -> str:
        return f"Parameters(size={self.size}, L={len(self.layers)}, dtype={self.theta.dtype})"


class StepBuffers:
    """The arrays a training step on a batch of m examples writes into, as
    :mod:`layerwise.core.propagation`'s ``buffers=`` takes them: per layer l = 1..L (index l − 1)
    Z[l], A[l], dZ[l], dA[l] (n[l], m), the dropout masks and dropped-out A[l] of the layers
    with dropout, and the network's dW[l], db[l] (views of dθ, also as the dict ``grads``).
    """

    def __init__(self, parameters: Parameters, m: int) -> None:
        self.parameters = parameters
        layers = parameters.layers
        bufs = [layer.buffers(m) for layer in layers]
        self.Z = [buf.Z for buf in bufs]
        self.A = [buf.A for buf in bufs]
        self.dZ = [buf.dZ for buf in bufs]
        self.dA = [buf.dA for buf in bufs]
        #: where layer l writes dA[l-1]: layer l-1's dA buffer (layer 1 makes no dA[0])
        self.dA_prev: list[Array | None] = [None, *self.dA[:-1]]
        self.A_drop = [buf.A_drop for buf in bufs]
        self.dW = [layer.dW for layer in layers]
        self.db = [layer.db for layer in layers]
        self.grads = parameters.grads
        #: {l: mask buffer} of the layers with dropout (keep_prob < 1)
        self.masks: dict[int, Array] = {
            layer.index: buf.mask for layer, buf in zip(layers, bufs) if buf.mask is not None
        }

    def draw_masks(self, rng: np.random.Generator) -> dict[int, Array] | None:
        """This step's inverted-dropout masks {l: D[l] / keep_prob}, drawn into the mask
        buffers; None without dropout."""
        if not self.masks:
            return None
        layers = self.parameters.layers
        for l, mask in self.masks.items():
            layers[l - 1].sample_dropout_mask(rng, mask)
        return self.masks
