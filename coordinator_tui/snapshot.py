"""What the store hands out: a failure, the change one scan or apply made, and the
immutable ``Snapshot`` one analysis reads (``store`` re-exports all three)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from coordinator_tui.files.records import (
    Claim,
    FileError,
    Heartbeat,
    Message,
    Milestone,
    PriorityItem,
    Session,
)


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
    unread_messages: dict[str, int] = field(default_factory=dict)
    """Message files listed but not parsed (older than the history window), by
    ``broadcast``/``direct``: the message totals count them."""
    session_by_path: dict[str, Session] = field(default_factory=dict, compare=False)
    """The sessions by relative path (the live analysis looks up only the changed ones)."""
    history_pending: int | None = None
    """None: history loaded; else still to come after the sessions, about so many files."""
