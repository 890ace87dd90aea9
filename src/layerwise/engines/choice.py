"""Which engine trains a network: ``numpy``, ``jax``, or ``auto`` (the command line's
``train --engine``).

``auto`` picks the jax engine where JAX is installed and the training is big enough to pay for
what the jax engine costs before its first step in a fresh process: importing JAX and
compiling a run of epochs, 1.4 to 2.4 seconds together on a 2-core machine. The size of a
training is its *work*, the multiply-adds of its forward and backward passes,

    work = 3 · Σ_l n[l] n[l−1] · m · epochs

(Z[l] = W[l] A[l−1] in the forward pass, dW[l] and dA[l−1] in the backward pass, for each of
the m training examples in each epoch). With early stopping, epochs is the most the training
may run. ``benchmarks/engine_choice.py`` timed both engines over the command line's networks,
rows and epochs on a 2-core machine (27 cases from 4e7 to 2e11 multiply-adds): from
:data:`JAX_MIN_WORK` = 1e11 multiply-adds (about ten seconds of NumPy training there) the jax
engine, its import and compilation included, was faster in every case, by 5 to 15 %; below,
NumPy was faster in all but two cases (and then by under 15 %), often many times over, since
a fit of a few seconds or less cannot win back the jax engine's start.
"""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Sequence

__all__ = ["ENGINES", "JAX_MIN_WORK", "work_of", "jax_installed", "choose_engine"]

#: the names ``train --engine`` takes
ENGINES = ("auto", "numpy", "jax")

#: the work (multiply-adds) from which ``auto`` picks the jax engine, measured with
#: benchmarks/engine_choice.py (see the module's docstring and the README's "Engines")
JAX_MIN_WORK = 1e11


def work_of(layer_dims: Sequence[int], m: int, epochs: int) -> float:
    """The multiply-adds of training a network of ``layer_dims`` on m examples for
    ``epochs`` epochs: 3 · Σ n[l] n[l−1] · m · epochs.

    Examples
    --------
    >>> work_of([2, 4, 1], m=400, epochs=10_000)   # the notes' planar network
    144000000.0
    """
    weights = sum(int(a) * int(b) for a, b in itertools.pairwise(layer_dims))
    return 3.0 * weights * int(m) * int(epochs)


def jax_installed() -> bool:
    """Whether JAX can be imported (found, not imported: importing it takes half a second)."""
    return importlib.util.find_spec("jax") is not None


def choose_engine(engine: str, layer_dims: Sequence[int], m: int, epochs: int) -> str:
    """The engine ``"numpy"`` or ``"jax"`` that trains a network of ``layer_dims`` on m
    examples for at most ``epochs`` epochs.

    Parameters
    ----------
    engine : {"auto", "numpy", "jax"}
        ``"numpy"`` and ``"jax"`` are taken as they are (``"jax"`` needs the ``jax`` extra);
        ``"auto"`` is ``"jax"`` when JAX is installed and :func:`work_of` is at least
        :data:`JAX_MIN_WORK`, else ``"numpy"``.

    Raises
    ------
    ImportError
        ``engine="jax"`` without JAX, naming the ``jax`` extra.
    ValueError
        Another engine name.

    Examples
    --------
    >>> choose_engine("numpy", [2, 4, 1], 400, 10_000)
    'numpy'
    >>> choose_engine("auto", [2, 4, 1], 400, 100)     # 0.5 ms of work: never worth compiling
    'numpy'
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}; Received: {engine!r}")
    if engine == "jax":
        if not jax_installed():
            raise ImportError("jax is needed for --engine jax: pip install 'layerwise[jax]'")
        return "jax"
    if engine == "numpy":
        return "numpy"
    if work_of(layer_dims, m, epochs) >= JAX_MIN_WORK and jax_installed():
        return "jax"
    return "numpy"
