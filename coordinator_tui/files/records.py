"""Records: what each file in a coordination directory means, once read.

Frozen, slotted dataclasses with unknown fields kept in ``extra`` (the detail view
shows them). ``files.builders`` makes them from the raw JSON a file held, after
coercing every field, so nothing validates again here: a scan of 10,000 sessions
builds 10,000 records, and the standard library's dataclasses cost neither an
import of pydantic nor validation per record. Strings are stored whole and
untouched; display code sanitises and clips them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class FileKind(str, Enum):
    """What a file in the directory is, from where it lies."""

    SESSION = "sessions"
    MILESTONE = "milestones"
    MESSAGE = "messages"
    CLAIM = "claims"
    HEARTBEAT = "heartbeats"
    PRIORITIES = "priorities"
    REGISTRY = "registries"


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """Fields every record shares: where it came from and how it was read."""

    path: str
    """Path relative to the coordination root, with ``/`` separators."""
    recovered: bool = False
    """The file was not valid JSON and was recovered by the lenient reader."""
    mtime: float = 0.0
    """Modification time of the file when read (epoch seconds)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields this program does not know, kept as they were."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Session(Record):
    session_id: str
    status: str | None = None
    current_work: str | None = None
    capabilities: tuple[str, ...] = ()
    specialization: tuple[str, ...] = ()
    name: str | None = None
    role: str | None = None
    started_at: datetime | None = None
    last_heartbeat: datetime | None = None
    heartbeat_count: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    number: str = ""
    description: str = ""
    status: str = "pending"
    completed_by: str | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Milestone(Record):
    milestone_id: str
    title: str
    priority: str | None = None
    owner: str | None = None
    status: str = "unknown"
    progress: float | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    steps: tuple[Step, ...] = ()
    blockers: tuple[str, ...] = ()
    next_session_should: tuple[str, ...] = ()
    handoff_notes: str | None = None
    source_format: str = "json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Message(Record):
    kind: str
    """``broadcast`` or ``direct``."""
    sender: str
    to: str
    timestamp: datetime | None = None
    subject: str = ""
    body: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim(Record):
    name: str
    resource_type: str | None = None
    resource_name: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    expires_at: datetime | None = None
    duration_hours: float | None = None
    allow_coordination: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Heartbeat(Record):
    session_id: str
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorityItem:
    score: float
    name: str
    description: str
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FileError:
    """A file that could not be read, or was read but looks wrong."""

    path: str
    reason: str
    kind: str = "other"
    severity: str = "error"
    """``error`` (not read) or ``warning`` (read, but something is off)."""


class RecordError(ValueError):
    """The file was valid JSON but cannot be this kind of record."""
