"""``Network.fit``'s options: listed once, checked at the door, turned into a training
configuration.

:class:`FitOptions` is the one list of what ``fit`` takes besides X and Y: its fields, their
defaults and their order are ``Network.fit``'s keyword parameters (a test holds the signature
to them), so a new option is a field here, a parameter there, and its use in
:meth:`FitOptions.configure`. Everything here runs once per ``fit``, before the first epoch: the
hyperparameters are validated with messages that name what was given, the validation set is
split off or checked, and early stopping and printing become callbacks like any other.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _checks
from .._typing import Array
from .callbacks import EarlyStopping, PrintCost
from .optimizers import OptimizerLike, ScheduleLike, get_optimizer, get_schedule
from .step import TrainConfig, callbacks_from

if TYPE_CHECKING:  # pragma: no cover
    from .trainable import Trainable

__all__ = ["ENGINES", "FitOptions", "check_engine", "keep_probabilities", "print_interval"]


@dataclass
class FitOptions:
    """What ``Network.fit`` was given besides X and Y, as given (see ``Network.fit`` for the
    meaning of each)."""

    epochs: int = 100
    learning_rate: float = 0.01
    batch_size: int | None = None
    shuffle: bool = True
    optimizer: OptimizerLike = "gd"
    lr_schedule: ScheduleLike = None
    l2: float = 0.0
    dropout: float | Sequence[float] | None = None
    validation_data: tuple[Any, ...] | None = None
    validation_split: float | None = None
    sample_weight: Array | None = None
    early_stopping: bool | int = False
    min_delta: float = 0.0
    restore_best: bool = True
    callbacks: Sequence[Any] | None = None
    verbose: bool | int = False
    print_every: int | None = None
    engine: str = "numpy"

    def configure(self, net: Trainable, X: Array, Y: Array) -> tuple[Array, Array, TrainConfig]:
        """Check the options against ``net``; returns the training X (n[0], m), Y (n[L], m)
        (without the examples held out by ``validation_split``) and the configuration."""
        X = net.check_X(X)
        Y = net.check_Y(Y, X.shape[1])
        weights = None
        if self.sample_weight is not None:
            weights = _checks.check_sample_weight(self.sample_weight, X.shape[1], net.dtype)
        epochs = _checks.check_positive("epochs", self.epochs, integer=True)
        alpha = _checks.check_positive("learning_rate", self.learning_rate)
        batch_size = self.batch_size
        if batch_size is not None:
            batch_size = _checks.check_positive("batch_size", batch_size, integer=True)
        l2 = self.l2
        if (
            isinstance(l2, bool)
            or not isinstance(l2, (int, float))
            or not l2 >= 0
            or not np.isfinite(l2)
        ):
            raise ValueError(f"l2 (λ) must be a number >= 0; Received: l2={l2!r}")
        cbs = callbacks_from(self.callbacks)
        engine = check_engine(self.engine)
        run_epochs = None  # the numpy engine's loop, in training
        if engine == "jax":
            # before anything is drawn from the network's generator: a missing JAX or an
            # unsupported option leaves the network as it was
            from .engines.jax import check_supported, train_epochs

            check_supported(net, self.optimizer)
            if _checks.is_sparse(X):
                raise ValueError(
                    "engine='jax' takes a dense X; a sparse X trains with engine='numpy' "
                    "(one sparse batch at a time), or pass X.toarray() if it fits in memory"
                )
            run_epochs = train_epochs

        validation = None
        validation_data, validation_split = self.validation_data, self.validation_split
        if validation_data is not None and validation_split is not None:
            raise ValueError("give validation_data or validation_split, not both")
        if validation_split is not None:
            X, Y, weights, validation = _split(X, Y, weights, validation_split, net.rng)
            held_out = validation[2] if len(validation) == 3 else None
            for part, part_weights in (("left for training", weights), ("held out", held_out)):
                if part_weights is not None and not np.any(part_weights):
                    raise ValueError(
                        f"every example {part} by validation_split has sample_weight 0; both "
                        f"the training and the validation examples need a positive weight"
                    )
        elif validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise TypeError(
                    "validation_data must be a pair (X_val, Y_val) or a triple "
                    "(X_val, Y_val, sample_weight_val)"
                )
            X_val = _checks.check_X(validation_data[0], net.layer_dims[0], net.dtype, "X_val")
            validation = (X_val, net.check_Y(validation_data[1], X_val.shape[1]))
            if len(validation_data) == 3 and validation_data[2] is not None:
                w_val = _checks.check_sample_weight(
                    validation_data[2], X_val.shape[1], net.dtype, "sample_weight_val"
                )
                validation = (*validation, w_val)

        min_delta = self.min_delta
        if not _checks.is_real(min_delta) or not 0 <= min_delta < math.inf:
            raise ValueError(
                f"min_delta (the smallest gain in the validation cost that counts as an "
                f"improvement) must be a finite number >= 0; Received: min_delta={min_delta!r}"
            )
        if self.early_stopping:
            patience = 10 if self.early_stopping is True else int(self.early_stopping)
            if validation is None:
                raise ValueError(
                    "early_stopping monitors the validation cost: pass validation_data or "
                    "validation_split as well"
                )
            cbs.append(
                EarlyStopping(
                    patience=patience, min_delta=self.min_delta, restore_best=self.restore_best
                )
            )
        every = print_interval(self.verbose, self.print_every, epochs)
        if every is not None:
            cbs.insert(0, PrintCost(every))

        optimizer = get_optimizer(self.optimizer)
        _check_training_memory(net, X, batch_size, optimizer.n_slots)
        config = TrainConfig(
            epochs=epochs,
            learning_rate=alpha,
            batch_size=batch_size,
            shuffle=bool(self.shuffle),
            optimizer=optimizer,
            schedule=get_schedule(self.lr_schedule),
            l2=float(l2),
            callbacks=cbs,
            validation=validation,
            sample_weight=weights,
            engine=engine,
            run_epochs=run_epochs,
        )
        return X, Y, config


def _check_training_memory(net: Trainable, X: Array, batch_size: int | None, slots: int) -> None:
    """MemoryError with the bytes training needs, when that is more than there is: each
    layer's four (n[l], b) buffers (Z, A, dZ, dA), the optimizer's state, and the copy of X
    as rows that mini-batches are cut from."""
    m = X.shape[1]
    b = m if batch_size is None else min(batch_size, m)
    itemsize = net.dtype.itemsize
    buffers = 4 * b * sum(net.layer_dims[1:]) * itemsize
    state = slots * net.n_params * itemsize
    # a sparse X is not copied: its batches are cut from X's own arrays, read as rows (CSR)
    rows = X.nbytes if b < m and not _checks.is_sparse(X) else 0
    _checks.check_memory(
        buffers + state + rows, f"training n = {net.layer_dims} on batches of {b} examples"
    )


#: the training engines ``fit`` runs on
ENGINES = ("numpy", "jax")


def print_interval(verbose: bool | int, print_every: int | None, epochs: int) -> int | None:
    """Every how many epochs ``fit`` prints the cost, or None when it prints nothing.

    ``verbose=True`` prints about ten lines (every ⌈epochs/10⌉ epochs) unless ``print_every``
    says otherwise; ``verbose=N`` prints every N epochs; False or 0 prints nothing.

    Examples
    --------
    >>> print_interval(True, None, 10_000), print_interval(True, 3, 100)
    (1000, 3)
    >>> print_interval(250, None, 10)
    250
    >>> print_interval(False, None, 100) is None
    True
    """
    if isinstance(verbose, np.bool_):
        verbose = bool(verbose)
    if verbose is None or verbose is False:
        return None
    if verbose is True:
        if print_every is None:
            return max(1, -(-epochs // 10))
        return _checks.check_positive("print_every", print_every, integer=True)
    if not isinstance(verbose, numbers.Integral) or verbose < 0:
        raise ValueError(
            f"verbose must be True, False or a number of epochs N >= 1 (print every N); "
            f"Received: verbose={verbose!r}"
        )
    if verbose == 0:
        return None
    if print_every is not None and print_every != verbose:
        raise ValueError(
            f"verbose={verbose} already says to print every {verbose} epochs; give "
            f"print_every={print_every} with verbose=True instead, or leave it out"
        )
    return int(verbose)


def check_engine(engine: Any) -> str:
    """``"numpy"`` or ``"jax"``; anything else is an error naming the choices."""
    if not isinstance(engine, str) or engine.strip().lower() not in ENGINES:
        raise ValueError(
            f"engine must be one of {', '.join(repr(e) for e in ENGINES)}; "
            f"Received: engine={engine!r}"
        )
    return engine.strip().lower()


def _split(
    X: Array, Y: Array, weights: Array | None, fraction: float, rng: np.random.Generator
) -> tuple[Array, Array, Array | None, tuple[Array, ...]]:
    """Hold out round(fraction · m) examples, drawn at random, for validation (their weights
    go with them)."""
    if not _checks.is_real(fraction) or not 0 < fraction < 1:
        raise ValueError(
            f"validation_split must be a fraction in (0, 1); "
            f"Received: validation_split={fraction!r}"
        )
    m = X.shape[1]
    n_val = round(m * fraction)
    if n_val < 1 or n_val >= m:
        raise ValueError(
            f"validation_split={fraction} of m = {m} examples leaves "
            f"{m - n_val} for training and {n_val} for validation; both need at least one"
        )
    order = rng.permutation(m)
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    if weights is None:
        return X[:, train], Y[:, train], None, (X[:, val], Y[:, val])
    held_out = (X[:, val], Y[:, val], weights[:, val])
    return X[:, train], Y[:, train], weights[:, train], held_out


def keep_probabilities(dropout: float | Sequence[float] | None, n_hidden: int) -> list[float]:
    """One keep probability of inverted dropout per hidden layer (1.0 = no dropout).

    Every keep probability given is checked, also where no layer would use it (a network
    without hidden layers): a value that makes no sense is a mistake either way.
    """
    if dropout is None:
        return [1.0] * n_hidden
    if _checks.is_real(dropout):
        given = [dropout]
    elif isinstance(dropout, Sequence) and not isinstance(dropout, str):
        given = list(dropout)
    else:
        raise TypeError(
            f"dropout must be a keep probability or a list of them; Received: {dropout!r}"
        )
    for k in given:
        if not _checks.is_real(k) or not 0.0 < k <= 1.0:
            raise ValueError(
                f"dropout is the keep probability of each hidden unit, in (0, 1]; Received: {k!r}"
            )
    if _checks.is_real(dropout):
        return [float(dropout)] * n_hidden
    if len(given) != n_hidden:
        raise ValueError(
            f"dropout gives {len(given)} keep probabilities but the network has "
            f"{n_hidden} hidden layers; give one per hidden layer or one for all"
        )
    return [float(k) for k in given]
