"""The graded functions of weeks 3 and 4: write them, and check them against the notes.

Each exercise is a function of the course's assignments ("Planar data classification with
one hidden layer", "Building your Deep Neural Network: Step by Step"), with the course's
signature. :func:`check` runs a learner's function on the course's test cases and on fresh
random ones, compares every output with the reference (type, shape, dtype, values to 1e-7,
and that the inputs were left alone), and says in the notes' notation what is wrong, with a
hint where the mistake is a known one (a missing 1/m, a sum without ``keepdims=True``,
g'(Z[l+1]) for g'(Z[l]) as in the notes' slip, W not transposed, weights started at zeros,
the cost's sign ...). It never raises.

=============================  ====  ===================================================
exercise                       week  signature
=============================  ====  ===================================================
sigmoid                        3     sigmoid(Z) -> A
sigmoid_derivative             3     sigmoid_derivative(Z) -> g'(Z) = a(1 − a)
tanh_derivative                3     tanh_derivative(Z) -> g'(Z) = 1 − a²
relu                           3     relu(Z) -> A
relu_derivative                3     relu_derivative(Z) -> g'(Z), 1 for z ≥ 0
initialize_parameters          3     initialize_parameters(n_x, n_h, n_y) -> parameters
forward_propagation            3     forward_propagation(X, parameters) -> A2, cache
compute_cost                   3, 4  compute_cost(AL, Y) -> J
backward_propagation           3     backward_propagation(parameters, cache, X, Y) -> grads
update_parameters              3, 4  update_parameters(parameters, grads, learning_rate)
initialize_parameters_deep     4     initialize_parameters_deep(layer_dims) -> parameters
linear_forward                 4     linear_forward(A, W, b) -> Z, cache
linear_activation_forward      4     linear_activation_forward(A_prev, W, b, activation)
L_model_forward                4     L_model_forward(X, parameters) -> AL, caches
linear_backward                4     linear_backward(dZ, cache) -> dA_prev, dW, db
linear_activation_backward     4     linear_activation_backward(dA, cache, activation)
L_model_backward               4     L_model_backward(AL, Y, caches) -> grads
=============================  ====  ===================================================

The caches are the course's: ``linear_cache = (A_prev, W, b)``, and per layer
``cache = (linear_cache, Z)``. The initializations draw from ``np.random`` as the course's
do; the check seeds it for each case (``np.random.seed(2)`` for the planar assignment's,
``3`` for ``initialize_parameters_deep([5, 4, 3])``) and puts its state back afterwards, so
do not seed inside the function. :func:`solution` gives the reference, written with
layerwise's own functions (``lw.linear_backward``, ``lw.get_activation`` ...), the ones
training runs.

Examples
--------
>>> import numpy as np
>>> from layerwise import exercises
>>> exercises.names()[:3]
['sigmoid', 'sigmoid_derivative', 'tanh_derivative']
>>> def linear_backward(dZ, cache):
...     A_prev, W, b = cache
...     m = A_prev.shape[1]
...     dW = np.dot(dZ, A_prev.T) / m
...     db = np.sum(dZ, axis=1) / m            # keepdims=True forgotten
...     return np.dot(W.T, dZ), dW, db
>>> r = exercises.check("linear_backward", linear_backward)
>>> r.passed
False
>>> "keepdims=True" in str(r)
True
>>> exercises.check("linear_backward", exercises.solution("linear_backward")).passed
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._grading import CaseReport, CheckResult, run_case
from ._registry import EXERCISES, Exercise

__all__ = ["CaseReport", "CheckResult", "check", "names", "solution"]


def names(week: int | None = None) -> list[str]:
    """The exercises' names, in the notes' order (week 3's, then week 4's).

    Parameters
    ----------
    week : {3, 4}, optional
        Only that week's exercises, in the order of its notebook (``compute_cost`` and
        ``update_parameters`` belong to both: listed once, in week 3, and again, in their
        places, under ``week=4``).
    """
    if week is None:
        return list(EXERCISES)
    if week not in (3, 4):
        raise ValueError(f"week must be 3 or 4 (or None for all); Received: week={week!r}")
    own = [n for n, e in EXERCISES.items() if e.week == week]
    if week == 3:
        return own
    # week 4 takes the cost after its forward pass and the update at the end, as in week 3
    forward = own.index("L_model_forward") + 1
    return [*own[:forward], "compute_cost", *own[forward:], "update_parameters"]


def _exercise(name: Any) -> Exercise:
    if isinstance(name, str):
        for key in EXERCISES:
            if key.lower() == name.strip().lower():
                return EXERCISES[key]
    raise ValueError(
        f"unknown exercise {name!r}; expected one of: {', '.join(EXERCISES)}. "
        f"Received: name={name!r}"
    )


def solution(name: str) -> Callable[..., Any]:
    """The reference function of exercise ``name``, for teachers: written with layerwise's
    own functions; ``inspect.getsource(solution(name))`` shows it.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the names).
    """
    return _exercise(name).reference


def check(name: str, function: Callable[..., Any]) -> CheckResult:
    """Check a learner's ``function`` for exercise ``name``; never raises.

    Runs the course's test cases, then fresh random ones, and compares each output with the
    reference's: its type, shape and dtype, its values to 1e-7 (|given − expected| ≤
    1e-7 (1 + |expected|)), and that the function left its inputs as they were. An exception
    in ``function`` is reported with the line that raised it.

    Parameters
    ----------
    name : str
        One of :func:`names` (case is ignored).
    function : callable
        The learner's function, with the exercise's signature (see the module's table).

    Returns
    -------
    CheckResult
        ``.passed`` (bool); ``str(result)`` says what was wrong and the hints; in a notebook
        it shows itself as HTML.
    """
    try:
        exercise = _exercise(name)
    except ValueError as exc:
        return CheckResult(str(name), False, [CaseReport("the name", [str(exc)])], [])
    if not callable(function):
        problem = f"expected a function, given {type(function).__name__}: {function!r}"
        return CheckResult(exercise.name, False, [CaseReport("the argument", [problem])], [])
    params = list(inspect.signature(exercise.reference).parameters)
    reports = [
        run_case(
            case,
            function,
            exercise.reference,
            exercise.outputs,
            exercise.mistakes,
            params,
            exercise.may_modify,
            exercise.draws,
        )
        for case in exercise.cases()
    ]
    hints: list[str] = []
    for report in reports:
        hints.extend(h for h in report.hints if h not in hints)
    passed = not any(r.problems for r in reports)
    return CheckResult(exercise.name, passed, reports, hints)
