"""Training on a dask.distributed cluster (layerwise.cluster), on a real local cluster of two
worker processes.

The reference is single-process training: ``Network.fit`` on the same rows from the same
initial weights. One step must match it to 1e-10 in float64 (the mean of the workers'
gradient sums is the gradient of the global batch), a few epochs must reach its cost.
"""

from __future__ import annotations

import gc
import itertools
import time

import numpy as np
import pytest

import layerwise as lw

distributed = pytest.importorskip("distributed", reason="needs the dask extra")
pd = pytest.importorskip("pandas", reason="needs the tables extra")

import layerwise.cluster as lc  # noqa: E402  (after the skip: needs distributed)
from layerwise.tables import TableEncoder  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        c.wait_for_workers(2)
        yield c


def blobs(m: int = 300, n0: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (n0, m) and a 0/1 target Y (1, m) that depends on the first two features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n0, m))
    Y = (X[0:1] + 0.5 * X[1:2] + 0.3 * rng.normal(size=(1, m)) > 0).astype(float)
    return X, Y


def split(X: np.ndarray, Y: np.ndarray, cuts: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Uneven parts by column: [0, c1), [c1, c2), ..."""
    edges = [0, *cuts, X.shape[1]]
    return [(X[:, a:b], Y[:, a:b]) for a, b in itertools.pairwise(edges)]


# --------------------------------------------------------------------------- one step


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_one_step_equals_the_single_process_step(client, optimizer):
    X, Y = blobs(301)
    parts = lc.scatter_parts(client, split(X, Y, [120]))  # 120 and 181 rows
    on_cluster = lw.Network([5, 4, 3, 1], hidden="tanh", seed=3)
    here = lw.Network([5, 4, 3, 1], hidden="tanh", seed=3)
    before = here.params["W1"].copy()
    h = lc.fit(on_cluster, client, parts, epochs=1, learning_rate=0.1, optimizer=optimizer, l2=0.3)
    h_ref = here.fit(X, Y, epochs=1, learning_rate=0.1, optimizer=optimizer, l2=0.3)
    assert not np.allclose(here.params["W1"], before)  # the step moved the weights
    for key in here.params:
        np.testing.assert_allclose(on_cluster.params[key], here.params[key], rtol=0, atol=1e-10)
    assert h.cost[0] == pytest.approx(h_ref.cost[0], abs=1e-12)
    assert h.accuracy[0] == pytest.approx(h_ref.accuracy[0], abs=1e-12)


def test_mini_batch_steps_equal_single_process_steps_on_the_same_rows(client):
    # without shuffling, step k takes rows k*m_i//S .. (k+1)*m_i//S − 1 of every part: the
    # reference runs one single-process step on exactly those columns, step after step
    X, Y = blobs(240)
    pieces = split(X, Y, [90])  # 90 and 150 rows; B = 60 -> S = 4 steps of 22/23 + 37/38
    parts = lc.scatter_parts(client, pieces)
    on_cluster = lw.Network([5, 6, 1], hidden="relu", init="he", seed=1)
    here = lw.Network([5, 6, 1], hidden="relu", init="he", seed=1)
    lc.fit(on_cluster, client, parts, epochs=2, learning_rate=0.2, batch_size=60, shuffle=False)
    for _epoch in range(2):
        for k in range(4):
            cols = [(Xi[:, k * Xi.shape[1] // 4 : (k + 1) * Xi.shape[1] // 4]) for Xi, _ in pieces]
            rows = [(Yi[:, k * Yi.shape[1] // 4 : (k + 1) * Yi.shape[1] // 4]) for _, Yi in pieces]
            here.fit(np.hstack(cols), np.hstack(rows), epochs=1, learning_rate=0.2)
    for key in here.params:
        np.testing.assert_allclose(on_cluster.params[key], here.params[key], rtol=0, atol=1e-10)


# --------------------------------------------------------------------------- epochs


def test_a_few_epochs_reach_the_cost_of_single_process_training(client):
    X, Y = blobs(2000, seed=4)
    parts = lc.scatter_parts(client, split(X, Y, [700]))
    options = dict(epochs=8, learning_rate=0.01, batch_size=100, optimizer="adam")
    on_cluster = lw.Network([5, 16, 1], hidden="relu", init="he", seed=2)
    here = lw.Network([5, 16, 1], hidden="relu", init="he", seed=2)
    h = lc.fit(on_cluster, client, parts, seed=7, **options)
    h_ref = here.fit(X, Y, **options)
    assert len(h.cost) == 8 and h.cost[-1] < 0.6 * h.cost[0]
    # the batches differ (each worker shuffles its own rows), the quality does not
    assert h.cost[-1] == pytest.approx(h_ref.cost[-1], rel=0.15)
    assert on_cluster.evaluate(X, Y)["accuracy"] == pytest.approx(
        here.evaluate(X, Y)["accuracy"], abs=0.02
    )
    assert h.learning_rate == [0.01] * 8

    # the workers' trainers (with their shuffled copies of the rows) end with the run
    def trainers(dask_worker):
        return len(dask_worker.state.actors)

    gc.collect()
    deadline = time.monotonic() + 10  # the release reaches the workers asynchronously
    while set(client.run(trainers).values()) != {0} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(client.run(trainers).values()) == {0}


def test_the_same_seed_gives_the_same_run(client):
    X, Y = blobs(200)
    parts = lc.scatter_parts(client, split(X, Y, [80]))
    a, b = (lw.Network([5, 4, 1], seed=0) for _ in range(2))
    ha = lc.fit(a, client, parts, epochs=3, batch_size=32, learning_rate=0.5, seed=11)
    hb = lc.fit(b, client, parts, epochs=3, batch_size=32, learning_rate=0.5, seed=11)
    assert ha.cost == hb.cost
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])


def test_validation_on_the_workers_equals_evaluate(client):
    X, Y = blobs(400, seed=5)
    Xv, Yv = blobs(150, seed=6)
    parts = lc.scatter_parts(client, split(X, Y, [200]))
    val = lc.scatter_parts(client, split(Xv, Yv, [50]))
    net = lw.Network([5, 8, 1], hidden="tanh", seed=0)
    h = lc.fit(net, client, parts, epochs=2, learning_rate=0.5, validation=val)
    expected = net.evaluate(Xv, Yv)
    assert h.val_cost[-1] == pytest.approx(expected["cost"], rel=1e-12)
    assert h.val_accuracy[-1] == pytest.approx(expected["accuracy"], abs=1e-12)


def test_regression_records_r2_as_scikit_learn_computes_it(client):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3, 300))
    Y = np.vstack([X[0] - 2 * X[1], X[2] ** 2]) + 0.1 * rng.normal(size=(2, 300))
    parts = lc.scatter_parts(client, split(X, Y, [100, 170]))
    val = lc.scatter_parts(client, split(X, Y, [150]))
    net = lw.Network([3, 8, 2], hidden="tanh", output="linear", seed=0)
    ref = lw.Network([3, 8, 2], hidden="tanh", output="linear", seed=0)
    h = lc.fit(net, client, parts, epochs=1, learning_rate=0.05, validation=val)
    AL = ref.predict_proba(X)  # the full batch's forward pass, before the update
    assert h.r2[0] == pytest.approx(sklearn_metrics.r2_score(Y.T, AL.T), abs=1e-10)
    assert h.val_r2[0] == pytest.approx(
        sklearn_metrics.r2_score(Y.T, net.predict_proba(X).T), abs=1e-10
    )


def test_early_stopping_keeps_the_best_epoch(client):
    X, Y = blobs(300, seed=8)
    parts = lc.scatter_parts(client, split(X, Y, [150]))
    # validation labels are the opposite: the better training gets, the worse val_cost
    val = lc.scatter_parts(client, [(X, 1.0 - Y)])
    net = lw.Network([5, 4, 1], hidden="tanh", seed=0)
    start = net.evaluate(X, 1.0 - Y)["cost"]
    h = lc.fit(net, client, parts, epochs=50, learning_rate=0.5, validation=val, early_stopping=2)
    assert h.stop_reason == "early_stopping"
    assert h.epochs == 3 and h.best_epoch == 0
    assert start < h.val_cost[0] < h.val_cost[1] < h.val_cost[2]
    assert net.evaluate(X, 1.0 - Y)["cost"] == pytest.approx(h.val_cost[0], rel=1e-12)


def test_divergence_is_caught_and_the_weights_put_back(client):
    X, Y = blobs(200)
    Y = 1e3 * X[:1] ** 3  # a wild regression target
    parts = lc.scatter_parts(client, split(X, Y, [100]))
    net = lw.Network([5, 16, 1], hidden="relu", output="linear", init="he", seed=0)
    with pytest.raises(lw.TrainingDivergedError, match="smaller learning rate than 10") as info:
        lc.fit(net, client, parts, epochs=30, learning_rate=10.0)
    assert info.value.history is not None
    # the parameters from before the diverging epoch are back: finite, and they predict
    assert all(np.isfinite(p).all() for p in net.params.values())
    assert np.isfinite(net.predict_proba(X)).all()


def test_float32_training_follows_float64(client):
    X, Y = blobs(400, seed=9)
    pieces = split(X, Y, [150])
    parts = lc.scatter_parts(client, pieces)
    options = dict(epochs=3, learning_rate=0.05, batch_size=100, optimizer="adam", seed=3)
    single = lw.Network([5, 8, 1], hidden="tanh", seed=0, dtype="float32")
    double = lw.Network([5, 8, 1], hidden="tanh", seed=0)
    h32 = lc.fit(single, client, parts, **options)
    h64 = lc.fit(double, client, parts, **options)
    assert single.params["W1"].dtype == np.float32
    np.testing.assert_allclose(h32.cost, h64.cost, rtol=1e-4)


def test_a_schedule_and_ctrl_c_as_in_fit(client):
    X, Y = blobs(200)
    parts = lc.scatter_parts(client, split(X, Y, [100]))

    class CtrlCAtEpoch1:
        def on_epoch_end(self, epoch, logs):
            if epoch == 1:
                raise KeyboardInterrupt

    net = lw.Network([5, 4, 1], seed=0)
    h = lc.fit(
        net, client, parts, epochs=5, learning_rate=0.4, lr_schedule="inverse_time",
        callbacks=[CtrlCAtEpoch1()],
    )  # fmt: skip
    assert h.interrupted and h.stop_reason == "interrupted"
    assert h.learning_rate == [0.4, 0.2]  # α0 / (1 + epoch)
    assert np.isfinite(net.params["W1"]).all()


# --------------------------------------------------------------------------- files


def survey(m: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=m), rng.normal(size=m)
    colour = rng.choice(["red", "green", "blue"], size=m)
    score = x1 + (colour == "red") - (colour == "blue")
    label = np.where(score > 0.7, "high", np.where(score < -0.7, "low", "mid"))
    x2[rng.random(m) < 0.05] = np.nan
    return pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "label": label})


def test_files_are_read_and_encoded_on_the_workers(client, tmp_path, monkeypatch):
    frames = [survey(180, 0), survey(150, 1), survey(120, 2)]
    paths = [tmp_path / "a.parquet", tmp_path / "b.parquet", tmp_path / "c.csv"]
    frames[0].to_parquet(paths[0])
    frames[1].to_parquet(paths[1])
    frames[2].to_csv(paths[2], index=False)
    whole = pd.concat(frames, ignore_index=True)
    encoder = TableEncoder().fit(frames[0].drop(columns="label"))  # fitted on a sample
    classes = ["high", "low", "mid"]
    reader = lc.TableReader(encoder, "label", classes=classes, output="softmax")
    parts = lc.read_parts(client, paths, reader)
    assert all(isinstance(p, distributed.Future) for p in parts)

    # what the workers hold: the encoder's X and the one-hot Y, computed here independently
    held = client.gather(parts)
    for (X, Y), frame in zip(held, frames):
        np.testing.assert_allclose(X, encoder.transform(frame.drop(columns="label")), atol=1e-12)
        codes = pd.Categorical(frame["label"], categories=classes).codes
        np.testing.assert_array_equal(Y, np.eye(3)[codes].T)

    # the client receives only the parameters' size from the workers while training: every
    # answer of a worker's trainer is recorded, with the bytes of the arrays it holds
    received: list[int] = []
    result = distributed.actor.ActorFuture.result

    def recording_result(self, *args, **kwargs):
        value = result(self, *args, **kwargs)
        fields = vars(value).values() if hasattr(value, "__dict__") else [value]
        received.append(sum(getattr(f, "nbytes", 0) for f in fields))
        return value

    monkeypatch.setattr(distributed.actor.ActorFuture, "result", recording_result)
    n0 = len(encoder.feature_names_out_)
    net = lw.Network([n0, 8, 3], hidden="relu", output="softmax", init="he", seed=0)
    h = lc.fit(net, client, parts, epochs=4, batch_size=64, learning_rate=0.02, optimizer="adam")
    monkeypatch.undo()
    # θ's size (the gradient) plus the metric's few numbers; a part's X is 7 to 11 times that
    assert received and max(received) <= net.parameters.theta.nbytes + 64
    assert max(received) < min(X.nbytes for X, _ in held) / 5
    assert h.cost[-1] < h.cost[0]
    X_all = np.hstack([X for X, _ in held])
    Y_all = np.hstack([Y for _, Y in held])
    assert net.evaluate(X_all, Y_all)["accuracy"] > 0.7
    assert X_all.shape[1] == len(whole)


def test_fragments_of_a_pyarrow_dataset_and_a_regression_target(client, tmp_path):
    ds = pytest.importorskip("pyarrow.dataset")
    for i in range(2):
        frame = survey(100, 10 + i)
        frame["y"] = 3.0 * frame["x1"] + 10.0
        frame.to_parquet(tmp_path / f"part{i}.parquet")
    fragments = list(ds.dataset(tmp_path, format="parquet").get_fragments())
    assert len(fragments) == 2
    encoder = TableEncoder().fit(survey(100, 10).drop(columns="label"))
    reader = lc.TableReader(encoder, "y", output="linear", target_mean=10.0, target_scale=3.0)
    parts = lc.read_parts(client, fragments, reader)
    (X0, Y0), _ = client.gather(parts)
    np.testing.assert_allclose(Y0[0], survey(100, 10)["x1"].to_numpy(), atol=1e-12)
    net = lw.Network([X0.shape[0], 1], output="linear", seed=0)
    h = lc.fit(net, client, parts, epochs=30, learning_rate=0.3)
    assert h.r2[-1] > 0.95


def test_a_readers_error_on_a_worker_is_raised_by_fit(client, tmp_path):
    frame = survey(40, 0)
    frame.drop(columns="label").to_parquet(tmp_path / "unlabelled.parquet")
    encoder = TableEncoder().fit(frame.drop(columns="label"))
    reader = lc.TableReader(encoder, "label", classes=["high", "low", "mid"], output="softmax")
    parts = lc.read_parts(client, [tmp_path / "unlabelled.parquet"], reader)
    net = lw.Network([len(encoder.feature_names_out_), 3], output="softmax", seed=0)
    with pytest.raises(ValueError, match=r"unlabelled\.parquet: the table has no target column"):
        lc.fit(net, client, parts, epochs=1)


def test_the_workers_summarize_a_table_for_the_encoder_and_the_target(client, tmp_path):
    frames = [survey(300, 20), survey(120, 21), survey(60, 22)]
    for i, frame in enumerate(frames):
        frame["y"] = frame["x1"] * 4.0 + 2.0 + i
        frame.to_parquet(tmp_path / f"f{i}.parquet")
    paths = sorted(tmp_path.glob("*.parquet"))
    whole = pd.concat(frames, ignore_index=True)

    summary = lc.summarize_tables(client, paths, "label", rows_per_source=100, seed=1)
    assert summary.m == 480
    assert summary.labels == sorted(whole["label"].unique())
    assert summary.target_mean is None and summary.target_scale is None
    assert len(summary.sample) == 100 + 100 + 60  # the last file has only 60 rows
    assert list(summary.sample.columns) == list(whole.columns)

    # a numeric target: its mean and standard deviation over every row, exactly
    numeric = lc.summarize_tables(client, paths, "y", rows_per_source=50)
    assert numeric.target_mean == pytest.approx(whole["y"].mean(), rel=1e-12)
    assert numeric.target_scale == pytest.approx(whole["y"].std(ddof=0), rel=1e-12)

    # the encoder fitted on the sample reads every file on the workers
    encoder = TableEncoder().fit(summary.sample.drop(columns=["label", "y"]))
    reader = lc.TableReader(encoder, "label", classes=summary.labels, output="softmax")
    parts = lc.read_parts(client, paths, reader)
    net = lw.Network([len(encoder.feature_names_out_), 3], output="softmax", seed=0)
    h = lc.fit(net, client, parts, epochs=2, batch_size=64, learning_rate=0.05, optimizer="adam")
    assert h.epochs == 2

    with pytest.raises(ValueError, match="no target column 'price'"):
        lc.summarize_tables(client, paths, "price")
    with pytest.raises(TypeError, match="wrap it in a list"):
        lc.summarize_tables(client, str(paths[0]), "label")


def test_the_workers_statistics_make_the_encoder_of_the_training_rows(client, tmp_path):
    """Each worker gathers its files' feature statistics on their training rows; merged,
    they make the encoder that TableEncoder.fit gives those rows in memory."""
    frames = [survey(300, 30), survey(200, 31), survey(90, 32)]
    for i, frame in enumerate(frames):
        frame["note"] = [f"n{i}-{j}" for j in range(len(frame))]  # an id: left out
        frame.loc[frame.index[::7], "x1"] = np.nan
        frame.to_parquet(tmp_path / f"f{i}.parquet")
    paths = sorted(tmp_path.glob("*.parquet"))
    summary = lc.summarize_tables(
        client, paths, "label", rows_per_source=1000, seed=3, exclude=["x2"], holdout=(0.2, 9)
    )
    training = [
        frame[~lc.held_out_rows(path, len(frame), 0.2, 9)] for path, frame in zip(paths, frames)
    ]
    rows = pd.concat(training, ignore_index=True).drop(columns=["label", "x2"])
    expected = TableEncoder(clip=3.0).fit(rows)
    got = summary.stats.encoder(clip=3.0)
    assert got.left_out_ == expected.left_out_ == ["note"]
    assert got.columns_ == expected.columns_
    np.testing.assert_allclose(got.preprocessing_.mean, expected.preprocessing_.mean, rtol=1e-10)
    np.testing.assert_allclose(got.preprocessing_.scale, expected.preprocessing_.scale, rtol=1e-10)
    assert summary.stats.m == len(rows) < sum(map(len, frames))


# --------------------------------------------------------------------------- errors


def test_a_cluster_without_workers_is_refused():
    with (
        distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cl,
        distributed.Client(cl) as empty,
        pytest.raises(ValueError, match="no workers"),
    ):
        lc.fit(lw.Network([2, 1], seed=0), empty, [], epochs=1)


@pytest.mark.parametrize(
    "parts, message",
    [
        ([(np.ones((4, 10)), np.ones((1, 10)))], r"parts\[0\]: X has 4 rows but n\[0\] is 5"),
        ([(np.ones((5, 10)), np.ones((2, 10)))], r"parts\[0\]: Y has 2 rows but n\[L\] is 1"),
        ([(np.ones((5, 10)), np.ones((1, 9)))], r"X has 10 examples .* but Y has 9"),
        (
            [(np.ones((5, 10)), np.ones((1, 10))), (np.ones((5, 0)), np.ones((1, 0)))],
            r"parts\[1\] has no rows",
        ),
        ([(np.full((5, 3), np.nan), np.ones((1, 3)))], r"parts\[0\] holds NaN"),
        (
            [(np.ones((5, 4)), np.ones((1, 4))), (np.ones((5, 3)), np.array([[0.0, 2.0, 1.0]]))],
            r"parts\[1\]: binary cross-entropy needs labels y in \[0, 1\]",
        ),
    ],
    ids=["n0", "nL", "columns", "empty", "nan", "labels"],
)
def test_bad_parts_are_refused_by_name(client, parts, message):
    futures = lc.scatter_parts(client, parts)
    with pytest.raises(ValueError, match=message):
        lc.fit(lw.Network([5, 1], seed=0), client, futures, epochs=1)


def test_a_part_that_is_not_x_and_y_is_refused(client):
    [future] = client.scatter([np.ones((5, 10))])
    with pytest.raises(TypeError, match=r"a part must be a tuple \(X, Y\).*Received: ndarray"):
        lc.fit(lw.Network([5, 1], seed=0), client, [future], epochs=1)


def test_arrays_on_the_client_are_refused(client):
    X, Y = blobs(20)
    with pytest.raises(TypeError, match="futures"):
        lc.fit(lw.Network([5, 1], seed=0), client, (X, Y), epochs=1)
    with pytest.raises(TypeError, match=r"parts\[0\] must be a future.*Received: tuple"):
        lc.fit(lw.Network([5, 1], seed=0), client, [(X, Y)], epochs=1)
    with pytest.raises(TypeError, match="a single"):
        lc.scatter_parts(client, (X, Y))


def test_bad_options_are_refused(client):
    parts = lc.scatter_parts(client, [blobs(20)])
    net = lw.Network([5, 1], seed=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1; Received: batch_size=0"):
        lc.fit(net, client, parts, batch_size=0)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        lc.fit(net, client, parts, learning_rate=-1.0)
    with pytest.raises(
        TypeError, match="learning_rate must be a number; Received: learning_rate='f"
    ):
        lc.fit(net, client, parts, learning_rate="fast")
    with pytest.raises(TypeError, match="epochs must be an int; Received: epochs=None"):
        lc.fit(net, client, parts, epochs=None)
    with pytest.raises(ValueError, match="early_stopping watches val_cost"):
        lc.fit(net, client, parts, early_stopping=True)
    with pytest.raises(ValueError, match="optimizer"):
        lc.fit(net, client, parts, optimizer="adamw")
    with pytest.raises(ValueError, match="empty"):
        lc.fit(net, client, [], epochs=1)


def test_readers_refuse_what_they_cannot_read(tmp_path):
    encoder = TableEncoder().fit(survey(50, 0).drop(columns="label"))
    with pytest.raises(ValueError, match="needs the class labels"):
        lc.TableReader(encoder, "label", output="softmax")
    with pytest.raises(ValueError, match="not fitted"):
        lc.TableReader(TableEncoder(), "label", classes=["a", "b"])
    reader = lc.TableReader(encoder, "nope", classes=["high", "low"])
    with pytest.raises(ValueError, match="no target column 'nope'"):
        reader.encode(survey(10, 0))
    with pytest.raises(ValueError, match=r"expected a \.parquet"):
        lc.read_frame(tmp_path / "data.xlsx")
    reader = lc.TableReader(encoder, "label", classes=["high", "low"])
    with pytest.raises(ValueError, match="not among the classes"):
        reader.encode(survey(50, 0))  # it has "mid" too
    with pytest.raises(ValueError, match="target_scale must be > 0"):
        lc.TableReader(encoder, "y", output="linear", target_scale=0.0)


# --------------------------------------------------------------------------- the table workflow


def test_a_table_on_the_cluster_has_the_plan_of_one_machine(client, tmp_path):
    """TableModel.fit(folder, client=...): the workers stream their own row groups, and the
    plan is the single machine's: the same training and validation rows (hash-chosen by their
    place in the table), the same encoder, network, batch size and stopping rule; the scores
    close to the streamed run in this process."""
    from layerwise.tables import TableModel

    folder = tmp_path / "d"
    folder.mkdir()
    for i, m in enumerate((1500, 900, 1200)):
        survey(m, 20 + i).to_parquet(folder / f"p{i}.parquet", row_group_size=400)
    options = {"target": "label", "epochs": 4, "seed": 3}
    here = TableModel(**options, stream=True).prepare_stream(folder)
    there = TableModel(**options).prepare_stream(folder, client=client)
    assert there.on_workers is not None and here.on_workers is None
    assert there.data.m == here.data.m == 3600
    assert there.data.m_train == here.data.m_train
    assert there.on_workers.n_val == here.data.X_val.shape[1] > 0
    assert len(set(there.on_workers.train.workers)) == 2  # both workers stream a share
    pre_here, pre_there = here.network.preprocessing, there.network.preprocessing
    np.testing.assert_allclose(pre_there.mean, pre_here.mean, rtol=1e-12)
    np.testing.assert_allclose(pre_there.scale, pre_here.scale, rtol=1e-12)
    assert there.data.encoder.feature_names_out_ == here.data.encoder.feature_names_out_
    assert there.network.layer_dims == here.network.layer_dims
    for name in ("batch_size", "patience", "tol", "learning_rate", "optimizer", "epochs"):
        assert getattr(there, name) == getattr(here, name), name
    assert there.notices == here.notices

    model = TableModel(**options).fit(folder, client=client)
    streamed = TableModel(**options, stream=True).fit(folder)
    assert model.network.metadata["training"]["engine"] == "cluster"
    assert model.history.epochs == 4
    val, val_here = model.metrics["validation"], streamed.metrics["validation"]
    assert abs(val["accuracy"] - val_here["accuracy"]) < 0.05, (val, val_here)
    assert val["accuracy"] > 0.8
    # the validation figures are those of evaluate on the held-out rows, computed on the workers
    X_val, Y_val = here.data.X_val, here.data.Y_val
    np.testing.assert_allclose(model.network.evaluate(X_val, Y_val)["cost"], val["cost"])


def test_the_time_limit_of_a_call_comes_from_the_environment(monkeypatch):
    from layerwise.cluster import _calls

    monkeypatch.delenv("LAYERWISE_CLUSTER_TIMEOUT", raising=False)
    assert _calls.timeout() == 120.0
    monkeypatch.setenv("LAYERWISE_CLUSTER_TIMEOUT", "2.5")
    assert _calls.timeout() == 2.5
    assert _calls.reading_limit(20_000) == 2.5 + 60 + 2  # a second per 10 000 rows read
    for bad in ("0", "-1", "soon"):
        monkeypatch.setenv("LAYERWISE_CLUSTER_TIMEOUT", bad)
        with pytest.raises(
            ValueError,
            match=f"LAYERWISE_CLUSTER_TIMEOUT must be a number of seconds > 0; Received: '{bad}'",
        ):
            _calls.timeout()
