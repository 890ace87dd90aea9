"""The pictures inside the notebook views, drawn with NumPy and the standard library alone: a
cost curve as an SVG polyline, a decision boundary as a small PNG written by hand (zlib), and
the labels turned into class ids for its colours. They cost milliseconds, so the live view
redraws them while training runs; matplotlib is not needed.
"""

from __future__ import annotations

import base64
import html
import struct
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._typing import Array

__all__ = ["MAX_POINTS", "cost_svg", "boundary_png", "class_ids", "png_bytes", "number"]

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


def number(value: Any) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)


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
        parts.append(f'<text x="{left - 4}" y="{y + 4}" text-anchor="end">{number(value)}</text>')
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


def class_ids(Y: Any, m: int | None = None) -> tuple[Array, Array | None]:
    """Labels as class ids (1, m), for the colours of a decision boundary.

    Parameters
    ----------
    Y : array-like of shape (1, m) or (m,), or (k, m)
        Class ids (0/1, 0..k−1, booleans, integral floats), texts, or, when ``m`` is given
        and Y is (k, m) with k > 1, one-hot (or probability) columns.
    m : int, optional
        The number of examples, for telling one-hot columns from a row of labels.

    Returns
    -------
    ids : ndarray of int, shape (1, m)
    classes : ndarray or None
        For texts, the distinct labels in sorted order (``ids`` index them, as the
        estimators number their classes); None for class ids.

    Raises
    ------
    ValueError
        For labels that are neither class ids nor texts, naming the one given.
    """
    Y = np.asarray(Y)
    if Y.ndim == 2 and Y.shape[0] > 1 and Y.shape[1] == m and Y.dtype.kind in "biuf":
        return Y.argmax(axis=0).reshape(1, -1).astype(np.intp), None
    flat = Y.reshape(-1)
    if flat.dtype.kind == "O":
        if all(isinstance(v, str) for v in flat):
            flat = flat.astype(str)
        elif all(isinstance(v, (int, float, np.number)) for v in flat):
            flat = flat.astype(float)
        else:
            odd = next(v for v in flat if not isinstance(v, (str, int, float, np.number)))
            raise ValueError(
                "Y must hold class labels (class ids or texts) for the colours of the "
                f"decision boundary; Received a label {odd!r} of type {type(odd).__name__}"
            )
    if flat.dtype.kind in "US":
        classes, ids = np.unique(flat, return_inverse=True)
        return ids.reshape(1, -1).astype(np.intp), classes
    if flat.dtype.kind == "f":
        whole = np.isfinite(flat) & (flat == np.round(flat))
        if not whole.all():
            raise ValueError(
                "Y must hold class labels (class ids or texts) for the colours of the "
                f"decision boundary; Received the value {float(flat[~whole][0])!r}, which is not a "
                "class id"
            )
    if flat.dtype.kind not in "biuf":
        raise ValueError(
            "Y must hold class labels (class ids or texts) for the colours of the decision "
            f"boundary; Received an array of dtype {Y.dtype}"
        )
    return flat.astype(np.intp).reshape(1, -1), None


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
        Class ids, or texts (:func:`class_ids`).
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
    classes = class_ids(Y)[0].reshape(-1) % len(_PALETTE)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            r, c = np.clip(row + dr, 0, side - 1), np.clip(col + dc, 0, side - 1)
            image[r, c] = (40, 40, 40) if dr == dc == 0 else _PALETTE[classes]
    data = base64.b64encode(png_bytes(image)).decode("ascii")
    return (
        f'<img alt="decision boundary" width="{side}" height="{side}" '
        f'src="data:image/png;base64,{data}"/>'
    )
