"""The graded functions of weeks 3 and 4: write them, and check them against the notes.

Each exercise is a function of the course's assignments ("Planar data classification with
one hidden layer", "Building your Deep Neural Network: Step by Step"), with the course's
signature. :func:`check` runs a learner's function on the course's test cases and on fresh
random ones, compares every output with the reference (type, shape, dtype, values to 1e-7,
and that the inputs were left alone), and says in the notes' notation what is wrong, with a
hint where the mistake is a known one (a missing 1/m, a sum without ``keepdims=True``,
g'(Z[l+1]) for g'(Z[l]) as in the notes' slip, W not transposed, weights started at zeros,
the cost's sign ...). It never raises.

=============================  ====  ===================================================
exercise                       week  signature
=============================  ====  ===================================================
sigmoid                        3     sigmoid(Z) -> A
sigmoid_derivative             3     sigmoid_derivative(Z) -> g'(Z) = a(1 − a)
tanh_derivative                3     tanh_derivative(Z) -> g'(Z) = 1 − a²
relu                           3     relu(Z) -> A
relu_derivative                3     relu_derivative(Z) -> g'(Z), 1 for z ≥ 0
initialize_parameters          3     initialize_parameters(n_x, n_h, n_y) -> parameters
forward_propagation            3     forward_propagation(X, parameters) -> A2, cache
compute_cost                   3, 4  compute_cost(AL, Y) -> J
backward_propagation           3     backward_propagation(parameters, cache, X, Y) -> grads
update_parameters              3, 4  update_parameters(parameters, grads, learning_rate)
initialize_parameters_deep     4     initialize_parameters_deep(layer_dims) -> parameters
linear_forward                 4     linear_forward(A, W, b) -> Z, cache
linear_activation_forward      4     linear_activation_forward(A_prev, W, b, activation)
L_model_forward                4     L_model_forward(X, parameters) -> AL, caches
linear_backward                4     linear_backward(dZ, cache) -> dA_prev, dW, db
linear_activation_backward     4     linear_activation_backward(dA, cache, activation)
L_model_backward               4     L_model_backward(AL, Y, caches) -> grads
=============================  ====  ===================================================

The caches are the course's: ``linear_cache = (A_prev, W, b)``, and per layer
``cache = (linear_cache, Z)``. The initializations draw from ``np.random`` as the course's
do; the check seeds it for each case (``np.random.seed(2)`` for the planar assignment's,
``3`` for ``initialize_parameters_deep([5, 4, 3])``) and puts its state back afterwards, so
do not seed inside the function. :func:`solution` gives the reference, written with
layerwise's own functions (``lw.linear_backward``, ``lw.get_activation`` ...), the ones
training runs.

Examples
--------
>>> import numpy as np
>>> from layerwise import exercises
>>> exercises.names()[:3]
['sigmoid', 'sigmoid_derivative', 'tanh_derivative']
>>> def linear_backward(dZ, cache):
...     A_prev, W, b = cache
...     m = A_prev.shape[1]
...     dW = np.dot(dZ, A_prev.T) / m
...     db = np.sum(dZ, axis=1) / m            # keepdims=True forgotten
...     return np.dot(W.T, dZ), dW, db
>>> r = exercises.check("linear_backward", linear_backward)
>>> r.passed
False
>>> "keepdims=True" in str(r)
True
>>> exercises.check("linear_backward", exercises.solution("linear_backward")).passed
True
"""

from __future__ import annotations

from ._api import check, names, solution
from ._grading import CaseReport, CheckResult

__all__ = ["CaseReport", "CheckResult", "check", "names", "solution"]
