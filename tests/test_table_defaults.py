"""The table door's choices that depend on the table: the task of an integer target
(:func:`layerwise.tables.type_of_target`) and the count below which a category is merged
into its column's infrequent feature (:func:`layerwise.tables.defaults.rare_category_count`).

The references are independent of the code under test: pandas' ``value_counts`` for the
categories kept, scikit-learn's ``type_of_target`` and its bundled data sets for class codes,
and counts drawn with a known distribution.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from layerwise.tables import TableModel, task_notice, type_of_target
from layerwise.tables.defaults import rare_category_count
from layerwise.tables.encoder import TableEncoder

pd = pytest.importorskip("pandas")
sk_multiclass = pytest.importorskip("sklearn.utils.multiclass")


def _arrest_count(rng: np.random.Generator, m: int = 120) -> np.ndarray:
    """A count with 11 distinct values whose values 7 and up are seen once each (the shape
    of an arrest count): 0..6 drawn geometrically, then 7, 8, 9, 10 and 12 once."""
    bulk = np.minimum(rng.geometric(0.45, size=m - 5) - 1, 6)
    bulk[:7] = np.arange(7)  # every value 0..6 present
    return rng.permutation(np.concatenate([bulk, [7, 8, 9, 10, 12]]))


# --------------------------------------------------------------------------- the task


def test_a_count_is_a_regression_on_every_split():
    rng = np.random.default_rng(0)
    y = _arrest_count(rng)
    assert np.unique(y).size == 12
    kinds, distinct = set(), set()
    for seed in range(30):
        rows = np.random.default_rng(seed).permutation(y.size)[: int(0.75 * y.size)]
        kinds.add(type_of_target(y[rows]))
        distinct.add(np.unique(y[rows]).size)
    # the splits hold different numbers of values (some at most 10, which the rule of
    # "at most 10 integer values are classes" took as classes), and the task never flips
    assert min(distinct) <= 10 < max(distinct)
    assert kinds == {"continuous"}
    # scikit-learn calls it classes: where layerwise departs, on purpose
    assert sk_multiclass.type_of_target(y) == "multiclass"


def test_class_codes_stay_classes():
    rng = np.random.default_rng(1)
    y = rng.permutation(np.repeat([1, 2, 3, 4], [50, 60, 45, 55]))
    for seed in range(10):
        rows = np.random.default_rng(seed).permutation(y.size)[:150]
        assert type_of_target(y[rows]) == "multiclass"
    assert type_of_target(np.repeat([0, 1], [30, 70])) == "binary"


@pytest.mark.parametrize("name", ["load_iris", "load_wine", "load_digits", "load_breast_cancer"])
def test_scikit_learns_class_targets_are_classes(name):
    datasets = pytest.importorskip("sklearn.datasets")
    y = getattr(datasets, name)().target
    assert type_of_target(y) == sk_multiclass.type_of_target(y)


def test_ratings():
    # a 1-5 rating whose ends are rarer than its middle (lme4/InstEval: 14 % to 24 % of the
    # rows a value): an ordered score, a regression
    shares = [0.14, 0.16, 0.24, 0.22, 0.24]
    y = np.repeat([1, 2, 3, 4, 5], [int(s * 10_000) for s in shares])
    assert type_of_target(y) == "continuous"
    # used (nearly) evenly, five values are indistinguishable from class codes: classes
    assert type_of_target(np.repeat([1, 2, 3, 4, 5], [190, 200, 210, 200, 200])) == "multiclass"


def test_the_notice_names_the_choice_and_the_override():
    y = _arrest_count(np.random.default_rng(2))
    line = task_notice(y, "arrests")
    assert line.startswith("target 'arrests': 12 ordered integer values (0 to 12)")
    assert "regression" in line and "--output softmax trains it as 12 classes" in line
    codes = np.repeat([1, 2, 3, 4], 20)
    assert "4 classes (softmax output); --output linear" in task_notice(codes, "code")


def test_evaluate_takes_a_count_the_training_rows_never_saw():
    rng = np.random.default_rng(3)
    x = rng.normal(size=300)
    y = np.minimum(rng.poisson(np.exp(0.6 * x)), 6)
    train = pd.DataFrame({"x": x, "n": y})
    test = pd.DataFrame({"x": [0.0, 2.5, 3.0], "n": [1, 9, 15]})  # 9 and 15: never seen
    model = TableModel("n", epochs=5, seed=0).fit(train)
    scores = model.evaluate(test)
    pred = model.predict(test.drop(columns=["n"])).astype(float).reshape(-1)
    assert set(scores) >= {"r2", "rmse"}
    expected = 1 - np.sum((test["n"] - pred) ** 2) / np.sum((test["n"] - test["n"].mean()) ** 2)
    assert scores["r2"] == pytest.approx(expected, abs=1e-6)


# --------------------------------------------------------------------------- rare categories


@pytest.mark.parametrize(
    ("m", "count"), [(0, 2), (175, 2), (2000, 2), (2001, 3), (2500, 3), (4001, 5), (10**6, 5)]
)
def test_rare_category_count(m, count):
    assert rare_category_count(m) == min(5, max(2, math.ceil(m / 1000))) == count


def test_rare_category_count_refuses_a_bad_m():
    with pytest.raises(ValueError, match="m must be a number of rows >= 0; got -1"):
        rare_category_count(-1)


def _cars(m: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    models = [f"model{i}" for i in range(38)]
    weights = 1 / np.arange(1, 39)  # a long tail: many models seen once or twice
    pick = rng.choice(38, size=m, p=weights / weights.sum())
    return pd.DataFrame({"model": np.array(models)[pick], "hp": rng.normal(size=m)})


def test_a_small_table_keeps_every_category_seen_twice():
    frame = _cars(175)
    enc = TableEncoder().fit(frame)
    counts = frame["model"].value_counts()
    one_hot = [n for n in enc.feature_names_out_ if n.startswith("model=")]
    kept = sorted(f"model={c}" for c in counts.index[counts >= 2])
    assert sorted(n for n in one_hot if n != "model=(infrequent)") == kept
    assert ((counts >= 2) & (counts < 5)).sum() >= 5  # the fixed count of 5 merged these
    merged = int((counts < 2).sum())
    assert merged >= 1 and "model=(infrequent)" in one_hot
    assert enc.notices_ == [
        f"column 'model': {merged} of its {counts.size} categories seen in fewer than 2 "
        "training rows share the feature 'model=(infrequent)'; "
        "TableEncoder(min_frequency=1) keeps every category"
    ]


def test_a_big_table_merges_categories_seen_in_fewer_than_five_rows():
    frame = _cars(6000, seed=1)
    frame.loc[:2, "model"] = ["rare1", "rare2", "rare2"]
    enc = TableEncoder().fit(frame)
    counts = frame["model"].value_counts()
    kept = sorted(f"model={c}" for c in counts.index[counts >= 5])
    one_hot = [n for n in enc.feature_names_out_ if n.startswith("model=")]
    assert sorted(n for n in one_hot if n != "model=(infrequent)") == kept
    merged = int((counts < 5).sum())
    assert merged >= 2
    assert enc.notices_ == [
        f"column 'model': {merged} of its {counts.size} categories seen in fewer than 5 "
        "training rows share the feature 'model=(infrequent)'; "
        "TableEncoder(min_frequency=1) keeps every category"
    ]
