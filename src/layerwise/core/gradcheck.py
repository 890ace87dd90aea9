"""The gradient check: back propagation against central differences.

(J(θ + ε) − J(θ − ε)) / 2ε approximates dJ/dθ for every parameter θ; the relative difference
‖grad_approx − grad‖ / (‖grad_approx‖ + ‖grad‖) below 1e-7 means back propagation is right.

Examples
--------
>>> import numpy as np
>>> import layerwise as lw
>>> X, Y = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]), np.array([[1.0, 0.0, 1.0]])
>>> params = lw.init_params([2, 4, 1], init="xavier", seed=1)
>>> lw.gradient_check(X, Y, params, ["tanh", "sigmoid"]) < 1e-7
True

A learner's own back propagation, a function with :func:`~layerwise.backward`'s signature,
is checked the same way; the report names the worst gradient:

>>> def my_backward(AL, Y, caches):
...     grads = lw.backward(AL, Y, caches)
...     grads["db1"] = grads["db1"] * 2.0  # a deliberate mistake
...     return grads
>>> r = lw.gradient_check(X, Y, params, ["tanh", "sigmoid"], backward=my_backward, report=True)
>>> r.worst
'db1'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _checks
from .._typing import Array
from ._propagation_args import params_and_activations
from .activations import ActivationLike
from .losses import LossLike, get_loss, loss_for_activation
from .propagation import backward as _backward
from .propagation import compute_cost, forward

__all__ = ["GradientCheckResult", "gradient_check"]


@dataclass
class GradientCheckResult:
    """Outcome of :func:`gradient_check` with ``report=True``.

    Attributes
    ----------
    difference : float
        ‖grad_approx − grad‖ / (‖grad_approx‖ + ‖grad‖) over all parameters.
    worst : str
        The gradient with the largest relative difference, e.g. ``"dW2"``.
    per_parameter : dict
        The same relative difference for each gradient on its own.
    checked : int
        How many parameters were perturbed (all of them unless ``sample`` was given).
    total : int
        How many parameters the network has.
    """

    difference: float
    worst: str
    per_parameter: dict[str, float] = field(default_factory=dict)
    checked: int = 0
    total: int = 0

    def __float__(self) -> float:
        return self.difference

    @property
    def worst_difference(self) -> float:
        """The relative difference of :attr:`worst` on its own."""
        return self.per_parameter.get(self.worst, self.difference)

    @property
    def passed(self) -> bool:
        """True when the overall relative difference is below 1e-7."""
        return self.difference < 1e-7

    def __str__(self) -> str:
        verdict = "back propagation is right" if self.passed else "back propagation is wrong"
        return (
            f"relative difference {self.difference:.2e} ({verdict}: below 1e-7 when right); "
            f"worst gradient {self.worst}: {self.worst_difference:.2e}"
        )


def _relative_difference(approx: Array, exact: Array) -> float:
    num = float(np.linalg.norm(approx - exact))
    den = float(np.linalg.norm(approx) + np.linalg.norm(exact))
    return 0.0 if den == 0.0 else num / den


def gradient_check(
    X: Array,
    Y: Array,
    params: Mapping[str, Array],
    activations: Sequence[ActivationLike],
    loss: LossLike | None = None,
    epsilon: float = 1e-7,
    report: bool = False,
    *,
    l2: float = 0.0,
    dropout_masks: Mapping[int, Array] | None = None,
    sample: int | None = None,
    seed: int | None = 0,
    backward: Callable[..., Mapping[str, Array]] | None = None,
) -> Any:
    """Compare back propagation with central differences (J(θ + ε) − J(θ − ε)) / 2ε.

    Runs in float64 on a copy of ``params``. Below 1e-7 means back propagation is right.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    Y : ndarray of shape (n[L], m)
    params : dict
        ``W{l}``, ``b{l}``; not modified.
    activations : list
        g[1], ..., g[L].
    loss : str or Loss, optional
        Follows the output activation when not given.
    epsilon : float
    report : bool
        False returns the overall relative difference (a float); True returns a
        :class:`GradientCheckResult` that also names the worst gradient.
    l2 : float
        λ of L2 regularization, in both the cost and the gradients.
    dropout_masks : dict, optional
        Fixed inverted-dropout masks {l: D[l] / keep_prob} (see :func:`forward`).
    sample : int, optional
        Check about this many parameters, drawn at random, instead of all of them: each
        costs two forward passes, so a network of millions of parameters is checked on a
        sample. Every gradient gets its share (at least one of its entries); the
        differences are taken over the entries checked.
    seed : int or None
        Seed of the random draw when ``sample`` is given.
    backward : callable, optional
        The back propagation to check, with :func:`~layerwise.backward`'s signature
        ``backward(AL, Y, caches[, loss]) -> grads`` (``loss`` is passed when the function
        takes a fourth argument): a learner's own. It receives A[L] (n[L], m), Y and the
        list of :class:`~layerwise.LayerCache` of :func:`~layerwise.forward`, and must
        return ``dW{l}``, ``db{l}`` shaped like W[l], b[l]. Its gradients are compared with
        the central differences of the cost (with ``l2``, the cost holds the L2 term, so
        the learner's dW[l] must hold λ/m W[l]). By default layerwise's own
        :func:`~layerwise.backward`.

    Returns
    -------
    float or GradientCheckResult
    """
    eps = _checks.check_positive("epsilon", epsilon)
    if sample is not None and (
        isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 1
    ):
        raise ValueError(f"sample must be a positive integer or None; Received: sample={sample!r}")
    dims, _, _, acts = params_and_activations(params, activations)
    loss_ = loss_for_activation(acts[-1].name) if loss is None else get_loss(loss)
    theta = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    X64 = _checks.check_X(X, dims[0], dtype=np.dtype("float64"))
    Y64 = _checks.check_Y(Y, dims[-1], X64.shape[1], dtype=np.dtype("float64"))
    loss_.check_targets(Y64)

    AL, caches = forward(X64, theta, acts, dropout_masks)
    if backward is None:
        grads = _backward(AL, Y64, caches, loss_, l2=l2)
    else:
        grads = _own_gradients(backward, AL, Y64, caches, loss_, theta)

    def cost() -> float:
        AL = forward(X64, theta, acts, dropout_masks)[0]
        return compute_cost(AL, Y64, loss_, l2=l2, params=theta)

    chosen = _chosen_entries(theta, sample, seed)
    approx = _central_differences(cost, theta, chosen, eps)
    exact = {"d" + key: grads["d" + key].reshape(-1)[where] for key, where in chosen.items()}

    names = ["d" + key for key in theta]
    total = _relative_difference(
        np.concatenate([approx[k] for k in names]), np.concatenate([exact[k] for k in names])
    )
    if not report:
        return total
    per = {k: _relative_difference(approx[k], exact[k]) for k in names}
    checked = sum(w.size for w in chosen.values())
    size = sum(v.size for v in theta.values())
    return GradientCheckResult(total, max(per, key=per.__getitem__), per, checked, size)


def _central_differences(
    cost: Callable[[], float], theta: Mapping[str, Array], chosen: Mapping[str, Array], eps: float
) -> dict[str, Array]:
    """(J(θ + ε) − J(θ − ε)) / 2ε for the ``chosen`` flat entries of each parameter, θ
    perturbed in place (and put back) between calls of ``cost``."""
    approx: dict[str, Array] = {}
    for key, value in theta.items():
        flat, where = value.reshape(-1), chosen[key]
        g = np.empty(where.size)
        for j, i in enumerate(where):
            saved = flat[i]
            flat[i] = saved + eps
            plus = cost()
            flat[i] = saved - eps
            minus = cost()
            flat[i] = saved
            g[j] = (plus - minus) / (2.0 * eps)
        approx["d" + key] = g
    return approx


def _own_gradients(
    backward: Callable[..., Any],
    AL: Array,
    Y: Array,
    caches: list,
    loss: LossLike,
    theta: Mapping[str, Array],
) -> dict[str, Array]:
    """A learner's ``backward(AL, Y, caches[, loss])``, its grads checked: a dict holding
    dW[l] and db[l] with the shapes of W[l] and b[l]."""
    if not callable(backward):
        raise TypeError(
            f"backward must be a function backward(AL, Y, caches[, loss]) -> grads; "
            f"Received: backward={backward!r}"
        )
    try:
        takes_loss = len(inspect.signature(backward).parameters) >= 4
    except (TypeError, ValueError):  # a builtin without a signature
        takes_loss = False
    grads = backward(AL, Y, caches, loss) if takes_loss else backward(AL, Y, caches)
    if not isinstance(grads, Mapping):
        raise TypeError(
            f"backward must return a dict {{'dW1': ..., 'db1': ..., ...}}; "
            f"Received: {type(grads).__name__}"
        )
    out: dict[str, Array] = {}
    for key, value in theta.items():
        gkey = "d" + key
        if gkey not in grads:
            raise ValueError(
                f"the grads of backward have no {gkey!r}; expected keys "
                f"{sorted('d' + k for k in theta)}, Received keys {sorted(grads)}"
            )
        g = np.asarray(grads[gkey], dtype=np.float64)
        if g.shape != value.shape:
            hint = (
                " (np.sum(..., axis=1, keepdims=True) keeps the column shape)"
                if key.startswith("b") and g.shape == value.shape[:1]
                else ""
            )
            raise ValueError(
                f"{gkey} from backward has shape {g.shape} but {key} has shape {value.shape}: "
                f"d{key[0]}[l] must have the shape of {key[0]}[l]{hint}"
            )
        out[gkey] = g
    return out


def _chosen_entries(theta: Mapping[str, Array], sample: int | None, seed: int | None) -> dict:
    """The flat indices to check in each parameter: all of them, or for a ``sample`` a share of
    each parameter proportional to its size (at least one entry), drawn without replacement."""
    if sample is None or sample >= sum(v.size for v in theta.values()):
        return {key: np.arange(v.size) for key, v in theta.items()}
    rng = np.random.default_rng(seed)
    size = sum(v.size for v in theta.values())
    chosen = {}
    for key, v in theta.items():
        k = min(v.size, max(1, round(sample * v.size / size)))
        chosen[key] = np.sort(rng.choice(v.size, size=k, replace=False))
    return chosen
