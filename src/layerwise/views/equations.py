"""The equations of a network written out, every shape filled in: the text of ``layerwise
explain`` and of a :class:`~layerwise.model.network.Network`'s notebook view.

Examples
--------
>>> import layerwise as lw
>>> from layerwise.views.equations import equations
>>> net = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid")
>>> print(equations(net.layer_dims, net.activations, net.loss.name, m=400).splitlines()[3])
  Z[1] = W[1] A[0] + b[1]      (4, 400) = (4, 2)(2, 400) + (4, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.activations import Activation
from ..training.optimizers import OPTIMIZERS

__all__ = ["equations", "update_rule"]

_DERIVATIVE = {
    "sigmoid": "g'(z) = a(1 − a)",
    "tanh": "g'(z) = 1 − a²",
    "relu": "g'(z) = 1 for z ≥ 0, 0 for z < 0",
    "linear": "g'(z) = 1",
    "softmax": "the softmax Jacobian: dZ = A * (dA − Σ_rows A * dA)",
}

_COST = {
    "binary_crossentropy": "J = −1/m Σ_{i=1}^{m} [y⁽ⁱ⁾ log a⁽ⁱ⁾ + (1 − y⁽ⁱ⁾) log(1 − a⁽ⁱ⁾)]",
    "categorical_crossentropy": "J = −1/m Σ_{i=1}^{m} Σ_k y_k⁽ⁱ⁾ log a_k⁽ⁱ⁾",
    "mse": "J = 1/(2m) Σ_{i=1}^{m} ‖a⁽ⁱ⁾ − y⁽ⁱ⁾‖²",
}

_DA = {
    "binary_crossentropy": "dA[{L}] = −Y / A[{L}] + (1 − Y) / (1 − A[{L}])",
    "categorical_crossentropy": "dA[{L}] = −Y / A[{L}]",
    "mse": "dA[{L}] = A[{L}] − Y",
}


def _derivative(g: Activation) -> str:
    if g.name == "leaky_relu":
        slope = g.get_config().get("slope", 0.01)
        return f"g'(z) = 1 for z ≥ 0, {slope:g} for z < 0"
    return _DERIVATIVE.get(g.name, f"{g.name}'(z)")


def update_rule(L: int, training: Mapping[str, Any] | None = None) -> list[str]:
    """The update of W[l] and b[l] as the model was trained, read from its training metadata
    (``net.metadata["training"]``: ``optimizer``, a name or ``{"name": ..., "beta1": ...}``,
    with ``optimizer_config``, ``learning_rate``, ``batch_size``, ``l2`` when present);
    plain gradient descent when there is none (a network that was never trained).

    Each rule is written as :mod:`layerwise.training.optimizers` computes it: gradient descent
    θ := θ − α dθ; momentum v := β v + dθ, θ := θ − α v; RMSprop s := ρ s + (1 − ρ) dθ²,
    θ := θ − α dθ / (√s + ε); Adam's two moments with their bias correction at step t.
    """
    training = training or {}
    optimizer = training.get("optimizer") or "gd"
    config: dict[str, Any] = {}
    if isinstance(optimizer, Mapping):
        config.update({k: v for k, v in optimizer.items() if k != "name"})
        optimizer = optimizer.get("name", "gd")
    if isinstance(training.get("optimizer_config"), Mapping):
        config.update(training["optimizer_config"])
    name = str(optimizer).lower()
    if name not in OPTIMIZERS:
        return [f"Update, for l = 1..{L}: the {optimizer} rule (not described here)"]
    defaults = OPTIMIZERS[name]().get_config()
    p = {**defaults, **{k: v for k, v in config.items() if isinstance(v, (int, float))}}
    lr = training.get("learning_rate")
    alpha = f"α = {lr:g}" if isinstance(lr, (int, float)) else "learning rate α"
    batch = training.get("batch_size")
    if isinstance(batch, int):
        steps = f"one step per mini-batch of {batch} examples (dW[l], db[l] averaged over it)"
    elif name == "gd":
        steps = "one step per pass over the m examples (batch gradient descent, as in the notes)"
    else:
        steps = "one step per mini-batch"
    l2 = training.get("l2")
    out = []
    if name in ("gd", "sgd"):
        out.append(f"Update (gradient descent, {alpha}), for l = 1..{L}, {steps}:")
        out.append("  W[l] := W[l] − α dW[l]     b[l] := b[l] − α db[l]")
    elif name == "momentum":
        beta = p["beta"]
        out.append(f"Update (momentum, β = {beta:g}, {alpha}), for l = 1..{L}, {steps}:")
        out.append("  vdW[l] := β vdW[l] + dW[l]     vdb[l] := β vdb[l] + db[l]    (v starts at 0)")
        out.append("  W[l] := W[l] − α vdW[l]        b[l] := b[l] − α vdb[l]")
    elif name == "rmsprop":
        rho, eps = p["rho"], p["epsilon"]
        out.append(f"Update (RMSprop, ρ = {rho:g}, ε = {eps:g}, {alpha}), for l = 1..{L}, {steps}:")
        out.append("  sdW[l] := ρ sdW[l] + (1 − ρ) dW[l]²     (elementwise; s starts at 0)")
        out.append("  W[l] := W[l] − α dW[l] / (√sdW[l] + ε)     and the same for b[l] with sdb[l]")
    else:  # adam
        b1, b2, eps = p["beta1"], p["beta2"], p["epsilon"]
        out.append(
            f"Update (Adam, β₁ = {b1:g}, β₂ = {b2:g}, ε = {eps:g}, {alpha}), for l = 1..{L}, "
            f"{steps}; t counts the steps from 1:"
        )
        out.append("  vdW[l] := β₁ vdW[l] + (1 − β₁) dW[l]        (first moment; starts at 0)")
        out.append("  sdW[l] := β₂ sdW[l] + (1 − β₂) dW[l]²       (second moment, elementwise)")
        out.append(
            "  v̂dW[l] = vdW[l] / (1 − β₁ᵗ)    ŝdW[l] = sdW[l] / (1 − β₂ᵗ)  (bias correction)"
        )
        out.append("  W[l] := W[l] − α v̂dW[l] / (√ŝdW[l] + ε)     and the same for b[l]")
    if isinstance(l2, (int, float)) and l2 > 0:
        out.append(f"  with L2 regularization λ = {l2:g}: dW[l] gets + λ/m W[l] before the update")
    return out


def equations(
    dims: Sequence[int],
    activations: Sequence[Activation],
    loss: str,
    m: int | str = "m",
    training: Mapping[str, Any] | None = None,
) -> str:
    """The forward and backward equations of a network, every shape filled in.

    Uses the corrected equations of the notes' errata: dZ[l] = dA[l] * g[l]'(Z[l]) with
    dA[l] = W[l+1]ᵀ dZ[l+1], dW[l] = 1/m dZ[l] A[l−1]ᵀ, db[l] = 1/m Σ_columns dZ[l], and
    dZ[L] = A[L] − Y for the canonical pairs (sigmoid/binary cross-entropy,
    softmax/categorical cross-entropy, linear/mse).

    Parameters
    ----------
    dims : list of int
        [n[0], ..., n[L]].
    activations : list of Activation
        g[1], ..., g[L].
    loss : str
        The loss name.
    m : int or str
        The number of examples, or ``"m"``.
    training : mapping, optional
        The model's training metadata: the update rule it was trained with
        (:func:`update_rule`); plain gradient descent when None.

    Returns
    -------
    str
    """
    L = len(dims) - 1

    def shape(l: int) -> str:
        return f"({dims[l]}, {m})"

    def block(rows: list[tuple[str, str]]) -> list[str]:
        width = max(len(eq) for eq, _ in rows)
        return [f"  {eq.ljust(width)}   {note}".rstrip() for eq, note in rows]

    names = ", ".join(f"g[{l}] = {activations[l - 1].name}" for l in range(1, L + 1))
    out = [
        f"The network: n = {list(dims)}, L = {L}; {names}; loss {loss}; "
        f"m = {m} examples, one per column",
        "",
    ]

    out.append(f"Forward propagation, A[0] = X {shape(0)}:")
    rows = []
    for l in range(1, L + 1):
        n, n_prev = dims[l], dims[l - 1]
        rows.append(
            (
                f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]",
                f"({n}, {m}) = ({n}, {n_prev})({n_prev}, {m}) + ({n}, 1)",
            )
        )
        tail = " = Ŷ" if l == L else ""
        rows.append((f"A[{l}] = {activations[l - 1].name}(Z[{l}]){tail}", shape(l)))
    out += block(rows)
    out.append("  (b[l] is added to each of the m columns: NumPy broadcasting)")
    out.append("")
    out.append(f"Cost ({loss}), Y {shape(L)}:")
    out.append("  " + _COST.get(loss, f"J = 1/m Σ_{{i=1}}^{{m}} L(a⁽ⁱ⁾, y⁽ⁱ⁾) ({loss})"))
    out.append("")

    out.append("Backward propagation:")
    rows = []
    g_L = activations[L - 1]
    canonical = {
        "binary_crossentropy": "sigmoid",
        "categorical_crossentropy": "softmax",
        "mse": "linear",
    }.get(loss)
    if g_L.name == canonical:
        rows.append((f"dZ[{L}] = A[{L}] − Y", f"{shape(L)}   ({g_L.name} with {loss})"))
    else:
        rows.append((_DA.get(loss, f"dA[{L}] = ∂L/∂A[{L}]").format(L=L), shape(L)))
        rows.append(
            (
                f"dZ[{L}] = dA[{L}] * g[{L}]'(Z[{L}])",
                f"{shape(L)}   {_derivative(g_L)} ({g_L.name})",
            )
        )
    for l in range(L, 0, -1):
        n, n_prev = dims[l], dims[l - 1]
        x_note = "   (A[0] = X)" if l == 1 else ""
        rows.append(
            (
                f"dW[{l}] = 1/m dZ[{l}] A[{l - 1}]ᵀ",
                f"({n}, {n_prev}) = ({n}, {m})({m}, {n_prev}){x_note}",
            )
        )
        rows.append((f"db[{l}] = 1/m np.sum(dZ[{l}], axis=1, keepdims=True)", f"({n}, 1)"))
        if l > 1:
            g = activations[l - 2]
            rows.append(
                (f"dA[{l - 1}] = W[{l}]ᵀ dZ[{l}]", f"({n_prev}, {m}) = ({n_prev}, {n})({n}, {m})")
            )
            rows.append(
                (
                    f"dZ[{l - 1}] = dA[{l - 1}] * g[{l - 1}]'(Z[{l - 1}])",
                    f"{shape(l - 1)}   elementwise; {_derivative(g)} ({g.name})",
                )
            )
    out += block(rows)
    out.append("")
    out += update_rule(L, training)
    return "\n".join(out)
