"""``next_deadline``: the first moment at which the clock alone changes the analysis."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.analysis.deadlines import next_deadline
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from tests.collective import NOW, ago, iso, session, write_json


def run(root: Path, now: datetime = NOW) -> Analysis:
    store = Store(root, Settings())
    store.scan()
    return analyse(store.snapshot(), now, Settings())


def milestone(root: Path, name: str, status: str, updated: datetime) -> None:
    write_json(
        root / "sessions" / "MILESTONES" / f"{name}.json",
        {"milestone_id": name, "title": name, "status": status, "updated_at": iso(updated)},
    )


def test_nothing_to_wait_for_gives_none(tmp_path: Path) -> None:
    (tmp_path / "sessions").mkdir()
    assert next_deadline(run(tmp_path)) is None


def test_a_session_turning_stale_is_the_deadline(tmp_path: Path) -> None:
    # Stale after 600 s: a heartbeat 9 min 30 s old turns stale in 30 s.
    session(tmp_path, "session-1", "build", ago(minutes=9, seconds=30))
    assert next_deadline(run(tmp_path)) == NOW + timedelta(seconds=30)


def test_an_in_progress_milestone_turning_stalled_comes_first(tmp_path: Path) -> None:
    session(tmp_path, "session-1", "build", ago(minutes=9, seconds=30))
    # Stalled after a day without an update: this one stalls in 10 s.
    milestone(tmp_path, "m1", "in_progress", ago(days=1) + timedelta(seconds=10))
    milestone(tmp_path, "m2", "completed", ago(days=1) + timedelta(seconds=5))  # never stalls
    assert next_deadline(run(tmp_path)) == NOW + timedelta(seconds=10)


def test_a_stalled_milestone_is_no_deadline(tmp_path: Path) -> None:
    (tmp_path / "sessions").mkdir()
    milestone(tmp_path, "m1", "in_progress", ago(days=2))
    assert next_deadline(run(tmp_path)) is None
