"""When does the clock alone change what an analysis says?

A live view re-analyses on file events; between them only time moves. Knowing
the next moment at which a session turns stale, a claim expires or a milestone
stalls lets a dashboard over 10,000 sessions sit idle instead of redoing the
whole analysis every second.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from coordinator_tui.analysis.results import Analysis

PENDING_RETRY_S = 1.0
"""Files mid-rewrite are read again this soon (the store keeps their last good read)."""


def next_deadline(analysis: Analysis) -> datetime | None:
    """The first moment after ``analysis.now`` at which re-analysing changes the result.

    The analysis's own ``next_change_at`` (sessions turning stale or gone, claims
    expiring, grace periods ending), a prompt retry while files are mid-rewrite,
    and in-progress milestones turning stalled. None when only a file event can
    change anything.
    """
    moments = [analysis.next_change_at] if analysis.next_change_at is not None else []
    if analysis.pending_errors:
        moments.append(analysis.now + timedelta(seconds=PENDING_RETRY_S))
    stalled = timedelta(seconds=analysis.settings.stalled_after_s)
    for item in analysis.milestones.items:
        updated = item.milestone.updated_at
        if item.milestone.status == "in_progress" and not item.stalled and updated is not None:
            moments.append(updated + stalled)
    future = [moment for moment in moments if moment > analysis.now]
    return min(future) if future else None
