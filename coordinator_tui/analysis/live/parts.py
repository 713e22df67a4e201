"""The live analysis's smaller answers: claims and conflicts, errors, file counts, clock.

Each mirrors one piece of ``analyse()`` (``work.find_conflicts``,
``summaries.list_errors``, ``summaries.count_files``, ``_next_change``) but
reads the live analysis's indexes instead of walking every session.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import cast

from coordinator_tui.analysis.live.indexes import Moments
from coordinator_tui.analysis.results import (
    FUTURE_TOLERANCE_S,
    TRANSIENT_GRACE_S,
    ClaimView,
    Conflict,
    FileCount,
    Health,
    MilestoneSummary,
    MilestoneView,
    SessionView,
)
from coordinator_tui.analysis.sessions import OverlapResult, find_overlaps
from coordinator_tui.analysis.summaries import future_heartbeat, list_errors, shared_id_warnings
from coordinator_tui.analysis.work import claim_view
from coordinator_tui.files.records import Claim, FileError
from coordinator_tui.files.worktext import names_match, work_words
from coordinator_tui.store import Snapshot

ClaimWords = tuple[ClaimView, frozenset[str]]


class ClaimIndex:
    """Active claims by word, each live session's words, and its conflicts."""

    def __init__(self) -> None:
        self.records: tuple[Claim, ...] = ()
        self.active: tuple[Claim, ...] = ()
        self.by_word: dict[str, list[ClaimWords]] = {}
        self.live_words: dict[str, frozenset[str]] = {}
        self.ids: dict[str, str] = {}
        self.by_key: dict[str, tuple[Conflict, ...]] = {}
        self.conflict_ids: Counter[str] = Counter()
        self._result: tuple[Conflict, ...] | None = None

    def load(self, claims: tuple[Claim, ...], now: datetime) -> bool:
        """The claims as of ``now``; True when the active ones changed (recheck everyone)."""
        self.records = claims
        active = tuple(c for c in claims if c.expires_at is None or c.expires_at > now)
        if len(active) == len(self.active) and all(map(lambda a, b: a is b, active, self.active)):
            return False
        self.active = active
        self.by_word = defaultdict(list)
        for claim in active:
            words = work_words(claim.resource_name) or work_words(claim.name)
            if words:
                self.by_word[min(words)].append((ClaimView(claim, True, None), words))
        return True

    def add(self, view: SessionView, words: frozenset[str]) -> set[str]:
        self.live_words[view.key] = words
        self.ids[view.key] = view.id
        return self._check(view.key, view.id, view.session.current_work or "", words)

    def remove(self, key: str) -> set[str]:
        self.live_words.pop(key, None)
        session_id = self.ids.pop(key, "")
        found = self.by_key.pop(key, ())
        if found:
            self.conflict_ids.subtract([session_id] * len(found))
            self._result = None
            return {session_id}
        return set()

    def recheck_all(self, base: dict[str, SessionView]) -> set[str]:
        """After the active claims changed: every live session checked again."""
        touched = set(self.conflict_ids)
        self.by_key.clear()
        self.conflict_ids.clear()
        self._result = None
        for key, words in self.live_words.items():
            view = base[key]
            touched |= self._check(key, view.id, view.session.current_work or "", words)
        return touched

    def _check(self, key: str, session_id: str, work: str, words: frozenset[str]) -> set[str]:
        """``find_conflicts`` for one session."""
        if not words:
            return set()
        found = []
        for word in words:
            for claim_view_, claim_words in self.by_word.get(word, ()):
                claim = claim_view_.claim
                if claim.claimed_by == session_id or not names_match(claim_words, words):
                    continue
                found.append(Conflict(session_id, work, claim.name, claim.claimed_by or "unknown"))
        if not found:
            return set()
        self.by_key[key] = tuple(found)
        self.conflict_ids[session_id] += len(found)
        self._result = None
        return {session_id}

    def result(self) -> tuple[Conflict, ...]:
        if self._result is None:
            found = [c for conflicts in self.by_key.values() for c in conflicts]
            found.sort(key=lambda c: (c.session, c.claim, c.claimed_by, c.work))
            self._result = tuple(found)
        return self._result

    def views(
        self, now: datetime, ids: dict[str, set[str]], views: dict[str, SessionView]
    ) -> tuple[ClaimView, ...]:
        """Every claim with its holder's health (the file with the smallest key)."""
        holders: dict[str, Health] = {}
        for claim in self.records:
            holder = claim.claimed_by
            if holder is not None and holder in ids and holder not in holders:
                holders[holder] = views[min(ids[holder])].health
        return tuple(claim_view(claim, now, holders) for claim in self.records)


def completed_since(
    previous: MilestoneSummary | None, current: MilestoneSummary
) -> tuple[MilestoneView, ...]:
    """Milestones completed since ``previous`` (``analysis.changes``'s rule)."""
    if previous is None:
        return ()
    done = {i.milestone.path for i in previous.items if i.milestone.status == "completed"}
    return tuple(
        item
        for item in current.items
        if item.milestone.status == "completed" and item.milestone.path not in done
    )


def file_counts(snapshot: Snapshot, sessions_recovered: int) -> dict[str, FileCount]:
    """``count_files`` with the sessions' recovered count kept by the live analysis."""
    groups: dict[str, tuple[object, ...]] = {
        "milestones": snapshot.milestones,
        "messages": snapshot.messages,
        "claims": snapshot.claims,
        "heartbeats": snapshot.heartbeats,
    }
    counts = {
        "sessions": FileCount(
            snapshot.found.get("sessions", 0), len(snapshot.sessions), sessions_recovered
        )
    }
    for kind, records in groups.items():
        recovered = sum(1 for record in records if getattr(record, "recovered", False))
        counts[kind] = FileCount(snapshot.found.get(kind, 0), len(records), recovered)
    return counts


def next_change(
    moments: Moments, claims: tuple[ClaimView, ...], snapshot: Snapshot, now: datetime
) -> datetime | None:
    """``_next_change`` from the moments heap instead of every view."""
    current = now.timestamp()
    later = [moment] if (moment := moments.earliest_after(current)) is not None else []
    for claim in claims:
        if claim.active and claim.claim.expires_at is not None:
            later.append(claim.claim.expires_at.timestamp())
    later.extend(failure.mtime + TRANSIENT_GRACE_S for failure in snapshot.failures)
    later = [moment for moment in later if moment > current]
    if not later:
        return None
    return datetime.fromtimestamp(min(min(later), current + 60.0), tz=timezone.utc)


def future_beat(view: SessionView, now: datetime) -> bool:
    beat = view.session.last_heartbeat
    return beat is not None and (beat - now).total_seconds() > FUTURE_TOLERANCE_S


def session_errors(
    snapshot: Snapshot,
    now: datetime,
    views: dict[str, SessionView],
    future: Iterable[str],
    shared_ids: dict[str, set[str]],
) -> tuple[tuple[FileError, ...], int]:
    """``list_errors``: the store's failures and warnings, then the few sessions with a
    heartbeat in the future (``future``) and the ids two files claim (``shared_ids``)."""
    base, pending = list_errors(snapshot, now, [])
    errors = list(base)
    for key in future:
        view = views.get(key)
        warning = None if view is None else future_heartbeat(view, now)
        if warning is not None:
            errors.append(warning)
    errors.extend(shared_id_warnings(shared_ids))
    errors.sort(key=lambda e: (e.severity != "error", e.path, e.reason))
    return tuple(errors), pending


class _Work:
    """What the overlap search reads of a session view, and nothing else (cheap to send)."""

    __slots__ = ("health", "id", "placeholder", "session", "work_key")

    def __init__(self, session_id: str, work_key: str, work: str) -> None:
        self.id = session_id
        self.work_key = work_key
        self.session = SimpleNamespace(current_work=work)
        self.health = Health.WORKING
        self.placeholder = False


def overlap_items(views: Iterable[SessionView]) -> list[tuple[str, str, str]]:
    """The live views as plain (id, work key, work) tuples for ``search_items``."""
    return [(view.id, view.work_key, view.session.current_work or "") for view in views]


def search_items(items: list[tuple[str, str, str]], threshold: float) -> OverlapResult:
    """``find_overlaps`` over plain tuples: runs in another process for big directories,
    so the search does not hold the dashboard's GIL."""
    works = [_Work(*item) for item in items]
    return find_overlaps(cast("list[SessionView]", works), threshold)
