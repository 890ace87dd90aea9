"""Where the command line's commands write: each output checked before any work is done, so
that a mistake costs nothing, writes nothing and destroys nothing (an input overwritten, a
file inside a table's folder, a model under a table's suffix)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ._errors import CLIError

__all__ = [
    "Inputs",
    "MODEL_SUFFIXES",
    "PLOT_FILES",
    "check_output_file",
    "check_model_file",
    "check_outside_folders",
    "check_output_dir",
    "check_plot_dir",
    "file_size",
]

#: (what, path) of a command's inputs, e.g. ("DATA", "train.csv")
Inputs = Sequence[tuple[str, "str | os.PathLike[str] | None"]]


def check_output_file(path: str | os.PathLike[str], option: str, inputs: Inputs = ()) -> Path:
    """An output file that can be written and is none of the command's ``inputs``: its
    folder exists, is a folder and is writable, it is not itself a folder, and it is not the
    same file as an input (after links are resolved). Checked before any work is done, so a
    mistake costs nothing, writes nothing and destroys nothing."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise CLIError(f"{option} {target} is a folder; give a file name")
    _check_writable_folder(folder, f"{option} {target}: the folder {folder}")
    for what, source in inputs:
        if source is not None and _same_file(target, source):
            raise CLIError(
                f"{option} {target} is the {what} itself ({source}); writing it would destroy "
                f"the {what}: give another file name"
            )
    check_outside_folders(target, option, inputs)
    return target


#: the suffixes a model file ``train --out`` writes may have: safetensors' own, its short
#: form, or none (a bare name, as scripts write it); any other says the file is something else
MODEL_SUFFIXES = (".safetensors", ".st", "")


def check_model_file(path: str | os.PathLike[str], option: str, inputs: Inputs = ()) -> Path:
    """An output file (:func:`check_output_file`) for a model: its suffix is one of
    :data:`MODEL_SUFFIXES`, so that a model never lands where a table (``--out
    d/p1.parquet``), an ONNX graph or a plot is expected."""
    target = check_output_file(path, option, inputs)
    if target.suffix.lower() not in MODEL_SUFFIXES:
        raise CLIError(
            f"{option} {target}: a model file is written as {MODEL_SUFFIXES[0]}, not "
            f"{target.suffix}; give a name such as {target.with_suffix(MODEL_SUFFIXES[0]).name}"
        )
    return target


def check_outside_folders(target: str | os.PathLike[str], option: str, inputs: Inputs) -> None:
    """Refuse an output inside an input that is a folder (a table kept as a folder of
    files), or equal to one of the folder's files: every file there is read as the table, so
    an output there would replace an input or join the table on the next run. Paths are
    compared resolved, symbolic links followed (a link into the folder, a file of the folder
    linked from elsewhere)."""
    real = Path(os.path.realpath(target))
    for what, source in inputs:
        if source is None or not os.path.isdir(source):
            continue
        folder = Path(os.path.realpath(source))
        if real == folder or folder in real.parents:
            raise CLIError(
                f"{option} {target} is inside the {what} folder {source}, whose every table "
                f"file is read as the data: write it outside that folder"
            )
        if any(_same_file(target, name) for name in _folder_files(source)):
            raise CLIError(
                f"{option} {target} is a file of the {what} folder {source} (through a "
                f"symbolic link): writing it would destroy the {what}; give another file name"
            )


def _folder_files(folder: str | os.PathLike[str]) -> list[str]:
    """The table files of a folder (:func:`layerwise.tables.formats.folder_files`), none when
    it holds none."""
    from ..tables.formats import folder_files

    try:
        return folder_files(os.fspath(folder))[0]
    except (ValueError, OSError):
        return []


#: the plots the commands may write into ``--plot-dir``
PLOT_FILES = ("cost_curve.png", "confusion_matrix.png", "decision_boundary.png")


def check_output_dir(
    path: str | os.PathLike[str], option: str, writes: Sequence[str] = (), inputs: Inputs = ()
) -> Path:
    """An existing, writable folder, none of whose files the command writes (``writes``) is
    one of its ``inputs``."""
    folder = Path(path)
    if not folder.is_dir():
        raise CLIError(f"{option} {folder} is not an existing folder")
    _check_writable_folder(folder, f"{option} {folder}")
    for name in writes:
        check_output_file(folder / name, option, inputs)
    return folder


def check_plot_dir(path: str | os.PathLike[str], inputs: Inputs = ()) -> Path:
    """A folder for the plots: an existing, writable one none of whose plot files is one of
    the ``inputs``, or one that does not exist yet under a writable folder (it is created when
    the plots are written). Checked before any work: a path through a file is refused."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise CLIError(f"--plot-dir {folder} is a file, not a folder")
    parent = folder
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise CLIError(f"--plot-dir {folder}: {parent} is a file, not a folder")
    check_outside_folders(folder, "--plot-dir", inputs)
    where = f"--plot-dir {folder}" + ("" if parent == folder else f": the folder {parent}")
    _check_writable_folder(parent, where)
    if parent == folder:
        for name in PLOT_FILES:
            check_output_file(folder / name, "--plot-dir", inputs)
    return folder


def _check_writable_folder(folder: Path, what: str) -> None:
    if not folder.is_dir():
        raise CLIError(f"{what} does not exist" if not folder.exists() else f"{what} is a file")
    # a real probe (an unnamed temporary file, gone when closed) answers for permissions, a
    # read-only file system and special folders alike, where os.access can be wrong (root)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise CLIError(f"{what} cannot be written ({exc.strerror or exc})") from None


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist (a built-in data set's name, a new file)
        return False


def file_size(path: str | os.PathLike[str]) -> str:
    """``"12.3 kB"``."""
    n = Path(path).stat().st_size
    return f"{n} bytes" if n < 1000 else f"{n / 1000:.1f} kB"
