"""The exercises' public functions: :func:`names`, :func:`solution` and :func:`check`
(re-exported by :mod:`layerwise.exercises`, whose docstring tells how they are used)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._grading import CaseReport, CheckResult, run_case
from ._registry import EXERCISES, Exercise

__all__ = ["check", "names", "solution"]


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
