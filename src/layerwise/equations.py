"""The equations of a network written out, every shape filled in: the text of ``layerwise
explain`` and of a :class:`~layerwise.network.Network`'s notebook view.

Examples
--------
>>> import layerwise as lw
>>> from layerwise.equations import equations
>>> net = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid")
>>> print(equations(net.layer_dims, net.activations, net.loss.name, m=400).splitlines()[3])
  Z[1] = W[1] A[0] + b[1]      (4, 400) = (4, 2)(2, 400) + (4, 1)
"""

from __future__ import annotations

from collections.abc import Sequence

from .activations import Activation

__all__ = ["equations"]

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


def equations(
    dims: Sequence[int], activations: Sequence[Activation], loss: str, m: int | str = "m"
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
    out.append(f"Update, for l = 1..{L}, with learning rate α:")
    out.append("  W[l] := W[l] − α dW[l]     b[l] := b[l] − α db[l]")
    return "\n".join(out)
