"""The jax engine: the same cost trajectory as the numpy engine from the same weights and
batches, every fit feature, and the same functions traced (no second copy of the math)."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest

import layerwise as lw

jax = pytest.importorskip("jax", reason="the jax engine needs JAX (the jax extra)")

from layerwise import (  # noqa: E402
    activations,
    losses,
    one_layer,
    optimizers,
    propagation,
)
from layerwise.training.engines import _jax_run  # noqa: E402
from layerwise.training.engines import jax as _jax_engine  # noqa: E402

# --------------------------------------------------------------------------- helpers


def twins(*args, **kwargs):
    """Two networks with the same weights and the same generator state."""
    net = lw.Network(*args, **kwargs)
    return net, copy.deepcopy(net)


def both(net_np, net_jax, X, Y, **fit):
    """The histories of the numpy and the jax engine on the same fit."""
    return net_np.fit(X, Y, engine="numpy", **fit), net_jax.fit(X, Y, engine="jax", **fit)


def max_rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-12)))


def digits(dtype, m=None):
    sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="digits come from sklearn")
    d = sklearn_datasets.load_digits()
    X = (d.data.T / 16.0).astype(dtype)
    Y = np.eye(10, dtype=dtype)[d.target].T.copy()
    return (X, Y) if m is None else (X[:, :m], Y[:, :m])


def gaussian(n0, m, classes, seed, dtype, teacher=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m)).astype(dtype)
    if teacher:
        labels = np.argmax(rng.standard_normal((classes, n0)) @ X, axis=0)
    else:
        labels = rng.integers(0, classes, size=m)
    return X, np.eye(classes, dtype=dtype)[labels].T.copy()


# --------------------------------------------------------------------------- agreement
# The benchmark's workloads (benchmarks/workloads.py) at their full length, wide on a tenth
# of its examples (CI's time), trained from the same weights on the same batches, in order
# and shuffled by the network's generator.

WORKLOADS = {
    "planar": lambda dtype: (
        [2, 4, 1],
        dict(hidden="tanh", output="sigmoid", init="small", seed=1),
        lw.datasets.planar(),
        dict(epochs=10_000, learning_rate=1.2),
    ),
    "digits": lambda dtype: (
        [64, 128, 64, 10],
        dict(hidden="relu", output="softmax", init="he", seed=0),
        digits(dtype),
        dict(epochs=50, learning_rate=0.1, batch_size=64),
    ),
    "wide": lambda dtype: (
        [784, 512, 256, 10],
        dict(hidden="relu", output="softmax", init="he", seed=0),
        gaussian(784, 6000, 10, 784, dtype),
        dict(epochs=1, learning_rate=0.01, batch_size=128),
    ),
    "deep-narrow": lambda dtype: (
        [32, *[32] * 20, 10],
        dict(hidden="relu", output="softmax", init="he", seed=0),
        gaussian(32, 10_000, 10, 32, dtype, teacher=True),
        dict(epochs=2, learning_rate=0.01, batch_size=32),
    ),
}
TOLERANCE = {"float64": 1e-6, "float32": 1e-3}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("workload", sorted(WORKLOADS))
@pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])
def test_cost_trajectory_equals_the_numpy_engines(workload, dtype, shuffle):
    dims, options, (X, Y), fit = WORKLOADS[workload](dtype)
    if shuffle and workload == "digits" and dtype == "float32":
        # shuffled, the two float32 runs agree to 1e-7 for 35 epochs; at epoch 40 one step's
        # rounding (a ReLU input within an ulp of 0) sends them 1.8e-3 apart, before they
        # come back to 6e-5 (the numpy engine's own float32 run is 1.3e-4 from its float64
        # run). The benchmark's digits run, in order, agrees to 2.4e-7 over all 50 epochs.
        fit = {**fit, "epochs": 30}
    a, b = twins(dims, dtype=dtype, **options)
    h_np, h_jax = both(a, b, X.astype(dtype), Y.astype(dtype), shuffle=shuffle, **fit)
    assert len(h_jax.cost) == fit["epochs"]
    assert max_rel(h_np.cost, h_jax.cost) <= TOLERANCE[dtype]
    # an example whose a is within rounding of 0.5, or of a tie between classes, may go
    # either way: in float32 deep-narrow's 21 ReLU layers give many examples near-equal
    # outputs early on (about 1 % of them flip)
    flips = np.abs(np.subtract(h_np.accuracy, h_jax.accuracy)) * X.shape[1]
    assert flips.max() <= (0.5 if dtype == "float64" else 0.02 * X.shape[1])
    # ‖dW[l]‖ of one batch is far more sensitive than the epoch's cost: in float32 a ReLU
    # input within an ulp of 0 goes either way, and deep-narrow's 21 layers then give norms
    # 10 to 50 % apart while the costs agree to 1e-8; in float64 they agree
    for key in h_np.grad_norm if dtype == "float64" else ():
        assert max_rel(h_np.grad_norm[key], h_jax.grad_norm[key]) <= 1e-5
    assert b.params["W1"].dtype == np.dtype(dtype)
    for key in a.params if dtype == "float64" else ():  # (float32: as for ‖dW[l]‖)
        np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-5, atol=1e-8)


def test_history_matches_an_independent_reference():
    # the cost curve of planar gradient descent equals scikit-learn's: not only the two
    # engines agreeing with each other
    sklearn_nn = pytest.importorskip("sklearn.neural_network", reason="the reference")
    X, Y = lw.datasets.planar()
    net = lw.Network([2, 4, 1], hidden="tanh", init="small", seed=1)
    start = copy.deepcopy(net)
    history = net.fit(X, Y, epochs=30, learning_rate=1.2, engine="jax")
    clf = sklearn_nn.MLPClassifier(
        hidden_layer_sizes=(4,),
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        learning_rate_init=1.2,
        batch_size=400,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=10**9,
        max_iter=30,
        warm_start=True,
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(X.T, Y.ravel(), classes=[0, 1])
        clf.coefs_ = [start.layer(l).W.T.copy() for l in (1, 2)]
        clf.intercepts_ = [start.layer(l).b.ravel().copy() for l in (1, 2)]
        clf.loss_curve_ = []
        clf.fit(X.T, Y.ravel())
    assert max_rel(clf.loss_curve_, history.cost) <= 1e-6


# --------------------------------------------------------------------------- every option


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "momentum", "rmsprop", "adam"])
@pytest.mark.parametrize("schedule", [None, "inverse_time", "step"])
def test_optimizers_and_schedules(optimizer, schedule):
    X, Y = lw.datasets.moons(m=90, seed=0)
    a, b = twins([2, 6, 5, 1], hidden="leaky_relu", init="he", seed=2)
    h_np, h_jax = both(
        a, b, X, Y, epochs=12, learning_rate=0.05, batch_size=16, optimizer=optimizer,
        lr_schedule=schedule,
    )  # fmt: skip
    assert max_rel(h_np.cost, h_jax.cost) <= 1e-6
    assert h_np.learning_rate == h_jax.learning_rate
    for key in a.params:
        np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-6, atol=1e-9)


def test_l2_sample_weight_and_regression_r2():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 70))
    Y = np.vstack([X[0] - 2 * X[1], X[2] ** 2]) + 0.1 * rng.standard_normal((2, 70))
    w = rng.uniform(0, 3, size=70)
    w[:5] = 0.0
    a, b = twins([3, 8, 2], hidden="tanh", output="linear", init="xavier", seed=1)
    fit = dict(epochs=15, learning_rate=0.02, batch_size=16, l2=0.3, sample_weight=w)
    h_np, h_jax = both(a, b, X, Y, optimizer="adam", **fit)
    assert max_rel(h_np.cost, h_jax.cost) <= 1e-6
    assert max_rel(h_np.r2, h_jax.r2) <= 1e-6
    for key in a.params:
        np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("shuffle", [False, True], ids=["in-order", "shuffled"])
def test_a_smaller_last_batch_with_l2_and_no_weights(shuffle):
    # 70 examples in batches of 16: the last batch of 6 is a step of its own (not a padded
    # batch of weights); its L2 term counts its own 6 examples, as the numpy engine's does
    rng = np.random.default_rng(6)
    X = rng.standard_normal((3, 70))
    Y = (X[0] * X[1] > 0).astype(float).reshape(1, -1)
    a, b = twins([3, 8, 1], hidden="tanh", init="xavier", seed=1)
    fit = dict(epochs=10, learning_rate=0.05, batch_size=16, l2=0.3, shuffle=shuffle)
    h_np, h_jax = both(a, b, X, Y, optimizer="momentum", **fit)
    assert max_rel(h_np.cost, h_jax.cost) <= 1e-6
    assert h_np.accuracy == pytest.approx(h_jax.accuracy, abs=1e-12)
    for key in h_np.grad_norm:  # of the epoch's last batch: the one of 6
        assert max_rel(h_np.grad_norm[key], h_jax.grad_norm[key]) <= 1e-6
    for key in a.params:
        np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-6, atol=1e-9)


def test_sigmoid_outputs_with_soft_labels_and_several_units():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 50))
    Y = np.vstack([rng.random(50), rng.random(50) > 0.5]).astype(float)  # soft and hard rows
    a, b = twins([4, 5, 2], hidden="relu", output="sigmoid", init="he", seed=3)
    h_np, h_jax = both(a, b, X, Y, epochs=8, learning_rate=0.3, batch_size=12)
    assert max_rel(h_np.cost, h_jax.cost) <= 1e-6
    assert h_np.accuracy == pytest.approx(h_jax.accuracy, abs=1e-12)


def test_validation_early_stopping_and_restore_best():
    X, Y = lw.datasets.moons(m=200, seed=1)
    a, b = twins([2, 16, 1], hidden="relu", init="he", seed=0)
    fit = dict(epochs=300, learning_rate=0.5, batch_size=20, validation_split=0.3, early_stopping=3)
    h_np, h_jax = both(a, b, X, Y, **fit)
    assert h_jax.stop_reason == h_np.stop_reason == "early_stopping"
    assert h_jax.epochs == h_np.epochs < 300
    assert h_jax.best_epoch == h_np.best_epoch
    assert max_rel(h_np.val_cost, h_jax.val_cost) <= 1e-6
    for key in a.params:  # the best epoch's parameters, restored by both
        np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-6, atol=1e-9)


def test_callbacks_see_each_epochs_logs_and_parameters():
    X, Y = lw.datasets.xor(m=64, seed=0)

    class Record:
        def __init__(self):
            self.seen = []

        def on_train_begin(self, net):
            self.net = net

        def on_epoch_end(self, epoch, logs):
            self.seen.append((epoch, dict(logs), self.net.params["W1"].copy()))
            return epoch == 6  # stop after the seventh epoch

    a, b = twins([2, 5, 1], hidden="tanh", init="xavier", seed=0)
    ra, rb = Record(), Record()
    h_np = a.fit(X, Y, epochs=40, learning_rate=0.5, callbacks=[ra])
    h_jax = b.fit(X, Y, epochs=40, learning_rate=0.5, callbacks=[rb], engine="jax")
    assert h_jax.stop_reason == "callback" and h_jax.epochs == h_np.epochs == 7
    assert [e for e, _, _ in rb.seen] == list(range(7))
    for (_, logs_np, W_np), (_, logs_jax, W_jax) in zip(ra.seen, rb.seen):
        assert logs_np.keys() == logs_jax.keys()
        assert logs_jax["cost"] == pytest.approx(logs_np["cost"], rel=1e-6)
        np.testing.assert_allclose(W_jax, W_np, rtol=1e-6, atol=1e-9)  # the epoch's own W
    np.testing.assert_allclose(b.params["W1"], a.params["W1"], rtol=1e-6, atol=1e-9)


def test_ctrl_c_keeps_parameters_and_history():
    X, Y = lw.datasets.moons(m=60, seed=0)
    a, b = twins([2, 4, 1], hidden="tanh", seed=3)

    class CtrlC:
        def on_epoch_end(self, epoch, logs):
            if epoch == 4:
                raise KeyboardInterrupt

    a.fit(X, Y, epochs=50, learning_rate=0.5, callbacks=[CtrlC()])
    h_jax = b.fit(X, Y, epochs=50, learning_rate=0.5, callbacks=[CtrlC()], engine="jax")
    assert h_jax.interrupted and h_jax.stop_reason == "interrupted" and h_jax.epochs == 5
    for key in a.params:
        np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-9, atol=1e-12)


def test_divergence_raises_and_restores_the_same_parameters():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 50)) * 100
    Y = X[:1] * 50
    a, b = twins([2, 8, 1], hidden="relu", output="linear", init="he", seed=0)
    with pytest.raises(lw.TrainingDivergedError) as np_error:
        a.fit(X, Y, epochs=100, learning_rate=10.0)
    with pytest.raises(lw.TrainingDivergedError, match=r"diverged in epoch \d+") as jax_error:
        b.fit(X, Y, epochs=100, learning_rate=10.0, engine="jax")
    assert str(jax_error.value).split(":")[0] == str(np_error.value).split(":")[0]
    assert all(np.isfinite(v).all() for v in b.params.values())
    for key in a.params:  # the start of the diverging epoch, in both
        np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-6)


@pytest.mark.parametrize("case", ["ceiling", "ends worse"])
def test_the_stronger_guards_hold_for_both_engines(case):
    if case == "ceiling":  # a clipped cross-entropy at its ceiling, from the first epoch on
        X, Y = lw.datasets.moons(m=200, noise=0.2, seed=0)
        a, b = twins([2, 8, 1], hidden="tanh", seed=0)
        fit = dict(epochs=20, learning_rate=1e6, optimizer="adam", batch_size=20)
    else:  # mse overshooting a little further each epoch: worse at the end than at first
        X, Y = np.ones((1, 10)), np.zeros((1, 10))
        a, b = twins([1, 1], output="linear", seed=0)
        fit = dict(epochs=20, learning_rate=1.1)
    messages = []
    for net, engine in ((a, "numpy"), (b, "jax")):
        with pytest.raises(lw.TrainingDivergedError) as info:
            net.fit(X, Y, engine=engine, **fit)
        messages.append(str(info.value).split(";")[0].split(":")[1])
    assert messages[0].split(" ")[:4] == messages[1].split(" ")[:4]
    for key in a.params:  # the same parameters put back
        np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-6, atol=1e-12)


def test_dropout_uses_jax_random_numbers_reproducibly():
    X, Y = lw.datasets.moons(m=120, seed=0)
    a, b = twins([2, 32, 32, 1], hidden="relu", init="he", seed=0)
    c = copy.deepcopy(b)
    fit = dict(epochs=30, learning_rate=0.3, batch_size=30, dropout=0.7)
    h_np, h_jax = both(a, b, X, Y, **fit)
    h_again = c.fit(X, Y, engine="jax", **fit)
    assert h_jax.cost == h_again.cost  # the same seed, the same masks
    assert max_rel(h_np.cost, h_jax.cost) > 1e-6  # JAX's masks, not NumPy's
    assert h_jax.cost[-1] < 0.8 * h_jax.cost[0]  # and it trains
    # the masks are inverted dropout: each unit kept with probability 0.7, scaled by 1/0.7
    U = jax.random.uniform(jax.random.key(0), (200, 500))
    D = np.asarray(propagation.dropout_mask(U, 0.7))
    np.testing.assert_allclose(np.unique(D), [0.0, 1 / 0.7], rtol=1e-6)
    assert abs(np.mean(D > 0) - 0.7) < 0.01


def test_partial_fit_continues_the_optimizer_state():
    sk = pytest.importorskip("layerwise.sklearn", reason="the estimators need scikit-learn")
    X, y = lw.datasets.moons(m=150, seed=2)
    curves = {}
    for engine in ("numpy", "jax"):
        clf = sk.NetworkClassifier(hidden_layer_sizes=(8,), random_state=0, engine=engine)
        for _ in range(4):
            clf.partial_fit(X.T, y.ravel(), classes=[0, 1])
        curves[engine] = clf.loss_curve_
    assert max_rel(curves["numpy"], curves["jax"]) <= 1e-6


@pytest.mark.filterwarnings("ignore:.*max_iter=15 epochs reached")
def test_estimators_take_the_engine():
    sk = pytest.importorskip("layerwise.sklearn", reason="the estimators need scikit-learn")
    X, y = lw.datasets.blobs(m=120, seed=0)
    y = y.ravel() if y.shape[0] == 1 else y.argmax(axis=0)
    fits = [
        sk.NetworkClassifier(hidden_layer_sizes=(10,), max_iter=15, random_state=0, engine=e).fit(
            X.T, y
        )
        for e in ("numpy", "jax")
    ]
    assert fits[1].get_params()["engine"] == "jax"
    assert max_rel(fits[0].loss_curve_, fits[1].loss_curve_) <= 1e-6
    with pytest.raises(ValueError, match="engine must be one of numpy, jax"):
        sk.NetworkClassifier(engine="torch").fit(X.T, y)
    with pytest.raises(ValueError, match="solver='lbfgs'"):
        sk.NetworkClassifier(engine="jax", solver="lbfgs").fit(X.T, y)


# --------------------------------------------------------------------------- what is refused


def test_custom_activation_optimizer_and_loss_are_refused_by_name():
    X, Y = lw.datasets.xor(m=20, seed=0)

    class Swish(activations.Activation):
        name = "swish"

        def __call__(self, Z, out=None):
            return Z / (1 + np.exp(-Z))

        def derivative(self, Z, A=None, out=None):
            return np.ones_like(Z)

    net = lw.Network([2, 3, 1], activations=[Swish(), "sigmoid"])
    with pytest.raises(ValueError, match=r"g\[1\] is Swish.*engine=.numpy."):
        net.fit(X, Y, epochs=1, engine="jax")

    class MyDescent(optimizers.GradientDescent):
        pass

    with pytest.raises(ValueError, match="MyDescent is not one of them"):
        lw.Network([2, 3, 1]).fit(X, Y, epochs=1, optimizer=MyDescent(), engine="jax")

    class MyLoss(losses.MeanSquaredError):
        name = "my_mse"

    with pytest.raises(ValueError, match="the network's loss is MyLoss"):
        lw.Network([2, 3, 1], output="linear", loss=MyLoss()).fit(X, Y, epochs=1, engine="jax")


# --------------------------------------------------------------------------- one implementation


def test_the_engine_traces_the_readable_functions(monkeypatch):
    """Spies on the notes' functions see JAX values go through them during a jax fit: the
    engine computes with them, not with a copy."""
    from layerwise.core._namespace import is_jax_array

    seen: dict[str, int] = {}

    def spy(owner, name):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if any(is_jax_array(a) for a in args):
                key = f"{original.__module__.split('.')[-1]}.{original.__qualname__}"
                seen[key] = seen.get(key, 0) + 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    for owner, name in [
        (one_layer, "linear_forward"),
        (propagation, "linear_backward"),  # called from propagation, defined in one_layer
        (one_layer, "output_delta"),
        (one_layer, "dropout_mask"),
        (activations.Tanh, "__call__"),
        (activations.Tanh, "derivative"),
        (activations.Activation, "backward"),
        (activations.Softmax, "__call__"),
        (losses.CategoricalCrossentropy, "cost"),
        (losses.Loss, "output_delta"),
        (optimizers.Adam, "_update"),
    ]:
        spy(owner, name)
    monkeypatch.setattr(_jax_run, "_COMPILED", type(_jax_run._COMPILED)())
    # the engine imported these by name: trace through the spied module attributes
    monkeypatch.setattr(_jax_run, "dropout_mask", one_layer.dropout_mask)
    X, Y = gaussian(4, 40, 3, 0, "float64")
    net = lw.Network([4, 6, 3], hidden="tanh", output="softmax", seed=0)
    net.fit(X, Y, epochs=2, batch_size=10, optimizer="adam", dropout=0.8, engine="jax")
    assert set(seen) == {
        "one_layer.linear_forward",
        "one_layer.linear_backward",
        "one_layer.output_delta",
        "one_layer.dropout_mask",
        "activations.Tanh.__call__",
        "activations.Tanh.derivative",
        "activations.Activation.backward",
        "activations.Softmax.__call__",
        "losses.CategoricalCrossentropy.cost",
        "losses.Loss.output_delta",
        "optimizers.Adam._update",
    }


def test_the_engine_holds_no_formula_of_its_own():
    # the engine's source calls no elementwise math and no automatic differentiation:
    # activations, losses, products and updates all come from the notes' functions
    source = inspect.getsource(_jax_engine) + inspect.getsource(_jax_run)
    for formula in (
        "jnp.tanh", "jnp.exp", "jnp.log", "jnp.maximum", "jnp.dot", "jnp.matmul", " @ ",
        "jax.nn", "jax.grad", "value_and_grad", "jax.vjp", "jnp.where",
    ):  # fmt: skip
        assert formula not in source, formula


def test_readable_functions_run_on_jax_arrays():
    # the public functions themselves take JAX arrays and give NumPy's values
    jnp = jax.numpy
    rng = np.random.default_rng(0)
    with jax.enable_x64(True):
        Z = rng.standard_normal((3, 5))
        for name in activations.ACTIVATIONS:
            g = lw.get_activation(name)
            np.testing.assert_allclose(np.asarray(g(jnp.asarray(Z))), g(Z), rtol=1e-12)
            np.testing.assert_allclose(
                np.asarray(g.derivative(jnp.asarray(Z))), g.derivative(Z), rtol=1e-12
            )
        params = lw.init_params([3, 4, 2], init="xavier", seed=0)
        AL, _ = propagation.forward_layers(
            jnp.asarray(Z),
            [jnp.asarray(params["W1"]), jnp.asarray(params["W2"])],
            [jnp.asarray(params["b1"]), jnp.asarray(params["b2"])],
            [lw.get_activation("relu"), lw.get_activation("sigmoid")],
        )
        AL_np, _ = lw.forward(Z, params, ["relu", "sigmoid"])
        np.testing.assert_allclose(np.asarray(AL), AL_np, rtol=1e-12)
        Y = (rng.random((2, 5)) > 0.5).astype(float)
        loss = lw.get_loss("binary_crossentropy")
        assert float(loss.cost(AL, jnp.asarray(Y))) == pytest.approx(loss.cost(AL_np, Y))
        jparams = {k: jnp.asarray(v) for k, v in params.items()}
        grads = {k: jnp.full(v.shape, 0.5) for k, v in params.items()}
        updated = lw.update_params(jparams, {"d" + k: g for k, g in grads.items()}, 0.1)
        np.testing.assert_allclose(np.asarray(updated["W1"]), params["W1"] - 0.05)


def test_float64_only_inside_the_fit():
    X, Y = lw.datasets.xor(m=32, seed=0)
    before = jax.config.jax_enable_x64
    net = lw.Network([2, 3, 1], seed=0, dtype="float64")
    net.fit(X, Y, epochs=3, engine="jax")
    assert jax.config.jax_enable_x64 == before
    assert net.params["W1"].dtype == np.float64
    if not before:
        assert jax.numpy.ones(2).dtype == np.float32  # the user's JAX keeps its default


def test_compiled_run_is_reused_across_fits():
    X, Y = lw.datasets.moons(m=64, seed=0)
    _jax_run._COMPILED.clear()
    for seed in (0, 1):
        lw.Network([2, 7, 1], seed=seed).fit(X, Y, epochs=5, batch_size=16, engine="jax")
    assert len(_jax_run._COMPILED) == 1
    lw.Network([2, 8, 1], seed=0).fit(X, Y, epochs=5, batch_size=16, engine="jax")
    assert len(_jax_run._COMPILED) == 2


CTRL_C_CHILD = """
import layerwise as lw
X, Y = lw.datasets.moons(m=200, seed=0)
net = lw.Network([2, 8, 1], seed=0)
print("ready", flush=True)
try:
    history = net.fit(X, Y, epochs=1_000_000, engine="jax", learning_rate=0.1)
    print("returned", history.interrupted, flush=True)
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
again = net.fit(X, Y, epochs=3, engine="jax", learning_rate=0.1)  # JAX works after it
print("again", len(again.cost), flush=True)
"""


@pytest.mark.parametrize("delay", [0.1, 0.5])
def test_ctrl_c_during_the_first_fits_jax_import_is_honoured(delay):
    """A process's first jax fit imports JAX (about 2 s). A Ctrl-C then was raised inside
    JAX's garbage-collector callback, printed as "Exception ignored" and lost: the fit ran on.
    Now it stops the fit within 10 s, and JAX is whole afterwards."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(lw.__file__).parents[1]), "JAX_PLATFORMS": "cpu"}
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        first = child.stdout.readline().strip()
        stopped_after = time.monotonic() - sent
        out, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert first in ("KeyboardInterrupt", "returned True"), (first, err)
    assert stopped_after < 10
    assert "Exception ignored" not in err and "Traceback" not in err, err
    assert out.strip() == "again 3" and child.returncode == 0
