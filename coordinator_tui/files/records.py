"""Records: what each file in a coordination directory means, once read.

Frozen, slotted dataclasses with unknown fields kept in ``extra`` (the detail view
shows them). ``files.builders`` makes them from the raw JSON a file held, after
coercing every field, so nothing validates again here: a scan of 10,000 sessions
builds 10,000 records, and the standard library's dataclasses cost neither an
import of pydantic nor validation per record. Strings are stored whole and
untouched; display code sanitises and clips them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum
from operator import attrgetter
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


class Compact:
    """Pickled as the class and a tuple of its fields' values, rebuilt by setting the
    slots directly (``rebuild``).

    The forked readers (``prefetch``, ``history.elsewhere``) hand thousands of records
    to the parent through a pipe. A slotted dataclass pickles by default through
    Python-level ``__getstate__``/``__setstate__`` that call ``fields()`` and
    ``object.__setattr__`` per field: about 13 µs a session record both ways, against
    4–6 µs this way (by hand, 5,000 records). ``copy`` takes the same path.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        getter, _ = _shape(type(self))
        return rebuild, (type(self), getter(self))


_SHAPES: dict[type, tuple[Callable[[Any], tuple[Any, ...]], tuple[Callable[..., None], ...]]] = {}


def _shape(
    cls: type,
) -> tuple[Callable[[Any], tuple[Any, ...]], tuple[Callable[..., None], ...]]:
    """(values of every field as a tuple, each field's slot setter), once a class."""
    known = _SHAPES.get(cls)
    if known is None:
        names = tuple(item.name for item in fields(cls))
        get = attrgetter(*names)
        getter = get if len(names) > 1 else (lambda record: (get(record),))
        known = _SHAPES[cls] = (getter, tuple(getattr(cls, name).__set__ for name in names))
    return known


def rebuild(cls: type, values: tuple[Any, ...]) -> Any:
    """The record ``Compact.__reduce__`` took apart (only ever our own pickles)."""
    _, setters = _shape(cls)
    if len(values) != len(setters):
        raise ValueError(f"{cls.__name__}: {len(values)} values for {len(setters)} fields")
    record: Any = object.__new__(cls)
    for setter, value in zip(setters, values, strict=True):
        setter(record, value)
    return record


@dataclass(frozen=True, slots=True, kw_only=True)
class Record(Compact):
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
class Step(Compact):
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
class PriorityItem(Compact):
    score: float
    name: str
    description: str
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FileError(Compact):
    """A file that could not be read, or was read but looks wrong."""

    path: str
    reason: str
    kind: str = "other"
    severity: str = "error"
    """``error`` (not read) or ``warning`` (read, but something is off)."""


class RecordError(ValueError):
    """The file was valid JSON but cannot be this kind of record."""
