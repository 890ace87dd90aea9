"""The roles of a table's columns, for :func:`~layerwise.tables.loading.load_table` and a
streamed table: the target (given, or the first of :data:`TARGET_NAMES`), the id, the weight,
dropped and kept columns (each present, none with two roles), the columns left out by rule,
and the feature columns (every other one, or a model's, each present and no other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .columns import left_out_reason
from .formats import _shorten, read_column_as_text

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: column names taken as the target when none is given (the first present, any case)
TARGET_NAMES = ("target", "y", "label", "class")


def _default_target(columns: list[str], source: str) -> str:
    lower = {c.lower(): c for c in reversed(columns)}
    for name in TARGET_NAMES:
        if name in lower:
            return lower[name]
    raise ValueError(
        f"no target column given and none of {', '.join(TARGET_NAMES)} is in {source}; "
        f"name it with --target COL; the columns are: {_shorten(columns)}"
    )


def _choose_target(
    cols: list[str],
    target: str | None,
    features: Sequence[str] | None,
    require_target: bool,
    source: str,
) -> str | None:
    """The target column: as given, or the first of :data:`TARGET_NAMES`; None for
    prediction data without one."""
    if target is not None and target not in cols and require_target:
        raise ValueError(
            f"target column {target!r} is not in {source}; its columns are: {_shorten(cols)}"
        )
    if target is None and require_target:
        target = _default_target(cols, source)
    elif target is None:  # prediction data: a column named like a target is not a feature
        lower = {c.lower(): c for c in cols if features is None or c not in features}
        target = next((lower[n] for n in TARGET_NAMES if n in lower), None)
    return target if target is not None and target in cols else None


def _choose_id(
    data: Any,
    frame: pd.DataFrame,
    kind: str,
    id_column: str | None,
    target: str | None,
    features: Sequence[str] | None,
    source: str,
) -> str | None:
    """The id column: as given, or one named ``id`` (any case) that is not a feature; read
    as the text written in a CSV file."""
    cols = list(frame.columns)
    if id_column is not None:
        if id_column not in cols:
            raise ValueError(
                f"id column {id_column!r} is not in {source}; its columns are: {_shorten(cols)}"
            )
        if id_column == target:
            raise ValueError(f"column {id_column!r} cannot be both the target and the id")
    else:
        candidates = [c for c in cols if c.lower() == "id" and c != target]
        if candidates and (features is None or candidates[0] not in features):
            id_column = candidates[0]
    if id_column is not None and kind in ("CSV", "TSV"):
        # ids are kept as written ("007", and a blank stays blank), not parsed as numbers:
        # one blank would turn every id into a float ("12.0")
        frame[id_column] = read_column_as_text(data, id_column)
    return id_column


def _check_roles(
    cols: list[str],
    target: str | None,
    id_column: str | None,
    weight_column: str | None,
    drop: Sequence[str],
    keep: Sequence[str],
    source: str,
) -> None:
    """The weight, dropped and kept columns exist, and none has two roles."""
    if weight_column is not None:
        if weight_column not in cols:
            raise ValueError(
                f"weight column {weight_column!r} is not in {source}; its columns are: "
                f"{_shorten(cols)}"
            )
        if weight_column in (target, id_column):
            role = "target" if weight_column == target else "id"
            raise ValueError(f"column {weight_column!r} cannot be both the {role} and the weights")
    roles = {target: "the target", id_column: "the id", weight_column: "the weights"}
    for option, names in (("--drop", drop), ("--keep", keep)):
        unknown = [c for c in names if c not in cols]
        if unknown:
            raise ValueError(
                f"{option} {unknown[0]}: no such column in {source}; its columns are: "
                f"{_shorten(cols)}"
            )
        for c in names:
            if c in roles:
                raise ValueError(f"{option} {c}: column {c!r} is {roles[c]}, not a feature")
    both = [c for c in keep if c in drop]
    if both:
        raise ValueError(f"column {both[0]!r} is given to both --keep and --drop")


def _left_out_by_rule(frame: pd.DataFrame, candidates: list[str], notices: list[str]) -> list[str]:
    """The columns that cannot be features (a row number, an id-like text column), each
    with its notice."""
    left_out = []
    for name in candidates:
        reason = left_out_reason(frame[name])
        if reason is not None:
            left_out.append(name)
            notices.append(f"column {name!r} left out: {reason}; --keep {name} keeps it")
    return left_out


def _feature_columns(
    cols: list[str],
    reserved: set[str],
    features: Sequence[str] | None,
    target: str | None,
    id_column: str | None,
    source: str,
) -> list[str]:
    """Every column not reserved; or the model's ``features``, each present and no other."""
    if features is None:
        feature_names = [c for c in cols if c not in reserved]
        if not feature_names:
            others = [c for c in cols if c in reserved and c not in (target, id_column)]
            raise ValueError(
                f"{source} has no feature columns besides the target {target!r}"
                + (f" and the id {id_column!r}" if id_column else "")
                + (f"; left out: {_shorten(others)} (--keep COL keeps one)" if others else "")
            )
        return feature_names
    feature_names = [str(f) for f in features]
    missing = [f for f in feature_names if f not in cols]
    if missing:
        raise ValueError(
            f"{source} lacks the feature column(s) {_shorten(missing)} that the model was "
            f"trained on"
        )
    extra = [c for c in cols if c not in reserved and c not in feature_names]
    if extra:
        raise ValueError(
            f"{source} has column(s) {_shorten(extra)} that were not features when the "
            f"model was trained; remove them (or name an id column with --id)"
        )
    return feature_names
