"""The exercise notebooks (notebooks/05_week3_exercises.ipynb, 06_week4_exercises.ipynb): each
blank (a code cell tagged "exercise", `# YOUR CODE HERE`) is an exercise's function; with every
blank replaced by the source of ``exercises.solution(name)``, the notebook runs top to bottom
and every check cell (tagged "check") prints a pass. The blank notebooks themselves run in
tests/test_notebooks.py (their checks fail, without an error)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from layerwise import exercises

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
WEEKS = {"05_week3_exercises.ipynb": 3, "06_week4_exercises.ipynb": 4}


def _tagged(notebook, tag):
    return [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]


def _name(cell) -> str:
    match = re.match(r"def (\w+)\(", cell.source)
    assert match, f"an exercise cell must start with the function's def: {cell.source[:60]!r}"
    return match.group(1)


@pytest.mark.parametrize("filename", sorted(WEEKS))
def test_the_blanks_are_the_weeks_exercises_in_order(filename):
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOKS / filename, as_version=4)
    blanks = _tagged(notebook, "exercise")
    assert [_name(c) for c in blanks] == exercises.names(week=WEEKS[filename])
    for cell in blanks:
        assert "# YOUR CODE HERE" in cell.source and "raise NotImplementedError" in cell.source
        # the blank has the reference's signature
        reference = exercises.solution(_name(cell))
        first = cell.source.splitlines()[0]
        assert first == f"def {reference.__name__}{inspect.signature(reference)}:"
    checks = _tagged(notebook, "check")
    assert [c.source for c in checks] == [
        f'print(exercises.check("{n}", {n}))' for n in exercises.names(week=WEEKS[filename])
    ]


@pytest.mark.parametrize("filename", sorted(WEEKS))
def test_the_notebook_with_the_solutions_passes_every_check(filename, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("MPLBACKEND", "agg")
    notebook = nbformat.read(NOTEBOOKS / filename, as_version=4)
    for cell in _tagged(notebook, "exercise"):
        cell.source = inspect.getsource(exercises.solution(_name(cell)))
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    checks = _tagged(notebook, "check")
    printed = ["".join(o.get("text", "") for o in c.outputs) for c in checks]
    assert len(printed) == len(exercises.names(week=WEEKS[filename]))
    for text in printed:
        assert re.search(r": all \d+ test cases passed\.", text), text
    # the last cell trains with the learner's functions, once every check passes
    last = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    accuracy = int(re.search(r"accuracy on the \w+: (\d+)%", last).group(1))
    assert accuracy >= 85, last
