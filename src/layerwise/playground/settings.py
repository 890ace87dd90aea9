"""The playground's controls: their values, their limits, and the check every value from the
page goes through before it reaches a :class:`~layerwise.Network`.

The page sends what the user typed (text or numbers) for one control at a time; the server
merges it into the current :class:`Settings` with :func:`update_settings`, which refuses
anything outside the limits with a :class:`SettingsError` naming the control, what was given
and what is accepted. The limits keep one page's network small enough to train and draw many
times a second (the playground teaches; a larger network is one ``Network(...)`` away).

Examples
--------
>>> s = update_settings(Settings(), {"dataset": "moons", "hidden": "8, 8"})
>>> s.dataset, s.hidden, s.layer_dims
('moons', (8, 8), [2, 8, 8, 1])
>>> update_settings(s, {"hidden": "100000,100000"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
layerwise.playground.settings.SettingsError: hidden layers have 1 to 16 units each ...
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.activations import ACTIVATIONS
from ..core.initializers import INITIALIZERS
from ..training.optimizers import OPTIMIZERS
from .data import DATASETS, DEFAULT_NOISE, FEATURES, POINTS, classes_of, data_call, make_data
from .upload import MAX_BYTES, MAX_NAME

__all__ = [
    "Settings",
    "SettingsError",
    "update_settings",
    "make_data",
    "data_call",
    "choices",
    "DATASETS",
    "HIDDEN_ACTIVATIONS",
    "MAX_HIDDEN_LAYERS",
    "MAX_UNITS",
    "POINTS",
]

#: activations a hidden layer may use (softmax belongs to an output layer)
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 16
MAX_LEARNING_RATE = 10.0
MAX_NOISE = 2.0
MAX_VALIDATION = 0.5
MAX_L2 = 10.0
MAX_SEED = 2**32 - 1
#: epochs per second while playing; "max" trains as fast as the machine allows
SPEEDS = ("1", "10", "30", "100", "300", "1000", "max")

#: controls whose change builds a new network on new data (epoch 0 again)
STRUCTURE = frozenset(
    {
        "dataset",
        "noise",
        "validation",
        "seed",
        "features",
        "hidden",
        "activation",
        "init",
        "columns",
        "label",
    }
)
#: controls whose change starts a new ``fit`` of the same network at the next epoch
TRAINING = frozenset({"learning_rate", "optimizer", "batch_size", "l2", "keep_prob"})


class SettingsError(ValueError):
    """A control value the playground refuses; ``field`` names the control."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Settings:
    """Every control of the page. The defaults are the notes' network on the flower data:
    n = [2, 4, 1], tanh then sigmoid, the notes' small random weights, batch gradient descent
    with α = 1.2."""

    dataset: str = "planar"
    #: the data set's noise (blobs: their standard deviation); None for the flower
    noise: float | None = None
    #: share of the examples held out for validation, 0 for none
    validation: float = 0.2
    #: seeds the data, the validation split, the initial weights, shuffling and dropout
    seed: int = 1
    hidden: tuple[int, ...] = (4,)
    activation: str = "tanh"
    init: str = "small"
    learning_rate: float = 1.2
    optimizer: str = "gd"
    #: None: all training examples in each step (the notes' batch gradient descent)
    batch_size: int | None = None
    l2: float = 0.0
    #: keep probability of each hidden unit under inverted dropout (1: no dropout)
    keep_prob: float = 1.0
    speed: str = "100"
    #: the network's inputs, rows of A[0] (see :data:`~.data.FEATURES`)
    features: tuple[str, ...] = ("x1", "x2")
    #: draw the held-out examples (hollow) and show their cost and accuracy
    show_test: bool = True
    #: one's own data (dataset "upload"): the two columns shown as x1, x2, and the label
    columns: tuple[str, ...] = ()
    label: str = ""

    @property
    def layer_dims(self) -> list[int]:
        """[n[0], n[1], ..., n[L]]: the inputs, the hidden sizes, the outputs (one for two
        classes or a regression, K for K classes; for one's own data the session counts
        them)."""
        outputs = 1 if self.dataset == "upload" else classes_of(self.dataset)
        return [len(self.features), *self.hidden, outputs]

    def to_json(self) -> dict[str, Any]:
        """The values as the page shows them."""
        values = dataclasses.asdict(self)
        values["hidden"] = ",".join(map(str, self.hidden))
        values["features"] = ",".join(self.features)
        values["columns"] = ",".join(self.columns)
        values["batch_size"] = "all" if self.batch_size is None else self.batch_size
        return values


def choices() -> dict[str, Any]:
    """What the page's selects offer and the limits its inputs have."""
    return {
        "dataset": list(DATASETS),
        "activation": list(HIDDEN_ACTIVATIONS),
        "init": list(INITIALIZERS),
        "optimizer": list(OPTIMIZERS),
        "speed": list(SPEEDS),
        "features": {name: shown for name, (shown, _) in FEATURES.items()},
        "default_noise": DEFAULT_NOISE,
        "limits": {
            "hidden_layers": MAX_HIDDEN_LAYERS,
            "units": MAX_UNITS,
            "learning_rate": MAX_LEARNING_RATE,
            "noise": MAX_NOISE,
            "validation": MAX_VALIDATION,
            "l2": MAX_L2,
            "points": POINTS,
            "upload_bytes": MAX_BYTES,
        },
    }


# --------------------------------------------------------------------------- checks


#: a whole number as the page may type it: ASCII digits, few enough for int() to be cheap
_DIGITS = re.compile(r"\+?[0-9]{1,12}")


def _shown(value: Any) -> str:
    """``repr(value)``, cut short: a page may send anything, and the message repeats it."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else value


def _number(field: str, value: Any, low: float, high: float, what: str, *, low_open: bool) -> float:
    """``value`` (a number or its text) as a finite float in [low, high] (or (low, high])."""
    value = _text(value)
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if (
        number is None
        or not math.isfinite(number)
        or number > high
        or (number <= low if low_open else number < low)
    ):
        raise SettingsError(field, f"{what}. Received: {field}={_shown(value)}")
    return number


def _integer(field: str, value: Any, low: int, high: int, what: str) -> int:
    value = _text(value)
    number: int | None = None
    whole_float = isinstance(value, float) and value.is_integer()
    digits = isinstance(value, str) and _DIGITS.fullmatch(value) is not None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif whole_float or digits:
        number = int(value)
    if number is None or not low <= number <= high:
        raise SettingsError(field, f"{what}. Received: {field}={_shown(value)}")
    return number


def _choice(field: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise SettingsError(
            field, f"{field} is one of {', '.join(options)}. Received: {field}={_shown(value)}"
        )
    return value


def _hidden(value: Any) -> tuple[int, ...]:
    """The hidden sizes as typed: "8, 8" -> (8, 8); "" -> () (no hidden layer: logistic
    regression)."""
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    elif isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        parts = [] if parts == [""] else parts
    else:
        parts = ["?"]
    what = (
        f"hidden is a comma-separated list of hidden layer sizes such as 8,8 (empty for none), "
        f"at most {MAX_HIDDEN_LAYERS} layers"
    )
    if len(parts) > MAX_HIDDEN_LAYERS or not all(_DIGITS.fullmatch(p) for p in parts):
        raise SettingsError("hidden", f"{what}. Received: hidden={_shown(value)}")
    sizes = tuple(int(p) for p in parts)
    for l, (n, p) in enumerate(zip(sizes, parts), start=1):
        if not 1 <= n <= MAX_UNITS:
            raise SettingsError(
                "hidden",
                f"hidden layers have 1 to {MAX_UNITS} units each in the playground; hidden "
                f"layer {l} has {p}. Received: hidden={_shown(value)}",
            )
    return sizes


def _parts(value: Any) -> list[str] | None:
    """A comma-separated text or a list of texts as its parts ("" -> []); None for
    anything else."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        return [] if parts == [""] else parts
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    return None


def _features(value: Any) -> tuple[str, ...]:
    """The chosen inputs, e.g. "x1,x2,x1^2", in the order of :data:`FEATURES`."""
    parts = _parts(value)
    what = (
        f"features is a comma-separated choice of the inputs {', '.join(FEATURES)} (at least "
        f"one, each once)"
    )
    if (
        not parts
        or len(parts) > len(FEATURES)
        or len(set(parts)) != len(parts)
        or not set(parts) <= set(FEATURES)
    ):
        raise SettingsError("features", f"{what}. Received: features={_shown(value)}")
    return tuple(name for name in FEATURES if name in parts)


def _flag(field: str, value: Any) -> bool:
    text = _text(value)
    if isinstance(text, bool):
        return text
    if isinstance(text, str) and text.lower() in ("true", "1", "on", "yes"):
        return True
    if isinstance(text, str) and text.lower() in ("false", "0", "off", "no"):
        return False
    raise SettingsError(field, f"{field} is true or false. Received: {field}={_shown(value)}")


def _names(field: str, value: Any, count: int) -> tuple[str, ...]:
    """``count`` column names of one's own data (checked against its table by the
    session), or none."""
    parts = _parts(value)
    if parts == []:
        return ()
    if parts is None or len(parts) != count or not all(0 < len(p) <= MAX_NAME for p in parts):
        what = "two column names, comma-separated" if count == 2 else "a column name"
        raise SettingsError(
            field, f"{field} is {what} of one's own data. Received: {field}={_shown(value)}"
        )
    return tuple(parts)


def _batch_size(value: Any) -> int | None:
    if value is None or _text(value) in ("all", ""):
        return None
    return _integer(
        "batch_size",
        value,
        1,
        POINTS,
        f'batch_size is "all" or a whole number of examples from 1 to {POINTS}',
    )


def _check(field: str, value: Any, dataset: str) -> Any:
    """One control's value, checked and converted."""
    if field == "dataset":
        return _choice(field, value, DATASETS)
    if field == "noise":
        if DEFAULT_NOISE[dataset] is None or value is None or value == "":
            # the flower's noise is the course's; one's own data has the noise it has
            return DEFAULT_NOISE[dataset]
        what = f"noise is a number from 0 to {MAX_NOISE:g}"
        return _number(field, value, 0.0, MAX_NOISE, what, low_open=False)
    if field == "validation":
        what = f"validation is the share held out, a number from 0 to {MAX_VALIDATION:g}"
        return _number(field, value, 0.0, MAX_VALIDATION, what, low_open=False)
    if field == "seed":
        return _integer(field, value, 0, MAX_SEED, f"seed is a whole number from 0 to {MAX_SEED}")
    if field == "hidden":
        return _hidden(value)
    if field == "activation":
        return _choice(field, value, HIDDEN_ACTIVATIONS)
    if field == "init":
        return _choice(field, value, tuple(INITIALIZERS))
    if field == "learning_rate":
        what = f"the learning rate α is a number > 0 and at most {MAX_LEARNING_RATE:g}"
        return _number(field, value, 0.0, MAX_LEARNING_RATE, what, low_open=True)
    if field == "optimizer":
        return _choice(field, value, tuple(OPTIMIZERS))
    if field == "batch_size":
        return _batch_size(value)
    if field == "l2":
        what = f"l2 (λ) is a number from 0 to {MAX_L2:g}"
        return _number(field, value, 0.0, MAX_L2, what, low_open=False)
    if field == "keep_prob":
        what = "keep_prob, the dropout keep probability of each hidden unit, is in (0, 1]"
        return _number(field, value, 0.0, 1.0, what, low_open=True)
    if field == "speed":
        return _choice(field, str(value), SPEEDS)
    if field == "features":
        return _features(value)
    if field == "show_test":
        return _flag(field, value)
    if field == "columns":
        return _names(field, value, 2)
    if field == "label":
        names = _names(field, value, 1)
        return names[0] if names else ""
    raise SettingsError(  # pragma: no cover - update_settings checks the names first
        field, f"unknown control {field!r}"
    )


def update_settings(current: Settings, changes: Mapping[str, Any]) -> Settings:
    """``current`` with ``changes`` ({control: value as typed}) checked and applied.

    A new data set without a noise of its own gets that data set's default noise.

    Raises
    ------
    SettingsError
        For an unknown control or a value outside its limits; ``current`` is unchanged.
    """
    if not isinstance(changes, Mapping):
        raise SettingsError("", f"settings are an object of control: value; got {_shown(changes)}")
    names = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(str(k)[:40] for k in changes if k not in names)
    if unknown:
        raise SettingsError(
            unknown[0],
            f"unknown control {', '.join(unknown[:3])}; the controls are "
            f"{', '.join(sorted(names))}",
        )
    values: dict[str, Any] = {}
    dataset = _check("dataset", changes.get("dataset", current.dataset), current.dataset)
    if dataset != current.dataset and "noise" not in changes:
        values["noise"] = DEFAULT_NOISE[dataset]
    for field, value in changes.items():
        values[field] = _check(field, value, dataset)
    if DEFAULT_NOISE[dataset] is None:
        values["noise"] = None
    return dataclasses.replace(current, **values)
