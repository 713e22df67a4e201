"""The file layer: every read, write and exclusive create in the coordination directory.

Standard library only, and cheap to import: the hooks and the status line load it on
every prompt and every few seconds (no ``pathlib``, ``tempfile`` or ``datetime``).

- **Reads** (``read_bytes``, ``read_at``, ``read_in``): a regular file, opened once
  with ``O_NONBLOCK`` (a FIFO never hangs) and without following a final link, checked
  with ``fstat`` on the open descriptor (a device is never read), at most ``max_bytes``
  plus one read. With ``within`` a link that stays inside that folder is followed and
  the descriptor is verified after the open (``verify_inside``); ``Folders`` opens a
  scan's files relative to folders verified once.
- **Folders** we write into, and our private state we read (``open_folder``): the root
  as the user named it, then each step with ``O_DIRECTORY | O_NOFOLLOW`` relative to
  its parent, so a folder on the way that is a link is ``UnsafeFolder`` and nothing is
  resolved by path again afterwards.
- **Writes**: a hidden temporary file (``O_EXCL | O_NOFOLLOW``, the mode ``open()``
  gives), fsync'ed, then renamed over the name (``replace_*``: readers see the old file
  or the new one) or hard-linked to it (``create_*``: never replaces another writer's
  file; on NFS a lost reply is judged by the link count). Appends only ever touch a
  regular file and never block.
- **Names**: ``..``, empty parts and slashes never reach a path (``split``,
  ``check_name``); ids are checked by ``is_safe_id`` before they name a file.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time

TYPE_CHECKING = False  # typing itself costs 2 ms: mypy reads this name as True
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    PathLike = Path | str

PRIVATE = ".coordinator"
MAX_READ_BYTES = 1 << 20
LOG_NAME = "hooks.log"
LOG_LIMIT_BYTES = 256 * 1024
MAX_ID_LENGTH = 128

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
_OPENAT = os.open in os.supports_dir_fd
_NO_HARD_LINKS = (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK)

# --- names ----------------------------------------------------------------------------

_SAFE_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SAFE_REST = _SAFE_FIRST | frozenset("._@+-")


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


def check_name(name: str, shown: str | None = None) -> str:
    """``name`` when it is one path step (not empty, ``.``, ``..``, no slash or NUL);
    else ``UnsafeFolder``."""
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise UnsafeFolder(shown or name, "not a single file or folder name")
    return name


def split(relative: str) -> list[str]:
    """The steps of a ``/``-separated relative path; ``..`` is refused, empty parts and
    ``.`` are dropped."""
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if ".." in parts or "\0" in relative:
        raise UnsafeFolder(relative, "'..' (or a NUL) is not allowed in a path we use")
    return parts


def _folder_and_name(relative: str) -> tuple[str, str]:
    folder, _, name = relative.rpartition("/")
    return folder, check_name(name, relative)


# --- reasons ----------------------------------------------------------------------------

OUTSIDE_LINK = "symbolic link to a file outside the coordination directory"
OUTSIDE_FOLDER = "lies outside the coordination directory (a folder on its path is a link out)"
LINKED = (
    "it is a symbolic link (writes never follow links, which could lead outside the "
    "coordination directory)"
)
FINAL_LINK = "symbolic link; not followed"


class UnsafeFolder(OSError):
    """A path we would use is a symbolic link, not a folder, or not a plain name: refused."""

    def __init__(self, relative: str, why: str) -> None:
        super().__init__(errno.ELOOP, why, relative)
        self.relative = relative
        self.why = why

    def __str__(self) -> str:
        return f"refused to write into {self.relative}: {self.why}"


def os_reason(error: OSError) -> str:
    """The system's words for a failure ("Permission denied"), without the path it names."""
    if isinstance(error, UnsafeFolder):
        return f"{error.relative}: {error.why}"
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


def too_large(size: int, limit: int) -> str:
    return f"file is {size:,} bytes, over the {limit:,}-byte limit"


# --- folders by descriptor ----------------------------------------------------------------


def open_root(root: PathLike, create: bool = True) -> int:
    """The root as the user named it (created if missing, as the writers always did)."""
    try:
        return os.open(root, _DIR)
    except FileNotFoundError:
        if not create:
            raise
        os.makedirs(root, exist_ok=True)
        return os.open(root, _DIR)


def open_below(fd: int, relative: str, create: bool = False) -> int:
    """A new descriptor for the folder ``relative`` below the open folder ``fd`` (which
    stays open), walked as ``open_folder`` walks."""
    return _walk(os.dup(fd), relative, create)


def open_folder(root: PathLike, relative: str, create: bool = True) -> int:
    """A descriptor for the folder ``root/relative``: each step below the root opened with
    ``O_NOFOLLOW`` through its parent (made when missing and ``create``); a link or a file
    on the way is ``UnsafeFolder``. The caller closes it."""
    return _walk(open_root(root, create), relative, create)


def _walk(fd: int, relative: str, create: bool) -> int:
    """``fd`` (consumed) walked down ``relative``."""
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
        return os.open(name, _DIR | _NOFOLLOW, dir_fd=parent)
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
        return os.open(name, _DIR | _NOFOLLOW, dir_fd=parent)
    except OSError as error:
        raise _unsafe(error, parent, name, shown) from None


def _unsafe(error: OSError, parent: int, name: str, shown: str) -> OSError:
    if error.errno not in (errno.ELOOP, errno.ENOTDIR):
        return error
    try:
        mode = os.lstat(name, dir_fd=parent).st_mode
    except OSError:
        return error
    return UnsafeFolder(shown, LINKED if stat.S_ISLNK(mode) else "it is not a folder")


class Folder(str):
    """A folder path made by ``ensure_folder``: it remembers the root and the steps, so a
    writer reaches it again through descriptors instead of by path."""

    root: str
    parts: tuple[str, ...]


def ensure_folder(root: str, *parts: str) -> Folder:
    """``root/parts...`` created as needed, each step checked not to be a link."""
    for part in parts:
        check_name(part)
    os.close(open_folder(root, "/".join(parts)))
    folder = Folder(os.path.join(root, *parts))
    folder.root, folder.parts = root, parts
    return folder


def _folder_fd(folder: PathLike) -> int:
    """A folder to write into: walked again from the root for a ``Folder`` (no link
    followed), else taken as the caller named it (made when missing)."""
    if isinstance(folder, Folder):
        return open_folder(folder.root, "/".join(folder.parts))
    return open_root(folder)


def inside(root: str, folder: str) -> str:
    """``folder`` made (and checked) to lie inside ``root`` once links are resolved."""
    real = os.path.realpath(folder)
    if not is_inside(real, os.path.realpath(root)):
        raise UnsafeFolder(folder, "folder resolves outside the coordination directory")
    return real


def is_inside(path: str, within: str) -> bool:
    return path == within or path.startswith(within.rstrip(os.sep) + os.sep)


# --- reads ----------------------------------------------------------------------------------


def read_bytes(
    path: PathLike, max_bytes: int, within: str | None = None, folders: Folders | None = None
) -> tuple[bytes | None, str | None, float, int]:
    """Read a regular file of at most ``max_bytes``; (data, error, mtime, size).

    Without ``within`` a final link is refused. With ``within`` (a resolved folder), the
    file must lie inside that folder: a link pointing out is refused before it is opened,
    and whatever was opened is verified afterwards from the descriptor itself
    (``verify_inside``), so a link flipped between the check and the open, or a folder
    on the way that is a link out, is refused before a byte is read. In a shared
    directory, a link to a file only the viewer can read must not end up on screen or in
    a report written back into the directory.
    """
    opened = folders.open(str(path)) if folders is not None and within is not None else None
    fd, reason = opened if opened is not None else open_checked(path, within)
    if fd is None:
        return None, reason, 0.0, 0
    return _read_and_close(fd, max_bytes)


def read_at(dir_fd: int, name: str, max_bytes: int) -> tuple[bytes | None, str | None, float, int]:
    """``read_bytes`` of ``name`` in the open folder ``dir_fd``; a link is refused."""
    try:
        fd = _open_at(dir_fd, name)
    except OSError as error:
        return None, _open_reason(error), 0.0, 0
    return _read_and_close(fd, max_bytes)


def read_in(root: PathLike, relative: str, max_bytes: int) -> tuple[bytes | None, str | None]:
    """``root/relative`` reached as ``open_folder`` reaches a folder (no link followed):
    (data, None); (None, None) when it or a folder on the way does not exist; else
    (None, why not)."""
    try:
        folder, name = _folder_and_name(relative)
        dir_fd = open_folder(root, folder, create=False)
        try:
            fd = _open_at(dir_fd, name)
        finally:
            os.close(dir_fd)
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, _open_reason(error)
    return _read_and_close(fd, max_bytes)[:2]


def _open_at(dir_fd: int, name: str) -> int:
    return os.open(check_name(name), _READ | _NOFOLLOW, dir_fd=dir_fd)


def _open_reason(error: OSError) -> str:
    if error.errno == errno.ELOOP and not isinstance(error, UnsafeFolder):
        return FINAL_LINK  # O_NOFOLLOW met a link at the name itself
    return os_reason(error)


def _read_and_close(fd: int, max_bytes: int) -> tuple[bytes | None, str | None, float, int]:
    try:
        return _read_open(fd, max_bytes)
    except OSError as error:
        return None, os_reason(error), 0.0, 0
    finally:
        os.close(fd)


def _read_open(fd: int, max_bytes: int) -> tuple[bytes | None, str | None, float, int]:
    info = os.fstat(fd)
    mtime = _clamp_epoch(info.st_mtime)
    if not stat.S_ISREG(info.st_mode):
        return None, f"not a regular file ({_file_type(info.st_mode)})", mtime, 0
    if info.st_size > max_bytes:
        return None, too_large(info.st_size, max_bytes), mtime, info.st_size
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
        return None, too_large(len(data), max_bytes), mtime, len(data)
    return data, None, mtime, len(data)


def _clamp_epoch(value: float) -> float:
    """A file time ``datetime`` can hold (years 1–9999); NaN is 0."""
    if value != value:
        return 0.0
    return min(max(value, -62135596800.0), 253402300799.0)


def open_checked(path: PathLike, within: str | None) -> tuple[int | None, str | None]:
    """A descriptor for ``path`` (or None and the reason); with ``within``, one that is
    verified to name a file inside that folder."""
    try:
        fd = os.open(path, _READ | _NOFOLLOW)
    except OSError as error:
        if error.errno != errno.ELOOP:
            return None, os_reason(error)
        if within is None:
            return None, FINAL_LINK
        # A link (or a loop). Approve its target first, so nothing outside is opened
        # in the ordinary case; the descriptor is verified after the open regardless.
        if not is_inside(os.path.realpath(path), within):
            return None, OUTSIDE_LINK
        try:
            fd = os.open(path, _READ)
        except OSError as again:
            return None, os_reason(again)
        if verify_inside(fd, path, within) is None:
            return fd, None
        os.close(fd)
        return None, OUTSIDE_LINK
    problem = None if within is None else verify_inside(fd, path, within)
    if problem is None:
        return fd, None
    os.close(fd)
    return None, problem


_PROC_FD = "/proc/self/fd/"
_DELETED = " (deleted)"


def verify_inside(fd: int, path: PathLike, within: str) -> str | None:
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


def _verify_by_inode(fd: int, path: PathLike, within: str) -> str | None:
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
            return os.open(name, _READ | _NOFOLLOW, dir_fd=folder_fd), None
        except OSError as error:
            if error.errno == errno.ELOOP:
                return None
            return None, os_reason(error)

    def _verified(self, folder: str) -> int | None:
        try:
            fd = os.open(folder, _DIR | getattr(os, "O_NOCTTY", 0))
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


def loads(data: bytes) -> Any:
    """JSON as the collective writes it; broken shell-script JSON goes through the lenient
    reader (imported only then). None when nothing can be made of it."""
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except RecursionError:
        return None
    except ValueError:
        from coordinator_tui.files.reader import parse_json_text

        return parse_json_text(text)[0]


def read_json(path: str, limit: int = MAX_READ_BYTES) -> Any:
    """The JSON in ``path`` (not through a final link, a regular file of at most
    ``limit`` bytes); None when absent or unreadable."""
    data = read_bytes(path, limit)[0]
    return None if data is None else loads(data)


def read_json_in(root: str, folder: str, name: str, limit: int = MAX_READ_BYTES) -> Any:
    """``read_json`` of ``root/folder/name``, every folder reached without following a
    link and ``name`` one plain step (an id that holds ``/`` or ``..`` reads nothing)."""
    data = None if "/" in name else read_in(root, f"{folder}/{name}", limit)[0]
    return None if data is None else loads(data)


def read_json_at(dir_fd: int, name: str, limit: int = MAX_READ_BYTES) -> Any:
    """``read_json`` of ``name`` in the open folder ``dir_fd``."""
    data = read_at(dir_fd, name, limit)[0]
    return None if data is None else loads(data)


# --- writes ---------------------------------------------------------------------------------


def _write_temp(dir_fd: int, data: bytes, durable: bool = True) -> str:
    """A hidden temporary file in the folder ``dir_fd`` holding ``data``; its name. Made
    with ``O_EXCL | O_NOFOLLOW`` and mode 0666 less the umask, as ``open()`` makes a file,
    so the other sessions sharing the directory can read what we write."""
    for _ in range(100):
        temp = f".tmp-{os.urandom(8).hex()}.part"
        try:
            fd = os.open(temp, _NEW, 0o666, dir_fd=dir_fd)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary name")
    try:
        _write_all(fd, data)
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(temp, dir_fd)
        raise
    os.close(fd)
    return temp


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _unlink_quietly(name: str, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        return


def _fsync_folder(dir_fd: int) -> None:
    try:
        os.fsync(dir_fd)
    except OSError:
        return


def _named(error: OSError, where: str) -> OSError:
    """The same error (its errno gives the same class) naming ``where``, the folder or file
    the caller asked for, instead of this module's hidden temporary file."""
    if error.errno is None or isinstance(error, UnsafeFolder):
        return error
    return OSError(error.errno, error.strerror, where)


def replace_at(dir_fd: int, name: str, data: bytes, durable: bool = True, where: str = "") -> None:
    """Write ``name`` in the open folder ``dir_fd`` atomically, replacing what is there.
    The rename replaces a link at the name itself, never follows it."""
    check_name(name)
    try:
        temp = _write_temp(dir_fd, data, durable)
    except OSError as error:
        raise _named(error, os.path.dirname(where) or where) from error
    try:
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException as error:
        _unlink_quietly(temp, dir_fd)
        if isinstance(error, OSError):
            raise _named(error, where) from error
        raise
    if durable:
        _fsync_folder(dir_fd)


def create_at(
    dir_fd: int, name: str, data: bytes, attempts: int = 1, where: str = "", durable: bool = True
) -> str:
    """Create ``name`` in the open folder ``dir_fd`` holding ``data`` — or, when taken and
    ``attempts`` allows, ``name`` with ``-2``, ``-3``… before the extension — and return
    the name used; ``FileExistsError`` when none is free. Never replaces a file.

    Complete on arrival: the finished temporary file is hard-linked to the name, so no
    reader sees an empty file. ``link`` is atomic on every NFS version, but a lost reply
    can report failure after the link was made: the temporary file's link count says
    whether it was. Where the file system has no hard links, ``O_CREAT | O_EXCL``.
    """
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    try:
        temp = _write_temp(dir_fd, data, durable)
    except OSError as error:
        raise _named(error, where) from error
    try:
        for attempt in range(1, attempts + 1):
            candidate = check_name(name if attempt == 1 else f"{stem}-{attempt}{dot}{extension}")
            if _link(dir_fd, temp, candidate, data, where):
                if durable:
                    _fsync_folder(dir_fd)
                return candidate
        raise FileExistsError(errno.EEXIST, f"no free name for {name} after {attempts} tries")
    finally:
        _unlink_quietly(temp, dir_fd)


def _link(dir_fd: int, temp: str, name: str, data: bytes, where: str) -> bool:
    """True when ``name`` now holds ``data`` through this call; False when it is taken."""
    try:
        os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        return True
    except OSError as error:
        try:
            if os.stat(temp, dir_fd=dir_fd, follow_symlinks=False).st_nlink == 2:
                return True  # the link was made; its reply was lost
        except OSError:
            pass
        if error.errno == errno.EEXIST:
            return False
        if error.errno not in _NO_HARD_LINKS:
            raise _named(error, where) from error
    try:
        fd = os.open(name, _NEW, 0o666, dir_fd=dir_fd)
    except FileExistsError:
        return False
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def _append_at(dir_fd: int, name: str, data: bytes, shown: str) -> None:
    try:
        fd = os.open(check_name(name), _APPEND, 0o666, dir_fd=dir_fd)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENXIO):
            raise OSError(error.errno, f"{shown} is not a regular file we can append to") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{shown} is not a regular file; not appended to")
        os.write(fd, data)
    finally:
        os.close(fd)


def replace_file(folder: PathLike, name: str, data: bytes, durable: bool = True) -> str:
    """Write ``folder/name`` atomically (temporary file, rename over the name). ``durable``
    fsyncs the data and the folder; heartbeats skip it (losing a beat to a power cut is
    harmless, and the hook must be fast). ``folder`` is a ``Folder`` (walked again from its
    root) or a path the user named (taken as given, made when missing)."""
    where = os.path.join(folder, name)
    dir_fd = _folder_fd(folder)
    try:
        replace_at(dir_fd, name, data, durable, where)
    finally:
        os.close(dir_fd)
    return where


def create_exclusive(folder: PathLike, name: str, data: bytes) -> str:
    """Create ``folder/name`` holding ``data``, or ``FileExistsError`` when it is taken."""
    return create_new(folder, name, data, attempts=1)


def create_new(
    folder: PathLike, name: str, data: bytes, attempts: int = 1000, durable: bool = True
) -> str:
    """``create_at`` in ``folder`` (as ``replace_file`` takes it); the path written."""
    dir_fd = _folder_fd(folder)
    try:
        created = create_at(dir_fd, name, data, attempts, str(folder), durable)
        return os.path.join(folder, created)
    finally:
        os.close(dir_fd)


def replace_in(root: PathLike, relative: str, data: bytes, durable: bool = True) -> Path:
    """Write ``root/relative`` atomically; every folder below the root is opened without
    following a link (``open_folder``). ``durable`` as in ``replace_file``."""
    from pathlib import Path

    folder, name = _folder_and_name(relative)
    where = Path(root) / relative
    dir_fd = open_folder(root, folder)
    try:
        replace_at(dir_fd, name, data, durable, str(where))
    finally:
        os.close(dir_fd)
    return where


def create_new_in(
    root: PathLike, folder: str, name: str, data: bytes, attempts: int = 1000
) -> Path:
    """``create_at`` in ``root/folder`` (folders opened as in ``replace_in``)."""
    from pathlib import Path

    where = Path(root) / folder
    dir_fd = open_folder(root, folder)
    try:
        return where / create_at(dir_fd, name, data, attempts, str(where))
    finally:
        os.close(dir_fd)


def append_in(root: PathLike, relative: str, data: bytes) -> None:
    """Append ``data`` to ``root/relative`` in one ``write``: never through a link, never
    blocking, and only to a regular file (anything else is an ``OSError`` naming it)."""
    folder, name = _folder_and_name(relative)
    dir_fd = open_folder(root, folder)
    try:
        _append_at(dir_fd, name, data, relative)
    finally:
        os.close(dir_fd)


# --- what the hooks write -----------------------------------------------------------------


def dumps(document: object) -> bytes:
    """Pretty JSON the collective's one-key-per-line readers also understand."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def log_line(root: str, text: str) -> bool:
    """Append one line to ``.coordinator/hooks.log`` (rotated to ``hooks.log.1`` past
    256 KiB); False when even that is impossible. Never raises, never blocks (a FIFO in
    the log's place is refused), never follows a link."""
    line = f"{utc_stamp()} {' '.join(text.split())[:500]}\n".encode("utf-8", "replace")
    try:
        dir_fd = open_folder(root, PRIVATE)
        try:
            _rotate(dir_fd)
            _append_at(dir_fd, LOG_NAME, line, LOG_NAME)
        finally:
            os.close(dir_fd)
    except (OSError, ValueError):
        return False
    return True


def _rotate(dir_fd: int) -> None:
    try:
        size = os.stat(LOG_NAME, dir_fd=dir_fd, follow_symlinks=False).st_size
    except FileNotFoundError:
        return
    if size > LOG_LIMIT_BYTES:
        os.replace(LOG_NAME, LOG_NAME + ".1", src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


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
    return number if -62135596800.0 <= number <= 253402300799.0 else None
