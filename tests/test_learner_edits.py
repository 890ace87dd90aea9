"""The README's tour functions are what ``Network.fit`` runs: a learner who edits
``forward``, ``compute_cost``, ``backward`` or ``update_params`` in a copy of the package sees
``fit`` change with the edit (each edit runs in a fresh interpreter on the copy)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import layerwise

#: trains the tour's network on the course's data with fit(), prints what came of it
SCRIPT = """
import json, os, layerwise as lw
X, Y = lw.datasets.planar(seed=1)
net = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", seed=1)
l2 = float(os.environ["L2"])
try:
    cost, error = net.fit(X, Y, epochs=3000, learning_rate=1.2, l2=l2).cost, None
except lw.TrainingDivergedError as exc:
    cost, error = exc.history.cost, str(exc)
print(json.dumps({"file": lw.__file__, "cost": cost, "error": error,
                  "accuracy": net.evaluate(X, Y)["accuracy"]}))
"""

#: each edit replaces one tour function with a wrapper around the original
EDITS = {
    "backward": """
        def backward(*args, **kwargs):  # the learner's edit: no gradient at all
            grads = _original_backward(*args, **kwargs)
            return {key: np.zeros_like(value) for key, value in grads.items()}
    """,
    "compute_cost": """
        def compute_cost(*args, **kwargs):  # the learner's edit: 123 more
            return _original_compute_cost(*args, **kwargs) + 123.0
    """,
    "forward": """
        def forward(X, *args, **kwargs):  # the learner's edit: the network sees no input
            return _original_forward(X * 0.0, *args, **kwargs)
    """,
    "update_params": """
        def update_params(params, grads, learning_rate, **kwargs):  # the learner's edit
            return params  # no step taken
    """,
}


def train_with(tmp_path: Path, edit: str | None, l2: float = 0.0) -> dict:
    """Copy the package into tmp_path, apply the edit to propagation.py, train there (with
    L2's λ = ``l2``)."""
    copy = tmp_path / f"{edit or 'unedited'}-{l2}"
    shutil.copytree(
        Path(layerwise.__file__).parent,
        copy / "layerwise",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    if edit is not None:
        module = copy / "layerwise" / "core" / "propagation.py"
        text = module.read_text(encoding="utf-8")
        assert text.count(f"\ndef {edit}(") == 1
        text = text.replace(f"\ndef {edit}(", f"\ndef _original_{edit}(")
        module.write_text(text + textwrap.dedent(EDITS[edit]), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy), "L2": str(l2)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(result["file"]).is_relative_to(copy)  # the copy ran, not the package
    return result


@pytest.fixture(scope="module")
def unedited(tmp_path_factory):
    return train_with(tmp_path_factory.mktemp("tour"), None)


def test_the_unedited_copy_trains(unedited):
    assert unedited["error"] is None
    assert unedited["accuracy"] >= 0.85
    assert unedited["cost"][-1] < 0.5 * unedited["cost"][0]


@pytest.mark.parametrize("edit", ["backward", "forward", "update_params"])
def test_an_edit_that_stops_learning_stops_fit(tmp_path, unedited, edit):
    result = train_with(tmp_path, edit)
    assert result["error"] is None
    # the planar set is half red, half blue: an untrained network is right about half the time
    assert 0.4 <= result["accuracy"] <= 0.6
    # the cost stays where it began (it never moved, or moved only by what it cannot learn)
    assert result["cost"][-1] > 0.95 * result["cost"][0]
    assert result["accuracy"] < unedited["accuracy"] - 0.25


def test_an_edited_cost_is_the_cost_fit_sees(tmp_path, unedited):
    result = train_with(tmp_path, "compute_cost")
    # fit's divergence guard reads the edited cost of the first epoch: 123 above the
    # unedited one, beyond the ceiling of the clipped cross-entropy, so fit stops there
    assert result["cost"] == []
    assert f"the cost sits at {unedited['cost'][0] + 123.0:g}" in result["error"]


def test_an_edited_cost_is_the_history_fit_records(tmp_path):
    # with L2 the cost has no ceiling: every epoch's recorded cost moves by the 123, and the
    # steps, which follow backward() alone, are the same
    l2 = 1e-9
    plain, edited = train_with(tmp_path, None, l2), train_with(tmp_path, "compute_cost", l2)
    assert edited["error"] is None and len(edited["cost"]) == 3000
    assert [c - 123.0 for c in edited["cost"]] == pytest.approx(plain["cost"], abs=1e-9)
    assert edited["accuracy"] == plain["accuracy"] >= 0.85
