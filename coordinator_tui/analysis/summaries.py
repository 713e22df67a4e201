"""Milestones, messages, file counts and the errors list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from coordinator_tui.analysis.results import (
    FUTURE_TOLERANCE_S,
    TRANSIENT_GRACE_S,
    Analysis,
    FileCount,
    MessageSummary,
    MilestoneSummary,
    MilestoneView,
    SessionView,
)
from coordinator_tui.files.records import (
    FileError,
    Message,
    Milestone,
)
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot


def milestone_progress(milestone: Milestone) -> tuple[float, str, int, int]:
    """(progress 0–100, where it came from, steps done, steps total)."""
    total = len(milestone.steps)
    done = sum(1 for step in milestone.steps if step.status == "completed")
    if milestone.status == "completed":
        return 100.0, "status", done, total
    if milestone.progress is not None:
        return milestone.progress, "progress", done, total
    if total:
        return round(100.0 * done / total, 1), "steps", done, total
    return 0.0, "status", done, total


def milestone_updated(milestone: Milestone) -> datetime:
    """When a milestone last moved: its ``updated_at``, else its file's time."""
    return milestone.updated_at or datetime.fromtimestamp(milestone.mtime, tz=timezone.utc)


def summarise_milestones(
    milestones: tuple[Milestone, ...], now: datetime, settings: Settings
) -> MilestoneSummary:
    items = []
    by_status: dict[str, int] = defaultdict(int)
    for milestone in milestones:
        progress, source, done, total = milestone_progress(milestone)
        stalled = (
            milestone.status == "in_progress"
            and (now - milestone_updated(milestone)).total_seconds() > settings.stalled_after_s
        )
        by_status[milestone.status] += 1
        items.append(MilestoneView(milestone, progress, source, stalled, done, total))
    order = {"in_progress": 0, "blocked": 1, "pending": 2, "unknown": 3, "completed": 4}
    items.sort(key=lambda v: (order.get(v.milestone.status, 5), -v.progress, v.milestone.title))
    counted = [view for view in items if view.milestone.status != "abandoned"]
    completed = sum(1 for view in counted if view.milestone.status == "completed")
    return MilestoneSummary(
        total=len(items),
        by_status=dict(sorted(by_status.items())),
        completion_pct=round(100.0 * completed / len(counted), 1) if counted else 0.0,
        mean_progress=round(sum(v.progress for v in counted) / len(counted), 1) if counted else 0.0,
        items=tuple(items),
        stalled=sum(1 for view in items if view.stalled),
    )


def summarise_messages(
    messages: tuple[Message, ...], unread: dict[str, int] | None = None
) -> MessageSummary:
    """The parsed messages (the history window), newest first; the totals also count the
    message files listed but not parsed (``unread``, older than the window)."""
    unread = unread or {}
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    ordered = sorted(messages, key=lambda m: (m.timestamp or oldest, m.path), reverse=True)
    return MessageSummary(
        broadcast=sum(1 for m in messages if m.kind == "broadcast") + unread.get("broadcast", 0),
        direct=sum(1 for m in messages if m.kind == "direct") + unread.get("direct", 0),
        recovered=sum(1 for m in messages if m.recovered),
        latest=tuple(ordered),
    )


def file_counts(snapshot: Snapshot, sessions_recovered: int) -> dict[str, FileCount]:
    """Files found, read and recovered per kind (the engine keeps the sessions' recovered
    count as they change)."""
    groups: dict[str, tuple[Any, ...]] = {
        "milestones": snapshot.milestones,
        "messages": snapshot.messages,
        "claims": snapshot.claims,
        "heartbeats": snapshot.heartbeats,
    }
    found = snapshot.found
    counts = {
        "sessions": FileCount(found.get("sessions", 0), len(snapshot.sessions), sessions_recovered)
    }
    for kind, records in groups.items():
        recovered = sum(1 for record in records if record.recovered)
        counts[kind] = FileCount(found.get(kind, 0), len(records), recovered)
    return counts


def future_events(snapshot: Snapshot, now: datetime) -> list[FileError]:
    """A warning naming each heartbeat event file stamped more than the tolerance ahead:
    it is left out of liveness, and the reader should know which file lies."""
    warnings = []
    for beat in snapshot.heartbeats:
        stamp = beat.timestamp
        if stamp is not None and (stamp - now).total_seconds() > FUTURE_TOLERANCE_S:
            warnings.append(
                FileError(
                    path=beat.path,
                    reason=f"timestamp {stamp:%Y-%m-%d %H:%M:%S} UTC is in the future; "
                    "ignored for liveness",
                    kind="heartbeats",
                    severity="warning",
                )
            )
    return warnings


def future_heartbeat(view: SessionView, now: datetime) -> FileError | None:
    """The warning for a session whose own ``last_heartbeat`` lies in the future (beyond
    the tolerance): it is ignored for liveness, and the reader should know which file."""
    beat = view.session.last_heartbeat
    if beat is None or (beat - now).total_seconds() <= FUTURE_TOLERANCE_S:
        return None
    note = (
        "ignored; no credible sign of life"
        if view.heartbeat is None
        else "ignored; liveness from the newest credible signal"
    )
    return FileError(
        path=view.key,
        reason=f"last_heartbeat {beat:%Y-%m-%d %H:%M:%S} UTC is in the future; {note}",
        kind="sessions",
        severity="warning",
    )


def shared_id_warnings(paths_by_id: Mapping[str, Iterable[str]]) -> list[FileError]:
    """A warning on each file of an id that more than one file claims."""
    warnings = []
    for session_id, keys in paths_by_id.items():
        paths = sorted(keys)  # the same words whatever order the directory lists them in
        if len(paths) < 2:
            continue
        for path in paths:
            others = ", ".join(p for p in paths if p != path)
            warnings.append(
                FileError(
                    path=path,
                    reason=f"session_id {session_id!r} is also claimed by {others}",
                    kind="sessions",
                    severity="warning",
                )
            )
    return warnings


def list_errors(
    snapshot: Snapshot,
    now: datetime,
    future: Iterable[FileError],
    shared_ids: Mapping[str, Iterable[str]],
) -> tuple[tuple[FileError, ...], int]:
    """The errors list and how many failed reads are still in their grace period: the
    store's failures and warnings, the ``future_heartbeat`` warnings of the sessions,
    heartbeat events stamped ahead, and the ids two files claim."""
    errors: list[FileError] = []
    pending = 0
    for failure in snapshot.failures:
        young = now.timestamp() - failure.mtime < TRANSIENT_GRACE_S
        if young and (failure.transient or failure.kept_last_good):
            pending += 1
            continue
        reason = failure.error.reason
        if failure.kept_last_good:
            reason += " (showing the last good read)"
        errors.append(FileError(path=failure.error.path, reason=reason, kind=failure.error.kind))
    errors.extend(snapshot.warnings)
    errors.extend(future)
    errors.extend(future_events(snapshot, now))
    errors.extend(shared_id_warnings(shared_ids))
    errors.sort(key=lambda e: (e.severity != "error", e.path, e.reason))
    return tuple(errors), pending


SESSION_FOLDERS = (".", "sessions")


def unread_sessions(analysis: Analysis) -> FileError | None:
    """The folder error that left the sessions unknown (the directory or ``sessions/``
    could not be listed), or None: ``status`` then exits 1."""
    for error in analysis.errors:
        if error.kind == "folder" and error.path in SESSION_FOLDERS:
            return error
    return None
