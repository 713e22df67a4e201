"""Guarded reads: a regular file, opened once, verified, size-capped, never blocking.

Every read of the coordination directory — the sessions' files and this
program's own state in ``.coordinator/`` alike — goes through ``read_bytes``:

- opened with ``O_NONBLOCK | O_NOCTTY``, so a FIFO cannot hang the reader;
- checked with ``fstat`` on the open descriptor: only a regular file is read,
  whatever was swapped in after a listing (a device such as ``/dev/zero`` is
  never read, so it cannot grow memory);
- at most ``max_bytes`` plus one are read, so a file growing meanwhile is refused;
- with ``within`` (the resolved root), the descriptor is verified to name a
  file inside it *after* the open (``verify_inside``): nothing is resolved again
  between the check and the use, so a link flipped mid-read is refused.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from coordinator_tui.files.timeparse import clamp_epoch

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def read_bytes(
    path: Path | str, max_bytes: int, within: str | None = None, folders: Folders | None = None
) -> tuple[bytes | None, str | None, float, int]:
    """Read a regular file of at most ``max_bytes``; (data, error, mtime, size).

    The file is opened non-blocking and checked with ``fstat`` on the open
    descriptor, so a FIFO (or one swapped in after a listing) cannot hang the
    reader and a device is never read. With ``within`` (a resolved folder), the
    file must lie inside that folder: a symbolic link pointing out is refused
    before it is opened, and whatever was opened is verified afterwards from the
    descriptor itself (``verify_inside``), so a link flipped between the check and
    the open, or a folder on the way that is a link out, is refused before a byte
    is read. In a shared directory, a link to a file only the viewer can read must
    not end up on screen or in a report written back into the directory.
    """
    opened = folders.open(str(path)) if folders is not None and within is not None else None
    fd, reason = opened if opened is not None else open_checked(path, within)
    if fd is None:
        return None, reason, 0.0, 0
    try:
        return _read_open(fd, max_bytes)
    except OSError as error:
        return None, os_reason(error), 0.0, 0
    finally:
        os.close(fd)


_ATTRIBUTES = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOCTTY", 0)
_OPENAT = os.open in os.supports_dir_fd


class Folders:
    """Descriptors of folders verified to lie inside ``within``, held for one scan.

    A file is opened relative to its folder's descriptor (``openat``) with
    ``O_NOFOLLOW``: the folder was verified once, from its own descriptor
    (``verify_inside``), and a name without a slash resolves in that folder and
    nowhere else, so the file needs no check of its own. That is one ``readlink`` and
    one walk of the whole path fewer per file: a scan of 10,000 sessions opens its
    files in half the time. A file that is itself a link (``ELOOP``) and a folder that
    cannot be opened or verified take ``open_checked``, with its reasons. Used from
    one thread; ``close`` (or ``with``) when the scan ends.
    """

    def __init__(self, within: str) -> None:
        self.within = within
        self._fds: dict[str, int | None] = {}

    def open(self, path: str) -> tuple[int | None, str | None] | None:
        """(descriptor, None) or (None, reason) for ``path``; None when this way cannot
        tell (a link, an unverified folder): then ``open_checked`` decides."""
        folder, _, name = path.rpartition(os.sep)
        if not _OPENAT or not folder or not name:
            return None
        folder_fd = self._fds.get(folder, -1)
        if folder_fd == -1:
            folder_fd = self._fds[folder] = self._verified(folder)
        if folder_fd is None:
            return None
        try:
            return os.open(name, _OPEN_FLAGS | _NOFOLLOW, dir_fd=folder_fd), None
        except OSError as error:
            if error.errno == errno.ELOOP:
                return None
            return None, os_reason(error)

    def _verified(self, folder: str) -> int | None:
        try:
            fd = os.open(folder, _ATTRIBUTES)
        except OSError:
            return None
        if verify_inside(fd, folder, self.within) is None:
            return fd
        os.close(fd)
        return None

    def close(self) -> None:
        for fd in self._fds.values():
            if fd is not None:
                os.close(fd)
        self._fds.clear()

    def __enter__(self) -> Folders:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


OUTSIDE_LINK = "symbolic link to a file outside the coordination directory"
OUTSIDE_FOLDER = "lies outside the coordination directory (a folder on its path is a link out)"


def open_checked(path: Path | str, within: str | None) -> tuple[int | None, str | None]:
    """A descriptor for ``path`` (or None and the reason); with ``within``, one that is
    verified to name a file inside that folder."""
    if within is None:
        try:
            return os.open(path, _OPEN_FLAGS), None
        except OSError as error:
            return None, os_reason(error)
    linked = False
    try:
        fd = os.open(path, _OPEN_FLAGS | _NOFOLLOW)
    except OSError as error:
        if error.errno != errno.ELOOP:
            return None, os_reason(error)
        # A link (or a loop). Approve its target first, so nothing outside is opened
        # in the ordinary case; the descriptor is verified after the open regardless.
        if not is_inside(os.path.realpath(path), within):
            return None, OUTSIDE_LINK
        linked = True
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError as again:
            return None, os_reason(again)
    problem = verify_inside(fd, path, within)
    if problem is None:
        return fd, None
    os.close(fd)
    return None, OUTSIDE_LINK if linked else problem


def is_inside(path: str, within: str) -> bool:
    return path == within or path.startswith(within.rstrip(os.sep) + os.sep)


_PROC_FD = "/proc/self/fd/"
_DELETED = " (deleted)"


def verify_inside(fd: int, path: Path | str, within: str) -> str | None:
    """None when the open descriptor ``fd`` names a file inside ``within``, else why not.

    The kernel's own name for the descriptor (``/proc/self/fd/N``) is what was
    really opened, whatever a link said a moment earlier. Without ``/proc``, the
    path is resolved and its inode compared with the descriptor's: a file swapped
    in between does not match.
    """
    try:
        where = os.readlink(f"{_PROC_FD}{fd}")
    except OSError:
        return _verify_by_inode(fd, path, within)
    if where.endswith(_DELETED):
        where = where[: -len(_DELETED)]  # removed since it was opened: where it was still counts
    return None if is_inside(where, within) else OUTSIDE_FOLDER


def _verify_by_inode(fd: int, path: Path | str, within: str) -> str | None:
    real = os.path.realpath(path)
    if not is_inside(real, within):
        return OUTSIDE_FOLDER
    try:
        named, opened = os.stat(real), os.fstat(fd)
    except OSError as error:
        return os_reason(error)
    if (named.st_dev, named.st_ino) != (opened.st_dev, opened.st_ino):
        return "file changed while it was opened (a link was swapped); not read"
    return None


def _read_open(fd: int, max_bytes: int) -> tuple[bytes | None, str | None, float, int]:
    info = os.fstat(fd)
    mtime = clamp_epoch(info.st_mtime)
    if not stat.S_ISREG(info.st_mode):
        return None, f"not a regular file ({_file_type(info.st_mode)})", mtime, 0
    if info.st_size > max_bytes:
        return None, _too_large(info.st_size, max_bytes), mtime, info.st_size
    # Ask for one byte more than fstat promised: fewer back means the whole file
    # was read in one call (the common case); as many means it grew meanwhile.
    limit = max_bytes + 1
    data = os.read(fd, min(info.st_size + 1, limit))
    if info.st_size < len(data) < limit:
        chunks = [data]
        remaining = limit - len(data)
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    if len(data) > max_bytes:
        return None, _too_large(len(data), max_bytes), mtime, len(data)
    return data, None, mtime, len(data)


def _too_large(size: int, limit: int) -> str:
    return f"file is {size:,} bytes, over the {limit:,}-byte limit"


def os_reason(error: OSError) -> str:
    """The system's words for a failure ("Permission denied"), without the path it names."""
    return error.strerror or error.__class__.__name__


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"
