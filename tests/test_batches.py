"""Mini-batches (layerwise.training.batches): a SciPy sparse X trains batch by batch without ever
being
densified, and gives the weights a dense X gives (the same batches, the same products up to
the order of the sums)."""

from __future__ import annotations

import numpy as np
import pytest

import layerwise as lw
from layerwise.training.batches import Batches

sp = pytest.importorskip("scipy.sparse")

FORMATS = ["csr_matrix", "csc_matrix", "coo_matrix", "csr_array", "csc_array", "coo_array"]


def sparse_problem(n0=30, m=300, density=0.1, seed=0):
    """X (n[0], m) sparse with one example per column, and 0/1 labels Y (1, m)."""
    rng = np.random.default_rng(seed)
    X = sp.random(n0, m, density=density, random_state=seed, format="csc")
    Y = (rng.random((1, m)) > 0.5).astype(np.float64)
    return X, Y


def max_difference(a, b):
    return max(float(np.abs(a.params[k] - b.params[k]).max()) for k in a.params)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("batch_size", "shuffle"), [(64, True), (64, False), (None, True)])
def test_sparse_X_trains_as_the_dense_X(fmt, batch_size, shuffle):
    X, Y = sparse_problem()
    X_fmt = getattr(sp, fmt)(X)
    w = np.random.default_rng(1).uniform(0.5, 2.0, size=X.shape[1])
    kwargs = dict(
        epochs=4,
        learning_rate=0.01,
        batch_size=batch_size,
        shuffle=shuffle,
        optimizer="adam",
        l2=0.1,
        sample_weight=w,
        validation_split=0.2,
    )
    sparse_net = lw.Network([30, 8, 1], seed=3)
    dense_net = lw.Network([30, 8, 1], seed=3)
    h_sparse = sparse_net.fit(X_fmt, Y, **kwargs)
    h_dense = dense_net.fit(X.toarray(), Y, **kwargs)
    assert max_difference(sparse_net, dense_net) < 1e-12
    np.testing.assert_allclose(h_sparse.cost, h_dense.cost, rtol=1e-12)
    np.testing.assert_allclose(h_sparse.history["val_cost"], h_dense.history["val_cost"])
    np.testing.assert_allclose(
        sparse_net.predict_proba(X_fmt), dense_net.predict_proba(X.toarray()), rtol=1e-12
    )
    assert sparse_net.evaluate(X_fmt, Y) == pytest.approx(dense_net.evaluate(X.toarray(), Y))


def test_sparse_batches_stay_sparse():
    X, Y = sparse_problem(m=100)
    for shuffle in (True, False):
        batches = Batches(X, Y, 32, shuffle, np.random.default_rng(0))
        seen = []
        for A0, Yb, _ in batches.epoch():
            assert hasattr(A0, "tocsc"), "a batch of a sparse X must stay sparse"
            assert A0.shape[0] == 30 and A0.shape[1] == Yb.shape[1]
            seen.append(A0.toarray())
        order = batches.order_of_epoch if shuffle else np.arange(100)
        np.testing.assert_array_equal(np.hstack(seen), X.toarray()[:, order])


def test_sparse_X_with_nan_names_the_entry():
    X, Y = sparse_problem(m=50)
    X = X.tolil()
    X[4, 7] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf \(first at row 4, column 7\)"):
        lw.Network([30, 1]).fit(X.tocsr(), Y, epochs=1)


def test_sparse_X_of_the_wrong_orientation_suggests_the_transpose():
    X, Y = sparse_problem(m=50)
    with pytest.raises(ValueError, match=r"X has 50 rows but n\[0\] is 30.*X\.T"):
        lw.Network([30, 1]).fit(X.T.tocsr(), Y, epochs=1)


def test_sparse_X_of_text_is_refused():
    X = sp.csr_matrix(np.array([[1, 0], [0, 1]], dtype=complex))
    with pytest.raises(ValueError, match="real numbers"):
        lw.Network([2, 1]).predict(X)


def test_jax_engine_refuses_sparse_X():
    pytest.importorskip("jax")
    X, Y = sparse_problem(m=50)
    with pytest.raises(ValueError, match="engine='jax' takes a dense X"):
        lw.Network([30, 1]).fit(X, Y, epochs=1, engine="jax")
