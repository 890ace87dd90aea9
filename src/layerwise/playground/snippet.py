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
from ..network import Network
from .settings import POINTS, Settings, data_call

__all__ = ["Segment", "equations_text", "fit_arguments", "script", "model_file"]


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


def equations_text(net: Network, settings: Settings, m_train: int) -> str:
    """The forward and backward equations of ``net`` with every shape filled in, for the
    examples one step sees, then what the training settings add to them."""
    s = settings
    m = m_train if s.batch_size is None or s.batch_size >= m_train else s.batch_size
    text = equations(net.layer_dims, net.activations, net.loss.name, m)
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


def script(settings: Settings, segments: Sequence[Segment], n_val: int) -> str:
    """A Python script that rebuilds the data, the split and the network of ``settings`` and
    trains it with one ``fit`` per segment, as the playground did."""
    s = settings
    total = sum(seg.epochs for seg in segments)
    dims = s.layer_dims
    out = [
        f'"""A layerwise playground run, reproduced: n = {dims} on the {s.dataset} data,\n'
        f'{total} epochs (layerwise {__version__})."""',
        "",
        "import numpy as np",
        "",
        "import layerwise as lw",
        "",
        f"X, Y = {data_call(s)}  # X (2, m), Y (1, m)",
    ]
    if n_val:
        out += [
            f"# the {n_val} examples held out for validation, drawn as the playground drew them",
            f"order = np.random.default_rng({s.seed}).permutation(X.shape[1])",
            f"val, train = np.sort(order[:{n_val}]), np.sort(order[{n_val}:])",
            "X_train, Y_train = X[:, train], Y[:, train]",
            "X_val, Y_val = X[:, val], Y[:, val]",
        ]
    else:
        out.append("X_train, Y_train = X, Y  # no examples held out")
    out += [
        "",
        f'net = lw.Network({dims}, hidden="{s.activation}", output="sigmoid", '
        f'init="{s.init}", seed={s.seed})',
    ]
    done = 0
    for k, seg in enumerate(segments):
        if not seg.epochs and not seg.diverged:
            continue
        if k:
            out.append(
                f"# epochs {done + 1} to {done + seg.epochs}: the settings changed, so a new fit\n"
                f"# (the optimizer starts afresh)"
            )
        # a divergence in an epoch: fit runs into it as the playground did, spending the
        # same shuffling and dropout draws, so the later segments stay exact
        ran = seg.epochs + (1 if seg.diverged_in_epoch else 0)
        args = ["X_train", "Y_train", f"epochs={ran}"]
        args += fit_arguments(seg.settings, bool(n_val))
        indent = "    " if seg.diverged else ""
        call = f"{indent}history = net.fit({', '.join(args)})"
        if len(call) > 88:  # one argument line, wrapped, as a formatter would
            wrapped = textwrap.wrap(", ".join(args) + ",", 80, break_long_words=False)
            call = (
                f"{indent}history = net.fit(\n"
                + "".join(f"{indent}    {w}\n" for w in wrapped)
                + f"{indent})"
            )
        if seg.diverged:
            where = (
                "the start of the epoch that diverged"
                if seg.diverged_in_epoch
                else "the start of this fit (the run as a whole diverged)"
            )
            out += [
                "# here the playground's training diverged; fit puts the parameters back to",
                f"# {where}, as it did there",
                "try:",
                call,
                "except lw.TrainingDivergedError as exc:",
                '    print("diverged, as in the playground:", exc)',
            ]
        else:
            out.append(call)
        done += seg.epochs
    out += ['print("training:", net.evaluate(X_train, Y_train))']
    if n_val:
        out += ['print("validation:", net.evaluate(X_val, Y_val))']
    out += ["net.save(\"playground.safetensors\")  # the io extra: pip install 'layerwise[io]'"]
    return "\n".join(out) + "\n"


def model_file(net: Network, settings: Settings, epochs: int) -> bytes:
    """``net`` as a model file (safetensors) that ``Network.load`` reads, with the training
    settings in its metadata (``layerwise summary`` shows them)."""
    s = settings
    net.metadata = {
        "training": {
            "data": data_call(s),
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
