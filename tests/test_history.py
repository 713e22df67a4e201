"""The bounded sample history and the trends computed from it."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.analysis import analyse
from coordinator_tui.render.trends import milestone_velocity, sparkline, utilization_trend
from coordinator_tui.store import Store
from coordinator_tui.write.trend_log import Sample, TrendLog, TrendLogError
from tests.collective import NOW


def sample(minutes: float, utilization: float = 0.5, completed: int = 0) -> Sample:
    return Sample(
        time=NOW + timedelta(minutes=minutes),
        total=10,
        live=8,
        working=4,
        idle=4,
        stale=1,
        gone=1,
        utilization=utilization,
        milestones_total=5,
        milestones_completed=completed,
    )


def test_sample_from_analysis_holds_counts_and_milestones(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    taken = Sample.from_analysis(analyse(store.snapshot(), NOW))
    assert (taken.total, taken.working, taken.idle, taken.stale, taken.gone) == (12, 5, 3, 1, 3)
    assert taken.utilization == 0.625
    assert (taken.milestones_total, taken.milestones_completed) == (6, 2)
    assert taken.time == NOW


def test_append_and_load_round_trip(tmp_path: Path) -> None:
    history = TrendLog(tmp_path)
    for minute in range(3):
        history.append(sample(minute, completed=minute))
    loaded = TrendLog(tmp_path).load()
    assert loaded == [sample(0, completed=0), sample(1, completed=1), sample(2, completed=2)]
    assert (tmp_path / ".coordinator" / "history.jsonl").is_file()


def test_corrupt_lines_are_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    history = TrendLog(tmp_path)
    history.append(sample(0))
    path = tmp_path / ".coordinator" / "history.jsonl"
    with path.open("ab") as handle:
        handle.write(b'{"time": "2025-11-15T20:01:00Z", "total": 1\n')  # cut short
        handle.write(b"\xff\xfe not json\n[1, 2]\n")
        handle.write(b'{"time":"yesterday","total":1}\n')
    history.append(sample(5))
    reread = TrendLog(tmp_path)
    assert [s.time for s in reread.load()] == [sample(0).time, sample(5).time]
    assert reread.skipped == 4


def test_history_stays_bounded_and_keeps_the_newest(tmp_path: Path) -> None:
    history = TrendLog(tmp_path, limit=20)
    for minute in range(100):
        history.append(sample(minute))
    lines = (tmp_path / ".coordinator" / "history.jsonl").read_text().splitlines()
    assert len(lines) <= 20 + 10
    loaded = TrendLog(tmp_path, limit=20).load()
    assert len(loaded) == 20
    assert loaded[-1].time == sample(99).time
    assert loaded[0].time == sample(80).time
    assert not [p for p in (tmp_path / ".coordinator").iterdir() if p.name.startswith(".tmp")]


def test_missing_history_is_empty(tmp_path: Path) -> None:
    assert TrendLog(tmp_path / "nowhere").load() == []


def test_a_folder_in_place_of_the_history_is_an_error_with_path_and_reason(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".coordinator" / "history.jsonl"
    path.mkdir(parents=True)
    with pytest.raises(TrendLogError) as raised:
        TrendLog(tmp_path).load()
    assert raised.value.path == path
    assert raised.value.reason == "not a regular file (directory)"
    assert str(raised.value) == f"{path}: not a regular file (directory)"
    with pytest.raises(OSError):
        TrendLog(tmp_path).append(sample(0))


def test_a_file_in_place_of_the_private_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".coordinator").write_text("not a folder")
    with pytest.raises(TrendLogError) as raised:
        TrendLog(tmp_path).load()
    assert (raised.value.path, raised.value.reason) == (tmp_path / ".coordinator", "not a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_history_is_an_error(tmp_path: Path) -> None:
    history = TrendLog(tmp_path)
    history.append(sample(0))
    history.path.chmod(0)
    try:
        with pytest.raises(TrendLogError) as raised:
            TrendLog(tmp_path).load()
    finally:
        history.path.chmod(0o644)
    assert raised.value.path == history.path
    assert raised.value.reason == "Permission denied"


def test_a_link_out_of_the_directory_is_neither_read_nor_appended_to(tmp_path: Path) -> None:
    outside = tmp_path / "outside.jsonl"
    outside.write_text(sample(0).to_json() + "\n")
    root = tmp_path / "coordination"
    (root / ".coordinator").mkdir(parents=True)
    (root / ".coordinator" / "history.jsonl").symlink_to(outside)
    with pytest.raises(TrendLogError) as raised:
        TrendLog(root).load()
    assert "outside the coordination directory" in raised.value.reason
    with pytest.raises(OSError):
        TrendLog(root).append(sample(1))
    assert outside.read_text() == sample(0).to_json() + "\n"


def test_velocity_is_completed_per_day() -> None:
    samples = [sample(0, completed=1), sample(60 * 12, completed=2), sample(60 * 24, completed=4)]
    assert milestone_velocity(samples) == 3.0


def test_velocity_needs_an_hour_of_samples() -> None:
    assert milestone_velocity([sample(0), sample(30, completed=3)]) is None
    assert milestone_velocity([sample(0)]) is None


def test_velocity_uses_only_the_window() -> None:
    samples = [sample(0, completed=0), sample(60 * 24 * 10, completed=10)]
    samples.insert(1, sample(60 * 24 * 9, completed=9))
    assert milestone_velocity(samples, window=timedelta(days=2)) == 1.0


def test_utilization_trend_resamples_to_the_width() -> None:
    samples = [sample(minute, utilization=(minute % 2) * 1.0) for minute in range(100)]
    trend = utilization_trend(samples, points=10)
    assert len(trend) == 10
    assert all(abs(value - 0.5) < 1e-9 for value in trend)
    assert utilization_trend(samples[:3], points=10) == [0.0, 1.0, 0.0]
    assert utilization_trend([], points=10) == []


def test_sparkline_maps_zero_to_one_onto_blocks() -> None:
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([]) == ""
    assert sparkline([3, 3, 3], low=None, high=None) == "▁▁▁"
    assert sparkline([1, 2, 3], low=None, high=None) == "▁▅█"
    assert sparkline([-1.0, 2.0]) == "▁█"
