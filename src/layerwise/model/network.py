"""``Network``: an L-layer fully connected network, trained as the notes teach.

Examples
--------
>>> import layerwise as lw
>>> X, Y = lw.datasets.planar()
>>> net = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", seed=1)
>>> history = net.fit(X, Y, epochs=2000, learning_rate=1.2)
>>> history.cost[0] > history.cost[-1]
True
>>> net.predict(X).shape
(1, 400)
>>> print(net.summary(m=400))  # doctest: +NORMALIZE_WHITESPACE
l   n[l]  g[l]     W[l]    b[l]    Z[l], A[l]  parameters
0   2     (input)                  (2, 400)
1   4     tanh     (4, 2)  (4, 1)  (4, 400)    12
2   1     sigmoid  (1, 4)  (1, 1)  (1, 400)    5
total parameters: 17 (136 bytes); loss: binary_crossentropy; dtype: float64
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import _checks
from .._text import text_table
from .._typing import Array, DTypeLike, SeedLike
from ..core._propagation_args import resolve_activations
from ..core.activations import Activation, ActivationLike, get_activation
from ..core.initializers import check_init, init_weights
from ..core.layers import Dense, Parameters, ParamsView
from ..core.losses import Loss, LossLike, get_loss, loss_for_activation, normalized_weights
from ..core.metrics import accuracy, predict_from_output, r2_score, task_of
from ..core.propagation import layer_forward
from ..features.preprocessing import Preprocessing
from ..training.history import History
from ..training.optimizers import OptimizerLike, ScheduleLike
from ..training.options import FitOptions, keep_probabilities
from ..training.record import fit_record
from ..training.step import run

__all__ = ["Network", "ParamsView", "dimension_table"]

#: the parameters of Network.fit that are not options
_NOT_OPTIONS = ("self", "X", "Y")


#: predictions and evaluation run the forward pass this many examples at a time
_FORWARD_COLUMNS = 65_536


class Network:
    """An L-layer fully connected network: layer l computes A[l] = g[l](W[l] A[l−1] + b[l]).

    Parameters
    ----------
    layer_dims : list of int
        [n[0], n[1], ..., n[L]]: input features, hidden layer sizes, outputs.
    activations : list of str or Activation, optional
        g[1], ..., g[L]. When not given: ``hidden`` for layers 1..L−1, ``output`` for L.
    hidden : str, default "relu"
    output : str, default "sigmoid"
        ``sigmoid`` (binary labels), ``softmax`` (classes), ``linear`` (regression).
    init : {"small", "he", "xavier", "zeros"}, default "small"
        ``small`` is the notes' randn × 0.01.
    seed : int, numpy.random.Generator or None
        Seeds initialization, shuffling and dropout.
    dtype : {"float64", "float32"}
        The dtype of every parameter, buffer and computation.
    loss : str, optional
        Follows the output activation when not given (sigmoid → binary cross-entropy,
        softmax → categorical cross-entropy, otherwise mse).
    init_scale : float, optional
        Multiplies the initializer's standard deviation (``small``: replaces 0.01).

    Attributes
    ----------
    layers : list of Dense
        Layer l is ``layers[l - 1]``, or ``net.layer(l)``.
    params : ParamsView
        {"W1": W[1], "b1": b[1], ...}, views of the network's own arrays.

    Notes
    -----
    In a notebook a network shows itself as its dimension table (``summary()``) and, folded,
    its forward and backward equations with every shape filled in (``layerwise explain``).
    """

    def __init__(
        self,
        layer_dims: Sequence[int],
        activations: Sequence[ActivationLike] | None = None,
        hidden: ActivationLike = "relu",
        output: ActivationLike = "sigmoid",
        init: str = "small",
        seed: SeedLike = None,
        dtype: DTypeLike = "float64",
        loss: LossLike | None = None,
        init_scale: float | None = None,
    ) -> None:
        dims = _checks.check_layer_dims(layer_dims)
        L = len(dims) - 1
        if activations is None:
            activations = [hidden] * (L - 1) + [output]
        acts = resolve_activations(activations, L)
        loss_ = loss_for_activation(acts[-1].name) if loss is None else get_loss(loss)
        self._build(dims, acts, loss_, _checks.check_dtype(dtype), check_init(init))
        #: the generator of initialization, shuffling, dropout and validation_split
        self.rng: np.random.Generator = _checks.check_rng(seed)
        for layer, W in zip(
            self.layers, init_weights(dims, init, self.rng, self.dtype, init_scale)
        ):
            layer.W[...] = W

    def _build(
        self, dims: list[int], acts: list[Activation], loss: Loss, dtype: np.dtype, init: str
    ) -> None:
        """The structure and its storage (parameters zero), from checked values."""
        self.dtype, self.init, self.loss = dtype, init, loss
        #: how raw features become X and outputs become labels (set by the CLI and the
        #: estimators; stored in model files and ONNX exports); None for prepared arrays
        self.preprocessing: Preprocessing | None = None
        #: JSON-serializable extras kept in the model file (training configuration, metrics)
        self.metadata: dict[str, Any] = {}
        n_params = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, len(dims)))
        # θ, dθ and the L2 scratch: checked before anything is allocated
        _checks.check_memory(3 * n_params * dtype.itemsize, f"a network of n = {dims}")
        #: θ, dθ, the views of every W[l] and dW[l], and the layers over them
        self.parameters = Parameters(dims, acts, dtype)
        self.layers = self.parameters.layers

    # -- structure ---------------------------------------------------------------------

    @property
    def L(self) -> int:
        """Number of layers with parameters (the input layer 0 is not counted)."""
        return len(self.layers)

    @property
    def layer_dims(self) -> list[int]:
        """[n[0], n[1], ..., n[L]]."""
        return [self.layers[0].n_in] + [layer.n_out for layer in self.layers]

    @property
    def activations(self) -> list[Activation]:
        """g[1], ..., g[L]."""
        return [layer.activation for layer in self.layers]

    @property
    def task(self) -> str:
        """``"binary"``, ``"multiclass"`` or ``"regression"``, from the output activation."""
        return task_of(self.layers[-1].activation.name)

    def layer(self, l: int) -> Dense:
        """Layer l, 1-based as in the notes (``net.layer(1)`` holds W[1], b[1])."""
        if isinstance(l, bool) or not isinstance(l, (int, np.integer)) or not 1 <= l <= self.L:
            raise IndexError(f"layers are numbered l = 1..{self.L} (1-based); Received: l={l!r}")
        return self.layers[int(l) - 1]

    @property
    def params(self) -> ParamsView:
        """{"W1": W[1], "b1": b[1], ...}: the network's own arrays, as the course names them."""
        return ParamsView(self.layers)

    @property
    def n_params(self) -> int:
        """Total number of trainable numbers, Σ_l n[l]·n[l−1] + n[l]."""
        return self.parameters.size

    # -- data at the door --------------------------------------------------------------

    def check_X(self, X: Any) -> Array:
        """X checked against this network: (n[0], m), finite, in its dtype (a SciPy sparse
        X stays sparse). Raises ValueError or TypeError naming what was given."""
        return _checks.check_X(X, self.layer_dims[0], dtype=self.dtype)

    def check_Y(self, Y: Any, m: int) -> Array:
        """Y (n[L], m) checked against this network's output and loss (labels 0/1 for a
        sigmoid, one-hot or class indices for softmax, values for linear)."""
        return _checks.check_targets(
            Y, self.layer_dims[-1], m, self.task, self.loss.check_targets, self.dtype
        )

    # -- training ----------------------------------------------------------------------

    def fit(
        self,
        X: Array,
        Y: Array,
        epochs: int = 100,
        learning_rate: float = 0.01,
        *,
        batch_size: int | None = None,
        shuffle: bool = True,
        optimizer: OptimizerLike = "gd",
        lr_schedule: ScheduleLike = None,
        l2: float = 0.0,
        dropout: float | Sequence[float] | None = None,
        validation_data: tuple[Any, ...] | None = None,
        validation_split: float | None = None,
        sample_weight: Array | None = None,
        early_stopping: bool | int = False,
        min_delta: float = 0.0,
        restore_best: bool = True,
        callbacks: Sequence[Any] | None = None,
        verbose: bool | int = False,
        print_every: int | None = None,
        engine: str = "numpy",
    ) -> History:
        """Train with gradient descent: each epoch runs forward, cost, backward and update on
        every batch (the whole set by default, as in the notes).

        Parameters
        ----------
        X : ndarray or SciPy sparse matrix of shape (n[0], m)
            A sparse X stays sparse: each mini-batch is a sparse A[0] cut from it, which
            layer 1 multiplies in O(non-zeros) (not with ``engine="jax"``).
        Y : ndarray of shape (n[L], m)
            Labels 0/1 for a sigmoid output; one-hot (n[L], m) or class indices (1, m) for
            softmax; values for a linear output.
        epochs : int
            Passes over the data (for full-batch training, the notes' iterations).
        learning_rate : float
            α, the initial value when ``lr_schedule`` is given.
        batch_size : int, optional
            None trains on all m examples at once; otherwise mini-batches of this size (the
            last one smaller when m is not a multiple).
        shuffle : bool
            Reshuffle the examples each epoch (seeded by the network's generator).
        optimizer : {"gd", "sgd", "momentum", "rmsprop", "adam"} or Optimizer
        lr_schedule : {"constant", "inverse_time", "exponential", "step"} or Schedule
        l2 : float
            λ: J gains λ/(2m) Σ‖W[l]‖², dW[l] gains λ/m W[l].
        dropout : float or list of float, optional
            Keep probability of inverted dropout, one for all hidden layers or one per hidden
            layer. Off in predict, evaluate and gradient checks.
        validation_data : (X_val, Y_val) or (X_val, Y_val, sample_weight_val), optional
        validation_split : float, optional
            Fraction of the examples (drawn at random) held out for validation, with their
            weights.
        sample_weight : array of shape (m,) or (1, m), optional
            Weight of each example (finite, >= 0, not all 0). Each batch's cost becomes its
            weighted mean Σ w_i L_i / Σ w_i and column i of dZ[L] is scaled to match; the m
            of the L2 term becomes Σ w_i. As in scikit-learn, an integer weight then counts
            exactly as the example repeated, and a weight of 0 as the example left out. The
            history's cost is weighted; its training accuracy (or R²) is not, while the
            validation metrics use ``sample_weight_val`` when given.
        early_stopping : bool or int
            Stop when the validation cost has not improved for this many epochs (True: 10).
        min_delta : float
            With early stopping, the smallest fall of the validation cost below its best
            that counts as an improvement (Keras' ``min_delta``): training stops once the
            gain over the last ``early_stopping`` epochs is below it. 0: any fall counts.
        restore_best : bool
            With early stopping, end with the parameters of the best epoch.
        callbacks : list, optional
            Objects with ``on_epoch_end(epoch, logs) -> stop?``.
        verbose : bool or int
            Print the cost while training: True about ten times (every ⌈epochs/10⌉ epochs,
            or every ``print_every``), N every N epochs, False never.
        print_every : int, optional
            With ``verbose=True``, print every this many epochs.
        engine : {"numpy", "jax"}
            ``"numpy"`` runs the functions of :mod:`layerwise.core.propagation` batch by batch
            with preallocated buffers. ``"jax"`` (the ``jax`` extra) traces the same functions
            and compiles whole epochs with JAX, on its GPU when it has one; the same cost
            trajectory from the same weights and batches, faster where NumPy's cost per call
            dominates. Its dropout masks come from JAX's random numbers, and its callbacks,
            validation and Ctrl-C are handled after each compiled run of epochs (see the
            README's "Engines").

        Returns
        -------
        History
            ``history.cost[i]`` is the cost of epoch i's forward pass, before its update.

        Raises
        ------
        TrainingDivergedError
            When the cost becomes NaN or infinite; the last finite parameters are restored.
        """
        # every parameter after X and Y, by name: FitOptions lists them once (a test holds
        # this signature to its fields)
        options = FitOptions(**{k: v for k, v in locals().items() if k not in _NOT_OPTIONS})
        X, Y, config = options.configure(self, X, Y)
        for layer, keep in zip(self.layers[:-1], keep_probabilities(dropout, self.L - 1)):
            if layer.keep_prob != keep:
                self.parameters.release_buffers()  # dropout's buffers come and go with it
            layer.keep_prob = keep
        try:
            history = run(self, X, Y, config)
            # what it was trained with, for its notebook view and `layerwise explain`
            self.metadata["training"] = fit_record(config, history, X.shape[1])
            return history
        finally:
            self.parameters.release_buffers()

    # -- inference ---------------------------------------------------------------------

    def output(self, X: Array) -> Array:
        """A[L] for an X (n[0], m) already checked (:meth:`check_X`): the forward pass of
        every layer, a block of :data:`_FORWARD_COLUMNS` examples at a time when m is larger
        (each column's A[L] depends on its own column of X only), so that the hidden layers'
        A[l] of a large table are never all in memory at once."""
        m = X.shape[1]
        if m <= _FORWARD_COLUMNS:
            return self._forward_block(X)
        parts = [
            self._forward_block(X[:, start : start + _FORWARD_COLUMNS])
            for start in range(0, m, _FORWARD_COLUMNS)
        ]
        return np.concatenate(parts, axis=1)

    def _forward_block(self, X: Array) -> Array:
        A = X
        for layer in self.layers:
            A = layer_forward(A, layer.W, layer.b, layer.activation).A
        return A

    def predict_proba(self, X: Array) -> Array:
        """A[L] for X (n[0], m): probabilities for sigmoid/softmax, values for linear.

        Returns
        -------
        ndarray of shape (n[L], m)
        """
        return self.output(self.check_X(X))

    def predict(self, X: Array) -> Array:
        """Predictions for X (n[0], m).

        Returns
        -------
        ndarray
            Sigmoid output: labels 0/1 (1 where A[L] > 0.5), shape (n[L], m). Softmax: the
            class index, shape (1, m). Linear: the values A[L], shape (n[L], m).
        """
        return predict_from_output(self.predict_proba(X), self.task)

    def evaluate(self, X: Array, Y: Array, sample_weight: Array | None = None) -> dict[str, float]:
        """Cost and accuracy (classification) or cost and R² (regression) on X, Y; with
        ``sample_weight`` (m,) or (1, m), the weighted cost Σ w_i L_i / Σ w_i and the
        weighted accuracy (or R²).

        Returns
        -------
        dict
            ``{"cost": J, "accuracy": ...}`` or ``{"cost": J, "r2": ...}``.
        """
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        w = None
        if sample_weight is not None:
            w = _checks.check_sample_weight(sample_weight, X.shape[1], self.dtype)
        AL = self.output(X)
        weights = None if w is None else normalized_weights(w)
        result = {"cost": self.loss.cost(AL, Y, weights=weights)}
        if self.task == "regression":
            result["r2"] = r2_score(AL, Y, w)
        else:
            result["accuracy"] = accuracy(AL, Y, self.task, w)
        return result

    # -- description -------------------------------------------------------------------

    def summary(self, m: int | str = "m") -> str:
        """The notes' dimension table for this network: for each layer l, n[l], g[l], the
        shapes of W[l], b[l] and Z[l]/A[l] (with m examples), and the parameter count."""
        return dimension_table(self.layer_dims, self.activations, self.loss, self.dtype, m)

    def _repr_html_(self) -> str:
        # a notebook shows the dimension table and, folded, the equations with their shapes
        from ..views._html import network_html

        return network_html(self)

    def __repr__(self) -> str:
        acts = [g.name for g in self.activations]
        return (
            f"Network(layer_dims={self.layer_dims}, activations={acts}, dtype='{self.dtype.name}')"
        )

    # -- files -------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model file: safetensors, weights under W1, b1, ..., and JSON metadata
        (structure, ``preprocessing``, ``metadata``). Atomic: a crash never leaves a
        half-written file. Needs the ``io`` extra."""
        from .io import write_model

        write_model(path, self._describe(), self.params)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Read a model file written by :meth:`save`; validates everything, never unpickles.

        Raises
        ------
        ModelFileError
            With one line naming the file and the problem.
        """
        from .io import ModelFileError, read_model

        description, params = read_model(path)
        try:
            return cls._from_description(description, params)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: inconsistent network description: {exc}") from None

    def to_onnx(self, path: str | os.PathLike[str] | None = None, opset: int = 17) -> Any:
        """Export as an ONNX graph (with ``preprocessing`` built in); writes ``path`` when
        given and returns the ``onnx.ModelProto``. Needs the ``onnx`` extra."""
        from ..export.onnx import export_network

        return export_network(self, path, opset=opset)

    # -- description: the one record of what a network is, for model files and pickles ---

    def _describe(self) -> dict[str, Any]:
        """Everything but the parameters, as plain values: the model file's header and, with
        θ and the generator, the pickled state. :meth:`_from_description` reads it back."""
        return {
            "layer_dims": self.layer_dims,
            "activations": [{"name": g.name, **g.get_config()} for g in self.activations],
            "loss": self.loss.name,
            "dtype": self.dtype.name,
            "init": self.init,
            "keep_prob": [layer.keep_prob for layer in self.layers[:-1]],
            "preprocessing": None if self.preprocessing is None else self.preprocessing.to_dict(),
            "extra": self.metadata,
        }

    @classmethod
    def _from_description(
        cls, description: Mapping[str, Any], params: Mapping[str, Array] | None = None
    ) -> Network:
        """The network :meth:`_describe` described, with ``params`` ({"W1": ..., "b1": ...},
        shapes checked) copied in; no weights are drawn. ValueError or TypeError when the
        description is inconsistent."""
        dims = _checks.check_layer_dims(description["layer_dims"])
        acts = resolve_activations(
            [
                get_activation(a["name"], **{k: v for k, v in a.items() if k != "name"})
                for a in description["activations"]
            ],
            len(dims) - 1,
        )
        net = cls.__new__(cls)
        net._build(
            dims,
            acts,
            get_loss(description["loss"]),
            _checks.check_dtype(description["dtype"]),
            check_init(description.get("init", "small")),
        )
        net.rng = np.random.default_rng()
        # keep probabilities of the hidden layers' dropout, for a network that goes on training
        for layer, keep in zip(
            net.layers, keep_probabilities(description.get("keep_prob"), net.L - 1)
        ):
            layer.keep_prob = keep
        pre = description.get("preprocessing")
        if pre is not None:
            net.preprocessing = Preprocessing.from_dict(pre, dims[0])
        net.metadata = dict(description.get("extra") or {})
        for key, value in (params or {}).items():
            net.params[key] = value
        return net

    # -- pickling (for joblib and clusters): the description, θ and the generator ---------

    def __getstate__(self) -> dict[str, Any]:
        return {"description": self._describe(), "theta": self.parameters.copy(), "rng": self.rng}

    def __setstate__(self, state: dict[str, Any]) -> None:
        net = self._from_description(state["description"])
        self.__dict__.update(net.__dict__)
        self.parameters.set(state["theta"])
        self.rng = state["rng"]


def dimension_table(
    layer_dims: Sequence[int],
    activations: Sequence[Activation],
    loss: Loss,
    dtype: np.dtype,
    m: int | str = "m",
) -> str:
    """The notes' dimension table of a network design: for each layer l, n[l], g[l], the
    shapes of W[l], b[l] and Z[l]/A[l] (with m examples), the parameter count, and the memory
    its parameters take. Arithmetic only: a design too large to allocate prints all the same.
    """
    dims = list(layer_dims)
    rows: list[tuple[object, ...]] = [
        ("l", "n[l]", "g[l]", "W[l]", "b[l]", "Z[l], A[l]", "parameters"),
        (0, dims[0], "(input)", "", "", f"({dims[0]}, {m})", ""),
    ]
    for l, g in enumerate(activations, start=1):
        name = repr(g) if g.get_config() else g.name
        shapes = ((dims[l], dims[l - 1]), (dims[l], 1), f"({dims[l]}, {m})")
        rows.append((l, dims[l], name, *shapes, dims[l] * dims[l - 1] + dims[l]))
    total = sum(dims[l] * dims[l - 1] + dims[l] for l in range(1, len(dims)))
    return (
        f"{text_table(rows)}\n"
        f"total parameters: {total} ({_checks.format_bytes(total * dtype.itemsize)}); "
        f"loss: {loss.name}; dtype: {dtype.name}"
    )
