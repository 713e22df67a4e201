"""Quality metrics per session: what it finished, left behind, caused and answered.

Pure: a function of the ``Analysis``, the current resolutions and, where the
caller keeps one, a count of past duplicate situations per session. What is
measured and what is approximated (each record lists the approximations that
apply to it in ``approximations``):

- ``steps_completed``: milestone steps whose ``completed_by`` is the session;
- ``milestones_completed``: completed milestones it owns;
- ``claims_completed``: claims of its that say so themselves (a ``status`` of
  completed/done/released); claims are usually deleted when released, so this
  undercounts — approximated;
- ``claims_expired``: its claims past ``expires_at`` and still on disk, not
  marked completed (work it claimed and left unfinished);
- ``duplicates_caused``: the duplicate situations it yielded in, as the caller
  counted them over time (``run`` keeps that state); without it, the ones it
  yields in now — approximated;
- ``waiting_s``: time spent waiting for a human, from its ``state`` and its
  heartbeat events (see ``analysis.waiting``) — approximated;
- ``messages_answered``: direct messages it received from a sender and later
  sent that sender a direct message after (of ``messages_received``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from coordinator_tui.analysis.acting.resolve import Resolution
from coordinator_tui.analysis.results import Analysis, SessionView
from coordinator_tui.analysis.waiting import waiting_total_s
from coordinator_tui.files.records import Message

CLAIM_DONE = frozenset({"completed", "complete", "done", "released", "finished"})
QUALITY_COLUMNS = (
    "session",
    "finished",
    "steps_completed",
    "milestones_completed",
    "claims_completed",
    "claims_expired",
    "duplicates_caused",
    "waiting_s",
    "messages_answered",
)
"""Columns a view may sort by."""


@dataclass(frozen=True, slots=True)
class QualityRecord:
    session: str
    steps_completed: int
    milestones_completed: int
    claims_completed: int
    claims_expired: int
    duplicates_caused: int
    waiting_s: float
    messages_received: int
    messages_answered: int
    approximations: tuple[str, ...]

    @property
    def finished(self) -> int:
        """Units of work finished: steps plus completed claims."""
        return self.steps_completed + self.claims_completed

    @property
    def answer_rate(self) -> float | None:
        """Answered over received direct messages, 0–1; None when it received none."""
        return self.messages_answered / self.messages_received if self.messages_received else None

    def value(self, column: str) -> float | str:
        """The value of a ``QUALITY_COLUMNS`` column (ValueError for any other)."""
        if column not in QUALITY_COLUMNS:
            raise ValueError(f"unknown quality column: {column}")
        result: float | str = getattr(self, column)
        return result


def measure_quality(
    analysis: Analysis,
    resolutions: Sequence[Resolution] = (),
    duplicate_counts: Mapping[str, int] | None = None,
) -> tuple[QualityRecord, ...]:
    """One record per session id, sorted by id."""
    views: dict[str, SessionView] = {}
    for view in analysis.sessions:
        views.setdefault(view.id, view)
    steps = _steps_by_session(analysis)
    milestones = _count(
        item.milestone.owner
        for item in analysis.milestones.items
        if item.milestone.status == "completed"
    )
    claims_done, claims_expired = _claims(analysis)
    yielded = _count(
        resolution.yielder for resolution in resolutions if resolution.kind == "duplicate"
    )
    received, answered = _messages(analysis.messages.latest)
    records = []
    approximations = _APPROXIMATE if duplicate_counts is None else _APPROXIMATE[:2]
    for session_id, view in sorted(views.items()):
        if duplicate_counts is None:
            caused = yielded.get(session_id, 0)
        else:
            caused = max(_int(duplicate_counts.get(session_id)), yielded.get(session_id, 0))
        waited = waiting_total_s(view, analysis.heartbeats.get(session_id, ()), analysis.now)
        records.append(
            QualityRecord(
                session=session_id,
                steps_completed=steps.get(session_id, 0),
                milestones_completed=milestones.get(session_id, 0),
                claims_completed=claims_done.get(session_id, 0),
                claims_expired=claims_expired.get(session_id, 0),
                duplicates_caused=caused,
                waiting_s=round(waited, 1),
                messages_received=received.get(session_id, 0),
                messages_answered=answered.get(session_id, 0),
                approximations=approximations,
            )
        )
    return tuple(records)


_APPROXIMATE = ("claims_completed", "waiting_s", "duplicates_caused")
"""The columns that are approximations (the last only without ``run``'s counts)."""


def sort_quality(
    records: Iterable[QualityRecord], column: str = "finished", descending: bool = True
) -> list[QualityRecord]:
    """Records by a column, ties broken by session id (always ascending)."""
    ordered = sorted(records, key=lambda record: record.session)
    return sorted(ordered, key=lambda record: record.value(column), reverse=descending)


def _count(values: Iterable[str | None]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        if value:
            counts[value] += 1
    return counts


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(value, 0)


def _steps_by_session(analysis: Analysis) -> dict[str, int]:
    return _count(
        step.completed_by
        for item in analysis.milestones.items
        for step in item.milestone.steps
        if step.completed_by and step.status in ("completed", "unknown")
    )


def _claims(analysis: Analysis) -> tuple[dict[str, int], dict[str, int]]:
    done: list[str | None] = []
    expired: list[str | None] = []
    for view in analysis.claims:
        claim = view.claim
        status = claim.extra.get("status")
        if isinstance(status, str) and status.strip().lower() in CLAIM_DONE:
            done.append(claim.claimed_by)
        elif not view.active:
            expired.append(claim.claimed_by)
    return _count(done), _count(expired)


def _messages(messages: Iterable[Message]) -> tuple[dict[str, int], dict[str, int]]:
    """(direct messages received, of them answered) per session."""
    direct = [message for message in messages if message.kind == "direct"]
    last_reply: dict[tuple[str, str], datetime] = {}
    for message in direct:
        if message.timestamp is None:
            continue
        key = (message.sender, message.to)
        if key not in last_reply or message.timestamp > last_reply[key]:
            last_reply[key] = message.timestamp
    received: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    for message in direct:
        if message.sender == message.to:
            continue
        received[message.to] += 1
        reply = last_reply.get((message.to, message.sender))
        if reply is not None and message.timestamp is not None and reply > message.timestamp:
            answered[message.to] += 1
    return received, answered
