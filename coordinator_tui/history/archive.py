"""Old history moved into compressed tar archives under ``.coordinator/archive/``.

Heartbeat events and messages whose name stamp is older than a cut-off go into one
standard tar (``history-<stamp>.tar.gz``, or ``.tar.xz``), with a plain-text list
beside it (``<archive>.list``: one ``path<TAB>size<TAB>mtime`` a line). Nothing is
lost, whatever fails when:

1. the tar and the list are written under temporary names and fsync'ed;
2. the list is renamed into place, then the tar (then the folder is fsync'ed);
3. only then the originals are deleted — each only if its size and mtime are still
   those archived — and a ``<archive>.done`` marker says so.

A crash before (2) leaves the originals and a temporary file (removed by the next
run); a crash in (3) leaves duplicates, and the next run deletes the originals that
an earlier archive already holds instead of archiving them again. A list whose tar
is missing is one whose rename never happened: it is removed.

Kept back: the newest heartbeat event of every session (its liveness must not
change), files whose name carries no stamp (``sessions/HEARTBEATS/<id>.json``) and
files that cannot be read (they are named in ``skipped``).
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coordinator_tui.files.reader import decode_text, os_reason, read_bytes
from coordinator_tui.history.names import cutoff_key, kind_of_folder, split_name
from coordinator_tui.history.window import HistoryWindow

ARCHIVE_FOLDER = ".coordinator/archive"
SUFFIXES = {"gz": ".tar.gz", "xz": ".tar.xz"}
MAX_MEMBER_BYTES = 1024 * 1024
"""Archived files larger than this are not searched by ``--list`` (they are listed)."""


class ArchiveError(OSError):
    """The archive folder cannot be used (a link, not a folder, not writable)."""


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


def archive_folder(root: Path, create: bool) -> Path:
    """``.coordinator/archive`` as a real folder inside ``root`` (a link is refused)."""
    folder = root
    for part in ARCHIVE_FOLDER.split("/"):
        folder = folder / part
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            if not create:
                return folder
            try:
                os.mkdir(folder, 0o755)
            except OSError as error:
                raise ArchiveError(f"{folder}: {os_reason(error)}") from None
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise ArchiveError(f"{folder}: not a folder (a link or a file is in its place)")
    return folder


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
    folder = archive_folder(root, create=not dry_run)
    finished = 0 if dry_run else finish_interrupted(root, folder)
    window = HistoryWindow()
    errors = window.relist(str(root), "")
    if errors:
        first = next(iter(errors.values()))
        raise ArchiveError(f"{first.path}: {first.reason}")
    chosen = old_files(window, cutoff_key(now - older_than_s))
    result = ArchiveResult(
        before=window.counts(), archived=dict.fromkeys(window.counts(), 0), finished=finished
    )
    for kind, _ in chosen:
        result.archived[kind] += 1
    if dry_run or not chosen:
        return result
    name = _free_name(folder, time.strftime("history-%Y%m%d-%H%M%S", time.gmtime(now)), compression)
    written = _write_archive(root, folder, name, chosen, max_bytes, compression, result)
    result.archive = folder / name
    _delete_originals(root, written)
    _mark_done(folder / name)
    return result


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


def _free_name(folder: Path, stem: str, compression: str) -> str:
    suffix = SUFFIXES[compression]
    for attempt in range(1, 1000):
        name = f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}"
        if not os.path.lexists(folder / name) and not os.path.lexists(folder / f"{name}.list"):
            return name
    raise ArchiveError(f"{folder}: no free archive name for {stem}")


def _write_archive(
    root: Path,
    folder: Path,
    name: str,
    chosen: list[tuple[str, str]],
    max_bytes: int,
    compression: str,
    result: ArchiveResult,
) -> list[tuple[str, int, float]]:
    """Write the tar and its list under temporary names, fsync, rename (list first)."""
    part, list_part = folder / f".{name}.part", folder / f".{name}.list.part"
    within = os.path.realpath(root)
    written: list[tuple[str, int, float]] = []
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        with (
            os.fdopen(os.open(part, flags, 0o644), "wb") as raw,
            os.fdopen(os.open(list_part, flags, 0o644), "w", encoding="utf-8") as listing,
        ):
            mode = "w:gz" if compression == "gz" else "w:xz"
            with tarfile.open(fileobj=raw, mode=mode) as tar:  # type: ignore[call-overload]
                for kind, relative in chosen:
                    data, error, mtime, _ = read_bytes(root / relative, max_bytes, within)
                    if data is None:
                        result.skipped.append((relative, error or "unreadable"))
                        result.archived[kind] -= 1
                        continue
                    info = tarfile.TarInfo(relative)
                    info.size, info.mtime, info.mode = len(data), int(mtime), 0o644
                    tar.addfile(info, io.BytesIO(data))
                    listing.write(f"{relative}\t{len(data)}\t{mtime!r}\n")
                    written.append((relative, len(data), mtime))
            for handle in (raw, listing):
                handle.flush()
                os.fsync(handle.fileno())
        os.rename(list_part, folder / f"{name}.list")
        os.rename(part, folder / name)
        _fsync(folder)
    except BaseException:
        for leftover in (part, list_part):
            with contextlib.suppress(OSError):
                os.unlink(leftover)
        raise
    return written


def _delete_originals(root: Path, written: list[tuple[str, int, float]]) -> int:
    """Delete each archived original whose size and mtime are still the archived ones."""
    deleted = 0
    folders: set[str] = set()
    for relative, size, mtime in written:
        path = root / relative
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_size == size and info.st_mtime == mtime:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
                deleted += 1
                folders.add(os.path.dirname(relative))
    for relative_folder in folders:
        _fsync(root / relative_folder)
    return deleted


def finish_interrupted(root: Path, folder: Path) -> int:
    """Complete what an interrupted run left: temporary files go, a list without its
    tar goes, originals an archive already holds are deleted. How many were deleted."""
    if not folder.is_dir():
        return 0
    deleted = 0
    for entry in sorted(os.listdir(folder)):
        path = folder / entry
        if entry.startswith(".") and entry.endswith(".part"):
            with contextlib.suppress(OSError):
                os.unlink(path)
        elif entry.endswith(".list"):
            tar = folder / entry[: -len(".list")]
            if not os.path.lexists(tar):
                with contextlib.suppress(OSError):
                    os.unlink(path)  # the tar was never renamed into place
            elif not os.path.lexists(f"{tar}.done"):
                deleted += _delete_originals(root, list(read_list(path)))
                _mark_done(tar)
    return deleted


def read_list(path: Path) -> Iterator[tuple[str, int, float]]:
    """The ``(path, size, mtime)`` lines of an archive's list; malformed lines skipped."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[0].startswith("/") or ".." in parts[0].split("/"):
                continue
            try:
                yield parts[0], int(parts[1]), float(parts[2])
            except ValueError:
                continue


def _mark_done(tar: Path) -> None:
    with contextlib.suppress(OSError), open(f"{tar}.done", "wb"):
        pass


def _fsync(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def archives(root: Path) -> list[Path]:
    """The finished archives (their tar is in place), oldest first."""
    folder = archive_folder(Path(root), create=False)
    if not folder.is_dir():
        return []
    return sorted(
        folder / name
        for name in os.listdir(folder)
        if name.endswith(tuple(SUFFIXES.values())) and not name.startswith(".")
    )


def search(root: Path, pattern: str | None = None) -> Iterator[tuple[str, str, str]]:
    """``(archive name, path, text)`` of every archived file whose path or text holds
    ``pattern`` (case-insensitive; every file when None). Text is decoded leniently."""
    needle = pattern.lower() if pattern else None
    for tar_path in archives(root):
        with tarfile.open(tar_path, mode="r|*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                handle = tar.extractfile(member) if member.size <= MAX_MEMBER_BYTES else None
                text = decode_text(handle.read())[0] if handle is not None else ""
                if needle is None or needle in member.name.lower() or needle in text.lower():
                    yield tar_path.name, member.name, text
