"""Records: what each file in a coordination directory means, once read.

Builders take the raw JSON value a file held and return a record plus a list
of problems: a wrong type is coerced where its meaning is clear (``"42"`` for a
count, a comma-separated string for a list) and reported where it is not.
Unknown fields are kept in ``extra`` so the detail view can show them. Strings
are stored whole and untouched; display code sanitises and clips them.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from coordinator_tui.core.timeparse import parse_timestamp


class FileKind(str, Enum):
    """What a file in the directory is, from where it lies."""

    SESSION = "sessions"
    MILESTONE = "milestones"
    MESSAGE = "messages"
    CLAIM = "claims"
    HEARTBEAT = "heartbeats"
    PRIORITIES = "priorities"
    REGISTRY = "registries"


class Record(BaseModel):
    """Fields every record shares: where it came from and how it was read."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    path: str
    """Path relative to the coordination root, with ``/`` separators."""
    recovered: bool = False
    """The file was not valid JSON and was recovered by the lenient reader."""
    mtime: float = 0.0
    """Modification time of the file when read (epoch seconds)."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Fields this program does not know, kept as they were."""


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


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str = ""
    description: str = ""
    status: str = "pending"
    completed_by: str | None = None
    completed_at: datetime | None = None


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


class Message(Record):
    kind: str
    """``broadcast`` or ``direct``."""
    sender: str
    to: str
    timestamp: datetime | None = None
    subject: str = ""
    body: str = ""


class Claim(Record):
    name: str
    resource_type: str | None = None
    resource_name: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    expires_at: datetime | None = None
    duration_hours: float | None = None
    allow_coordination: bool | None = None


class Heartbeat(Record):
    session_id: str
    timestamp: datetime | None = None


class PriorityItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: float
    name: str
    description: str
    line: int


class FileError(BaseModel):
    """A file that could not be read, or was read but looks wrong."""

    model_config = ConfigDict(frozen=True)

    path: str
    reason: str
    kind: str = "other"
    severity: str = "error"
    """``error`` (not read) or ``warning`` (read, but something is off)."""


# --- construction ----------------------------------------------------------------------

_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {}
_RecordT = TypeVar("_RecordT", bound=BaseModel)


def construct(cls: type[_RecordT], **values: Any) -> _RecordT:
    """A record from values the builders have already coerced to the right types.

    What ``model_construct`` does, without its per-call bookkeeping: a scan of
    10,000 sessions builds 10,000 records, and validation would only repeat the
    coercion the builders did. Defaults (including factories) are filled in.
    """
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = {}
        for name, info in cls.model_fields.items():
            if not info.is_required():
                defaults[name] = info
        _DEFAULTS[cls] = defaults
    data = dict(values)
    for name, info in defaults.items():
        if name not in data:
            data[name] = info.get_default(call_default_factory=True)
    record = cls.__new__(cls)
    object.__setattr__(record, "__dict__", data)
    object.__setattr__(record, "__pydantic_fields_set__", set(values))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


# --- coercion helpers -------------------------------------------------------------


class _Problems(list[str]):
    def add(self, field: str, value: Any, meaning: str) -> None:
        shown = repr(value) if not isinstance(value, str) else json.dumps(value[:40])
        self.append(f"{field} {shown} {meaning}")


def _text(value: Any, field: str, problems: _Problems) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        problems.add(field, value, "is a boolean; shown as text")
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    problems.add(field, type(value).__name__, "is not text; shown as JSON")
    return json.dumps(value, ensure_ascii=False, default=str)


def _text_list(value: Any, field: str, problems: _Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            text = item if isinstance(item, str) else _text(item, field, problems)
            if text:
                out.append(text)
        return tuple(out)
    problems.add(field, type(value).__name__, "is not a list; ignored")
    return ()


def _time(value: Any, field: str, problems: _Problems) -> datetime | None:
    if value is None or value == "":
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        problems.add(field, value, "is not a timestamp; treated as unknown")
    return parsed


def _number(value: Any, field: str, problems: _Problems) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        problems.add(field, value, "is not a number; ignored")
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%").strip())
        except ValueError:
            problems.add(field, value, "is not a number; ignored")
            return None
    else:
        problems.add(field, type(value).__name__, "is not a number; ignored")
        return None
    if not math.isfinite(number):
        problems.add(field, value, "is not a finite number; ignored")
        return None
    return number


def _int(value: Any, field: str, problems: _Problems) -> int | None:
    number = _number(value, field, problems)
    if number is None:
        return None
    if abs(number) > 2**53:
        problems.add(field, value, "is out of range; ignored")
        return None
    return int(number)


def _bool(value: Any, field: str, problems: _Problems) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "false", "no", "0"}:
        return value.strip().lower() in {"true", "yes", "1"}
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    problems.add(field, value, "is not true/false; ignored")
    return None


def _extra(data: dict[str, Any], known: set[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in known}


def _require_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        kind = "an array" if isinstance(data, list) else f"a {type(data).__name__}"
        raise RecordError(f"expected a JSON object, found {kind}")
    return data


class RecordError(ValueError):
    """The file was valid JSON but cannot be this kind of record."""


# --- builders -----------------------------------------------------------------------

_SESSION_FIELDS = {
    "session_id",
    "status",
    "current_work",
    "capabilities",
    "specialization",
    "name",
    "role",
    "started_at",
    "last_heartbeat",
    "heartbeat_count",
}


def build_session(
    data: Any, path: str, stem: str, recovered: bool, mtime: float
) -> tuple[Session, list[str]]:
    obj = _require_object(data)
    problems = _Problems()
    raw_id = _text(obj.get("session_id"), "session_id", problems)
    session_id = raw_id.strip() if raw_id and raw_id.strip() else stem
    if raw_id and raw_id.strip() and raw_id.strip() != stem:
        problems.append(f"session_id {json.dumps(raw_id[:60])} differs from the file name {stem}")
    if not raw_id:
        problems.append(f"no session_id; using the file name {stem}")
    session = construct(
        Session,
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra=_extra(obj, _SESSION_FIELDS),
        session_id=session_id,
        status=_text(obj.get("status"), "status", problems),
        current_work=_text(obj.get("current_work"), "current_work", problems),
        capabilities=_text_list(obj.get("capabilities"), "capabilities", problems),
        specialization=_text_list(obj.get("specialization"), "specialization", problems),
        name=_text(obj.get("name"), "name", problems),
        role=_text(obj.get("role"), "role", problems),
        started_at=_time(obj.get("started_at"), "started_at", problems),
        last_heartbeat=_time(obj.get("last_heartbeat"), "last_heartbeat", problems),
        heartbeat_count=_int(obj.get("heartbeat_count"), "heartbeat_count", problems),
    )
    return session, list(problems)


_STATUS_ALIASES = {
    "complete": "completed",
    "done": "completed",
    "finished": "completed",
    "in-progress": "in_progress",
    "in progress": "in_progress",
    "inprogress": "in_progress",
    "active": "in_progress",
    "started": "in_progress",
    "todo": "pending",
    "not started": "pending",
    "not_started": "pending",
    "open": "pending",
    "cancelled": "abandoned",
    "canceled": "abandoned",
    "dropped": "abandoned",
}
MILESTONE_STATUSES = ("pending", "in_progress", "blocked", "completed", "abandoned", "unknown")


def normalise_status(value: str | None) -> str:
    """A milestone or step status folded onto the known set."""
    if not value:
        return "unknown"
    text = value.strip().lower().replace("*", "").strip()
    text = _STATUS_ALIASES.get(text, text.replace("-", "_").replace(" ", "_"))
    return text if text in MILESTONE_STATUSES else "unknown"


_MILESTONE_FIELDS = {
    "milestone_id",
    "title",
    "priority",
    "owner",
    "status",
    "progress",
    "created_at",
    "updated_at",
    "steps",
    "blockers",
    "next_session_should",
    "handoff_notes",
}


def _steps(value: Any, problems: _Problems) -> tuple[Step, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add("steps", type(value).__name__, "is not a list; ignored")
        return ()
    steps = []
    for index, item in enumerate(value, start=1):
        if isinstance(item, str):
            steps.append(Step(number=str(index), description=item))
            continue
        if not isinstance(item, dict):
            problems.add(f"steps[{index}]", type(item).__name__, "is not an object; ignored")
            continue
        number = _text(item.get("step", index), "step", problems) or str(index)
        steps.append(
            construct(
                Step,
                number=number,
                description=_text(item.get("description"), "step description", problems) or "",
                status=normalise_status(_text(item.get("status"), "step status", problems)),
                completed_by=_text(item.get("completed_by"), "completed_by", problems),
                completed_at=_time(item.get("completed_at"), "completed_at", problems),
            )
        )
    return tuple(steps)


def build_milestone(
    data: Any, path: str, stem: str, recovered: bool, mtime: float
) -> tuple[Milestone, list[str]]:
    obj = _require_object(data)
    problems = _Problems()
    progress = _number(obj.get("progress"), "progress", problems)
    if progress is not None and not 0 <= progress <= 100:
        problems.add("progress", obj.get("progress"), "is outside 0–100; clamped")
        progress = min(max(progress, 0.0), 100.0)
    raw_status = _text(obj.get("status"), "status", problems)
    status = normalise_status(raw_status)
    if raw_status and status == "unknown":
        problems.add("status", raw_status, "is not a known milestone status")
    milestone = construct(
        Milestone,
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra=_extra(obj, _MILESTONE_FIELDS),
        milestone_id=_text(obj.get("milestone_id"), "milestone_id", problems) or stem,
        title=_text(obj.get("title"), "title", problems) or stem,
        priority=_text(obj.get("priority"), "priority", problems),
        owner=_text(obj.get("owner"), "owner", problems),
        status=status,
        progress=progress,
        created_at=_time(obj.get("created_at"), "created_at", problems),
        updated_at=_time(obj.get("updated_at"), "updated_at", problems),
        steps=_steps(obj.get("steps"), problems),
        blockers=_text_list(obj.get("blockers"), "blockers", problems),
        next_session_should=_text_list(
            obj.get("next_session_should"), "next_session_should", problems
        ),
        handoff_notes=_text(obj.get("handoff_notes"), "handoff_notes", problems),
    )
    return milestone, list(problems)


_MD_STATUS = re.compile(r"^\W*status\W*:\W*([A-Za-z][A-Za-z _-]*)", re.IGNORECASE | re.MULTILINE)
_MD_PROGRESS = re.compile(r"^\W*progress\W*:\W*(\d{1,3})\s*%", re.IGNORECASE | re.MULTILINE)
_MD_TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)
_MD_STEP = re.compile(r"^\s*[-*]\s+\[([ xX])\]\s+(.*)$", re.MULTILINE)


def build_markdown_milestone(
    text: str, path: str, stem: str, mtime: float
) -> tuple[Milestone, list[str]]:
    """The older Markdown milestone: ``Status:`` line, optional ``Progress: N%``, checkboxes."""
    problems: list[str] = []
    status_match = _MD_STATUS.search(text)
    status = normalise_status(status_match.group(1) if status_match else None)
    if status_match is None:
        problems.append("no 'Status:' line")
    title_match = _MD_TITLE.search(text)
    progress_match = _MD_PROGRESS.search(text)
    steps = tuple(
        Step(
            number=str(index),
            description=match.group(2).strip(),
            status="completed" if match.group(1) in "xX" else "pending",
        )
        for index, match in enumerate(_MD_STEP.finditer(text), start=1)
    )
    milestone = construct(
        Milestone,
        path=path,
        mtime=mtime,
        milestone_id=stem,
        title=title_match.group(1).strip() if title_match else stem,
        status=status,
        progress=min(float(progress_match.group(1)), 100.0) if progress_match else None,
        steps=steps,
        source_format="md",
    )
    return milestone, problems


_MESSAGE_FIELDS = {"from", "to", "timestamp", "subject", "message"}
_STAMP_IN_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{2})-(\d{2})-(\d{2})")


def stamp_from_name(name: str) -> datetime | None:
    """The ``YYYY-MM-DD_HH-MM-SS`` prefix of a message or heartbeat file name."""
    match = _STAMP_IN_NAME.match(name)
    if match is None:
        return None
    day, hours, minutes, seconds = match.groups()
    return parse_timestamp(f"{day}T{hours}:{minutes}:{seconds}")


def build_message(
    data: Any, path: str, stem: str, recovered: bool, mtime: float, kind: str, folder_to: str | None
) -> tuple[Message, list[str]]:
    obj = _require_object(data)
    problems = _Problems()
    sender = _text(obj.get("from"), "from", problems)
    if not sender:
        match = re.match(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-(.+)$", stem)
        sender = match.group(1) if match else "unknown"
    timestamp = _time(obj.get("timestamp"), "timestamp", problems) or stamp_from_name(stem)
    message = construct(
        Message,
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra=_extra(obj, _MESSAGE_FIELDS),
        kind=kind,
        sender=sender,
        to=folder_to or _text(obj.get("to"), "to", problems) or "broadcast",
        timestamp=timestamp,
        subject=_text(obj.get("subject"), "subject", problems) or "",
        body=_text(obj.get("message"), "message", problems) or "",
    )
    return message, list(problems)


_CLAIM_FIELDS = {
    "claimed_by",
    "claimed_at",
    "resource_type",
    "resource_name",
    "duration_hours",
    "expires_at",
    "allow_coordination",
}


def build_claim(
    data: Any, path: str, stem: str, recovered: bool, mtime: float
) -> tuple[Claim, list[str]]:
    obj = _require_object(data)
    problems = _Problems()
    claimed_at = _time(obj.get("claimed_at"), "claimed_at", problems)
    duration = _number(obj.get("duration_hours"), "duration_hours", problems)
    expires_at = _time(obj.get("expires_at"), "expires_at", problems)
    if expires_at is None and claimed_at is not None and duration is not None:
        try:
            expires_at = claimed_at + timedelta(hours=duration)
        except OverflowError:
            problems.add("duration_hours", duration, "is out of range; ignored")
    claim = construct(
        Claim,
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra=_extra(obj, _CLAIM_FIELDS),
        name=stem,
        resource_type=_text(obj.get("resource_type"), "resource_type", problems),
        resource_name=_text(obj.get("resource_name"), "resource_name", problems),
        claimed_by=_text(obj.get("claimed_by"), "claimed_by", problems),
        claimed_at=claimed_at,
        expires_at=expires_at,
        duration_hours=duration,
        allow_coordination=_bool(obj.get("allow_coordination"), "allow_coordination", problems),
    )
    return claim, list(problems)


def build_heartbeat(
    data: Any, path: str, stem: str, recovered: bool, mtime: float
) -> tuple[Heartbeat, list[str]]:
    obj = _require_object(data)
    problems = _Problems()
    session_id = _text(obj.get("session_id"), "session_id", problems)
    if not session_id:
        match = re.match(r"^(?:\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-)?(.+)$", stem)
        session_id = match.group(1) if match else stem
    timestamp = _time(obj.get("timestamp"), "timestamp", problems) or stamp_from_name(stem)
    heartbeat = construct(
        Heartbeat,
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra=_extra(obj, {"session_id", "timestamp"}),
        session_id=session_id,
        timestamp=timestamp,
    )
    return heartbeat, list(problems)


_PRIORITY_LINE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*:\s*([^:]*?)\s*:(.*)$")


def parse_priorities(text: str) -> tuple[list[PriorityItem], list[tuple[int, str]]]:
    """``score:name:description`` lines, best first; (items, [(line number, reason)]).

    Blank lines and ``#`` comments are skipped; CRLF is fine; the description may
    hold colons. The order is by score, highest first, stable for equal scores.
    """
    items: list[PriorityItem] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PRIORITY_LINE.match(line)
        if match is None:
            problems.append((number, f"line {number} is not score:name:description"))
            continue
        score = float(match.group(1))
        name = match.group(2).strip()
        if not name or not math.isfinite(score):
            problems.append((number, f"line {number} has no work name"))
            continue
        items.append(
            PriorityItem(score=score, name=name, description=match.group(3).strip(), line=number)
        )
    items.sort(key=lambda item: -item.score)
    return items, problems
