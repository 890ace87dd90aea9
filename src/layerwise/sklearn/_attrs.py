"""scikit-learn's MLP attribute names on the estimators, read from the fitted network.

``coefs_`` and ``intercepts_`` are views of the network's own W[l] and b[l] in
scikit-learn's layout (rows are examples, so its weight matrices are our W[l] transposed):
code written for ``MLPClassifier`` that reads them, or changes them in place, works on
``network_``. ``n_layers_`` counts the input layer, as scikit-learn does, and ``loss_`` is the
last training cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._typing import Array

if TYPE_CHECKING:  # pragma: no cover
    from ..model.network import Network

__all__ = ["MLPAttributes"]


class MLPAttributes:
    """The fitted attributes of scikit-learn's MLPs, over ``network_``; unfitted, reading one
    raises AttributeError (so ``hasattr`` is False), as for any fitted attribute."""

    network_: Network
    loss_curve_: list[float]

    @property
    def coefs_(self) -> list[Array]:
        """W[l]ᵀ for l = 1..L, each (n[l−1], n[l]): views of the network's W[l]."""
        return [layer.W.T for layer in self.network_.layers]

    @property
    def intercepts_(self) -> list[Array]:
        """b[l] for l = 1..L, each (n[l],): views of the network's b[l]."""
        return [layer.b[:, 0] for layer in self.network_.layers]

    @property
    def n_layers_(self) -> int:
        """L + 1: the layers with parameters and the input layer."""
        return self.network_.L + 1

    @property
    def loss_(self) -> float:
        """The training cost of the last epoch (lbfgs: of the last iteration)."""
        if not getattr(self, "loss_curve_", None):
            raise AttributeError("loss_ exists once fit has run at least one epoch")
        return self.loss_curve_[-1]
