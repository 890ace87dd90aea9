"""How objects show themselves in a notebook: the HTML of a network, a training history and a
table model. The pictures inside (a cost curve as SVG, a decision boundary as a PNG) come from
:mod:`layerwise.views._pictures`, NumPy and the standard library alone, so the HTML is the same with
or without matplotlib and costs milliseconds. Every name that comes from the user (a column, a
class, a notice) goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from ._pictures import MAX_POINTS, boundary_png, class_ids, cost_svg, number, png_bytes

__all__ = [
    "network_html",
    "history_html",
    "table_model_html",
    "trained_with",
    # the pictures, where the views have always offered them
    "MAX_POINTS",
    "cost_svg",
    "boundary_png",
    "class_ids",
    "png_bytes",
]

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
        [[k, number(series[k][0]), number(series[k][-1])] for k in keys],
        ["", "first epoch", "last epoch"],
    )
    step = max(1, math.ceil(len(cost) / 10))
    epochs = sorted({*range(0, len(cost), step), len(cost) - 1})
    shown = [k for k in keys if series.get(k)]
    sampled = _table(
        [[e, *(number(series[k][e]) for k in shown if e < len(series[k]))] for e in epochs],
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
                flat += [[part, k, number(v)] for k, v in values.items()]
            else:
                flat.append(["", part, number(values)])
        parts.append("<p>scores</p>" + _table(flat, ["data", "metric", "value"]))
    notices = list(getattr(model, "notices", None) or [])
    if notices:
        items = "".join(f"<li>{html.escape(str(n))}</li>" for n in notices)
        parts.append(f"<p>notices</p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------- boundary
