"""The checker: a learner's function against the reference on each case, entry by entry.

Outputs are compared as trees (tuples, lists, dicts, arrays, numbers) whose entries carry the
notes' names (dW, db, dA_prev, the cache's Z ...): type, shape, dtype and values (to 1e-7).
A wrong entry is compared with the same entry of every known mistake (see ``_mistakes``);
one that matches gets the mistake's hint. The inputs are compared before and after the call.
Nothing the learner's code does makes the checker raise.
"""

from __future__ import annotations

import contextlib
import copy
import html
import os
import re
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._cases import Case

TOLERANCE = 1e-7
_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the package
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))


@dataclass(frozen=True)
class Layers:
    """Names an output that is a list with one entry per layer (the caches), each named by
    ``names``."""

    names: Any


@dataclass
class CaseReport:
    """What went wrong in one case (empty ``problems``: it passed)."""

    label: str
    problems: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)


@dataclass
class CheckResult:
    """The outcome of :func:`layerwise.exercises.check`.

    Attributes
    ----------
    name : str
        The exercise.
    passed : bool
        True when every case gave the reference's outputs and left its inputs alone.
    cases : list of CaseReport
        One per case run, the course's first.
    hints : list of str
        The known mistakes recognised, each once.
    """

    name: str
    passed: bool
    cases: list[CaseReport]
    hints: list[str]

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        n = len(self.cases)
        failed = [c for c in self.cases if c.problems]
        if not failed:
            return f"{self.name}: all {n} test cases passed."
        lines = [f"{self.name}: {len(failed)} of {n} test cases failed."]
        # the first failure, and another that says something else (one with a hint first)
        first = failed[0]
        others = [c for c in failed[1:] if _said(c) != _said(first)]
        shown = [first, *sorted(others, key=lambda c: not c.hints)[:1]]
        for case in shown:
            lines.append(f"In {case.label}:")
            lines.extend(f"  - {p}" for p in case.problems[:6])
        rest = len(failed) - len(shown)
        if rest and not others:
            lines.append(f"(and the {rest} other cases the same way)")
        elif rest:
            lines.append(f"({rest} more failed, the same way or another)")
        lines.extend(f"Hint: {h}" for h in self.hints)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#cf222e"
        mark = "✔" if self.passed else "✘"
        return (
            f'<div style="border-left:4px solid {color};padding:0 8px">'
            f'<b style="color:{color}">{mark} {html.escape(self.name)}</b>'
            f'<pre style="white-space:pre-wrap">{html.escape(str(self))}</pre></div>'
        )


def _said(case: CaseReport) -> list[str]:
    """A case's problems without their numbers (shapes and values vary from case to case)."""
    return [re.sub(r"-?\d[\d.e+-]*", "#", p) for p in case.problems]


# --------------------------------------------------------------------------- running


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """The global np.random seeded for the call, and restored after it: the course's
    initializations draw from it (``None``: left alone)."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def call(function: Callable, args: tuple, seed: int | None) -> tuple[Any, BaseException | None]:
    """``function(*args)``; an exception is returned, not raised."""
    try:
        with seeded(seed):
            return function(*args), None
    except Exception as exc:  # the learner's code may raise anything
        return None, exc


def describe_exception(exc: BaseException, function: Callable, signature: str = "") -> str:
    """'ValueError at line 5: `dW = ...`: shapes ... not aligned', the line being the
    learner's own (the deepest frame outside NumPy and layerwise)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = getattr(getattr(function, "__code__", None), "co_filename", None)
    theirs = [f for f in frames if f.filename == own] or [
        f
        for f in frames
        if not os.path.abspath(f.filename).startswith((_HERE, _NUMPY))
        and "contextlib" not in f.filename
    ]
    where = ""
    if theirs:
        frame = theirs[-1]
        where = f" at line {frame.lineno}" + (f": `{frame.line.strip()}`" if frame.line else "")
    text = f"your function raised {type(exc).__name__}{where}" + (f": {exc}" if str(exc) else "")
    if not theirs and isinstance(exc, TypeError) and signature:
        text += f" (the exercise's signature is {signature})"
    elif isinstance(exc, NotImplementedError):
        text += " (not written yet: replace the `raise NotImplementedError` with your code)"
    elif "not aligned" in str(exc) or "broadcast" in str(exc) or "matmul" in str(exc):
        text += (
            " (check the notes' dimensions: W[l] is (n[l], n[l-1]), A[l-1] (n[l-1], m), "
            "dZ[l] (n[l], m); a product (a, b)·(b, c) needs the inner sizes to agree)"
        )
    return text


# --------------------------------------------------------------------------- comparing


def compare(expected: Any, given: Any, label: str, names: Any, out: dict[str, str]) -> None:
    """Put in ``out`` {entry: problem} for every entry of ``given`` that is not ``expected``."""
    if isinstance(names, Layers):
        if not isinstance(given, (list, tuple)) or len(given) != len(expected):
            out[label] = _structure(given, f"a list of {len(expected)}, one per layer")
            return
        for l, (e, g) in enumerate(zip(expected, given), start=1):
            compare(e, g, f"{label} of layer {l}", names.names, out)
    elif isinstance(names, tuple):
        if not isinstance(given, (tuple, list)) or len(given) != len(expected):
            out[label] = _structure(given, f"a tuple of {len(expected)}: {_outline(names)}")
            return
        for i, (e, g) in enumerate(zip(expected, given)):
            sub = names[i] if i < len(names) else f"[{i}]"
            sub_label, sub_names = (sub, sub) if isinstance(sub, str) else sub
            compare(e, g, _join(label, sub_label), sub_names, out)
    elif isinstance(expected, Mapping):
        if not isinstance(given, Mapping):
            out[label] = _structure(given, f"a dict with the keys {sorted(expected)}")
            return
        # dA[l-1] of the course's grads may be left out (dA[0] trains nothing)
        missing = [k for k in expected if k not in given and not str(k).startswith("dA")]
        if missing:
            out[label] = f"{label or 'the dict returned'} has no {', '.join(map(repr, missing))}"
        for key in expected:
            if key in given:
                compare(expected[key], given[key], _join(label, key), names, out)
    else:
        problem = compare_leaf(expected, given, label)
        if problem:
            out[label] = problem


def compare_leaf(expected: Any, given: Any, label: str) -> str | None:
    """The problem with one entry (an array or a number), or None."""
    if given is None:
        return f"{label}: expected a value, given None (a missing `return`?)"
    if isinstance(expected, (str, bool, int)) and not isinstance(expected, np.integer):
        return None if given == expected else f"{label}: expected {expected!r}, given {given!r}"
    if isinstance(expected, np.ndarray):
        if not isinstance(given, np.ndarray):
            return f"{label}: expected an ndarray, given {type(given).__name__}"
        if given.shape != expected.shape:
            return f"{label}: expected shape {expected.shape}, given shape {given.shape}"
        if given.dtype != expected.dtype:
            hint = ", e.g. (Z >= 0).astype(float)" if given.dtype == bool else ""
            return f"{label}: expected dtype {expected.dtype}, given dtype {given.dtype}{hint}"
        return _values(expected, given, label)
    if isinstance(given, np.ndarray) and given.ndim > 0:
        return (
            f"{label}: expected a number, given an array of shape {given.shape} "
            f"(np.squeeze(cost) or float(cost) turns [[J]] into J)"
        )
    try:
        g = float(given)
    except (TypeError, ValueError):
        return f"{label}: expected a number, given {type(given).__name__}"
    return _values(np.asarray(float(expected)), np.asarray(g), label)


def same(expected: Any, given: Any) -> bool:
    """True when ``given`` is ``expected`` entry for entry (shapes, dtypes, values)."""
    out: dict[str, str] = {}
    compare(expected, given, "", _free_names(expected), out)
    return not out


def _free_names(value: Any) -> Any:
    if isinstance(value, list) and value:
        return Layers(_free_names(value[0]))
    if isinstance(value, tuple):
        return tuple((f"[{i}]", _free_names(v)) for i, v in enumerate(value))
    return ""


def entry(value: Any, label: str, names: Any) -> Any:
    """The entry ``label`` of an output (as :func:`compare` names them), or a sentinel."""
    found: dict[str, Any] = {}
    _collect(value, names if isinstance(names, str) else "", names, found)
    return found.get(label, _MISSING)


_MISSING = object()


def _collect(value: Any, label: str, names: Any, found: dict[str, Any]) -> None:
    if isinstance(names, Layers) and isinstance(value, (tuple, list)):
        for l, v in enumerate(value, start=1):
            _collect(v, f"{label} of layer {l}", names.names, found)
    elif isinstance(names, tuple) and isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            sub = names[i] if i < len(names) else f"[{i}]"
            sub_label, sub_names = (sub, sub) if isinstance(sub, str) else sub
            _collect(v, _join(label, sub_label), sub_names, found)
    elif isinstance(value, Mapping):
        for key, v in value.items():
            _collect(v, _join(label, str(key)), names, found)
    else:
        found[label] = value


def _values(expected: np.ndarray, given: np.ndarray, label: str) -> str | None:
    e = np.asarray(expected, dtype=float)
    try:
        g = np.asarray(given, dtype=float)
    except (TypeError, ValueError):
        return f"{label}: expected numbers, given dtype {given.dtype}"
    bad = ~(np.abs(g - e) <= TOLERANCE * (1.0 + np.abs(e)))
    if not bad.any():
        return None
    if e.ndim == 0:
        return f"{label}: expected {float(e):.8g}, given {float(g):.8g}"
    i = np.unravel_index(int(np.argmax(np.where(bad, np.abs(g - e), -1.0))), e.shape)
    at = ", ".join(map(str, i))
    return (
        f"{label}: {int(bad.sum())} of {e.size} values differ (at [{at}]: expected "
        f"{e[i]:.8g}, given {g[i]:.8g})"
    )


def _structure(given: Any, expected: str) -> str:
    what = f"ndarray of shape {given.shape}" if isinstance(given, np.ndarray) else type(given)
    return f"expected {expected}; given {getattr(what, '__name__', what)}"


def _outline(names: Sequence) -> str:
    return "(" + ", ".join(n if isinstance(n, str) else n[0] for n in names) + ")"


def _join(label: str, sub: str) -> str:
    if not label:
        return sub
    return f"{label}'s {sub}" if not label.endswith("]") else f"{label} {sub}"


# --------------------------------------------------------------------------- one case


def inputs_changed(before: tuple, after: tuple, params: Sequence[str]) -> list[str]:
    """The names of the arguments the call modified."""
    return [name for name, b, a in zip(params, before, after) if not same(b, a)]


def run_case(
    case: Case,
    function: Callable,
    reference: Callable,
    names: Any,
    mistakes: Sequence[Any],
    params: Sequence[str],
    may_modify: Sequence[str],
    random_draws: bool,
) -> CaseReport:
    """The learner's ``function`` against ``reference`` on one case."""
    report = CaseReport(case.label)
    args = case.make(np.random.RandomState(case.seed))
    seed = case.seed if random_draws else None
    expected, _ = call(reference, copy.deepcopy(args), seed)
    mine = copy.deepcopy(args)
    given, exc = call(function, mine, seed)
    if exc is not None:
        signature = f"{getattr(reference, '__name__', '')}({', '.join(params)})"
        report.problems.append(describe_exception(exc, function, signature))
        return report
    top = names if isinstance(names, str) else ""
    wrong: dict[str, str] = {}
    if given is None and expected is not None:
        wrong[top] = "your function returned None (a missing `return`?)"
    else:
        compare(expected, given, top, names, wrong)
    report.problems.extend(
        p if p.startswith(k) else f"{k or 'the output'}: {p}" for k, p in wrong.items()
    )
    for mistake in mistakes:
        if any(h == mistake.hint for h in report.hints):
            continue
        variant, err = call(mistake.function, copy.deepcopy(args), seed)
        if err is not None:
            continue
        if any(_matches(entry(variant, k, names), entry(given, k, names)) for k in wrong) or (
            wrong and same(variant, given)
        ):
            report.hints.append(mistake.hint)
    changed = [p for p in inputs_changed(args, mine, params) if p not in may_modify]
    for name in changed:
        report.problems.append(
            f"your function changed its input {name} in place (the caller's array): work on "
            f"a copy, e.g. dZ = np.array(dA, copy=True), or build a new array"
        )
    return report


def _matches(variant: Any, given: Any) -> bool:
    if variant is _MISSING or given is _MISSING:
        return False
    if isinstance(variant, np.ndarray) and isinstance(given, np.ndarray):
        return variant.shape == given.shape and compare_leaf(variant, given, "") is None
    if isinstance(variant, float) and not isinstance(given, np.ndarray):
        return compare_leaf(variant, given, "") is None
    return False
