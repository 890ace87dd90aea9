"""The tools being timed: layerwise, the matrix-product floor, layerwise's step written inline,
a plain NumPy implementation of the notes, scikit-learn's MLPClassifier and PyTorch (TOOLS)."""

from __future__ import annotations

import contextlib
import functools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from optional import MLPClassifier, jax, sklearn, torch
from workloads import Array, Task, Workload, new_network

from layerwise.training.threads import blas_threads_for

#: a prepared training run: trains when called, returns the final epoch's loss
Trainer = Callable[[], float]


# --------------------------------------------------------------------------- the tools
# Each ``prepare_*`` builds a tool's model from the task's initial weights (not timed) and
# returns the training run to time.


def prepare_layerwise(task: Task, engine: str = "numpy") -> Trainer:
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
            engine=engine,
        )
        return history.cost[-1]

    return train


def same_threads(prepare: Callable[[Task], Trainer]) -> Callable[[Task], Trainer]:
    """A reference run under the BLAS threads that layerwise's fit chooses for the workload
    (layerwise.training.threads), so that its ratio to layerwise compares the work, not the thread
    policy."""

    def prepared(task: Task) -> Trainer:
        train = prepare(task)

        def run() -> float:
            with blas_threads_for(list(task.spec.dims), task.batch_size):
                return train()

        return run

    prepared.__doc__ = prepare.__doc__
    return prepared


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


# --------------------------------------------------------------------------- JAX
# A JAX tool compiles on its first call. ``prepare`` compiles (not timed with the training)
# and records how long that took in COMPILE_SECONDS, which the report shows in a column of
# its own; ``train`` then times the compiled training alone.

#: (tool, workload key) -> seconds spent compiling
COMPILE_SECONDS: dict[tuple[str, str], float] = {}


def _x64(spec: Workload) -> Any:
    return jax.enable_x64(True) if spec.dtype == "float64" else contextlib.nullcontext()


def prepare_layerwise_jax(task: Task) -> Trainer:
    """layerwise with engine="jax". The first fit of a workload compiles (layerwise keeps the
    compiled run of epochs for later fits of the same structure): its time minus a warm fit's
    is the compile time."""
    spec = task.spec
    run = prepare_layerwise(task, engine="jax")
    if ("layerwise (jax)", spec.key) not in COMPILE_SECONDS:
        start = time.perf_counter()
        prepare_layerwise(task, engine="jax")()
        cold = time.perf_counter() - start
        start = time.perf_counter()
        prepare_layerwise(task, engine="jax")()
        warm = time.perf_counter() - start
        COMPILE_SECONDS["layerwise (jax)", spec.key] = max(cold - warm, 0.0)
    return run


def prepare_jax(task: Task, layout: str = "rows") -> Trainer:
    """A hand-written JAX loop, as a JAX user writes one: the network as a function of a list
    of (W, b), the loss from logits (jax.nn.log_sigmoid / log_softmax), jax.value_and_grad,
    the SGD update, one epoch as lax.scan over the whole batches and a step on the smaller
    last one, the epochs as an outer lax.scan, all under one jax.jit with the parameters
    donated; the batches cut once, before timing, as layerwise cuts them (in order, the same
    sizes). Compiled once per workload, ahead of time.

    ``layout="rows"`` holds the examples in rows, as JAX users write it (x (b, n[0]),
    z = x Wᵀ + bᵀ); ``"columns"`` in the notes' columns (A (n[0], b), Z = W A + b), the layout
    of the functions the jax engine compiles: the same loop otherwise, to show what the
    layout alone costs under XLA."""
    spec = task.spec
    compiled, data = _JAX_LOOPS.get((spec.key, layout)) or _jax_loop(task, layout)
    _JAX_LOOPS[spec.key, layout] = compiled, data

    def train() -> float:
        with _x64(spec):
            params = [
                (jax.numpy.asarray(W), jax.numpy.asarray(b)) for W, b in zip(task.Ws, task.bs)
            ]
            _, costs = compiled(params, *data)
            return float(costs[-1])  # float() waits for the result

    return train


#: (workload key, layout) -> (the compiled training, its data on the device)
_JAX_LOOPS: dict[tuple[str, str], tuple[Any, tuple[Any, ...]]] = {}


def _jax_loop(task: Task, layout: str = "rows") -> tuple[Any, tuple[Any, ...]]:
    spec = task.spec
    jnp = jax.numpy
    lr, L = spec.learning_rate, spec.L
    hidden = jax.nn.relu if spec.hidden == "relu" else jnp.tanh
    b = task.batch_size
    n_full, rest = task.m // b, task.m % b

    columns = layout == "columns"
    classes = 0 if columns else 1  # the axis of the classes

    def loss(params: Any, x: Any, y: Any) -> Any:
        a = x
        for l, (W, bias) in enumerate(params, start=1):
            z = W @ a + bias if columns else a @ W.T + bias.T
            a = hidden(z) if l < L else z
        if spec.output == "sigmoid":
            # −[y log σ(z) + (1 − y) log(1 − σ(z))]
            return -jnp.mean(y * jax.nn.log_sigmoid(a) + (1 - y) * jax.nn.log_sigmoid(-a))
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(a, axis=classes), axis=classes))

    def step(params: Any, batch: Any) -> Any:
        cost, grads = jax.value_and_grad(loss)(params, *batch)
        params = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
        return params, cost

    def train_all(params: Any, X_full: Any, Y_full: Any, X_rest: Any, Y_rest: Any) -> Any:
        def epoch(params: Any, _: Any) -> Any:
            params, costs = jax.lax.scan(step, params, (X_full, Y_full))
            total = jnp.sum(costs) * b
            if rest:
                params, cost = step(params, (X_rest, Y_rest))
                total = total + cost * rest
            return params, total / task.m

        return jax.lax.scan(epoch, params, None, length=spec.epochs)

    with _x64(spec):
        rows, targets = task.rows, np.ascontiguousarray(task.Y.T)  # (m, n[0]), (m, n[L])
        cut = n_full * b
        blocks = [
            rows[:cut].reshape(n_full, b, -1),
            targets[:cut].reshape(n_full, b, -1),
            rows[cut:],
            targets[cut:],
        ]
        if columns:  # (n_full, n[0], b) and (n[0], rest)
            blocks = [np.swapaxes(a, -1, -2) for a in blocks]
        data = tuple(jax.device_put(np.ascontiguousarray(a)) for a in blocks)
        params = [(jnp.asarray(W), jnp.asarray(bias)) for W, bias in zip(task.Ws, task.bs)]
        start = time.perf_counter()
        compiled = jax.jit(train_all, donate_argnums=0).lower(params, *data).compile()
        COMPILE_SECONDS[_JAX_NAMES[layout], spec.key] = time.perf_counter() - start
    return compiled, data


@dataclass(frozen=True)
class Tool:
    name: str
    prepare: Callable[[Task], Trainer]
    missing: str | None = None  # why the tool cannot run here


TOOLS = [
    Tool("layerwise", prepare_layerwise),
    Tool("layerwise (jax)", prepare_layerwise_jax, None if jax else "jax is not installed"),
    Tool("floor", same_threads(prepare_floor)),
    Tool("naive", same_threads(prepare_naive)),
    Tool("inline", same_threads(prepare_inline)),
    Tool("scikit-learn", prepare_sklearn, None if sklearn else "scikit-learn is not installed"),
    Tool("PyTorch", prepare_torch, None if torch else "torch is not installed"),
    Tool("JAX", prepare_jax, None if jax else "jax is not installed"),
    Tool(
        "JAX (notes' layout)",
        functools.partial(prepare_jax, layout="columns"),
        None if jax else "jax is not installed",
    ),
]
#: the hand-written JAX loop's tool, by layout
_JAX_NAMES = {"rows": "JAX", "columns": "JAX (notes' layout)"}
# the ratio columns: layerwise ÷ each of these
COMPARED = [tool.name for tool in TOOLS if tool.name not in ("layerwise", "layerwise (jax)")]
