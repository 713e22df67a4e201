"""run's acting step in-process: its state on disk (coerced totally), what it sends
once, and the milestone progress history samples now carry."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from coordinator_tui.analysis.acting.act import act, progress_history
from coordinator_tui.clock import frozen_clock
from coordinator_tui.headless.acting import ActingStep
from coordinator_tui.write.acting_state import (
    ActingState,
    acting_state_path,
    escalation_state_path,
    load_acting_state,
)
from coordinator_tui.write.trend_log import PROGRESS_LIMIT, Sample
from tests.acting import NOW, analysed, milestone
from tests.test_acting_run import direct, scenario

OLD_LINE = (
    '{"time":"2025-11-15T19:00:00Z","total":3,"live":2,"working":1,"idle":1,"stale":1,'
    '"gone":0,"utilization":0.5,"milestones_total":1,"milestones_completed":0}'
)


def test_old_history_lines_load_without_progress() -> None:
    sample = Sample.from_json(OLD_LINE)
    assert sample is not None
    assert sample.progress == ()
    assert "progress" not in json.loads(sample.to_json())


def test_progress_is_coerced_entry_by_entry() -> None:
    data = json.loads(OLD_LINE)
    data["progress"] = {"search": 40, "bad": "x", "nan": float("nan"), "big": 400, "": 3}
    sample = Sample.from_json(json.dumps(data))
    assert sample is not None
    assert sample.progress == (("big", 100.0), ("search", 40.0))
    data["progress"] = ["not", "an", "object"]
    sample = Sample.from_json(json.dumps(data))
    assert sample is not None and sample.progress == ()


def test_samples_record_the_most_recent_unfinished_milestones(tmp_path: Path) -> None:
    for number in range(PROGRESS_LIMIT + 5):
        milestone(
            tmp_path,
            f"m{number:03d}",
            status="in_progress",
            progress=number % 100,
            updated_at=NOW - timedelta(minutes=number),
        )
    milestone(tmp_path, "done", status="completed", progress=100, updated_at=NOW)
    sample = Sample.from_analysis(analysed(tmp_path))
    ids = [key for key, _ in sample.progress]
    assert len(ids) == PROGRESS_LIMIT
    assert "done" not in ids
    assert "m000" in ids and f"m{PROGRESS_LIMIT - 1:03d}" in ids and "m054" not in ids
    again = Sample.from_json(sample.to_json())
    assert again is not None and again.progress == sample.progress


def test_history_makes_the_forecast(tmp_path: Path) -> None:
    """No created_at: the ETA comes from the recorded progress alone."""
    milestone(tmp_path, "search", status="in_progress", progress=50, updated_at=NOW)
    base = Sample.from_json(OLD_LINE)
    assert base is not None
    samples = [
        Sample(**{**_fields(base), "time": NOW - timedelta(hours=h), "progress": (("search", p),)})
        for h, p in ((2, 10), (1, 30))
    ]
    assert progress_history(samples)["search"][0] == (NOW - timedelta(hours=2), 10)
    forecast = act(analysed(tmp_path), samples).forecast_of_milestone("search")
    assert forecast is not None and forecast.method == "history"
    assert forecast.velocity_per_h == 20.0
    assert forecast.eta == NOW + timedelta(hours=2.5)


def _fields(sample: Sample) -> dict[str, object]:
    return {name: getattr(sample, name) for name in Sample.__dataclass_fields__}


def test_hostile_state_files_become_empty_state_and_a_reason(tmp_path: Path) -> None:
    path = acting_state_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xfe not json")
    state, problem = load_acting_state(tmp_path)
    assert state == ActingState() and problem is not None and "not JSON" in problem
    path.write_text(
        json.dumps({"told": ["a", 3, ""], "duplicate_counts": {"s": -1, "t": 2, "u": True}})
    )
    state, problem = load_acting_state(tmp_path)
    assert state.told == frozenset({"a"})
    assert state.duplicate_counts == {"t": 2}
    assert problem == "4 bad or excess entries skipped"
    path.unlink()
    path.symlink_to("/etc/passwd")
    state, problem = load_acting_state(tmp_path)
    assert state == ActingState() and problem is not None


def test_a_situation_is_told_once_and_again_after_it_ended(tmp_path: Path) -> None:
    root = scenario(tmp_path)
    step = ActingStep(root, frozen_clock(NOW))
    step.run(analysed(root), [])
    step.run(analysed(root), [])
    assert len(direct(root, "session-b")) == 1
    saved = json.loads(acting_state_path(root).read_text())
    assert saved["duplicate_counts"] == {"session-b": 1}
    assert json.loads(escalation_state_path(root).read_text())["open"].keys() == {
        "milestone-blocked:payments"
    }
    # session-b moves on: the situation ends and is forgotten...
    (root / "sessions" / "session-b.json").unlink()
    step.run(analysed(root), [])
    assert json.loads(acting_state_path(root).read_text())["told"] == []
    # ...and when it comes back it is a change, told again (with a later clock).
    scenario(root)
    later = ActingStep(root, frozen_clock(NOW + timedelta(seconds=5)))
    later.run(analysed(root), [])
    assert len(direct(root, "session-b")) == 2
    assert json.loads(acting_state_path(root).read_text())["duplicate_counts"] == {"session-b": 2}


def test_dry_run_decides_and_writes_nothing(tmp_path: Path) -> None:
    root = scenario(tmp_path)
    step = ActingStep(root, frozen_clock(NOW), dry_run=True)
    lines = step.run(analysed(root), [])
    texts = [line.text for line in lines]
    assert any("(not messaged: --dry-run)" in text for text in texts)
    assert any(text.startswith("escalation raised: milestone payments") for text in texts)
    assert direct(root, "session-b") == []
    assert not (root / ".coordinator").exists()
