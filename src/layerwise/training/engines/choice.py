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

``auto`` also counts the memory the jax engine needs beyond what the process already holds,
and takes numpy when that is more than there is (:func:`jax_memory_need`,
:func:`memory_room`): a fit of X (64, 250 000) and (64, 500 000) float64 after its data was
in memory grew the peak resident memory by 1.0 times the bytes of X and Y with the numpy
engine and by 2.0 times with the jax engine (a copy of the data on the device and a shuffled
one per run of epochs), after JAX itself had taken 0.3 GiB of resident memory and 1.4 GiB of
address space (what a process's address-space limit counts).
"""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Sequence

__all__ = [
    "ENGINES",
    "JAX_MIN_WORK",
    "JAX_DATA_FACTOR",
    "work_of",
    "jax_installed",
    "jax_memory_need",
    "memory_room",
    "choose_engine",
    "engine_memory_notice",
]

#: the names ``train --engine`` takes
ENGINES = ("auto", "numpy", "jax")

#: the work (multiply-adds) from which ``auto`` picks the jax engine, measured with
#: benchmarks/engine_choice.py (see the module's docstring and the README's "Engines")
JAX_MIN_WORK = 1e11


#: the bytes the jax engine's fit holds beyond the data's, per byte of X and Y, and what JAX
#: itself takes once imported: resident memory and address space (measured, see above)
JAX_DATA_FACTOR = 2.0
JAX_RESIDENT_BYTES = 300 * 2**20
JAX_ADDRESS_BYTES = 1400 * 2**20


def jax_memory_need(data_bytes: int) -> tuple[int, int]:
    """(resident bytes, address space bytes) the jax engine's fit needs beyond what the
    process holds, for X and Y of ``data_bytes`` bytes."""
    extra = int(JAX_DATA_FACTOR * data_bytes)
    return extra + JAX_RESIDENT_BYTES, extra + JAX_ADDRESS_BYTES


def memory_room() -> tuple[int | None, int | None]:
    """(memory available, address space left under the process's limit) in bytes, each None
    where the system does not say (or sets no limit)."""
    from ..._checks import available_memory

    room = None
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            room = soft - _address_space()
    except (ImportError, OSError, ValueError):  # pragma: no cover - not on POSIX
        pass
    return available_memory(), room


def _address_space() -> int:
    """The process's address space now (VmSize), 0 where /proc does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def engine_memory_notice(data_bytes: int) -> str | None:
    """Why the jax engine would not fit in memory for X and Y of ``data_bytes`` bytes, or
    None when it fits (or nothing is known)."""
    from ..._checks import format_bytes

    resident, address = jax_memory_need(data_bytes)
    available, room = memory_room()
    for need, have, what in (
        (resident, available, "of the memory available"),
        (address, room, "of address space left under the process's limit"),
    ):
        if have is not None and need > have:
            return (
                f"the jax engine would need about {format_bytes(need)} more, and there is "
                f"{format_bytes(max(have, 0))} {what}"
            )
    return None


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


def choose_engine(
    engine: str, layer_dims: Sequence[int], m: int, epochs: int, data_bytes: int = 0
) -> str:
    """The engine ``"numpy"`` or ``"jax"`` that trains a network of ``layer_dims`` on m
    examples for at most ``epochs`` epochs.

    Parameters
    ----------
    engine : {"auto", "numpy", "jax"}
        ``"numpy"`` and ``"jax"`` are taken as they are (``"jax"`` needs the ``jax`` extra);
        ``"auto"`` is ``"jax"`` when JAX is installed, :func:`work_of` is at least
        :data:`JAX_MIN_WORK` and the jax engine fits in memory
        (:func:`engine_memory_notice`), else ``"numpy"``.
    data_bytes : int
        The bytes of X (n[0], m) and Y (n[L], m) the fit takes (0: not counted).

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
        if data_bytes and engine_memory_notice(data_bytes) is not None:
            return "numpy"
        return "jax"
    return "numpy"
