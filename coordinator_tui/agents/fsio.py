"""Reading and writing inside the coordination directory with the standard library only.

The hook runner imports this on every prompt and tool call, so it must stay cheap:
``os``, ``json`` and ``time``, nothing else (``write/atomic.py`` would do, but it
pulls in ``tempfile`` and ``pathlib``, and ``write/messages.py`` the timestamp
parser; neither guards against a folder that is a link out of the directory).

Rules kept here for every writer in ``agents/``: a folder we write into must lie
inside the root once links are resolved; a file is replaced by writing a hidden
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


def ensure_folder(root: str, *parts: str) -> str:
    """``root/parts...`` created as needed and checked to stay inside ``root``."""
    folder = os.path.join(root, *parts)
    try:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        pass
    return inside(root, folder)


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


def _temp_name(folder: str) -> str:
    return os.path.join(folder, f".tmp-{os.getpid()}-{time.monotonic_ns()}.part")


def _write_temp(folder: str, data: bytes, durable: bool) -> str:
    temp = _temp_name(folder)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(temp)
        raise
    os.close(fd)
    return temp


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        return


def replace_file(folder: str, name: str, data: bytes, durable: bool = True) -> str:
    """Write ``folder/name`` atomically (temp file, rename over the name). ``durable``
    fsyncs the data first; heartbeats skip it (losing a beat to a power cut is harmless,
    and the hook must be fast). The rename replaces a link at ``name``, never follows it."""
    temp = _write_temp(folder, data, durable)
    target = os.path.join(folder, name)
    try:
        os.replace(temp, target)
    except BaseException:
        _unlink_quietly(temp)
        raise
    return target


def create_exclusive(folder: str, name: str, data: bytes) -> str:
    """Create ``folder/name`` holding ``data``, or ``FileExistsError`` when the name is taken.

    Exclusive like ``O_EXCL`` but complete on arrival: the finished temporary file is
    hard-linked to the name, so no reader ever sees an empty claim. Where the file
    system has no hard links, ``O_CREAT | O_EXCL`` is used instead."""
    temp = _write_temp(folder, data, durable=True)
    target = os.path.join(folder, name)
    try:
        try:
            os.link(temp, target)
        except FileExistsError:
            raise
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
                raise
            _create_with_excl(target, data)
    finally:
        _unlink_quietly(temp)
    return target


def _create_with_excl(target: str, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
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
    256 KiB); False when even that is impossible. Never raises."""
    line = f"{utc_stamp()} {' '.join(text.split())[:500]}\n".encode("utf-8", "replace")
    try:
        folder = ensure_folder(root, PRIVATE)
        path = os.path.join(folder, LOG_NAME)
        try:
            if os.lstat(path).st_size > LOG_LIMIT_BYTES:
                os.replace(path, path + ".1")
        except FileNotFoundError:
            pass
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return True
    except (OSError, ValueError):
        return False
