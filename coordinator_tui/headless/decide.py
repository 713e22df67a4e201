"""What the headless coordinator should broadcast this cycle: pure decisions, no I/O.

Given an analysis and what was already said (``AlertState``), decide which
alerts are new. The rules, kept here so they can be read and tested in one
place:

* a duplicate-work alert when a duplicate group first appears, and again only
  if its members change; a group that is gone is forgotten, so it is alerted
  afresh if it comes back;
* a work suggestion when the set of (idle session, suggested priority) pairs
  appears or changes; an empty set is remembered silently;
* a coordination heartbeat and a sprint report every N cycles (0 = never).

The coordinator writes what is decided and updates the state only for what
was really written, so a failed write is retried next cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coordinator_tui.analysis import Analysis
from coordinator_tui.render.broadcasts import duplicate_alert, heartbeat_text, suggestion_alert
from coordinator_tui.write.alert_state import AlertState

HEARTBEAT_SUBJECT = "Coordination Heartbeat"

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Broadcast:
    """One broadcast to write; ``data`` goes to the log line that says it was sent."""

    step: str
    subject: str
    body: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DuplicateAlert:
    """A broadcast about one duplicate group, and the members to remember once it is sent."""

    key: str
    sessions: tuple[str, ...]
    broadcast: Broadcast


@dataclass(frozen=True)
class DuplicatePlan:
    forget: tuple[str, ...]
    """Work keys that are no longer duplicates."""
    alerts: tuple[DuplicateAlert, ...]


@dataclass(frozen=True)
class SuggestionPlan:
    """The suggestion pairs to remember, and the broadcast to send first (None: just remember)."""

    pairs: Pairs
    broadcast: Broadcast | None


def due(cycle: int, every: int) -> bool:
    """Whether an every-N-cycles task runs in ``cycle`` (``every`` 0 = never)."""
    return bool(every) and cycle % every == 0


def duplicates(analysis: Analysis, state: AlertState) -> DuplicatePlan:
    current = {group.work_key for group in analysis.duplicates}
    forget = tuple(key for key in state.duplicates if key not in current)
    alerts = []
    for group in analysis.duplicates:
        if state.duplicates.get(group.work_key) == group.sessions:
            continue
        subject, body = duplicate_alert(group)
        data = {"work": group.work, "sessions": list(group.sessions)}
        broadcast = Broadcast("duplicates", subject, body, data)
        alerts.append(DuplicateAlert(group.work_key, group.sessions, broadcast))
    return DuplicatePlan(forget, tuple(alerts))


def suggestions(analysis: Analysis, state: AlertState) -> SuggestionPlan | None:
    """None when the suggestions are what was last said."""
    pairs = tuple(sorted((s.session, s.priority) for s in analysis.suggestions))
    if pairs == state.suggestions:
        return None
    if not pairs:
        return SuggestionPlan(pairs, None)
    subject, body = suggestion_alert(analysis)
    data = {"pairs": [list(pair) for pair in pairs]}
    return SuggestionPlan(pairs, Broadcast("distribution", subject, body, data))


def heartbeat(analysis: Analysis, cycle: int, every: int) -> Broadcast | None:
    if not due(cycle, every):
        return None
    return Broadcast("heartbeat", HEARTBEAT_SUBJECT, heartbeat_text(analysis, cycle))
