"""Benchmark layerwise's training loop against the matrix-product floor, a plain NumPy
implementation of the notes, scikit-learn's MLPClassifier and PyTorch, in one run.

Every tool trains the same network from the same initial weights on the same data, in the
same batch order (no shuffling), with plain gradient descent, so that the wall times compare
the same work and the final losses agree. Repeats alternate between the tools (every tool runs
once per repeat, the order rotated from one repeat to the next) and the report gives medians.

Usage::

    python benchmarks/run.py [--repeats N] [--workloads planar,digits,...] [--quick]
                             [--out benchmarks/results.md]

See benchmarks/README.md for what each column means.
"""

from __future__ import annotations

import os
import sys

# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when set, make OpenBLAS pick a slower kernel or
# blocking. They are read when the library loads, so this process re-executes itself without
# them before NumPy is imported (the caller's environment is left as it is).
_OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_UNSET_MARKER = "LAYERWISE_BENCHMARK_UNSET"


def _reexec_without_openblas_overrides() -> None:
    """Restart this script without the OpenBLAS overrides, if any is set."""
    found = {name: os.environ[name] for name in _OPENBLAS_OVERRIDES if name in os.environ}
    if not found or "numpy" in sys.modules:
        return
    env = {key: value for key, value in os.environ.items() if key not in found}
    env[_UNSET_MARKER] = ", ".join(f"{name}={value}" for name, value in found.items())
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)


if __name__ == "__main__":
    _reexec_without_openblas_overrides()

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import layerwise as lw  # noqa: E402

try:
    import threadpoolctl
except ImportError:  # pragma: no cover - reported in the results instead
    threadpoolctl = None
try:
    import sklearn
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
except ImportError:  # pragma: no cover
    sklearn = None
try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

Array = np.ndarray
#: a prepared training run: trains when called, returns the final epoch's loss
Trainer = Callable[[], float]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LOSS_TOLERANCE = 0.01  # relative difference of a final loss from layerwise's that gets flagged
BUSY_MACHINE = 0.25  # cores used by other processes during timing that get reported


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

#: the speed goals: workload key -> (÷ floor, ÷ scikit-learn, ÷ PyTorch), "at most"
TARGETS: dict[str, tuple[float, float, float]] = {
    "planar": (2.5, 0.30, 0.10),
    "digits-float64": (1.4, 0.55, 0.35),
    "digits-float32": (1.8, 0.55, 0.35),
    "wide": (1.2, 0.80, 0.90),
    "deep-narrow": (2.0, 0.35, 0.20),
}


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


# --------------------------------------------------------------------------- the tools
# Each ``prepare_*`` builds a tool's model from the task's initial weights (not timed) and
# returns the training run to time.


def prepare_layerwise(task: Task) -> Trainer:
    spec = task.spec
    net = new_network(spec)
    for l, (W, b) in enumerate(zip(task.Ws, task.bs, strict=True), start=1):
        net.params[f"W{l}"][...] = W
        net.params[f"b{l}"][...] = b

    def train() -> float:
        history = net.fit(
            task.X,
            task.Y,
            epochs=spec.epochs,
            learning_rate=spec.learning_rate,
            batch_size=spec.batch_size,
            shuffle=False,
            optimizer="sgd",
        )
        return history.cost[-1]

    return train


def prepare_floor(task: Task) -> Trainer:
    """Only the products of a training step, with ndarray.dot into preallocated arrays, on arrays
    laid out as layerwise lays them out: forward W[l]·A[l-1] for every layer, backward
    dZ[l]·A[l-1]ᵀ for every layer and W[l]ᵀ·dZ[l] for l = 2..L."""
    spec = task.spec
    dtype, L, n = np.dtype(spec.dtype), spec.L, spec.dims
    Ws = [W.copy() for W in task.Ws]
    dWs = [np.empty_like(W) for W in Ws]
    # full batch: layerwise trains on X itself; otherwise a batch is a block of rows
    # (b, n[0]) of the rows array and A[0] is its transpose
    A0s = [task.X] if spec.batch_size is None else [task.rows[s].T for s in task.batches]
    rng = np.random.default_rng(0)
    buffers: dict[int, tuple[list[Array], list[Array], list[Array]]] = {}
    for b in {A0.shape[1] for A0 in A0s}:
        Z = [np.empty((n[l], b), dtype) for l in range(1, L + 1)]
        dZ = [rng.standard_normal((n[l], b)).astype(dtype) for l in range(1, L + 1)]
        dA = [np.empty((n[l], b), dtype) for l in range(1, L)]
        buffers[b] = Z, dZ, dA

    def train() -> float:
        for _ in range(spec.epochs):
            for A0 in A0s:
                Z, dZ, dA = buffers[A0.shape[1]]
                A = A0
                for W, Zl in zip(Ws, Z, strict=True):
                    A = W.dot(A, out=Zl)
                for i in range(L - 1, -1, -1):  # layer l = i + 1
                    A_prev = Z[i - 1] if i > 0 else A0
                    dZ[i].dot(A_prev.T, out=dWs[i])
                    if i > 0:
                        Ws[i].T.dot(dZ[i], out=dA[i - 1])
        return float("nan")

    return train


def prepare_inline(task: Task) -> Trainer:
    """layerwise's step written out in one function, with no layers, functions or objects:
    the same NumPy calls into the same kind of preallocated buffers (bias add, activation,
    g' from Z or A, db as a product with a ones column, no dA[0], dZ[L] scaled once by α/m,
    one subtraction per array), on the data laid out as layerwise lays it out. The cost is
    computed as layerwise computes it; the accuracy is not. The best a loop that makes these
    calls does: its ratio to the floor is what NumPy itself costs beyond the products."""
    spec = task.spec
    dtype, L, n = np.dtype(spec.dtype), spec.L, spec.dims
    Ws = [W.copy() for W in task.Ws]
    bs = [b.copy() for b in task.bs]
    dWs = [np.empty_like(W) for W in Ws]
    dbs = [np.empty_like(b) for b in bs]
    lr, eps = spec.learning_rate, float(np.finfo(dtype).eps)
    A0s = [task.X] if spec.batch_size is None else [task.rows[s].T for s in task.batches]
    Ybs = [task.Y] if spec.batch_size is None else [task.Y[:, s].copy() for s in task.batches]
    buffers: dict[int, tuple[list[Array], ...]] = {}
    for b in {A0.shape[1] for A0 in A0s}:
        shapes = [(n[l], b) for l in range(1, L + 1)]
        Z, A, dZ, dA = ([np.empty(sh, dtype) for sh in shapes] for _ in range(4))
        zeros = [np.zeros(sh, dtype) for sh in shapes]
        buffers[b] = Z, A, dZ, dA, zeros, [np.ones((b, 1), dtype)]

    def train() -> float:
        total = 0.0
        for _ in range(spec.epochs):
            total = 0.0
            for A0, Yb in zip(A0s, Ybs, strict=True):
                m = A0.shape[1]
                Z, A, dZ, dA, zeros, (ones,) = buffers[m]
                A_prev = A0
                for i in range(L):
                    Ws[i].dot(A_prev, out=Z[i])
                    Z[i] += bs[i]
                    if i < L - 1 and spec.hidden == "relu":
                        np.maximum(Z[i], zeros[i], out=A[i])
                    elif i < L - 1:
                        np.tanh(Z[i], out=A[i])
                    elif spec.output == "sigmoid":
                        np.multiply(Z[i], 0.5, out=A[i])
                        np.tanh(A[i], out=A[i])
                        A[i] *= 0.5
                        A[i] += 0.5
                    else:
                        np.subtract(Z[i], np.maximum.reduce(Z[i], axis=0, keepdims=True), A[i])
                        np.exp(A[i], out=A[i])
                        A[i] /= np.add.reduce(A[i], axis=0, keepdims=True)
                    A_prev = A[i]
                work = dZ[-1]
                if spec.output == "sigmoid":  # 0/1 labels: one log, of 1 - |y - a|
                    np.subtract(A_prev, Yb, out=work)
                    np.abs(work, out=work)
                    np.subtract(1.0, work, out=work)
                    np.maximum(work, eps, out=work)
                    np.log(work, out=work)
                    total -= float(np.add.reduce(work, axis=None))
                else:
                    np.maximum(A_prev, eps, out=work)
                    np.log(work, out=work)
                    total -= float(np.vdot(Yb, work))
                np.subtract(A_prev, Yb, out=work)
                work *= lr / m
                for i in range(L - 1, -1, -1):
                    if i < L - 1 and spec.hidden == "relu":
                        np.greater_equal(Z[i], 0.0, out=dZ[i], casting="unsafe")
                        dZ[i] *= dA[i]
                    elif i < L - 1:
                        np.multiply(A[i], A[i], out=dZ[i])
                        np.subtract(1.0, dZ[i], out=dZ[i])
                        dZ[i] *= dA[i]
                    dZ[i].dot((A[i - 1] if i > 0 else A0).T, out=dWs[i])
                    dZ[i].dot(ones, out=dbs[i])
                    if i > 0:
                        Ws[i].T.dot(dZ[i], out=dA[i - 1])
                for W, dW, b, db in zip(Ws, dWs, bs, dbs, strict=True):
                    W -= dW
                    b -= db
        return total / task.m

    return train


def _naive_activation(name: str, Z: Array) -> Array:
    if name == "relu":
        return np.maximum(0, Z)
    if name == "tanh":
        return np.tanh(Z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-Z))
    expZ = np.exp(Z - np.max(Z, axis=0, keepdims=True))  # softmax
    return expZ / np.sum(expZ, axis=0, keepdims=True)


def _naive_backward_activation(name: str, dA: Array, Z: Array, A: Array) -> Array:
    if name == "relu":
        return dA * (Z > 0)
    return dA * (1 - A**2)  # tanh


def _naive_cost(AL: Array, Y: Array, output: str) -> float:
    m = Y.shape[1]
    eps = np.finfo(AL.dtype).eps
    AL = np.clip(AL, eps, 1 - eps)
    if output == "sigmoid":
        return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)
    return float(-np.sum(Y * np.log(AL)) / m)


def prepare_naive(task: Task) -> Trainer:
    """The notes as a course assignment writes them: new arrays for every result, mini-batches
    gathered with X[:, idx] (full batch: X itself), all three backward lines for every layer,
    then the update."""
    spec = task.spec
    params = {}
    for l, (W, b) in enumerate(zip(task.Ws, task.bs, strict=True), start=1):
        params[f"W{l}"], params[f"b{l}"] = W.copy(), b.copy()
    g = [spec.hidden] * (spec.L - 1) + [spec.output]
    if spec.batch_size is None:
        batches: list[Any] = [slice(None)]
    else:
        batches = [np.arange(batch.start, batch.stop) for batch in task.batches]
    L, lr = spec.L, spec.learning_rate

    def step(X: Array, Y: Array) -> float:
        m = X.shape[1]
        caches = []
        A = X
        for l in range(1, L + 1):
            A_prev = A
            Z = np.dot(params[f"W{l}"], A_prev) + params[f"b{l}"]
            A = _naive_activation(g[l - 1], Z)
            caches.append((A_prev, Z, A))
        cost = _naive_cost(A, Y, spec.output)
        grads = {}
        dZ = A - Y
        for l in range(L, 0, -1):
            A_prev = caches[l - 1][0]
            grads[f"dW{l}"] = np.dot(dZ, A_prev.T) / m
            grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            dA_prev = np.dot(params[f"W{l}"].T, dZ)
            if l > 1:
                _, Z_prev, _ = caches[l - 2]
                dZ = _naive_backward_activation(g[l - 2], dA_prev, Z_prev, A_prev)
        for l in range(1, L + 1):
            params[f"W{l}"] = params[f"W{l}"] - lr * grads[f"dW{l}"]
            params[f"b{l}"] = params[f"b{l}"] - lr * grads[f"db{l}"]
        return cost

    def train() -> float:
        for _ in range(spec.epochs):
            total = 0.0
            for idx in batches:
                X = task.X[:, idx]
                total += step(X, task.Y[:, idx]) * X.shape[1]
        return total / task.m

    return train


def prepare_sklearn(task: Task) -> Trainer:
    """MLPClassifier with plain SGD, started from the task's weights: a partial_fit on one
    example of each class creates the model, then coefs_ and intercepts_ are overwritten and
    fit continues from them (warm_start)."""
    spec = task.spec
    clf = MLPClassifier(
        hidden_layer_sizes=spec.dims[1:-1],
        activation=spec.hidden,
        solver="sgd",
        alpha=0.0,
        batch_size=task.batch_size,
        learning_rate="constant",
        learning_rate_init=spec.learning_rate,
        max_iter=spec.epochs,
        shuffle=False,
        momentum=0.0,
        nesterovs_momentum=False,
        tol=0.0,
        n_iter_no_change=spec.epochs + 2,
        early_stopping=False,
        warm_start=True,
        random_state=0,
    )
    classes, first = np.unique(task.labels, return_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(task.rows[first], task.labels[first], classes=classes)
    clf.coefs_ = [W.T.copy() for W in task.Ws]  # (n[l-1], n[l]), C order
    clf.intercepts_ = [b.ravel().copy() for b in task.bs]

    def train() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "maximum iterations reached"
            clf.fit(task.rows, task.labels)
        return float(clf.loss_)

    return train


def prepare_torch(task: Task) -> Trainer:
    """nn.Sequential of nn.Linear and activations, plain torch.optim.SGD; the loss is
    BCEWithLogitsLoss (sigmoid output) or CrossEntropyLoss (softmax output) on the logits."""
    spec = task.spec
    dtype = getattr(torch, spec.dtype)
    modules: list[Any] = []
    for l, (W, b) in enumerate(zip(task.Ws, task.bs, strict=True), start=1):
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W))
            linear.bias.copy_(torch.tensor(b.ravel()))
        modules.append(linear)
        if l < spec.L:
            modules.append(torch.nn.ReLU() if spec.hidden == "relu" else torch.nn.Tanh())
    model = torch.nn.Sequential(*modules)
    X = torch.from_numpy(task.rows)
    if spec.output == "sigmoid":
        loss_fn: Any = torch.nn.BCEWithLogitsLoss()
        y = torch.from_numpy(np.ascontiguousarray(task.Y.T))  # (m, 1)
    else:
        loss_fn = torch.nn.CrossEntropyLoss()
        y = torch.from_numpy(task.labels)
    optimizer = torch.optim.SGD(model.parameters(), lr=spec.learning_rate, momentum=0.0)
    batches = task.batches

    def train() -> float:
        for _ in range(spec.epochs):
            total = 0.0
            for batch in batches:
                optimizer.zero_grad()
                loss = loss_fn(model(X[batch]), y[batch])
                loss.backward()
                optimizer.step()
                total += loss.item() * (batch.stop - batch.start)
        return total / task.m

    return train


@dataclass(frozen=True)
class Tool:
    name: str
    prepare: Callable[[Task], Trainer]
    missing: str | None = None  # why the tool cannot run here


TOOLS = [
    Tool("layerwise", prepare_layerwise),
    Tool("floor", prepare_floor),
    Tool("naive", prepare_naive),
    Tool("inline", prepare_inline),
    Tool("scikit-learn", prepare_sklearn, None if sklearn else "scikit-learn is not installed"),
    Tool("PyTorch", prepare_torch, None if torch else "torch is not installed"),
]
COMPARED = [tool.name for tool in TOOLS[1:]]  # the ratio columns: layerwise ÷ each of these


# --------------------------------------------------------------------------- measuring


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (NaN where /proc/stat is absent)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Measurement:
    """A workload's timings (seconds per repeat) and final losses, per tool."""

    spec: Workload
    task_m: int  # number of training examples
    seconds: dict[str, list[float]]
    loss: dict[str, float]
    other_cpu: float = 0.0  # CPU seconds other processes used while a tool was being timed

    def median(self, tool: str) -> float | None:
        times = self.seconds.get(tool)
        return statistics.median(times) if times else None

    def ratio(self, tool: str, of: str = "layerwise") -> float | None:
        """The median over the repeats of ``of``'s time ÷ ``tool``'s time in that repeat."""
        ours, theirs = self.seconds.get(of), self.seconds.get(tool)
        if not ours or not theirs:
            return None
        return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))

    @property
    def other_load(self) -> float:
        """Cores kept busy by other processes, on average, while the tools were timed."""
        return self.other_cpu / sum(sum(times) for times in self.seconds.values())


def measure(spec: Workload, tools: list[Tool], repeats: int) -> Measurement:
    """Run every tool ``repeats`` times, one after another within each repeat (the order
    rotated by one tool from one repeat to the next)."""
    task = make_task(spec)
    result = Measurement(spec, task.m, {tool.name: [] for tool in tools}, {})
    for r in range(repeats):
        for tool in tools[r % len(tools) :] + tools[: r % len(tools)]:
            train = tool.prepare(task)
            gc.collect()
            busy, own = _busy_cpu_seconds(), _own_cpu_seconds()
            start = time.perf_counter()
            loss = train()
            elapsed = time.perf_counter() - start
            other = (_busy_cpu_seconds() - busy) - (_own_cpu_seconds() - own)
            result.other_cpu += max(other, 0.0)
            result.seconds[tool.name].append(elapsed)
            result.loss[tool.name] = loss
            del train
        line = ", ".join(f"{name} {t[-1]:.3f}s" for name, t in result.seconds.items())
        print(f"  {spec.title} repeat {r + 1}/{repeats}: {line}", flush=True)
    return result


# --------------------------------------------------------------------------- environment


def blas_libraries() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """threadpoolctl's record of NumPy's BLAS, and of the other BLAS libraries loaded (SciPy's,
    brought in by scikit-learn, is a separate OpenBLAS build that NumPy does not call)."""
    if threadpoolctl is None:
        return None, []
    blas = [info for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    numpy_dir = Path(np.__file__).parent
    ours = [
        info
        for info in blas
        if Path(info["filepath"]).parent.name in (numpy_dir.name + ".libs", numpy_dir.name)
    ]
    numpy_blas = ours[0] if ours else (blas[0] if blas else None)
    return numpy_blas, [info for info in blas if info is not numpy_blas]


def blas_threads() -> int:
    numpy_blas, _ = blas_libraries()
    return int(numpy_blas["num_threads"]) if numpy_blas else os.cpu_count() or 1


def _describe_blas(info: dict[str, Any]) -> str:
    return (
        f"internal_api={info['internal_api']}, architecture={info.get('architecture')}, "
        f"num_threads={info['num_threads']}, version={info['version']}, "
        f"threading_layer={info.get('threading_layer')}, library={Path(info['filepath']).name}"
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def environment(repeats: int, load_at_start: str) -> list[tuple[str, str]]:
    """The machine and software rows of the report."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    rows = [
        ("date", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        (
            "machine",
            f"{cpu_model()}, {os.cpu_count()} cores ({affinity} usable), {platform.machine()}",
        ),
        ("Python", platform.python_version()),
        ("NumPy", np.__version__),
        ("layerwise", f"{lw.__version__} (commit {git_commit()}, working tree as it was)"),
        ("scikit-learn", sklearn.__version__ if sklearn else "not installed"),
    ]
    if torch is not None:
        rows.append(
            (
                "PyTorch",
                f"{torch.__version__}, {torch.get_num_threads()} threads, "
                f"CPU capability {torch.backends.cpu.get_cpu_capability()}, "
                f"MKL {'on' if torch.backends.mkl.is_available() else 'off'}",
            )
        )
    else:
        rows.append(("PyTorch", "not installed"))
    numpy_blas, others = blas_libraries()
    if numpy_blas is None:
        rows.append(("NumPy's BLAS", "unknown: threadpoolctl is not installed"))
    else:
        rows.append(("NumPy's BLAS (threadpoolctl)", _describe_blas(numpy_blas)))
    rows += [("other BLAS loaded, not NumPy's", _describe_blas(info)) for info in others]
    unset = os.environ.get(_UNSET_MARKER)
    rows.append(
        (
            "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE",
            f"unset for this run (were {unset})" if unset else "not set",
        )
    )
    rows.append(
        ("repeats", f"{repeats}, alternating between tools; medians of times and of paired ratios")
    )
    rows.append(
        ("load average (1, 5, 15 min)", f"{load_at_start} at start, {load_average()} at end")
    )
    return rows


# --------------------------------------------------------------------------- the report


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _loss(value: float | None) -> str:
    return "n/a" if value is None else "—" if np.isnan(value) else f"{value:.6f}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def results_table(results: list[Measurement], tools: list[Tool]) -> list[str]:
    names = [tool.name for tool in tools]
    header = ["workload", *(f"{name} (s)" for name in names)]
    header += [f"layerwise ÷ {name}" for name in COMPARED]
    rows = [
        [r.spec.title, *(_seconds(r.median(n)) for n in names)]
        + [_ratio(r.ratio(n)) for n in COMPARED]
        for r in results
    ]
    return table(header, rows)


def anatomy_table(results: list[Measurement]) -> list[str]:
    """Where layerwise's time beyond the floor goes: the NumPy calls themselves (inline ÷
    floor) and layerwise's structure and bookkeeping around them (layerwise ÷ inline)."""
    header = ["workload", "inline ÷ floor", "layerwise ÷ inline", "layerwise ÷ floor"]
    rows = [
        [
            r.spec.title,
            _ratio(r.ratio("floor", of="inline")),
            _ratio(r.ratio("inline")),
            _ratio(r.ratio("floor")),
        ]
        for r in results
    ]
    return table(header, rows)


def loss_table(results: list[Measurement], tools: list[Tool]) -> tuple[list[str], list[str]]:
    """Final losses, and a note for every one more than LOSS_TOLERANCE away from layerwise's."""
    names = [tool.name for tool in tools if tool.name != "floor"]
    rows, flags = [], []
    for r in results:
        ours = r.loss.get("layerwise")
        row = [r.spec.title]
        for name in names:
            value = r.loss.get(name)
            cell = _loss(value)
            if ours and value is not None and abs(value - ours) > LOSS_TOLERANCE * abs(ours):
                cell += " ⚠"
                flags.append(
                    f"{r.spec.title}: {name}'s final loss {value:.6f} differs from "
                    f"layerwise's {ours:.6f} by more than {LOSS_TOLERANCE:.0%}"
                )
            row.append(cell)
        rows.append(row)
    return table(["workload", *names], rows), flags


def targets_table(results: list[Measurement]) -> list[str]:
    rows = []
    for r in results:
        if r.spec.key not in TARGETS:
            continue
        row = [r.spec.title]
        for name, target in zip(
            ["floor", "scikit-learn", "PyTorch"], TARGETS[r.spec.key], strict=True
        ):
            value = r.ratio(name)
            if value is None:
                row.append(f"n/a (≤ {target})")
            else:
                verdict = "pass" if value <= target else "**FAIL**"
                row.append(f"{value:.2f} ≤ {target}: {verdict}")
        rows.append(row)
    header = ["workload", "layerwise ÷ floor", "layerwise ÷ scikit-learn", "layerwise ÷ PyTorch"]
    return table(header, rows)


def spread_table(results: list[Measurement], tools: list[Tool]) -> list[str]:
    rows = []
    for r in results:
        row = [r.spec.title]
        for tool in tools:
            times = r.seconds.get(tool.name)
            row.append(f"{min(times):.3f} – {max(times):.3f}" if times else "n/a")
        row.append(f"{r.other_load:.2f}")
        rows.append(row)
    return table(["workload", *(tool.name for tool in tools), "other processes (cores)"], rows)


def workloads_table(results: list[Measurement]) -> list[str]:
    rows = []
    for r in results:
        s = r.spec
        dims = s.dims if s.L <= 4 else (s.dims[0], f"{s.L - 1}×{s.dims[1]}", s.dims[-1])
        m = r.task_m
        batch = m if s.batch_size is None else s.batch_size
        rows.append(
            [
                s.title,
                f"{'-'.join(map(str, dims))} {s.hidden}/{s.output}",
                s.init,
                str(m),
                "full batch" if s.batch_size is None else f"batch {s.batch_size}",
                str(s.epochs),
                str(s.epochs * -(-m // batch)),
                str(s.learning_rate),
            ]
        )
    header = ["workload", "network", "init", "m", "batching", "epochs", "steps", "lr"]
    return table(header, rows)


def report(
    results: list[Measurement],
    tools: list[Tool],
    repeats: int,
    command: str,
    elapsed: float,
    load_at_start: str,
    skipped: list[str],
) -> str:
    lines = ["# layerwise benchmark results", ""]
    lines += [f"Generated by `{command}` in {elapsed:.0f} s.", ""]
    lines += table(["", ""], [[k, v] for k, v in environment(repeats, load_at_start)])
    lines += ["", "## Median wall time (seconds) and median paired ratios", ""]
    lines += results_table(results, tools)
    lines += ["", "## Targets", ""]
    lines += targets_table(results)
    lines += ["", "## Beyond the floor: NumPy's calls and layerwise's structure", ""]
    lines += [
        "inline ÷ floor is how much longer than its products a step takes when its NumPy calls "
        "are written with nothing around them; layerwise ÷ inline is what layerwise's layers, "
        "history and checks add to those calls (medians of paired ratios).",
        "",
    ]
    lines += anatomy_table(results)
    losses, flags = loss_table(results, tools)
    lines += ["", "## Final loss (last epoch, mean of the batch losses before each update)", ""]
    lines += losses
    lines += [""]
    if flags:
        lines += ["Final losses that differ (the tools did not train comparably):", ""]
        lines += [f"- {flag}" for flag in flags]
    else:
        lines += [
            f"Every tool's final loss is within {LOSS_TOLERANCE:.0%} of layerwise's "
            "(same initial weights, data, batch order and update rule)."
        ]
    shared = [r for r in results if r.other_load > BUSY_MACHINE]
    if shared:
        lines += ["", "Other processes were using the CPU while these workloads were timed:", ""]
        lines += [f"- {r.spec.title}: {r.other_load:.2f} cores on average" for r in shared]
    missing = [f"- {tool.name}: {tool.missing}" for tool in TOOLS if tool.missing]
    missing += [f"- {note}" for note in skipped]
    if missing:
        lines += ["", "Skipped:", "", *missing]
    lines += ["", "## Spread (min – max seconds over the repeats)", ""]
    lines += [
        "The last column is the CPU that other processes used while the tools were timed, "
        "in cores on average (from /proc/stat): well above 0 means the machine was shared and "
        "the times are less trustworthy.",
        "",
    ]
    lines += spread_table(results, tools)
    lines += ["", "## Workloads", ""]
    lines += workloads_table(results)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    families = list(dict.fromkeys(spec.family for spec in WORKLOADS))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None, help="default 7 (1 with --quick)")
    parser.add_argument(
        "--workloads",
        default=",".join(families),
        help=f"comma-separated, from {', '.join(families)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke test")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    args.workloads = [name.strip() for name in args.workloads.split(",") if name.strip()]
    unknown = set(args.workloads) - set(families) - {spec.key for spec in WORKLOADS}
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {families}")
    if args.repeats is None:
        args.repeats = 1 if args.quick else 7
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_at_start = load_average()
    if torch is not None:
        torch.set_num_threads(blas_threads())
    tools = [tool for tool in TOOLS if tool.missing is None]
    for tool in TOOLS:
        if tool.missing:
            print(f"skipping {tool.name}: {tool.missing}")
    specs = [s for s in WORKLOADS if s.family in args.workloads or s.key in args.workloads]
    skipped = []
    if sklearn is None and any(s.family == "digits" for s in specs):
        skipped.append("digits: its data comes from scikit-learn, which is not installed")
        print(f"skipping {skipped[-1]}")
        specs = [s for s in specs if s.family != "digits"]
    if args.quick:
        specs = [replace(s, **s.quick) for s in specs]

    results = []
    for spec in specs:
        print(f"{spec.title}: {spec.epochs} epochs, {args.repeats} repeats", flush=True)
        results.append(measure(spec, tools, args.repeats))

    elapsed = time.perf_counter() - started
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    text = report(results, tools, args.repeats, command.strip(), elapsed, load_at_start, skipped)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {args.out} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
