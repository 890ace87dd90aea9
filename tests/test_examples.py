"""The scripts in examples/ run, print their figures and write their plots.

Each script runs in its ``--quick`` form (a few iterations or epochs); ``digits_deep.py`` also
runs in full, since its 0.97 test accuracy is a stated result of the library and takes seconds.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("matplotlib", reason="the examples write plots (the plot extra)")
pytest.importorskip("sklearn", reason="the examples load scikit-learn's data sets")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> ModuleType:
    """Import examples/<name>.py by path (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# (script, the PNG files it writes, lines its output must contain: a figure in each)
CASES = [
    (
        "planar_flower",
        ["decision_boundary.png", "cost_curve.png"],
        [
            r"^Cost after iteration 0: 0\.69\d+",  # ln 2: the notes' first printed cost
            r"^Training accuracy, n\[1\] = 4 hidden units: +[01]\.\d{4}$",
            r"^Training accuracy, logistic regression: +[01]\.\d{4}$",
            r"^50 +[01]\.\d{4}$",  # the last row of the hidden-size table
        ],
    ),
    (
        "digits_deep",
        ["cost_curve.png", "confusion_matrix.png"],
        [
            r"^total parameters: 17226 ",
            r"^Training time: \d+\.\d\d s for 3 epochs of 1347 images$",
            r"^Training accuracy: [01]\.\d{4}$",
            r"^Test accuracy: +[01]\.\d{4}$",
        ],
    ),
    (
        "diabetes_regression",
        ["cost_curve.png"],
        [
            r"^layerwise \[10, 16, 1\] +-?\d+\.\d{4} +\d+\.\d\d$",
            r"^LinearRegression +0\.3594 +56\.39$",  # the baseline does not depend on --quick
        ],
    ),
    (
        "imbalanced_weights",
        ["cost_curves.png"],
        [
            r"^breast_cancer thinned: 379 tumours, 22 malignant \(6 %\)",
            r"^weights: 0\.532 \(benign\), 8\.400 \(malignant\)$",
            r"^plain mean cost +[01]\.\d{4} +[01]\.\d{4} +[01]\.\d{4}$",
            r"^balanced weights +[01]\.\d{4} +[01]\.\d{4} +[01]\.\d{4}$",
        ],
    ),
]


@pytest.mark.parametrize(("name", "plots", "printed"), CASES, ids=[c[0] for c in CASES])
def test_example_runs_quickly(
    name: str, plots: list[str], printed: list[str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code = load(name).main(["--quick", "--plot-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    for pattern in printed:
        assert re.search(pattern, out, flags=re.MULTILINE), f"{pattern!r} not in:\n{out}"
    for plot in plots:
        assert (tmp_path / plot).stat().st_size > 0, plot
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(plots)


def test_digits_deep_reaches_97_percent_test_accuracy(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code = load("digits_deep").main(["--plot-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    found = re.search(r"^Test accuracy: +(\d\.\d+)$", out, flags=re.MULTILINE)
    assert found, out
    assert float(found.group(1)) >= 0.97, out
