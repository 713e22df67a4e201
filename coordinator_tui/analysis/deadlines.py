"""When does the clock alone change what an analysis says?

A live view re-analyses on file events; between them only time moves. Knowing
the next moment at which a session turns stale, a claim expires or a milestone
stalls lets a dashboard over 10,000 sessions sit idle instead of redoing the
whole analysis every second.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from coordinator_tui.analysis.results import (
    FUTURE_TOLERANCE_S,
    TRANSIENT_GRACE_S,
    Analysis,
    ClaimView,
    Health,
    MilestoneSummary,
    SessionView,
)
from coordinator_tui.analysis.summaries import milestone_updated
from coordinator_tui.settings import Settings
from coordinator_tui.snapshot import Failure

PENDING_RETRY_S = 1.0
"""Files mid-rewrite are read again this soon (the store keeps their last good read)."""


def next_moment(view: SessionView, now: float, settings: Settings) -> float | None:
    """The first moment (epoch seconds) after ``now`` at which this session's view changes
    by itself: it turns stale, or gone; a heartbeat too far ahead comes within the
    tolerance and counts."""
    moment = None
    beat = view.heartbeat
    if beat is not None and view.health is not Health.GONE:
        stamp = beat.timestamp()
        moment = stamp + settings.stale_after_s
        if moment <= now:
            moment = stamp + settings.gone_after_s
    own = view.session.last_heartbeat
    if own is not None and own is not beat:  # a heartbeat too far ahead is never the beat
        ahead = own.timestamp() - FUTURE_TOLERANCE_S
        if ahead > now and (moment is None or moment <= now or ahead < moment):
            moment = ahead
    return moment if moment is not None and moment > now else None


def next_change(
    sessions_next: float | None,
    claims: Iterable[ClaimView],
    failures: Iterable[Failure],
    now: datetime,
) -> datetime | None:
    """The earliest moment after ``now`` at which a clock-only input crosses a threshold:
    ``sessions_next`` (the first of the sessions' ``next_moment``), a claim expiring, a
    failed read's grace period ending."""
    current = now.timestamp()
    moments = [] if sessions_next is None else [sessions_next]
    for claim in claims:
        if claim.active and claim.claim.expires_at is not None:
            moments.append(claim.claim.expires_at.timestamp())
    moments += [failure.mtime + TRANSIENT_GRACE_S for failure in failures]
    later = [moment for moment in moments if moment > current]
    if not later:
        return None
    # Stalled milestones move on a scale of hours; a re-analysis a minute later is fine.
    return datetime.fromtimestamp(min(min(later), current + 60.0), tz=timezone.utc)


def next_deadline(analysis: Analysis) -> datetime | None:
    """The first moment after ``analysis.now`` at which re-analysing changes the result.

    The analysis's own ``next_change_at`` (sessions turning stale or gone, claims
    expiring, grace periods ending), a prompt retry while files are mid-rewrite,
    and in-progress milestones turning stalled. None when only a file event can
    change anything.
    """
    moments = [analysis.next_change_at, next_stall(analysis.milestones, analysis.settings)]
    if analysis.pending_errors:
        moments.append(analysis.now + timedelta(seconds=PENDING_RETRY_S))
    return min((m for m in moments if m is not None and m > analysis.now), default=None)


def next_stall(milestones: MilestoneSummary, settings: Settings) -> datetime | None:
    """When the first in-progress milestone not stalled yet turns stalled (None: never)."""
    after = timedelta(seconds=settings.stalled_after_s)
    return min(
        (
            milestone_updated(item.milestone) + after
            for item in milestones.items
            if item.milestone.status == "in_progress" and not item.stalled
        ),
        default=None,
    )
