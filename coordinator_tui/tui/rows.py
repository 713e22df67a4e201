"""Analysis → display strings for the dashboard, without Textual.

Widgets never parse or compute: the screen turns an ``Analysis`` into the
plain, sanitised strings below (in a worker thread when the directory is big)
and hands them down. Every string that came from a file goes through
``display()`` here, so a widget only ever wraps ready text in ``rich.Text``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from coordinator_tui.analysis import (
    Analysis,
    Health,
    SessionView,
    session_view,  # the core's own health rule
)
from coordinator_tui.files.records import Message, Session
from coordinator_tui.files.worktext import normalise_work
from coordinator_tui.render.health import HEALTH
from coordinator_tui.render.sanitize import display as _display
from coordinator_tui.render.timetext import age_text, short_age
from coordinator_tui.store import Snapshot

HEALTH_SYMBOL = {health: look.symbol for health, look in HEALTH.items()}
HEALTH_STYLE = {health: look.style for health, look in HEALTH.items()}
SORTS = ("attention", "id", "heartbeat")
WORK_WIDTH = 200
"""Work is cut to this for the table; the detail screen shows more."""


def display(value: object, width: int | None = None) -> str:
    """``core.sanitize.display`` minus emoji variation selectors.

    Terminals disagree on how wide "🏛️" is (U+FE0F asks for two cells, Textual
    counts one); dropping the selector keeps columns and borders aligned.
    """
    text = _display(value)
    if "\ufe0f" in text:
        text = text.replace("\ufe0f", "")
    return _display(text, width) if width is not None else text


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One table row, every cell already a safe display string."""

    key: str
    health: Health
    attention: int
    id: str
    work: str
    age: str
    short_age: str
    age_due: float = field(compare=False)
    """Epoch seconds at which the age text must be computed again."""
    heartbeat: float | None
    beats: str
    capabilities: str
    started: str
    flags: str
    search: str
    """Lower-case id, work and health: what ``/`` matches against."""

    @property
    def health_text(self) -> str:
        return f"{HEALTH_SYMBOL[self.health]} {self.health.value}"

    @property
    def symbol(self) -> str:
        return HEALTH_SYMBOL[self.health]


def table_age(seconds: float | None) -> str:
    """The table's heartbeat age: ``age_text`` at minute granularity.

    A counter of seconds would repaint thousands of cells every second and
    says nothing a monitor needs; the detail screen has the exact time.
    """
    if seconds is not None and 1 <= seconds < 60:
        return "seconds ago"
    return age_text(seconds)


def _age_due(now: datetime, heartbeat: datetime | None) -> float:
    """When the age wording next changes (never later than a minute from now)."""
    stamp = now.timestamp()
    if heartbeat is None:
        return math.inf
    age = stamp - heartbeat.timestamp()
    if age < 1:
        step = 1.0
    elif age < 3600:
        step = 60.0
    else:
        step = 3600.0 if age < 86400 else 86400.0
    boundary = (math.floor(max(age, 0.0) / step) + 1) * step
    return min(heartbeat.timestamp() + boundary, stamp + 60.0)


def _flags(view: SessionView) -> str:
    flags = []
    if view.duplicate:
        flags.append("dup")
    if view.conflict:
        flags.append("claim")
    if view.kept_last_good:
        flags.append("kept")
    return " ".join(flags)


def _static_cells(session: Session) -> tuple[str, str, str, str, str]:
    """The cells that depend on the file alone (cached per record object)."""
    started = f"{session.started_at:%m-%d %H:%M}" if session.started_at else "—"
    beats = "" if session.heartbeat_count is None else str(session.heartbeat_count)
    return (
        display(session.session_id, 60),
        display(session.current_work, WORK_WIDTH),
        display(", ".join(session.capabilities), 60),
        started,
        beats,
    )


class RowBuilder:
    """Builds ``SessionRow``s; remembers the file-only cells per record object.

    Unchanged files keep the same record object in the store, so a refresh of
    10,000 rows sanitises only the files that changed.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Session, tuple[str, str, str, str, str]]] = {}
        self._previous: dict[str, SessionRow] = {}

    def rows(self, analysis: Analysis) -> list[SessionRow]:
        """One row per session. A row whose text did not change is the previous object
        itself, so the table can skip it with an identity check."""
        seen: dict[str, tuple[Session, tuple[str, str, str, str, str]]] = {}
        previous_rows: dict[str, SessionRow] = {}
        stamp = analysis.now.timestamp()
        rows = []
        for view in analysis.sessions:
            cached = self._cache.get(view.key)
            fresh = cached is None or cached[0] is not view.session
            if cached is None or fresh:
                cached = (view.session, _static_cells(view.session))
            seen[view.key] = cached
            previous = self._previous.get(view.key)
            if (
                previous is not None
                and not fresh
                and stamp < previous.age_due
                and previous.health is view.health
                and previous.flags == _flags(view)
            ):
                row = previous
            else:
                row = self._row(view, cached[1], analysis.now)
                if previous is not None and row == previous:
                    row = previous
            previous_rows[view.key] = row
            rows.append(row)
        self._cache = seen
        self._previous = previous_rows
        return rows

    def row(self, view: SessionView, now: datetime) -> SessionRow:
        """A single row, outside a full refresh (the quick path for changed files)."""
        return self._row(view, _static_cells(view.session), now)

    @staticmethod
    def _row(view: SessionView, cells: tuple[str, str, str, str, str], now: datetime) -> SessionRow:
        ident, work, capabilities, started, beats = cells
        if view.placeholder:
            work = work or "—"
        return SessionRow(
            key=view.key,
            health=view.health,
            attention=view.attention,
            id=ident,
            work=work,
            age=table_age(view.heartbeat_age_s),
            short_age=short_age(view.heartbeat_age_s),
            age_due=_age_due(now, view.heartbeat),
            heartbeat=view.heartbeat.timestamp() if view.heartbeat else None,
            beats=beats,
            capabilities=capabilities,
            started=started,
            flags=_flags(view),
            search=f"{ident} {work} {view.health.value}".lower(),
        )


def aged(row: SessionRow, now: datetime) -> SessionRow:
    """The row with its age wording brought up to ``now`` (the once-a-second tick)."""
    if row.heartbeat is None:
        return replace(row, age_due=math.inf)
    seconds = now.timestamp() - row.heartbeat
    beat = datetime.fromtimestamp(row.heartbeat, tz=now.tzinfo)
    return replace(
        row,
        age=table_age(seconds),
        short_age=short_age(seconds),
        age_due=_age_due(now, beat),
    )


def visible_rows(
    rows: Iterable[SessionRow], text: str, show_gone: bool, sort: str
) -> list[SessionRow]:
    """Rows after the ``/`` filter and the gone toggle, in the chosen order.

    Every order ends with the id and the file key, so rows never swap places
    between updates unless what they are sorted by changed.
    """
    needle = text.strip().lower()
    chosen = [
        row
        for row in rows
        if (show_gone or row.health is not Health.GONE) and (not needle or needle in row.search)
    ]
    if sort == "id":
        chosen.sort(key=lambda row: (row.id, row.key))
    elif sort == "heartbeat":
        chosen.sort(key=lambda row: (-(row.heartbeat or -math.inf), row.id, row.key))
    else:
        chosen.sort(key=lambda row: (row.attention, row.id, row.key))
    return chosen


# --- deadlines ----------------------------------------------------------------------------


def next_deadline(analysis: Analysis) -> datetime | None:
    """The first moment at which the clock alone changes what is shown.

    The core's ``next_change_at`` (sessions turning stale or gone, claims
    expiring, grace periods ending) plus milestones turning stalled. The tick
    re-analyses only once this has passed, so an idle dashboard over 10,000
    sessions does not redo the whole analysis every second.
    """
    moments = [analysis.next_change_at] if analysis.next_change_at is not None else []
    if analysis.pending_errors:
        moments.append(analysis.now + timedelta(seconds=1))
    stalled = timedelta(seconds=analysis.settings.stalled_after_s)
    for item in analysis.milestones.items:
        updated = item.milestone.updated_at
        if item.milestone.status == "in_progress" and not item.stalled and updated is not None:
            moments.append(updated + stalled)
    future = [moment for moment in moments if moment > analysis.now]
    return min(future) if future else None


# --- the side panels ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    kind: str
    text: str
    since: datetime


def alerts(analysis: Analysis, first_seen: dict[str, datetime]) -> list[Alert]:
    """Duplicates, overlaps, claim conflicts and stale sessions, newest first.

    ``first_seen`` is the caller's memory of when each alert appeared (updated
    here); a stale session's alert dates from the moment it went stale.
    """
    found: list[tuple[str, str, str, datetime | None]] = []
    for group in analysis.duplicates:
        text = f"{len(group.sessions)} on {display(group.work, 60)}: " + ", ".join(
            display(member, 30) for member in group.sessions
        )
        found.append((f"dup:{group.work_key}", "duplicate", text, None))
    for overlap in analysis.overlaps[:50]:
        text = (
            f"{display(overlap.first, 30)} ~ {display(overlap.second, 30)} "
            f"({overlap.score:.2f}): {display(overlap.first_work, 40)}"
        )
        found.append((f"overlap:{overlap.first}:{overlap.second}", "overlap", text, None))
    for conflict in analysis.conflicts:
        text = (
            f"{display(conflict.session, 30)} works on {display(conflict.work, 40)}, "
            f"claimed by {display(conflict.claimed_by, 30)}"
        )
        found.append((f"conflict:{conflict.session}:{conflict.claim}", "claim", text, None))
    stale_after = timedelta(seconds=analysis.settings.stale_after_s)
    for view in analysis.sessions:
        if view.health is Health.STALE and view.heartbeat is not None:
            text = f"{display(view.id, 40)} silent since {view.heartbeat:%H:%M} UTC"
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
                name=display(view.item.name, 40),
                description=display(view.item.description, 80),
                suggestion=display(who, 30) if who else "",
            )
        )
    return lines


MILESTONE_SYMBOL = {
    "completed": "✔",
    "in_progress": "▶",
    "blocked": "■",
    "pending": "·",
    "abandoned": "✕",
}


@dataclass(frozen=True, slots=True)
class MilestoneLine:
    symbol: str
    title: str
    owner: str
    status: str
    progress: float
    stalled: bool


def milestone_lines(analysis: Analysis) -> list[MilestoneLine]:
    return [
        MilestoneLine(
            symbol=MILESTONE_SYMBOL.get(item.milestone.status, "?"),
            title=display(item.milestone.title, 60),
            owner=display(item.milestone.owner or "—", 30),
            status=display(item.milestone.status, 20),
            progress=item.progress,
            stalled=item.stalled,
        )
        for item in analysis.milestones.items
    ]


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
        sender=display(message.sender, 30),
        subject=display(message.subject, 80) or "(no subject)",
        recovered=message.recovered,
    )


# --- notifications ------------------------------------------------------------------------


def news(previous: Analysis | None, current: Analysis) -> list[str]:
    """What deserves a notification between two analyses (plain text, already safe)."""
    if previous is None:
        return []
    notes: list[str] = []
    before = {group.work_key for group in previous.duplicates}
    for group in current.duplicates:
        if group.work_key not in before:
            members = ", ".join(display(member, 30) for member in group.sessions[:4])
            notes.append(f"Duplicate work: {members} on {display(group.work, 50)}")
    was_stale = {view.key for view in previous.sessions if view.health is Health.STALE}
    known = {view.key for view in previous.sessions}
    turned = [
        view
        for view in current.sessions
        if view.health is Health.STALE and view.key not in was_stale and view.key in known
    ]
    if len(turned) > 3:
        notes.append(f"{len(turned)} sessions went stale")
    else:
        notes.extend(f"{display(view.id, 40)} went stale" for view in turned)
    done_before = {
        item.milestone.path
        for item in previous.milestones.items
        if item.milestone.status == "completed"
    }
    for item in current.milestones.items:
        if item.milestone.status == "completed" and item.milestone.path not in done_before:
            notes.append(f"Milestone completed: {display(item.milestone.title, 60)}")
    return notes


def summary_counts(analysis: Analysis) -> Sequence[tuple[str, int, str]]:
    counts = analysis.counts
    return (
        ("live", counts.live, "bold"),
        ("working", counts.working, HEALTH_STYLE[Health.WORKING]),
        ("idle", counts.idle, HEALTH_STYLE[Health.IDLE]),
        ("stale", counts.stale, HEALTH_STYLE[Health.STALE]),
        ("gone", counts.gone, "dim"),
    )


# --- the quick path -----------------------------------------------------------------------


def quick_views(
    keys: Iterable[str],
    snapshot: Snapshot,
    analysis: Analysis,
    now: datetime,
) -> list[SessionView]:
    """Fresh views of just the sessions in ``keys``, before the full analysis lands.

    Health and ages use the core's own per-session rule; duplicate and conflict
    flags are carried over from the last analysis until the next one corrects them.
    """
    wanted = set(keys)
    if not wanted:
        return []
    settings = analysis.settings
    placeholders = frozenset(normalise_work(item) for item in settings.placeholders)
    gone_statuses = frozenset(item.lower() for item in settings.gone_statuses)
    views = []
    for session in snapshot.sessions:
        if session.path not in wanted:
            continue
        view = session_view(
            session, now, settings, analysis.heartbeats, placeholders, gone_statuses, snapshot
        )
        before = analysis.session(session.path) if len(wanted) < 50 else None
        if before is not None and (before.duplicate or before.conflict):
            view = replace(view, duplicate=before.duplicate, conflict=before.conflict)
        views.append(view)
    return views
