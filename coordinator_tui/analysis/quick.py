"""Fresh views of a few sessions without a full analysis (the dashboard's quick path).

At 10,000 sessions a full analysis takes a good part of a second; a session
whose file was just edited should not wait for it. Health and ages come from
the analysis's own per-session rule (``session_view``); the cross-session flags
(duplicate, conflict) are carried over from the last full analysis until the
next one corrects them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from coordinator_tui.analysis.results import Analysis, SessionView
from coordinator_tui.analysis.sessions import session_view
from coordinator_tui.files.worktext import normalise_work
from coordinator_tui.store import Snapshot

CARRY_FLAGS_UP_TO = 50
"""Above this many edited sessions at once, flags are not looked up one by one."""


def quick_views(
    keys: Iterable[str],
    snapshot: Snapshot,
    analysis: Analysis,
    now: datetime,
) -> list[SessionView]:
    """Views of the sessions in ``keys`` (file keys) as ``snapshot`` has them at ``now``."""
    wanted = set(keys)
    if not wanted:
        return []
    settings = analysis.settings
    placeholders = frozenset(normalise_work(item) for item in settings.placeholders)
    gone_statuses = frozenset(item.lower() for item in settings.gone_statuses)
    carry = len(wanted) < CARRY_FLAGS_UP_TO
    views = []
    for session in snapshot.sessions:
        if session.path not in wanted:
            continue
        view = session_view(
            session, now, settings, analysis.heartbeats, placeholders, gone_statuses, snapshot
        )
        before = analysis.session(session.path) if carry else None
        if before is not None and (before.duplicate or before.conflict):
            view = replace(view, duplicate=before.duplicate, conflict=before.conflict)
        views.append(view)
    return views
