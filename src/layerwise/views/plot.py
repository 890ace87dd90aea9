"""Plots: the cost curve, the decision boundary of 2-feature data (one, or a grid of them), a
confusion matrix, and images with their labels and predictions.

Needs the ``plot`` extra (matplotlib), imported only when a plot is made:
``pip install 'layerwise[plot]'``. Each function draws on ``ax``, writes a PNG when ``path`` is
given, and returns the figure. Without ``ax`` it makes a new figure: with ``path``, one outside
pyplot (written, never shown); without, one on the current backend, so a notebook shows it
inline and a script's ``plt.show()`` opens it. The backend is never switched.

Examples
--------
>>> import layerwise as lw
>>> from layerwise import plot
>>> X, Y = lw.datasets.planar()
>>> net = lw.Network([2, 4, 1], hidden="tanh", seed=1)
>>> history = net.fit(X, Y, epochs=50, learning_rate=1.2)
>>> fig = plot.cost_curve(history)
>>> fig = plot.decision_boundary(net, X, Y)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .. import _optional
from .._typing import Array

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "require",
    "cost_curve",
    "decision_boundary",
    "decision_boundaries",
    "confusion_matrix",
    "images",
]


def require() -> None:
    """Raise ImportError naming the ``plot`` extra when matplotlib is missing (call it before
    long work whose plots would otherwise fail at the end)."""
    _matplotlib()


def _matplotlib() -> Any:
    # the user's backend is never changed: a figure that is only written to a file is a
    # matplotlib.figure.Figure outside pyplot, drawn by its own canvas
    return _optional.require("matplotlib", "plot", "plots")


def _figure(
    ax: Axes | None,
    path: str | os.PathLike[str] | None,
    size: tuple[float, float] = (6.0, 4.5),
    layout: Literal["constrained"] | None = None,
) -> tuple[Figure, Axes]:
    """The axes to draw on: ``ax``'s own, else those of a new figure (:func:`_new_figure`)."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = _new_figure(path, size, layout)
    return fig, fig.add_subplot()


def _new_figure(
    path: str | os.PathLike[str] | None,
    size: tuple[float, float],
    layout: Literal["constrained"] | None = None,
) -> Figure:
    """A figure of the current backend (pyplot, so a notebook or a window shows it) when
    nothing is written, or a figure outside pyplot (never shown, never kept open) when it goes
    to ``path``. ``layout`` is matplotlib's layout engine ("constrained": room for the labels
    and a colorbar)."""
    _matplotlib()
    if path is not None:
        from matplotlib.figure import Figure

        return Figure(figsize=size, layout=layout)
    import matplotlib.pyplot as plt

    return plt.figure(figsize=size, layout=layout)


def _panels(
    k: int, ncols: int, path: str | os.PathLike[str] | None, panel: tuple[float, float]
) -> tuple[Figure, list[Axes]]:
    """A new figure of ``k`` panels, ``ncols`` to a row (the unused ones hidden)."""
    if not (isinstance(ncols, int) and ncols >= 1):
        raise ValueError(f"ncols must be a positive integer; Received: {ncols!r}")
    if k < 1:
        raise ValueError("nothing to draw: give at least one panel")
    cols = min(ncols, k)
    rows = -(-k // cols)
    fig = _new_figure(path, (panel[0] * cols, panel[1] * rows), layout="constrained")
    axes = list(np.asarray(fig.subplots(rows, cols, squeeze=False)).reshape(-1))
    for extra in axes[k:]:
        extra.set_visible(False)
    return fig, axes[:k]


def _finish(fig: Figure, path: str | os.PathLike[str] | None) -> Figure:
    if path is not None:
        import io as _io

        from ..model.io import atomic_write_bytes

        if fig.get_layout_engine() is None:
            fig.tight_layout()
        buf = _io.BytesIO()
        fig.savefig(buf, format="png", dpi=120)
        atomic_write_bytes(Path(path), buf.getvalue())
    return fig


def cost_curve(
    history: Any,
    path: str | os.PathLike[str] | None = None,
    ax: Axes | None = None,
    title: str = "Cost per epoch",
) -> Figure:
    """J per epoch (and the validation cost when recorded).

    Parameters
    ----------
    history : History or sequence of float
    path : str, optional
        Write a PNG there (atomically).
    """
    cost = list(getattr(history, "cost", history))
    if not cost:
        raise ValueError("cost_curve needs at least one epoch of cost")
    fig, ax = _figure(ax, path)
    ax.plot(np.arange(len(cost)), cost, label="training cost")
    val = getattr(history, "history", {}).get("val_cost") if hasattr(history, "history") else None
    if val:
        ax.plot(np.arange(len(val)), val, label="validation cost")
    ax.set_xlabel("epoch (iteration)")
    ax.set_ylabel("cost J")
    ax.set_title(title)
    ax.legend()
    return _finish(fig, path)


def decision_boundary(
    model: Any,
    X: Array,
    Y: Array,
    path: str | os.PathLike[str] | None = None,
    ax: Axes | None = None,
    title: str = "Decision boundary",
    resolution: int = 300,
    class_names: Sequence[Any] | None = None,
    feature_names: Sequence[str] | None = None,
) -> Figure:
    """Shade the plane by the model's prediction and scatter the examples over it, with a
    legend of the classes.

    Parameters
    ----------
    model : Network or callable
        Anything with ``predict(X)`` for X (2, k), or a callable X -> labels.
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m)
        Class indices 0..K−1 (or 0/1).
    class_names : list, optional
        The name of each class index, for the legend (default: the indices).
    feature_names : (str, str), optional
        The axis labels (default x1, x2).
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(
            f"decision_boundary draws 2-feature data: X must be (2, m); Received shape {X.shape}"
        )
    predict: Callable[[Array], Array] = getattr(model, "predict", model)
    x_min, x_max = X[0].min() - 1.0, X[0].max() + 1.0
    y_min, y_max = X[1].min() - 1.0, X[1].max() + 1.0
    xx, yy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    grid = np.stack([xx.ravel(), yy.ravel()])
    Z = np.asarray(predict(grid)).reshape(-1)[: xx.size].reshape(xx.shape)
    labels = np.asarray(Y).reshape(-1).astype(np.intp)
    k = max(int(labels.max(initial=0)), int(Z.max(initial=0))) + 1
    names = list(class_names) if class_names is not None else list(range(k))
    if len(names) < k:
        raise ValueError(f"class_names has {len(names)} names but the labels go up to {k - 1}")
    colours = _matplotlib().colormaps["Spectral"](np.linspace(0.05, 0.95, max(k, 2)))
    fig, ax = _figure(ax, path)
    # one colour per class, the same in the shaded regions and in the points' legend
    ax.contourf(xx, yy, Z, levels=np.arange(k + 1) - 0.5, colors=colours[:k], alpha=0.35)
    for c in range(k):
        mine = labels == c
        if mine.any():
            ax.scatter(
                X[0, mine],
                X[1, mine],
                color=colours[c],
                s=14,
                edgecolors="k",
                linewidths=0.3,
                label=str(names[c]),
            )
    ax.legend(title="class", loc="best", fontsize="small")
    xlabel, ylabel = feature_names if feature_names is not None else ("x1", "x2")
    ax.set_xlabel(str(xlabel))
    ax.set_ylabel(str(ylabel))
    ax.set_title(title)
    return _finish(fig, path)


def decision_boundaries(
    panels: Sequence[tuple[str, Any, Array, Array]],
    ncols: int = 4,
    path: str | os.PathLike[str] | None = None,
    resolution: int = 150,
    title: str | None = None,
) -> Figure:
    """A grid of decision boundaries, one panel each: several models on the same data (the
    notes' hidden-layer sizes) or on several data sets.

    Parameters
    ----------
    panels : sequence of (title, model, X, Y)
        Each panel's title, its model (``predict(X)`` or a callable) and its examples X (2, m)
        with their class ids Y (1, m), as :func:`decision_boundary` takes them.
    ncols : int
        Panels to a row.
    path : str, optional
        Write a PNG there (atomically).
    resolution : int
        Grid points per side where each model is evaluated.
    title : str, optional
        A title over the whole figure.
    """
    panels = list(panels)
    fig, axes = _panels(len(panels), ncols, path, (3.4, 3.2))
    for ax, (name, model, X, Y) in zip(axes, panels):
        decision_boundary(model, X, Y, ax=ax, title=str(name), resolution=resolution)
        ax.legend().remove()  # the classes' colours are the same in every panel
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def images(
    X: Array,
    shape: tuple[int, int],
    labels: Sequence[Any] | Array | None = None,
    predicted: Sequence[Any] | Array | None = None,
    ncols: int = 8,
    path: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Images, one panel each, titled with their label (and prediction): the examples a
    model got wrong, for instance.

    Parameters
    ----------
    X : ndarray of shape (n[0], k)
        One image per column, as the network takes them (n[0] = height · width pixels, row
        by row).
    shape : (int, int)
        (height, width) of an image.
    labels, predicted : sequence of length k, optional
        Each image's true label and the model's prediction; the panel says "y = …" and
        "ŷ = …".
    ncols : int
        Panels to a row.
    path : str, optional
        Write a PNG there (atomically).
    title : str, optional
        A title over the whole figure.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be (n[0], k), one image per column; Received shape {X.shape}")
    h, w = (int(v) for v in shape)
    if h * w != X.shape[0]:
        raise ValueError(
            f"an image of shape {shape} has {h * w} pixels but X has n[0] = {X.shape[0]} rows: "
            f"X must be (height · width, k), one image per column"
        )
    k = X.shape[1]
    for name, given in (("labels", labels), ("predicted", predicted)):
        if given is not None and len(given) != k:
            raise ValueError(f"{name} has {len(given)} entries but X has {k} images")
    fig, axes = _panels(k, ncols, path, (1.4, 1.6))
    lo, hi = float(X.min(initial=0.0)), float(X.max(initial=1.0))
    for i, ax in enumerate(axes):
        ax.imshow(X[:, i].reshape(h, w), cmap="gray_r", vmin=lo, vmax=hi)
        ax.set_xticks([])
        ax.set_yticks([])
        words = []
        if labels is not None:
            words.append(f"y = {labels[i]}")
        if predicted is not None:
            words.append(f"ŷ = {predicted[i]}")
        ax.set_title("\n".join(words), fontsize=9)
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def confusion_matrix(
    y_true: Sequence[Any] | Array,
    y_pred: Sequence[Any] | Array,
    labels: Sequence[Any] | None = None,
    path: str | os.PathLike[str] | None = None,
    ax: Axes | None = None,
    title: str = "Confusion matrix",
) -> Figure:
    """Counts of (true class, predicted class), rows true, columns predicted, with a colorbar
    beside them.

    The figure grows with the number of classes k; the column labels are turned (45°, or 90°
    for long ones) when they would not fit side by side, and the labels and counts shrink for
    many classes, so that no two labels overlap. On a new figure the title is the figure's
    (above the colorbar too, wrapped when long) and the layout is matplotlib's constrained one.

    Parameters
    ----------
    y_true, y_pred : sequence of shape (m,)
        The true and the predicted label of each example (any labels: ids or texts).
    labels : sequence, optional
        The classes in the order shown (default: the labels seen, sorted).
    path : str, optional
        Write a PNG there (atomically).
    ax : Axes, optional
        Draw there (its figure's layout is left as it is).
    title : str
    """
    t = np.asarray(y_true).reshape(-1)
    p = np.asarray(y_pred).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    classes = list(labels) if labels is not None else sorted(set(t.tolist()) | set(p.tolist()))
    index = {c: i for i, c in enumerate(classes)}
    counts = np.zeros((len(classes), len(classes)), dtype=int)
    for a, b in zip(t.tolist(), p.tolist()):
        counts[index[a], index[b]] += 1
    k = len(classes)
    names = [str(c) for c in classes]
    longest = max((len(n) for n in names), default=1)
    # about 0.45 inch a class (more for long names), within what a page shows
    side = min(11.0, max(4.5, 1.5 + k * max(0.45, 0.09 * min(longest, 12))))
    own = ax is None
    fig, ax = _figure(ax, path, (side + 1.2, side), layout="constrained")
    font = 10.0 if k <= 8 else max(5.0, 10.0 - 0.35 * (k - 8))
    im = ax.imshow(counts, cmap="Blues")
    from matplotlib.ticker import MaxNLocator

    fig.colorbar(im, ax=ax, shrink=0.8, label="examples", ticks=MaxNLocator(integer=True))
    ax.set_xticks(range(k), names, fontsize=font)
    ax.set_yticks(range(k), names, fontsize=font)
    # a column label wider than its column is turned: 45° when short, upright when long
    # (long ones at 45° would reach over their neighbours)
    if longest * font / 10.0 > 4.0 * side / max(k, 1):
        if longest <= 8:
            ax.tick_params(axis="x", labelrotation=45)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
        else:
            ax.tick_params(axis="x", labelrotation=90)
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                str(counts[i, j]),
                ha="center",
                va="center",
                fontsize=font,
                color="white" if counts[i, j] > counts.max() / 2 else "black",
            )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if own:
        import textwrap

        fig.suptitle("\n".join(textwrap.wrap(title, 60)) or title)
    else:
        ax.set_title(title)
    return _finish(fig, path)
