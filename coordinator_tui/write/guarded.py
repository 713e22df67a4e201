"""Folders to write into, opened so that no link can lead a write out of the directory.

Everything this program creates or appends inside the coordination directory
is opened relative to a directory descriptor: the root is opened as the user
named it, then each folder below it with ``O_DIRECTORY | O_NOFOLLOW`` through
the parent's descriptor (``dir_fd``), creating missing folders with
``mkdir(dir_fd=...)``. Nothing is resolved by path again afterwards, so a
folder swapped for a link between a check and the write cannot redirect it.

A folder on the way that is a symbolic link — even one pointing inside the
directory — is refused with ``UnsafeFolder`` (an ``OSError``, so every writer
already reports it in one line): telling a link that stays inside from one
that leads out would mean resolving it, which is the race this module exists
to avoid. Files themselves are created with ``O_NOFOLLOW``/``O_EXCL`` by the
callers (``write.atomic``), or appended to with ``O_NOFOLLOW | O_NONBLOCK``
and checked to be regular files (a FIFO in place of the history must not
block ``run``).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_APPEND_FLAGS = (
    os.O_WRONLY
    | os.O_APPEND
    | os.O_CREAT
    | _NOFOLLOW
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class UnsafeFolder(OSError):
    """A folder we would write into is a symbolic link or not a folder: refused."""

    def __init__(self, relative: str, why: str) -> None:
        super().__init__(errno.ELOOP, why, relative)
        self.relative = relative
        self.why = why

    def __str__(self) -> str:
        return f"refused to write into {self.relative}: {self.why}"


LINKED = (
    "it is a symbolic link (writes never follow links, which could lead out of the "
    "coordination directory)"
)


def split(relative: str) -> list[str]:
    """The folder names of a ``/``-separated relative path; ``..`` and empty parts refused."""
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise UnsafeFolder(relative, "'..' is not allowed in a path we write")
    return parts


def open_root(root: Path | str) -> int:
    """The root as the user named it (created if missing, as the writers always did)."""
    try:
        return os.open(root, _DIR_FLAGS)
    except FileNotFoundError:
        os.makedirs(root, exist_ok=True)
        return os.open(root, _DIR_FLAGS)


def open_folder(root: Path | str, relative: str, create: bool = True) -> int:
    """A descriptor for the folder ``root/relative``; every step below the root is opened
    without following a link. The caller closes it."""
    fd = open_root(root)
    walked: list[str] = []
    try:
        for part in split(relative):
            walked.append(part)
            child = _open_child(fd, part, "/".join(walked), create)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_child(parent: int, name: str, shown: str, create: bool) -> int:
    try:
        return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent)
    except FileNotFoundError:
        if not create:
            raise
    except OSError as error:
        raise _unsafe(error, parent, name, shown) from None
    try:
        os.mkdir(name, 0o777, dir_fd=parent)
    except FileExistsError:
        pass  # another writer made it meanwhile (or swapped a link in: refused below)
    try:
        return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent)
    except OSError as error:
        raise _unsafe(error, parent, name, shown) from None


def _unsafe(error: OSError, parent: int, name: str, shown: str) -> OSError:
    if error.errno not in (errno.ELOOP, errno.ENOTDIR):
        return error
    try:
        mode = os.lstat(name, dir_fd=parent).st_mode
    except OSError:
        return error
    if stat.S_ISLNK(mode):
        return UnsafeFolder(shown, LINKED)
    return UnsafeFolder(shown, "it is not a folder")


def append_in(root: Path | str, relative: str, data: bytes) -> None:
    """Append ``data`` to ``root/relative`` in one ``write``: never through a link, never
    blocking, and only to a regular file (anything else is an ``OSError`` naming it)."""
    folder, _, name = relative.rpartition("/")
    dir_fd = open_folder(root, folder)
    try:
        fd = os.open(name, _APPEND_FLAGS, 0o666, dir_fd=dir_fd)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENXIO):
            raise OSError(
                error.errno, f"{relative} is not a regular file we can append to"
            ) from None
        raise
    finally:
        os.close(dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{relative} is not a regular file; not appended to")
        os.write(fd, data)
    finally:
        os.close(fd)
