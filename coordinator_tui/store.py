"""The store: parsed records of one coordination directory, kept up to date.

``scan()`` reads the whole directory (skipping files whose size and mtime are
unchanged); ``apply(paths)`` reads only what changed and says what changed.
When a file that had a good record cannot be read — a writer caught
mid-rewrite — the last good record is kept and marked, not dropped; the error
becomes visible only once the file has stayed broken for a grace period (the
analysis decides, from the clock it is given).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from coordinator_tui.files import reader
from coordinator_tui.files.builders import (
    build_claim,
    build_heartbeat,
    build_markdown_milestone,
    build_message,
    build_milestone,
    build_session,
    parse_priorities,
)
from coordinator_tui.files.records import (
    Claim,
    FileError,
    FileKind,
    Heartbeat,
    Message,
    Milestone,
    PriorityItem,
    RecordError,
    Session,
)
from coordinator_tui.files.worktext import normalise_work
from coordinator_tui.gcpause import paused_gc
from coordinator_tui.settings import Settings

# Folders (relative to the root) the store lists; nothing else is walked.
_FOLDERS = (
    "",
    "sessions",
    "sessions/MILESTONES",
    "sessions/HEARTBEATS",
    "heartbeats",
    "messages/broadcast",
    "claims",
)
PRIVATE_FOLDER = ".coordinator"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a file lies and so what it is."""

    kind: FileKind
    direct_to: str | None = None
    message_kind: str | None = None


@lru_cache(maxsize=65536)
def classify(relative: str) -> Place | None:
    """What kind of file lies at ``relative`` (``/``-separated), or None to ignore it."""
    parts = relative.split("/")
    name = parts[-1]
    if not name or name.startswith("."):
        return None
    depth = len(parts)
    if depth == 1:
        if name == "priorities.txt":
            return Place(FileKind.PRIORITIES)
        if name == "claude_sessions.json":
            return Place(FileKind.REGISTRY)
        return None
    top = parts[0]
    if top == "sessions":
        if depth == 2:
            if name == "REGISTRY.json":
                return Place(FileKind.REGISTRY)
            if name.startswith("session") and name.endswith(".json"):
                return Place(FileKind.SESSION)
            return None
        if depth == 3 and parts[1] == "MILESTONES" and name.endswith((".json", ".md")):
            return Place(FileKind.MILESTONE)
        if depth == 3 and parts[1] == "HEARTBEATS" and name.endswith(".json"):
            return Place(FileKind.HEARTBEAT)
        return None
    if top == "heartbeats" and depth == 2 and name.endswith(".json"):
        return Place(FileKind.HEARTBEAT)
    if top == "claims" and depth == 2 and name.endswith(".claim"):
        return Place(FileKind.CLAIM)
    if top == "messages" and name.endswith(".json"):
        if depth == 3 and parts[1] == "broadcast":
            return Place(FileKind.MESSAGE, message_kind="broadcast")
        if depth == 4 and parts[1] == "direct":
            return Place(FileKind.MESSAGE, direct_to=parts[2], message_kind="direct")
    return None


@dataclass(frozen=True, slots=True)
class Failure:
    """A file whose latest read failed."""

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


_UNKNOWN = (-2.0, -2)
# Kinds whose Place carries nothing but the kind (messages also carry the recipient).
_PLACE_OF_KIND = {kind: Place(kind) for kind in FileKind if kind is not FileKind.MESSAGE}


def _stem(relative: str) -> str:
    name = relative.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


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
            return self._scan()

    def _scan(self) -> StoreChange:
        self._root_real = None
        present = dict(self._list_files())
        change = StoreChange()
        for relative in [path for path in self._kinds if path not in present]:
            self._forget(relative, change)
        for relative, signature in present.items():
            if self._signatures.get(relative) == signature and relative in self._kinds:
                continue
            self._read(relative, change)
        return change

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
                if relative == "" and self.exists:
                    change.merge(self.scan())
                continue
            if classify(relative) is None and (self.root / relative).is_dir():
                change.merge(self._scan_below(relative))
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
            milestones=tuple(self.records[FileKind.MILESTONE].values()),
            messages=tuple(self.records[FileKind.MESSAGE].values()),
            claims=tuple(self.records[FileKind.CLAIM].values()),
            heartbeats=tuple(self.records[FileKind.HEARTBEAT].values()),
            priorities=self.priorities,
            failures=tuple(self.failures.values()),
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

    def _list_files(self, under: str = "") -> Iterable[tuple[str, tuple[float, int]]]:
        folders = [f for f in _FOLDERS if f.startswith(under) or under.startswith(f)]
        if under.startswith("messages") or not under:
            folders += self._direct_folders()
        for folder in folders:
            if under and not (folder == under or folder.startswith(under + "/")):
                continue
            base = self.root / folder if folder else self.root
            try:
                entries = list(os.scandir(base))
            except OSError:
                continue
            for entry in entries:
                relative = f"{folder}/{entry.name}" if folder else entry.name
                if classify(relative) is None:
                    continue
                if relative not in self._signatures:
                    yield relative, _UNKNOWN  # never read: no need to stat, it is read anyway
                    continue
                try:
                    info = entry.stat(follow_symlinks=True)
                    signature = (info.st_mtime, info.st_size)
                except OSError:
                    signature = (-1.0, -1)
                yield relative, signature

    def _direct_folders(self) -> list[str]:
        try:
            return [
                f"messages/direct/{entry.name}"
                for entry in os.scandir(self.root / "messages" / "direct")
                if entry.is_dir() and not entry.name.startswith(".")
            ]
        except OSError:
            return []

    def _scan_below(self, relative: str) -> StoreChange:
        change = StoreChange()
        present = dict(self._list_files(relative))
        for known in [p for p in self._kinds if p.startswith(relative + "/")]:
            if known not in present:
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
        known: FileKind | None = self._kinds.get(relative)
        place = _PLACE_OF_KIND[known] if known in _PLACE_OF_KIND else classify(relative)
        if place is None:
            return
        path = os.path.join(self._root_text, relative)
        stem = _stem(relative)
        existed = relative in self._kinds
        self._kinds[relative] = place.kind
        if place.kind is FileKind.PRIORITIES:
            self._read_priorities(relative, change, existed)
            return
        if place.kind is FileKind.MILESTONE and relative.endswith(".md"):
            self._read_markdown(relative, stem, change, existed)
            return
        keys = {
            FileKind.MESSAGE: reader.MESSAGE_KEYS,
            FileKind.HEARTBEAT: reader.HEARTBEAT_KEYS,
            FileKind.SESSION: reader.SESSION_KEYS,
            FileKind.CLAIM: reader.CLAIM_KEYS,
        }.get(place.kind)
        result = reader.read_json_file(path, self.settings.max_file_bytes, keys, self._within())
        self._signatures[relative] = (result.mtime, result.size)
        if result.error is not None:
            self._fail(relative, place.kind, result.error, result.transient, result.mtime, change)
            return
        try:
            record, problems = self._build(place, result, relative, stem)
        except RecordError as error:
            self._fail(relative, place.kind, str(error), False, result.mtime, change)
            return
        if result.lossy:
            problems.append("text that is not valid UTF-8 replaced with U+FFFD")
        self._store(relative, place.kind, record, problems, change, existed)

    def _build(
        self, place: Place, result: reader.ReadResult, relative: str, stem: str
    ) -> tuple[Any, list[str]]:
        args = (result.data, relative, stem, result.recovered, result.mtime)
        if place.kind is FileKind.SESSION:
            return build_session(*args)
        if place.kind is FileKind.MILESTONE:
            return build_milestone(*args)
        if place.kind is FileKind.MESSAGE:
            return build_message(*args, place.message_kind or "broadcast", place.direct_to)
        if place.kind is FileKind.CLAIM:
            return build_claim(*args)
        if place.kind is FileKind.HEARTBEAT:
            return build_heartbeat(*args)
        if not isinstance(result.data, (dict, list)):
            raise RecordError("expected a JSON object or array")
        return result.data, []

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

    def _read_priorities(self, relative: str, change: StoreChange, existed: bool) -> None:
        data, error, mtime, size = reader.read_bytes(
            self.root / relative, self.settings.max_file_bytes, self._within()
        )
        self._signatures[relative] = (mtime, size)
        if data is None:
            self._fail(relative, FileKind.PRIORITIES, error or "unreadable", False, mtime, change)
            return
        text, lossy = reader.decode_text(data)
        items, problems = parse_priorities(text)
        self.priorities = tuple(items)
        reasons = [reason for _, reason in problems]
        if lossy:
            reasons.append("invalid UTF-8 bytes replaced")
        self._store(relative, FileKind.PRIORITIES, tuple(items), reasons, change, existed)

    def _read_markdown(self, relative: str, stem: str, change: StoreChange, existed: bool) -> None:
        data, error, mtime, size = reader.read_bytes(
            self.root / relative, self.settings.max_file_bytes, self._within()
        )
        self._signatures[relative] = (mtime, size)
        if data is None:
            self._fail(relative, FileKind.MILESTONE, error or "unreadable", False, mtime, change)
            return
        text, lossy = reader.decode_text(data)
        milestone, problems = build_markdown_milestone(text, relative, stem, mtime)
        if lossy:
            problems.append("invalid UTF-8 bytes replaced")
        self._store(relative, FileKind.MILESTONE, milestone, problems, change, existed)
