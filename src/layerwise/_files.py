"""Writing files so that nothing is lost or half-written, and reading only regular files.

:func:`atomic_write_bytes` writes every file layerwise makes (model files, ONNX graphs,
predictions, tables, plots): the bytes go to a temporary file in the target's folder, are
flushed to disk, and the temporary file is renamed over the target in one step. So:

- a crash, a Ctrl-C or a full disk never leaves a half-written target, and never destroys the
  previous file (concurrent saves leave one whole file: the last rename wins);
- the new file keeps the permission bits of the file it replaces (a model saved as 600 stays
  600); a new file gets those of any new file (0666 less the umask, applied by the kernel: the
  process umask is never changed, so other threads' files are not affected);
- a save that was killed (SIGKILL, power loss) leaves its temporary file behind; the names are
  ``.<target>.<pid>.<random>.layerwise-tmp``, and the next save into that folder removes those
  whose process is no longer running on this machine.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

__all__ = ["atomic_write_bytes", "TEMP_SUFFIX", "regular_file", "special_kind"]

#: what every temporary file of :func:`atomic_write_bytes` ends with
TEMP_SUFFIX = ".layerwise-tmp"
_TEMP_NAME = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{16}" + re.escape(TEMP_SUFFIX) + "$")


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file in the same folder, flushed,
    then renamed over ``path``), keeping the permission bits of the file it replaces.

    Raises
    ------
    FileNotFoundError
        When the folder does not exist.
    OSError
        When the folder cannot be written, or ``path`` is a folder.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {target}: folder {folder} does not exist")
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {target}: it is a folder")
    _remove_stale_temporaries(folder)
    mode = None
    with contextlib.suppress(OSError):
        info = os.stat(target)
        if stat.S_ISREG(info.st_mode):
            mode = stat.S_IMODE(info.st_mode)
    tmp = folder / f".{target.name}.{os.getpid()}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
    # created with 0o666: the kernel applies the umask, as for any new file
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)  # the replaced file's permission bits
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (where the platform allows opening a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files of killed saves: ours by name, of processes that are gone."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _TEMP_NAME.match(entry.name)
            if match is None or _running(int(match.group(1))):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True


# --------------------------------------------------------------------------- reading


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is (``mode``: its ``st_mode``)."""
    kinds = (
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


def regular_file(path: str | os.PathLike[str], what: str = "a table's file") -> os.stat_result:
    """``path``'s ``os.stat`` when it is a regular file (through any symbolic links), checked
    without opening it: a FIFO would block the reader and a device never end.

    Raises
    ------
    ValueError
        Naming the file and why: missing, a broken symbolic link (and where it points), a loop
        of symbolic links, not a regular file (a FIFO, a device, a socket, a folder), or the
        system's reason; and what to do.
    """
    name = os.fspath(path)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        if os.path.islink(name):
            raise ValueError(
                f"cannot read {name}: it is a symbolic link to {_link_target(name)!r}, which "
                f"does not exist (a broken link): restore that file, or remove the link"
            ) from None
        raise ValueError(f"cannot read {name}: no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ValueError(
                f"cannot read {name}: it is a loop of symbolic links (it points to "
                f"{_link_target(name)!r}, which leads back to itself): point the link at a "
                f"file, or remove it"
            ) from None
        raise ValueError(f"cannot read {name}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(
            f"cannot read {name}: it is a {special_kind(info.st_mode)}, not a regular file "
            f"(reading it could block or never end); {what} must be a regular file: move it "
            f"out of the way"
        )
    return info


def _link_target(name: str) -> str:
    try:
        return os.readlink(name)
    except OSError:  # pragma: no cover - raced away
        return "?"
