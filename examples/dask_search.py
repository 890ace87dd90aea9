"""Hyperparameter search for a layerwise network on a Dask cluster.

Searches hidden layer sizes, hidden activations and learning rates of a
:class:`layerwise.sklearn.NetworkClassifier` on scikit-learn's ``digits`` (1797 8x8 images,
10 classes) with ``GridSearchCV`` (or ``RandomizedSearchCV``), running every (candidate, fold)
fit through joblib's Dask backend. Nothing here is specific to layerwise beyond the estimator:
because it is a scikit-learn estimator that pickles, scikit-learn and joblib do the rest.

Usage::

    pip install 'layerwise[sklearn]' 'dask[distributed]'
    python examples/dask_search.py                            # a LocalCluster on this machine
    python examples/dask_search.py --scheduler tcp://10.0.0.5:8786   # a running cluster
    python examples/dask_search.py --random 20 --compare      # 20 random candidates, and the
                                                              # same search on joblib's loky

On a real cluster every worker needs layerwise and scikit-learn installed (the same versions
as here). ``--compare`` runs the same search with joblib's local process backend (loky) and
checks that both give the same scores.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Sequence
from typing import Any

import joblib
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from layerwise.sklearn import NetworkClassifier

GRID = {
    "hidden_layer_sizes": [(32,), (64,), (128,), (64, 32)],
    "activation": ["relu", "leaky_relu", "tanh"],
    "learning_rate_init": [0.01, 0.003, 0.001],
}
DISTRIBUTIONS = {
    "hidden_layer_sizes": GRID["hidden_layer_sizes"],
    "activation": GRID["activation"],
    "learning_rate_init": loguniform(1e-4, 3e-2),
}


def build_search(args: argparse.Namespace, n_jobs: int) -> GridSearchCV | RandomizedSearchCV:
    """The search, identical for every backend (fixed seeds: the results must agree)."""
    estimator = NetworkClassifier(max_iter=args.max_iter, random_state=0)
    if args.random:
        return RandomizedSearchCV(
            estimator,
            DISTRIBUTIONS,
            n_iter=args.random,
            cv=args.cv,
            n_jobs=n_jobs,
            random_state=0,
        )
    return GridSearchCV(estimator, GRID, cv=args.cv, n_jobs=n_jobs)


def timed_fit(search: Any, X: np.ndarray, y: np.ndarray, backend: str, **kw: Any) -> float:
    """Fit ``search`` under a joblib backend; seconds taken."""
    start = time.perf_counter()
    with joblib.parallel_backend(backend, **kw), warnings.catch_warnings():
        # max_iter is kept small on purpose; convergence is not the point of a coarse search
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    return time.perf_counter() - start


def report(name: str, search: Any, seconds: float) -> None:
    n_fits = len(search.cv_results_["params"]) * search.n_splits_
    print(f"{name}: {n_fits} fits in {seconds:.1f} s")
    print(f"  best params: {search.best_params_}")
    print(f"  best mean CV accuracy: {search.best_score_:.4f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler (default: start a LocalCluster)",
    )
    parser.add_argument(
        "--n-workers", type=int, default=2, help="LocalCluster worker processes (default 2)"
    )
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument(
        "--random",
        type=int,
        default=0,
        metavar="N",
        help="RandomizedSearchCV with N candidates instead of the full grid",
    )
    parser.add_argument("--max-iter", type=int, default=40, help="epochs per fit (default 40)")
    parser.add_argument("--cv", type=int, default=3, help="folds (default 3)")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also run the search with joblib's local backend (loky)",
    )
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    X, y = load_digits(return_X_y=True)  # rows are examples: X (1797, 64), raw pixels 0..16
    print(f"digits: X {X.shape}, {len(np.unique(y))} classes")

    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(
            n_workers=args.n_workers,
            threads_per_worker=args.threads_per_worker,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        n_workers = len(client.scheduler_info()["workers"])
        print(f"Dask cluster: {client.scheduler.address} with {n_workers} workers")
        on_dask = build_search(args, n_jobs=-1)
        seconds = timed_fit(on_dask, X, y, "dask")
        report("Dask", on_dask, seconds)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    if args.compare:
        local = build_search(args, n_jobs=args.n_workers)
        local_seconds = timed_fit(local, X, y, "loky", n_jobs=args.n_workers)
        report(f"joblib loky, {args.n_workers} processes", local, local_seconds)
        same = np.array_equal(
            local.cv_results_["mean_test_score"], on_dask.cv_results_["mean_test_score"]
        )
        print(f"same scores on both backends: {same}")
        if not same:
            return 1
    return 0


if __name__ == "__main__":  # the guard matters: worker processes import this file
    raise SystemExit(main())
