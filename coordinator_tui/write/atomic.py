"""Atomic file writes: a temporary file in the same folder, fsync, then rename.

Everything is done relative to the folder's descriptor (``write.guarded``):
inside the coordination directory, ``replace_in`` and ``create_new_in`` open
each folder without following a link, so no write can be led out of it.

Readers see the old file or the new one, never half of one (``kill -9``
mid-write leaves only a hidden ``.tmp-*`` file, which the store ignores and the
next write of the same folder does not trip over). ``create_new`` never
replaces an existing file: it links the finished temporary file to its name,
which fails if the name is taken, so two writers cannot overwrite each other.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from pathlib import Path

from coordinator_tui.write.guarded import open_folder

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)

_umask_lock = threading.Lock()
_umask: int | None = None


def _umask_from_proc() -> int | None:
    """The umask as Linux reports it in ``/proc/self/status``, read without changing it;
    None where the system does not say."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _read_umask() -> int:
    """The process umask. Where ``/proc`` does not tell, it can only be read by setting it
    and putting it back, which races with other threads: so this runs once, under a lock,
    at the first write rather than at import."""
    mask = _umask_from_proc()
    if mask is None:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def current_umask() -> int:
    """The umask, read once (it is process-wide and this program never changes it)."""
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = _read_umask()
        return _umask


_TEMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _write_temp(dir_fd: int, data: bytes) -> str:
    """A hidden temporary file in the folder ``dir_fd`` holding ``data``, fsynced; its name.
    Created with ``O_EXCL | O_NOFOLLOW``: never an existing file, never through a link."""
    for _ in range(100):
        temp = f".tmp-{os.urandom(8).hex()}.part"  # secrets.token_hex, without its imports
        try:
            fd = os.open(temp, _TEMP_FLAGS, 0o600, dir_fd=dir_fd)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary name")
    try:
        with os.fdopen(fd, "wb") as handle:
            # Created 0600; the finished file gets the mode open() would give it, so the
            # other sessions sharing the directory can read what we write.
            os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        raise
    return temp


def _fsync_folder(dir_fd: int) -> None:
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)


def _named(error: OSError, path: Path) -> OSError:
    """The same error (its errno gives the same class) naming ``path``, the folder or file
    the caller asked for, instead of this module's hidden temporary file."""
    if error.errno is None:
        return error
    return OSError(error.errno, error.strerror, str(path))


def _replace_at(dir_fd: int, name: str, data: bytes, where: Path) -> None:
    try:
        temp = _write_temp(dir_fd, data)
    except OSError as error:
        raise _named(error, where.parent) from error
    try:
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        if isinstance(error, OSError):
            raise _named(error, where) from error
        raise
    _fsync_folder(dir_fd)


def _create_at(dir_fd: int, name: str, data: bytes, max_attempts: int, where: Path) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    try:
        temp = _write_temp(dir_fd, data)
    except OSError as error:
        raise _named(error, where) from error
    try:
        for attempt in range(1, max_attempts + 1):
            candidate = name if attempt == 1 else f"{stem}-{attempt}{dot}{extension}"
            try:
                os.link(
                    temp, candidate, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False
                )
            except FileExistsError:
                continue
            except OSError as error:
                raise _named(error, where) from error
            _fsync_folder(dir_fd)
            return candidate
        raise FileExistsError(f"no free name for {name} after {max_attempts} tries")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)


def _name_of(relative: str) -> tuple[str, str]:
    folder, _, name = relative.rpartition("/")
    if not name or name in (".", ".."):
        raise ValueError(f"not a file name: {relative!r}")
    return folder, name


def replace_in(root: Path, relative: str, data: bytes) -> Path:
    """Write ``root/relative`` atomically, replacing what is there; every folder below the
    root is opened without following a link (``write.guarded``). The rename replaces a
    link at the name itself, never follows it."""
    folder, name = _name_of(relative)
    dir_fd = open_folder(root, folder)
    try:
        _replace_at(dir_fd, name, data, Path(root) / relative)
    finally:
        os.close(dir_fd)
    return Path(root) / relative


def create_new_in(
    root: Path, folder: str, name: str, data: bytes, max_attempts: int = 1000
) -> Path:
    """Write ``data`` under ``name`` in ``root/folder`` (folders opened as in
    ``replace_in``), or ``name`` with ``-2``, ``-3``… before the extension when taken.
    Never replaces an existing file; returns the path written."""
    dir_fd = open_folder(root, folder)
    try:
        written = _create_at(dir_fd, name, data, max_attempts, Path(root) / folder)
    finally:
        os.close(dir_fd)
    return Path(root) / folder / written


def replace_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, replacing what is there. For a path the user
    named (``report -o FILE``): its folder is taken as given. Inside the coordination
    directory use ``replace_in``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dir_fd = os.open(path.parent, _DIR_FLAGS)
    try:
        _replace_at(dir_fd, path.name, data, path)
    finally:
        os.close(dir_fd)
    return path


def create_new(folder: Path, name: str, data: bytes, max_attempts: int = 1000) -> Path:
    """``create_new_in`` for a folder the caller vouches for (taken as given)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dir_fd = os.open(folder, _DIR_FLAGS)
    try:
        return folder / _create_at(dir_fd, name, data, max_attempts, folder)
    finally:
        os.close(dir_fd)
