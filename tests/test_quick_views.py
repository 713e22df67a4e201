"""``quick_views``: a few sessions re-read without a full analysis."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from coordinator_tui.analysis import Health, analyse
from coordinator_tui.analysis.quick import quick_views
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from tests.collective import NOW, ago, session

DUPLICATE = "sessions/session-1002.json"
"""Works on the same thing as session-1001 in the standard fixture."""


def test_an_edited_session_gets_its_new_health_and_keeps_its_flags(collective: Path) -> None:
    store = Store(collective, Settings())
    store.scan()
    analysis = analyse(store.snapshot(), NOW, Settings())
    before = analysis.session(DUPLICATE)
    assert before is not None and before.duplicate and before.health is Health.WORKING
    session(collective, "session-1002", "consciousness-loop-build", ago(minutes=20))
    store.scan()
    later = NOW + timedelta(seconds=5)
    views = quick_views([DUPLICATE, "sessions/missing.json"], store.snapshot(), analysis, later)
    assert [view.key for view in views] == [DUPLICATE]
    assert views[0].health is Health.STALE  # the new heartbeat, by the analysis's rule
    assert views[0].heartbeat_age_s == 20 * 60 + 5
    assert views[0].duplicate  # carried over until the next full analysis


def test_no_keys_no_views(collective: Path) -> None:
    store = Store(collective, Settings())
    store.scan()
    analysis = analyse(store.snapshot(), NOW, Settings())
    assert quick_views([], store.snapshot(), analysis, NOW) == []
