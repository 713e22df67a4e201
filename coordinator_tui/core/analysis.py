"""The analysis: store contents + "now" + settings → one immutable result.

Pure: no I/O, no clock of its own. The same ``Analysis`` feeds the dashboard,
``status`` (human and ``--json``), the headless loop and the sprint report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from coordinator_tui.core.records import (
    Claim,
    FileError,
    Heartbeat,
    Message,
    Milestone,
    PriorityItem,
    Session,
)
from coordinator_tui.core.settings import Settings
from coordinator_tui.core.store import Snapshot
from coordinator_tui.core.worktext import (
    names_match,
    normalise_work,
    similar_pairs,
    work_words,
)

# A file that is empty or cut short is shown as an error only once it has stayed
# that way this long: a writer rewriting it in place is not an error.
TRANSIENT_GRACE_S = 2.0
FUTURE_TOLERANCE_S = 300.0
_GENERIC_CAPABILITIES = frozenset({"general", "purpose"})


class Health(str, Enum):
    WORKING = "working"
    IDLE = "idle"
    STALE = "stale"
    GONE = "gone"

    @property
    def live(self) -> bool:
        return self in (Health.WORKING, Health.IDLE)


@dataclass(frozen=True, slots=True)
class SessionView:
    key: str
    """The session file's relative path: unique even when two files claim one id."""
    id: str
    """The session's id (``session_id``, else the file name)."""
    session: Session
    health: Health
    heartbeat: datetime | None
    heartbeat_age_s: float | None
    placeholder: bool
    work_key: str
    duplicate: bool = False
    conflict: bool = False
    kept_last_good: bool = False
    idle_since: datetime | None = None

    @property
    def work(self) -> str | None:
        return None if self.placeholder else self.session.current_work

    @property
    def attention(self) -> int:
        """Sort rank: duplicates and conflicts first, then stale, then the rest."""
        if self.duplicate or self.conflict:
            return 0
        if self.health is Health.STALE:
            return 1
        if self.health is Health.WORKING:
            return 2
        if self.health is Health.IDLE:
            return 3
        return 4


@dataclass(frozen=True, slots=True)
class Counts:
    total: int = 0
    live: int = 0
    working: int = 0
    idle: int = 0
    stale: int = 0
    gone: int = 0

    @property
    def utilization(self) -> float:
        """Working sessions over live sessions, 0–1 (0 when nothing is live)."""
        return self.working / self.live if self.live else 0.0


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    work: str
    work_key: str
    sessions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Overlap:
    first: str
    second: str
    first_work: str
    second_work: str
    score: float


@dataclass(frozen=True, slots=True)
class ClaimView:
    claim: Claim
    active: bool
    holder_health: Health | None


@dataclass(frozen=True, slots=True)
class Conflict:
    session: str
    work: str
    claim: str
    claimed_by: str


@dataclass(frozen=True, slots=True)
class PriorityView:
    item: PriorityItem
    available: bool
    worked_on_by: tuple[str, ...]
    claimed_by: str | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    session: str
    priority: str
    score: float
    description: str
    reason: str


@dataclass(frozen=True, slots=True)
class MilestoneView:
    milestone: Milestone
    progress: float
    progress_source: str
    """``progress`` (its own field), ``steps`` (completed/total) or ``status``."""
    stalled: bool
    steps_done: int
    steps_total: int


@dataclass(frozen=True, slots=True)
class MilestoneSummary:
    total: int
    by_status: dict[str, int]
    completion_pct: float
    mean_progress: float
    items: tuple[MilestoneView, ...]
    stalled: int


@dataclass(frozen=True, slots=True)
class MessageSummary:
    broadcast: int
    direct: int
    recovered: int
    latest: tuple[Message, ...]
    """All messages, newest first."""


@dataclass(frozen=True, slots=True)
class FileCount:
    found: int
    read: int
    recovered: int


@dataclass(frozen=True)
class Analysis:
    root: Path
    now: datetime
    exists: bool
    counts: Counts
    sessions: tuple[SessionView, ...]
    duplicates: tuple[DuplicateGroup, ...]
    overlaps: tuple[Overlap, ...]
    conflicts: tuple[Conflict, ...]
    claims: tuple[ClaimView, ...]
    priorities: tuple[PriorityView, ...]
    suggestions: tuple[Suggestion, ...]
    milestones: MilestoneSummary
    messages: MessageSummary
    heartbeats: dict[str, tuple[Heartbeat, ...]]
    files: dict[str, FileCount]
    errors: tuple[FileError, ...]
    pending_errors: int = 0
    """Failed reads still inside the transient grace period (not in ``errors``)."""
    next_change_at: datetime | None = None
    """The earliest later moment at which the clock alone changes this result (a session
    turning stale or gone, a claim expiring, a grace period ending); None if never.
    Until then a clock tick only needs to refresh the age texts, not re-analyse."""
    settings: Settings = field(default_factory=Settings)

    @property
    def stale_sessions(self) -> tuple[SessionView, ...]:
        return tuple(view for view in self.sessions if view.health is Health.STALE)

    @property
    def idle_sessions(self) -> tuple[SessionView, ...]:
        return tuple(view for view in self.sessions if view.health is Health.IDLE)

    def session(self, key: str) -> SessionView | None:
        for view in self.sessions:
            if view.key == key:
                return view
        return None


def analyse(snapshot: Snapshot, now: datetime, settings: Settings | None = None) -> Analysis:
    """Everything the product tells about a directory at ``now``."""
    settings = settings or Settings()
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    heartbeats = _heartbeats_by_session(snapshot.heartbeats)
    placeholders = frozenset(normalise_work(item) for item in settings.placeholders)
    gone_statuses = frozenset(item.lower() for item in settings.gone_statuses)

    views: list[SessionView] = []
    for session in snapshot.sessions:
        views.append(
            session_view(session, now, settings, heartbeats, placeholders, gone_statuses, snapshot)
        )

    duplicates = _duplicates(views)
    duplicate_keys = {key for group in duplicates for key in group.sessions}
    live_words = {
        view.key: work_words(view.session.current_work)
        for view in views
        if view.health.live and not view.placeholder
    }
    health_by_id: dict[str, Health] = {}
    for view in views:
        health_by_id.setdefault(view.id, view.health)
    claims = tuple(_claim_view(claim, now, health_by_id) for claim in snapshot.claims)
    conflicts = _conflicts(views, claims, live_words)
    conflict_keys = {conflict.session for conflict in conflicts}
    views = [
        _with_flags(view, view.id in duplicate_keys, view.id in conflict_keys) for view in views
    ]
    views.sort(key=lambda view: (view.attention, view.id, view.key))
    priorities = _priorities(snapshot.priorities, views, claims, live_words)

    counts = Counts(
        total=len(views),
        live=sum(1 for view in views if view.health.live),
        working=sum(1 for view in views if view.health is Health.WORKING),
        idle=sum(1 for view in views if view.health is Health.IDLE),
        stale=sum(1 for view in views if view.health is Health.STALE),
        gone=sum(1 for view in views if view.health is Health.GONE),
    )
    errors, pending = _errors(snapshot, now, views)
    return Analysis(
        root=snapshot.root,
        now=now,
        exists=snapshot.exists,
        counts=counts,
        sessions=tuple(views),
        duplicates=duplicates,
        overlaps=_overlaps(views, settings.overlap_threshold),
        conflicts=conflicts,
        claims=claims,
        priorities=priorities,
        suggestions=_suggestions(views, priorities),
        milestones=_milestones(snapshot.milestones, now, settings),
        messages=_messages(snapshot.messages),
        heartbeats=heartbeats,
        files=_files(snapshot),
        errors=errors,
        pending_errors=pending,
        next_change_at=_next_change(views, claims, snapshot, now, settings),
        settings=settings,
    )


def _next_change(
    views: list[SessionView],
    claims: tuple[ClaimView, ...],
    snapshot: Snapshot,
    now: datetime,
    settings: Settings,
) -> datetime | None:
    """The earliest moment after ``now`` at which a clock-only input crosses a threshold."""
    moments: list[float] = []
    current = now.timestamp()
    for view in views:
        if view.heartbeat is not None and view.health is not Health.GONE:
            beat = view.heartbeat.timestamp()
            moments.append(beat + settings.stale_after_s)
            moments.append(beat + settings.gone_after_s)
    for claim in claims:
        if claim.active and claim.claim.expires_at is not None:
            moments.append(claim.claim.expires_at.timestamp())
    for failure in snapshot.failures:
        moments.append(failure.mtime + TRANSIENT_GRACE_S)
    later = [moment for moment in moments if moment > current]
    if not later:
        return None
    # Stalled milestones move on a scale of hours; a re-analysis a minute later is fine.
    return datetime.fromtimestamp(min(min(later), current + 60.0), tz=timezone.utc)


# --- sessions -----------------------------------------------------------------------------


def _heartbeats_by_session(beats: tuple[Heartbeat, ...]) -> dict[str, tuple[Heartbeat, ...]]:
    grouped: dict[str, list[Heartbeat]] = defaultdict(list)
    for beat in beats:
        grouped[beat.session_id].append(beat)
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return {
        session_id: tuple(sorted(items, key=lambda b: b.timestamp or oldest, reverse=True))
        for session_id, items in grouped.items()
    }


def session_view(
    session: Session,
    now: datetime,
    settings: Settings,
    heartbeats: dict[str, tuple[Heartbeat, ...]],
    placeholders: frozenset[str],
    gone_statuses: frozenset[str],
    snapshot: Snapshot,
) -> SessionView:
    """One session's health at ``now``: the rule the whole product uses (from heartbeat
    age — including heartbeat event files — never from ``status``)."""
    beat = session.last_heartbeat
    events = heartbeats.get(session.session_id)
    if events and events[0].timestamp is not None and (beat is None or events[0].timestamp > beat):
        beat = events[0].timestamp
    age = (now - beat).total_seconds() if beat is not None else None
    if age is not None and age < -settings.gone_after_s:
        beat, age = None, None  # a heartbeat far in the future says nothing about liveness
    work_key = normalise_work(session.current_work)
    placeholder = not work_key or work_key in placeholders
    status = (session.status or "").strip().lower()
    if status in gone_statuses or age is None or age > settings.gone_after_s:
        health = Health.GONE
    elif max(age, 0.0) > settings.stale_after_s:
        health = Health.STALE
    elif placeholder:
        health = Health.IDLE
    else:
        health = Health.WORKING
    return SessionView(
        key=session.path,
        id=session.session_id,
        session=session,
        health=health,
        heartbeat=beat,
        heartbeat_age_s=age,
        placeholder=placeholder,
        work_key=work_key,
        kept_last_good=session.path in snapshot.kept,
        idle_since=snapshot.work_since.get(session.path) if placeholder else None,
    )


def _with_flags(view: SessionView, duplicate: bool, conflict: bool) -> SessionView:
    if not duplicate and not conflict:
        return view
    return SessionView(
        key=view.key,
        id=view.id,
        session=view.session,
        health=view.health,
        heartbeat=view.heartbeat,
        heartbeat_age_s=view.heartbeat_age_s,
        placeholder=view.placeholder,
        work_key=view.work_key,
        duplicate=duplicate,
        conflict=conflict,
        kept_last_good=view.kept_last_good,
        idle_since=view.idle_since,
    )


def _duplicates(views: list[SessionView]) -> tuple[DuplicateGroup, ...]:
    groups: dict[str, list[SessionView]] = defaultdict(list)
    for view in views:
        if view.health.live and not view.placeholder:
            groups[view.work_key].append(view)
    result = [
        DuplicateGroup(
            work=members[0].session.current_work or "",
            work_key=key,
            sessions=tuple(sorted({member.id for member in members})),
        )
        for key, members in groups.items()
        if len({member.id for member in members}) >= 2
    ]
    result.sort(key=lambda group: (-len(group.sessions), group.work_key))
    return tuple(result)


_overlap_memo: dict[tuple[frozenset[tuple[str, str, str]], float], tuple[Overlap, ...]] = {}


def _overlaps(views: list[SessionView], threshold: float) -> tuple[Overlap, ...]:
    """Overlaps, memoised on the live (id, work) set: a clock tick that changes no
    session's liveness or work costs a set comparison, not a pairwise search."""
    key = (
        frozenset(
            (view.id, view.work_key, view.session.current_work or "")
            for view in views
            if view.health.live and not view.placeholder
        ),
        threshold,
    )
    cached = _overlap_memo.get(key)
    if cached is None:
        cached = _find_overlaps(views, threshold)
        if len(_overlap_memo) >= 4:
            _overlap_memo.clear()
        _overlap_memo[key] = cached
    return cached


def _find_overlaps(views: list[SessionView], threshold: float) -> tuple[Overlap, ...]:
    """Pairs of live sessions with similar, not equal, work (compared per distinct work)."""
    works: dict[str, tuple[frozenset[str], list[SessionView]]] = {}
    for view in views:
        if view.health.live and not view.placeholder:
            entry = works.setdefault(view.work_key, (work_words(view.session.current_work), []))
            entry[1].append(view)
    keys = sorted(works)
    overlaps = []
    for first, second, score in similar_pairs([works[key][0] for key in keys], threshold):
        first_views = works[keys[first]][1]
        second_views = works[keys[second]][1]
        for a in first_views:
            for b in second_views:
                if a.id == b.id:
                    continue
                pair = (a, b) if a.id <= b.id else (b, a)
                overlaps.append(
                    Overlap(
                        first=pair[0].id,
                        second=pair[1].id,
                        first_work=pair[0].session.current_work or "",
                        second_work=pair[1].session.current_work or "",
                        score=round(score, 3),
                    )
                )
    overlaps.sort(key=lambda o: (-o.score, o.first, o.second))
    return tuple(overlaps)


# --- claims and priorities -----------------------------------------------------------------


def _claim_words(claim: Claim) -> frozenset[str]:
    return work_words(claim.resource_name) or work_words(claim.name)


def _claim_view(claim: Claim, now: datetime, health_by_id: dict[str, Health]) -> ClaimView:
    active = claim.expires_at is None or claim.expires_at > now
    holder = health_by_id.get(claim.claimed_by) if claim.claimed_by is not None else None
    return ClaimView(claim=claim, active=active, holder_health=holder)


def _conflicts(
    views: list[SessionView],
    claims: tuple[ClaimView, ...],
    live_words: dict[str, frozenset[str]],
) -> tuple[Conflict, ...]:
    conflicts = []
    # Each active claim filed under one of its words: a session is checked only
    # against claims that share a word with its work (sessions x claims otherwise).
    by_word: dict[str, list[tuple[ClaimView, frozenset[str]]]] = defaultdict(list)
    for view in claims:
        claim_words = _claim_words(view.claim)
        if view.active and claim_words:
            by_word[min(claim_words)].append((view, claim_words))
    for session in views:
        words = live_words.get(session.key)
        if not words:
            continue
        candidates = [entry for word in words for entry in by_word.get(word, ())]
        for claim_view, claim_words in candidates:
            claim = claim_view.claim
            if claim.claimed_by == session.id or not names_match(claim_words, words):
                continue
            conflicts.append(
                Conflict(
                    session=session.id,
                    work=session.session.current_work or "",
                    claim=claim.name,
                    claimed_by=claim.claimed_by or "unknown",
                )
            )
    conflicts.sort(key=lambda c: (c.session, c.claim))
    return tuple(conflicts)


def _priorities(
    items: tuple[PriorityItem, ...],
    views: list[SessionView],
    claims: tuple[ClaimView, ...],
    live_words: dict[str, frozenset[str]],
) -> tuple[PriorityView, ...]:
    ids = {view.key: view.id for view in views}
    active_claims = [(view.claim, _claim_words(view.claim)) for view in claims if view.active]
    result = []
    for item in items:
        words = work_words(item.name)
        workers = tuple(
            sorted({ids[key] for key, work in live_words.items() if names_match(words, work)})
        )
        holder = next(
            (
                claim.claimed_by or "unknown"
                for claim, claim_words in active_claims
                if names_match(words, claim_words) or names_match(claim_words, words)
            ),
            None,
        )
        result.append(
            PriorityView(
                item=item,
                available=not workers and holder is None,
                worked_on_by=workers,
                claimed_by=holder,
            )
        )
    return tuple(result)


def _suggestions(
    views: list[SessionView], priorities: tuple[PriorityView, ...]
) -> tuple[Suggestion, ...]:
    """Idle sessions, longest idle first, each given the best available priority it fits."""
    far_future = datetime.max.replace(tzinfo=timezone.utc)
    idle = sorted(
        (view for view in views if view.health is Health.IDLE),
        key=lambda view: (view.idle_since or view.session.started_at or far_future, view.id),
    )
    remaining = [view for view in priorities if view.available]
    suggestions = []
    for session in idle:
        if not remaining:
            break
        skills = (
            work_words(" ".join(session.session.capabilities + session.session.specialization))
            - _GENERIC_CAPABILITIES
        )
        best = remaining[0]
        reason = "highest-scoring available priority"
        for candidate in remaining:
            shared = skills & work_words(f"{candidate.item.name} {candidate.item.description}")
            if shared:
                best = candidate
                reason = "matches " + ", ".join(sorted(shared))
                break
        remaining.remove(best)
        suggestions.append(
            Suggestion(
                session=session.id,
                priority=best.item.name,
                score=best.item.score,
                description=best.item.description,
                reason=reason,
            )
        )
    return tuple(suggestions)


# --- milestones, messages, files, errors -----------------------------------------------------


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


def _milestones(
    milestones: tuple[Milestone, ...], now: datetime, settings: Settings
) -> MilestoneSummary:
    items = []
    by_status: dict[str, int] = defaultdict(int)
    for milestone in milestones:
        progress, source, done, total = milestone_progress(milestone)
        updated = milestone.updated_at or datetime.fromtimestamp(milestone.mtime, tz=timezone.utc)
        stalled = (
            milestone.status == "in_progress"
            and (now - updated).total_seconds() > settings.stalled_after_s
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


def _messages(messages: tuple[Message, ...]) -> MessageSummary:
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    ordered = sorted(messages, key=lambda m: (m.timestamp or oldest, m.path), reverse=True)
    return MessageSummary(
        broadcast=sum(1 for m in messages if m.kind == "broadcast"),
        direct=sum(1 for m in messages if m.kind == "direct"),
        recovered=sum(1 for m in messages if m.recovered),
        latest=tuple(ordered),
    )


def _files(snapshot: Snapshot) -> dict[str, FileCount]:
    groups = {
        "sessions": snapshot.sessions,
        "milestones": snapshot.milestones,
        "messages": snapshot.messages,
        "claims": snapshot.claims,
        "heartbeats": snapshot.heartbeats,
    }
    return {
        kind: FileCount(
            found=snapshot.found.get(kind, 0),
            read=len(records),
            recovered=sum(1 for record in records if record.recovered),
        )
        for kind, records in groups.items()
    }


def _errors(
    snapshot: Snapshot, now: datetime, views: list[SessionView]
) -> tuple[tuple[FileError, ...], int]:
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
    for view in views:
        beat = view.session.last_heartbeat
        if beat is not None and (beat - now).total_seconds() > FUTURE_TOLERANCE_S:
            note = "ignored" if view.heartbeat is None else "treated as now"
            errors.append(
                FileError(
                    path=view.key,
                    reason=f"last_heartbeat {beat:%Y-%m-%d %H:%M:%S} UTC is in the future; {note}",
                    kind="sessions",
                    severity="warning",
                )
            )
    by_id: dict[str, list[str]] = defaultdict(list)
    for view in views:
        by_id[view.id].append(view.key)
    for session_id, paths in by_id.items():
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(p for p in paths if p != path)
                errors.append(
                    FileError(
                        path=path,
                        reason=f"session_id {session_id!r} is also claimed by {others}",
                        kind="sessions",
                        severity="warning",
                    )
                )
    errors.sort(key=lambda e: (e.severity != "error", e.path, e.reason))
    return tuple(errors), pending
