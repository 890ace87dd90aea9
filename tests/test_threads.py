"""BLAS threads during fit: one where the products are small or no core is free, restored
after."""

from __future__ import annotations

import os

import numpy as np
import pytest

import layerwise as lw
from layerwise import threads

threadpoolctl = pytest.importorskip(
    "threadpoolctl", reason="thread control needs threadpoolctl (the threads extra)"
)
if (os.cpu_count() or 1) < 2:  # pragma: no cover
    pytest.skip("one core: there are no threads to choose", allow_module_level=True)


def blas_threads() -> int:
    return max(
        info["num_threads"]
        for info in threadpoolctl.threadpool_info()
        if info["user_api"] == "blas"
    )


class SeeThreads:
    def __init__(self):
        self.seen = []

    def on_epoch_end(self, epoch, logs):
        self.seen.append(blas_threads())


@pytest.fixture
def two_threads():
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        yield


def test_small_products_train_on_one_thread_and_the_limit_is_restored(two_threads):
    X, Y = lw.datasets.moons(m=64, seed=0)
    seen = SeeThreads()
    lw.Network([2, 8, 1], seed=0).fit(X, Y, epochs=3, batch_size=16, callbacks=[seen])
    assert seen.seen == [1, 1, 1]
    assert blas_threads() == 2  # restored


@pytest.mark.parametrize("free, expected", [(1, 1), (2, 2), (8, 2)])
def test_large_products_use_the_free_cores(two_threads, monkeypatch, free, expected):
    monkeypatch.setattr(threads, "free_cores", lambda: free)
    n = 1024  # one product of 1024 × 1024 × 4 multiply-adds: above the one-thread limit
    assert n * n * 4 >= threads.ONE_THREAD_BELOW
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((n, 4)), rng.random((1, 4)).round()
    seen = SeeThreads()
    lw.Network([n, n, 1], seed=0).fit(X, Y, epochs=1, callbacks=[seen])
    assert seen.seen == [expected]
    assert blas_threads() == 2


def test_without_threadpoolctl_the_threads_are_left_alone(two_threads, monkeypatch):
    monkeypatch.setattr(threads, "_controller", lambda: None)
    X, Y = lw.datasets.moons(m=64, seed=0)
    seen = SeeThreads()
    lw.Network([2, 8, 1], seed=0).fit(X, Y, epochs=2, callbacks=[seen])
    assert seen.seen == [2, 2]


def test_free_cores_reads_the_running_processes():
    free = threads.free_cores()
    if not os.path.exists("/proc/loadavg"):
        assert free is None
    else:
        assert 1 <= free <= (os.cpu_count() or 1)
