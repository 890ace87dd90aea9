"""Throughput of layerwise.cluster.fit on a local cluster: rows per second with 1 and 2 worker
processes (one thread each), against Network.fit in this process, on a generated table.

    python benchmarks/cluster.py [--rows 200000] [--features 30] [--epochs 2]

The table is generated on the workers (each makes its own part from a seed), so the client
never holds it; the in-process reference makes the same rows here.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

import layerwise as lw
import layerwise.cluster as lc


def make_part(seed: int, rows: int, features: int) -> tuple[np.ndarray, np.ndarray]:
    """X (features, rows), Y (1, rows): a noisy linear rule of the first ten features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(features, rows))
    w = np.linspace(1.0, 0.1, min(10, features))
    score = w @ X[: w.size] + 0.5 * rng.normal(size=rows)
    return X, (score > 0).astype(np.float64)[None, :]


def network(features: int) -> lw.Network:
    return lw.Network([features, 64, 32, 1], hidden="relu", init="he", seed=0)


def main() -> None:
    from distributed import Client, LocalCluster, wait

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1024, 8192])
    args = parser.parse_args()
    rows, n0, epochs = args.rows, args.features, args.epochs
    print(f"{rows} rows x {n0} features, network [{n0}, 64, 32, 1], adam, {epochs} epochs")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    halves = [rows // 2, rows - rows // 2]
    for n_workers in (1, 2):
        with (
            LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            client.wait_for_workers(n_workers)
            workers = sorted(client.scheduler_info()["workers"])
            # two parts in either case, made on the workers (the same rows as above)
            parts = [
                client.submit(make_part, i, m, n0, workers=[workers[i % n_workers]], pure=False)
                for i, m in enumerate(halves)
            ]
            wait(parts)  # made before the clock starts
            for B in args.batch_sizes:
                net = network(n0)
                cpu = client.run(time.process_time)
                start = time.perf_counter()
                h = lc.fit(
                    net, client, parts, epochs=epochs, batch_size=B, learning_rate=0.001,
                    optimizer="adam", seed=0,
                )  # fmt: skip
                took = time.perf_counter() - start
                busy = sum(t - cpu[w] for w, t in client.run(time.process_time).items())
                steps = epochs * -(-rows // B)
                print(
                    f"{n_workers} worker(s), B={B}: {rows * epochs / took:,.0f} rows/s "
                    f"({rows * epochs / took / n_workers:,.0f} per worker), "
                    f"{1000 * took / steps:.1f} ms/step, {rows * epochs / busy:,.0f} rows per "
                    f"worker CPU second, cost {h.cost[-1]:.4f}"
                )
    # the client (and the LocalCluster's scheduler, in the same process) held θ only
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"client peak RSS: {peak:.0f} MiB (scheduler included)")

    X = np.hstack([make_part(i, m, n0)[0] for i, m in enumerate(halves)])
    Y = np.hstack([make_part(i, m, n0)[1] for i, m in enumerate(halves)])
    for B in args.batch_sizes:
        net = network(n0)
        cpu0 = time.process_time()
        start = time.perf_counter()
        h = net.fit(X, Y, epochs=epochs, batch_size=B, learning_rate=0.001, optimizer="adam")
        took = time.perf_counter() - start
        busy = time.process_time() - cpu0
        print(
            f"in process (Network.fit), B={B}: {rows * epochs / took:,.0f} rows/s, "
            f"{rows * epochs / busy:,.0f} rows per CPU second, cost {h.cost[-1]:.4f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
