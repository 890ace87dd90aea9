"""``Network``: the params view, the fast training loop against the readable functions,
the notes' initialization lessons, the demo, dtypes, predictions, evaluation, summary,
printing, files and bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest

import layerwise as lw


@pytest.fixture
def net():
    return lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", seed=1)


@pytest.fixture
def planar_small():
    X, Y = lw.datasets.planar()
    return X[:, ::10].copy(), Y[:, ::10].copy()  # 40 examples, both classes


def readable_training(X, Y, params, activations, epochs, learning_rate, loss=None):
    """The notes' loop with the readable API: forward, cost, backward, update."""
    params = {k: np.array(v, copy=True) for k, v in params.items()}
    costs = []
    for _ in range(epochs):
        AL, caches = lw.forward(X, params, activations)
        costs.append(lw.compute_cost(AL, Y, loss=loss or "binary_crossentropy"))
        grads = lw.backward(AL, Y, caches, loss=loss)
        params = lw.update_params(params, grads, learning_rate)
    return params, costs


# --------------------------------------------------------------------------- structure


def test_params_is_a_view_of_the_layers(net):
    params = net.params
    assert list(params) == ["W1", "b1", "W2", "b2"]
    assert len(params) == 4
    assert np.shares_memory(params["W1"], net.layer(1).W)
    params["W1"][0, 0] = 5.0
    assert net.layer(1).W[0, 0] == 5.0
    net.params["b2"][0, 0] = -3.0
    assert net.layer(2).b[0, 0] == -3.0
    # the readable forward on the view is the network's own prediction
    X = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
    np.testing.assert_allclose(
        lw.forward(X, net.params, ["tanh", "sigmoid"])[0], net.predict_proba(X), rtol=1e-14
    )


def test_assigning_params_copies_after_a_shape_check(net):
    new = np.arange(8.0).reshape(4, 2)
    net.params["W1"] = new
    np.testing.assert_array_equal(net.layer(1).W, new)
    new[0, 0] = 100.0
    assert net.layer(1).W[0, 0] == 0.0  # copied, not aliased
    with pytest.raises(ValueError, match=r"W1 must have shape \(n\[l\], n\[l-1\]\) = \(4, 2\)"):
        net.params["W1"] = np.ones((2, 4))
    with pytest.raises(ValueError, match=r"b2 must have shape"):
        net.params["b2"] = np.ones((1,))
    with pytest.raises(ValueError, match="NaN or inf"):
        net.params["W2"] = np.full((1, 4), np.nan)
    with pytest.raises(KeyError, match=re.escape("W1, b1, ..., W2, b2")):
        net.params["W3"]


def test_params_view_sees_training(net, planar_small):
    X, Y = planar_small
    W1 = net.params["W1"]
    before = W1.copy()
    net.fit(X, Y, epochs=3, learning_rate=0.5)
    assert not np.array_equal(W1, before)
    np.testing.assert_array_equal(W1, net.layer(1).W)


def test_layer_is_one_based(net):
    assert net.layer(1).W.shape == (4, 2)
    assert net.layer(2).W.shape == (1, 4)
    assert net.L == 2
    assert net.layer_dims == [2, 4, 1]
    for bad in (0, 3, -1):
        with pytest.raises(IndexError, match="1-based"):
            net.layer(bad)


def test_network_seed_reproduces_and_differs():
    a = lw.Network([3, 5, 2], seed=4)
    b = lw.Network([3, 5, 2], seed=4)
    c = lw.Network([3, 5, 2], seed=5)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    for l in (1, 2):
        np.testing.assert_array_equal(a.params[f"b{l}"], 0.0)


# --------------------------------------------------------------------------- training loop


def test_history_cost_is_each_epochs_cost_before_its_update(net, planar_small):
    X, Y = planar_small
    initial = {k: v.copy() for k, v in net.params.items()}
    J0 = lw.compute_cost(net.predict_proba(X), Y)

    history = net.fit(X, Y, epochs=2, learning_rate=1.2)
    assert len(history.cost) == 2
    assert history.cost[0] == pytest.approx(J0, rel=1e-12)

    # one manual step of the readable functions from the same initial weights
    AL, caches = lw.forward(X, initial, ["tanh", "sigmoid"])
    grads = lw.backward(AL, Y, caches)
    stepped = lw.update_params(initial, grads, learning_rate=1.2)
    J1 = lw.compute_cost(lw.forward(X, stepped, ["tanh", "sigmoid"])[0], Y)
    assert history.cost[1] == pytest.approx(J1, rel=1e-12)


CONFIGS = [
    ([2, 4, 1], ["tanh", "sigmoid"], None, "binary"),
    ([2, 5, 3, 3], ["relu", "leaky_relu", "softmax"], None, "multiclass"),
    ([2, 4, 2], ["sigmoid", "linear"], None, "regression"),
    ([2, 3, 1], ["tanh", "sigmoid"], "mse", "binary"),  # non-canonical: general chain rule
    ([2, 3, 2], ["leaky_relu", "tanh"], "mse", "regression"),
]


@pytest.mark.parametrize("dims, acts, loss, task", CONFIGS)
def test_full_batch_fit_equals_the_readable_loop(dims, acts, loss, task, planar_small):
    X, Y_bin = planar_small
    m = X.shape[1]
    rng = np.random.default_rng(3)
    if task == "binary":
        Y = Y_bin
    elif task == "multiclass":
        Y = np.eye(dims[-1])[rng.integers(0, dims[-1], m)].T.copy()
    else:
        Y = rng.uniform(-0.8, 0.8, (dims[-1], m))
    net = lw.Network(dims, activations=acts, init="xavier", seed=2, loss=loss)
    initial = {k: v.copy() for k, v in net.params.items()}
    implied_loss = (
        loss
        or {
            "binary": "binary_crossentropy",
            "multiclass": "categorical_crossentropy",
            "regression": "mse",
        }[task]
    )

    history = net.fit(X, Y, epochs=15, learning_rate=0.3)
    params, costs = readable_training(X, Y, initial, acts, 15, 0.3, loss=implied_loss)

    for key in params:
        np.testing.assert_allclose(
            net.params[key], params[key], rtol=1e-10, atol=1e-12, err_msg=key
        )
    np.testing.assert_allclose(history.cost, costs, rtol=1e-12)


def test_fit_does_not_modify_its_inputs(net, planar_small):
    X, Y = planar_small
    X0, Y0 = X.copy(), Y.copy()
    net.fit(X, Y, epochs=2, learning_rate=0.1)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_zeros_init_keeps_hidden_units_identical(rng):
    # linearly separable data, so that W[1] does move away from zero
    X = rng.standard_normal((2, 40))
    Y = (X[0] + 0.5 * X[1] > 0).astype(float)[None, :]
    with pytest.warns(lw.SymmetryWarning):
        sym = lw.Network([2, 3, 1], hidden="sigmoid", output="sigmoid", init="zeros", seed=0)
    sym.fit(X, Y, epochs=50, learning_rate=1.0)
    W1 = sym.params["W1"]
    assert np.abs(W1).max() > 1e-3  # it did learn something ...
    np.testing.assert_allclose(W1, np.broadcast_to(W1[0], W1.shape), rtol=1e-10)
    np.testing.assert_allclose(sym.params["b1"], sym.params["b1"][0, 0], rtol=1e-10)
    W2 = sym.params["W2"]
    np.testing.assert_allclose(W2, W2[0, 0], rtol=1e-10)  # ... but every unit alike

    small = lw.Network([2, 3, 1], hidden="sigmoid", output="sigmoid", init="small", seed=0)
    small.fit(X, Y, epochs=50, learning_rate=1.0)
    W1 = small.params["W1"]
    assert np.abs(W1[0] - W1[1]).max() > 1e-3
    assert np.abs(W1[1] - W1[2]).max() > 1e-3


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_big_weights_flatten_the_activation(hidden):
    # the notes: large W → large z → the flat ends of sigmoid/tanh, slope (and learning) ~ 0
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 50))
    acts = [hidden, "sigmoid"]

    def g_prime(Z):
        if hidden == "tanh":
            return 1.0 - np.tanh(Z) ** 2
        s = 1.0 / (1.0 + np.exp(-Z))
        return s * (1.0 - s)

    small = lw.Network([400, 10, 1], activations=acts, init="small", seed=0)
    big = lw.Network([400, 10, 1], activations=acts, init="small", init_scale=1.0, seed=0)
    # init_scale replaces the notes' 0.01: the same draws, 100 times larger
    np.testing.assert_allclose(big.params["W1"], 100 * small.params["W1"], rtol=1e-12)

    with np.errstate(over="ignore"):
        d_small = g_prime(lw.forward(X, small.params, acts)[1][0].Z)
        d_big = g_prime(lw.forward(X, big.params, acts)[1][0].Z)
    assert np.mean(d_big < 1e-3) > 0.5
    assert np.mean(d_small < 1e-3) == 0.0
    assert np.median(d_small) > 100 * np.median(d_big)


def test_demo_settings_reach_the_course_accuracy():
    X, Y = lw.datasets.planar()
    net = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", seed=1)
    history = net.fit(X, Y, epochs=10_000, learning_rate=1.2)
    accuracy = float(np.mean(net.predict(X) == Y))
    assert accuracy >= 0.89
    assert net.evaluate(X, Y)["accuracy"] == pytest.approx(accuracy)
    assert history.cost[-1] < history.cost[0]


# --------------------------------------------------------------------------- dtype


def test_float32_network_stays_float32(planar_small):
    X, Y = planar_small
    assert X.dtype == np.float64
    net32 = lw.Network([2, 4, 1], hidden="tanh", seed=1, dtype="float32")
    net64 = lw.Network([2, 4, 1], hidden="tanh", seed=1, dtype="float64")
    history = net32.fit(X, Y, epochs=20, learning_rate=0.5)
    net64.fit(X, Y, epochs=20, learning_rate=0.5)
    for key in net32.params:
        assert net32.params[key].dtype == np.float32
        np.testing.assert_allclose(net32.params[key], net64.params[key], rtol=1e-3, atol=1e-5)
    for layer in net32.layers:
        assert layer.dW.dtype == np.float32
        assert layer.db.dtype == np.float32
    assert net32.predict_proba(X).dtype == np.float32
    assert np.isfinite(history.cost).all()

    # the readable API on float32 params keeps float32 too
    AL, caches = lw.forward(X, net32.params, ["tanh", "sigmoid"])
    grads = lw.backward(AL, Y, caches)
    assert AL.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


# --------------------------------------------------------------------------- predict, evaluate


def test_predict_sigmoid_gives_0_1_labels(net, planar_small):
    X, Y = planar_small
    net.fit(X, Y, epochs=50, learning_rate=1.2)
    labels = net.predict(X)
    assert labels.shape == (1, X.shape[1])
    assert set(np.unique(labels)) <= {0, 1}
    np.testing.assert_array_equal(labels, net.predict_proba(X) > 0.5)


def test_predict_softmax_gives_class_index():
    X, Y = lw.datasets.spiral(m=60, classes=3, seed=0)
    net = lw.Network([2, 6, 3], hidden="tanh", output="softmax", seed=0)
    net.fit(X, Y, epochs=30, learning_rate=0.5)
    labels = net.predict(X)
    assert labels.shape == (1, 60)
    assert np.issubdtype(labels.dtype, np.integer)
    AL = net.predict_proba(X)
    assert AL.shape == (3, 60)
    np.testing.assert_allclose(AL.sum(axis=0), 1.0, rtol=1e-12)
    for i in range(60):
        assert AL[labels[0, i], i] == AL[:, i].max()


def test_softmax_accepts_integer_labels_or_one_hot():
    X, labels = lw.datasets.spiral(m=45, classes=3, seed=1)
    one_hot = np.zeros((3, 45))
    one_hot[labels[0].astype(int), np.arange(45)] = 1.0
    a = lw.Network([2, 5, 3], hidden="relu", output="softmax", seed=0)
    b = lw.Network([2, 5, 3], hidden="relu", output="softmax", seed=0)
    ha = a.fit(X, labels.astype(int), epochs=10, learning_rate=0.3)
    hb = b.fit(X, one_hot, epochs=10, learning_rate=0.3)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert ha.cost == hb.cost
    assert a.evaluate(X, labels) == pytest.approx(b.evaluate(X, one_hot))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        a.fit(X, np.full((1, 45), 3), epochs=1, learning_rate=0.1)


def test_evaluate_classification(net, planar_small):
    X, Y = planar_small
    net.fit(X, Y, epochs=30, learning_rate=1.2)
    result = net.evaluate(X, Y)
    assert set(result) == {"cost", "accuracy"}
    assert result["cost"] == pytest.approx(lw.compute_cost(net.predict_proba(X), Y), rel=1e-12)
    assert result["accuracy"] == pytest.approx(np.mean(net.predict(X) == Y))


def test_evaluate_regression_r2_matches_scikit_learn(rng):
    X = rng.standard_normal((3, 30))
    Y = np.vstack([X[0] - 2 * X[1], np.sin(X[2])]) + 0.1 * rng.standard_normal((2, 30))
    net = lw.Network([3, 6, 2], hidden="tanh", output="linear", seed=0, init="xavier")
    net.fit(X, Y, epochs=100, learning_rate=0.1)
    result = net.evaluate(X, Y)
    assert set(result) == {"cost", "r2"}
    AL = net.predict(X)
    np.testing.assert_array_equal(AL, net.predict_proba(X))
    sk_metrics = pytest.importorskip("sklearn.metrics", reason="the R² oracle is scikit-learn's")
    assert result["r2"] == pytest.approx(sk_metrics.r2_score(Y.T, AL.T), rel=1e-10)
    assert result["cost"] == pytest.approx(np.sum((AL - Y) ** 2) / (2 * 30), rel=1e-12)


# --------------------------------------------------------------------------- summary, verbose


def test_summary_lists_shapes_and_parameter_count():
    dims = [3, 5, 4, 2]
    net = lw.Network(dims, hidden="relu", output="softmax", seed=0)
    text = net.summary()
    layer_rows = text.splitlines()[2:-1]  # header, layer 0, layers 1..L, total
    assert len(layer_rows) == net.L
    for l, row in enumerate(layer_rows, start=1):
        W, b = net.params[f"W{l}"], net.params[f"b{l}"]
        cells = row.split()
        assert cells[0] == str(l) and cells[1] == str(dims[l])
        assert str(W.shape) in row and str(b.shape) in row
        assert int(cells[-1]) == W.size + b.size  # the count printed is the arrays' size
    total = int(re.search(r"total parameters: (\d+)", text).group(1))
    assert total == sum(array.size for array in net.params.values())
    assert net.n_params == total
    assert "(5, 400)" in net.summary(m=400)


def test_verbose_prints_every_print_every(net, planar_small, capsys):
    X, Y = planar_small
    history = net.fit(X, Y, epochs=7, learning_rate=0.5, verbose=True, print_every=3)
    printed = capsys.readouterr().out
    iterations = [int(i) for i in re.findall(r"Cost after iteration (\d+)", printed)]
    assert iterations == [0, 3, 6]
    first = re.search(r"Cost after iteration 0: ([0-9.]+)", printed)
    assert float(first.group(1)) == pytest.approx(history.cost[0], abs=1e-6)


def test_verbose_true_prints_about_ten_lines(net, planar_small, capsys):
    X, Y = planar_small
    net.fit(X, Y, epochs=95, learning_rate=0.5, verbose=True)
    iterations = [
        int(i) for i in re.findall(r"Cost after iteration (\d+)", capsys.readouterr().out)
    ]
    assert iterations == list(range(0, 95, 10))  # every ⌈95/10⌉ = 10 epochs


def test_verbose_n_prints_every_n_epochs(net, planar_small, capsys):
    X, Y = planar_small
    net.fit(X, Y, epochs=7, learning_rate=0.5, verbose=2)
    iterations = [
        int(i) for i in re.findall(r"Cost after iteration (\d+)", capsys.readouterr().out)
    ]
    assert iterations == [0, 2, 4, 6]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"verbose": -1}, r"verbose must be True, False or a number of epochs N >= 1"),
        ({"verbose": "yes"}, r"Received: verbose='yes'"),
        ({"verbose": 5, "print_every": 3}, r"verbose=5 already says to print every 5 epochs"),
        ({"verbose": True, "print_every": 0}, r"print_every"),
    ],
)
def test_bad_verbose_is_named(net, planar_small, kwargs, message):
    X, Y = planar_small
    with pytest.raises(ValueError, match=message):
        net.fit(X, Y, epochs=3, **kwargs)


def test_not_verbose_prints_nothing(net, planar_small, capsys):
    X, Y = planar_small
    net.fit(X, Y, epochs=3, learning_rate=0.5)
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- files


def test_save_load_round_trip(net, planar_small, tmp_path):
    pytest.importorskip("safetensors", reason="model files need the io extra")
    X, Y = planar_small
    net.fit(X, Y, epochs=20, learning_rate=1.2)
    path = tmp_path / "model.safetensors"
    net.save(path)
    loaded = lw.Network.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    assert loaded.layer_dims == net.layer_dims
    assert [g.name for g in loaded.activations] == ["tanh", "sigmoid"]


# --------------------------------------------------------------------------- bad input


def test_fit_with_examples_as_rows_suggests_transpose(net, planar_small):
    X, Y = planar_small
    with pytest.raises(ValueError, match=r"did you mean X\.T\?"):
        net.fit(X.T, Y, epochs=1, learning_rate=0.1)
    with pytest.raises(ValueError, match=r"did you mean X\.T\?"):
        net.predict(X.T)
    with pytest.raises(ValueError, match=r"did you mean X\.T\?"):
        net.predict_proba(X.T)


def test_fit_with_Y_of_other_m(net, planar_small):
    X, Y = planar_small
    with pytest.raises(ValueError, match=r"m = 40"):
        net.fit(X, Y[:, :30], epochs=1, learning_rate=0.1)


@pytest.mark.parametrize("lr", [0, -1, 0.0, float("nan")])
def test_fit_rejects_non_positive_learning_rate(lr, net, planar_small):
    X, Y = planar_small
    with pytest.raises(ValueError, match="learning_rate"):
        net.fit(X, Y, epochs=1, learning_rate=lr)


def test_fit_rejects_bad_epochs(net, planar_small):
    X, Y = planar_small
    with pytest.raises(ValueError, match="epochs"):
        net.fit(X, Y, epochs=0, learning_rate=0.1)
    with pytest.raises(ValueError, match="epochs"):
        net.fit(X, Y, epochs=-5, learning_rate=0.1)
    with pytest.raises(TypeError, match="epochs"):
        net.fit(X, Y, epochs=2.5, learning_rate=0.1)


def test_fit_rejects_label_2_for_sigmoid(net, planar_small):
    X, Y = planar_small
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        net.fit(X, Y * 2, epochs=1, learning_rate=0.1)


def test_fit_rejects_nan(net, planar_small):
    X, Y = planar_small
    X = X.copy()
    X[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        net.fit(X, Y, epochs=1, learning_rate=0.1)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_input_check_names_the_first_bad_entry_and_accepts_huge_finite_values(bad):
    # the check sums X first; a sum that overflows (huge but finite values) must not be taken
    # for a NaN, and one inf among them must still be found, with its position
    net = lw.Network([2, 1], output="linear", dtype="float32")
    huge = np.full((2, 6), 3e38, dtype=np.float32)
    with np.errstate(over="ignore"):
        assert np.isinf(np.add.reduce(huge, axis=None))  # the sum does overflow
    np.testing.assert_array_equal(net.predict(huge).shape, (1, 6))
    huge[1, 4] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at row 1, column 4\)"):
        net.predict(huge)


def test_softmax_in_hidden_layer_is_rejected():
    with pytest.raises(ValueError, match="softmax is for the output layer only"):
        lw.Network([2, 4, 3], hidden="softmax", output="softmax")
    with pytest.raises(ValueError, match="softmax is for the output layer only"):
        lw.Network([2, 4, 1], activations=["softmax", "sigmoid"])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"layer_dims": [2, 0, 1]}, ValueError, r"n\[1\] = 0"),
        ({"layer_dims": [2, 4, 1], "init": "bogus"}, ValueError, "unknown initializer"),
        ({"layer_dims": [2, 4, 1], "hidden": "bogus"}, ValueError, "unknown activation"),
        ({"layer_dims": [2, 4, 1], "loss": "bogus"}, ValueError, "unknown loss"),
        ({"layer_dims": [2, 4, 1], "dtype": "int32"}, ValueError, "dtype"),
        ({"layer_dims": [2, 4, 1], "seed": -1}, ValueError, "seed"),
        ({"layer_dims": [2, 4, 1], "activations": ["tanh"]}, ValueError, "L = 2"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        lw.Network(**kwargs)


def test_fit_signature_lists_exactly_the_fit_options():
    import dataclasses
    import inspect

    from layerwise.training.options import FitOptions

    params = list(inspect.signature(lw.Network.fit).parameters.values())[3:]  # after self, X, Y
    fields = dataclasses.fields(FitOptions)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [f.default for f in fields]


def test_fit_passes_every_option_through(planar_small):
    """A changed option changes the run: the options reach training, none is dropped."""
    X, Y = planar_small
    seen = {}

    class Record:
        def on_epoch_end(self, epoch, logs):
            seen.update(logs)

    net = lw.Network([2, 4, 1], hidden="tanh", seed=3)
    history = net.fit(
        X,
        Y,
        epochs=3,
        learning_rate=0.2,
        batch_size=8,
        optimizer="momentum",
        lr_schedule="exponential",
        l2=0.1,
        dropout=0.9,
        validation_split=0.25,
        early_stopping=50,
        callbacks=[Record()],
    )
    assert history.learning_rate == pytest.approx([0.2, 0.2 * 0.95, 0.2 * 0.95**2])
    assert "val_cost" in seen and history.epochs == 3
    assert [layer.keep_prob for layer in net.layers] == [0.9, 1.0]


@pytest.mark.parametrize("dropout", [None, 0.8])
def test_pickle_and_model_file_share_one_description(tmp_path, dropout):
    import pickle

    pytest.importorskip("safetensors", reason="model files need the io extra")
    X, Y = lw.datasets.planar()
    net = lw.Network([2, 5, 3, 1], hidden="leaky_relu", init="he", seed=2, dtype="float32")
    net.fit(X, Y, epochs=2, learning_rate=0.1, dropout=dropout)
    net.preprocessing = lw.preprocessing.Preprocessing.fit(X, classes=["a", "b"])
    net.metadata = {"note": "kept"}
    net.save(tmp_path / "m.safetensors")
    loaded = lw.Network.load(tmp_path / "m.safetensors")
    twin = pickle.loads(pickle.dumps(net))
    for other in (loaded, twin):
        assert other._describe() == net._describe()
        for key in net.params:
            np.testing.assert_array_equal(other.params[key], net.params[key])
    keep = 1.0 if dropout is None else dropout
    assert net._describe()["keep_prob"] == [keep, keep]


def test_a_network_too_large_for_memory_is_refused_before_allocating():
    dims = [100_000, 100_000, 100_000]
    n_params = sum(dims[l] * dims[l - 1] + dims[l] for l in range(1, len(dims)))
    with pytest.raises(MemoryError, match=rf"needs .* \({3 * 8 * n_params} bytes\) of memory"):
        lw.Network(dims)


def test_training_buffers_too_large_for_memory_are_refused_before_training(monkeypatch):
    from layerwise import _checks

    X, Y = np.zeros((2, 100_000)), np.zeros((1, 100_000))
    net = lw.Network([2, 3, 1], seed=0)
    # a machine with 5 MB to spare: the full batch's (n[l], m) buffers need 12.8 MB
    monkeypatch.setattr(_checks, "available_memory", lambda: 5 * 10**6)
    with pytest.raises(MemoryError, match=r"training n = \[2, 3, 1\] on batches of 100000"):
        net.fit(X, Y, epochs=1)
    assert net.fit(X, Y, epochs=1, batch_size=1000).epochs == 1  # 1.7 MB fit
