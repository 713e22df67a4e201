"""The analysis: store contents + "now" + settings → one immutable result.

Pure: no I/O, no clock of its own. The same ``Analysis`` feeds the dashboard,
``status`` (human and ``--json``), the headless loop and the sprint report.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from coordinator_tui.analysis.results import (
    FUTURE_TOLERANCE_S,
    TRANSIENT_GRACE_S,
    Analysis,
    ClaimView,
    Conflict,
    Counts,
    DuplicateGroup,
    FileCount,
    Health,
    MessageSummary,
    MilestoneSummary,
    MilestoneView,
    Overlap,
    PriorityView,
    SessionView,
    Suggestion,
)
from coordinator_tui.analysis.sessions import (
    find_duplicates,
    find_overlaps,
    group_heartbeats,
    holder_health,
    session_view,
    with_flags,
)
from coordinator_tui.analysis.summaries import (
    count_files,
    list_errors,
    milestone_progress,
    summarise_messages,
    summarise_milestones,
)
from coordinator_tui.analysis.work import (
    claim_view,
    find_conflicts,
    rank_priorities,
    suggest_work,
)
from coordinator_tui.files.worktext import normalise_work, work_words
from coordinator_tui.gcpause import paused_gc
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot

__all__ = [
    "FUTURE_TOLERANCE_S",
    "TRANSIENT_GRACE_S",
    "Analysis",
    "ClaimView",
    "Conflict",
    "Counts",
    "DuplicateGroup",
    "FileCount",
    "Health",
    "MessageSummary",
    "MilestoneSummary",
    "MilestoneView",
    "Overlap",
    "PriorityView",
    "SessionView",
    "Suggestion",
    "analyse",
    "milestone_progress",
    "session_view",
]


def analyse(
    snapshot: Snapshot, now: datetime, settings: Settings | None = None, overlaps: bool = True
) -> Analysis:
    """Everything the product tells about a directory at ``now``; ``overlaps=False``
    leaves out the similarity search (none found), as ``LiveAnalysis`` does until asked."""
    with paused_gc():
        return _analyse(snapshot, now, settings, overlaps)


def _analyse(
    snapshot: Snapshot, now: datetime, settings: Settings | None, search: bool = True
) -> Analysis:
    settings = settings or Settings()
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    heartbeats = group_heartbeats(snapshot.heartbeats)
    placeholders = frozenset(normalise_work(item) for item in settings.placeholders)
    gone_statuses = frozenset(item.lower() for item in settings.gone_statuses)

    views: list[SessionView] = []
    for session in snapshot.sessions:
        views.append(
            session_view(session, now, settings, heartbeats, placeholders, gone_statuses, snapshot)
        )

    duplicates = find_duplicates(views)
    duplicate_keys = {key for group in duplicates for key in group.sessions}
    live_words = {
        view.key: work_words(view.session.current_work)
        for view in views
        if view.health.live and not view.placeholder
    }
    health_by_id = holder_health(views)
    claims = tuple(claim_view(claim, now, health_by_id) for claim in snapshot.claims)
    conflicts = find_conflicts(views, claims, live_words)
    conflict_keys = {conflict.session for conflict in conflicts}
    views = [
        with_flags(view, view.id in duplicate_keys, view.id in conflict_keys) for view in views
    ]
    views.sort(key=lambda view: (view.attention, view.id, view.key))
    priorities = rank_priorities(snapshot.priorities, views, claims, live_words)

    counts = count_health(views)
    errors, pending = list_errors(snapshot, now, views)
    overlaps, overlaps_found, overlaps_capped = (
        find_overlaps(views, settings.overlap_threshold) if search else ((), 0, False)
    )
    return Analysis(
        root=snapshot.root,
        now=now,
        exists=snapshot.exists,
        counts=counts,
        sessions=tuple(views),
        duplicates=duplicates,
        overlaps=overlaps,
        overlaps_found=overlaps_found,
        overlaps_capped=overlaps_capped,
        conflicts=conflicts,
        claims=claims,
        priorities=priorities,
        suggestions=suggest_work(views, priorities),
        milestones=summarise_milestones(snapshot.milestones, now, settings),
        messages=summarise_messages(snapshot.messages, snapshot.unread_messages),
        heartbeats=heartbeats,
        files=count_files(snapshot),
        errors=errors,
        pending_errors=pending,
        next_change_at=_next_change(views, claims, snapshot, now, settings),
        settings=settings,
    )


def count_health(views: list[SessionView]) -> Counts:
    """How many sessions are in each health, one pass over the views."""
    tally = Counter(view.health for view in views)
    return Counts(
        total=len(views),
        live=sum(number for health, number in tally.items() if health.live),
        working=tally[Health.WORKING],
        idle=tally[Health.IDLE],
        stale=tally[Health.STALE],
        gone=tally[Health.GONE],
        waiting=tally[Health.WAITING],
        ended=tally[Health.ENDED],
        starting=tally[Health.STARTING],
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
        own = view.session.last_heartbeat
        if own is not None and own.timestamp() - FUTURE_TOLERANCE_S > current:
            moments.append(own.timestamp() - FUTURE_TOLERANCE_S)  # comes into range then
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
