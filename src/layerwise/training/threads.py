"""BLAS threads during training: no more threads than the products can use and the machine has
free.

NumPy's BLAS (OpenBLAS) starts as many threads as there are cores and splits every product
above a small size between them. Two kinds of training lose by it:

- a network whose products are small (the digits network's 128 × 64 on batches of 64): the
  threads' hand-over costs about what the second core saves;
- any network while another process keeps a core busy (a second cross-validation fold, a
  Dask worker, a laptop doing other work): OpenBLAS's threads wait for each other, and one
  of them waits for the core the other process holds, so a product takes several times as
  long as on one thread.

``benchmarks/threads.py`` measures both on the three products of a training step (W·A, dZ·Aᵀ,
Wᵀ·dZ) of an n × n layer on batches of b, with one thread and with all of them, quiet and with
another process spinning on one core (``benchmarks/threads.md``). From it, during ``fit`` (the
numpy engine):

- one thread when the largest product of a step, n[l]·n[l−1]·b multiply-adds, is below
  :data:`ONE_THREAD_BELOW`;
- otherwise no more threads than the cores no other process is running on (read from
  ``/proc/loadavg``'s count of running processes, where it exists), and never fewer than one;

and the previous limits come back when ``fit`` returns. This needs threadpoolctl (the
``threads`` extra; scikit-learn brings it too): without it, or with one core, the threads are
left as they are.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["ONE_THREAD_BELOW", "blas_threads_for", "free_cores", "core_for_reading"]

#: below this many multiply-adds in a step's largest product, n[l]·n[l−1]·b, a second BLAS
#: thread saved nothing in benchmarks/threads.md even on the quieter machine (up to 262 144
#: OpenBLAS runs one thread by itself; from 524 288 to 4 194 304 two threads took 1.1 to 5
#: times as long; from 8 388 608 on they start to win, by up to a quarter)
ONE_THREAD_BELOW = 1 << 22


@functools.cache
def _controller() -> Any:
    """threadpoolctl's view of the BLAS libraries loaded (made once: it scans the process),
    or None without threadpoolctl."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl.ThreadpoolController().select(user_api="blas")


def free_cores(samples: int = 3) -> int | None:
    """Cores that no other process is running on: the cores less the running processes
    other than this one, the least over a few readings of ``/proc/loadavg`` a millisecond
    apart (a process that runs for an instant is not a busy core). None where that file does
    not exist."""
    cores = os.cpu_count() or 1
    running = []
    for i in range(samples):
        try:
            with open("/proc/loadavg") as f:
                running.append(int(f.read().split()[3].split("/")[0]))
        except (OSError, ValueError, IndexError):
            return None
        if i + 1 < samples:
            time.sleep(0.001)
    return max(cores - (min(running) - 1), 1)


@contextmanager
def blas_threads_for(layer_dims: Sequence[int], batch_size: int) -> Iterator[int | None]:
    """Limit NumPy's BLAS threads for training a network of ``layer_dims`` on batches of
    ``batch_size`` (see the module's rule); yields the limit set, or None when the threads
    are left as they are."""
    cores = os.cpu_count() or 1
    controller = _controller() if cores > 1 else None
    if controller is None or not controller.lib_controllers:
        yield None
        return
    largest = max(layer_dims[l] * layer_dims[l - 1] for l in range(1, len(layer_dims)))
    threads = 1 if largest * batch_size < ONE_THREAD_BELOW else free_cores()
    have = max((lib.num_threads for lib in controller.lib_controllers), default=cores)
    if threads is None or threads >= have:
        yield None
        return
    with controller.limit(limits=threads):
        yield threads


@contextmanager
def core_for_reading() -> Iterator[bool]:
    """Leave one core to a thread that reads and encodes data while the network trains:
    NumPy's BLAS is limited to the other cores for the duration. Yields whether a core is
    left (False on one core, or without threadpoolctl, where a reading thread would only
    compete with BLAS's own threads: measured on two cores, 4.1 µs per row with a reading
    thread beside two BLAS threads against 2.8 with one BLAS thread, and 3.6 with no reading
    thread; benchmarks/stream.py)."""
    cores = os.cpu_count() or 1
    controller = _controller() if cores > 1 else None
    if controller is None or not controller.lib_controllers:
        yield False
        return
    with controller.limit(limits=cores - 1):
        yield True
