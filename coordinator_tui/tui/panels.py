"""Analysis → what the side panels, the summary strip and the notifications say.

Like ``rows`` (the session table), this words an analysis and never analyses:
each function returns frozen, already-sanitised models the dashboard screen
holds as reactive state and binds down to a widget.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from coordinator_tui.analysis import Analysis, Health, SessionView
from coordinator_tui.analysis.changes import Changes
from coordinator_tui.files.records import Message
from coordinator_tui.render.health import HEALTH, MILESTONE_STATUS
from coordinator_tui.render.trends import sparkline
from coordinator_tui.tui.rows import cell_text


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    kind: str
    text: str
    since: datetime


def alerts(
    analysis: Analysis,
    first_seen: dict[str, datetime],
    stale: Iterable[SessionView] | None = None,
) -> list[Alert]:
    """Duplicates, overlaps, claim conflicts and stale sessions, newest first.

    ``first_seen`` is the caller's memory of when each alert appeared (updated
    here); a stale session's alert dates from the moment it went stale.
    ``stale``: the stale sessions when the caller knows them (else every session is looked at).
    """
    found: list[tuple[str, str, str, datetime | None]] = []
    for group in analysis.duplicates:
        text = f"{len(group.sessions)} on {cell_text(group.work, 60)}: " + ", ".join(
            cell_text(member, 30) for member in group.sessions
        )
        found.append((f"dup:{group.work_key}", "duplicate", text, None))
    for overlap in analysis.overlaps[:50]:
        text = (
            f"{cell_text(overlap.first, 30)} ~ {cell_text(overlap.second, 30)} "
            f"({overlap.score:.2f}): {cell_text(overlap.first_work, 40)}"
        )
        found.append((f"overlap:{overlap.first}:{overlap.second}", "overlap", text, None))
    for conflict in analysis.conflicts:
        text = (
            f"{cell_text(conflict.session, 30)} works on {cell_text(conflict.work, 40)}, "
            f"claimed by {cell_text(conflict.claimed_by, 30)}"
        )
        found.append((f"conflict:{conflict.session}:{conflict.claim}", "claim", text, None))
    stale_after = timedelta(seconds=analysis.settings.stale_after_s)
    for view in analysis.sessions if stale is None else stale:
        if view.health is Health.STALE and view.heartbeat is not None:
            text = f"{cell_text(view.id, 40)} silent since {view.heartbeat:%H:%M} UTC"
            found.append((f"stale:{view.key}", "stale", text, view.heartbeat + stale_after))
    current = {key for key, *_ in found}
    for key in [key for key in first_seen if key not in current]:
        del first_seen[key]
    result = []
    for key, kind, text, since in found:
        moment = since or first_seen.setdefault(key, analysis.now)
        result.append(Alert(key, kind, text, moment))
    result.sort(key=lambda alert: (alert.since, alert.key), reverse=True)
    return result


@dataclass(frozen=True, slots=True)
class PriorityLine:
    score: str
    name: str
    description: str
    suggestion: str


def priority_lines(analysis: Analysis) -> list[PriorityLine]:
    suggested = {item.priority: item.session for item in analysis.suggestions}
    lines = []
    for view in analysis.priorities:
        if not view.available:
            continue
        who = suggested.get(view.item.name)
        lines.append(
            PriorityLine(
                score=f"{view.item.score:g}",
                name=cell_text(view.item.name, 40),
                description=cell_text(view.item.description, 80),
                suggestion=cell_text(who, 30) if who else "",
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class MilestoneLine:
    symbol: str
    style: str
    title: str
    owner: str
    status: str
    progress: float
    stalled: bool


def milestone_lines(analysis: Analysis) -> list[MilestoneLine]:
    return [
        MilestoneLine(
            symbol=look.symbol if look else "?",
            style=look.style if look else "",
            title=cell_text(item.milestone.title, 60),
            owner=cell_text(item.milestone.owner or "—", 30),
            status=cell_text(item.milestone.status, 20),
            progress=item.progress,
            stalled=item.stalled,
        )
        for item in analysis.milestones.items
        for look in (MILESTONE_STATUS.get(item.milestone.status),)
    ]


@dataclass(frozen=True, slots=True)
class MilestoneBoard:
    """Everything the milestone panel shows: one line a milestone and the overall gauge."""

    lines: tuple[MilestoneLine, ...]
    completion_pct: float


def milestone_board(analysis: Analysis) -> MilestoneBoard:
    return MilestoneBoard(tuple(milestone_lines(analysis)), analysis.milestones.completion_pct)


@dataclass(frozen=True, slots=True)
class BroadcastLine:
    time: str
    sender: str
    subject: str
    recovered: bool


def broadcast_lines(analysis: Analysis, limit: int = 30) -> list[BroadcastLine]:
    lines = []
    for message in analysis.messages.latest:
        if message.kind != "broadcast":
            continue
        lines.append(_broadcast_line(message))
        if len(lines) >= limit:
            break
    return lines


def _broadcast_line(message: Message) -> BroadcastLine:
    when = f"{message.timestamp:%m-%d %H:%M}" if message.timestamp else "—"
    return BroadcastLine(
        time=when,
        sender=cell_text(message.sender, 30),
        subject=cell_text(message.subject, 80) or "(no subject)",
        recovered=message.recovered,
    )


# --- notifications ------------------------------------------------------------------------


def change_notes(news: Changes) -> list[str]:
    """``analysis.changes`` in words for notifications (plain text, already safe)."""
    notes: list[str] = []
    for group in news.new_duplicates:
        members = ", ".join(cell_text(member, 30) for member in group.sessions[:4])
        notes.append(f"Duplicate work: {members} on {cell_text(group.work, 50)}")
    if len(news.went_stale) > 3:
        notes.append(f"{len(news.went_stale)} sessions went stale")
    else:
        notes.extend(f"{cell_text(view.id, 40)} went stale" for view in news.went_stale)
    notes.extend(
        f"Milestone completed: {cell_text(item.milestone.title, 60)}" for item in news.completed
    )
    return notes


def summary_counts(analysis: Analysis) -> tuple[tuple[str, int, str], ...]:
    counts = analysis.counts
    return (
        ("live", counts.live, "bold"),
        ("working", counts.working, HEALTH[Health.WORKING].style),
        ("idle", counts.idle, HEALTH[Health.IDLE].style),
        ("stale", counts.stale, HEALTH[Health.STALE].style),
        ("gone", counts.gone, "dim"),
    )


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """The summary strip's whole state: counts and trend, or a waiting notice."""

    counts: tuple[tuple[str, int, str], ...] = ()
    """(label, value, style) in the order shown."""
    utilization: float = 0.0
    sparkline: str = ""
    note: str = ""
    short: bool = False
    """A side pane: tighter spacing, the same numbers."""
    waiting: str = ""
    """When set, the strip shows only this notice (the directory is not there)."""


def summary_line(
    analysis: Analysis | None,
    *,
    waiting_for: str,
    watch_mode: str,
    points: Sequence[float],
    compact: bool,
) -> SummaryLine | None:
    """The strip for ``analysis``; None while there is nothing to show yet.

    ``points`` is the utilization trend, oldest first; a compact strip shows the last ten.
    """
    if watch_mode == "waiting" or (analysis is not None and not analysis.exists):
        return SummaryLine(waiting=f"waiting for {waiting_for} to appear…")
    if analysis is None:
        return None
    note = "polling" if watch_mode == "polling" else ""
    problems = len(analysis.errors)
    if problems:
        note = f"{problems} file problem{'s' if problems != 1 else ''}  {note}".strip()
    return SummaryLine(
        counts=summary_counts(analysis),
        utilization=analysis.counts.utilization,
        sparkline=sparkline(list(points)[-10:] if compact else points),
        note=note,
        short=compact,
    )
