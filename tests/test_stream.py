"""Tables bigger than memory: the encoder fitted chunk by chunk equals the one fitted in
memory, every training row comes once per epoch through the shuffle buffer, validation rows
are chosen by position, the command line and TableModel stream a folder, and peak memory
follows the chunks, not the table."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from layerwise.tables import TableEncoder, TableModel  # noqa: E402
from layerwise.tables import stream as streaming  # noqa: E402
from layerwise.tables.stats import TableStats  # noqa: E402


def rich_table(m: int = 500, seed: int = 1) -> pd.DataFrame:
    """Every kind of column the encoder knows, with missing values."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2020-01-01", periods=m, freq="13h").strftime("%Y-%m-%d %H:%M")
    return pd.DataFrame(
        {
            "rownum": np.arange(1, m + 1),
            "x": np.where(rng.random(m) < 0.1, np.nan, rng.normal(size=m)),
            "xi": rng.integers(0, 7, m).astype(float),
            "b": pd.Series(np.where(rng.random(m) < 0.1, None, rng.random(m) < 0.5), dtype=object),
            "bb": rng.random(m) < 0.3,
            "c": np.where(
                rng.random(m) < 0.05,
                None,
                rng.choice(["a", "b", "c", "rare"], m, p=[0.5, 0.3, 0.19, 0.01]),
            ),
            "cat": pd.Categorical(rng.choice(["u", "v"], m)),
            "name": [f"person{i}" for i in range(m)],
            "numtext": [str(v) for v in rng.normal(size=m).round(6)],
            "dtext": np.where(rng.random(m) < 0.1, None, dates),
            "dt": pd.Series(pd.date_range("2019-05-01", periods=m, freq="D")).where(
                rng.random(m) > 0.1
            ),
        }
    )


def chunked_stats(frame: pd.DataFrame, size: int, weights=None) -> TableStats:
    stats = TableStats()
    for start in range(0, len(frame), size):
        w = None if weights is None else weights[start : start + size]
        stats.update(frame.iloc[start : start + size], w)
    return stats


@pytest.mark.parametrize("scaling", ["standard", "robust"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("min_frequency", [5, 0.02])
def test_streamed_encoder_equals_the_in_memory_fit(scaling, weighted, min_frequency):
    frame = rich_table()
    w = np.random.default_rng(2).random(len(frame)) * 2 if weighted else None
    options = dict(min_frequency=min_frequency, scaling=scaling, clip=3.0)
    expected = TableEncoder(**options).fit(frame, sample_weight=w)
    for stats in (
        chunked_stats(frame, 97, w),
        # two halves gathered apart (two files, two workers), then merged
        chunked_stats(frame.iloc[:250], 60, None if w is None else w[:250]).merge(
            chunked_stats(frame.iloc[250:], 60, None if w is None else w[250:])
        ),
    ):
        got = stats.encoder(**options)
        assert got.left_out_ == expected.left_out_ == ["rownum", "name"]
        assert got.notices_ == expected.notices_
        assert got.columns_ == expected.columns_
        assert got.feature_names_out_ == expected.feature_names_out_
        np.testing.assert_allclose(
            got.preprocessing_.mean, expected.preprocessing_.mean, rtol=1e-10, atol=1e-9
        )
        np.testing.assert_allclose(
            got.preprocessing_.scale, expected.preprocessing_.scale, rtol=1e-10
        )
        np.testing.assert_allclose(got.transform(frame), expected.transform(frame), atol=1e-9)


def test_streamed_encoder_of_a_table_bigger_than_its_sample():
    """Beyond the sample, the categories, moments and row-number rule stay exact; the median
    of a continuous column comes from a uniform sample of the rows."""
    rng = np.random.default_rng(0)
    m = 30_000
    frame = pd.DataFrame(
        {
            "id_like": np.arange(m) * 1.0,  # distinct whole numbers from 0 with no gap
            "x": np.where(rng.random(m) < 0.2, np.nan, rng.exponential(size=m)),
            "c": rng.choice(["p", "q", "r"], m),
        }
    )
    stats = TableStats(sample_rows=2_000)
    for start in range(0, m, 4_096):
        stats.update(frame.iloc[start : start + 4_096])
    got = stats.encoder()
    expected = TableEncoder().fit(frame)
    assert got.left_out_ == expected.left_out_ == ["id_like"]
    assert [c.categories for c in got.columns_] == [c.categories for c in expected.columns_]
    fill, true_fill = got.columns_[0].fill, expected.columns_[0].fill
    assert fill == pytest.approx(true_fill, rel=0.05)  # median of exp(1): log 2
    assert abs(fill - np.log(2)) < 0.05
    # the standardization is exact given the fill: recompute it by hand
    x = frame["x"].fillna(fill).to_numpy()
    assert got.preprocessing_.mean[0] == pytest.approx(x.mean(), rel=1e-12)
    assert got.preprocessing_.scale[0] == pytest.approx(x.std(), rel=1e-12)


def test_a_constant_column_is_scaled_by_one_as_in_scikit_learn():
    from sklearn.preprocessing import StandardScaler

    X = np.full((3, 101), 2020.0)
    X[0] += np.r_[1e-12, np.zeros(100)]  # rounding noise on a constant
    X[2] = np.arange(101.0)
    from layerwise.features.preprocessing import Preprocessing

    pre = Preprocessing.fit(X)
    assert pre.scale[0] == StandardScaler().fit(X.T).scale_[0] == 1.0
    assert pre.scale[1] == 1.0
    assert pre.scale[2] == pytest.approx(np.arange(101.0).std())


# --------------------------------------------------------------------------- streams


def table(m: int, seed: int = 0) -> pd.DataFrame:
    """24 floats, 4 text columns, a yes/no target; the column ``pos`` numbers the rows."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 6))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    frame["c"] = rng.choice(["a", "b", "c"], m)
    logit = X[:, 0] - X[:, 1] + 0.5 * (frame["c"] == "a")
    frame["label"] = np.where(logit + 0.3 * rng.logistic(size=m) > 0, "yes", "no")
    return frame


def write_folder(folder, frame, files: int, row_group_size: int | None = None) -> None:
    os.makedirs(folder, exist_ok=True)
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), files)):
        frame.iloc[rows].to_parquet(
            os.path.join(folder, f"part-{i}.parquet"), index=False, row_group_size=row_group_size
        )


def test_every_training_row_comes_once_an_epoch_mixed_across_files(tmp_path):
    m = 3_000
    frame = table(m)
    frame["y"] = np.arange(m) + 0.5  # the target says which row it is
    frame = frame.drop(columns="label")
    write_folder(tmp_path / "t", frame, files=4, row_group_size=250)
    plan = streaming.prepare_stream(
        tmp_path / "t", "y", validation_split=0.1, seed=3, target_scaling=False, chunk_rows=100
    )
    assert len(plan.stream.pieces) == 12  # row groups of 250 rows in 4 files
    held = streaming.held_out(np.arange(m), 3, plan.validation_fraction)
    training = np.flatnonzero(~held)
    assert plan.m == m and plan.m_train == training.size
    # the validation rows are the held-out positions, in file order
    np.testing.assert_array_equal(plan.Y_val[0] - 0.5, np.flatnonzero(held))
    epochs = []
    for epoch in range(2):
        seen = [
            Y[0] - 0.5
            for _, Y, _ in streaming.stream_batches(plan, 64, epoch, buffer_bytes=200 * 64)
        ]
        order = np.concatenate(seen).astype(int)
        np.testing.assert_array_equal(np.sort(order), training)  # each once
        first = seen[0].astype(int)
        assert len({int(p) // 750 for p in first}) >= 2, "a batch mixes rows of several files"
        epochs.append(order)
    assert not np.array_equal(epochs[0], epochs[1])
    again = np.concatenate(
        [Y[0] - 0.5 for _, Y, _ in streaming.stream_batches(plan, 64, 0, buffer_bytes=200 * 64)]
    ).astype(int)
    np.testing.assert_array_equal(again, epochs[0])  # the same seed, the same order


def test_validation_rows_are_chosen_by_position():
    positions = np.arange(200_000)
    held = streaming.held_out(positions, 7, 0.1)
    assert held.mean() == pytest.approx(0.1, abs=0.005)
    np.testing.assert_array_equal(held, streaming.held_out(positions, 7, 0.1))
    assert not np.array_equal(held, streaming.held_out(positions, 8, 0.1))
    # a row keeps its fate whatever chunk it is read in
    np.testing.assert_array_equal(held[5000:6000], streaming.held_out(positions[5000:6000], 7, 0.1))
    assert not streaming.held_out(positions, 7, 0.0).any()


def test_streamed_training_reaches_the_quality_of_training_in_memory(tmp_path):
    frame = table(6_000, seed=1)
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    options = dict(target="label", epochs=8, seed=0, early_stopping=0)
    streamed = TableModel(stream=True, **options).fit(tmp_path / "t.parquet")
    memory = TableModel(stream=False, **options).fit(tmp_path / "t.parquet")
    assert streamed.network.metadata["training"]["stream"] is True
    test = table(3_000, seed=2)
    acc_stream = float(np.mean(streamed.predict(test) == test["label"].to_numpy()))
    acc_memory = float(np.mean(memory.predict(test) == test["label"].to_numpy()))
    assert acc_memory > 0.85
    assert acc_stream > acc_memory - 0.02, (acc_stream, acc_memory)
    proba = streamed.predict_proba(test.head(5))
    assert proba.shape == (5, 2) and np.allclose(proba.sum(axis=1), 1)


def test_a_pyarrow_dataset_and_a_csv_folder_stream_to_the_same_encoder(tmp_path):
    import pyarrow.dataset as ds

    frame = table(2_000)
    write_folder(tmp_path / "pq", frame, files=3)
    os.makedirs(tmp_path / "csv")
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[rows].to_csv(tmp_path / "csv" / f"part-{i}.csv", index=False)
    plans = [
        streaming.prepare_stream(ds.dataset(tmp_path / "pq"), "label"),
        streaming.prepare_stream(tmp_path / "csv", "label"),
    ]
    for plan in plans:
        assert plan.m == 2_000 and plan.classes == ["no", "yes"]
    a, b = (p.encoder for p in plans)
    assert a.columns_ == b.columns_
    np.testing.assert_allclose(a.preprocessing_.mean, b.preprocessing_.mean, rtol=1e-12)
    model = TableModel("label", epochs=2, stream=True).fit(ds.dataset(tmp_path / "pq"))
    assert model.predict(frame.head(3)).shape == (3,)


def test_the_table_streams_by_itself_when_it_would_not_fit(tmp_path, monkeypatch):
    import layerwise._memory as memory

    frame = table(500)
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    model = TableModel("label")
    monkeypatch.setattr(memory, "memory_budget", lambda: 10**12)
    assert not model.streams(tmp_path / "t.parquet")
    assert not model.streams(tmp_path)  # a folder that fits is read into memory
    monkeypatch.setattr(memory, "memory_budget", lambda: 1000)
    assert model.streams(tmp_path / "t.parquet")
    assert model.streams(tmp_path)
    assert not model.streams(frame)  # in memory already
    assert not TableModel("label", stream=False).streams(tmp_path / "t.parquet")
    with pytest.raises(ValueError, match=r"stream=True reads a Parquet or CSV file.*DataFrame"):
        TableModel("label", stream=True).fit(frame)
    with pytest.raises(ValueError, match="stream must be True, False or None"):
        TableModel("label", stream="yes").fit(tmp_path / "t.parquet")


def test_stream_errors_name_what_was_given(tmp_path):
    frame = table(300)
    write_folder(tmp_path / "t", frame, files=2)
    with pytest.raises(ValueError, match=r"target column 'nope' is not in .*its columns are"):
        streaming.prepare_stream(tmp_path / "t", "nope")
    os.makedirs(tmp_path / "empty")
    with pytest.raises(ValueError, match=r"holds no \.parquet, \.pq, \.csv or \.tsv file"):
        streaming.prepare_stream(tmp_path / "empty", "label")
    one = frame.assign(label="yes")
    write_folder(tmp_path / "one", one, files=2)
    with pytest.raises(ValueError, match="single class"):
        streaming.prepare_stream(tmp_path / "one", "label")
    with pytest.raises(ValueError, match="--drop nope: no such column"):
        streaming.prepare_stream(tmp_path / "t", "label", drop=["nope"])


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "layerwise", *args], capture_output=True, text=True, cwd=cwd
    )


def test_cli_streams_a_folder_and_the_model_predicts(tmp_path):
    frame = table(4_000, seed=4)
    write_folder(tmp_path / "data", frame, files=4)
    common = ("train", "data", "--target", "label", "--epochs", "3")
    done = _cli(*common, "--stream", "--out", "m.st", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Streaming data" in done.stdout and "4000 rows" in done.stdout
    assert "training rows per second" in done.stdout
    frame.head(50).drop(columns="label").to_csv(tmp_path / "new.csv", index=False)
    done = _cli("predict", "m.st", "new.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "row,prediction" and len(lines) == 51
    assert {line.split(",")[1] for line in lines[1:]} <= {"yes", "no"}
    # a folder that fits in memory is read into memory, as one file of its rows would be
    done = _cli(*common, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Streaming" not in done.stdout and "(Parquet folder): 4000 rows" in done.stdout
    done = _cli(*common, "--stream", "--plot-dir", "p", cwd=tmp_path)
    assert done.returncode != 0
    assert "--plot-dir is not available for a streamed table" in done.stderr


_PEAK = r"""
import json, sys

from layerwise._memory import peak_rss as peak

import layerwise.tables.stream as s
s.CHUNK_ROWS, s.BUFFER_BYTES = 4096, 4 * 2**20
from layerwise.cli import main
code = main(json.loads(sys.argv[1]))
print("PEAK", code, peak())
"""


def _peak(args: list[str], cwd) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, json.dumps(args)], capture_output=True, text=True, cwd=cwd
    )
    line = [x for x in done.stdout.splitlines() if x.startswith("PEAK")]
    assert line and line[0].split()[1] == "0", done.stdout + done.stderr
    return int(line[0].split()[2])


def test_peak_memory_follows_the_chunks_not_the_table(tmp_path):
    """Four times the rows: the streamed run's peak RSS hardly moves, the in-memory run's
    grows with the table (measured: about +60 MiB, and +300 MiB)."""
    rng = np.random.default_rng(0)
    for name, m in (("small", 60_000), ("big", 240_000)):
        frame = pd.DataFrame(rng.normal(size=(m, 24)), columns=[f"x{i}" for i in range(24)])
        for j, k in enumerate((5, 12, 30, 100)):
            frame[f"c{j}"] = np.array([f"v{i}" for i in range(k)], dtype=object)[
                rng.integers(0, k, m)
            ]
        frame["label"] = np.where(frame["x0"] > 0, "yes", "no")
        write_folder(tmp_path / name, frame, files=4, row_group_size=20_000)
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False)
    common = ["--target", "label", "--epochs", "1", "--quiet", "--validation-split", "0.02"]
    stream = {n: _peak(["train", n, "--stream", *common], tmp_path) for n in ("small", "big")}
    memory = {
        n: _peak(["train", f"{n}.parquet", "--no-stream", *common], tmp_path)
        for n in ("small", "big")
    }
    grew_stream = stream["big"] - stream["small"]
    grew_memory = memory["big"] - memory["small"]
    assert grew_memory > 150 * 2**20, memory  # 180 000 more rows held and encoded
    # the sample (up to 100 000 raw rows) and the validation rows grow a little with the
    # table, and the allocator's arenas by a few tens of MiB (measured: +55 to +70 MiB from
    # 60 000 to 240 000 rows, +20 to +50 MiB more to 960 000)
    assert grew_stream < grew_memory / 3, (stream, memory)
    assert stream["big"] < 512 * 2**20, stream
    assert stream["big"] < memory["big"] - 150 * 2**20, (stream, memory)


def test_a_damaged_or_mismatched_file_is_named(tmp_path):
    frame = table(400)
    write_folder(tmp_path / "t", frame, files=2)
    (tmp_path / "t" / "part-1.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    with pytest.raises(ValueError, match=r"part-1\.parquet"):
        streaming.prepare_stream(tmp_path / "t", "label")
    write_folder(tmp_path / "u", frame, files=2)
    other = frame.assign(x0=["text"] * len(frame)).iloc[:200]
    other.to_parquet(tmp_path / "u" / "part-1.parquet", index=False)
    mismatch = r"part-1\.parquet \(row 0 of the file\): column 'x0' must hold numbers.*row 200"
    with pytest.raises(ValueError, match=mismatch):
        streaming.prepare_stream(tmp_path / "u", "label")


def test_a_streamed_regression_standardizes_its_target_over_every_training_row(tmp_path):
    rng = np.random.default_rng(5)
    m = 3_000
    frame = pd.DataFrame({"a": rng.normal(size=m), "b": rng.normal(size=m)})
    frame["price"] = 3.0 * frame["a"] - frame["b"] + 10 + 0.1 * rng.normal(size=m)
    write_folder(tmp_path / "t", frame, files=3)
    plan = streaming.prepare_stream(tmp_path / "t", "price", validation_split=0.2, seed=1)
    train = frame["price"].to_numpy()[~streaming.held_out(np.arange(m), 1, 0.2)]
    assert plan.kind == "continuous" and plan.output == "linear"
    assert plan.target_mean == pytest.approx(train.mean(), rel=1e-12)
    assert plan.target_scale == pytest.approx(train.std(), rel=1e-12)
    assert "more than 1000 distinct values, trained as a regression" in plan.notices[0]
    model = TableModel("price", epochs=30, stream=True, seed=0).fit(tmp_path / "t")
    assert model.metrics["validation"]["r2"] > 0.95
    test = frame.head(200)
    pred = model.predict(test)
    assert np.corrcoef(pred, test["price"])[0, 1] > 0.97


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_evaluate_and_predict_read_a_folder_a_chunk_at_a_time(tmp_path, monkeypatch, capsys, task):
    """The same figures and predictions as the same rows read in memory."""
    import layerwise._memory as memory
    from layerwise.cli import main

    monkeypatch.setattr(streaming, "CHUNK_ROWS", 300)  # many chunks
    frame = table(2_000, seed=6)
    target = "label"
    if task == "regression":
        frame["value"] = frame["x0"] * 2 - frame["x1"] + 0.1
        frame = frame.drop(columns="label")
        target = "value"
    write_folder(tmp_path / "data", frame, files=3)
    frame.to_csv(tmp_path / "all.csv", index=False)
    model = tmp_path / "m.st"
    assert main(["train", str(tmp_path / "all.csv"), "--target", target, "--epochs", "3",
                 "--quiet", "--out", str(model)]) == 0  # fmt: skip
    capsys.readouterr()
    # the folder streams (a memory budget it does not fit in), the file is read into memory
    budgets = {tmp_path / "data": 50_000, tmp_path / "all.csv": 10**12}
    outputs = []
    for data, budget in budgets.items():
        monkeypatch.setattr(memory, "memory_budget", lambda budget=budget: budget)
        assert main(["evaluate", str(model), str(data)]) == 0
        outputs.append(capsys.readouterr().out.split("\n", 2)[2])  # after Model: and Data:
    assert outputs[0] == outputs[1]
    if task == "classification":
        assert "accuracy" in outputs[0] and "Confusion matrix" in outputs[0]
    else:
        assert "R²" in outputs[0] and "MAE" in outputs[0]
    for suffix in ("csv", "parquet"):
        paths = [tmp_path / f"p1.{suffix}", tmp_path / f"p2.{suffix}"]
        for (data, budget), path in zip(budgets.items(), paths):
            monkeypatch.setattr(memory, "memory_budget", lambda budget=budget: budget)
            assert main(["predict", str(model), str(data), "--out", str(path)]) == 0
        read = pd.read_csv if suffix == "csv" else pd.read_parquet
        chunked, whole = (read(p) for p in paths)
        assert len(chunked) == 2_000
        np.testing.assert_array_equal(chunked["row"], np.arange(2_000))
        pd.testing.assert_frame_equal(chunked, whole, check_dtype=False)
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".layerwise-")]


def test_table_model_predicts_and_evaluates_a_folder_as_the_rows_in_memory(tmp_path, monkeypatch):
    import pyarrow.dataset as ds

    import layerwise._memory as memory

    monkeypatch.setattr(streaming, "CHUNK_ROWS", 256)
    frame = table(1_500, seed=8)
    write_folder(tmp_path / "data", frame, files=3)
    model = TableModel("label", epochs=3).fit(frame)
    expected = (model.predict(frame), model.predict_proba(frame), model.evaluate(frame))
    # a budget the folder does not fit in: it streams, a chunk of 256 rows at a time
    monkeypatch.setattr(memory, "memory_budget", lambda: 20_000)
    assert model.streams(tmp_path / "data") and not model.streams(frame)
    np.testing.assert_array_equal(model.predict(tmp_path / "data"), expected[0])
    np.testing.assert_allclose(
        model.predict_proba(ds.dataset(tmp_path / "data")), expected[1], rtol=1e-12
    )
    got = model.evaluate(tmp_path / "data")
    assert got.keys() == expected[2].keys() == {"cost", "accuracy"}
    assert got["accuracy"] == expected[2]["accuracy"]
    assert got["cost"] == pytest.approx(expected[2]["cost"], rel=1e-12)
    # the scores equal the network's own evaluate on the encoded rows
    monkeypatch.setattr(memory, "memory_budget", lambda: 10**12)
    X, Y = model.encoder.transform(frame), (frame["label"] == "yes").to_numpy()[None, :]
    assert got["cost"] == pytest.approx(model.network.evaluate(X, Y)["cost"], rel=1e-10)


def test_stream_options_as_in_memory(tmp_path):
    """Weights, --drop-missing, the id column and the role checks behave as in memory."""
    rng = np.random.default_rng(3)
    frame = table(1_200, seed=3)
    frame["w"] = rng.random(len(frame)) + 0.5
    frame["id"] = np.arange(len(frame))
    frame.loc[frame.index[::10], "x2"] = np.nan
    frame.loc[frame.index[3], "label"] = None
    write_folder(tmp_path / "t", frame, files=2)
    plan = streaming.prepare_stream(tmp_path / "t", "label", sample_weight="w", drop_missing=True)
    assert "id" not in plan.features and "w" not in plan.features
    assert "120 row(s) with a missing value dropped (--drop-missing)" in plan.notices
    assert "1 row(s) left out: their target 'label' is missing" in plan.notices
    assert plan.w_val is not None and plan.w_val.shape == (1, plan.Y_val.shape[1])
    with pytest.raises(ValueError, match="--keep id: column 'id' is the id, not a feature"):
        streaming.prepare_stream(tmp_path / "t", "label", keep=["id"])
    with pytest.raises(ValueError, match="weight column 'nope' is not in"):
        streaming.prepare_stream(tmp_path / "t", "label", sample_weight="nope")
    (tmp_path / "t" / "part-9.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match=r"cannot read .*part-9\.parquet"):
        streaming.prepare_stream(tmp_path / "t", "label")


def test_the_command_line_streams_a_file_too_big_for_memory(tmp_path, monkeypatch, capsys):
    import layerwise._memory as memory
    from layerwise.cli import main

    table(2_000).to_parquet(tmp_path / "t.parquet", index=False)
    monkeypatch.setattr(memory, "memory_budget", lambda: 1_000_000)  # less than it would need
    assert main(["train", str(tmp_path / "t.parquet"), "--target", "label", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Streaming ") and "training rows per second" in out
    monkeypatch.setattr(memory, "memory_budget", lambda: 10**12)
    assert main(["train", str(tmp_path / "t.parquet"), "--target", "label", "--epochs", "2"]) == 0
    assert "Streaming" not in capsys.readouterr().out
