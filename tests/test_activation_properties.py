"""Properties of the activations over generated inputs (hypothesis, in the test extra)."""

from __future__ import annotations

import numpy as np
import pytest

import layerwise as lw

pytest.importorskip("hypothesis", reason="property-based tests need hypothesis (test extra)")
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

finite_columns = arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(1, 5)),
    elements=st.floats(-50, 50, allow_nan=False),
)


@given(Z=finite_columns, shift=st.floats(-100, 100, allow_nan=False))
def test_softmax_invariant_to_a_constant_per_column(Z, shift):
    g = lw.get_activation("softmax")
    shifts = shift * np.linspace(-1.0, 1.0, Z.shape[1])[None, :]
    A = g(Z)
    np.testing.assert_allclose(g(Z + shifts), A, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-12)
    assert np.all(A >= 0)


@given(Z=arrays(np.float64, (2, 6), elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_sigmoid_in_unit_interval_and_symmetric(Z):
    g = lw.get_activation("sigmoid")
    A = g(Z)
    assert np.all((A >= 0.0) & (A <= 1.0))
    # σ(−z) = 1 − σ(z)
    np.testing.assert_allclose(g(-Z), 1.0 - A, atol=1e-15)
