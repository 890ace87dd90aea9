"""The exercises, in the notes' order: each one's reference, outputs' names, cases and
mistakes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import _cases as c
from . import _reference as ref
from ._cases import Case
from ._grading import Layers
from ._mistakes import MISTAKES, Mistake

#: how many fresh random cases each check adds to the course's
RANDOM_CASES = 4


@dataclass(frozen=True)
class Exercise:
    """One graded function: the course's signature, its outputs named in the notes' way."""

    name: str
    week: int
    reference: Callable[..., Any]
    #: the outputs' names: "A", ("dA_prev", "dW", "db"), ... (see ``_grading.compare``)
    outputs: Any
    course: list[tuple[str, Callable, int]]
    random: list[Callable]
    #: the arguments a function may update in place (the older course's update_parameters)
    may_modify: tuple[str, ...] = ()
    #: the function draws from np.random (the course's initializations): seeded per case
    draws: bool = False
    mistakes: list[Mistake] = field(default_factory=list)
    #: what the fixed cases are called (the activations have no case of the course's)
    fixed: str = "the course's test case"

    def cases(self) -> list[Case]:
        """The course's cases, then fresh random ones (new seeds at every call)."""
        out = [Case(f"{self.fixed} ({label})", make, seed, True)
               for label, make, seed in self.course]  # fmt: skip
        for i in range(RANDOM_CASES):
            make = self.random[i % len(self.random)]
            seed = secrets.randbelow(2**31)
            out.append(Case(f"a random test case (np.random.seed({seed}))", make, seed))
        return out


_LINEAR_CACHE = ("A_prev", "W", "b")
_LAYER_CACHE = (("linear_cache", _LINEAR_CACHE), ("activation_cache", "Z"))
_BACK = ("dA_prev", "dW", "db")


def _ex(name: str, week: int, outputs: Any, course: list, random: list, **kw: Any) -> Exercise:
    return Exercise(
        name, week, getattr(ref, name), outputs, course, random, mistakes=MISTAKES[name], **kw
    )


def _elementwise(name: str, output: str) -> Exercise:
    """An activation or its derivative: elementwise on Z, with exact zeros among the entries."""
    fixed = [("Z with negative, zero and positive entries", c.elementwise_course, 0)]
    return _ex(name, 3, output, fixed, [c.elementwise], fixed="a fixed test case")


EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in [
        # ---- week 3: activations and their derivatives, then the two-layer network
        _elementwise("sigmoid", "A"),
        _elementwise("sigmoid_derivative", "g'(Z)"),
        _elementwise("tanh_derivative", "g'(Z)"),
        _elementwise("relu", "A"),
        _elementwise("relu_derivative", "g'(Z)"),
        _ex(
            "initialize_parameters",
            3,
            "",
            [("n_x, n_h, n_y = 2, 4, 1 after np.random.seed(2)", c.two_layer_course, 2)],
            [c.two_layer_sizes],
            draws=True,
        ),
        _ex(
            "forward_propagation",
            3,
            ("A2", ("cache", "")),
            [("np.random.seed(1): X (2, 3)", c.forward_course, 1)],
            [c.forward_random],
        ),
        _ex(
            "compute_cost",
            3,
            "J",
            [("AL = [[0.8, 0.9, 0.4]], Y = [[1, 1, 0]]", c.cost_course, 0)],
            [c.cost_random],
        ),
        _ex(
            "backward_propagation",
            3,
            "",
            [("np.random.seed(1): X (2, 3), n[1] = 4", c.backward_course, 1)],
            [c.backward_random],
        ),
        _ex(
            "update_parameters",
            3,
            "",
            [
                (
                    "np.random.seed(2) parameters, np.random.seed(3) grads, α = 0.1",
                    c.update_course,
                    2,
                )
            ],
            [c.update_random],
            may_modify=("parameters",),
        ),
        # ---- week 4: the L-layer network
        _ex(
            "initialize_parameters_deep",
            4,
            "",
            [("layer_dims = [5, 4, 3] after np.random.seed(3)", c.deep_sizes_course, 3)],
            [c.deep_sizes_random],
            draws=True,
        ),
        _ex(
            "linear_forward",
            4,
            ("Z", ("cache", _LINEAR_CACHE)),
            [("np.random.seed(1): A (3, 2), W (1, 3), b (1, 1)", c.linear_course, 1)],
            [c.linear_random],
        ),
        _ex(
            "linear_activation_forward",
            4,
            ("A", ("cache", _LAYER_CACHE)),
            [
                ("np.random.seed(2), sigmoid", c.activation_forward("sigmoid"), 2),
                ("np.random.seed(2), relu", c.activation_forward("relu"), 2),
            ],
            [c.activation_forward("sigmoid", False), c.activation_forward("relu", False)],
        ),
        _ex(
            "L_model_forward",
            4,
            ("AL", ("caches", Layers(_LAYER_CACHE))),
            [("np.random.seed(6): X (5, 4), n = [5, 4, 3, 1]", c.model_forward_course, 6)],
            [c.model_forward_random],
        ),
        _ex(
            "linear_backward",
            4,
            _BACK,
            [
                (
                    "np.random.seed(1): dZ (3, 4), A_prev (5, 4), W (3, 5)",
                    c.linear_backward_course,
                    1,
                )
            ],
            [c.linear_backward_random, lambda rs: c.linear_backward_random(rs, square=True)],
        ),
        _ex(
            "linear_activation_backward",
            4,
            _BACK,
            [
                ("np.random.seed(2), sigmoid", c.activation_backward("sigmoid"), 2),
                ("np.random.seed(2), relu", c.activation_backward("relu"), 2),
            ],
            [c.activation_backward("sigmoid", False), c.activation_backward("relu", False)],
        ),
        _ex(
            "L_model_backward",
            4,
            "",
            [("np.random.seed(3): n = [4, 3, 1], m = 2", c.model_backward([4, 3, 1], 2), 3)],
            [c.model_backward()],
        ),
    ]
}
