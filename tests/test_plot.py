"""Plots (layerwise.views.plot) draw on the user's backend and never switch it; a figure written to
a file is made outside pyplot (never shown, never left open)."""

from __future__ import annotations

import pytest

import layerwise as lw

matplotlib = pytest.importorskip("matplotlib")
plt = pytest.importorskip("matplotlib.pyplot")
Image = pytest.importorskip("PIL.Image")

from layerwise import plot  # noqa: E402


@pytest.fixture
def template_backend(monkeypatch):
    """No screen (DISPLAY unset) and a backend that is neither Agg, PDF nor SVG, as in a
    notebook on a server; the backend in use before is restored afterwards."""
    monkeypatch.delenv("DISPLAY", raising=False)
    before = matplotlib.get_backend()
    plt.close("all")
    matplotlib.use("template")
    yield
    plt.close("all")
    matplotlib.use(before)


@pytest.fixture(scope="module")
def trained():
    X, Y = lw.datasets.planar(seed=1)
    net = lw.Network([2, 4, 1], hidden="tanh", seed=1)
    return net, net.fit(X, Y, epochs=20, learning_rate=1.2), X, Y


def test_plots_keep_the_backend_and_show_on_it(template_backend, trained):
    net, history, X, Y = trained
    fig = plot.cost_curve(history)
    plot.decision_boundary(net, X, Y, resolution=20)
    plot.confusion_matrix([0, 1, 1], [0, 1, 0])
    assert matplotlib.get_backend() == "template"
    # drawn on the current backend's figures, where a notebook or plt.show() finds them
    assert len(plt.get_fignums()) == 3 and plt.figure(1) is fig


def test_a_plot_written_to_a_file_stays_out_of_pyplot(template_backend, trained, tmp_path):
    net, history, X, Y = trained
    paths = [tmp_path / f"{name}.png" for name in ("cost", "boundary", "confusion")]
    plot.cost_curve(history, path=paths[0])
    plot.decision_boundary(net, X, Y, path=paths[1], resolution=20)
    plot.confusion_matrix([0, 1, 1], [0, 1, 0], path=paths[2])
    assert matplotlib.get_backend() == "template"
    assert plt.get_fignums() == []  # nothing left open
    for path in paths:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size[0] > 100


def test_drawing_on_given_axes_returns_their_figure(trained):
    from matplotlib.figure import Figure

    _, history, _, _ = trained
    fig = Figure()
    ax = fig.add_subplot()
    assert plot.cost_curve(history, ax=ax) is fig
    assert [line.get_label() for line in ax.get_lines()] == ["training cost"]
    assert list(ax.get_lines()[0].get_ydata()) == history.cost


def _rendered(fig):
    """The figure drawn by Agg (as when written), and its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _overlapping(boxes):
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[i + 1 :], i + 1)
        if a.overlaps(b)
    ]


@pytest.mark.parametrize("k", [6, 12])
@pytest.mark.parametrize("name", ["{}", "class {}", "a longer class name {}"])
def test_confusion_matrix_labels_do_not_overlap_nor_the_colorbar_the_title(tmp_path, k, name):
    import numpy as np
    from matplotlib.text import Text

    rng = np.random.default_rng(0)
    names = [name.format(i) for i in range(k)]
    true = rng.integers(0, k, 400)
    pred = np.where(rng.random(400) < 0.7, true, rng.integers(0, k, 400))
    title = "Confusion matrix, all 400 rows of /data/surveys/the_survey_of_2026_final.csv"
    fig = plot.confusion_matrix(
        [names[i] for i in true],
        [names[i] for i in pred],
        labels=names,
        path=tmp_path / "cm.png",
        title=title,
    )
    renderer = _rendered(fig)
    ax, colorbar = fig.axes
    for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        assert [t.get_text() for t in labels] == names
        boxes = [t.get_window_extent(renderer) for t in labels]
        assert _overlapping(boxes) == []
        # and each is inside the figure, not cut off
        assert all(
            fig.bbox.x0 <= b.x0 and b.x1 <= fig.bbox.x1 and fig.bbox.y0 <= b.y0 for b in boxes
        )
    (heading,) = [t for t in fig.findobj(Text) if t.get_text().replace("\n", " ") == title]
    top = heading.get_window_extent(renderer)
    assert not colorbar.get_tightbbox(renderer).overlaps(top)
    assert not ax.get_tightbbox(renderer).overlaps(top)
    assert top.y1 <= fig.bbox.y1 and top.x0 >= fig.bbox.x0 and top.x1 <= fig.bbox.x1


def test_a_grid_of_boundaries_draws_each_model_on_its_own_data(trained, tmp_path):
    import numpy as np

    net, _, X, Y = trained
    other_X, other_Y = lw.datasets.moons(m=60, seed=0)
    half = lambda G: (G[0] > 0).astype(int)[None, :]  # noqa: E731 - a model by hand
    panels = [("net", net, X, Y), ("x1 > 0", half, other_X, other_Y), ("again", half, X, Y)]
    fig = plot.decision_boundaries(panels, ncols=2, path=tmp_path / "grid.png", resolution=30)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == ["net", "x1 > 0", "again"]
    assert len(fig.axes) == 4 and not fig.axes[3].get_visible()  # 2 × 2, the last one unused
    # each panel's points are its own data set's, and no panel has a legend of its own
    for ax, (_, _, data, _) in zip(shown, panels):
        points = np.concatenate([c.get_offsets() for c in ax.collections[1:]])
        assert sorted(map(tuple, points)) == sorted(map(tuple, data.T))
        assert ax.get_legend() is None
    with Image.open(tmp_path / "grid.png") as image:
        assert image.format == "PNG"
    with pytest.raises(ValueError, match="ncols must be a positive integer; Received: 0"):
        plot.decision_boundaries(panels, ncols=0, path=tmp_path / "x.png")


def test_images_show_each_column_with_its_label_and_prediction(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.random((12, 5))  # five images of 3 × 4 pixels, one per column
    fig = plot.images(
        X,
        (3, 4),
        labels=[1, 0, 1, 1, 0],
        predicted=["a", "b", "c", "d", "e"],
        ncols=3,
        path=tmp_path / "images.png",
    )
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 5 and len(fig.axes) == 6
    for i, ax in enumerate(shown):
        # the picture is column i, row by row
        np.testing.assert_array_equal(ax.images[0].get_array(), X[:, i].reshape(3, 4))
        assert ax.get_title() == f"y = {[1, 0, 1, 1, 0][i]}\nŷ = {'abcde'[i]}"
    with Image.open(tmp_path / "images.png") as image:
        assert image.format == "PNG"
    with pytest.raises(ValueError, match=r"an image of shape \(8, 8\) has 64 pixels but X has"):
        plot.images(X, (8, 8))
    with pytest.raises(ValueError, match="labels has 2 entries but X has 5 images"):
        plot.images(X, (3, 4), labels=[0, 1])
