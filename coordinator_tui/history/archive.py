"""Old history moved into compressed tar archives under ``.coordinator/archive/``.

Heartbeat events and messages whose name stamp is older than a cut-off go into one
standard tar (``history-<stamp>.tar.gz``, or ``.tar.xz``), with a plain-text list
beside it (``<archive>.list``: one ``path<TAB>size<TAB>mtime`` a line). Nothing is
lost, whatever fails when:

1. the list, then the tar, are created whole under their names (``fsio.create_at``);
2. only then the originals are deleted, and a ``<archive>.done`` marker says so.

A crash before the tar is in place leaves the originals (and a list, removed by the
next run); a crash in (2) leaves duplicates, and the next run deletes the originals
that the archive already holds instead of archiving them again.

A list is untrusted (anyone who can write the directory can write one): an original
is deleted only when archiving could take it (a stamped heartbeat event or message, not
a session's newest beat), it is reached inside the directory without following a link,
it has the size and time the list says, and the list's own archive holds it byte for
byte. Anything else is kept.

Kept back: the newest heartbeat event of every session (its liveness must not
change), files whose name carries no stamp (``sessions/HEARTBEATS/<id>.json``) and
files that cannot be read (they are named in ``skipped``). Archives are read through
the same guarded reader as everything else: a link, a FIFO or a corrupt archive is an
error naming it, never followed, never a hang.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import lzma
import os
import tarfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coordinator_tui.files import fsio
from coordinator_tui.files.reader import decode_text
from coordinator_tui.history.names import cutoff_key, kind_of_folder, split_name
from coordinator_tui.history.window import HistoryWindow

ARCHIVE_FOLDER = ".coordinator/archive"
SUFFIXES = {"gz": ".tar.gz", "xz": ".tar.xz"}
MAX_MEMBER_BYTES = 1024 * 1024
"""Archived files larger than this are not searched by ``--list`` (they are listed)."""
MAX_ARCHIVE_BYTES = 256 << 20
MAX_UNPACKED_BYTES = 8 << 30
"""An archive that unpacks to more than this is not read further (a decompression bomb)."""
MAX_LIST_BYTES = 256 << 20
_UNREADABLE = (OSError, EOFError, tarfile.TarError, zlib.error, lzma.LZMAError)

Held = dict[str, tuple[int, float, bytes]]
"""Archived path → (size, mtime, SHA-256 of the bytes) the archive holds for it."""


class ArchiveError(OSError):
    """The archive folder, or one archive, cannot be used (a link, not a folder, corrupt)."""


@dataclass
class ArchiveResult:
    """What one run did (or, dry, would do), by kind: ``heartbeat``, ``broadcast``,
    ``direct``. ``before == kept + archived`` for every kind."""

    before: dict[str, int]
    archived: dict[str, int]
    archive: Path | None = None
    finished: int = 0
    """Originals of an interrupted earlier run deleted (they were already archived)."""
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def kept(self) -> dict[str, int]:
        return {kind: self.before[kind] - self.archived[kind] for kind in self.before}


def _open_folder(root: Path, create: bool) -> int | None:
    """``.coordinator/archive`` reached without following a link; None when absent."""
    try:
        return fsio.open_folder(root, ARCHIVE_FOLDER, create)
    except FileNotFoundError:
        if create:
            raise
        return None
    except OSError as error:
        raise ArchiveError(fsio.os_reason(error)) from None


def archive_history(
    root: Path,
    older_than_s: float,
    now: float,
    *,
    dry_run: bool = False,
    max_bytes: int = 1024 * 1024,
    compression: str = "gz",
) -> ArchiveResult:
    """Move history older than ``older_than_s`` before ``now`` into a new archive."""
    root = Path(root)
    folder = _open_folder(root, create=not dry_run)
    try:
        window = _listed(root)
        finished = 0
        if not dry_run and folder is not None:
            deletable = {path for _, path in old_files(window, _EVER)}
            finished = finish_interrupted(root, folder, deletable, max_bytes)
            window = _listed(root) if finished else window
        chosen = old_files(window, cutoff_key(now - older_than_s))
        result = ArchiveResult(
            before=window.counts(), archived=dict.fromkeys(window.counts(), 0), finished=finished
        )
        for kind, _ in chosen:
            result.archived[kind] += 1
        if dry_run or not chosen or folder is None:
            return result
        stem = time.strftime("history-%Y%m%d-%H%M%S", time.gmtime(now))
        name = _free_name(folder, stem, compression)
        held = _write_archive(root, folder, name, chosen, max_bytes, compression, result)
        result.archive = root / ARCHIVE_FOLDER / name
        _delete_originals(root, held, max_bytes)
        _mark_done(folder, name)
        return result
    finally:
        if folder is not None:
            os.close(folder)


def _listed(root: Path) -> HistoryWindow:
    window = HistoryWindow()
    errors = window.relist(str(root), "")
    if errors:
        first = next(iter(errors.values()))
        raise ArchiveError(f"{first.path}: {first.reason}")
    return window


_EVER = "\uffff"
"""A cut-off after every stamp: ``old_files`` then gives all that may ever be archived."""


def old_files(window: HistoryWindow, cutoff: str) -> list[tuple[str, str]]:
    """``(kind, relative path)`` of every history file stamped before ``cutoff``, but the
    newest heartbeat event of each session and files without a stamp."""
    chosen: list[tuple[str, str]] = []
    for folder, names in sorted(window.folders.items()):
        kind = kind_of_folder(folder)
        if kind is None:
            continue
        newest: dict[str, str] = {}
        old: list[tuple[str, str, str]] = []
        for name in names:
            key, who = split_name(name)
            if not key:
                continue
            if kind == "heartbeat" and key > newest.get(who, ""):
                newest[who] = key
            if key < cutoff:
                old.append((key, who, name))
        for key, who, name in sorted(old):
            if kind == "heartbeat" and newest.get(who) == key:
                continue  # a session's newest beat stays: its health must not change
            chosen.append((kind, f"{folder}/{name}"))
    return chosen


def _exists(folder: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _free_name(folder: int, stem: str, compression: str) -> str:
    suffix = SUFFIXES[compression]
    for attempt in range(1, 1000):
        name = f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}"
        if not _exists(folder, name) and not _exists(folder, f"{name}.list"):
            return name
    raise ArchiveError(f"{ARCHIVE_FOLDER}: no free archive name for {stem}")


def _write_archive(
    root: Path,
    folder: int,
    name: str,
    chosen: list[tuple[str, str]],
    max_bytes: int,
    compression: str,
    result: ArchiveResult,
) -> Held:
    """The tar and its list, each created whole under its name (the list first)."""
    within = os.path.realpath(root)
    held: Held = {}
    listing: list[str] = []
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode=f"w:{compression}") as tar:  # type: ignore[call-overload]
        for kind, relative in chosen:
            data, error, mtime, _ = fsio.read_bytes(root / relative, max_bytes, within)
            if data is None:
                result.skipped.append((relative, error or "unreadable"))
                result.archived[kind] -= 1
                continue
            info = tarfile.TarInfo(relative)
            info.size, info.mtime, info.mode = len(data), int(mtime), 0o644
            tar.addfile(info, io.BytesIO(data))
            listing.append(f"{relative}\t{len(data)}\t{mtime!r}\n")
            held[relative] = (len(data), mtime, hashlib.sha256(data).digest())
    fsio.create_at(folder, f"{name}.list", "".join(listing).encode("utf-8"))
    fsio.create_at(folder, name, packed.getvalue())
    return held


def _delete_originals(root: Path, held: Held, max_bytes: int) -> int:
    """Delete each file whose bytes, size and time are what ``held`` says, reached without
    following a link; how many were deleted."""
    deleted = 0
    folders: dict[str, int | None] = {}
    try:
        for relative, (size, mtime, digest) in held.items():
            folder_name, _, name = relative.rpartition("/")
            if folder_name not in folders:
                try:
                    folders[folder_name] = fsio.open_folder(root, folder_name, create=False)
                except OSError:
                    folders[folder_name] = None
            folder = folders[folder_name]
            if folder is None:
                continue
            data, _, now_mtime, _ = fsio.read_at(folder, name, max_bytes)
            if data is None or (len(data), now_mtime) != (size, mtime):
                continue
            if hashlib.sha256(data).digest() == digest:
                try:
                    os.unlink(name, dir_fd=folder)
                    deleted += 1
                except FileNotFoundError:
                    continue
    finally:
        for folder in folders.values():
            if folder is not None:
                os.close(folder)
    return deleted


def finish_interrupted(root: Path, folder: int, deletable: set[str], max_bytes: int) -> int:
    """Complete what an interrupted run left: temporary files go, a list without its tar
    goes, originals an archive already holds are deleted — only among ``deletable``, what
    archiving could ever take (never a live file, nor a session's newest beat, whatever a
    list names). How many were deleted."""
    deleted = 0
    for entry in sorted(os.listdir(folder)):
        tar = entry[: -len(".list")] if entry.endswith(".list") else None
        if (entry.startswith(".") and entry.endswith(".part")) or (
            tar is not None and not _exists(folder, tar)
        ):
            with contextlib.suppress(OSError):  # a temporary file, or a list whose tar
                os.unlink(entry, dir_fd=folder)  # was never put in place
        elif tar is not None and not _exists(folder, f"{tar}.done"):
            try:
                held = _held_by(folder, tar, max_bytes)
            except ArchiveError:
                held = {}  # an archive we cannot read vouches for nothing
            held = {path: info for path, info in held.items() if path in deletable}
            deleted += _delete_originals(root, held, max_bytes)
            _mark_done(folder, tar)
    return deleted


def _held_by(folder: int, tar: str, max_bytes: int) -> Held:
    """What the list names that its archive holds with the same size and time."""
    data = fsio.read_at(folder, f"{tar}.list", MAX_LIST_BYTES)[0]
    listed: dict[str, tuple[int, float]] = {}
    for line in decode_text(data or b"")[0].splitlines():
        parts = line.split("\t")
        try:
            listed[parts[0]] = (int(parts[1]), float(parts[2]))
        except (IndexError, ValueError):
            continue
    held: Held = {}
    for info, member in _members(folder, tar, max_bytes):
        size, mtime = listed.get(info.name, (-1, 0.0))
        if member is not None and size == info.size and int(mtime) == info.mtime:
            held[info.name] = (size, mtime, hashlib.sha256(member).digest())
    return held


def _mark_done(folder: int, tar: str) -> None:
    try:
        fsio.create_at(folder, f"{tar}.done", b"")
    except OSError:
        return  # the next run checks the originals again: nothing is lost


def _members(
    folder: int, name: str, max_bytes: int
) -> Iterator[tuple[tarfile.TarInfo, bytes | None]]:
    """The files in the archive ``name`` and their bytes (None past ``max_bytes``), read
    as every file is (a link or a FIFO is refused, the size capped); any failure is
    ``ArchiveError`` naming the archive."""
    packed, reason, _, _ = fsio.read_at(folder, name, MAX_ARCHIVE_BYTES)
    if packed is None:
        raise ArchiveError(f"{name}: {reason}")
    try:
        with tarfile.open(fileobj=io.BytesIO(packed), mode="r|*") as tar:
            for member in tar:
                if member.offset_data + member.size > MAX_UNPACKED_BYTES:
                    raise ArchiveError(f"{name}: unpacks to more than {MAX_UNPACKED_BYTES:,} bytes")
                if member.isfile():
                    handle = tar.extractfile(member) if member.size <= max_bytes else None
                    yield member, handle.read() if handle is not None else None
    except _UNREADABLE as error:
        if isinstance(error, ArchiveError):
            raise
        raise ArchiveError(f"{name}: not a readable archive ({error})") from None


def _archive_names(folder: int) -> list[str]:
    return sorted(
        name
        for name in os.listdir(folder)
        if name.endswith(tuple(SUFFIXES.values())) and not name.startswith(".")
    )


def archives(root: Path) -> list[Path]:
    """The finished archives (their tar is in place), oldest first."""
    folder = _open_folder(Path(root), create=False)
    if folder is None:
        return []
    try:
        return [Path(root) / ARCHIVE_FOLDER / name for name in _archive_names(folder)]
    finally:
        os.close(folder)


def search(
    root: Path, pattern: str | None = None, errors: list[str] | None = None
) -> Iterator[tuple[str, str, str]]:
    """``(archive name, path, text)`` of every archived file whose path or text holds
    ``pattern`` (case-insensitive; every file when None). Text is decoded leniently.
    An archive that cannot be read is a line in ``errors`` and the others are searched;
    without ``errors``, the first such is raised (``ArchiveError``) once the rest are."""
    needle = pattern.lower() if pattern else None
    problems: list[str] = [] if errors is None else errors
    folder = _open_folder(Path(root), create=False)
    if folder is None:
        return
    try:
        for name in _archive_names(folder):
            try:
                for member, data in _members(folder, name, MAX_MEMBER_BYTES):
                    text = decode_text(data)[0] if data is not None else ""
                    if needle is None or needle in member.name.lower() or needle in text.lower():
                        yield name, member.name, text
            except ArchiveError as error:
                problems.append(str(error))
    finally:
        os.close(folder)
    if errors is None and problems:
        raise ArchiveError(problems[0])
