"""How objects show themselves in a notebook: the HTML of a network, a training history and a
table model, and the pictures inside it (a cost curve as SVG, a decision boundary as a PNG).

Nothing here needs more than NumPy and the standard library: the cost curve is drawn as an SVG
polyline and the decision boundary as a small PNG written by hand, so the HTML is the same with
or without matplotlib and costs milliseconds (the live view redraws it while training runs).
Every name that comes from the user (a column, a class, a notice) goes through
:func:`html.escape`.
"""

from __future__ import annotations

import base64
import html
import math
import struct
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._typing import Array

__all__ = [
    "network_html",
    "history_html",
    "table_model_html",
    "cost_svg",
    "boundary_png",
    "png_bytes",
]

#: at most this many points of a cost curve are drawn (a long run is sampled evenly)
MAX_POINTS = 400

#: class colours of the decision boundary (Spectral-like, readable on white)
_PALETTE = np.array(
    [
        (213, 62, 79),
        (50, 136, 189),
        (102, 194, 165),
        (253, 174, 97),
        (94, 79, 162),
        (230, 245, 152),
        (244, 109, 67),
        (171, 221, 164),
        (158, 1, 66),
        (254, 224, 139),
    ],
    dtype=np.uint8,
)

_STYLE = (
    "font-family: var(--jp-code-font-family, monospace); font-size: 12px; border-collapse: collapse"
)


_CELL = "padding: 0.1em 0.6em"


def _pre(text: str) -> str:
    return f'<pre style="margin: 0.3em 0">{html.escape(text)}</pre>'


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """An HTML table with every cell escaped."""
    th = f'<th style="text-align: left; {_CELL}">'
    td = f'<td style="{_CELL}">'
    head = "".join(f"{th}{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"{td}{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _number(value: Any) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)


# --------------------------------------------------------------------------- network


def network_html(net: Any) -> str:
    """A network as HTML: its dimension table (``Network.summary``) and, folded, its forward and
    backward equations with every shape filled in (``layerwise explain``).

    Parameters
    ----------
    net : Network

    Returns
    -------
    str
    """
    from .equations import equations

    names = ", ".join(g.name for g in net.activations)
    title = f"Network n = {list(net.layer_dims)}, L = {net.L} ({names})"
    metadata = getattr(net, "metadata", None)
    training = metadata.get("training") if isinstance(metadata, dict) else None
    training = training if isinstance(training, dict) else None
    eqs = equations(net.layer_dims, net.activations, net.loss.name, training=training)
    return (
        '<div class="layerwise-network">'
        f"<strong>{html.escape(title)}</strong>"
        f"<p>{html.escape(trained_with(training))}</p>"
        f"{_pre(net.summary())}"
        "<details><summary>Forward and backward equations, with their shapes</summary>"
        f"{_pre(eqs)}</details></div>"
    )


#: the update rules' names as a sentence says them
_RULES = {
    "gd": "gradient descent",
    "sgd": "gradient descent",
    "momentum": "gradient descent with momentum",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}


def trained_with(training: dict[str, Any] | None) -> str:
    """One sentence on how a network was trained: its update rule, α, the batch size and the
    epochs, from its training record (``net.metadata["training"]``, written by ``fit`` and by
    the table workflow); for a network without one, that it was not trained here.

    Parameters
    ----------
    training : dict or None
        ``optimizer`` (a name or ``{"name": ...}``), ``learning_rate``, ``batch_size`` (None:
        the whole set), ``epochs`` and ``epochs_run``, ``examples`` or ``training_rows``.

    Returns
    -------
    str
    """
    if not training:
        return "Not trained yet (no record of a fit): the update rule is chosen by fit."
    optimizer = training.get("optimizer") or "gd"
    if isinstance(optimizer, dict):
        optimizer = optimizer.get("name", "gd")
    rule = _RULES.get(str(optimizer).lower(), str(optimizer))
    lr = training.get("learning_rate")
    if isinstance(lr, (int, float)):
        rule += f" (α = {lr:g})"
    batch = training.get("batch_size")
    m = training.get("examples", training.get("training_rows"))
    if isinstance(batch, int) and not (isinstance(m, int) and batch >= m):
        steps = f"on mini-batches of {batch} examples"
    else:
        whole = f"all {m} examples" if isinstance(m, int) else "all the examples"
        steps = f"on {whole} at each step"
        if rule.startswith("gradient descent ("):
            steps += " (batch gradient descent, as in the notes)"
    ran, asked = training.get("epochs_run"), training.get("epochs")
    if isinstance(ran, int) and isinstance(asked, int) and ran != asked:
        epochs = f"{ran} of {asked} epochs"
    elif isinstance(ran, int) or isinstance(asked, int):
        epochs = f"{ran if isinstance(ran, int) else asked} epochs"
    else:
        epochs = "epochs not recorded"
    return f"Trained with {rule} {steps}, {epochs}."


# --------------------------------------------------------------------------- history


def _sample(values: Sequence[float], limit: int = MAX_POINTS) -> tuple[Any, Array]:
    """Epoch indices and values, evenly sampled down to ``limit`` points (last one kept)."""
    y = np.asarray(values, dtype=float)
    if y.size <= limit:
        return np.arange(y.size), y
    idx = np.unique(np.linspace(0, y.size - 1, limit).round().astype(np.intp))
    return idx, y[idx]


def cost_svg(
    cost: Sequence[float],
    val_cost: Sequence[float] | None = None,
    width: int = 420,
    height: int = 220,
    title: str = "Cost per epoch",
) -> str:
    """The cost curve J per epoch (and the validation cost) as an inline SVG.

    Parameters
    ----------
    cost : sequence of float
        J of each epoch.
    val_cost : sequence of float, optional
    width, height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    left, right, top, bottom = 58, 12, 24, 34
    series = [("training cost", cost, "#3274b5")]
    if val_cost:
        series.append(("validation cost", val_cost, "#e3742f"))
    finite = np.concatenate([np.asarray(s, dtype=float) for _, s, _ in series])
    finite = finite[np.isfinite(finite)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    n = max(max(len(s) for _, s, _ in series) - 1, 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(i: Array, v: Array) -> Array:
        x = left + plot_w * i / n
        y = top + plot_h * (hi - np.clip(v, lo, hi)) / (hi - lo)
        return np.stack([x, y], axis=1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="background: white" font-family="sans-serif" '
        f'font-size="11">',
        f'<text x="{width / 2:.0f}" y="15" text-anchor="middle" font-size="12">'
        f"{html.escape(title)}</text>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="#999"/>',
    ]
    for value, y in ((hi, top), (lo, top + plot_h)):
        parts.append(f'<text x="{left - 4}" y="{y + 4}" text-anchor="end">{_number(value)}</text>')
    for epoch, anchor, x in ((0, "start", left), (n, "end", left + plot_w)):
        parts.append(f'<text x="{x}" y="{top + plot_h + 14}" text-anchor="{anchor}">{epoch}</text>')
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle">epoch</text>'
        f'<text x="12" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.0f})">cost J</text>'
    )
    for k, (label, values, colour) in enumerate(series):
        i, v = _sample(values)
        keep = np.isfinite(v)
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy(i[keep], v[keep]))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{points}"/>'
        )
        ly = top + 12 + 13 * k
        parts.append(
            f'<line x1="{left + plot_w - 110}" x2="{left + plot_w - 92}" y1="{ly - 4}" '
            f'y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{left + plot_w - 88}" y="{ly}">{html.escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def history_html(history: Any, keys: Sequence[str]) -> str:
    """A training history as HTML: its cost curve (SVG), its final figures, and the cost at
    about ten epochs as a table.

    Parameters
    ----------
    history : History
    keys : sequence of str
        The series shown, in order (``history.SHOWN_KEYS``).

    Returns
    -------
    str
    """
    cost = list(history.cost)
    series = history.history
    facts = [f"{len(cost)} epochs"]
    if history.stop_reason:
        facts.append(f"stopped: {history.stop_reason}")
    if history.best_epoch is not None:
        facts.append(f"best epoch: {history.best_epoch}")
    head = f"<strong>History</strong> ({html.escape('; '.join(facts))})"
    if not cost:
        return f'<div class="layerwise-history">{head}<p>no epoch recorded</p></div>'
    keys = [k for k in (*keys, "learning_rate") if series.get(k)]
    final = _table(
        [[k, _number(series[k][0]), _number(series[k][-1])] for k in keys],
        ["", "first epoch", "last epoch"],
    )
    step = max(1, math.ceil(len(cost) / 10))
    epochs = sorted({*range(0, len(cost), step), len(cost) - 1})
    shown = [k for k in keys if series.get(k)]
    sampled = _table(
        [[e, *(_number(series[k][e]) for k in shown if e < len(series[k]))] for e in epochs],
        ["epoch", *shown],
    )
    svg = cost_svg(cost, series.get("val_cost"))
    return (
        f'<div class="layerwise-history">{head}'
        f'<div style="display: flex; gap: 1.5em; align-items: flex-start">{svg}{final}</div>'
        f"<details><summary>cost by epoch</summary>{sampled}</details></div>"
    )


# --------------------------------------------------------------------------- table model

#: where a table model may keep its scores, in the order looked at
_SCORES = ("scores_", "scores", "metrics_", "metrics")


def table_model_html(model: Any) -> str:
    """The table workflow's model as HTML: its target, each input column with its kind and
    encoding, the network inside, its scores and its notices.

    Parameters
    ----------
    model : TableModel
        Anything with ``encoder`` (a fitted TableEncoder, ``columns_``), ``network``, and
        optionally ``target``, ``notices`` and its scores: a dict (of dicts) in ``scores_``,
        ``scores``, ``metrics_`` or ``metrics``, else the network's ``metadata["metrics"]``.

    Returns
    -------
    str
    """
    target = getattr(model, "target", None)
    title = "TableModel" + (f" (target: {target})" if target is not None else "")
    parts = [f'<div class="layerwise-table-model"><strong>{html.escape(title)}</strong>']
    encoder = getattr(model, "encoder", None)
    columns = getattr(encoder, "columns_", None) if encoder is not None else None
    if columns is None:
        parts.append("<p>not fitted</p></div>")
        return "".join(parts)
    rows = [[c.name, c.kind, c.width, c.describe()] for c in columns]
    parts.append(f"<p>{len(rows)} input columns</p>")
    parts.append(_table(rows, ["column", "kind", "features", "encoding"]))
    net = getattr(model, "network", None)
    if net is not None:
        parts.append(network_html(net))
    scores = next(
        (getattr(model, name) for name in _SCORES if getattr(model, name, None) is not None),
        None,
    )
    if scores is None and net is not None and isinstance(getattr(net, "metadata", None), dict):
        scores = net.metadata.get("metrics")
    if isinstance(scores, dict) and scores:
        flat: list[list[Any]] = []
        for part, values in scores.items():
            if isinstance(values, dict):
                flat += [[part, k, _number(v)] for k, v in values.items()]
            else:
                flat.append(["", part, _number(values)])
        parts.append("<p>scores</p>" + _table(flat, ["data", "metric", "value"]))
    notices = list(getattr(model, "notices", None) or [])
    if notices:
        items = "".join(f"<li>{html.escape(str(n))}</li>" for n in notices)
        parts.append(f"<p>notices</p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------- boundary


def png_bytes(rgb: np.ndarray) -> bytes:
    """A PNG file of an image, written with zlib alone.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (height, width, 3)
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    # each row starts with filter type 0 (none)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgb.reshape(h, w * 3)], axis=1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def boundary_png(
    predict: Callable[[Array], Array],
    X: Array,
    Y: Array,
    size: int = 240,
    resolution: int = 80,
) -> str:
    """The decision boundary of 2-feature data as an ``<img>`` (a base64 PNG): the plane shaded
    by the predicted class, the examples as dots of their class's colour with a dark centre.

    Parameters
    ----------
    predict : callable
        X (2, k) -> class ids (1, k).
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m)
        Class ids.
    size : int
        Width and height in pixels.
    resolution : int
        Grid points per side where the model is evaluated.

    Returns
    -------
    str
    """
    X = np.asarray(X, dtype=float)
    lo, hi = X.min(axis=1) - 0.5, X.max(axis=1) + 0.5
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(hi[1], lo[1], resolution)  # image rows go downwards
    xx, yy = np.meshgrid(xs, ys)
    predicted = np.asarray(predict(np.stack([xx.ravel(), yy.ravel()]))).reshape(-1)
    labels = predicted.astype(np.intp) % len(_PALETTE)
    image = (_PALETTE[labels].astype(float) * 0.45 + 255 * 0.55).astype(np.uint8)
    image = image.reshape(resolution, resolution, 3)
    scale = max(1, size // resolution)
    image = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
    side = image.shape[0]
    col = ((X[0] - lo[0]) / (hi[0] - lo[0]) * (side - 1)).round().astype(np.intp)
    row = ((hi[1] - X[1]) / (hi[1] - lo[1]) * (side - 1)).round().astype(np.intp)
    classes = np.asarray(Y).reshape(-1).astype(np.intp) % len(_PALETTE)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            r, c = np.clip(row + dr, 0, side - 1), np.clip(col + dc, 0, side - 1)
            image[r, c] = (40, 40, 40) if dr == dc == 0 else _PALETTE[classes]
    data = base64.b64encode(png_bytes(image)).decode("ascii")
    return (
        f'<img alt="decision boundary" width="{side}" height="{side}" '
        f'src="data:image/png;base64,{data}"/>'
    )
