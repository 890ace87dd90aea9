"""What the page shows as text or hands out: the equations of the current network (those of
``layerwise explain``, with the training's own lines added), a Python script that reproduces
the run with the library, and the model file.

The script is exact: the playground trains by calling ``Network.fit`` once per stretch of
epochs with unchanged settings (pausing inside that call, never between calls), so the same
calls in a script give the same weights, bit for bit.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from .._version import __version__
from ..cli.explain import equations
from ..model.network import Network
from .data import FEATURES, OUTPUTS, POINTS, TASKS, data_call, feature_lines
from .settings import Settings

__all__ = ["Segment", "Edit", "equations_text", "fit_arguments", "script", "model_file"]


@dataclass
class Segment:
    """A stretch of epochs trained by one ``fit`` call with one set of settings."""

    settings: Settings
    epochs: int = 0
    #: the segment ended in divergence: in an epoch (after ``epochs`` good ones; the
    #: parameters went back to that epoch's start) or, at the end of its ``fit``, in the run
    #: as a whole (the parameters went back to the segment's start)
    diverged: bool = False
    #: the divergence was an epoch's, so ``fit`` ran one epoch more than ``epochs``
    diverged_in_epoch: bool = False


@dataclass
class Edit:
    """A weight or bias set on the page between two segments: W[l]_ij (or b[l]_i) = value,
    1-based as in the notes."""

    param: str
    l: int
    i: int
    j: int
    value: float

    def source(self) -> str:
        if self.param == "W":
            return f"net.layer({self.l}).W[{self.i - 1}, {self.j - 1}] = {self.value!r}"
        return f"net.layer({self.l}).b[{self.i - 1}, 0] = {self.value!r}"


def fit_arguments(settings: Settings, validation: bool) -> list[str]:
    """The keyword arguments of ``Network.fit`` that differ from its defaults, as source."""
    s = settings
    args = [f"learning_rate={s.learning_rate!r}"]
    if s.optimizer != "gd":
        args.append(f'optimizer="{s.optimizer}"')
    if s.batch_size is not None:
        args.append(f"batch_size={s.batch_size}")
    if s.l2:
        args.append(f"l2={s.l2!r}")
    if s.keep_prob < 1 and s.hidden:
        args.append(f"dropout={s.keep_prob!r}")
    if validation:
        args.append("validation_data=(X_val, Y_val)")
    return args


def equations_text(
    net: Network, settings: Settings, m_train: int, features: Sequence[str] = ("x1", "x2")
) -> str:
    """The forward and backward equations of ``net`` with every shape filled in, for the
    examples one step sees, then what the training settings add to them; first, what the
    inputs are."""
    s = settings
    m = m_train if s.batch_size is None or s.batch_size >= m_train else s.batch_size
    shown = ", ".join(FEATURES[f][0] for f in features)
    text = f"The inputs, one row of A[0] = X each: n[0] = {len(features)}: {shown}\n\n"
    text += equations(net.layer_dims, net.activations, net.loss.name, m)
    if m == m_train:
        lines = [f"Each step uses all m = {m_train} training examples (batch gradient descent)."]
    else:
        lines = [
            f"Each step uses a mini-batch of m = {m} of the {m_train} training examples, "
            f"drawn anew each epoch."
        ]
    if s.l2:
        lines.append(
            f"L2 regularization, λ = {s.l2:g}: J += λ/(2m) Σ_l ‖W[l]‖²   dW[l] += λ/m W[l]"
        )
    if s.keep_prob < 1 and s.hidden:
        lines.append(
            f"Inverted dropout, keep probability {s.keep_prob:g}, in training only:\n"
            f"    A[l] := A[l] * D[l] / {s.keep_prob:g} for l = 1..{net.L - 1}, D[l] a fresh "
            f"0/1 mask of A[l]'s shape;\n"
            f"    dA[l] gets the same mask"
        )
    lr = f"α = {s.learning_rate:g}"
    rules = {
        "gd": f"The update above, {lr}.",
        "sgd": f"The update above, after each mini-batch, {lr}.",
        "momentum": (
            f"Momentum instead of the update above, β = 0.9, {lr}:\n"
            f"    v := β v + dW[l];  W[l] := W[l] − α v  (b[l] likewise)"
        ),
        "rmsprop": (
            f"RMSprop instead of the update above, ρ = 0.9, {lr}:\n"
            f"    s := ρ s + (1 − ρ) dW[l]²;  W[l] := W[l] − α dW[l] / (√s + ε)  (b[l] likewise)"
        ),
        "adam": (
            f"Adam instead of the update above, β1 = 0.9, β2 = 0.999, {lr}, t the step:\n"
            f"    v := β1 v + (1 − β1) dW[l];  s := β2 s + (1 − β2) dW[l]²\n"
            f"    W[l] := W[l] − α v̂ / (√ŝ + ε),  v̂ = v / (1 − β1ᵗ),  ŝ = s / (1 − β2ᵗ)"
            f"  (b[l] likewise)"
        ),
    }
    lines.append(rules[s.optimizer])
    body = "\n".join(f"  {line}" for line in "\n".join(lines).split("\n"))
    return text + "\n\nTraining:\n" + body


def _data_lines(s: Settings, dims: Sequence[int], n_val: int) -> list[str]:
    """The script's lines that make X, Y, the inputs and the split."""
    task = TASKS.get(s.dataset) or ("regression" if dims[-1] == 1 else "multiclass")
    if s.dataset == "upload":
        out = [
            "import layerwise.playground.upload",
            "",
            "# the CSV file chosen in the playground: put its path here",
            f"X, Y = lw.playground.upload.load_csv({'your_data.csv'!r}, "
            f"columns={list(s.columns)!r}, label={s.label!r})  # X (2, m), Y (1, m)",
        ]
    else:
        imports = ["import layerwise.playground.data", ""] if "playground" in data_call(s) else []
        out = [*imports, f"X, Y = {data_call(s)}  # X (2, m), Y (1, m)"]
    if task == "multiclass":
        out.append(f"Y = lw.datasets.one_hot(Y, {dims[-1]})  # softmax's targets: Y (K, m)")
    out += feature_lines(s.features)
    if n_val:
        out += [
            f"# the {n_val} examples held out for testing, drawn as the playground drew them",
            f"order = np.random.default_rng({s.seed}).permutation(X.shape[1])",
            f"val, train = np.sort(order[:{n_val}]), np.sort(order[{n_val}:])",
            "X_train, Y_train = X[:, train], Y[:, train]",
            "X_val, Y_val = X[:, val], Y[:, val]",
        ]
    else:
        out.append("X_train, Y_train = X, Y  # no examples held out")
    network = (
        f'net = lw.Network({list(dims)}, hidden="{s.activation}", output="{OUTPUTS[task]}", '
        f'init="{s.init}", seed={s.seed})'
    )
    return [*out, "", network]


def _fit_lines(seg: Segment, validation: bool) -> list[str]:
    """The ``fit`` call of one segment (inside ``try`` where it diverged)."""
    # a divergence in an epoch: fit runs into it as the playground did, spending the
    # same shuffling and dropout draws, so the later segments stay exact
    ran = seg.epochs + (1 if seg.diverged_in_epoch else 0)
    args = ["X_train", "Y_train", f"epochs={ran}"]
    args += fit_arguments(seg.settings, validation)
    indent = "    " if seg.diverged else ""
    call = f"{indent}history = net.fit({', '.join(args)})"
    if len(call) > 88:  # one argument line, wrapped, as a formatter would
        wrapped = textwrap.wrap(", ".join(args) + ",", 80, break_long_words=False)
        call = (
            f"{indent}history = net.fit(\n"
            + "".join(f"{indent}    {w}\n" for w in wrapped)
            + f"{indent})"
        )
    if not seg.diverged:
        return [call]
    where = (
        "the start of the epoch that diverged"
        if seg.diverged_in_epoch
        else "the start of this fit (the run as a whole diverged)"
    )
    return [
        "# here the playground's training diverged; fit puts the parameters back to",
        f"# {where}, as it did there",
        "try:",
        call,
        "except lw.TrainingDivergedError as exc:",
        '    print("diverged, as in the playground:", exc)',
    ]


def script(
    settings: Settings,
    segments: Sequence[Segment | Edit],
    n_val: int,
    dims: Sequence[int] | None = None,
) -> str:
    """A Python script that rebuilds the data, the inputs, the split and the network of
    ``settings`` (of sizes ``dims``, by default ``settings.layer_dims``) and trains it with
    one ``fit`` per segment, with the page's weight edits in between, as the playground did."""
    s = settings
    dims = list(s.layer_dims if dims is None else dims)
    total = sum(seg.epochs for seg in segments if isinstance(seg, Segment))
    out = [
        f'"""A layerwise playground run, reproduced: n = {dims} on the {s.dataset} data,\n'
        f'{total} epochs (layerwise {__version__})."""',
        "",
        "import numpy as np",
        "",
        "import layerwise as lw",
        *_data_lines(s, dims, n_val),
    ]
    done, fits = 0, 0
    for seg in segments:
        if isinstance(seg, Edit):
            out.append(f"{seg.source()}  # set on the page")
            continue
        if not seg.epochs and not seg.diverged:
            continue
        if fits:
            out.append(
                f"# epochs {done + 1} to {done + seg.epochs}: the settings or weights changed, "
                f"so a new fit\n# (the optimizer starts afresh)"
            )
        out += _fit_lines(seg, bool(n_val))
        done += seg.epochs
        fits += 1
    out += ['print("training:", net.evaluate(X_train, Y_train))']
    if n_val:
        out += ['print("test:", net.evaluate(X_val, Y_val))']
    out += ["net.save(\"playground.safetensors\")  # the io extra: pip install 'layerwise[io]'"]
    return "\n".join(out) + "\n"


def model_file(net: Network, settings: Settings, epochs: int, data: str | None = None) -> bytes:
    """``net`` as a model file (safetensors) that ``Network.load`` reads, with the training
    settings in its metadata (``layerwise summary`` shows them)."""
    s = settings
    net.metadata = {
        "training": {
            "data": data_call(s) if data is None else data,
            "features": list(s.features),
            "optimizer": s.optimizer,
            "learning_rate": s.learning_rate,
            "batch_size": s.batch_size,
            "epochs_run": epochs,
            "l2": s.l2,
            "dropout": s.keep_prob if s.keep_prob < 1 else None,
            "seed": s.seed,
            "validation_share": s.validation,
        },
        "playground": {"layerwise_version": __version__, "points": POINTS},
    }
    # Network.save writes files (atomically); a temporary folder turns that into bytes
    with tempfile.TemporaryDirectory(prefix="layerwise-playground-") as folder:
        path = os.path.join(folder, "model.safetensors")
        net.save(path)
        with open(path, "rb") as fh:
            return fh.read()
