"""The notebooks in notebooks/: stored without outputs (readable diffs), and each runs top to
bottom in a fresh kernel in under two minutes (nbclient, in the test extra)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))

#: what each notebook needs beyond NumPy and layerwise, and when it cannot run yet
NEEDS = {
    "01_week3_planar_flower.ipynb": ["matplotlib", "IPython"],
    "02_week4_deep_network.ipynb": ["sklearn"],
    "03_gradient_checking_and_errata.ipynb": [],
    "04_table_workflow.ipynb": ["pandas", "pyarrow", "sklearn", "onnx", "onnxruntime"],
    "05_week3_exercises.ipynb": [],
    "06_week4_exercises.ipynb": [],
    "07_week3_hidden_units_and_datasets.ipynb": ["matplotlib"],
    "08_week4_application.ipynb": ["matplotlib", "sklearn"],
}


def test_every_notebook_is_listed_with_what_it_needs():
    assert [p.name for p in NOTEBOOKS] == sorted(NEEDS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name}: cell {i} has outputs stored"
            assert cell["execution_count"] is None, f"{path.name}: cell {i} has a count"
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom_in_a_fresh_kernel(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    for module in NEEDS[path.name]:
        pytest.importorskip(module)
    monkeypatch.setenv("MPLBACKEND", "agg")  # the kernel draws without a screen
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    seconds = time.perf_counter() - start
    assert seconds < 120, f"{path.name} took {seconds:.0f} s"
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
