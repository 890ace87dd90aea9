"""Full-batch L-BFGS, the estimators' ``solver="lbfgs"``.

SciPy's L-BFGS-B minimizes the cost J(θ) of all m examples over the network's flat parameter
array θ (every W[l], then every b[l]); J and its gradient come from the same forward and back
propagation as every training step (:func:`layerwise.training.cost_and_gradient`), with L2
and sample weights as ``Network.fit`` applies them. This is scikit-learn's MLP ``lbfgs``
solver: same SciPy routine, same options (``maxiter``, ``maxfun``, ``gtol``). SciPy comes
with scikit-learn, so the ``sklearn`` extra brings it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._checks import is_sparse
from .._optional import require
from .._typing import Array
from ..training.batches import batch_weights
from ..training.step import cost_and_gradient

if TYPE_CHECKING:  # pragma: no cover
    from ..model.network import Network

__all__ = ["LbfgsResult", "fit_lbfgs", "minimize_lbfgs", "stochastic_solver"]


@dataclass
class LbfgsResult:
    """What the run did: the cost after each iteration, the iterations, and whether it met
    the tolerance (not when ``max_iter`` or ``max_fun`` ran out, or the line search failed)."""

    costs: list[float] = field(default_factory=list)
    n_iter: int = 0
    converged: bool = True
    message: str = ""


def minimize_lbfgs(
    net: Network,
    X: Array,
    Y: Array,
    *,
    sample_weight: Array | None = None,
    l2: float = 0.0,
    max_iter: int = 200,
    max_fun: int = 15000,
    tol: float = 1e-4,
    verbose: bool = False,
) -> LbfgsResult:
    """Minimize J over θ from the network's current parameters; leaves the minimizer in ``net``.

    Parameters
    ----------
    net : Network
    X : ndarray of shape (n[0], m)
    Y : ndarray of shape (n[L], m)
    sample_weight : ndarray of shape (1, m), optional
    l2 : float
        λ: J gains λ/(2m) Σ‖W[l]‖² (m = Σ w with sample weights).
    max_iter, max_fun : int
        At most this many iterations and evaluations of J.
    tol : float
        Stop when every component of the projected gradient is below it (SciPy's ``gtol``).
    verbose : bool
        Print the cost after every iteration.
    """
    minimize = require("scipy.optimize", "sklearn", "solver='lbfgs'").minimize
    # a sparse X stays sparse: layer 1 multiplies it in O(non-zeros)
    X = X if is_sparse(X) else np.ascontiguousarray(X)
    Y = np.ascontiguousarray(Y)
    weights = None if sample_weight is None else batch_weights(sample_weight)
    hard_labels = bool(np.all((Y == 0) | (Y == 1)))
    result = LbfgsResult()

    def cost_and_grad(theta: Array) -> tuple[float, Array]:
        net.parameters.set(theta)
        J, _ = cost_and_gradient(net, X, Y, weights, l2, hard_labels)
        return J, net.parameters.grad.astype(np.float64)  # a copy: SciPy keeps it

    def record(intermediate_result: Any) -> None:
        result.costs.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {len(result.costs)}, cost = {result.costs[-1]:.8f}")

    try:
        with np.errstate(over="ignore", invalid="ignore"):
            res = minimize(
                cost_and_grad,
                net.parameters.theta.astype(np.float64),
                method="L-BFGS-B",
                jac=True,
                callback=record,
                options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
            )
        net.parameters.set(res.x)
    finally:
        net.parameters.release_buffers()
    result.n_iter = int(res.nit)
    # status 0: the tolerance was met; 1: the iteration or evaluation budget ran out first;
    # 2: the line search failed (scikit-learn warns on anything but 0, and so do we)
    result.converged = res.status == 0
    result.message = str(res.message)
    return result


def fit_lbfgs(estimator: Any, A0: Array, Y: Array, weights: Array | None) -> Any:
    """An estimator's ``fit`` with ``solver="lbfgs"``: all the examples at once, from the
    weights of ``estimator.network_`` (``early_stopping`` and the stochastic solvers'
    parameters do not apply, as in scikit-learn). Records ``loss_curve_`` (the cost after
    each iteration), ``n_iter_`` and ``best_loss_``; warns when it stopped unconverged."""
    from sklearn.exceptions import ConvergenceWarning

    result = minimize_lbfgs(
        estimator.network_,
        A0,
        Y,
        sample_weight=weights,
        l2=float(estimator.alpha),
        max_iter=int(estimator.max_iter),
        max_fun=int(estimator.max_fun),
        tol=float(estimator.tol),
        verbose=bool(estimator.verbose),
    )
    estimator.loss_curve_.extend(result.costs)
    estimator.n_iter_ += result.n_iter
    curve = estimator.loss_curve_
    estimator.best_loss_ = float(min(curve)) if curve else np.inf
    if not result.converged:
        warnings.warn(
            f"{type(estimator).__name__}: lbfgs stopped before converging ({result.message}); "
            f"raise max_iter (or max_fun) or scale the features",
            ConvergenceWarning,
            stacklevel=5,  # the caller of fit
        )
    return estimator


def stochastic_solver(estimator: Any) -> bool:
    """``partial_fit`` exists for the stochastic solvers only (scikit-learn's rule)."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for the stochastic solvers; solver='lbfgs' trains "
            "on all the examples at once"
        )
    return True
