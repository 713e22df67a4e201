"""``changes``: the news between two analyses (new duplicates, stale, completed)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.analysis.changes import Changes, changes
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from tests.collective import NOW, ago, session, write_json


def run(root: Path, now: datetime = NOW) -> Analysis:
    store = Store(root, Settings())
    store.scan()
    return analyse(store.snapshot(), now, Settings())


def test_the_first_analysis_has_no_news(collective: Path) -> None:
    news = changes(None, run(collective))
    assert news == Changes() and not news


def test_the_same_analysis_twice_has_no_news(collective: Path) -> None:
    analysis = run(collective)
    assert not changes(analysis, run(collective))


def test_a_new_duplicate_and_a_completed_milestone(collective: Path) -> None:
    before = run(collective)
    session(collective, "session-2001", "treasury audit", ago(minutes=1))
    session(collective, "session-2002", "treasury audit", ago(minutes=1))
    write_json(
        collective / "sessions" / "MILESTONES" / "treasury.json",
        {"milestone_id": "treasury", "title": "Treasury manager", "status": "completed"},
    )
    news = changes(before, run(collective))
    assert [group.sessions for group in news.new_duplicates] == [("session-2001", "session-2002")]
    assert [item.milestone.title for item in news.completed] == ["Treasury manager"]
    assert news.went_stale == ()


def test_went_stale_counts_only_sessions_seen_before(tmp_path: Path) -> None:
    session(tmp_path, "session-old", "build", ago(minutes=5))
    before = run(tmp_path)
    session(tmp_path, "session-new", "deploy", ago(minutes=30))  # stale from the start
    later = run(tmp_path, NOW + timedelta(minutes=6))
    assert [view.id for view in changes(before, later).went_stale] == ["session-old"]
