"""Atomic file writes: a temporary file in the same folder, fsync, then rename.

Readers see the old file or the new one, never half of one (``kill -9``
mid-write leaves only a hidden ``.tmp-*`` file, which the store ignores and the
next write of the same folder does not trip over). ``create_new`` never
replaces an existing file: it links the finished temporary file to its name,
which fails if the name is taken, so two writers cannot overwrite each other.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

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


def _named(error: OSError, path: Path) -> OSError:
    """The same error (same class, errno and reason) naming ``path``, the folder or file
    the caller asked for, instead of this module's hidden temporary file."""
    if error.errno is None:
        return error
    return OSError(error.errno, error.strerror, str(path))


def _write_temp(folder: Path, data: bytes) -> Path:
    try:
        return _write_temp_in(folder, data)
    except OSError as error:
        raise _named(error, folder) from error


def _write_temp_in(folder: Path, data: bytes) -> Path:
    fd, temp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp makes the file 0600; the finished file gets the mode open() would
            # give it, so the other sessions sharing the directory can read what we write.
            os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, replacing what is there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _write_temp(path.parent, data)
    try:
        os.replace(temp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise _named(error, path) from error
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_folder(path.parent)
    return path


def create_new(folder: Path, name: str, data: bytes, max_attempts: int = 1000) -> Path:
    """Write ``data`` under ``name`` in ``folder``, or ``name`` with ``-2``, ``-3``… before
    the extension when taken. Never replaces an existing file; returns the path written."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    temp = _write_temp(folder, data)
    try:
        for attempt in range(1, max_attempts + 1):
            candidate = name if attempt == 1 else f"{stem}-{attempt}{dot}{extension}"
            target = folder / candidate
            try:
                os.link(temp, target)
            except FileExistsError:
                continue
            except OSError as error:
                raise _named(error, folder) from error
            _fsync_folder(folder)
            return target
        raise FileExistsError(f"{folder}: no free name for {name} after {max_attempts} tries")
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
