"""The analysis: store contents + "now" + settings → one immutable result.

Pure: no I/O, no clock of its own, never a sleep. One engine (``incremental``) computes it,
whole or updated from the files that changed. The same ``Analysis`` feeds the dashboard,
``status`` (human and ``--json``), the headless loop and the sprint report.
"""

from __future__ import annotations

from datetime import datetime

from coordinator_tui.analysis.incremental import IncrementalAnalysis
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
from coordinator_tui.analysis.sessions import session_view
from coordinator_tui.analysis.summaries import milestone_progress
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
    """Everything the product tells about a directory at ``now``: the engine fed every
    file at once. ``overlaps=False`` leaves out the similarity search (none found)."""
    return IncrementalAnalysis(snapshot, now, settings, overlaps=overlaps).analysis
