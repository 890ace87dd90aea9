"""layerwise: deep (L-layer) fully connected neural networks in NumPy, written the way the
lecture notes teach them, and fast enough to be the tool one actually uses.

Examples are columns: X = A[0] has shape (n[0], m). See :mod:`layerwise.propagation` for the
equations and :class:`layerwise.Network` for the model.
"""

from . import datasets
from ._version import __version__
from .activations import Activation, get_activation
from .callbacks import Callback, EarlyStopping, PrintCost
from .gradcheck import GradientCheckResult, gradient_check
from .history import History
from .initializers import SymmetryWarning, init_params
from .io import ModelFileError
from .layers import Dense
from .losses import Loss, get_loss
from .network import Network
from .optimizers import Adam, GradientDescent, Momentum, RMSprop, get_optimizer, get_schedule
from .propagation import (
    LayerCache,
    backward,
    compute_cost,
    forward,
    linear_backward,
    linear_forward,
    update_params,
)
from .training import TrainingDivergedError

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
