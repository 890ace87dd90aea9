"""The command line's answers to careless input: outputs that would land inside the DATA
folder, the id column written back by predict, the plot of a refit, the counts of columns,
out-of-memory, and the help texts' defaults."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

for _module in ("pandas", "pyarrow", "safetensors"):
    pytest.importorskip(_module, reason="the command line's tests need the cli extra")

import pandas as pd  # noqa: E402

from layerwise.cli import main  # noqa: E402

QUICK = ["--layers", "4", "--epochs", "2", "--quiet"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def frame(n: int, seed: int) -> pd.DataFrame:
    """Numbers a and b, a text c (red/green/blue), a yes/no label."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    c = rng.choice(["red", "green", "blue"], size=n)
    label = np.where(a + b + (c == "red") > 0.3, "yes", "no")
    return pd.DataFrame({"a": a, "b": b, "c": c, "label": label})


def folder(tmp_path: Path, suffix: str = ".csv") -> Path:
    d = tmp_path / "d"
    d.mkdir()
    for i in (1, 2):
        part = frame(3000, i)
        if suffix == ".csv":
            part.to_csv(d / f"p{i}.csv", index=False)
        else:
            part.to_parquet(d / f"p{i}{suffix}", index=False)
    return d


def contents(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    where = tmp_path_factory.mktemp("model")
    frame(300, 0).to_csv(where / "train.csv", index=False)
    assert (
        main(["train", str(where / "train.csv"), "--out", str(where / "m.safetensors"), *QUICK])
        == 0
    )
    return where / "m.safetensors"


# --------------------------------------------------------------------------- outputs in DATA


def test_an_output_inside_the_data_folder_is_refused_and_nothing_is_written(
    capsys, tmp_path, model_file
):
    d = folder(tmp_path)
    (tmp_path / "p").mkdir()
    before = contents(d)
    elsewhere = tmp_path / "p"
    os.symlink(d / "p1.csv", elsewhere / "link.csv")  # a link to an input, outside the folder
    os.symlink(d, tmp_path / "d_link")  # the folder under another name
    attempts = [
        ("predict", model_file, d, "--out", d / "p1.csv"),
        ("predict", model_file, d, "--out", d / "new.csv"),
        ("predict", model_file, d, "--out", d / "sub" / ".." / "new.parquet"),
        ("predict", model_file, d, "--out", elsewhere / "link.csv"),
        ("predict", model_file, tmp_path / "d_link", "--out", d / "new.csv"),
        ("train", d, "--out", d / "m.safetensors", *QUICK),
        ("train", d, "--out", tmp_path / "d_link" / "m.safetensors", *QUICK),
        ("train", d, "--plot-dir", d / "plots", *QUICK),
        ("train", d, "--plot-dir", d, *QUICK),
        ("evaluate", model_file, d, "--plot-dir", d / "plots"),
    ]
    for argv in attempts:
        code, out, err = run(capsys, *argv)
        assert code == 2, (argv, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert "folder" in lines[0] and "d" in lines[0], err
        assert contents(d) == before, argv
    assert not (d / "plots").exists() and not (d / "sub").exists()
    # outside the folder it works, and the folder is as it was
    code, _, err = run(capsys, "predict", model_file, d, "--out", tmp_path / "p.csv")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "p.csv")) == 6000
    assert contents(d) == before


def test_train_writes_a_model_only_under_a_model_files_suffix(capsys, tmp_path):
    d = folder(tmp_path, ".parquet")
    frame(200, 3).to_csv(tmp_path / "t.csv", index=False)
    for name in ("m.parquet", "m.csv", "m.onnx", "m.png"):
        code, _, err = run(capsys, "train", tmp_path / "t.csv", "--out", tmp_path / name, *QUICK)
        assert code == 2 and ".safetensors" in err and len(err.strip().splitlines()) == 1, err
        assert not (tmp_path / name).exists()
    before = contents(d)
    code, _, err = run(capsys, "train", d, "--out", d / "p1.parquet", *QUICK)
    assert code == 2 and "folder" in err
    assert contents(d) == before
    code, _, err = run(
        capsys, "train", tmp_path / "t.csv", "--out", tmp_path / "m.safetensors", *QUICK
    )
    assert code == 0, err


# --------------------------------------------------------------------------- predict's ids


def test_predict_writes_back_the_id_column_the_model_was_trained_with(capsys, tmp_path):
    train = frame(400, 0)
    train.insert(0, "code", [f"{i:04d}" for i in range(400)])
    train.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m.safetensors"
    code, _, err = run(
        capsys, "train", tmp_path / "train.csv", "--id", "code", "--out", model, *QUICK
    )
    assert code == 0, err
    test = frame(50, 1)
    codes = [f"Z{i:03d}" for i in range(50)][::-1]  # not in any sorted order
    test.insert(2, "code", codes)
    test.to_csv(tmp_path / "test.csv", index=False)
    code, _, err = run(capsys, "predict", model, tmp_path / "test.csv", "--out", tmp_path / "p.csv")
    assert code == 0, err
    written = pd.read_csv(tmp_path / "p.csv", dtype=str)
    assert list(written.columns) == ["code", "prediction"]
    assert written["code"].tolist() == codes
    assert set(written["prediction"]) <= {"yes", "no"}
    # a table without the column: the row numbers, and a notice that says why
    test.drop(columns="code").to_csv(tmp_path / "plain.csv", index=False)
    code, _, err = run(
        capsys, "predict", model, tmp_path / "plain.csv", "--out", tmp_path / "q.csv"
    )
    assert code == 0, err
    assert "'code'" in err and "numbered" in err and len(err.strip().splitlines()) == 1
    written = pd.read_csv(tmp_path / "q.csv")
    assert list(written.columns) == ["row", "prediction"]
    assert written["row"].tolist() == list(range(50))
    # --id given wins over the model's
    test.to_csv(tmp_path / "test.csv", index=False)
    code, out, err = run(capsys, "predict", model, tmp_path / "test.csv", "--id", "c")
    assert code == 0, err
    assert out.splitlines()[0] == "c,prediction"


# --------------------------------------------------------------------------- the refit's plot


def test_the_confusion_matrix_after_a_refit_agrees_with_the_printed_validation(
    capsys, tmp_path, monkeypatch
):
    import re

    from layerwise import plot

    drawn = []

    def recording(y_true, y_pred, **kwargs):
        drawn.append((np.asarray(y_true), np.asarray(y_pred), kwargs.get("title")))

    monkeypatch.setattr(plot, "confusion_matrix", recording)
    code, out, err = run(capsys, "train", "mixed", "--plot-dir", tmp_path, "--quiet")
    assert code == 0, err
    assert "trained again on every row" in out  # a refit ran
    found = re.search(r"^Validation: .*accuracy (\d\.\d+)\s+\((\d+) rows\)", out, re.M)
    assert found, out
    accuracy, rows = float(found[1]), int(found[2])
    (y_true, y_pred, title), *_ = drawn
    assert y_true.size == rows and title == f"Confusion matrix, validation rows ({rows})"
    assert int((y_true == y_pred).sum()) == round(accuracy * rows)


# --------------------------------------------------------------------------- one count


def test_the_data_and_encoding_lines_count_the_same_columns(capsys, tmp_path):
    import re

    rng = np.random.default_rng(0)
    m = 500
    table = pd.DataFrame({f"x{i}": rng.normal(size=m) for i in range(5)})
    for i in range(4):
        table[f"t{i}"] = rng.choice(["a", "b", "c"], size=m)
    table["when"] = pd.date_range("2020-01-01", periods=m, freq="D").astype(str)
    # 88 % distinct in all rows, but above the 90 % of a name among the training rows alone:
    # the encoder, fitted on those, leaves it out where the table's rule kept it
    table["name"] = [f"person {i}" for i in range(440)] + [f"person {i}" for i in range(60)]
    table["label"] = rng.choice(["y", "n"], size=m)
    table.to_csv(tmp_path / "names.csv", index=False)
    code, out, err = run(capsys, "train", tmp_path / "names.csv", "--epochs", "1", "--quiet")
    assert code == 0, err
    data = re.search(r"^Data: .* (\d+) feature columns", out, re.M)
    encoding = re.search(r"^Encoding: ([^;>]*?)(;| ->)", out, re.M)
    assert data and encoding, out
    counts = {w: int(n) for n, w in re.findall(r"(\d+) (\w+)", encoding[1])}
    assert counts == {"numeric": 5, "text": 4, "date": 1}, out
    assert int(data[1]) == sum(counts.values()) == 10, out
    assert "column 'name' left out" in out


# --------------------------------------------------------------------------- memory


def test_auto_takes_numpy_where_the_jax_engine_would_not_fit_in_memory(monkeypatch):
    import resource

    from layerwise import _checks
    from layerwise.training.engines import choice

    monkeypatch.setattr(choice, "jax_installed", lambda: True)
    dims, m, epochs = [100, 128, 1], 1_000_000, 200  # 7.7e12 multiply-adds: jax's work
    data = (100 + 1) * m * 8  # X and Y in float64: 808 MB
    assert choice.work_of(dims, m, epochs) >= choice.JAX_MIN_WORK
    monkeypatch.setattr(resource, "getrlimit", lambda what: (resource.RLIM_INFINITY,) * 2)
    monkeypatch.setattr(_checks, "available_memory", lambda: 64 * 2**30)
    assert choice.choose_engine("auto", dims, m, epochs, data) == "jax"
    # the data once more and JAX itself (1.9 GB) do not fit in 1.5 GiB available
    monkeypatch.setattr(_checks, "available_memory", lambda: 3 * 2**29)
    assert choice.choose_engine("auto", dims, m, epochs, data) == "numpy"
    notice = choice.engine_memory_notice(data)
    assert "jax engine would need about" in notice and "memory available" in notice
    # nor under an address-space limit 2 GiB above what the process holds
    monkeypatch.setattr(_checks, "available_memory", lambda: 64 * 2**30)
    limit = choice._address_space() + 2 * 2**30
    monkeypatch.setattr(resource, "getrlimit", lambda what: (limit, resource.RLIM_INFINITY))
    assert choice.choose_engine("auto", dims, m, epochs, data) == "numpy"
    assert "address space" in choice.engine_memory_notice(data)
    assert choice.choose_engine("auto", dims, m, epochs, data // 100) == "jax"
    # asked for by name, jax is taken as it is
    assert choice.choose_engine("jax", dims, m, epochs, data) == "jax"


def test_train_says_which_engine_memory_chose(capsys, tmp_path, monkeypatch):
    from layerwise import _checks
    from layerwise.training.engines import choice

    monkeypatch.setattr(choice, "jax_installed", lambda: True)
    monkeypatch.setattr(choice, "JAX_MIN_WORK", 1.0)  # any training is work enough
    monkeypatch.setattr(_checks, "available_memory", lambda: 2**20)
    frame(300, 0).to_csv(tmp_path / "t.csv", index=False)
    code, out, err = run(capsys, "train", tmp_path / "t.csv", *QUICK)
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("Engine:"))
    assert line.startswith("Engine: numpy (auto: the jax engine would need about"), line


class XlaRuntimeError(RuntimeError):
    """JAX's runtime error, as jaxlib names it."""


def out_of_memory_errors():
    errors = [
        MemoryError("Unable to allocate 3.21 GiB for an array with shape (400, 1077000)"),
        XlaRuntimeError(
            "RESOURCE_EXHAUSTED: Out of memory while trying to allocate 4294967296 bytes.\n"
            "BufferAssignment OOM Debugging.\n" + "  a line of XLA's report\n" * 28
        ),
    ]
    try:
        from jax.errors import JaxRuntimeError

        errors.append(JaxRuntimeError("RESOURCE_EXHAUSTED: Out of memory allocating 4 GiB\nmore"))
    except ImportError:  # the jax extra is optional: the stand-in above names itself alike
        pass
    return errors


@pytest.mark.parametrize("error", out_of_memory_errors(), ids=lambda e: type(e).__name__)
def test_out_of_memory_anywhere_in_train_is_one_line(capsys, tmp_path, monkeypatch, error):
    from layerwise.tables import TableModel

    frame(300, 0).to_csv(tmp_path / "t.csv", index=False)

    def exhausted(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(TableModel, "train", exhausted)
    code, _, err = run(capsys, "train", tmp_path / "t.csv", "--out", tmp_path / "m.safetensors")
    assert code == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("layerwise train: error: not enough memory"), err
    assert ("--engine numpy" in err) == isinstance(error, RuntimeError)
    assert not (tmp_path / "m.safetensors").exists()
    # where the prepared data is read, too
    monkeypatch.setattr(TableModel, "prepare", exhausted)
    code, _, err = run(capsys, "train", tmp_path / "t.csv")
    assert code == 1 and err.startswith("layerwise train: error: not enough memory"), err


def test_another_runtime_error_is_not_called_out_of_memory(tmp_path, monkeypatch):
    from layerwise.tables import TableModel

    frame(300, 0).to_csv(tmp_path / "t.csv", index=False)

    def broken(self, *args, **kwargs):
        raise XlaRuntimeError("INTERNAL: something else")

    monkeypatch.setattr(TableModel, "train", broken)
    with pytest.raises(XlaRuntimeError):
        main(["train", str(tmp_path / "t.csv"), "--quiet"])


def test_the_readme_promises_the_out_of_memory_line():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "`not enough memory (...)` and what to do" in readme


# --------------------------------------------------------------------------- help's defaults


def option_help(capsys, command: str) -> dict[str, str]:
    """Each option's text in ``layerwise COMMAND --help``, its lines joined."""
    import re

    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out.split("options:", 1)[1].split("\n\n", 1)[0]
    options: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        found = re.match(r"^  (--[\w-]+)(.*)$", line)
        if found:
            name = found[1]
            options[name] = found[2]
        elif name is not None:
            options[name] += " " + line.strip()
    return {k: " ".join(v.split()) for k, v in options.items()}


def test_train_help_gives_the_defaults_of_tables_defaults(capsys):
    from layerwise.tables import defaults

    plan = defaults.plan_for(10_000, 12, 1, "classification")  # a table of any size
    small = defaults.plan_for(100, 12, 1, "classification")
    options = option_help(capsys, "train")
    assert f"one layer of {defaults.WIDTH} units" in options["--layers"]
    assert plan.layers == [defaults.WIDTH] and "20,7,5" not in options["--layers"]
    assert f"(default {plan.hidden})" in options["--hidden"]
    assert f"(default {plan.learning_rate:g})" in options["--lr"]
    assert f"(default {plan.optimizer})" in options["--optimizer"]
    assert f"(default {plan.l2:g})" in options["--l2"]
    assert f"(default {plan.epochs};" in options["--epochs"]
    split = (
        f"default {plan.validation_split:g}, {small.validation_split:g} under "
        f"{defaults.SMALL_ROWS} rows"
    )
    assert split in options["--validation-split"]
    patience = f"default {plan.patience} epochs, or {defaults.PATIENCE_STEPS} mini-batch steps"
    assert patience in options["--early-stopping"]
    assert (
        f"default {defaults.TOLERANCE:g} on a table of {defaults.BIG_TABLE_ROWS:,} rows"
        in (options["--tol"])
    )
    assert f"under {defaults.REFIT_ROWS} rows" in options["--refit"]
    assert " ".join(defaults.BATCH_RULE.split()) in options["--batch-size"]
    for command in ("train", "evaluate", "predict"):
        text = option_help(capsys, command)["--drop-missing"]
        assert "refus" not in text and "left out either way" in text, (command, text)


def test_the_readmes_train_row_gives_the_same_defaults():
    from layerwise.tables import defaults

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `train DATA --out"))
    assert "20,7,5" not in row
    assert f"default one layer of {defaults.WIDTH}" in row
    assert f"`--epochs` (at most; {defaults.EPOCHS})" in row
    assert (
        f"`--validation-split` ({defaults.VALIDATION_SPLIT:g}, {defaults.SMALL_VALIDATION_SPLIT:g} "
        f"under {defaults.SMALL_ROWS} rows; 0: none)" in row
    )
    assert f"`--early-stopping N` ({defaults.PATIENCE}, or {defaults.PATIENCE_STEPS} steps" in row


# --------------------------------------------------------------------------- installing

ROOT = Path(__file__).parents[1]


def pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def distributions(extras: list[str]) -> set[str]:
    """The distributions an install of these extras brings (the extras' own resolved)."""
    import re

    table = pyproject()["project"]["optional-dependencies"]
    found: set[str] = set()
    todo = list(extras)
    while todo:
        for requirement in table[todo.pop()]:
            inner = re.fullmatch(r"layerwise\[([\w,]+)\]", requirement)
            if inner:
                todo += inner[1].split(",")
            else:
                found.add(re.split(r"[<>=!\[ ]", requirement, maxsplit=1)[0].lower())
    return found


def test_the_license_is_an_spdx_expression_with_its_file():
    import re

    project = pyproject()["project"]
    assert project["license"] == "MIT"
    assert all((ROOT / name).is_file() for name in project["license-files"])
    requires = pyproject()["build-system"]["requires"]
    floor = next(r for r in requires if r.startswith("setuptools"))
    assert int(re.search(r">=(\d+)", floor)[1]) >= 77  # the first to take the SPDX string


def test_the_cli_extra_brings_every_listed_command():
    have = distributions(["cli"])
    # export: onnx; datasets, train, predict: pandas and pyarrow; the model file: safetensors;
    # the plots: matplotlib; the built-in data sets of scikit-learn; the progress bar
    needed = {"onnx", "onnxruntime", "pandas", "pyarrow", "safetensors", "matplotlib"}
    assert needed | {"scikit-learn", "tqdm"} <= have, needed - have


def test_install_lines_install_from_the_repository():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "pip install 'layerwise[" not in text, page
        assert 'pip install "layerwise[' not in text, page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert '```bash\npip install ".[plot]" && layerwise demo\n```' in readme
    assert '```bash\npip install -e ".[test]" && python -m pytest -n 2\n```' in readme
    assert '`pip install ".[cli]"`' in readme


def test_the_notebooks_install_line_brings_what_they_import():
    import json
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Notebooks", 1)[1].split("\n## ", 1)[0]
    extras = re.search(r'pip install "\.\[([\w,]+)\]"', section)[1].split(",")
    have = distributions(extras)
    # a module the notebooks import, and the distribution (or layerwise's extra) it needs
    needs = {
        "sklearn": "scikit-learn",
        "onnxruntime": "onnxruntime",
        "pandas": "pandas",
        "matplotlib": "matplotlib",
        "layerwise.views.live": "ipython",
        "layerwise.tables": "pandas",
    }
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for module in re.findall(r"^\s*(?:import|from)\s+([\w.]+)", code, re.M):
            for prefix, distribution in needs.items():
                if module == prefix or module.startswith(prefix + "."):
                    assert distribution in have, (notebook.name, module, extras)


def test_the_readmes_session_is_what_the_current_code_prints(capsys, tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    session = readme.split(
        "$ layerwise train survey.csv --out survey.safetensors --plot-dir plots\n"
    )
    shown = session[1].split("\n$ ", 1)[0].splitlines()
    monkeypatch.chdir(tmp_path)
    assert main(["datasets", "mixed", "--out", "survey.csv"]) == 0
    code, out, err = run(capsys, "train", "survey.csv", "--out", "survey.safetensors")
    assert code == 0, err
    plan = ("Data:", "  column", "Encoding:", "Task:", "Network:", "Training: adam", "Notice:")
    printed = [line for line in out.splitlines() if line.startswith(plan)]
    assert [line for line in shown if line.startswith(plan)] == printed
    assert "Network: n = [23, 20, 7, 5, 3]" not in readme
