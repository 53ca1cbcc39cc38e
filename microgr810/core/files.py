"""The one way microgr810 writes a file: whole or not at all.

`write_atomic(path, data)` and `atomic_file(path)` write to a fresh temporary file in the target's
folder, flush it to disk, and rename it over the target (os.replace is atomic). A failure or a
Ctrl-C at any point leaves the old file byte-for-byte and no temporary file behind.

Refused with OutputRefused (a ValueError), before anything is written:
- a target that is a symbolic link, a FIFO, a device or a socket (nothing is written through it or over it);
- a target that is a folder;
- a missing folder outside the current directory: missing folders are made inside it; elsewhere only an
  output folder the user named (`output_folder`, e.g. `train -o DIR`) is made, and only when its parent exists.
An OSError while writing names the user's path, never the temporary file's.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["write_atomic", "atomic_file", "output_folder", "check_output", "OutputRefused"]


class OutputRefused(ValueError):
    """A file or folder microgr810 will not write to; the message names it and says why."""


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write `data` (str: as UTF-8) to `path` atomically; the path written."""
    with atomic_file(path) as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """A binary file to write into; on leaving the block without error it replaces `path`."""
    target = _checked_target(Path(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")  # O_EXCL: a fresh name
        with _temp_file(fd) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file 0600: give it the old file's mode, or the one a plain open() would
        os.chmod(tmp, _mode(target))
        _checked_target(target)  # nothing planted meanwhile (a link or a FIFO) gets replaced
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        if e.filename not in (None, tmp):  # another file's error (one written inside this block): as it is
            raise
        raise OSError(e.errno, e.strerror or str(e), str(path)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def output_folder(path: str | os.PathLike) -> Path:
    """`path` as a folder files can be written in: made if missing (anywhere inside the current directory;
    elsewhere only when its parent exists), and tried with a freshly, exclusively created file that is removed."""
    folder = Path(path)
    if folder.is_symlink() and not folder.is_dir():
        raise OutputRefused(f"the output folder {folder} is a symbolic link to no folder; name a folder")
    if folder.exists() and not folder.is_dir():
        raise OutputRefused(f"the output folder {folder} is a file; name a folder (it is made if missing)")
    _make_folder(folder, f"cannot write to the output folder {folder}", named=True)
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".microgr810-", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OSError(e.errno, f"cannot write to the output folder: {e.strerror}", str(folder)) from None
    return folder


def check_output(path: str | os.PathLike) -> Path:
    """`path` if a file may be written there (see the module's refusals), before a long job makes its content."""
    return _checked_target(Path(path))


def _temp_file(fd: int) -> IO[bytes]:
    return os.fdopen(fd, "wb")


def _checked_target(target: Path) -> Path:
    """`target` if a regular file may be put there; OutputRefused saying why not."""
    if str(target) == "-":
        raise OutputRefused("'-' names no file here: give a file name (standard output is not written to)")
    try:
        st = os.lstat(target)
    except (FileNotFoundError, NotADirectoryError):
        _make_folder(target.parent, f"cannot write {target}")
        return target
    if stat.S_ISLNK(st.st_mode):
        raise OutputRefused(f"{target} is a symbolic link; microgr810 writes no file through a link: name the file")
    if stat.S_ISDIR(st.st_mode):
        raise OutputRefused(f"{target} is a folder; name the file to write, e.g. {target / 'out'}")
    if not stat.S_ISREG(st.st_mode):
        raise OutputRefused(f"{target} is not a regular file (a FIFO, device or socket); name a plain file")
    return target


def _make_folder(folder: Path, what: str, named: bool = False) -> None:
    """Make a missing folder if it lies inside the current directory, or if it is a folder the user named
    (`named`) whose parent exists; else refuse naming the first missing folder."""
    if folder.is_dir():
        return
    if named and folder.parent.is_dir() and not folder.is_symlink() and not folder.exists():
        try:
            folder.mkdir()
        except OSError as e:
            raise OSError(e.errno, f"cannot make the folder: {e.strerror}", str(folder)) from None
        return
    existing = folder
    while not (existing.exists() or existing.is_symlink()) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputRefused(f"{what}: {existing} is a file, not a folder")
    here = Path.cwd().resolve()
    inside = folder.resolve()
    if inside != here and here not in inside.parents:
        missing = folder
        while not missing.parent.exists() and missing.parent != missing:
            missing = missing.parent
        raise OutputRefused(
            f"{what}: the folder {missing} does not exist (microgr810 makes missing folders only inside "
            f"the current directory); make it first"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(e.errno, f"cannot make the folder: {e.strerror}", str(folder)) from None


def _mode(target: Path) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
