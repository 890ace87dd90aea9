"""The benchmark's workloads: each network, its data and how it is trained (Workload, WORKLOADS),
the speed goals (TARGETS), and a workload's data and initial weights as every tool receives them
(Task, make_task)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from optional import load_digits  # None without scikit-learn: run.py skips digits then

import layerwise as lw

Array = np.ndarray


# --------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class Workload:
    """One row of the report: a network, its data and how it is trained."""

    key: str  # row name, e.g. "digits-float32"
    family: str  # the --workloads name, e.g. "digits"
    dims: tuple[int, ...]  # [n[0], ..., n[L]]
    hidden: str
    output: str  # "sigmoid" (binary) or "softmax"
    init: str
    seed: int
    dtype: str
    epochs: int
    learning_rate: float
    batch_size: int | None  # None: full batch
    m: int  # number of examples (fixed data sets ignore it)
    data: Callable[[int], tuple[Array, Array]]  # m -> X (n[0], m), class labels (m,)
    quick: dict[str, int] = field(default_factory=dict)  # overrides for --quick

    @property
    def title(self) -> str:
        return f"{self.family} ({self.dtype})"

    @property
    def L(self) -> int:
        return len(self.dims) - 1


def planar_data(m: int) -> tuple[Array, Array]:
    """The notes' flower data set (m = 400)."""
    X, Y = lw.datasets.planar()
    return X, Y.ravel().astype(np.int64)


def digits_data(m: int) -> tuple[Array, Array]:
    """scikit-learn's 8×8 digits, m = 1797, features scaled to [0, 1]."""
    digits = load_digits()
    return digits.data.T / 16.0, digits.target.astype(np.int64)


def wide_data(m: int) -> tuple[Array, Array]:
    """N(0, 1) inputs with 784 features and random labels of 10 classes."""
    rng = np.random.default_rng(784)
    X = rng.standard_normal((784, m), dtype=np.float32)
    return X, rng.integers(0, 10, size=m)


def deep_narrow_data(m: int) -> tuple[Array, Array]:
    """N(0, 1) inputs with 32 features, labelled by a random linear teacher (learnable)."""
    rng = np.random.default_rng(32)
    X = rng.standard_normal((32, m), dtype=np.float32)
    teacher = rng.standard_normal((10, 32), dtype=np.float32)
    return X, np.argmax(teacher @ X, axis=0).astype(np.int64)


def _digits(dtype: str) -> Workload:
    return Workload(
        key=f"digits-{dtype}",
        family="digits",
        dims=(64, 128, 64, 10),
        hidden="relu",
        output="softmax",
        init="he",
        seed=0,
        dtype=dtype,
        epochs=50,
        learning_rate=0.1,
        batch_size=64,
        m=1797,
        data=digits_data,
        quick={"epochs": 5},
    )


WORKLOADS: list[Workload] = [
    Workload(
        key="planar",
        family="planar",
        dims=(2, 4, 1),
        hidden="tanh",
        output="sigmoid",
        init="small",  # the notes' randn × 0.01, seed 1
        seed=1,
        dtype="float64",
        epochs=10_000,
        learning_rate=1.2,
        batch_size=None,
        m=400,
        data=planar_data,
        quick={"epochs": 500},
    ),
    _digits("float32"),
    _digits("float64"),
    Workload(
        key="wide",
        family="wide",
        dims=(784, 512, 256, 10),
        hidden="relu",
        output="softmax",
        init="he",
        seed=0,
        dtype="float32",
        epochs=1,
        learning_rate=0.01,
        batch_size=128,
        m=60_000,
        data=wide_data,
        quick={"m": 6_000},
    ),
    Workload(
        key="deep-narrow",
        family="deep-narrow",
        dims=(32, *[32] * 20, 10),
        hidden="relu",
        output="softmax",
        init="he",
        seed=0,
        dtype="float32",
        epochs=2,
        learning_rate=0.01,
        batch_size=32,
        m=10_000,
        data=deep_narrow_data,
        quick={"m": 1_000},
    ),
]

#: the speed goals in force: workload key -> (÷ scikit-learn, ÷ PyTorch), "at most". The
#: ratio to the GEMM floor is reported beside them ("Beyond the floor"), as a measure, not a goal
TARGETS: dict[str, tuple[float, float]] = {
    "planar": (0.30, 0.10),
    "digits-float64": (0.55, 0.35),
    "digits-float32": (0.55, 0.35),
    "wide": (0.80, 0.90),
    "deep-narrow": (0.35, 0.20),
}


#: the jax engine's goals: layerwise (jax) ÷ the hand-written JAX loop, and its compile time
JAX_TARGET = 1.1
COMPILE_TARGET = 2.0
#: the numpy engine's digits (float32) time with one core busy ÷ its quiet time, at most
BUSY_TARGET = 1.5


@dataclass
class Task:
    """A workload's data and initial weights, shared by every tool."""

    spec: Workload
    X: Array  # (n[0], m), C-contiguous: layerwise and the naive implementation
    Y: Array  # (n[L], m): 0/1 labels (sigmoid) or one-hot (softmax)
    rows: Array  # (m, n[0]), C-contiguous: scikit-learn and PyTorch
    labels: Array  # (m,) class index
    Ws: list[Array]  # initial W[l], (n[l], n[l-1])
    bs: list[Array]  # initial b[l], (n[l], 1)

    @property
    def m(self) -> int:
        return int(self.X.shape[1])

    @property
    def batch_size(self) -> int:
        return self.m if self.spec.batch_size is None else self.spec.batch_size

    @property
    def batches(self) -> list[slice]:
        """The examples of each batch, in order (no shuffling)."""
        b = self.batch_size
        return [slice(start, min(start + b, self.m)) for start in range(0, self.m, b)]


def new_network(spec: Workload) -> lw.Network:
    return lw.Network(
        list(spec.dims),
        hidden=spec.hidden,
        output=spec.output,
        init=spec.init,
        seed=spec.seed,
        dtype=spec.dtype,
    )


def make_task(spec: Workload) -> Task:
    X, labels = spec.data(spec.m)
    X = np.ascontiguousarray(X, dtype=spec.dtype)
    if spec.output == "sigmoid":
        Y = labels.reshape(1, -1).astype(spec.dtype)
    else:
        Y = np.zeros((spec.dims[-1], labels.size), spec.dtype)
        Y[labels, np.arange(labels.size)] = 1.0
    net = new_network(spec)
    Ws = [net.params[f"W{l}"].copy() for l in range(1, spec.L + 1)]
    bs = [net.params[f"b{l}"].copy() for l in range(1, spec.L + 1)]
    for initial in Ws + bs:  # every tool copies them; none may train them in place
        initial.flags.writeable = False
    return Task(spec, X, Y, np.ascontiguousarray(X.T), labels, Ws, bs)
