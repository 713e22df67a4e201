"""Reading and writing inside the coordination directory with the standard library only.

The hook runner imports this on every prompt and tool call, so it must stay cheap:
``os``, ``json`` and ``time``, nothing else (``write/atomic.py`` would do, but it
pulls in ``tempfile`` and ``pathlib``, and ``write/messages.py`` the timestamp
parser; neither guards against a folder that is a link out of the directory).

Rules kept here for every writer in ``agents/``: a folder we write into is reached
from the root through directory descriptors, each step opened with ``O_NOFOLLOW``
(a linked folder on the way is refused, ``UnsafePath``), and every file is made
relative to that descriptor, so nothing is resolved by path again between the
check and the write; a file is replaced by writing a hidden
temporary file and renaming it over the name (readers see the old or the new
file, never half); a file that must not be overwritten is linked to its name,
which fails when the name is taken. Reads open regular files only, never follow
a final link, and stop at a size cap.
"""

from __future__ import annotations

import errno
import json
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_READ_BYTES = 1 << 20
PRIVATE = ".coordinator"
LOG_NAME = "hooks.log"
LOG_LIMIT_BYTES = 256 * 1024
_SAFE_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SAFE_REST = _SAFE_FIRST | frozenset("._@+-")
MAX_ID_LENGTH = 128


class UnsafePath(OSError):
    """A folder resolves outside the coordination directory (a link out)."""


def utc_stamp(epoch: float | None = None) -> str:
    """``2025-11-15T19:30:28Z``: the timestamp shape the collective writes."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if epoch is None else epoch))


def parse_stamp(value: object) -> float | None:
    """Epoch seconds of a timestamp this package writes (or an epoch number), else None.

    The full lenient parser lives in ``files/timeparse``; the hook only needs to
    read back what it and the CLI wrote, plus the collective's ``...Z`` form.
    Total: ``10**400``, ``1e400`` or ``NaN`` is None, never an exception."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return finite_seconds(value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace(" UTC", "Z").replace(" ", "T")
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    if len(text) > 64:
        return None
    try:
        return finite_seconds(float(text))
    except ValueError:
        pass
    try:
        parsed = time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    import calendar  # only on this path: the hook reads stamps rarely

    return float(calendar.timegm(parsed))


_EPOCH_MAX = 253402300799.0  # 9999-12-31T23:59:59Z


def finite_seconds(value: float) -> float | None:
    """Epoch seconds (milliseconds above 1e11 divided down) within the years 1–9999, else
    None: the only numbers ``time.gmtime`` and ``datetime`` accept without raising."""
    try:
        number = float(value)
    except OverflowError:
        return None
    if number != number:  # NaN
        return None
    if abs(number) > 1e11:
        number /= 1000.0
    return number if -62135596800.0 <= number <= _EPOCH_MAX else None


def is_safe_id(value: object) -> bool:
    """A session id or claim name usable in a file name: letters, digits, ``._@+-``,
    starting with a letter or digit, no ``..``, at most 128 characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_LENGTH
        and value[0] in _SAFE_FIRST
        and ".." not in value
        and all(char in _SAFE_REST for char in value)
    )


def inside(root: str, folder: str) -> str:
    """``folder`` made (and checked) to lie inside ``root`` once links are resolved."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(folder)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise UnsafePath(errno.EXDEV, "folder resolves outside the coordination directory", folder)
    return real


class Folder(str):
    """A folder path made by ``ensure_folder``: it remembers the root and the steps, so a
    writer can reach it again through descriptors instead of by path."""

    root: str
    parts: tuple[str, ...]


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def _walk(root: str, parts: tuple[str, ...], create: bool) -> int:
    """A descriptor for ``root/parts...``: the root as named, then each step opened with
    ``O_NOFOLLOW`` relative to its parent (made when missing); a link is ``UnsafePath``."""
    fd = os.open(root, _DIR_FLAGS)
    try:
        for index, part in enumerate(parts):
            if part in ("", ".", "..") or "/" in part:
                raise UnsafePath(errno.EINVAL, "not a folder name", part)
            try:
                child = os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(part, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass
                child = _open_step(fd, part, parts[: index + 1])
            except OSError as error:
                raise _refused(error, parts[: index + 1]) from None
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_step(fd: int, part: str, walked: tuple[str, ...]) -> int:
    try:
        return os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
    except OSError as error:
        raise _refused(error, walked) from None


def _refused(error: OSError, walked: tuple[str, ...]) -> OSError:
    if error.errno in (errno.ELOOP, errno.ENOTDIR):
        where = "/".join(walked)
        why = "a link or not a folder (it could lead outside the coordination directory)"
        return UnsafePath(errno.ELOOP, why, where)
    return error


def ensure_folder(root: str, *parts: str) -> Folder:
    """``root/parts...`` created as needed, each step checked not to be a link."""
    os.close(_walk(root, parts, create=True))
    folder = Folder(os.path.join(root, *parts))
    folder.root, folder.parts = root, parts
    return folder


def _folder_fd(folder: str) -> int:
    """A descriptor for a folder to write into: walked again from the root for a
    ``Folder`` (no link followed), else taken as the caller named it."""
    if isinstance(folder, Folder):
        return _walk(folder.root, folder.parts, create=True)
    return os.open(folder, _DIR_FLAGS)


def read_bytes(path: str, limit: int = MAX_READ_BYTES) -> bytes | None:
    """A regular file's bytes (not through a final link), or None when absent, not a
    regular file, or larger than ``limit``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (info.st_mode & 0o170000) != 0o100000 or info.st_size > limit:
            return None
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_json(path: str, limit: int = MAX_READ_BYTES) -> Any:
    """The JSON in ``path``; None when absent or unreadable. Shell-script files that are
    not valid JSON go through the lenient reader (imported only then)."""
    data = read_bytes(path, limit)
    if data is None:
        return None
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        from coordinator_tui.files.reader import parse_json_text

        value, _, _ = parse_json_text(text)
        return value


def _write_temp(dir_fd: int, data: bytes, durable: bool) -> str:
    temp = f".tmp-{os.getpid()}-{time.monotonic_ns()}.part"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temp, flags, 0o644, dir_fd=dir_fd)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(temp, dir_fd)
        raise
    os.close(fd)
    return temp


def _unlink_quietly(name: str, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        return


def replace_file(folder: str, name: str, data: bytes, durable: bool = True) -> str:
    """Write ``folder/name`` atomically (temp file, rename over the name). ``durable``
    fsyncs the data first; heartbeats skip it (losing a beat to a power cut is harmless,
    and the hook must be fast). The rename replaces a link at ``name``, never follows it."""
    dir_fd = _folder_fd(folder)
    try:
        temp = _write_temp(dir_fd, data, durable)
        try:
            os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            _unlink_quietly(temp, dir_fd)
            raise
    finally:
        os.close(dir_fd)
    return os.path.join(folder, name)


def create_exclusive(folder: str, name: str, data: bytes) -> str:
    """Create ``folder/name`` holding ``data``, or ``FileExistsError`` when the name is taken.

    Exclusive like ``O_EXCL`` but complete on arrival: the finished temporary file is
    hard-linked to the name, so no reader ever sees an empty claim. Where the file
    system has no hard links, ``O_CREAT | O_EXCL`` is used instead."""
    dir_fd = _folder_fd(folder)
    try:
        temp = _write_temp(dir_fd, data, durable=True)
        try:
            _link_or_create(dir_fd, temp, name, data)
        finally:
            _unlink_quietly(temp, dir_fd)
    finally:
        os.close(dir_fd)
    return os.path.join(folder, name)


def _link_or_create(dir_fd: int, temp: str, name: str, data: bytes) -> None:
    try:
        os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
            raise
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(name, flags, 0o644, dir_fd=dir_fd)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)


def dumps(document: object) -> bytes:
    """Pretty JSON the collective's one-key-per-line readers also understand."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def log_line(root: str, text: str) -> bool:
    """Append one line to ``.coordinator/hooks.log`` (rotated to ``hooks.log.1`` past
    256 KiB); False when even that is impossible. Never raises, never blocks (a FIFO in
    the log's place is refused), never follows a link."""
    line = f"{utc_stamp()} {' '.join(text.split())[:500]}\n".encode("utf-8", "replace")
    try:
        dir_fd = _walk(root, (PRIVATE,), create=True)
        try:
            return _append_log(dir_fd, line)
        finally:
            os.close(dir_fd)
    except (OSError, ValueError):
        return False


def _append_log(dir_fd: int, line: bytes) -> bool:
    try:
        if os.stat(LOG_NAME, dir_fd=dir_fd, follow_symlinks=False).st_size > LOG_LIMIT_BYTES:
            os.replace(LOG_NAME, LOG_NAME + ".1", src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    fd = os.open(LOG_NAME, flags, 0o644, dir_fd=dir_fd)
    try:
        if (os.fstat(fd).st_mode & 0o170000) != 0o100000:
            return False
        os.write(fd, line)
    finally:
        os.close(fd)
    return True
