"""layerwise: deep (L-layer) fully connected neural networks in NumPy, written the way the
lecture notes teach them, and fast enough to be the tool one actually uses.

Examples are columns: X = A[0] has shape (n[0], m). See :mod:`layerwise.core.propagation`
for the equations and :class:`layerwise.Network` for the model. The layers of the package, as
folders: ``core`` (the notes' math), ``features``, ``training``, ``model``, ``tables``,
``views`` and ``export``, then the edges (``sklearn``, ``cluster``, ``cli``, ``playground``,
``exercises``).
"""

from . import _aliases
from ._version import __version__
from .core import datasets
from .core.activations import Activation, get_activation
from .core.gradcheck import GradientCheckResult, gradient_check
from .core.initializers import SymmetryWarning, init_params
from .core.layers import Dense
from .core.losses import Loss, get_loss
from .core.propagation import (
    LayerCache,
    backward,
    compute_cost,
    forward,
    linear_backward,
    linear_forward,
    update_params,
)
from .model.io import ModelFileError
from .model.network import Network
from .training.callbacks import Callback, EarlyStopping, PrintCost
from .training.history import History
from .training.optimizers import (
    Adam,
    GradientDescent,
    Momentum,
    RMSprop,
    get_optimizer,
    get_schedule,
)
from .training.step import TrainingDivergedError

# the old dotted paths of the moved modules (layerwise.propagation, layerwise.live, ...), for
# one release: `import layerwise.live` and `layerwise.live` both give layerwise.views.live
_aliases.install()


def __getattr__(name: str) -> object:
    return _aliases.attribute(name)


__all__ = [
    "__version__",
    "datasets",
    "Activation",
    "get_activation",
    "Loss",
    "get_loss",
    "init_params",
    "linear_forward",
    "linear_backward",
    "forward",
    "compute_cost",
    "backward",
    "update_params",
    "gradient_check",
    "GradientCheckResult",
    "LayerCache",
    "Network",
    "Dense",
    "History",
    "Callback",
    "EarlyStopping",
    "PrintCost",
    "GradientDescent",
    "Momentum",
    "RMSprop",
    "Adam",
    "get_optimizer",
    "get_schedule",
    "SymmetryWarning",
    "TrainingDivergedError",
    "ModelFileError",
]
