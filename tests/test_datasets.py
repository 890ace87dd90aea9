"""Generated data sets: the course's planar flower reproduced exactly, shapes, seeding,
labels, and no use of NumPy's global random state."""

from __future__ import annotations

import numpy as np
import pytest

import layerwise as lw
from layerwise import datasets


def course_planar(seed: int = 1, N: int = 200):
    """The course's load_planar_dataset(), on a local legacy stream instead of np.random.seed."""
    rs = np.random.RandomState(seed)
    m = 2 * N
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype="uint8")
    a = 4  # maximum ray of the flower
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rs.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rs.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T


def same_global_state(before, after) -> bool:
    return before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


# --------------------------------------------------------------------------- planar


def test_planar_shapes_and_dtype():
    X, Y = datasets.planar()
    assert X.shape == (2, 400)
    assert Y.shape == (1, 400)
    assert X.dtype == np.float64
    assert Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert Y.sum() == 200


@pytest.mark.parametrize("seed", [1, 0, 7])
def test_planar_reproduces_the_course_generator(seed):
    X, Y = datasets.planar(seed=seed)
    X_ref, Y_ref = course_planar(seed)
    assert np.array_equal(X, X_ref)
    assert np.array_equal(Y, Y_ref.astype(np.float64))


def test_planar_n_per_class():
    X, Y = datasets.planar(n_per_class=50)
    X_ref, Y_ref = course_planar(1, 50)
    assert X.shape == (2, 100)
    assert np.array_equal(X, X_ref)
    assert np.array_equal(Y, Y_ref)


def test_planar_is_reachable_from_the_package():
    X, Y = lw.datasets.planar(seed=1)
    X_ref, Y_ref = course_planar(1)
    assert np.array_equal(X, X_ref)
    assert np.array_equal(Y, Y_ref)


def test_planar_leaves_the_global_random_state_alone():
    np.random.seed(12345)
    before = np.random.get_state()
    datasets.planar()
    datasets.planar(seed=3)
    after = np.random.get_state()
    assert same_global_state(before, after)


def test_planar_rejects_bad_arguments():
    with pytest.raises((TypeError, ValueError), match="seed"):
        datasets.planar(seed=-1)
    with pytest.raises((TypeError, ValueError), match="n_per_class"):
        datasets.planar(n_per_class=0)


# --------------------------------------------------------------------------- the others

GENERATORS = {
    "moons": (datasets.moons, {}, {0.0, 1.0}),
    "circles": (datasets.circles, {}, {0.0, 1.0}),
    "xor": (datasets.xor, {}, {0.0, 1.0}),
    "spiral": (datasets.spiral, {"classes": 4}, {0.0, 1.0, 2.0, 3.0}),
    "blobs": (datasets.blobs, {"centers": 3}, {0.0, 1.0, 2.0}),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
@pytest.mark.parametrize("m", [101, 400])
def test_shapes_and_labels(name, m):
    fn, kwargs, labels = GENERATORS[name]
    X, Y = fn(m=m, seed=0, **kwargs)
    assert X.shape == (2, m)
    assert Y.shape == (1, m)
    assert Y.dtype == np.float64
    assert np.all(np.isfinite(X))
    assert set(np.unique(Y)) == labels


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_seeding(name):
    fn, kwargs, _ = GENERATORS[name]
    X1, Y1 = fn(m=60, seed=4, **kwargs)
    X2, Y2 = fn(m=60, seed=4, **kwargs)
    X3, _ = fn(m=60, seed=5, **kwargs)
    assert np.array_equal(X1, X2)
    assert np.array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)
    X4, _ = fn(m=60, seed=np.random.default_rng(4), **kwargs)
    assert np.array_equal(X1, X4)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_leaves_the_global_random_state_alone(name):
    fn, kwargs, _ = GENERATORS[name]
    np.random.seed(99)
    before = np.random.get_state()
    fn(m=30, seed=1, **kwargs)
    fn(m=30, seed=None, **kwargs)
    assert same_global_state(before, np.random.get_state())


def test_balanced_classes():
    for fn in (datasets.moons, datasets.circles):
        _, Y = fn(m=101, seed=0)
        assert Y.sum() == 50  # class 1 gets m // 2
    _, Y = datasets.spiral(m=10, classes=3, seed=0)
    assert sorted(np.bincount(Y[0].astype(int))) == [3, 3, 4]
    _, Y = datasets.blobs(m=9, centers=3, seed=0)
    assert list(np.bincount(Y[0].astype(int))) == [3, 3, 3]


def test_xor_labels_follow_the_signs():
    X, Y = datasets.xor(m=200, seed=0)
    expected = (X[0] * X[1] < 0).astype(float)
    np.testing.assert_array_equal(Y[0], expected)
    assert np.abs(X).max() <= 1.0


def test_circles_radii():
    X, Y = datasets.circles(m=200, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(X[0], X[1])
    np.testing.assert_allclose(r[Y[0] == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(r[Y[0] == 1], 0.3, rtol=1e-12)
    with pytest.raises(ValueError, match="factor"):
        datasets.circles(factor=1.5)


def test_moons_without_noise_lie_on_the_half_circles():
    X, Y = datasets.moons(m=50, noise=0.0, seed=0)
    top = X[:, Y[0] == 0]
    bottom = X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(top[0], top[1]), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(bottom[0] - 1, bottom[1] - 0.5), 1.0, rtol=1e-12)


def test_one_hot():
    Y = np.array([[2.0, 0.0, 1.0, 2.0]])
    expected = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]], dtype=float)
    np.testing.assert_array_equal(datasets.one_hot(Y), expected)
    assert datasets.one_hot(Y, n_classes=5).shape == (5, 4)
    with pytest.raises(ValueError):
        datasets.one_hot(np.array([[0.5]]))
    with pytest.raises(ValueError):
        datasets.one_hot(Y, n_classes=2)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_bad_sizes_are_rejected(name):
    fn, kwargs, _ = GENERATORS[name]
    with pytest.raises(ValueError, match="m must be positive"):
        fn(m=0, **kwargs)
    with pytest.raises(TypeError, match="m must be a positive integer"):
        fn(m=10.5, **kwargs)


# --------------------------------------------------------------------------- gaussian quantiles


def test_gaussian_quantiles_cuts_rings_of_equal_size_at_the_distance():
    X, Y = datasets.gaussian_quantiles(m=201, classes=3, cov=0.5, seed=0)
    assert X.shape == (2, 201) and Y.shape == (1, 201) and Y.dtype == np.float64
    r2 = np.sum(X**2, axis=0)
    labels = Y[0]
    # 67 a ring, computed by hand: 201 // 3; every point of a ring is farther than the last
    assert np.bincount(labels.astype(int)).tolist() == [67, 67, 67]
    for k in (0, 1):
        assert r2[labels == k].max() < r2[labels == k + 1].min()


def test_gaussian_quantiles_follows_the_chi_square_quantile():
    # with 2 classes the cut is the median of ‖x‖², which is cov · χ²₂'s median = cov · 2 ln 2
    X, Y = datasets.gaussian_quantiles(m=20_000, cov=0.5, seed=1)
    r2 = np.sum(X**2, axis=0)
    cut = (r2[Y[0] == 0].max() + r2[Y[0] == 1].min()) / 2
    assert cut == pytest.approx(0.5 * 2 * np.log(2), rel=0.03)
    assert np.cov(X) == pytest.approx(0.5 * np.eye(2), abs=0.02)


@pytest.mark.parametrize(("m", "classes"), [(200, 2), (200, 3), (203, 4)])
def test_gaussian_quantiles_rings_are_scikit_learns(m, classes):
    sk = pytest.importorskip("sklearn.datasets")
    Xs, ys = sk.make_gaussian_quantiles(
        cov=0.5, n_samples=m, n_features=2, n_classes=classes, random_state=3
    )
    X, Y = datasets.gaussian_quantiles(m=m, classes=classes, cov=0.5, seed=3)
    # the same ring sizes (the remainder in the outermost), each ring ordered by distance
    assert np.bincount(Y[0].astype(int)).tolist() == np.bincount(ys).tolist()
    for labels, r2 in ((ys, np.sum(Xs**2, axis=1)), (Y[0], np.sum(X**2, axis=0))):
        for k in range(classes - 1):
            assert r2[labels == k].max() < r2[labels == k + 1].min()


def test_gaussian_quantiles_is_seeded_and_refuses_bad_arguments():
    a, b = datasets.gaussian_quantiles(seed=5), datasets.gaussian_quantiles(seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match=r"cov .* must be > 0; Received: -1"):
        datasets.gaussian_quantiles(cov=-1)
    with pytest.raises(ValueError, match=r"classes=5 rings need at least 5 points; Received: m=3"):
        datasets.gaussian_quantiles(m=3, classes=5)
