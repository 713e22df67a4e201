"""Builders: a record, and a list of problems, from the raw JSON value a file held.

A wrong type is coerced where its meaning is clear (``"42"`` for a count, a
comma-separated string for a list) and reported where it is not. Unknown
fields are kept in ``extra``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Any

from coordinator_tui.files.coerce import (
    Problems,
    as_bool,
    as_int,
    as_number,
    as_text,
    as_text_list,
    as_time,
    construct,
    extra_fields,
    require_object,
)
from coordinator_tui.files.reader import CLAIM_KEYS, MESSAGE_KEYS
from coordinator_tui.files.records import (
    Claim,
    Heartbeat,
    Message,
    Milestone,
    PriorityItem,
    Session,
    Step,
)
from coordinator_tui.files.timeparse import parse_timestamp

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
    obj = require_object(data)
    problems = Problems()
    raw_id = as_text(obj.get("session_id"), "session_id", problems)
    session_id = raw_id.strip() if raw_id else ""
    if raw_id and session_id and stem not in (session_id, f"session-{session_id}"):
        problems.append(f"session_id {json.dumps(raw_id[:60])} differs from the file name {stem}")
    session_id = session_id or stem
    if not raw_id:
        problems.append(f"no session_id; using the file name {stem}")
    texts = [obj.get(name) for name in _SESSION_TEXTS]
    for index, value in enumerate(texts):  # text is the rule: coerced only when not
        if value is not None and type(value) is not str:
            texts[index] = as_text(value, _SESSION_TEXTS[index], problems)
    started, beat, count = (
        obj.get("started_at"),
        obj.get("last_heartbeat"),
        obj.get("heartbeat_count"),
    )
    session = Session(
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra={} if _SESSION_SEEN.issuperset(obj) else extra_fields(obj, _SESSION_FIELDS),
        session_id=session_id,
        status=texts[0],
        current_work=texts[1],
        capabilities=as_text_list(obj.get("capabilities"), "capabilities", problems),
        specialization=as_text_list(obj.get("specialization"), "specialization", problems),
        name=texts[2],
        role=texts[3],
        started_at=None if started is None else as_time(started, "started_at", problems),
        last_heartbeat=None if beat is None else as_time(beat, "last_heartbeat", problems),
        heartbeat_count=count
        if type(count) is int and abs(count) <= 2**53
        else as_int(count, "heartbeat_count", problems),
    )
    return session, list(problems)


_SESSION_TEXTS = ("status", "current_work", "name", "role")
_SESSION_SEEN = frozenset(_SESSION_FIELDS)


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


def _steps(value: Any, problems: Problems) -> tuple[Step, ...]:
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
        number = as_text(item.get("step", index), "step", problems) or str(index)
        steps.append(
            construct(
                Step,
                number=number,
                description=as_text(item.get("description"), "step description", problems) or "",
                status=normalise_status(as_text(item.get("status"), "step status", problems)),
                completed_by=as_text(item.get("completed_by"), "completed_by", problems),
                completed_at=as_time(item.get("completed_at"), "completed_at", problems),
            )
        )
    return tuple(steps)


def build_milestone(
    data: Any, path: str, stem: str, recovered: bool, mtime: float
) -> tuple[Milestone, list[str]]:
    obj = require_object(data)
    problems = Problems()
    progress = as_number(obj.get("progress"), "progress", problems)
    if progress is not None and not 0 <= progress <= 100:
        problems.add("progress", obj.get("progress"), "is outside 0–100; clamped")
        progress = min(max(progress, 0.0), 100.0)
    raw_status = as_text(obj.get("status"), "status", problems)
    status = normalise_status(raw_status)
    if raw_status and status == "unknown":
        problems.add("status", raw_status, "is not a known milestone status")
    milestone = construct(
        Milestone,
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra=extra_fields(obj, _MILESTONE_FIELDS),
        milestone_id=as_text(obj.get("milestone_id"), "milestone_id", problems) or stem,
        title=as_text(obj.get("title"), "title", problems) or stem,
        priority=as_text(obj.get("priority"), "priority", problems),
        owner=as_text(obj.get("owner"), "owner", problems),
        status=status,
        progress=progress,
        created_at=as_time(obj.get("created_at"), "created_at", problems),
        updated_at=as_time(obj.get("updated_at"), "updated_at", problems),
        steps=_steps(obj.get("steps"), problems),
        blockers=as_text_list(obj.get("blockers"), "blockers", problems),
        next_session_should=as_text_list(
            obj.get("next_session_should"), "next_session_should", problems
        ),
        handoff_notes=as_text(obj.get("handoff_notes"), "handoff_notes", problems),
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


_MESSAGE_FIELDS = set(MESSAGE_KEYS)  # the send script's keys, as the reader knows them
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
    obj = require_object(data)
    problems = Problems()
    sender = as_text(obj.get("from"), "from", problems)
    if not sender:
        match = re.match(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-(.+)$", stem)
        sender = match.group(1) if match else "unknown"
    timestamp = as_time(obj.get("timestamp"), "timestamp", problems) or stamp_from_name(stem)
    message = construct(
        Message,
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra=extra_fields(obj, _MESSAGE_FIELDS),
        kind=kind,
        sender=sender,
        to=folder_to or as_text(obj.get("to"), "to", problems) or "broadcast",
        timestamp=timestamp,
        subject=as_text(obj.get("subject"), "subject", problems) or "",
        body=as_text(obj.get("message"), "message", problems) or "",
    )
    return message, list(problems)


_CLAIM_FIELDS = set(CLAIM_KEYS)


def build_claim(
    data: Any, path: str, stem: str, recovered: bool, mtime: float
) -> tuple[Claim, list[str]]:
    obj = require_object(data)
    problems = Problems()
    claimed_at = as_time(obj.get("claimed_at"), "claimed_at", problems)
    duration = as_number(obj.get("duration_hours"), "duration_hours", problems)
    expires_at = as_time(obj.get("expires_at"), "expires_at", problems)
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
        extra=extra_fields(obj, _CLAIM_FIELDS),
        name=stem,
        resource_type=as_text(obj.get("resource_type"), "resource_type", problems),
        resource_name=as_text(obj.get("resource_name"), "resource_name", problems),
        claimed_by=as_text(obj.get("claimed_by"), "claimed_by", problems),
        claimed_at=claimed_at,
        expires_at=expires_at,
        duration_hours=duration,
        allow_coordination=as_bool(obj.get("allow_coordination"), "allow_coordination", problems),
    )
    return claim, list(problems)


def build_heartbeat(
    data: Any, path: str, stem: str, recovered: bool, mtime: float
) -> tuple[Heartbeat, list[str]]:
    obj = require_object(data)
    problems = Problems()
    session_id = as_text(obj.get("session_id"), "session_id", problems)
    if not session_id:
        match = re.match(r"^(?:\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-)?(.+)$", stem)
        session_id = match.group(1) if match else stem
    timestamp = as_time(obj.get("timestamp"), "timestamp", problems) or stamp_from_name(stem)
    heartbeat = construct(
        Heartbeat,
        path=path,
        recovered=recovered,
        mtime=mtime,
        extra=extra_fields(obj, {"session_id", "timestamp"}),
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
