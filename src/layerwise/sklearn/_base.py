"""What :class:`~layerwise.sklearn.NetworkClassifier` and
:class:`~layerwise.sklearn.NetworkRegressor` share: the base estimator (parameters, fit loop,
prediction input), and the checks of its parameters and of the rows it is given.

Private: the public names live in :mod:`layerwise.sklearn`, which imports this module.
Needs the ``sklearn`` extra: ``pip install 'layerwise[sklearn]'`` (scikit-learn >= 1.6).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

# the scikit-learn names the estimators use are imported here, behind the one check that
# names the extra to install (._inputs, imported after it, takes its own); layerwise.sklearn
# takes its names from this module
try:
    from sklearn.base import BaseEstimator
    from sklearn.base import ClassifierMixin as ClassifierMixin
    from sklearn.base import RegressorMixin as RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state
    from sklearn.utils.metaestimators import available_if as available_if
    from sklearn.utils.multiclass import (
        check_classification_targets as check_classification_targets,
    )
    from sklearn.utils.multiclass import type_of_target as type_of_target
    from sklearn.utils.validation import check_is_fitted
    from sklearn.utils.validation import column_or_1d as column_or_1d
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError(
        "layerwise.sklearn needs scikit-learn >= 1.6: pip install 'layerwise[sklearn]'"
    ) from None

from .._checks import check_in_range, check_sample_weight
from .._typing import Array
from ..model.network import Network
from ..training.callbacks import EarlyStopping
from ..training.history import History
from ..training.optimizers import SGD, Adam, Momentum, Optimizer, RMSprop, get_schedule
from ..training.options import ENGINES
from ._attrs import MLPAttributes
from ._incremental import Continued, KeepState
from ._inputs import RowInputs, is_sparse
from ._lbfgs import fit_lbfgs

#: scikit-learn's names for the activations we share, mapped to ours
_ACTIVATION_ALIASES = {"logistic": "sigmoid", "identity": "linear"}
_HIDDEN_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")
_SOLVERS = ("adam", "sgd", "momentum", "rmsprop", "gd", "lbfgs")
_SCHEDULES = ("constant", "inverse_time", "exponential", "step")
_INITS = ("xavier", "he", "small", "zeros")
#: a sparse X is predicted this many rows at a time
_PREDICT_ROWS = 4096


class _BaseNetworkEstimator(RowInputs, MLPAttributes, BaseEstimator):
    """What the classifier and the regressor share: parameters, fit loop, prediction input."""

    network_: Network  # set by fit (annotated here only: unfitted estimators have none)

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str | None = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        init: str = "xavier",
        standardize: bool = True,
        dtype: str = "float64",
        engine: str = "numpy",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.init = init
        self.standardize = standardize
        self.dtype = dtype
        self.engine = engine

    # -- what the subclasses fill in ---------------------------------------------------

    def _output(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _validate_targets(
        self, X: Any, y: Any, reset: bool, classes: Any = None, same_classes: bool = False
    ) -> tuple[Array, Array]:
        """Rows X (m, n[0]) checked, and Y in the notes' orientation (n[L], m)."""
        raise NotImplementedError  # pragma: no cover - abstract

    # -- parameters, checked in fit (``__init__`` only stores) ---------------------------

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
            sizes = [sizes]
        try:
            out = [int(n) for n in sizes]  # type: ignore[union-attr]
            ok = all(n >= 1 and n == s for n, s in zip(out, sizes))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(
                f"{type(self).__name__}: hidden_layer_sizes must be a tuple of positive ints "
                f"n[1], ..., n[L-1], e.g. (100,) or (64, 32); "
                f"Received: hidden_layer_sizes={self.hidden_layer_sizes!r}"
            )
        return out

    def _check_params(self) -> None:
        owner = type(self).__name__
        for name, value, allowed in (
            (
                "activation",
                _ACTIVATION_ALIASES.get(self.activation, self.activation),
                _HIDDEN_ACTIVATIONS,
            ),
            ("solver", self.solver, _SOLVERS),
            ("learning_rate", self.learning_rate, _SCHEDULES),
            ("init", self.init, _INITS),
            ("dtype", self.dtype, ("float64", "float32")),
            ("engine", self.engine, ENGINES),
        ):
            if value not in allowed:
                raise ValueError(
                    f"{owner}: {name} must be one of {', '.join(allowed)}; "
                    f"Received: {name}={getattr(self, name)!r}"
                )
        if self.engine == "jax" and self.solver == "lbfgs":
            raise ValueError(
                f"{owner}: engine='jax' compiles the gradient solvers' epochs; solver='lbfgs' "
                f"runs SciPy's minimizer on NumPy: use engine='numpy' with it"
            )
        check_in_range(owner, "alpha", self.alpha, 0.0)
        check_in_range(owner, "learning_rate_init", self.learning_rate_init, 0.0, low_open=True)
        check_in_range(owner, "max_iter", self.max_iter, 1, integer=True)
        check_in_range(owner, "tol", self.tol, 0.0)
        check_in_range(owner, "momentum", self.momentum, 0.0, 1.0)
        check_in_range(
            owner,
            "validation_fraction",
            self.validation_fraction,
            0.0,
            1.0,
            low_open=True,
            high_open=True,
        )
        check_in_range(owner, "beta_1", self.beta_1, 0.0, 1.0, high_open=True)
        check_in_range(owner, "beta_2", self.beta_2, 0.0, 1.0, high_open=True)
        check_in_range(owner, "epsilon", self.epsilon, 0.0, low_open=True)
        check_in_range(owner, "n_iter_no_change", self.n_iter_no_change, 1, integer=True)
        check_in_range(owner, "max_fun", self.max_fun, 1, integer=True)
        if self.batch_size not in ("auto", None):
            check_in_range(owner, "batch_size", self.batch_size, 1, integer=True)
        self._hidden_sizes()

    def _make_optimizer(self) -> Optimizer:
        if self.solver == "adam":
            inner: Optimizer = Adam(beta1=self.beta_1, beta2=self.beta_2, epsilon=self.epsilon)
        elif self.solver == "momentum":
            inner = Momentum(beta=self.momentum)
        elif self.solver == "rmsprop":
            inner = RMSprop(epsilon=self.epsilon)
        else:
            inner = SGD()
        return KeepState(inner)

    def _build_network(
        self, X: Any, n_out: int, classes: list[Any] | None, weights: Array | None = None
    ) -> Network:
        hidden = _ACTIVATION_ALIASES.get(self.activation, self.activation)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        pre = self._input_preprocessing(X, classes, weights)
        n0 = X.shape[1] if pre.feature_names is None else len(pre.feature_names)
        net = Network(
            [n0, *self._hidden_sizes(), n_out],
            hidden=hidden,
            output=self._output(),
            init=self.init,
            seed=seed,
            dtype=self.dtype,
        )
        net.preprocessing = pre
        return net

    # -- training ----------------------------------------------------------------------

    def _fit(
        self,
        X: Any,
        y: Any,
        incremental: bool,
        classes: Any = None,
        sample_weight: Any = None,
    ) -> Any:
        self._check_params()
        # start over unless partial_fit or warm_start continues a fitted network
        fresh = not hasattr(self, "network_") or (not incremental and not self.warm_start)
        if fresh and hasattr(self, "network_"):
            del self.network_  # a fit that fails below leaves the estimator unfitted
            if hasattr(self, "encoder_"):
                del self.encoder_
        X_rows, Y = self._validate_targets(
            X, y, reset=fresh, classes=classes, same_classes=not incremental
        )
        m = X_rows.shape[0]
        weights = None
        if sample_weight is not None:
            weights = check_sample_weight(sample_weight, m, np.dtype(self.dtype))
        if fresh:
            self.network_ = self._build_network(X_rows, Y.shape[0], self._classes_list(), weights)
            self.loss_curve_: list[float] = []
            self.n_iter_ = 0
            self._optimizer = self._make_optimizer()
            self.validation_scores_: list[float] | None = [] if self.early_stopping else None
            self.best_validation_score_: float | None = None
        elif not incremental:
            self._optimizer = self._make_optimizer()  # warm start: new run, kept weights
        net = self.network_
        A0 = self._columns(net, X_rows)
        if self.solver == "lbfgs":
            return fit_lbfgs(self, A0, Y, weights)

        validation = None
        callbacks: list[Any] = []
        if not incremental:
            if self.early_stopping:
                A0, Y, weights, validation = self._split_validation(A0, Y, weights)
            # stop when the monitored cost has not improved by tol for n_iter_no_change epochs
            callbacks.append(
                EarlyStopping(
                    patience=self.n_iter_no_change,
                    monitor="val_cost" if self.early_stopping else "cost",
                    min_delta=self.tol,
                    restore_best=bool(self.early_stopping),
                )
            )
        if self.batch_size == "auto":
            batch_size: int | None = min(200, m)
        else:
            batch_size = None if self.batch_size is None else int(self.batch_size)
        history = net.fit(
            A0,
            Y,
            epochs=1 if incremental else int(self.max_iter),
            learning_rate=float(self.learning_rate_init),
            batch_size=batch_size,
            shuffle=bool(self.shuffle),
            optimizer=self._optimizer,
            lr_schedule=(
                Continued(get_schedule(self.learning_rate), self.n_iter_)
                if incremental
                else self.learning_rate
            ),
            l2=float(self.alpha),
            validation_data=validation,
            sample_weight=weights,
            callbacks=callbacks,
            verbose=bool(self.verbose),
            print_every=1,
            engine=self.engine,
        )
        self._record(history, incremental)
        return self

    def _split_validation(
        self, A0: Array, Y: Array, weights: Array | None
    ) -> tuple[Array, Array, Array | None, tuple[Array, ...]]:
        """Hold out ``validation_fraction`` of the examples (stratified for single-label
        classification), columns of A[0], Y and the weights (1, m) if any."""
        stratify = None
        if self._output() == "softmax" or (self._output() == "sigmoid" and Y.shape[0] == 1):
            stratify = Y.argmax(axis=0) if Y.shape[0] > 1 else Y[0]
        idx = np.arange(A0.shape[1])
        train, val = train_test_split(
            idx,
            test_size=self.validation_fraction,
            stratify=stratify,
            random_state=check_random_state(self.random_state),
        )
        if weights is None:
            return A0[:, train], Y[:, train], None, (A0[:, val], Y[:, val])
        held_out = (A0[:, val], Y[:, val], weights[:, val])
        return A0[:, train], Y[:, train], weights[:, train], held_out

    def _record(self, history: History, incremental: bool) -> None:
        self.loss_curve_.extend(history.cost)
        self.n_iter_ += history.epochs
        self.best_loss_ = float(min(self.loss_curve_)) if self.loss_curve_ else np.inf
        key = "val_r2" if self._output() == "linear" else "val_accuracy"
        if self.validation_scores_ is not None and key in history.history:
            self.validation_scores_.extend(history.history[key])
            self.best_validation_score_ = float(max(self.validation_scores_))
        if not incremental and history.stop_reason is None and history.epochs == self.max_iter:
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} epochs reached and the cost "
                f"has not converged yet (tol={self.tol}); raise max_iter or learning_rate_init",
                ConvergenceWarning,
                stacklevel=4,  # the caller of fit
            )

    def _classes_list(self) -> list[Any] | None:
        return None

    # -- prediction --------------------------------------------------------------------

    def _forward_rows(self, X: Any) -> Array:
        """A[L] (n[L], m) for rows X (m, n[0]): validate, transpose once, standardize."""
        check_is_fitted(self)
        try:
            X = self._check_X(X)
        except ValueError as exc:
            shape = tuple(getattr(X, "shape", ()))
            if len(shape) == 2 and shape[0] == self.n_features_in_ != shape[1]:
                raise ValueError(
                    f"{exc} Rows are examples here (m, n[0]); did you pass the notes' "
                    f"orientation (n[0], m)? Use X.T."
                ) from None
            raise
        net = self.network_
        if not is_sparse(X):
            return net.predict_proba(self._columns(net, X))
        # a sparse X in blocks of rows: the activations (n[l], b) of one block at a time
        m = X.shape[0]
        AL = np.empty((net.layer_dims[-1], m), dtype=net.dtype)
        for start in range(0, m, _PREDICT_ROWS):
            block = X[start : start + _PREDICT_ROWS]
            AL[:, start : start + block.shape[0]] = net.predict_proba(self._columns(net, block))
        return AL

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # kept sparse batch by batch (the jax engine refuses it)
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")

    def to_onnx(self, path: str | os.PathLike[str] | None = None, opset: int = 17) -> Any:
        """Export the fitted network, standardization included, as an ONNX graph.

        Same as ``layerwise.export.onnx.export_network(self.network_, path, opset)``: the
        graph takes raw features, float32 [N, n_features_in_]. Needs the ``onnx`` extra.

        Returns
        -------
        onnx.ModelProto
        """
        check_is_fitted(self)
        from ..export.onnx import export_network

        return export_network(self.network_, path, opset=opset)


def _check_rows(owner: str, X: Any, y: Any) -> None:
    """Catch the notes' orientation (examples as columns) before scikit-learn's generic error."""
    shape_X, shape_y = getattr(X, "shape", None), getattr(y, "shape", None)
    if shape_X is None or shape_y is None or len(shape_X) != 2 or len(shape_y) < 1:
        return
    if shape_X[0] != shape_y[0] and shape_X[1] == shape_y[0]:
        raise ValueError(
            f"{owner}: X has shape {tuple(shape_X)} and y has {shape_y[0]} examples: the "
            f"estimators take one example per row, X of shape (m, n[0]) = "
            f"({shape_y[0]}, {shape_X[0]}); did you mean X.T?"
        )
    if len(shape_y) == 2 and shape_y[0] != shape_X[0] and shape_y[1] == shape_X[0]:
        raise ValueError(
            f"{owner}: y has shape {tuple(shape_y)} but X has {shape_X[0]} examples (rows): "
            f"y must be (m,) or (m, n_outputs) = ({shape_X[0]}, {shape_y[0]}); did you mean y.T?"
        )
