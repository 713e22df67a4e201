"""Quality metrics per session, and sorting them."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordinator_tui.analysis.acting.quality import measure_quality, sort_quality
from coordinator_tui.analysis.acting.resolve import resolve
from tests.acting import ago, analysed, claim, heartbeat_event, milestone
from tests.collective import iso, session, write_json


def _direct(root: Path, sender: str, to: str, minutes: int) -> None:
    stamp = ago(minutes=minutes)
    write_json(
        root / "messages" / "direct" / to / f"{stamp:%Y-%m-%d_%H-%M-%S}-{sender}.json",
        {"from": sender, "to": to, "timestamp": iso(stamp), "subject": "s", "message": "m"},
    )


def _build(root: Path) -> None:
    session(root, "session-a", "billing", ago(minutes=1), started=ago(hours=3))
    session(root, "session-b", "billing", ago(minutes=1), started=ago(hours=1))
    session(root, "session-c", "docs", ago(minutes=2), state="waiting")
    done = {"status": "completed", "completed_at": iso(ago(hours=1))}
    milestone(
        root,
        "billing",
        status="completed",
        owner="session-a",
        steps=[
            {"step": 1, "completed_by": "session-a", **done},
            {"step": 2, "completed_by": "session-a", **done},
            {"step": 3, "completed_by": "session-b", **done},
            {"step": 4, "status": "pending"},
        ],
    )
    claim(root, "old-task", "session-b", ago(hours=5), hours=1)  # expired, unfinished
    finished = claim(root, "released-task", "session-a", ago(hours=5), hours=1)
    text = finished.read_text().replace(
        '"duration_hours"', '"status": "completed",\n  "duration_hours"'
    )
    finished.write_text(text)
    # session-b asked session-a twice; session-a answered after the first only.
    _direct(root, "session-b", "session-a", 50)
    _direct(root, "session-a", "session-b", 40)
    _direct(root, "session-b", "session-a", 30)
    # session-c waited 10 min earlier (between two events), and waits now since 2 min.
    heartbeat_event(root, "session-c", ago(minutes=40), state="waiting")
    heartbeat_event(root, "session-c", ago(minutes=30), state="working")


def test_each_metric(tmp_path: Path) -> None:
    _build(tmp_path)
    analysis = analysed(tmp_path)
    records = {r.session: r for r in measure_quality(analysis, resolve(analysis))}
    a, b, c = records["session-a"], records["session-b"], records["session-c"]
    assert (a.steps_completed, a.milestones_completed, a.claims_completed, a.finished) == (
        2,
        1,
        1,
        3,
    )
    assert (b.steps_completed, b.claims_expired, b.claims_completed) == (1, 1, 0)
    # session-a started first and keeps billing; session-b caused the duplicate.
    assert (a.duplicates_caused, b.duplicates_caused) == (0, 1)
    assert (a.messages_received, a.messages_answered, a.answer_rate) == (2, 1, 0.5)
    # session-a's answer was itself answered by session-b's second message.
    assert (b.messages_received, b.messages_answered) == (1, 1)
    assert c.answer_rate is None
    assert c.waiting_s == pytest.approx(12 * 60)
    assert a.waiting_s == 0
    assert "duplicates_caused" in a.approximations


def test_duplicate_history_from_the_caller(tmp_path: Path) -> None:
    _build(tmp_path)
    analysis = analysed(tmp_path)
    counts = {"session-a": 4, "session-b": 0, "session-c": True, "session-x": "7"}
    records = {r.session: r for r in measure_quality(analysis, resolve(analysis), counts)}
    # The caller's count, but never less than what is happening now; junk counts as 0.
    assert [records[s].duplicates_caused for s in ("session-a", "session-b", "session-c")] == [
        4,
        1,
        0,
    ]
    assert "duplicates_caused" not in records["session-a"].approximations


def test_sorting_by_a_column_ties_by_id(tmp_path: Path) -> None:
    _build(tmp_path)
    records = measure_quality(analysed(tmp_path))
    assert [r.session for r in sort_quality(records, "finished")] == [
        "session-a",
        "session-b",
        "session-c",
    ]
    assert [r.session for r in sort_quality(records, "steps_completed", descending=False)] == [
        "session-c",
        "session-b",
        "session-a",
    ]
    with pytest.raises(ValueError, match="unknown quality column"):
        sort_quality(records, "__class__")
