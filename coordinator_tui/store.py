"""The store: parsed records of one coordination directory, kept up to date.

``scan()`` reads the whole directory (skipping files whose size and mtime are
unchanged); ``apply(paths)`` reads only what changed and says what changed.
When a file that had a good record cannot be read — a writer caught
mid-rewrite — the last good record is kept and marked, not dropped; the error
becomes visible only once the file has stayed broken for a grace period (the
analysis decides, from the clock it is given). A folder that exists but cannot
be listed is a failure too, named by the folder, never a silent gap.

What lies where is ``files.layout``; what one file means is ``files.load``;
this module is the bookkeeping between them and the ``Snapshot``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coordinator_tui.files.layout import (
    PLACE_OF_KIND,
    PRIVATE_FOLDER,
    classify,
    is_below,
    list_folders,
)
from coordinator_tui.files.load import load
from coordinator_tui.files.records import (
    Claim,
    FileError,
    FileKind,
    Heartbeat,
    Message,
    Milestone,
    PriorityItem,
    Session,
)
from coordinator_tui.files.worktext import normalise_work
from coordinator_tui.gcpause import paused_gc
from coordinator_tui.settings import Settings


@dataclass(frozen=True, slots=True)
class Failure:
    """A file whose latest read failed, or a folder that could not be listed (the records
    below it are then forgotten, and the folder is the error that says why)."""

    error: FileError
    transient: bool
    mtime: float
    kept_last_good: bool


@dataclass
class StoreChange:
    """What one ``scan()`` or ``apply()`` changed, by relative path."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    new_errors: list[FileError] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.new_errors)

    def merge(self, other: StoreChange) -> None:
        self.added += other.added
        self.updated += other.updated
        self.removed += other.removed
        self.new_errors += other.new_errors


@dataclass(frozen=True)
class Snapshot:
    """An immutable view of the store for one analysis."""

    root: Path
    exists: bool
    sessions: tuple[Session, ...]
    milestones: tuple[Milestone, ...]
    messages: tuple[Message, ...]
    claims: tuple[Claim, ...]
    heartbeats: tuple[Heartbeat, ...]
    priorities: tuple[PriorityItem, ...]
    failures: tuple[Failure, ...]
    warnings: tuple[FileError, ...]
    kept: frozenset[str]
    work_since: dict[str, datetime]
    found: dict[str, int]
    session_by_path: dict[str, Session] = field(default_factory=dict, compare=False)
    """The sessions by relative path (the live analysis looks up only the changed ones)."""


class Store:
    """Parsed records of one directory, keyed by relative path."""

    def __init__(self, root: Path, settings: Settings | None = None) -> None:
        self.root = Path(root)
        self._root_text = str(self.root)
        self._root_real: str | None = None
        self.settings = settings or Settings()
        self.records: dict[FileKind, dict[str, Any]] = {kind: {} for kind in FileKind}
        self.priorities: tuple[PriorityItem, ...] = ()
        self.failures: dict[str, Failure] = {}
        self.folder_failures: dict[str, Failure] = {}
        """Folders that exist but could not be listed, by folder (``""``: the root)."""
        self.warnings: dict[str, list[FileError]] = {}
        self.work_since: dict[str, datetime] = {}
        self._signatures: dict[str, tuple[float, int]] = {}
        self._kinds: dict[str, FileKind] = {}

    # --- public API -------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        return self.root.is_dir()

    def scan(self) -> StoreChange:
        """Read the whole directory; files whose size and mtime did not change are skipped."""
        with paused_gc():
            self._root_real = None
            return self._rescan("")

    def apply(self, changed_paths: Iterable[Path | str]) -> StoreChange:
        """Update only what changed. Paths may be absolute or relative to the root."""
        self._root_real = None
        change = StoreChange()
        for path in changed_paths:
            relative = self._relative(Path(path))
            if relative is None:
                continue
            if relative == "" or not os.path.lexists(self.root / relative):
                if relative == "" or relative.split("/")[0] in {"sessions", "messages"}:
                    # A folder may have gone: drop everything beneath it.
                    prefix = f"{relative}/" if relative else ""
                    for known in [p for p in self._kinds if p.startswith(prefix)]:
                        if not os.path.lexists(self.root / known):
                            self._forget(known, change)
                if relative in self._kinds:
                    self._forget(relative, change)
                for folder in [f for f in self.folder_failures if is_below(f, relative)]:
                    if not os.path.lexists(self.root / folder):
                        del self.folder_failures[folder]  # gone: nothing left to list
                if relative == "" and self.exists:
                    change.merge(self.scan())
                continue
            if classify(relative) is None and (self.root / relative).is_dir():
                change.merge(self._rescan(relative))
                continue
            if classify(relative) is not None:
                self._read(relative, change)
        return change

    def snapshot(self) -> Snapshot:
        found: dict[str, int] = {kind.value: 0 for kind in FileKind}
        for kind in self._kinds.values():
            found[kind.value] += 1
        return Snapshot(
            root=self.root,
            exists=self.exists,
            sessions=tuple(self.records[FileKind.SESSION].values()),
            session_by_path=dict(self.records[FileKind.SESSION]),
            milestones=tuple(self.records[FileKind.MILESTONE].values()),
            messages=tuple(self.records[FileKind.MESSAGE].values()),
            claims=tuple(self.records[FileKind.CLAIM].values()),
            heartbeats=tuple(self.records[FileKind.HEARTBEAT].values()),
            priorities=self.priorities,
            failures=(*self.folder_failures.values(), *self.failures.values()),
            warnings=tuple(error for errors in self.warnings.values() for error in errors),
            kept=frozenset(path for path, f in self.failures.items() if f.kept_last_good),
            work_since=dict(self.work_since),
            found=found,
        )

    # --- internals --------------------------------------------------------------------

    def _within(self) -> str:
        """The root, resolved: symbolic links may point anywhere inside it, nowhere else.
        Resolved once per ``scan()``/``apply()`` (the root may have been re-created)."""
        if self._root_real is None:
            self._root_real = os.path.realpath(self.root)
        return self._root_real

    def _relative(self, path: Path) -> str | None:
        if not path.is_absolute():
            return path.as_posix().strip("/") if path.as_posix() != "." else ""
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            # An event on a parent of the root (it was deleted or re-created).
            return "" if self.root.is_relative_to(path) else None
        text = relative.as_posix()
        if text.startswith(PRIVATE_FOLDER):
            return None
        return "" if text == "." else text

    def _rescan(self, under: str) -> StoreChange:
        """List the folders at or below ``under`` (``""``: all); read what is new or changed,
        forget what is gone. A folder that cannot be listed is reported, once."""
        change = StoreChange()
        listing = list_folders(self._root_text, under, self._signatures)
        for folder in [f for f in self.folder_failures if is_below(f, under)]:
            if folder not in listing.folder_errors:
                del self.folder_failures[folder]
        for folder, error in listing.folder_errors.items():
            previous = self.folder_failures.get(folder)
            if previous is None or previous.error != error:
                change.new_errors.append(error)
            self.folder_failures[folder] = Failure(error, False, 0.0, False)
        present = listing.files
        for known in [p for p in self._kinds if p not in present and is_below(p, under)]:
            self._forget(known, change)
        for path, signature in present.items():
            if self._signatures.get(path) != signature or path not in self._kinds:
                self._read(path, change)
        return change

    def _forget(self, relative: str, change: StoreChange) -> None:
        kind = self._kinds.pop(relative, None)
        self._signatures.pop(relative, None)
        self.failures.pop(relative, None)
        self.warnings.pop(relative, None)
        self.work_since.pop(relative, None)
        if kind is None:
            return
        if kind is FileKind.PRIORITIES:
            self.priorities = ()
        self.records[kind].pop(relative, None)
        change.removed.append(relative)

    def _read(self, relative: str, change: StoreChange) -> None:
        known = self._kinds.get(relative)
        place = PLACE_OF_KIND[known] if known in PLACE_OF_KIND else classify(relative)
        if place is None:
            return
        existed = relative in self._kinds
        self._kinds[relative] = place.kind
        loaded = load(
            self._root_text, relative, place, self.settings.max_file_bytes, self._within()
        )
        self._signatures[relative] = (loaded.mtime, loaded.size)
        if loaded.error is not None:
            self._fail(relative, place.kind, loaded.error, loaded.transient, loaded.mtime, change)
            return
        if place.kind is FileKind.PRIORITIES:
            self.priorities = loaded.record
        self._store(relative, place.kind, loaded.record, loaded.problems, change, existed)

    def _store(
        self,
        relative: str,
        kind: FileKind,
        record: Any,
        problems: list[str],
        change: StoreChange,
        existed: bool,
    ) -> None:
        self.failures.pop(relative, None)
        if kind is FileKind.SESSION:
            self._track_work(relative, record)
        self.records[kind][relative] = record
        if problems:
            warnings = [
                FileError(path=relative, reason=reason, kind=kind.value, severity="warning")
                for reason in problems
            ]
            if self.warnings.get(relative) != warnings:
                change.new_errors += warnings
            self.warnings[relative] = warnings
        else:
            self.warnings.pop(relative, None)
        (change.updated if existed else change.added).append(relative)

    def _track_work(self, relative: str, session: Session) -> None:
        previous = self.records[FileKind.SESSION].get(relative)
        if previous is not None and normalise_work(previous.current_work) == normalise_work(
            session.current_work
        ):
            return
        if previous is None:
            since = session.started_at or datetime.fromtimestamp(session.mtime, tz=timezone.utc)
        else:
            since = datetime.fromtimestamp(session.mtime, tz=timezone.utc)
        self.work_since[relative] = since

    def _fail(
        self,
        relative: str,
        kind: FileKind,
        reason: str,
        transient: bool,
        mtime: float,
        change: StoreChange,
    ) -> None:
        kept = relative in self.records[kind]
        error = FileError(path=relative, reason=reason, kind=kind.value)
        previous = self.failures.get(relative)
        self.failures[relative] = Failure(error, transient, mtime, kept)
        self.warnings.pop(relative, None)
        if previous is None or previous.error != error:
            change.new_errors.append(error)
