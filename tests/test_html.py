"""The notebook views (layerwise.views._html, Network._repr_html_, History._repr_html_): well-formed
HTML that holds the texts of ``summary`` and ``explain``, a cost curve whose points sit where
the costs say, escaped names, and a PNG that an independent reader decodes."""

from __future__ import annotations

import html
import importlib.util
import io
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import numpy as np
import pytest

import layerwise as lw
from layerwise.features.encoding import ColumnEncoding
from layerwise.training.history import SHOWN_KEYS
from layerwise.views._html import (
    MAX_POINTS,
    boundary_png,
    cost_svg,
    history_html,
    png_bytes,
    table_model_html,
)

SVG = "{http://www.w3.org/2000/svg}"


def _tree(page: str) -> ET.Element:
    """Parse the HTML as XML: every tag closed, every text escaped."""
    return ET.fromstring(f"<root>{page}</root>")


def _points(svg: ET.Element) -> list[np.ndarray]:
    return [
        np.array([[float(v) for v in p.split(",")] for p in line.get("points").split()])
        for line in svg.iter(f"{SVG}polyline")
    ]


@pytest.fixture(scope="module")
def trained():
    X, Y = lw.datasets.planar(seed=1)
    net = lw.Network([2, 4, 1], hidden="tanh", output="sigmoid", seed=1)
    history = net.fit(X, Y, epochs=300, learning_rate=1.2, validation_split=0.25)
    return net, history


def test_network_html_holds_the_dimension_table_and_the_equations(trained):
    net, _ = trained
    page = net._repr_html_()
    root = _tree(page)
    pres = [p.text for p in root.iter("pre")]
    assert pres[0] == net.summary()
    # the equations as `layerwise explain` prints them
    assert "Z[1] = W[1] A[0] + b[1]" in pres[1]
    assert "(4, m) = (4, 2)(2, m) + (4, 1)" in pres[1]
    assert "dW[2] = 1/m dZ[2] A[1]ᵀ" in pres[1] and "dZ[2] = A[2] − Y" in pres[1]
    assert "Network n = [2, 4, 1], L = 2 (tanh, sigmoid)" in page
    # 2·4 + 4 + 4·1 + 1 = 17 parameters, counted by hand
    assert "total parameters: 17" in pres[0]


def test_the_cli_explain_uses_the_same_equations():
    from layerwise.cli import explain
    from layerwise.views.equations import equations

    assert explain.equations is equations


def test_history_html_draws_the_costs_where_they_are(trained):
    _, history = trained
    root = _tree(history._repr_html_())
    svg = next(root.iter(f"{SVG}svg"))
    train, val = _points(svg)
    cost = np.asarray(history.cost)
    assert len(train) == len(cost)  # 300 epochs: every one drawn
    # y grows downwards: the highest point is the largest cost, and y is linear in the cost
    assert np.argmin(train[:, 1]) == np.argmax(cost)
    slope, intercept = np.polyfit(cost, train[:, 1], 1)
    assert slope < 0
    np.testing.assert_allclose(train[:, 1], slope * cost + intercept, atol=0.06)
    # x is proportional to the epoch
    np.testing.assert_allclose(np.diff(train[:, 0]), np.diff(train[:, 0])[0], atol=0.11)
    assert len(val) == len(history.val_cost)
    # the final figures: first and last epoch of each series
    text = "".join(root.itertext())
    assert f"{history.cost[-1]:.6g}" in text and f"{history.val_accuracy[-1]:.6g}" in text
    assert "300 epochs" in text


def test_a_long_history_is_sampled_and_keeps_its_last_epoch():
    cost = list(np.linspace(2.0, 0.5, 20_000))
    svg = ET.fromstring(cost_svg(cost))
    (line,) = _points(svg)
    assert len(line) <= MAX_POINTS
    assert line[-1, 0] == pytest.approx(420 - 12)  # the right edge: the last epoch
    assert line[-1, 1] == pytest.approx(220 - 34)  # the bottom: the smallest cost


def test_history_html_samples_about_ten_epochs_in_its_table():
    history = lw.History()
    for i in range(95):
        history.record({"cost": 1.0 / (i + 1), "accuracy": i / 100})
    root = _tree(history_html(history, SHOWN_KEYS))
    table = list(root.iter("table"))[-1]
    epochs = [int(row[0].text) for row in table.find("tbody")]
    assert epochs == [*range(0, 95, 10), 94]


def test_an_empty_or_flat_history_still_renders():
    assert "no epoch recorded" in lw.History()._repr_html_()
    history = lw.History()
    for _ in range(3):
        history.record({"cost": 0.25})
    _tree(history._repr_html_())  # a flat curve: no division by zero


class _Encoder:
    def __init__(self, columns):
        self.columns_ = columns


def test_table_model_html_lists_each_column_with_its_encoding_escaped():
    columns = [
        ColumnEncoding(name="<b>size</b>", kind="number", fill=3.5, indicator=True),
        ColumnEncoding(name="colour & shade", kind="category", categories=("red", "blue")),
    ]
    net = lw.Network([4, 3, 1], seed=0)
    model = SimpleNamespace(
        target="price <usd>",
        encoder=_Encoder(columns),
        network=net,
        notices=["left out 'id': <script>alert(1)</script> looks like a row number"],
        scores_={"validation": {"r2": 0.8125}},
    )
    page = table_model_html(model)
    assert "<script>" not in page and "<b>size" not in page
    root = _tree(page)
    rows = [[td.text for td in tr] for tr in next(root.iter("table")).find("tbody")]
    assert rows == [
        ["<b>size</b>", "number", "2", columns[0].describe()],
        [
            "colour & shade",
            "category",
            "2",
            "one-hot, 2 categories (red, blue); unseen values -> all 0",
        ],
    ]
    text = "".join(root.itertext())
    assert "TableModel (target: price <usd>)" in text
    assert "0.8125" in text and "<script>alert(1)</script>" in text  # shown, as text
    assert html.escape("<script>") in page


def test_table_model_html_finds_the_scores_in_the_network_metadata():
    net = lw.Network([2, 1], seed=0)
    net.metadata = {"metrics": {"training": {"accuracy": 0.875}, "validation": {"cost": 0.5}}}
    model = SimpleNamespace(encoder=_Encoder([]), network=net)
    rows = [
        [td.text for td in tr]
        for tr in list(_tree(table_model_html(model)).iter("table"))[-1].find("tbody")
    ]
    assert rows == [["training", "accuracy", "0.875"], ["validation", "cost", "0.5"]]


def test_table_model_html_before_fitting_says_so():
    assert "not fitted" in table_model_html(SimpleNamespace(encoder=_Encoder(None)))


def test_png_bytes_decode_to_the_same_pixels():
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(rgb))).convert("RGB"))
    np.testing.assert_array_equal(decoded, rgb)


def test_boundary_png_shades_each_side_by_its_class():
    Image = pytest.importorskip("PIL.Image")
    X = np.array([[-1.0, 1.0, -1.0, 1.0], [-1.0, -1.0, 1.0, 1.0]])
    Y = np.array([[0, 1, 0, 1]])
    tag = boundary_png(lambda G: (G[0] > 0).astype(int)[None, :], X, Y, size=100, resolution=50)
    data = re.search(r'base64,([^"]+)"', tag).group(1)
    import base64

    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
    assert image.shape == (100, 100, 3)
    left, right = image[50, 2], image[50, -3]
    assert not np.array_equal(left, right)
    # the same shade on the whole left side and on the whole right side
    assert np.array_equal(image[5, 2], left) and np.array_equal(image[95, -3], right)


def test_a_diverged_history_draws_its_finite_costs_only():
    history = lw.History()
    for cost in (1.0, 0.5, float("nan"), float("inf")):
        history.record({"cost": cost})
    root = _tree(history._repr_html_())
    (line,) = _points(next(root.iter(f"{SVG}svg")))
    assert len(line) == 2  # the two finite epochs
    assert "nan" in "".join(root.itertext())  # the last figure, as it is


def _said(net) -> tuple[str, str]:
    """The sentence under the network's title, and its folded equations."""
    root = _tree(net._repr_html_())
    return next(root.iter("p")).text, [p.text for p in root.iter("pre")][1]


def test_network_html_says_batch_gradient_descent_when_trained_so(trained):
    net, _ = trained  # 300 epochs of gradient descent, α 1.2, on 300 of the 400 examples
    sentence, eqs = _said(net)
    assert sentence == (
        "Trained with gradient descent (α = 1.2) on all 300 examples at each step "
        "(batch gradient descent, as in the notes), 300 epochs."
    )
    assert "Update (gradient descent, α = 1.2)" in eqs and "one step per pass" in eqs


def test_network_html_says_adam_on_mini_batches_of_32(tmp_path):
    X, Y = lw.datasets.planar(seed=1)
    net = lw.Network([2, 4, 1], hidden="tanh", seed=1)
    net.fit(X, Y, epochs=7, learning_rate=0.01, optimizer="adam", batch_size=32)
    sentence, eqs = _said(net)
    assert sentence == "Trained with Adam (α = 0.01) on mini-batches of 32 examples, 7 epochs."
    assert "batch gradient descent" not in sentence + eqs
    assert "Update (Adam, β₁ = 0.9, β₂ = 0.999" in eqs and "mini-batch of 32 examples" in eqs
    # the record survives the model file
    if importlib.util.find_spec("safetensors") is not None:
        net.save(tmp_path / "m.safetensors")
        assert _said(lw.Network.load(tmp_path / "m.safetensors"))[0] == sentence


def test_network_html_of_an_untrained_network_says_so():
    sentence, eqs = _said(lw.Network([2, 3, 1], seed=0))
    assert sentence.startswith("Not trained yet")
    assert "Trained with" not in sentence
    # the equations give fit's default rule, with no α of its own
    assert "Update (gradient descent, learning rate α)" in eqs


def test_network_html_says_when_early_stopping_cut_the_run():
    X, Y = lw.datasets.planar(seed=1)
    net = lw.Network([2, 4, 1], hidden="tanh", seed=1)
    net.fit(X, Y, epochs=50, learning_rate=1.2, callbacks=[_StopAt(9)])
    assert _said(net)[0].endswith(", 10 of 50 epochs.")


class _StopAt:
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict) -> bool:
        return epoch >= self.epoch
