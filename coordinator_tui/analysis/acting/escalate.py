"""Auto-escalation: stuck work a human should look at, raised once and resolved once.

Pure: ``find_incidents`` reads the ``Analysis``; ``step`` compares the incidents
with the ``EscalationState`` (plain data kept in ``.coordinator/`` between
cycles) and returns the events to deliver and the next state. An incident is
raised once, when first seen, and once more when it is gone (resolved). Its id
is stable for as long as the condition lasts (no times in it), so a restart
or a changing heartbeat never repeats it.

Incidents:

- ``milestone-blocked``: blocked for ``escalate_blocked_after_s`` (since its
  ``updated_at``, else the file's time, else ``created_at``);
- ``milestone-stalled``: in progress with no update for ``escalate_stalled_after_s``;
- ``claim-expired``: a claim past ``expires_at``, still on disk, with no progress
  since it was taken (no milestone it names updated, no step completed by its
  holder after ``claimed_at``);
- ``waiting``: a session waiting for a human for ``escalate_waiting_after_s``;
- ``ghost-claim``: a live claim held by a stale, gone or ended session;
- ``budget-session``, ``budget-collective-day``, ``budget-milestone``: spend at or past a
  budget (``analysis.costs``; 80 % only warns). A session's budget counts for an ended
  session too; the day's budget is per UTC day (its id names the day);
- ``undelivered``: a direct message a hook-driven session has not taken into its context
  within ``deliver_within_s`` (``analysis.receipts``), one per recipient.

The state file is untrusted: ``EscalationState.from_json`` coerces everything,
caps sizes, and turns anything unreadable into an empty state plus an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

from coordinator_tui.analysis.costs import BudgetCheck
from coordinator_tui.analysis.results import Analysis, ClaimView, MilestoneView
from coordinator_tui.analysis.waiting import waiting_since
from coordinator_tui.files.records import Claim, Milestone
from coordinator_tui.files.timeparse import format_utc, parse_timestamp
from coordinator_tui.files.worktext import work_words
from coordinator_tui.settings import Settings

STATE_VERSION = 1
MAX_OPEN = 5000
MAX_ID = 300
MAX_TITLE = 500
GHOST_HEALTH = frozenset({"stale", "gone", "ended"})


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    """Stable while the condition lasts: ``<kind>:<milestone id | claim path | session>``."""
    kind: str
    subject: str
    title: str
    """One line for a human."""
    since: datetime | None


@dataclass(frozen=True, slots=True)
class EscalationEvent:
    action: str
    """``raised`` or ``resolved``."""
    incident_id: str
    kind: str
    title: str
    at: datetime

    def payload(self, root: str = "") -> dict[str, Any]:
        """The JSON object a webhook receives."""
        return {
            "type": "coordinator-tui.escalation",
            "action": self.action,
            "incident": self.incident_id,
            "kind": self.kind,
            "title": self.title,
            "at": format_utc(self.at),
            "directory": root,
        }


@dataclass(frozen=True)
class EscalationState:
    """Open incidents (id → (kind, title, raised at)); plain data, JSON round-trip."""

    open: Mapping[str, tuple[str, str, datetime]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": STATE_VERSION,
                "open": {
                    key: {"kind": kind, "title": title, "raised_at": format_utc(raised)}
                    for key, (kind, title, raised) in sorted(self.open.items())
                },
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str | bytes | None) -> tuple[EscalationState, str | None]:
        """(state, error): anything unreadable is an empty state and a reason."""
        if not text:
            return cls(), None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:
            return cls(), f"escalation state is not JSON ({error}); starting empty"
        entries = data.get("open") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            return cls(), "escalation state has no 'open' object; starting empty"
        kept: dict[str, tuple[str, str, datetime]] = {}
        bad = 0
        for key, value in entries.items():
            entry = _entry(key, value)
            if entry is None or len(kept) >= MAX_OPEN:
                bad += 1
                continue
            kept[key] = entry
        problem = f"escalation state: {bad} bad or excess entries skipped" if bad else None
        return cls(MappingProxyType(kept)), problem


def _entry(key: object, value: object) -> tuple[str, str, datetime] | None:
    if not isinstance(key, str) or not key or len(key) > MAX_ID or not isinstance(value, dict):
        return None
    kind, title = value.get("kind"), value.get("title")
    raised = parse_timestamp(value.get("raised_at"))
    if not isinstance(kind, str) or not isinstance(title, str) or raised is None:
        return None
    return kind[:MAX_ID], title[:MAX_TITLE], raised


def step(
    state: EscalationState, incidents: Iterable[Incident], now: datetime
) -> tuple[tuple[EscalationEvent, ...], EscalationState]:
    """(events to deliver, the next state): new incidents raised, vanished ones resolved."""
    current = {incident.id: incident for incident in incidents}
    events = []
    kept: dict[str, tuple[str, str, datetime]] = {}
    for key, incident in sorted(current.items()):
        if key in state.open:
            kept[key] = state.open[key]
        elif len(kept) < MAX_OPEN:
            events.append(EscalationEvent("raised", key, incident.kind, incident.title, now))
            kept[key] = (incident.kind, incident.title[:MAX_TITLE], now)
    for key, (kind, title, _) in sorted(state.open.items()):
        if key not in current:
            events.append(EscalationEvent("resolved", key, kind, title, now))
    return tuple(events), EscalationState(MappingProxyType(kept))


def find_incidents(
    analysis: Analysis,
    settings: Settings | None = None,
    budgets: Iterable[BudgetCheck] = (),
    undelivered: Iterable[Incident] = (),
) -> tuple[Incident, ...]:
    """Every stuck thing at ``analysis.now``, every budget crossed and every message not
    delivered in time (``analysis.receipts.undelivered_incidents``), sorted by id."""
    settings = settings or analysis.settings
    now = analysis.now
    found: dict[str, Incident] = {}
    for item in analysis.milestones.items:
        incident = _milestone_incident(item, now, settings)
        if incident is not None:
            found.setdefault(incident.id, incident)
    progress = Progress(item.milestone for item in analysis.milestones.items)
    for claim_view in analysis.claims:
        for incident in _claim_incidents(claim_view, progress):
            found.setdefault(incident.id, incident)
    for view in analysis.sessions:
        since, source = waiting_since(view, analysis.heartbeats.get(view.id, ()))
        if since is None or (now - since).total_seconds() < settings.escalate_waiting_after_s:
            continue
        minutes = (now - since).total_seconds() / 60
        title = f"{view.id} has waited for input for {minutes:.0f} min (since {source})"
        found.setdefault(
            f"waiting:{view.id}"[:MAX_ID],
            Incident(f"waiting:{view.id}"[:MAX_ID], "waiting", view.id, title, since),
        )
    for incident in (*budget_incidents(budgets), *undelivered):
        found.setdefault(incident.id, incident)
    return tuple(found[key] for key in sorted(found))


_BUDGET_WHAT = {
    "session": "session {subject}",
    "collective-day": "the collective on {subject} (UTC)",
    "milestone": "milestone {subject}",
}


def budget_incidents(checks: Iterable[BudgetCheck]) -> list[Incident]:
    """One incident per budget at or past 100 %."""
    incidents = []
    for check in checks:
        if check.level != "over":
            continue
        what = _BUDGET_WHAT.get(check.scope, "{subject}").format(subject=check.subject)
        least = "" if check.complete else "at least "
        title = (
            f"{what} spent {least}${check.spent:.2f}, over its ${check.limit:.2f} budget "
            f"({check.share:.0%})"
        )
        key = f"budget-{check.scope}:{check.subject}"[:MAX_ID]
        kind = f"budget-{check.scope}"
        incidents.append(Incident(key, kind, check.subject, title[:MAX_TITLE], None))
    return incidents


def _milestone_incident(item: MilestoneView, now: datetime, settings: Settings) -> Incident | None:
    milestone = item.milestone
    file_time = (
        datetime.fromtimestamp(milestone.mtime, tz=timezone.utc) if milestone.mtime > 0 else None
    )
    since = milestone.updated_at or file_time or milestone.created_at
    if since is None:
        return None
    hours = (now - since).total_seconds() / 3600
    if milestone.status == "blocked":
        kind, limit = "milestone-blocked", settings.escalate_blocked_after_s
        blockers = "; ".join(milestone.blockers[:3]) or "no blocker named"
        title = f"milestone {milestone.milestone_id} blocked for {hours:.1f} h ({blockers})"
    elif milestone.status == "in_progress":
        kind, limit = "milestone-stalled", settings.escalate_stalled_after_s
        title = (
            f"milestone {milestone.milestone_id} stalled at {item.progress:.0f} %: "
            f"no update for {hours:.1f} h"
        )
    else:
        return None
    if (now - since).total_seconds() < limit:
        return None
    key = f"{kind}:{milestone.milestone_id}"[:MAX_ID]
    return Incident(key, kind, milestone.milestone_id, title[:MAX_TITLE], since)


def _claim_incidents(claim_view: ClaimView, progress: Progress) -> list[Incident]:
    claim = claim_view.claim
    holder = claim.claimed_by or "unknown"
    health = claim_view.holder_health.value if claim_view.holder_health else None
    if claim_view.active and health in GHOST_HEALTH:
        key = f"ghost-claim:{claim.path}"[:MAX_ID]
        title = f"{health} session {holder} still holds the claim {claim.name}"
        return [Incident(key, "ghost-claim", claim.name, title[:MAX_TITLE], claim.claimed_at)]
    if claim_view.active or claim.expires_at is None or progress.since_claimed(claim):
        return []
    key = f"claim-expired:{claim.path}"[:MAX_ID]
    title = f"claim {claim.name} by {holder} expired {format_utc(claim.expires_at)} unfinished"
    return [Incident(key, "claim-expired", claim.name, title[:MAX_TITLE], claim.expires_at)]


class Progress:
    """The milestones' signs of progress, indexed once per ``find_incidents``: a claim is
    looked up by its words and its holder instead of walking every milestone and step
    (200 expired claims against 500 milestones took a tenth of a second).

    Progress on a claim since it was taken: a milestone it names (every word of the
    claim's resource, else its name, in the milestone's title or id) updated or given
    a completed step since, or a step completed since by its holder whose description
    names it.
    """

    def __init__(self, milestones: Iterable[Milestone]) -> None:
        self._naming: dict[str, set[int]] = {}
        """Word → the milestones whose title or id holds it."""
        self._latest: list[datetime | None] = []
        """Per milestone: its latest update or completed step."""
        self._by_holder: dict[str | None, list[tuple[datetime, frozenset[str]]]] = {}
        """Who completed a step → (when, the words of its description)."""
        for index, milestone in enumerate(milestones):
            for word in work_words(milestone.title) | work_words(milestone.milestone_id):
                self._naming.setdefault(word, set()).add(index)
            moments = [milestone.updated_at] if milestone.updated_at is not None else []
            for step in milestone.steps:
                if step.completed_at is not None:
                    moments.append(step.completed_at)
                    done = (step.completed_at, work_words(step.description))
                    self._by_holder.setdefault(step.completed_by, []).append(done)
            self._latest.append(max(moments) if moments else None)

    def since_claimed(self, claim: Claim) -> bool:
        start = claim.claimed_at
        words = work_words(claim.resource_name) or work_words(claim.name)
        if start is None or not words:
            return False
        named = set.intersection(*(self._naming.get(word, set()) for word in words))
        for index in named:
            latest = self._latest[index]
            if latest is not None and latest >= start:
                return True
        steps = self._by_holder.get(claim.claimed_by, ())
        return any(done >= start and words <= described for done, described in steps)
