"""Training: the one epoch loop and what it is made of (options, optimizers, schedules,
batches, callbacks, history, the divergence guard, BLAS threads) and the engines that decide
where a step is computed.

``layerwise.training`` keeps the names it had as a module (those of :mod:`.step`).
"""

from .step import *  # noqa: F403
from .step import __all__ as __all__
