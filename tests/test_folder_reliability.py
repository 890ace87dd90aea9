"""A table kept as a folder, read into memory or streamed: the row ids of a CSV folder, files
that change while training, files that are not regular files, many tiny files, a file whose
target is not filled yet, cells named by file and row, columns that differ between files,
quoted values over several lines."""

from __future__ import annotations

import os

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

import layerwise._memory as memory  # noqa: E402
from layerwise.cli import main  # noqa: E402
from layerwise.tables import TableModel  # noqa: E402
from layerwise.tables import stream as streaming  # noqa: E402
from layerwise.tables.folders import DataChangedError  # noqa: E402


def frame(n: int, seed: int) -> pd.DataFrame:
    """Numbers ``a``, ``b``, a text ``c`` (red/green/blue), a yes/no ``label``."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    c = rng.choice(["red", "green", "blue"], n)
    logit = a - b + 0.5 * (c == "red") + 0.3 * rng.logistic(size=n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "label": np.where(logit > 0, "yes", "no")})


def folder(path, suffix: str = "csv", n: int = 3_000, files: int = 2):
    """``files`` files of ``n`` rows each: p1, p2, ..."""
    os.makedirs(path, exist_ok=True)
    for i in range(1, files + 1):
        part = frame(n, i)
        name = path / f"p{i}.{suffix}"
        if suffix == "csv":
            part.to_csv(name, index=False)
        else:
            part.to_parquet(name, index=False)
    return path


@pytest.fixture
def streams(monkeypatch):
    """Every folder streams by itself (a memory budget none fits in)."""
    monkeypatch.setattr(memory, "memory_budget", lambda: 2_000_000)


def model_file(tmp_path, capsys) -> str:
    train = tmp_path / "train.csv"
    frame(600, 9).to_csv(train, index=False)
    out = str(tmp_path / "m.safetensors")
    with pytest.MonkeyPatch.context() as mp:  # trained in memory, whatever the test streams
        mp.setattr(memory, "memory_budget", lambda: 10**12)
        assert main(["train", str(train), "--epochs", "2", "--quiet", "--out", out]) == 0
    capsys.readouterr()
    return out


# --------------------------------------------------------------------------- row ids


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_streamed_predict_numbers_rows_by_their_place_in_the_whole_table(
    tmp_path, capsys, streams, suffix
):
    model = model_file(tmp_path, capsys)
    d = folder(tmp_path / "d", suffix)
    out = tmp_path / "p.csv"
    assert main(["predict", model, str(d), "--out", str(out)]) == 0
    written = pd.read_csv(out)
    np.testing.assert_array_equal(written["row"], np.arange(6_000))
    chunks = list(streaming.table_chunks(d))
    assert np.concatenate([c.index for c in chunks]).tolist() == list(range(6_000))


# --------------------------------------------------------------------------- changed files


class Rewrite:
    """A callback that rewrites a file after the first epoch."""

    def __init__(self, path, how):
        self.path, self.how = path, how

    def on_epoch_end(self, epoch, logs):
        if epoch == 0:
            self.how(self.path)
            os.utime(self.path, ns=(0, 0))  # a modified time of its own, however fast
        return False


def reverse_rows(path):
    pd.read_csv(path).iloc[::-1].to_csv(path, index=False)


def grow(path):
    pd.concat([pd.read_csv(path), frame(3_000, 7)]).to_csv(path, index=False)


def rewrite_parquet(path):
    frame(2_000, 8).to_parquet(path, index=False, row_group_size=500)


@pytest.mark.parametrize(
    "name, how", [("p2.csv", reverse_rows), ("p2.csv", grow), ("p2.parquet", rewrite_parquet)]
)
def test_a_file_that_changes_during_training_stops_it_by_name(tmp_path, name, how):
    d = folder(tmp_path / "d", name.rsplit(".", 1)[1])
    model = TableModel("label", epochs=3, stream=True, seed=0)
    callback = Rewrite(d / name, how)
    with pytest.raises(DataChangedError, match=rf"DATA file .*{name} changed during training"):
        model.fit(d, callbacks=[callback])
    assert model.network is None or model.history is None


def test_a_file_changed_after_preparing_is_refused_before_any_row_is_read(tmp_path):
    d = folder(tmp_path / "d", "csv")
    plan = streaming.prepare_stream(d, "label", seed=0)
    reverse_rows(d / "p2.csv")
    os.utime(d / "p2.csv", ns=(0, 0))
    with pytest.raises(DataChangedError, match=r"p2\.csv changed during training.*modified"):
        list(streaming.stream_batches(plan, 32, 0))


def test_a_csv_file_that_keeps_its_size_and_time_but_not_its_rows_is_refused(tmp_path):
    d = folder(tmp_path / "d", "csv")
    plan = streaming.prepare_stream(d, "label", seed=0)
    path = d / "p2.csv"
    info = os.stat(path)
    text = path.read_text().splitlines()
    # the same bytes, one row fewer: a line joined into a quoted cell of the row before it
    joined = [*text[:5], text[5].replace(",red,", ',"red\n' + text[6] + '",')]
    body = "\n".join(joined + text[7:]) + "\n"
    body = body[: info.st_size].ljust(info.st_size, "\n")
    path.write_text(body)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    with pytest.raises(DataChangedError, match=r"3000 -> \d+ rows"):
        list(streaming.stream_batches(plan, 32, 0))


# --------------------------------------------------------------------------- not regular files


def add_fifo(d):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFO on this platform")
    os.mkfifo(d / "p0.csv")


@pytest.mark.parametrize("stream", [False, True])
def test_a_fifo_in_a_folder_is_refused_without_opening_it(tmp_path, stream, capsys, monkeypatch):
    d = folder(tmp_path / "d", "csv")
    add_fifo(d)
    with pytest.raises(ValueError, match=r"p0\.csv: it is a FIFO, not a regular file"):
        TableModel("label", epochs=1, stream=stream).fit(d)
    flag = "--stream" if stream else "--no-stream"
    assert main(["train", str(d), flag, "--quiet", "--epochs", "1"]) != 0
    assert "p0.csv: it is a FIFO, not a regular file" in capsys.readouterr().err
    # predict and evaluate, in memory and streamed
    (d / "p0.csv").unlink()
    model = model_file(tmp_path, capsys)
    add_fifo(d)
    for budget in (10**12, 2_000_000):
        monkeypatch.setattr(memory, "memory_budget", lambda budget=budget: budget)
        for command in (["predict", model, str(d)], ["evaluate", model, str(d)]):
            assert main(command) != 0
            assert "p0.csv: it is a FIFO" in capsys.readouterr().err


@pytest.mark.parametrize("stream", [False, True])
def test_a_broken_link_or_a_loop_of_links_says_why(tmp_path, stream):
    d = folder(tmp_path / "d", "parquet")
    os.symlink(tmp_path / "gone.parquet", d / "p3.parquet")
    with pytest.raises(ValueError, match=r"p3\.parquet: it is a symbolic link to .*gone\.parquet"
                       r".*which does not exist \(a broken link\): restore"):  # fmt: skip
        TableModel("label", epochs=1, stream=stream).fit(d)
    (d / "p3.parquet").unlink()
    os.symlink("loop.parquet", d / "loop.parquet")
    with pytest.raises(ValueError, match=r"loop\.parquet: it is a loop of symbolic links"):
        TableModel("label", epochs=1, stream=stream).fit(d)


# --------------------------------------------------------------------------- many tiny files


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_many_tiny_files_are_read_together_every_row_once(tmp_path, suffix):
    d = folder(tmp_path / "d", suffix, n=7, files=300)
    plan = streaming.prepare_stream(d, "label", seed=0, chunk_rows=500)
    assert len(plan.stream.pieces) < 10  # 300 files of 7 rows gathered into a few pieces
    assert plan.m == 2_100
    order = sorted(range(1, 301), key=lambda i: f"p{i}.{suffix}")  # in name order
    expected = pd.concat([frame(7, i) for i in order], ignore_index=True)
    for epoch in range(2):
        rows = sum(A0.shape[1] for A0, _, _ in streaming.stream_batches(plan, 32, epoch))
        assert rows == plan.m_train
    chunks = list(streaming.table_chunks(streaming.TableStream(d, chunk_rows=500)))
    whole = pd.concat(chunks)
    np.testing.assert_array_equal(whole.index, np.arange(2_100))
    np.testing.assert_allclose(whole["a"], expected["a"])
    assert whole["c"].tolist() == expected["c"].tolist()


# --------------------------------------------------------------------------- missing targets


def test_a_streamed_evaluate_skips_a_file_whose_target_is_not_filled(tmp_path, capsys, streams):
    model = model_file(tmp_path, capsys)
    d = folder(tmp_path / "d", "parquet")
    frame(3_000, 2).assign(label=None).to_parquet(d / "p2.parquet", index=False)
    assert main(["evaluate", model, str(d)]) == 0
    out = capsys.readouterr().out
    assert "3000 rows" in out and "(3000 with missing values dropped)" in out
    scores = TableModel.load(model).evaluate(d)
    reference = TableModel.load(model).evaluate(frame(3_000, 1))
    assert scores == pytest.approx(reference, rel=1e-12)


# --------------------------------------------------------------------------- cells named


def test_a_bad_cell_names_its_file_and_its_rows(tmp_path, capsys, monkeypatch):
    d = folder(tmp_path / "d", "parquet")
    bad = frame(3_000, 2)
    bad.loc[1_500, "a"] = np.inf
    bad.to_parquet(d / "p2.parquet", index=False, row_group_size=1000)
    where = r"p2\.parquet \(row 1500 of the file\): column 'a' holds inf at row 4500"
    monkeypatch.setattr(streaming, "held_out", lambda p, s, f: np.zeros(p.shape, bool))
    with pytest.raises(ValueError, match=where):
        TableModel("label", epochs=1, stream=True, validation_split=0).fit(d)
    monkeypatch.undo()
    monkeypatch.setattr(streaming, "held_out", lambda p, s, f: p >= 3_000)  # p2 held out
    with pytest.raises(ValueError, match=where):
        TableModel("label", epochs=1, stream=True).fit(d)
    monkeypatch.undo()
    model = model_file(tmp_path, capsys)
    monkeypatch.setattr(memory, "memory_budget", lambda: 2_000_000)
    assert main(["evaluate", model, str(d)]) != 0
    err = capsys.readouterr().err
    assert "p2.parquet (row 1500 of the file)" in err and "at row 4500" in err


# --------------------------------------------------------------------------- columns


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_later_file_with_other_columns_is_refused_by_name(tmp_path, suffix, stream):
    d = folder(tmp_path / "d", suffix)
    write = (lambda f, p: f.to_csv(p, index=False)) if suffix == "csv" else (
        lambda f, p: f.to_parquet(p, index=False)
    )  # fmt: skip
    write(frame(100, 3).drop(columns="b"), d / f"p3.{suffix}")
    lacks = rf"p3\.{suffix} lacks the column\(s\) 'b' that .*p1\.{suffix} has"
    with pytest.raises(ValueError, match=lacks):
        TableModel("label", epochs=1, stream=stream).fit(d)
    write(frame(100, 3).drop(columns="label"), d / f"p3.{suffix}")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) 'label'"):
        TableModel("label", epochs=1, stream=stream).fit(d)
    write(frame(100, 3).assign(e=1.0), d / f"p3.{suffix}")
    extra = rf"p3\.{suffix} has the column\(s\) 'e' that .*p1\.{suffix} lacks"
    with pytest.raises(ValueError, match=extra):
        TableModel("label", epochs=1, stream=stream).fit(d)


# --------------------------------------------------------------------------- quoted lines


def test_csv_with_values_over_several_lines_streams(tmp_path):
    rows = frame(60_000, 4)
    rows["note"] = np.where(np.arange(60_000) % 3 == 0, "first line\nsecond, line", "plain")
    rows.to_csv(tmp_path / "t.csv", index=False)
    plan = streaming.prepare_stream(tmp_path / "t.csv", "label", seed=0, drop=["note"])
    assert plan.m == 60_000
    chunks = pd.concat(streaming.table_chunks(tmp_path / "t.csv"))
    assert chunks["note"].tolist() == rows["note"].tolist()
    np.testing.assert_allclose(chunks["a"], rows["a"])


def test_preparing_many_files_shows_a_bar_of_the_files_read(tmp_path, capsys):
    pytest.importorskip("tqdm")
    d = folder(tmp_path / "d", "parquet", n=7, files=120)
    TableModel("label", epochs=1).prepare_stream(d, progress=True)
    err = capsys.readouterr().err
    assert "reading the files" in err and "/120 " in err  # the files of the first pass
    TableModel("label", epochs=1).prepare_stream(d)
    assert "reading the files" not in capsys.readouterr().err
