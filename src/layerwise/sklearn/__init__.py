"""scikit-learn estimators: :class:`NetworkClassifier` and :class:`NetworkRegressor`.

They take examples as **rows**, X of shape (m, n[0]), as scikit-learn does, and transpose
once into the notes' orientation, A[0] = Xᵀ of shape (n[0], m), before handing the data to a
:class:`~layerwise.Network` (``estimator.network_``). Parameters are named as in
scikit-learn's ``MLPClassifier``/``MLPRegressor`` where the concept is the same.

X may be a dense array, a SciPy sparse matrix or array, or a pandas DataFrame:

- dense features are standardized inside the estimator (``standardize=True``): the
  statistics are stored as ``network_.preprocessing``, so the network's model file and its
  ONNX export (:meth:`NetworkClassifier.to_onnx`) take raw features, as the estimator does;
- a sparse X (CSR, CSC, COO, ...; ``OneHotEncoder``'s default output) is used as given, never
  densified: the network trains on sparse mini-batches and predicts in blocks of rows;
- a raw DataFrame with text, booleans, categoricals or missing values is encoded by the
  table door's :class:`~layerwise.tables.TableEncoder` (as ``layerwise train`` encodes a
  table), fitted on the training rows inside ``fit`` and kept as ``encoder_``; its encoding
  travels in ``network_.preprocessing``, so the ONNX export has one input per column and the
  model file predicts with ``layerwise predict``. An all-numeric DataFrame without missing
  values is taken as an array.

Needs the ``sklearn`` extra: ``pip install 'layerwise[sklearn]'`` (scikit-learn >= 1.6).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import Array

# _sklearn_base raises the error that names the extra when scikit-learn is missing
from ._base import (
    ClassifierMixin,
    RegressorMixin,
    _BaseNetworkEstimator,
    _check_rows,
    available_if,
    check_classification_targets,
    column_or_1d,
    type_of_target,
)
from ._lbfgs import stochastic_solver

__all__ = ["NetworkClassifier", "NetworkRegressor"]


class NetworkClassifier(ClassifierMixin, _BaseNetworkEstimator):
    """An L-layer network classifier with the scikit-learn API (examples are rows).

    Two classes train a sigmoid output unit with binary cross-entropy; more classes a softmax
    output with categorical cross-entropy; a multilabel indicator y (m, k) trains k sigmoid
    units. Labels may be any values scikit-learn accepts (ints, strings, ...).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        n[1], ..., n[L−1]. ``()`` gives logistic (softmax) regression.
    activation : {"relu", "leaky_relu", "tanh", "sigmoid", "linear"}, default "relu"
        g[l] of the hidden layers (scikit-learn's "logistic" and "identity" are accepted).
    solver : {"adam", "sgd", "momentum", "rmsprop", "gd", "lbfgs"}, default "adam"
        The optimizer. ``sgd`` is plain SGD; scikit-learn's SGD-with-momentum is ``momentum``.
        ``lbfgs`` is SciPy's L-BFGS-B on all the examples at once, as scikit-learn's: it takes
        ``max_iter``, ``max_fun``, ``tol``, ``alpha``; it has no ``partial_fit``.
    alpha : float, default 1e-4
        L2 penalty λ: the cost gains λ/(2m) Σ‖W[l]‖² (m = the batch size), as in scikit-learn.
    batch_size : int, "auto" or None, default "auto"
        Mini-batch size; "auto" is min(200, m); None trains on all m examples at once (the
        notes' batch gradient descent).
    learning_rate : {"constant", "inverse_time", "exponential", "step"}, default "constant"
        The learning-rate schedule (layerwise's schedules, not scikit-learn's).
    learning_rate_init : float, default 0.001
        α at the first epoch.
    max_iter : int, default 200
        Maximum number of epochs.
    shuffle : bool, default True
        Reshuffle the examples every epoch.
    random_state : int, RandomState or None
        Seeds initialization, shuffling and the validation split.
    tol : float, default 1e-4
        Training stops when the cost (the validation cost with ``early_stopping``) has not
        gone below its best − ``tol`` for ``n_iter_no_change`` epochs in a row; the best
        moves only on such an improvement (:class:`layerwise.EarlyStopping`, Keras' rule;
        scikit-learn's MLPs also move it on smaller ones, so they stop somewhat sooner).
    verbose : bool, default False
        Print the cost after every epoch.
    warm_start : bool, default False
        Continue from the fitted weights on the next ``fit`` (same classes required).
    momentum : float, default 0.9
        β of the ``momentum`` solver.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the examples (stratified) and stop on their cost;
        the weights of the best epoch are kept.
    validation_fraction : float, default 0.1
    beta_1, beta_2, epsilon : float
        Adam's β1, β2 and ε (ε is also RMSprop's).
    n_iter_no_change : int, default 10
    max_fun : int, default 15000
        ``lbfgs`` only: at most this many evaluations of the cost.
    init : {"xavier", "he", "small", "zeros"}, default "xavier"
        Weight initializer; ``xavier`` (Glorot) has the variance scikit-learn's MLPs use.
    standardize : bool, default True
        Standardize each feature of a dense X with the training mean and standard deviation
        (of a raw DataFrame: its number columns); the statistics travel with ``network_``
        (model file, ONNX export). A sparse X is used as given (scale it in a Pipeline, e.g.
        with ``MaxAbsScaler``, if its features need it).
    dtype : {"float64", "float32"}, default "float64"
        The network's dtype.
    engine : {"numpy", "jax"}, default "numpy"
        ``Network.fit``'s training engine: ``"jax"`` (the ``jax`` extra) compiles the same
        training with JAX; not with ``solver="lbfgs"``.

    Attributes
    ----------
    network_ : Network
        The trained network, with ``network_.preprocessing`` (statistics and classes).
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Columns of X (of a raw DataFrame: before encoding; n[0] is
        ``network_.layer_dims[0]``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X was a DataFrame with string column names (any names for a raw one).
    encoder_ : TableEncoder
        Only when X was a raw DataFrame: how its columns became the n[0] features.
    n_outputs_ : int
        n[L]: 1 for two classes, n_classes for more, k for multilabel.
    out_activation_ : str
    loss_curve_ : list of float
        Training cost per epoch (over all fits when warm starting or with ``partial_fit``).
    best_loss_ : float
    validation_scores_ : list of float or None
        Accuracy on the held-out examples per epoch, with ``early_stopping``.
    best_validation_score_ : float
    n_iter_ : int
        Epochs run.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from layerwise.sklearn import NetworkClassifier
    >>> X, y = load_iris(return_X_y=True)                  # rows are examples: X (150, 4)
    >>> clf = NetworkClassifier((16,), learning_rate_init=0.02, max_iter=300, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> clf.network_.layer_dims                            # [n[0], n[1], n[L]]
    [4, 16, 3]
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> bool(clf.score(X, y) > 0.9)
    True

    A raw table (numbers, text, booleans, missing values) is encoded inside ``fit``:

    >>> from layerwise.tables import mixed_table
    >>> frame = mixed_table(m=300, seed=0)
    >>> X, y = frame.drop(columns=["id", "species"]), frame["species"]
    >>> clf = NetworkClassifier((16,), learning_rate_init=0.02, max_iter=300, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> clf.n_features_in_                              # 9 columns ...
    9
    >>> clf.network_.layer_dims[0] == len(clf.encoder_.feature_names_out_)  # ... n[0] features
    True
    >>> bool(clf.score(X, y) > 0.8)
    True
    """

    def _output(self) -> str:
        return "softmax" if self._multiclass else "sigmoid"

    def _classes_list(self) -> list[Any] | None:
        return None if self._multilabel else list(self.classes_)

    def _validate_targets(
        self, X: Any, y: Any, reset: bool, classes: Any = None, same_classes: bool = False
    ) -> tuple[Array, Array]:
        _check_rows(type(self).__name__, X, y)
        X, y = self._check_X_y(X, y, reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        multilabel = y.ndim == 2
        if multilabel and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                f"{type(self).__name__}: a 2-D y must be a multilabel indicator matrix of 0/1, "
                f"(m, n_labels); Received: y of shape {y.shape} and type {type_of_target(y)!r}"
            )
        if not multilabel:
            check_classification_targets(y)
        if reset:
            if multilabel:
                found = np.arange(y.shape[1])
            else:
                found = np.unique(y if classes is None else np.asarray(classes))
                if found.size < 2:
                    raise ValueError(
                        f"{type(self).__name__} needs examples of at least 2 classes in y; "
                        f"got 1 class: {found.tolist()}"
                    )
            self._multilabel = multilabel
            self.classes_ = found
            self._multiclass = not multilabel and self.classes_.size > 2
            self.n_outputs_ = (
                y.shape[1] if multilabel else (self.classes_.size if self._multiclass else 1)
            )
            self.out_activation_ = self._output()
        elif multilabel != self._multilabel or (multilabel and y.shape[1] != self.n_outputs_):
            fitted_on = (
                f"a multilabel y of {self.n_outputs_} labels"
                if self._multilabel
                else "class labels, y of shape (m,)"
            )
            raise ValueError(
                f"{type(self).__name__}: y has shape {y.shape} but the network was fitted on "
                f"{fitted_on}"
            )
        if multilabel:
            return X, np.asarray(y.T, dtype=self.dtype)
        found = np.unique(y)
        if not reset and same_classes and not np.array_equal(found, self.classes_):
            raise ValueError(
                f"{type(self).__name__}: warm_start needs y with the classes of the previous "
                f"fit, {self.classes_.tolist()}; y has {found.tolist()}"
            )
        unknown = np.setdiff1d(found, self.classes_)
        if unknown.size:
            raise ValueError(
                f"{type(self).__name__}: y has classes {unknown.tolist()} that are not in "
                f"classes_ = {self.classes_.tolist()}"
            )
        index = np.searchsorted(self.classes_, y)
        # Y in the notes' orientation (n[L], m): 0/1 for a sigmoid unit, one-hot for softmax
        if self._multiclass:
            Y = np.zeros((self.classes_.size, y.shape[0]), dtype=self.dtype)
            Y[index, np.arange(y.shape[0])] = 1.0
        else:
            Y = index[None, :].astype(self.dtype)
        return X, Y

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NetworkClassifier:
        """Train on rows X (m, n[0]) and labels y (m,) or a multilabel indicator (m, k).

        X is an array, a SciPy sparse matrix or a DataFrame (a raw one is encoded by
        ``encoder_``, see the module's docstring).

        ``sample_weight`` (m,) weights each example's loss: every batch's cost is its
        weighted mean, as in ``MLPClassifier`` (see ``Network.fit``), and the
        standardization statistics are weighted too.

        Returns
        -------
        self
        """
        self._fit(X, y, incremental=False, sample_weight=sample_weight)
        return self

    @available_if(stochastic_solver)
    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> NetworkClassifier:
        """One epoch over X, y, continuing from the current weights and optimizer state.

        Parameters
        ----------
        X : array-like of shape (m, n[0])
        y : array-like of shape (m,) or (m, k)
        sample_weight : array-like of shape (m,), optional
        classes : array-like, optional
            All the classes; required on the first call (unless y is multilabel), since
            one batch need not show them all. Standardization statistics (and the encoding
            of a raw DataFrame) are taken from the first batch and kept.

        Returns
        -------
        self
        """
        first = not hasattr(self, "network_")
        if first and classes is None and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                f"{type(self).__name__}.partial_fit needs classes=... (all the class labels) "
                f"on the first call"
            )
        if (
            not first
            and classes is not None
            and not np.array_equal(np.unique(classes), self.classes_)
        ):
            raise ValueError(
                f"classes={list(classes)} differs from classes_ = {self.classes_.tolist()} "
                f"of the first partial_fit call"
            )
        self._fit(X, y, incremental=True, classes=classes, sample_weight=sample_weight)
        return self

    def predict_proba(self, X: Any) -> Array:
        """Probabilities for rows X (m, n[0]).

        Returns
        -------
        ndarray of shape (m, n_classes)
            Columns in the order of ``classes_`` (multilabel: one column per label).
        """
        AL = self._forward_rows(X)
        if not self._multiclass and not self._multilabel:
            # one sigmoid unit a = P(classes_[1]); scikit-learn wants both columns
            return np.column_stack([1.0 - AL[0], AL[0]])
        return np.ascontiguousarray(AL.T)

    def predict_log_proba(self, X: Any) -> Array:
        """log of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> Any:
        """Class labels for rows X (m, n[0]).

        Returns
        -------
        ndarray of shape (m,), or (m, k) 0/1 for a multilabel fit
        """
        AL = self._forward_rows(X)
        if self._multilabel:
            return (AL.T > 0.5).astype(np.int64)
        if self._multiclass:
            return self.classes_[AL.argmax(axis=0)]
        return self.classes_[(AL[0] > 0.5).astype(np.intp)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class NetworkRegressor(RegressorMixin, _BaseNetworkEstimator):
    """An L-layer network regressor with the scikit-learn API (examples are rows).

    A linear output layer of n[L] units trained on the notes' mean squared error, J = ½·mean
    (scikit-learn's ``squared_error`` for MLPs). y may be 1-D (m,) or 2-D (m, n_outputs);
    predictions have the shape of the y given to ``fit``. The targets are not rescaled:
    wrap the estimator in ``TransformedTargetRegressor`` for targets far from unit scale.

    Parameters
    ----------
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate, \
learning_rate_init, max_iter, shuffle, random_state, tol, verbose, warm_start, momentum, \
early_stopping, validation_fraction, beta_1, beta_2, epsilon, n_iter_no_change, max_fun, \
init, standardize, dtype, engine
        As for :class:`NetworkClassifier` (``early_stopping`` holds out a random, not
        stratified, ``validation_fraction``; ``validation_scores_`` are R²).

    Attributes
    ----------
    network_ : Network
    n_features_in_ : int
    feature_names_in_ : ndarray
    encoder_ : TableEncoder
        Only when X was a raw DataFrame.
    n_outputs_ : int
    out_activation_ : str
        "linear".
    loss_curve_, best_loss_, validation_scores_, best_validation_score_, n_iter_
        As for :class:`NetworkClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from layerwise.sklearn import NetworkRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, size=(200, 2))              # rows are examples: X (200, 2)
    >>> y = X[:, 0] ** 2 + X[:, 1]
    >>> reg = NetworkRegressor((32,), learning_rate_init=0.01, max_iter=300, random_state=0)
    >>> reg = reg.fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    def _output(self) -> str:
        return "linear"

    def _validate_targets(
        self, X: Any, y: Any, reset: bool, classes: Any = None, same_classes: bool = False
    ) -> tuple[Array, Array]:
        _check_rows(type(self).__name__, X, y)
        X, y = self._check_X_y(X, y, reset, y_numeric=True)
        n_out = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            self._y_2d = y.ndim == 2
            self.n_outputs_ = n_out
            self.out_activation_ = "linear"
        elif n_out != self.n_outputs_:
            raise ValueError(
                f"{type(self).__name__}: y has {n_out} outputs but the network has n[L] = "
                f"{self.n_outputs_}"
            )
        # Y in the notes' orientation (n[L], m)
        return X, np.asarray(y.reshape(y.shape[0], -1).T, dtype=self.dtype)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NetworkRegressor:
        """Train on rows X (m, n[0]) and targets y (m,) or (m, n_outputs).

        X is an array, a SciPy sparse matrix or a DataFrame (a raw one is encoded by
        ``encoder_``, see the module's docstring).

        ``sample_weight`` (m,) weights each example's loss: every batch's cost is its
        weighted mean, as in ``MLPRegressor`` (see ``Network.fit``), and the
        standardization statistics are weighted too.

        Returns
        -------
        self
        """
        self._fit(X, y, incremental=False, sample_weight=sample_weight)
        return self

    @available_if(stochastic_solver)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> NetworkRegressor:
        """One epoch over X, y (weighted by ``sample_weight`` (m,) when given), continuing
        from the current weights and optimizer state. Standardization statistics (and the
        encoding of a raw DataFrame) are taken from the first batch and kept.

        Returns
        -------
        self
        """
        self._fit(X, y, incremental=True, sample_weight=sample_weight)
        return self

    def predict(self, X: Any) -> Array:
        """Predicted values for rows X (m, n[0]).

        Returns
        -------
        ndarray of shape (m,) or (m, n_outputs)
            2-D when ``fit`` was given a 2-D y.
        """
        AL = self._forward_rows(X)
        return np.ascontiguousarray(AL.T) if self._y_2d else AL[0].copy()

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
