"""One coordinator per directory: ``DIR/.coordinator/run.lock``, an advisory ``flock``.

Two ``run`` loops on one directory would repeat each other's broadcasts (each
keeps its own idea of what was already said). The lock is held for the life
of the process — the kernel drops it when the process dies, even by
``kill -9``, so a crashed coordinator never leaves a stale lock — and the file
holds the holder's pid, so the second one can say whom to stop.

The lock file is opened like every other write (``files.fsio``): through
folder descriptors that follow no link, with ``O_NOFOLLOW | O_NONBLOCK``, and
only a regular file is locked.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

from coordinator_tui.files.fsio import open_folder

LOCK_FILE = "run.lock"
PRIVATE_FOLDER = ".coordinator"
_FLAGS = (
    os.O_RDWR
    | os.O_CREAT
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class RunLocked(Exception):
    """Another process holds the lock; ``pid`` is its pid when the file says it."""

    def __init__(self, pid: int | None) -> None:
        who = f"pid {pid}" if pid is not None else "another process"
        super().__init__(f"another coordinator ({who}) is already running on this directory")
        self.pid = pid


class RunLock:
    """A held lock; ``release()`` (or the process ending) lets the next one in."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(root: Path) -> RunLock:
    """Take the lock or raise ``RunLocked`` naming the holder; ``OSError`` when the lock
    file cannot be made (a linked ``.coordinator`` is ``fsio.UnsafeFolder``)."""
    dir_fd = open_folder(root, PRIVATE_FOLDER)
    try:
        fd = os.open(LOCK_FILE, _FLAGS, 0o666, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{PRIVATE_FOLDER}/{LOCK_FILE} is not a regular file")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(_holder(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except BaseException:
        os.close(fd)
        raise
    return RunLock(fd)


def _holder(fd: int) -> int | None:
    """The pid the holder wrote (it may be writing it this instant: then None)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and len(text) <= 10 else None


def held(root: Path) -> bool:
    """Whether a ``run`` holds the lock now, asked without taking it from anyone who wants
    it: a lock file naming a live pid, whose shared lock is refused. (A pid reused by
    another process costs a shared lock held for two system calls, the only moment a
    ``run`` starting then could find the lock taken.)"""
    try:
        dir_fd = open_folder(root, PRIVATE_FOLDER, create=False)
    except OSError:
        return False
    try:
        fd = os.open(LOCK_FILE, os.O_RDONLY | (_FLAGS & ~(os.O_RDWR | os.O_CREAT)), dir_fd=dir_fd)
    except OSError:
        return False
    finally:
        os.close(dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        pid = _holder(fd)
        if pid is not None and not _alive(pid):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True
