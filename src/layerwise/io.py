"""Model files: safetensors with the weights under W1, b1, ... and a JSON metadata block.

The file is the safetensors container (a length-prefixed JSON header, then raw little-endian
arrays): nothing in it is ever unpickled or executed. The header's ``__metadata__`` holds one
entry, ``layerwise``, a JSON document with the format version, the layerwise version,
``layer_dims``, the activations (name and parameters), the loss, the dtype, and whatever the
caller adds (class labels, feature names, preprocessing statistics, training configuration,
final metrics) under ``"extra"``.

Writing is atomic: the bytes go to a temporary file in the same folder, are flushed to disk,
then renamed over the target, so a crash or Ctrl-C never leaves a half-written file and never
destroys the previous one. Loading validates everything and raises :class:`ModelFileError`
(a ``ValueError``) with one line naming the file and the problem.

Needs the ``io`` extra: ``pip install 'layerwise[io]'``.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._optional import jsonable, require
from ._typing import Array
from ._version import __version__
from .activations import ACTIVATIONS
from .losses import LOSSES
from .preprocessing import Preprocessing

__all__ = [
    "FORMAT_VERSION",
    "ModelFileError",
    "write_model",
    "read_model",
    "read_metadata",
    "atomic_write_bytes",
]

#: Version of the metadata layout; files with a newer one are refused.
FORMAT_VERSION = 1
_KEY = "layerwise"


class ModelFileError(ValueError):
    """A model file that is missing, truncated, corrupted, foreign or too new."""


def _safetensors_numpy() -> Any:
    return require("safetensors.numpy", "io", "model files")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {target}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # the permissions of an ordinary new file
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_model(
    path: str | os.PathLike[str], description: Mapping[str, Any], params: Mapping[str, Array]
) -> None:
    """Write a model file, atomically: the arrays of ``params`` ({"W1": W[1], "b1": b[1],
    ...}) as tensors, and ``description`` (a network's ``_describe()``: structure,
    ``preprocessing``, and ``extra``, JSON-serializable) in the metadata."""
    st = _safetensors_numpy()
    tensors = {key: np.ascontiguousarray(value) for key, value in params.items()}
    header = {
        "format": "layerwise",
        "format_version": FORMAT_VERSION,
        "layerwise_version": __version__,
        **jsonable(dict(description)),
    }
    try:
        text = json.dumps(header, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"model metadata must be JSON-serializable: {exc}") from None
    data = st.save(tensors, metadata={_KEY: text})
    atomic_write_bytes(path, data)


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The layerwise metadata of a model file, validated, without loading the weights."""
    header, _ = _read(path, weights=False)
    return header


def _fail(path: Any, problem: str) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}")


def _read(path: str | os.PathLike[str], weights: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    st = _safetensors_numpy()
    p = Path(path)
    if not p.exists():
        raise _fail(p, "no such model file")
    if p.is_dir():
        raise _fail(p, "is a folder, not a model file")
    raw = p.read_bytes()
    if len(raw) < 8:
        raise _fail(p, f"not a layerwise model file (only {len(raw)} bytes; truncated or empty)")
    (n_header,) = struct.unpack("<Q", raw[:8])
    if n_header > len(raw) - 8:
        raise _fail(p, "truncated or not a safetensors file (header runs past the end)")
    try:
        header_json = json.loads(raw[8 : 8 + n_header].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _fail(p, "not a layerwise model file (no readable safetensors header)") from None
    if not isinstance(header_json, dict):
        raise _fail(p, "not a layerwise model file (header is not a JSON object)")
    meta = header_json.get("__metadata__") or {}
    if _KEY not in meta:
        raise _fail(
            p, "a safetensors file, but not one written by layerwise (no layerwise metadata)"
        )
    try:
        info = json.loads(meta[_KEY])
    except (TypeError, json.JSONDecodeError):
        raise _fail(p, "corrupted layerwise metadata (not valid JSON)") from None
    _check_header(p, info)
    tensors: dict[str, Any] = {}
    if weights:
        try:
            tensors = st.load(raw)
        except Exception as exc:
            raise _fail(p, f"corrupted weights ({type(exc).__name__}: {exc})") from None
    return info, tensors


def _check_header(p: Path, info: Any) -> None:
    if not isinstance(info, dict) or info.get("format") != "layerwise":
        raise _fail(p, "not a layerwise model file")
    version = info.get("format_version")
    if not isinstance(version, int):
        raise _fail(p, "corrupted layerwise metadata (no format_version)")
    if version > FORMAT_VERSION:
        raise _fail(
            p,
            f"written in model format {version} by layerwise {info.get('layerwise_version')}, "
            f"newer than this layerwise {__version__} reads (format {FORMAT_VERSION}); "
            f"upgrade layerwise",
        )
    dims = info.get("layer_dims")
    if (
        not isinstance(dims, list)
        or len(dims) < 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in dims)
    ):
        raise _fail(p, f"corrupted layerwise metadata (layer_dims {dims!r})")
    acts = info.get("activations")
    if not isinstance(acts, list) or len(acts) != len(dims) - 1:
        raise _fail(p, f"corrupted layerwise metadata (need {len(dims) - 1} activations)")
    for a in acts:
        if not isinstance(a, dict) or a.get("name") not in ACTIVATIONS:
            raise _fail(
                p, f"unknown activation {a!r}; this layerwise knows {', '.join(ACTIVATIONS)}"
            )
    if info.get("loss") not in LOSSES:
        raise _fail(p, f"unknown loss {info.get('loss')!r}")
    if info.get("dtype") not in ("float32", "float64"):
        raise _fail(p, f"unsupported dtype {info.get('dtype')!r}")


def read_model(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Array]]:
    """Read a model file written by :func:`write_model`: its description and its parameters
    {"W1": W[1], "b1": b[1], ...}, each checked against ``layer_dims``.

    Raises
    ------
    ModelFileError
        Missing, truncated, corrupted, foreign or newer-format files, shapes that break
        W[l] (n[l], n[l−1]), b[l] (n[l], 1), non-finite weights.
    """
    info, tensors = _read(path, weights=True)
    p = Path(path)
    dims = info["layer_dims"]
    L = len(dims) - 1
    expected = {f"{k}{l}" for l in range(1, L + 1) for k in "Wb"}
    if set(tensors) != expected:
        raise _fail(
            p,
            f"weights {sorted(tensors)} do not match layer_dims {dims} "
            f"(expected {sorted(expected)})",
        )
    # every stored array is checked against layer_dims before anything is allocated for it
    for l in range(1, L + 1):
        for k, shape in (("W", (dims[l], dims[l - 1])), ("b", (dims[l], 1))):
            arr = tensors[f"{k}{l}"]
            if arr.shape != shape:
                rule = "(n[l], n[l-1])" if k == "W" else "(n[l], 1)"
                raise _fail(p, f"{k}{l} has shape {arr.shape} but {k}[l] must be {rule} = {shape}")
            if arr.dtype.name != info["dtype"]:
                raise _fail(p, f"{k}{l} is {arr.dtype.name} but the metadata says {info['dtype']}")
            if not np.isfinite(arr).all():
                raise _fail(p, f"{k}{l} contains NaN or inf")
    if info.get("preprocessing") is not None:
        try:
            Preprocessing.from_dict(info["preprocessing"], dims[0])
        except ValueError as exc:
            raise _fail(p, f"corrupted preprocessing: {exc}") from None
    return info, tensors
