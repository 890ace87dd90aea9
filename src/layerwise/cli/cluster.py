"""``layerwise train DATA --scheduler ADDRESS``: the same training on a dask.distributed cluster.

DATA is a folder of Parquet files (every ``*.parquet`` and ``*.pq`` in it and its
subfolders; or its CSV and TSV files), a glob (``'data/day-*.parquet'``), or one file, at a
path every worker can open (a shared file system). The run is the table workflow's
(:meth:`layerwise.tables.TableModel.fit` with ``client=``): the workers stream their own pieces
of the table, the client makes the plan a single machine makes and holds only the network's
parameters. This module only parses the options the cluster takes and opens the connection;
``train`` prints the same report as for any other run.
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._optional import require
from ..tables.formats import folder_files
from .common import CLIError

__all__ = [
    "add_cluster_options",
    "check_cluster_options",
    "cluster_client",
    "cluster_data",
    "data_files",
]

#: the suffixes of the files a folder or glob contributes
_SUFFIXES = (".parquet", ".pq", ".csv", ".tsv")
#: seconds to wait for the scheduler
_CONNECT_SECONDS = 30


def add_cluster_options(p: Any) -> None:
    """Add ``--scheduler`` to ``train``'s parser."""
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="train on the dask.distributed cluster of this scheduler (tcp://host:8786; the "
        "dask extra): DATA is then a folder of Parquet files, a glob or a file that every "
        "worker can open at the same path; the workers read and encode the rows, the client "
        "holds only the parameters (see 'On a cluster' in the README)",
    )


# --------------------------------------------------------------------------- the files


def data_files(data: str) -> list[str]:
    """The files of DATA: a folder (its Parquet files, or when it has none its CSV and TSV
    files, recursively, sorted: :func:`layerwise.tables.formats.folder_files`), a glob, or a
    file; absolute paths, so that a worker started elsewhere opens the same file.
    A URL (``s3://...``) is passed on as one file for the workers to open."""
    if "://" in data:
        return [data]
    if os.path.isdir(data):
        try:  # the files a table kept as a folder has, wherever a folder is read
            found, _kind = folder_files(data)
        except ValueError as exc:
            raise CLIError(f"{exc}: with --scheduler, DATA is a folder of Parquet files") from None
        what = f"the folder {data!r}"
    elif glob.has_magic(data):
        found = [path for path in glob.glob(data, recursive=True) if os.path.isfile(path)]
        what = f"the pattern {data!r}"
    elif os.path.isfile(data):
        found = [data]
        what = data
    else:
        raise CLIError(
            f"DATA {data!r} is neither a folder, a glob nor a file: with --scheduler, give the "
            f"folder of Parquet files the workers read (e.g. data/ or 'data/*.parquet')"
        )
    found = sorted(os.path.abspath(path) for path in found)
    if not found:
        raise CLIError(
            f"{what} holds no {', '.join(_SUFFIXES)} file: with --scheduler, DATA is a folder "
            f"of Parquet files, a glob or a file"
        )
    return found


# --------------------------------------------------------------------------- the command


#: options of ``train`` the cluster does not run, with what to do instead
_NOT_ON_A_CLUSTER = {
    "sample_weight": "row weights",
    "dropout": "dropout",
    "plot_dir": "plots",
}


def check_cluster_options(args: argparse.Namespace) -> None:
    """Refuse, by name, the options a cluster run does not take."""
    for option, what in _NOT_ON_A_CLUSTER.items():
        if getattr(args, option, None) is not None:
            flag = "--" + option.replace("_", "-")
            raise CLIError(f"{flag}: {what} not available with --scheduler; train without it")
    if getattr(args, "engine", "auto") == "jax":
        raise CLIError(
            "--engine jax trains in this process; with --scheduler the workers compute with "
            "the numpy engine (leave --engine out)"
        )
    if args.dims is not None:
        raise CLIError(
            "train takes the hidden sizes with --layers (e.g. --layers 20,7,5): n[0] and n[L] "
            "come from the data"
        )


def _connect(address: str) -> Any:
    distributed = require("distributed", "dask", "--scheduler (training on a dask cluster)")
    # distributed logs a lost connection with its own traceback; the command says in one line
    # which worker or scheduler went away, and what to do
    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name.split(".")[0] == "distributed":
            logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        client = distributed.Client(address, timeout=_CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        raise CLIError(
            f"--scheduler {address}: no dask scheduler answered within {_CONNECT_SECONDS} s "
            f"({type(exc).__name__}: {exc}); start one with 'dask scheduler' and give its "
            f"address (tcp://host:8786)"
        ) from None
    if not client.scheduler_info().get("workers"):
        try:
            client.wait_for_workers(1, timeout=_CONNECT_SECONDS)
        except (OSError, TimeoutError):
            client.close()
            raise CLIError(
                f"--scheduler {address}: the cluster has no workers; start some with "
                f"'dask worker {address}'"
            ) from None
    return client


@contextmanager
def cluster_client(args: argparse.Namespace) -> Iterator[Any]:
    """The client of ``--scheduler``'s cluster for the run (closed after it), or None without
    ``--scheduler``; prints the cluster's line."""
    if not args.scheduler:
        yield None
        return
    sources = data_files(args.data)
    client = _connect(args.scheduler)
    try:
        n_workers = len(client.scheduler_info()["workers"])
        print(
            f"Cluster: {args.scheduler}, {n_workers} worker(s); data: {len(sources)} file(s) "
            f"read by the workers"
        )
        yield client
    finally:
        client.close()


def cluster_data(data: str) -> Any:
    """What the workers open: the folder or file DATA (absolute), or a glob's files."""
    if glob.has_magic(data) and "://" not in data:
        return data_files(data)
    return data if "://" in data else os.path.abspath(data)
