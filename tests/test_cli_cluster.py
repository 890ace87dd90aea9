"""``layerwise train DATA --scheduler ADDRESS`` on a real local cluster of two worker processes:
the workers read a folder of Parquet files, the model file is saved and predicts through
``layerwise predict``, to the quality of training in memory; and the errors."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

distributed = pytest.importorskip("distributed", reason="needs the dask extra")
pd = pytest.importorskip("pandas", reason="needs the tables extra")
pytest.importorskip("pyarrow", reason="needs the tables extra")
pytest.importorskip("safetensors", reason="needs the io extra")

from safetensors import safe_open  # noqa: E402

from layerwise.cli import cluster as cli_cluster  # noqa: E402
from layerwise.cli import main  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


def frame(m: int, seed: int) -> pd.DataFrame:
    """Two numbers (one with missing values), a text column and a yes/no label that depends
    on all three."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=m), rng.normal(size=m)
    color = rng.choice(["red", "green", "blue"], size=m)
    score = x1 + 0.5 * x2 + (color == "red") + 0.3 * rng.normal(size=m)
    f = pd.DataFrame(
        {"x1": x1, "x2": x2, "color": color, "label": np.where(score > 0.3, "yes", "no")}
    )
    f.loc[::37, "x2"] = np.nan
    f["price"] = 3.0 * x1 - x2.clip(-2, 2) + 0.1 * rng.normal(size=m)
    return f


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """tab/ with three Parquet files of 400 rows (one in a subfolder), all.csv with the same
    rows, and test.csv with rows from elsewhere."""
    root = tmp_path_factory.mktemp("cluster-cli")
    (root / "tab" / "later").mkdir(parents=True)
    frames = [frame(400, seed) for seed in range(3)]
    for i, f in enumerate(frames):
        where = root / "tab" / ("later" if i == 2 else "") / f"part-{i}.parquet"
        f.to_parquet(where)
    pd.concat(frames).to_csv(root / "all.csv", index=False)
    frame(600, 99).to_csv(root / "test.csv", index=False)
    return root


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def accuracy(capsys, model, test_csv) -> float:
    code, out, err = run(capsys, "predict", model, test_csv)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "row,prediction"
    predicted = [line.split(",")[1] for line in lines[1:]]
    truth = pd.read_csv(test_csv)["label"].tolist()
    assert len(predicted) == len(truth)
    return float(np.mean([p == t for p, t in zip(predicted, truth)]))


COMMON = ["--target", "label", "--drop", "price", "--epochs", "30", "--lr", "0.01", "--quiet"]


def test_train_on_the_cluster_saves_a_model_that_predicts_as_well_as_in_memory(
    capsys, scheduler, folder
):
    model = folder / "cluster.safetensors"
    code, out, err = run(
        capsys, "train", folder / "tab", "--scheduler", scheduler, "--out", model, *COMMON
    )
    assert code == 0, err
    assert "2 worker(s); data: 3 file(s) read by the workers" in out
    assert "Network: n = [6, 128, 1]" in out  # x1, x2 + missing, 3 colors -> n[0] = 6
    # the report of any other run: the same lines, the same defaults, the same figures
    code, streamed, err = run(
        capsys, "train", folder / "tab", "--stream", *COMMON, "--out", folder / "s.safetensors"
    )
    assert code == 0, err
    for start in ("Data: ", "Encoding: ", "Task: ", "Network: ", "Training: "):
        line = next(x for x in out.splitlines() if x.startswith(start))
        same = next(x for x in streamed.splitlines() if x.startswith(start))
        if start != "Data: ":
            assert line == same, (line, same)
    assert "mini-batches of 32, " in out  # the plan's batch for about 1 080 rows, not 135
    for start in ("Training:   cost ", "Validation: cost "):
        [line] = [x for x in out.splitlines() if x.startswith(start)]
        assert re.match(r"\S+ +cost \d\.\d{4}  accuracy \d\.\d{4}  \(\d+ rows\)$", line), line
    assert f"Saved the model to {model}" in out
    with safe_open(str(model), framework="np") as f:
        meta = json.loads(f.metadata()["layerwise"])["extra"]
    training = meta["training"]
    assert training["rows"] == 1200 and training["files"] == 3 and training["workers"] == 2
    assert training["scheduler"] == scheduler
    assert 0.8 < meta["metrics"]["validation"]["accuracy"] <= 1.0

    memory = folder / "memory.safetensors"
    code, _, err = run(capsys, "train", folder / "all.csv", "--out", memory, *COMMON)
    assert code == 0, err
    on_cluster, in_memory = (
        accuracy(capsys, model, folder / "test.csv"),
        accuracy(capsys, memory, folder / "test.csv"),
    )
    assert on_cluster > 0.85
    assert abs(on_cluster - in_memory) < 0.03, (on_cluster, in_memory)


def test_a_regression_from_a_glob_in_the_targets_units(capsys, scheduler, folder):
    model = folder / "price.safetensors"
    pattern = folder / "tab" / "**" / "*.parquet"
    code, out, err = run(
        capsys, "train", pattern, "--scheduler", scheduler, "--target", "price",
        "--drop", "label", "--epochs", "40", "--lr", "0.01", "--quiet", "--out", model,
    )  # fmt: skip
    assert code == 0, err
    assert "Task: regression; output linear, loss mse" in out
    code, out, err = run(capsys, "predict", model, folder / "test.csv")
    assert code == 0, err
    predicted = np.array([float(line.split(",")[1]) for line in out.strip().splitlines()[1:]])
    truth = pd.read_csv(folder / "test.csv")["price"].to_numpy()
    r2 = 1 - np.sum((truth - predicted) ** 2) / np.sum((truth - truth.mean()) ** 2)
    assert r2 > 0.95  # predictions in the target's own units, not standardized ones


def test_data_files_of_a_folder_a_glob_and_a_file(folder):
    found = cli_cluster.data_files(str(folder / "tab"))
    names = ["part-2.parquet", "part-0.parquet", "part-1.parquet"]  # later/ sorts first
    assert [p.rsplit("/", 1)[1] for p in found] == names
    assert cli_cluster.data_files(str(folder / "tab" / "part-*.parquet")) == found[1:]
    assert cli_cluster.data_files(str(folder / "all.csv")) == [str(folder / "all.csv")]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sample-weight", "x1"], "--sample-weight: row weights not available with --scheduler"),
        (["--dropout", "0.8"], "--dropout: dropout not available with --scheduler"),
        (["--engine", "jax"], "--engine jax trains in this process"),
    ],
)
def test_options_the_cluster_does_not_run_are_refused(capsys, folder, extra, message):
    code, _, err = run(capsys, "train", folder / "tab", "--scheduler", "tcp://127.0.0.1:1", *extra)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_data_that_is_not_there_is_named(capsys, folder):
    code, _, err = run(capsys, "train", folder / "nothing", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2
    assert "is neither a folder, a glob nor a file" in err
    code, _, err = run(capsys, "train", folder / "tab" / "*.csv", "--scheduler", "tcp://x:1")
    assert code == 2
    assert "holds no .parquet, .pq, .csv, .tsv file" in err


def test_a_scheduler_that_does_not_answer_is_named(capsys, folder, monkeypatch):
    monkeypatch.setattr(cli_cluster, "_CONNECT_SECONDS", 1)
    code, _, err = run(capsys, "train", folder / "tab", "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2
    assert "--scheduler tcp://127.0.0.1:9: no dask scheduler answered within 1 s" in err


_CLIENT_PEAK = r"""
import json, sys

from layerwise._memory import peak_rss as peak

from layerwise.cli import main
code = main(json.loads(sys.argv[1]))
print("PEAK", code, peak())
"""


def test_the_client_holds_the_parameters_not_the_table(scheduler, tmp_path):
    """Four times the rows on the workers: the client's peak RSS (a process of its own) stays
    where it was, far below 512 MiB."""
    import subprocess
    import sys

    peaks = {}
    for name, m in (("small", 20_000), ("big", 80_000)):
        (tmp_path / name).mkdir()
        for i in range(4):
            frame(m // 4, seed=10 + i).to_parquet(tmp_path / name / f"part-{i}.parquet")
        args = ["train", str(tmp_path / name), "--scheduler", scheduler, "--epochs", "1"]
        args += ["--quiet", "--early-stopping", "0"]
        done = subprocess.run(
            [sys.executable, "-c", _CLIENT_PEAK, json.dumps(args)],
            capture_output=True,
            text=True,
        )
        line = [x for x in done.stdout.splitlines() if x.startswith("PEAK")]
        assert line and line[0].split()[1] == "0", done.stdout + done.stderr
        peaks[name] = int(line[0].split()[2])
    assert peaks["big"] < 512 * 2**20, peaks
    assert peaks["big"] - peaks["small"] < 32 * 2**20, peaks


# --------------------------------------------------------------------------- faults
#
# Real `dask scheduler` and `dask worker` processes on 127.0.0.1 (no nanny, so that a signal
# reaches the worker itself), and `layerwise train --scheduler` in a process of its own, with
# calls to the workers limited to a few seconds (LAYERWISE_CLUSTER_TIMEOUT).


class _Cluster:
    def __init__(self, root, n_workers: int = 2) -> None:
        import os
        import subprocess
        import sys
        import time

        dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
        self.file = root / "scheduler.json"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.scheduler = subprocess.Popen(
            [*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(self.file)], **quiet,
        )  # fmt: skip
        self.workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "distributed.cli.dask_worker",
                    "--scheduler-file",
                    str(self.file),
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                **quiet,
            )
            for _ in range(n_workers)
        ]
        try:  # the processes go with the test, whatever fails here
            deadline = time.monotonic() + 60
            while not self.file.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            self.address = json.loads(self.file.read_text())["address"]
            with distributed.Client(self.address, timeout=30) as client:
                client.wait_for_workers(n_workers, timeout=60)
                pids = client.run(os.getpid)  # address -> pid
        except BaseException:
            self.close()
            raise
        self.by_pid = {pid: address for address, pid in pids.items()}

    def close(self) -> None:
        import signal

        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.kill()
            p.wait()


@pytest.fixture
def dask_processes(tmp_path):
    cluster = _Cluster(tmp_path)
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def long_folder(tmp_path_factory):
    """Sixteen Parquet files of 2 000 rows: hundreds of steps an epoch."""
    root = tmp_path_factory.mktemp("cluster-faults") / "d"
    root.mkdir()
    for i in range(16):
        frame(2000, 50 + i).to_parquet(root / f"p{i:02d}.parquet")
    return root


def _train_process(folder, address, out, seconds="3"):
    """``layerwise train`` on the cluster in its own process, after its plan is printed."""
    import os
    import subprocess
    import sys
    import time

    env = {**os.environ, "LAYERWISE_CLUSTER_TIMEOUT": seconds, "PYTHONUNBUFFERED": "1"}
    args = ["train", str(folder), "--scheduler", address, "--target", "label", "--drop", "price"]
    args += ["--epochs", "200", "--early-stopping", "0", "--quiet", "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "layerwise", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:  # training starts once the plan is printed
        if line.startswith("Training: "):
            break
    time.sleep(1.0)
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    return proc


def _finish(proc, seconds: float = 60):
    out, err = proc.communicate(timeout=seconds)
    return proc.returncode, out, err


def test_ctrl_c_on_a_cluster_run_exits_130_with_one_line(dask_processes, long_folder, tmp_path):
    import signal

    out = tmp_path / "m.safetensors"
    proc = _train_process(long_folder, dask_processes.address, out)
    proc.send_signal(signal.SIGINT)
    code, stdout, err = _finish(proc)
    assert code == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Interrupted (Ctrl-C) after "), err
    assert "Traceback" not in err + stdout
    # as for a run in memory: the model of that point is saved, and says it was interrupted
    with safe_open(str(out), framework="np") as f:
        meta = json.loads(f.metadata()["layerwise"])["extra"]["training"]
    assert meta["stop_reason"] == "interrupted" and meta["engine"] == "cluster"


def test_a_frozen_worker_is_named_within_the_time_limit(dask_processes, long_folder, tmp_path):
    import os
    import signal
    import time

    proc = _train_process(long_folder, dask_processes.address, tmp_path / "m.safetensors")
    pid, address = next(iter(dask_processes.by_pid.items()))
    os.kill(pid, signal.SIGSTOP)
    began = time.monotonic()
    code, _, err = _finish(proc)
    assert time.monotonic() - began < 40
    assert code == 1
    assert f"the worker {address} did not answer a training step within 3 s" in err, err
    assert "restart it or remove it from the cluster" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "m.safetensors").exists()


def test_a_killed_worker_is_named(dask_processes, long_folder, tmp_path):
    import os
    import signal

    proc = _train_process(long_folder, dask_processes.address, tmp_path / "m.safetensors")
    pid, address = next(iter(dask_processes.by_pid.items()))
    os.kill(pid, signal.SIGKILL)
    code, _, err = _finish(proc)
    assert code == 1
    assert f"the worker {address} went away during a training step" in err, err
    assert "Unable to contact" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_killed_scheduler_is_named(dask_processes, long_folder, tmp_path):
    import signal

    proc = _train_process(long_folder, dask_processes.address, tmp_path / "m.safetensors")
    dask_processes.scheduler.send_signal(signal.SIGKILL)
    code, _, err = _finish(proc)
    assert code == 1
    assert f"the scheduler {dask_processes.address} went away" in err, err
    assert "worker" not in err.split("went away")[0]  # it does not blame a worker
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def _wide(m: int, seed: int) -> pd.DataFrame:
    """20 numbers and a yes/no label that depends on the first two."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 20))
    f = pd.DataFrame(X, columns=[f"x{j}" for j in range(20)])
    f["label"] = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    return f


def _worker_peak(root, m: int) -> int:
    """The peak RSS (VmHWM) of a fresh worker process that trained one epoch on m rows."""
    from layerwise.tables import TableModel

    folder = root / f"rows-{m}"
    folder.mkdir()
    for i in range(4):
        _wide(m // 4, seed=i).to_parquet(folder / f"p{i}.parquet", row_group_size=8192)
    (root / "cluster").mkdir()
    cluster = _Cluster(root / "cluster", n_workers=1)
    try:
        with distributed.Client(cluster.address) as client:

            def small_buffer() -> None:  # a buffer smaller than the worker's rows
                import layerwise.tables.stream_fit as stream_fit

                stream_fit.BUFFER_BYTES = 4 * 2**20

            client.run(small_buffer)
            model = TableModel(
                target="label", epochs=1, validation_split=0.02, batch_size=8192, learning_rate=0.01
            )
            model.fit(folder, client=client)
            assert model.metrics["validation"]["accuracy"] > 0.85

            def peak() -> int:
                from layerwise._memory import peak_rss

                return int(peak_rss() or 0)

            [value] = client.run(peak).values()
    finally:
        cluster.close()
    return int(value)


def test_a_workers_memory_follows_its_batch_not_its_share(tmp_path):
    """Four times the rows on the worker, 120 000 and 480 000 rows × 20 numbers (both above
    the encoder's sample of 100 000 rows, which is bounded; 58 MB more as float64, and the
    frame and a shuffled copy as much again each, held by a worker that kept its files):
    its peak RSS stays where it was."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    small, big = _worker_peak(tmp_path / "a", 120_000), _worker_peak(tmp_path / "b", 480_000)
    assert small > 0
    assert big - small < 24 * 2**20, (small, big)
