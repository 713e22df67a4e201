"""Issue 10, clocks and numbers: a heartbeat from the future never makes a session look
dead, and no number in a file (10**400, 1e400, NaN, a 500-digit string) raises."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.files.timeparse import finite_float, parse_timestamp, to_float, utc_from_epoch
from coordinator_tui.store import Store
from tests.collective import NOW, ago, iso, session, write_json, write_text

REPO = Path(__file__).resolve().parents[1]
CLI = (sys.executable, "-m", "coordinator_tui")
HUGE = "1" + "0" * 400  # 10**400 as JSON text


def run(root: Path, now=NOW) -> Analysis:
    store = Store(root)
    store.scan()
    return analyse(store.snapshot(), now)


def fresh(path: Path, moment=NOW) -> None:
    """Give ``path`` the modification time ``moment`` (the session just wrote it)."""
    os.utime(path, (moment.timestamp(), moment.timestamp()))


# --- time ------------------------------------------------------------------------------


def test_own_heartbeat_hours_ahead_on_a_fresh_file_is_live_with_a_warning(tmp_path: Path) -> None:
    path = session(tmp_path, "session-skew", "skewed build", NOW + timedelta(hours=3))
    fresh(path, ago(seconds=30))
    analysis = run(tmp_path)
    view = analysis.session("sessions/session-skew.json")
    assert view.health.value == "working"
    assert view.heartbeat == ago(seconds=30)  # the file time stands in, never the future
    warnings = [e for e in analysis.errors if e.path == "sessions/session-skew.json"]
    assert any("in the future; ignored" in e.reason for e in warnings)


def test_old_file_with_heartbeat_ahead_is_still_gone(tmp_path: Path) -> None:
    path = session(tmp_path, "session-ghost", "ghost", NOW + timedelta(hours=3))
    fresh(path, ago(hours=5))
    assert run(tmp_path).session("sessions/session-ghost.json").health.value == "gone"


def test_future_event_file_neither_kills_a_fresh_session_nor_hides_its_beat(
    tmp_path: Path,
) -> None:
    session(tmp_path, "session-a", "alpha build", ago(minutes=1))
    event = "heartbeats/2025-11-16_01-00-00-session-a.json"
    write_json(
        tmp_path / event, {"session_id": "session-a", "timestamp": iso(NOW + timedelta(hours=5))}
    )
    analysis = run(tmp_path)
    view = analysis.session("sessions/session-a.json")
    assert view.health.value == "working"
    assert view.heartbeat == ago(minutes=1)
    named = [e for e in analysis.errors if e.path == event]
    assert len(named) == 1 and "in the future; ignored for liveness" in named[0].reason
    assert named[0].severity == "warning"


def test_a_credible_event_older_than_a_future_one_still_counts(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "alpha build", ago(hours=1))
    for stamp, moment in (
        ("2025-11-15_19-59-00", ago(minutes=1)),
        ("2025-11-16_03-00-00", NOW + timedelta(hours=7)),
    ):
        write_json(
            tmp_path / "heartbeats" / f"{stamp}-session-a.json",
            {"session_id": "session-a", "timestamp": iso(moment)},
        )
    view = run(tmp_path).session("sessions/session-a.json")
    assert (view.health.value, view.heartbeat) == ("working", ago(minutes=1))


def test_small_skew_is_tolerated_silently(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "alpha build", NOW + timedelta(minutes=2))
    analysis = run(tmp_path)
    assert analysis.session("sessions/session-a.json").health.value == "working"
    assert not [e for e in analysis.errors if "future" in e.reason]


def test_statusline_skips_a_future_event_too(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "alpha build", ago(minutes=1))
    write_json(
        tmp_path / "heartbeats" / "2025-11-16_01-00-00-session-a.json",
        {"session_id": "session-a", "timestamp": iso(NOW + timedelta(hours=5))},
    )
    out = subprocess.run(
        [*CLI, "status", "--line", str(tmp_path), "--now", iso(NOW)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("●1 working"), out.stdout


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10**400, None),
        (float("nan"), None),
        (float("inf"), None),
        (1e308, 1e308),
        ("1" * 500, None),
        ("42", 42.0),
        (" 7.5 ", 7.5),
        (True, None),
        ("nan", None),
        ([], None),
    ],
)
def test_finite_float_is_total(value: object, expected: float | None) -> None:
    assert finite_float(value) == expected


def test_to_float_says_why() -> None:
    assert to_float(10**400) == (None, "is out of range")
    assert to_float("lots") == (None, "is not a number")


@pytest.mark.parametrize("value", [10**400, -(10**400), 1e300, float("nan"), "9" * 60])
def test_timestamps_out_of_range_are_unknown(value: object) -> None:
    assert parse_timestamp(value) is None
    assert utc_from_epoch(1e300) is None


def _huge_directory(root: Path) -> dict[str, str]:
    """One file per field the issue names, each holding 10**400 (plus NaN/inf/strings)."""
    files = {
        "sessions/session-count.json": '{"session_id": "session-count", "current_work": "a",'
        f' "last_heartbeat": "{iso(ago(minutes=1))}", "heartbeat_count": {HUGE}}}',
        "sessions/session-beat.json": f'{{"session_id": "session-beat", "last_heartbeat": {HUGE}}}',
        "sessions/session-nan.json": '{"session_id": "session-nan", "last_heartbeat": NaN,'
        ' "heartbeat_count": Infinity}',
        "sessions/session-digits.json": '{"session_id": "session-digits", "heartbeat_count":'
        f' "{"9" * 5000}", "last_heartbeat": 1e400}}',
        "sessions/MILESTONES/huge.json": f'{{"milestone_id": "huge", "progress": {HUGE}}}',
        "claims/huge.claim": f'{{"claimed_by": "x", "claimed_at": "{iso(ago(minutes=5))}",'
        f' "duration_hours": {HUGE}}}',
        "messages/broadcast/2025-11-15_19-00-00-x.json": '{"from": "x", "subject": "s",'
        f' "timestamp": {HUGE}}}',
        "heartbeats/2025-11-15_19-00-00-session-count.json": '{"session_id": "session-count",'
        f' "timestamp": {HUGE}}}',
    }
    for relative, text in files.items():
        write_text(root / relative, text)
    return files


def test_huge_numbers_are_problems_for_their_file(tmp_path: Path) -> None:
    files = _huge_directory(tmp_path)
    analysis = run(tmp_path)
    assert {v.id for v in analysis.sessions} >= {"session-count", "session-beat", "session-nan"}
    assert analysis.session("sessions/session-count.json").session.heartbeat_count is None
    reasons = {e.path: e.reason for e in analysis.errors}
    for relative in (
        "sessions/session-count.json",
        "sessions/session-beat.json",
        "sessions/MILESTONES/huge.json",
        "claims/huge.claim",
        "messages/broadcast/2025-11-15_19-00-00-x.json",
    ):
        assert relative in reasons, relative
    assert "(an integer of 401 digits) is out of range" in reasons["claims/huge.claim"]
    assert "401 digits" in reasons["sessions/MILESTONES/huge.json"]
    assert len(files) == 8


@pytest.mark.parametrize("command", [["status"], ["status", "--json"], ["report", "-o", "-"]])
def test_huge_numbers_through_the_cli(tmp_path: Path, command: list[str]) -> None:
    _huge_directory(tmp_path / "dir")
    out = subprocess.run(
        [*CLI, *command, str(tmp_path / "dir"), "--now", iso(NOW)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert "session-count" in out.stdout
