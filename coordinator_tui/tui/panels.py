"""Analysis → what the side panels and the notifications say (the summary strip words
itself: ``widgets.summary``).

Like ``rows`` (the session table), this words an analysis and never analyses:
each function returns frozen, already-sanitised models the dashboard screen
holds as reactive state and binds down to a widget. Over several collectives each
model carries its collective's name, and the panels show it in a column.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from operator import attrgetter

from coordinator_tui.analysis import Analysis, Health, MilestoneView, SessionView
from coordinator_tui.analysis.acting.predict import MilestoneForecast
from coordinator_tui.analysis.changes import Changes
from coordinator_tui.analysis.costs import Costs, MilestoneCost
from coordinator_tui.analysis.indexes import SortedItems
from coordinator_tui.files.records import Message
from coordinator_tui.render.health import HEALTH, MILESTONE_STATUS
from coordinator_tui.render.sanitize import clip, display, strip_control
from coordinator_tui.render.timetext import short_age
from coordinator_tui.sync.view import SyncView
from coordinator_tui.tui.costs import milestone_cell, milestone_detail
from coordinator_tui.tui.rows import cell_text

READ_LIMIT = 20_000
"""A message body opened in full is cut here."""
WIDE = 4000
"""Single-line fields opened in full are cut here."""


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    kind: str
    text: str
    since: datetime
    detail: str = ""
    """The whole alert, uncut (enter on the focused alerts panel shows it)."""
    collective: str = ""
    """The collective's name when the screen shows several."""

    @property
    def full(self) -> str:
        return self.detail or self.text


@lru_cache(maxsize=65536)
def _stale_text(ident: str, heartbeat: datetime) -> str:
    """Worded once per session and beat: a directory under load words its thousand stale
    alerts again after every batch of changes, almost all of them as before."""
    return f"{cell_text(ident, 40)} silent since {heartbeat:%H:%M} UTC"


@lru_cache(maxsize=16384)
def _duplicate_texts(work: str, sessions: tuple[str, ...]) -> tuple[str, str]:
    """(panel text, full text) of a duplicate group, worded once per group."""
    text = f"{len(sessions)} on {cell_text(work, 60)}: " + ", ".join(
        cell_text(member, 30) for member in sessions
    )
    full = f"{len(sessions)} sessions on {display(work, WIDE)}: " + ", ".join(
        display(member, WIDE) for member in sessions
    )
    return text, full


def alerts(
    analysis: Analysis,
    first_seen: dict[str, datetime],
    stale: Iterable[SessionView] | None = None,
    collective: str = "",
) -> list[Alert]:
    """Duplicates, overlaps, claim conflicts and stale sessions, newest first.

    ``first_seen`` is the caller's memory of when each alert appeared (updated
    here); a stale session's alert dates from the moment it went stale.
    ``stale``: the stale sessions when the caller knows them (else every session is looked at).
    """
    result = work_alerts(analysis, first_seen, collective)
    stale_after_s = analysis.settings.stale_after_s
    for view in analysis.sessions if stale is None else stale:
        if view.health is Health.STALE and view.heartbeat is not None:
            alert = _stale_alert(view.key, view.id, view.heartbeat, stale_after_s, collective)
            result.append(alert)
    result.sort(key=NEWEST_FIRST, reverse=True)
    return result


def work_alerts(
    analysis: Analysis, first_seen: dict[str, datetime], collective: str = ""
) -> list[Alert]:
    """``alerts`` but the stale sessions', in no order."""
    found: list[tuple[str, str, str, datetime | None, str]] = []
    for group in analysis.duplicates:
        text, full = _duplicate_texts(group.work, group.sessions)
        found.append((f"dup:{group.work_key}", "duplicate", text, None, full))
    for overlap in analysis.overlaps[:50]:
        text = (
            f"{cell_text(overlap.first, 30)} ~ {cell_text(overlap.second, 30)} "
            f"({overlap.score:.2f}): {cell_text(overlap.first_work, 40)}"
        )
        full = (
            f"{display(overlap.first, WIDE)} works on {display(overlap.first_work, WIDE)}; "
            f"{display(overlap.second, WIDE)} works on {display(overlap.second_work, WIDE)} "
            f"(similarity {overlap.score:.2f})"
        )
        found.append((f"overlap:{overlap.first}:{overlap.second}", "overlap", text, None, full))
    for conflict in analysis.conflicts:
        text = (
            f"{cell_text(conflict.session, 30)} works on {cell_text(conflict.work, 40)}, "
            f"claimed by {cell_text(conflict.claimed_by, 30)}"
        )
        full = (
            f"{display(conflict.session, WIDE)} works on {display(conflict.work, WIDE)}, "
            f"claimed by {display(conflict.claimed_by, WIDE)} "
            f"(claim {display(conflict.claim, WIDE)})"
        )
        found.append((f"conflict:{conflict.session}:{conflict.claim}", "claim", text, None, full))
    current = {key for key, *_ in found}
    for key in [key for key in first_seen if key not in current]:
        del first_seen[key]  # stale alerts date from their heartbeat: never in first_seen
    return [
        Alert(key, kind, text, since or first_seen.setdefault(key, analysis.now), full, collective)
        for key, kind, text, since, full in found
    ]


class StaleAlerts:
    """``alerts`` for a live screen: the stale sessions' alerts kept in order between
    updates, so an update re-places the few sessions that changed.

    At 10,000 sessions most may be stale; wording and sorting all of them again took the
    screen 30 ms an update (by hand), and under a stream of edits nearly every update
    touches a stale session. A view is replaced whenever its session changes, never
    changed, so the changed ones are those whose view is not the one kept.
    """

    def __init__(self, collective: str = "") -> None:
        self.collective = collective
        self._views: dict[str, SessionView] = {}
        self._order: SortedItems[tuple[datetime, str], Alert] = SortedItems()
        self._stale_after_s = -1.0

    def alerts(
        self, analysis: Analysis, first_seen: dict[str, datetime], stale: dict[str, SessionView]
    ) -> list[Alert]:
        """What ``alerts(analysis, first_seen, stale.values())`` gives."""
        stale_after_s = analysis.settings.stale_after_s
        kept = self._views
        changed = [view for key, view in stale.items() if kept.get(key) is not view]
        gone = kept.keys() - stale.keys()
        if stale_after_s != self._stale_after_s or len(changed) + len(gone) > len(kept) // 8:
            self._rebuild(stale, stale_after_s)
            changed, gone = [], set()
        for key in gone:
            self._drop(kept.pop(key))
        for view in changed:
            if (before := kept.pop(view.key, None)) is not None:
                self._drop(before)
            if view.health is Health.STALE and view.heartbeat is not None:
                alert = self._alert(view, stale_after_s)
                self._order.add((alert.since, alert.key), alert)
            kept[view.key] = view
        result = self._order.items[::-1]
        # Newest first, so each goes after those inserted before it.
        found = work_alerts(analysis, first_seen, self.collective)
        for alert in sorted(found, key=NEWEST_FIRST, reverse=True):
            at = bisect_left(self._order.keys, (alert.since, alert.key))
            result.insert(len(result) - at, alert)
        return result

    def _rebuild(self, stale: dict[str, SessionView], stale_after_s: float) -> None:
        pairs = sorted(
            ((alert.since, alert.key), alert)
            for view in stale.values()
            if view.health is Health.STALE and view.heartbeat is not None
            for alert in (self._alert(view, stale_after_s),)
        )
        self._order = SortedItems()
        self._order.keys = [key for key, _ in pairs]
        self._order.items = [alert for _, alert in pairs]
        self._views, self._stale_after_s = dict(stale), stale_after_s

    def _alert(self, view: SessionView, stale_after_s: float) -> Alert:
        assert view.heartbeat is not None
        return _stale_alert(view.key, view.id, view.heartbeat, stale_after_s, self.collective)

    def _drop(self, view: SessionView) -> None:
        if view.heartbeat is not None:
            alert = self._alert(view, self._stale_after_s)
            self._order.remove((alert.since, alert.key))


NEWEST_FIRST = attrgetter("since", "key")


@lru_cache(maxsize=65536)
def _stale_alert(
    key: str, ident: str, heartbeat: datetime, stale_after_s: float, collective: str
) -> Alert:
    """A stale session's alert, made once per session and beat: under a stream of edits
    the alerts are listed again per batch, and a thousand stale sessions each time cost
    the screen a tenth of a second in all."""
    since = heartbeat + timedelta(seconds=stale_after_s)
    text = _stale_text(ident, heartbeat)
    return Alert(f"stale:{key}", "stale", text, since, "", collective)


LOST_SHOWN = 20
"""Claims lost to another machine shown as alerts, newest first (the state file keeps 200)."""


def lost_claim_alerts(
    sync: SyncView | None, first_seen: dict[str, datetime], now: datetime, collective: str = ""
) -> list[Alert]:
    """One alert per claim lost to another machine (``sync``'s state file), newest first,
    until the state file stops listing it; ``first_seen`` dates the ones without ``at``."""
    if sync is None:
        return []
    found = []
    for claim in reversed(sync.lost_claims[-LOST_SHOWN:]):
        key = f"lost:{claim.path}:{claim.lost_by}:{claim.at}"
        since = claim.at or first_seen.setdefault(key, now)
        text = (
            f"{cell_text(claim.lost_by, 30)} lost {cell_text(claim.path, 50)} "
            f"to {cell_text(claim.held_by, 30)} (another machine's push came first)"
        )
        detail = text + (f"; told in {claim.message}" if claim.message else "")
        found.append(Alert(key, "lost", text, since, detail, collective))
    return found


def sync_note(sync: SyncView | None) -> str:
    """The summary strip's words for the last sync round (``sync pushed 19:59 UTC``);
    empty when the directory is not synced."""
    if sync is None:
        return ""
    if sync.problem is not None:
        return "sync state unreadable (e: errors)"
    if not sync.outcome:
        return "sync: no round yet"
    when = f" {sync.at:%H:%M} UTC" if sync.at else ""
    lost = f", {len(sync.lost_claims)} lost claim(s)" if sync.lost_claims else ""
    return f"sync {sync.outcome}{when}{lost}"


@dataclass(frozen=True, slots=True)
class PriorityLine:
    score: str
    name: str
    description: str
    suggestion: str
    collective: str = ""


def priority_lines(analysis: Analysis, collective: str = "") -> list[PriorityLine]:
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
                collective=collective,
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
    eta: str = ""
    """``ETA 11-15 23:00 (3h)`` or ``no ETA: why`` (empty before the forecast)."""
    detail: str = ""
    """Every field in words, for the milestone opened in full."""
    collective: str = ""
    cost: str = ""
    """What it has cost and will cost to finish (``costs.milestone_cell``); empty: none."""


def milestone_lines(
    analysis: Analysis,
    forecasts: Sequence[MilestoneForecast] = (),
    collective: str = "",
    costs: Costs | None = None,
) -> list[MilestoneLine]:
    """One line per milestone; ``forecasts`` (matched by milestone id) add the ETA, and
    ``costs`` what each has cost and will cost to finish."""
    ahead = {forecast.milestone_id: forecast for forecast in forecasts}
    spent = {cost.milestone_id: cost for cost in costs.milestones} if costs else {}
    lines = []
    for item in analysis.milestones.items:
        look = MILESTONE_STATUS.get(item.milestone.status)
        forecast = ahead.get(item.milestone.milestone_id)
        cost = spent.get(item.milestone.milestone_id)
        lines.append(
            MilestoneLine(
                symbol=look.symbol if look else "?",
                style=look.style if look else "",
                title=cell_text(item.milestone.title, 60),
                owner=cell_text(item.milestone.owner or "—", 30),
                status=cell_text(item.milestone.status, 20),
                progress=item.progress,
                stalled=item.stalled,
                eta=eta_text(forecast, analysis.now),
                detail=_milestone_detail(item, forecast, cost),
                collective=collective,
                cost=milestone_cell(cost),
            )
        )
    return lines


SHORT_WHY = {"too little data": "few data", "no progress": "0 % done"}
"""Why-nots shortened for the panel's column (the milestone opened in full has the basis)."""


def eta_text(forecast: MilestoneForecast | None, now: datetime) -> str:
    """``ETA 11-15 23:00 (3h)``, ``no ETA: blocked``, or empty without a forecast."""
    if forecast is None:
        return ""
    if forecast.eta is None:
        why = forecast.why_not or "unknown"
        return f"no ETA: {SHORT_WHY.get(why, why)}"
    ahead = short_age((forecast.eta - now).total_seconds())
    return f"ETA {forecast.eta:%m-%d %H:%M} ({ahead})"


def _milestone_detail(
    item: MilestoneView, forecast: MilestoneForecast | None, cost: MilestoneCost | None = None
) -> str:
    milestone = item.milestone
    lines = [
        f"Milestone: {display(milestone.title, WIDE)}",
        f"id: {display(milestone.milestone_id, WIDE)}",
        f"status: {display(milestone.status, 200)}" + ("  (stalled)" if item.stalled else ""),
        f"owner: {display(milestone.owner or '—', WIDE)}",
        f"progress: {item.progress:.0f}% (from {item.progress_source})",
    ]
    if item.steps_total:
        lines.append(f"steps: {item.steps_done}/{item.steps_total} done")
    if forecast is not None:
        eta = f"{forecast.eta:%Y-%m-%d %H:%M} UTC" if forecast.eta else "none"
        lines.append(f"ETA: {eta} — {display(forecast.basis, WIDE)}")
    lines += milestone_detail(cost)
    for label, values in (
        ("blocker", milestone.blockers),
        ("next session should", milestone.next_session_should),
    ):
        lines.extend(f"{label}: {display(value, WIDE)}" for value in values)
    if milestone.handoff_notes:
        lines.append("handoff notes: " + clip(strip_control(milestone.handoff_notes), READ_LIMIT))
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class MilestoneBoard:
    """Everything the milestone panel shows: one line a milestone and the overall gauge."""

    lines: tuple[MilestoneLine, ...]
    completion_pct: float


def milestone_board(
    analysis: Analysis,
    forecasts: Sequence[MilestoneForecast] = (),
    collective: str = "",
    costs: Costs | None = None,
) -> MilestoneBoard:
    return MilestoneBoard(
        tuple(milestone_lines(analysis, forecasts, collective, costs)),
        analysis.milestones.completion_pct,
    )


def joined_board(boards: Sequence[MilestoneBoard]) -> MilestoneBoard:
    """Several collectives' milestones on one board; the overall gauge counts them all as
    ``analysis.milestones`` counts one (completed of those not abandoned)."""
    if len(boards) == 1:
        return boards[0]
    lines = tuple(line for board in boards for line in board.lines)
    counted = [line for line in lines if line.status != "abandoned"]
    done = sum(1 for line in counted if line.status == "completed")
    return MilestoneBoard(lines, round(100.0 * done / len(counted), 1) if counted else 0.0)


@dataclass(frozen=True, slots=True)
class BroadcastLine:
    time: str
    sender: str
    subject: str
    recovered: bool
    reading: str = ""
    """The whole broadcast: sender, time, subject and body (newlines kept)."""
    path: str = ""
    """The file (relative): the feed pages older broadcasts from the oldest one shown."""
    collective: str = ""
    moment: float = 0.0
    """Epoch seconds of the broadcast (0: unknown): several collectives' feeds are merged
    newest first by it."""


def broadcast_lines(
    analysis: Analysis, limit: int = 30, collective: str = ""
) -> list[BroadcastLine]:
    lines = []
    for message in analysis.messages.latest:
        if message.kind != "broadcast":
            continue
        lines.append(broadcast_line(message, collective))
        if len(lines) >= limit:
            break
    return lines


def broadcast_line(message: Message, collective: str = "") -> BroadcastLine:
    when = f"{message.timestamp:%m-%d %H:%M}" if message.timestamp else "—"
    return BroadcastLine(
        time=when,
        sender=cell_text(message.sender, 30),
        subject=cell_text(message.subject, 80) or "(no subject)",
        recovered=message.recovered,
        reading=message_reading(message),
        path=message.path,
        collective=collective,
        moment=message.timestamp.timestamp() if message.timestamp else 0.0,
    )


def message_reading(message: Message) -> str:
    """A message in full, as plain text: the header lines, a blank line, the body."""
    when = f"{message.timestamp:%Y-%m-%d %H:%M} UTC" if message.timestamp else "—"
    header = [
        f"From: {display(message.sender, WIDE)}",
        f"To: {display(message.to, WIDE)}",
        f"At: {when}",
        f"Subject: {display(message.subject, WIDE) or '(no subject)'}",
    ]
    if message.recovered:
        header.append("(the file was not valid JSON: recovered)")
    body = clip(strip_control(message.body), READ_LIMIT) if message.body else "(no body)"
    return "\n".join(header) + "\n\n" + body


# --- the summary strip --------------------------------------------------------------------


def summary_counts(analysis: Analysis) -> tuple[tuple[str, int, str], ...]:
    """(label, value, style); waiting (needs a human) right after live, ended only when any."""
    counts = analysis.counts
    shown = (
        ("live", counts.live, "bold"),
        ("waiting", counts.waiting, HEALTH[Health.WAITING].style),
        ("working", counts.working, HEALTH[Health.WORKING].style),
        ("idle", counts.idle, HEALTH[Health.IDLE].style),
        ("stale", counts.stale, HEALTH[Health.STALE].style),
        ("gone", counts.gone, "dim"),
        ("ended", counts.ended, "dim"),
    )
    return tuple(item for item in shown if item[0] != "ended" or item[1])


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
    name: str = ""
    """The collective's name when the strip shows several."""
    spend: str = ""
    """Its spend today and the rate per hour (``render.costs_text.strip_text``)."""
    over_budget: bool = False


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
