"""Model files: safetensors with the weights under W1, b1, ... and a JSON metadata block.

The file is the safetensors container (a length-prefixed JSON header, then raw little-endian
arrays): nothing in it is ever unpickled or executed. The header's ``__metadata__`` holds one
entry, ``layerwise``, a JSON document with the format version, the layerwise version,
``layer_dims``, the activations (name and parameters), the loss, the dtype, and whatever the
caller adds (class labels, feature names, preprocessing statistics, training configuration,
final metrics) under ``"extra"``.

Writing is atomic (:func:`atomic_write_bytes`): the bytes go to a temporary file in the same
folder, are flushed to disk, then renamed over the target, so a crash or Ctrl-C never leaves a
half-written file and never destroys the previous one. A save checks what it writes with the
reader's own rules first, so it never writes a file that loading would refuse.

Model files come from anywhere, so reading trusts nothing: only a regular file is opened (a
FIFO would block, ``/dev/zero`` never ends), the header is read only up to
:data:`MAX_HEADER_BYTES` and nested at most :data:`MAX_DEPTH` deep, every field is checked for
its JSON type and its range, the arrays' declared shapes and sizes are checked against
``layer_dims`` and the file's size before the arrays are read, and every failure is a
:class:`ModelFileError` (a ``ValueError``) with one line naming the file and the problem.

Needs the ``io`` extra: ``pip install 'layerwise[io]'``.
"""

from __future__ import annotations

import json
import math
import os
import stat
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from .._checks import is_int, is_number
from .._files import atomic_write_bytes, special_kind
from .._optional import jsonable, require
from .._typing import Array
from .._version import __version__
from ..core.activations import ACTIVATIONS, get_activation
from ..core.initializers import INITIALIZERS
from ..core.losses import LOSSES
from ..core.metrics import task_of
from ..features.preprocessing import Preprocessing

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "write_model",
    "read_model",
    "read_metadata",
    "check_header_room",
    "atomic_write_bytes",
]

#: Version of the metadata layout; files with a newer one are refused.
FORMAT_VERSION = 1
_KEY = "layerwise"
#: the largest safetensors header (the JSON before the arrays) a model file may have: room
#: for a table encoding of many thousand categories, and parsed in well under a second
MAX_HEADER_BYTES = 16 * 2**20
#: the deepest nesting of JSON arrays and objects a model file's metadata may have
MAX_DEPTH = 64
#: safetensors' dtype names of the two dtypes a network has
_DTYPES = {"float32": "F32", "float64": "F64"}
#: NumPy's names of safetensors' dtypes, for messages
_NUMPY_NAMES = {
    "F16": "float16",
    "BF16": "bfloat16",
    "F32": "float32",
    "F64": "float64",
    "I8": "int8",
    "I16": "int16",
    "I32": "int32",
    "I64": "int64",
    "U8": "uint8",
    "BOOL": "bool",
}


class ModelFileError(ValueError):
    """A model file that is missing, truncated, corrupted, foreign or too new."""


def _safetensors_numpy() -> Any:
    return require("safetensors.numpy", "io", "model files")


# --------------------------------------------------------------------------- writing


def write_model(
    path: str | os.PathLike[str], description: Mapping[str, Any], params: Mapping[str, Array]
) -> None:
    """Write a model file, atomically: the arrays of ``params`` ({"W1": W[1], "b1": b[1],
    ...}) as tensors, and ``description`` (a network's ``_describe()``: structure,
    ``preprocessing``, and ``extra``, JSON-serializable) in the metadata.

    Raises
    ------
    TypeError
        When the metadata is not JSON-serializable (or refers to itself).
    ValueError
        When the file would be one that :func:`read_model` refuses (non-finite weights or
        statistics, metadata nested too deeply or too large); nothing is written.
    """
    st = _safetensors_numpy()
    tensors = {key: np.ascontiguousarray(value) for key, value in params.items()}
    try:
        info = {
            "format": "layerwise",
            "format_version": FORMAT_VERSION,
            "layerwise_version": __version__,
            **jsonable(dict(description)),
        }
        text = json.dumps(info, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"model metadata must be JSON-serializable: {exc}") from None
    # the reader's own rules, before anything is written: no save makes an unloadable file
    where = f"cannot save {Path(path)}"
    _check_description(where, _json(where, text.encode(), "metadata"))
    _check_tensors(where, info, {k: (a.dtype, a.shape) for k, a in tensors.items()})
    for key, arr in tensors.items():
        if not np.isfinite(arr).all():
            raise ValueError(f"{where}: {key} contains NaN or inf")
    data = st.save(tensors, metadata={_KEY: text})
    if struct.unpack("<Q", data[:8])[0] > MAX_HEADER_BYTES:
        raise ValueError(
            f"{where}: its metadata takes more than the {MAX_HEADER_BYTES} bytes a model "
            f"file's header may have"
        )
    atomic_write_bytes(path, data)


#: room kept in a model file's header for what is not the preprocessing: the structure, the
#: arrays' entries, the training configuration and the metrics
_HEADER_ROOM = 256 * 2**10


def check_header_room(pre: Preprocessing) -> None:
    """Refuse, before training, a preprocessing too large for a model file's header.

    The header holds the metadata as JSON written inside a JSON string (its quotes and
    backslashes escaped), at most :data:`MAX_HEADER_BYTES`; the rare values of a text column
    (each one a category) can fill it. Called once the encoding is learned, this names the
    column that takes the most room, instead of a save that fails after the training.

    Raises
    ------
    ValueError
        Naming the column, the size it takes, and a remedy (leave it out).
    """
    size = _escaped_size(pre.to_dict())
    if size + _HEADER_ROOM <= MAX_HEADER_BYTES:
        return
    where = "the columns"
    if pre.columns:
        names = pre.feature_names or [n for c in pre.columns for n in c.feature_names()]
        shares: list[tuple[int, int]] = []
        row = 0
        for i, column in enumerate(pre.columns):
            own = names[row : row + column.width]
            shares.append((_escaped_size([column.to_dict(), own]) + 12 * column.width, i))
            row += column.width
        share, i = max(shares)
        big = pre.columns[i]
        values = (
            f"its {len(big.categories)} categories and {len(big.infrequent)} rare values, "
            f"each kept by name"
            if big.kind == "category"
            else "its statistics"
        )
        where = (
            f"column {big.name!r} takes about {share} of them ({values}); leave it out (--drop "
            f"{big.name} on the command line) or merge its rare values into fewer"
        )
    raise ValueError(
        f"the model's description would take about {size} bytes of its file's header, more "
        f"than the {MAX_HEADER_BYTES - _HEADER_ROOM} it has room for: {where}"
    )


def _escaped_size(value: Any) -> int:
    """Bytes of ``value`` as JSON written inside a JSON string, as the header holds it."""
    return len(json.dumps(json.dumps(jsonable(value), allow_nan=False)))


# --------------------------------------------------------------------------- reading


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The layerwise metadata of a model file, validated, without loading the weights."""
    info, _ = _read(path, weights=False)
    return info


def read_model(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Array]]:
    """Read a model file written by :func:`write_model`: its description and its parameters
    {"W1": W[1], "b1": b[1], ...}, each checked against ``layer_dims``.

    Raises
    ------
    ModelFileError
        Missing, non-regular, truncated, corrupted, foreign or newer-format files, metadata
        of the wrong type or out of range, shapes that break W[l] (n[l], n[l−1]),
        b[l] (n[l], 1), non-finite weights.
    """
    return _read(path, weights=True)


def _fail(path: Any, problem: str) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}")


def _short(value: Any, limit: int = 60) -> str:
    """A value as it may appear in a one-line message."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _open_regular(p: Path) -> tuple[IO[bytes], int]:
    """Open ``p`` for reading if it is a regular file (never a FIFO, a device or a folder,
    which would block, never end or not be a file); returns the file and its size."""
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        raise _fail(p, "no such model file") from None
    except OSError as exc:
        raise _fail(p, f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise _fail(p, "is a folder, not a model file")
    if not stat.S_ISREG(mode):
        raise _fail(p, f"is not a regular file (a {_kind(mode)}); a model file is a file")
    try:
        # non-blocking: should it have become a FIFO since the check, opening does not wait
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _fail(p, f"cannot be read ({exc.strerror or exc})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise _fail(p, f"is not a regular file (a {_kind(info.st_mode)})")
    return os.fdopen(fd, "rb"), info.st_size


def _kind(mode: int) -> str:
    return special_kind(mode)


def _json(p: Any, raw: bytes, what: str) -> Any:
    """Parse JSON that may be hostile: undecodable, malformed or nested without end."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _fail(p, f"not a layerwise model file (its {what} is not valid JSON)") from None
    except RecursionError:
        raise _fail(p, f"its {what} is nested too deeply (at most {MAX_DEPTH} levels)") from None
    # the parser's own limit is the interpreter's recursion limit: hold a fixed, lower one
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _fail(p, f"its {what} is nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return value


def _read(path: str | os.PathLike[str], weights: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    st = _safetensors_numpy()
    p = Path(path)
    fh, size = _open_regular(p)
    with fh:
        if size < 8:
            raise _fail(p, f"not a layerwise model file (only {size} bytes; truncated or empty)")
        prefix = fh.read(8)
        (n_header,) = struct.unpack("<Q", prefix)
        if n_header > size - 8:
            raise _fail(p, "truncated or not a safetensors file (header runs past the end)")
        if n_header > MAX_HEADER_BYTES:
            raise _fail(
                p,
                f"not a layerwise model file (a header of {n_header} bytes; a model file's "
                f"is at most {MAX_HEADER_BYTES})",
            )
        header_bytes = fh.read(n_header)
        header = _json(p, header_bytes, "safetensors header")
        if not isinstance(header, dict):
            raise _fail(p, "not a layerwise model file (header is not a JSON object)")
        meta = header.get("__metadata__")
        if not isinstance(meta, dict) or _KEY not in meta:
            raise _fail(
                p, "a safetensors file, but not one written by layerwise (no layerwise metadata)"
            )
        if not isinstance(meta[_KEY], str):
            raise _fail(p, "corrupted layerwise metadata (not a JSON text)")
        info = _json(p, meta[_KEY].encode("utf-8", "surrogatepass"), "layerwise metadata")
        _check_description(p, info)
        entries = {k: v for k, v in header.items() if k != "__metadata__"}
        data_size = _check_entries(p, info, entries)
        if size != 8 + n_header + data_size:
            raise _fail(
                p,
                f"truncated or padded: {size} bytes where the header describes "
                f"{8 + n_header + data_size}",
            )
        if not weights:
            return info, {}
        raw = prefix + header_bytes + fh.read()
    try:
        tensors = st.load(raw)
    except Exception as exc:  # the container's own errors, whatever their type
        raise _fail(p, f"corrupted weights ({type(exc).__name__}: {_short(str(exc))})") from None
    _check_tensors(p, info, {k: (a.dtype, a.shape) for k, a in tensors.items()})
    for key, arr in tensors.items():
        if not np.isfinite(arr).all():
            raise _fail(p, f"{key} contains NaN or inf")
    return info, tensors


# --------------------------------------------------------------------------- checks


def _expected_shapes(dims: list[int]) -> dict[str, tuple[int, int]]:
    """{"W1": (n[1], n[0]), "b1": (n[1], 1), ...}."""
    shapes = {}
    for l in range(1, len(dims)):
        shapes[f"W{l}"] = (dims[l], dims[l - 1])
        shapes[f"b{l}"] = (dims[l], 1)
    return shapes


def _check_entries(p: Any, info: dict[str, Any], entries: dict[str, Any]) -> int:
    """The arrays the safetensors header declares, checked against ``layer_dims`` and the
    dtype before any is read; returns the size of their data in bytes."""
    shapes = _expected_shapes(info["layer_dims"])
    if set(entries) != set(shapes):
        raise _fail(
            p,
            f"weights {_short(sorted(entries))} do not match layer_dims {info['layer_dims']} "
            f"(expected {_short(sorted(shapes))})",
        )
    itemsize = np.dtype(info["dtype"]).itemsize
    spans = []
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            raise _fail(p, f"corrupted header entry for {key}")
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if entry.get("dtype") != _DTYPES[info["dtype"]]:
            stored = entry.get("dtype")
            shown = _NUMPY_NAMES.get(stored, _short(stored)) if isinstance(stored, str) else stored
            raise _fail(p, f"{key} is {shown} but the metadata says {info['dtype']}")
        if not isinstance(shape, list) or tuple(shape) != shapes[key]:
            shown = tuple(shape) if isinstance(shape, list) else shape
            rule = "(n[l], n[l-1])" if key[0] == "W" else "(n[l], 1)"
            raise _fail(
                p, f"{key} has shape {_short(shown)} but {key[0]}[l] must be {rule} = {shapes[key]}"
            )
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(is_int(o) and o >= 0 for o in offsets)
            or offsets[1] - offsets[0] != math.prod(shapes[key]) * itemsize
        ):
            raise _fail(p, f"corrupted data offsets for {key}: {_short(offsets)}")
        spans.append((offsets[0], offsets[1]))
    spans.sort()
    end = 0
    for start, stop in spans:
        if start != end:
            raise _fail(p, "corrupted data offsets (arrays overlap or leave gaps)")
        end = stop
    return end


def _check_tensors(p: Any, info: dict[str, Any], arrays: dict[str, tuple[Any, Any]]) -> None:
    """Arrays (dtype, shape) by key against ``layer_dims`` and the dtype."""
    shapes = _expected_shapes(info["layer_dims"])
    if set(arrays) != set(shapes):
        raise _fail(
            p,
            f"weights {_short(sorted(arrays))} do not match layer_dims {info['layer_dims']} "
            f"(expected {_short(sorted(shapes))})",
        )
    for key, (dtype, shape) in arrays.items():
        if tuple(shape) != shapes[key]:
            rule = "(n[l], n[l-1])" if key[0] == "W" else "(n[l], 1)"
            raise _fail(
                p, f"{key} has shape {shape} but {key[0]}[l] must be {rule} = {shapes[key]}"
            )
        if np.dtype(dtype).name != info["dtype"]:
            raise _fail(p, f"{key} is {np.dtype(dtype).name} but the metadata says {info['dtype']}")


def _check_description(p: Any, info: Any) -> None:
    """Every field of the layerwise metadata: its JSON type and its range."""
    if not isinstance(info, dict) or info.get("format") != "layerwise":
        raise _fail(p, "not a layerwise model file")
    version = info.get("format_version")
    if not is_int(version):
        raise _fail(p, f"corrupted layerwise metadata (format_version {_short(version)})")
    if version > FORMAT_VERSION:
        raise _fail(
            p,
            f"written in model format {version} by layerwise "
            f"{_short(info.get('layerwise_version'), 20)}, newer than this layerwise "
            f"{__version__} reads (format {FORMAT_VERSION}); upgrade layerwise",
        )
    dims = info.get("layer_dims")
    if not isinstance(dims, list) or len(dims) < 2 or not all(is_int(n) and n > 0 for n in dims):
        raise _fail(p, f"corrupted layerwise metadata (layer_dims {_short(dims)})")
    acts = info.get("activations")
    if not isinstance(acts, list) or len(acts) != len(dims) - 1:
        raise _fail(p, f"corrupted layerwise metadata (need {len(dims) - 1} activations)")
    for a in acts:
        if (
            not isinstance(a, dict)
            or not isinstance(a.get("name"), str)
            or a["name"] not in ACTIVATIONS
        ):
            raise _fail(
                p, f"unknown activation {_short(a)}; this layerwise knows {', '.join(ACTIVATIONS)}"
            )
        config = {k: v for k, v in a.items() if k != "name"}
        if not all(is_number(v) for v in config.values()):
            raise _fail(p, f"activation parameters must be numbers; Received: {_short(a)}")
        try:
            get_activation(a["name"], **config)
        except (TypeError, ValueError) as exc:
            raise _fail(p, f"activation {a['name']}: {_short(str(exc), 120)}") from None
    for key, known in (("loss", LOSSES), ("dtype", _DTYPES), ("init", INITIALIZERS)):
        value = info.get(key)
        if key == "init" and value is None:
            continue  # older files do not record it
        if not isinstance(value, str) or value not in known:
            raise _fail(p, f"unknown {key} {_short(value)}; expected one of {', '.join(known)}")
    keep = info.get("keep_prob")
    if keep is not None and (
        not isinstance(keep, list)
        or len(keep) != len(dims) - 2
        or not all(is_number(k) and 0.0 < k <= 1.0 for k in keep)
    ):
        raise _fail(
            p,
            f"keep_prob must list {len(dims) - 2} keep probabilities in (0, 1], one per hidden "
            f"layer; Received: {_short(keep)}",
        )
    for key in ("extra", "layerwise_version"):
        value = info.get(key)
        kind = dict if key == "extra" else str
        if value is not None and not isinstance(value, kind):
            raise _fail(p, f"corrupted layerwise metadata ({key} {_short(value)})")
    pre = info.get("preprocessing")
    if pre is not None:
        try:
            pre = Preprocessing.from_dict(pre, dims[0])
        except (TypeError, ValueError) as exc:
            raise _fail(p, f"corrupted preprocessing: {_short(str(exc), 160)}") from None
        _check_classes(p, pre.classes, dims[-1], acts[-1]["name"])


def _check_classes(p: Any, classes: Any, n_out: int, output: str) -> None:
    """The class labels must fit the output layer: one per unit of a softmax, [negative,
    positive] for sigmoid units, none for a regression."""
    if classes is None:
        return
    task = task_of(output)
    if task == "regression":
        raise _fail(p, f"corrupted preprocessing: class labels for a {output} (regression) output")
    expected = n_out if task == "multiclass" else 2
    if len(classes) != expected:
        need = "one per output unit" if task == "multiclass" else "[negative, positive]"
        raise _fail(
            p,
            f"corrupted preprocessing: {len(classes)} class labels for an output of "
            f"n[L] = {n_out} {output} units, which needs {expected} ({need})",
        )
