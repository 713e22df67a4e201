"""``coordinator-tui run``: cycles, alerts sent once, reports when due, stopping, recovering."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.clock import frozen_clock
from coordinator_tui.files import fsio
from coordinator_tui.headless.coordinator import Coordinator, LogEvent, RunOptions
from coordinator_tui.settings import Settings
from coordinator_tui.write.trend_log import TrendLog
from tests.collective import NOW, ago, build_collective, session

NOW_ARG = ["--now", "2025-11-15T20:00:00Z"]


def _write_order(path: Path) -> tuple[str, int]:
    """``…-coordinator.json`` then ``…-coordinator-2.json``, ``-3``… (clash suffixes)."""
    stem, _, suffix = path.stem.rpartition("-")
    return (stem, int(suffix)) if suffix.isdigit() else (path.stem, 1)


def broadcasts(
    root: Path, subject_prefix: str = "", sender: str = "coordinator"
) -> list[dict[str, str]]:
    """The sender's broadcasts in the order written, each parsed (so each must be valid JSON)."""
    folder = root / "messages" / "broadcast"
    found = []
    for path in sorted(folder.glob(f"*-{sender}*.json"), key=_write_order):
        document = json.loads(path.read_text(encoding="utf-8"))  # every alert is valid JSON
        if document["subject"].startswith(subject_prefix):
            found.append(document)
    return found


def fingerprint(root: Path) -> dict[str, str]:
    """Hashes of every file a coordinator must never touch."""
    result = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not relative.startswith(
            ("messages/", ".coordinator/", "SPRINT_REPORT_")
        ):
            result[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def coordinator(root: Path, events: list[LogEvent], **options: object) -> Coordinator:
    return Coordinator(root, Settings(), frozen_clock(NOW), RunOptions(**options), events.append)  # type: ignore[arg-type]


def test_two_cycles_send_one_duplicate_alert(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fingerprint(collective)
    code = main(["run", str(collective), "--cycles", "2", "--interval", "0.01", *NOW_ARG])
    out = capsys.readouterr().out
    assert code == 0
    alerts = broadcasts(collective, "Duplicate work")
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["from"] == "coordinator" and alert["to"] == "broadcast"
    assert alert["timestamp"] == "2025-11-15T20:00:00Z"
    assert "session-1001, session-1002" in alert["message"]
    assert len(broadcasts(collective, "Work suggestion")) == 1
    assert "Coordination cycle #2" in out and "Duplicate work: 'consciousness-loop-build'" in out
    assert not list(collective.glob("SPRINT_REPORT_*"))  # default --report-every 10
    assert len(TrendLog(collective).load()) == 2
    assert fingerprint(collective) == before  # sessions, milestones, claims untouched


def test_report_when_due_and_heartbeat(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", str(collective), "--cycles", "2", "--interval", "0.01", "--report-every", "2"]
    assert main([*argv, "--heartbeat-every", "1", "--from", "coord-1", *NOW_ARG]) == 0
    report = collective / "SPRINT_REPORT_2025-11-15.md"
    assert report.is_file()
    text = report.read_text(encoding="utf-8")
    assert "## Duplicate work" in text and "2 samples from" in text
    beats = broadcasts(collective, "Coordination Heartbeat", sender="coord-1")
    assert len(beats) == 2 and all(b["from"] == "coord-1" for b in beats)
    assert "Cycle 2." in beats[1]["message"]
    assert "Sprint report written" in capsys.readouterr().out


def test_restart_does_not_alert_again(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(3):
        assert main(["run", str(collective), "--cycles", "1", *NOW_ARG]) == 0
    capsys.readouterr()
    assert len(broadcasts(collective, "Duplicate work")) == 1
    assert len(broadcasts(collective, "Work suggestion")) == 1
    state = json.loads((collective / ".coordinator" / "alerts.json").read_text())
    assert state["duplicates"] == {"consciousness loop build": ["session-1001", "session-1002"]}


def test_alert_again_only_when_members_change(collective: Path) -> None:
    events: list[LogEvent] = []
    runner = coordinator(collective, events)
    runner.run_cycle()
    runner.run_cycle()
    assert len(broadcasts(collective, "Duplicate work")) == 1
    session(collective, "session-1013", "consciousness loop build", ago(minutes=1))
    runner.run_cycle()
    alerts = broadcasts(collective, "Duplicate work")
    assert len(alerts) == 2
    assert "session-1001, session-1002, session-1013" in alerts[1]["message"]
    runner.run_cycle()
    assert len(broadcasts(collective, "Duplicate work")) == 2


def test_suggestion_again_only_when_it_changes(collective: Path) -> None:
    events: list[LogEvent] = []
    runner = coordinator(collective, events)
    runner.run_cycle()
    runner.run_cycle()
    assert len(broadcasts(collective, "Work suggestion")) == 1
    session(collective, "session-1007", "deploy_docs", ago(minutes=1))  # an idle one takes work
    runner.run_cycle()
    runner.run_cycle()
    suggestions = broadcasts(collective, "Work suggestion")
    assert len(suggestions) == 2
    assert "session-1007" not in suggestions[1]["message"]


def test_dry_run_writes_nothing(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def everything() -> dict[str, bytes]:
        return {str(p): p.read_bytes() for p in collective.rglob("*") if p.is_file()}

    before = everything()
    argv = ["run", str(collective), "--cycles", "2", "--interval", "0.01", "--dry-run"]
    assert main([*argv, "--report-every", "1", "--heartbeat-every", "1", *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert everything() == before
    assert not (collective / ".coordinator").exists()
    assert "dry run: would broadcast 'Duplicate work: consciousness-loop-build'" in out
    assert "dry run: would write SPRINT_REPORT_2025-11-15.md" in out


def test_json_log_lines(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(collective), "--cycles", "1", "--log-format", "json", *NOW_ARG]) == 0
    lines = capsys.readouterr().out.splitlines()
    documents = [json.loads(line) for line in lines]
    steps = [d["step"] for d in documents]
    for step in ("start", "cycle", "sessions", "duplicates", "distribution", "milestones", "stop"):
        assert step in steps
    counts = next(d for d in documents if d["step"] == "sessions" and "working" in d)
    assert (counts["working"], counts["idle"], counts["stale"], counts["gone"]) == (5, 3, 1, 3)
    assert all(d["time"] == "2025-11-15T20:00:00Z" for d in documents)
    assert all(line.isascii() for line in lines)


def test_hostile_text_is_inert_in_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = "[bold red]x[/] \x1b[2J\x1b]52;c;aGk=\x07 \x9b31m end"
    session(tmp_path, "session-1", hostile, ago(minutes=1))
    session(tmp_path, "session-2", hostile, ago(minutes=1))
    assert main(["run", str(tmp_path), "--cycles", "1", *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "[bold red]x[/]" in out
    alert = broadcasts(tmp_path, "Duplicate work")[0]
    assert "\x1b" not in alert["subject"]


def test_directory_deleted_mid_run_recovers(tmp_path: Path) -> None:
    root = build_collective(tmp_path / "coordination")
    events: list[LogEvent] = []
    runner = coordinator(root, events)
    assert runner.run_cycle() is not None
    shutil.rmtree(root)
    assert runner.run_cycle() is None
    assert runner.run_cycle() is None
    assert not root.exists()  # nothing was written into a vanished directory
    texts = [e.text for e in events if e.step == "directory"]
    assert texts[0].startswith("directory is missing") and texts[1].startswith(
        "directory still missing"
    )
    build_collective(root)
    analysis = runner.run_cycle()
    assert analysis is not None and analysis.counts.total == 12
    assert any(e.text.startswith("directory is back") for e in events)
    assert broadcasts(root, "Duplicate work") == []  # same group as before: no repeat alert


def test_failed_alert_write_is_logged_and_retried(
    collective: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[LogEvent] = []
    runner = coordinator(collective, events)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(fsio.os, "fsync", full)
        runner.run_cycle()
    assert broadcasts(collective) == []
    assert any(e.level == "error" and "No space left" in e.text for e in events)
    assert not [p for p in collective.rglob(".tmp-*")]
    runner.run_cycle()
    assert len(broadcasts(collective, "Duplicate work")) == 1


def test_corrupt_alert_state_is_reported_and_replaced(collective: Path) -> None:
    state = collective / ".coordinator" / "alerts.json"
    state.parent.mkdir()
    state.write_text("{not json", encoding="utf-8")
    events: list[LogEvent] = []
    coordinator(collective, events).run_cycle()
    assert any(e.step == "state" and e.level == "warn" for e in events)
    assert json.loads(state.read_text())["version"] == 1


def test_stop_request_ends_after_the_current_step(collective: Path) -> None:
    events: list[LogEvent] = []
    runner = coordinator(collective, events)
    asked = iter([False, False, True])
    runner.run_cycle(lambda: next(asked, True))
    steps = [e.step for e in events]
    assert "duplicates" in steps and "milestones" not in steps
    assert steps[-1] == "stop"


def test_unsafe_sender_is_a_usage_error(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(collective), "--cycles", "1", "--from", "../x"]) == 2
    assert "--from" in capsys.readouterr().err


def test_sigterm_ends_run_with_exit_0(collective: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "coordinator_tui", "run", str(collective), "--interval", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + 30
    for line in process.stdout:
        seen.append(line)
        if "next in" in line or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Coordinator stopped after 1 cycle\n" in "".join(seen) + out


# Which modules may import Textual is checked by tests/test_import_hygiene.py, which walks
# the whole package.


def test_an_unreadable_history_is_logged_and_the_report_still_written(collective: Path) -> None:
    history = collective / ".coordinator" / "history.jsonl"
    history.mkdir(parents=True)
    events: list[LogEvent] = []
    coordinator(collective, events, report_every=1).run_cycle()
    problems = [e for e in events if e.step in ("history", "report") and e.level != "info"]
    relative, reason = ".coordinator/history.jsonl", "not a regular file (directory)"
    assert [(e.step, e.level, e.text) for e in problems] == [
        ("history", "error", f"could not record the history sample: {relative}: {reason}"),
        (
            "report",
            "warn",
            f"history not read, report has no trends: {relative}: {reason}",
        ),
    ]
    assert problems[1].data == {"path": str(history), "reason": reason}
    report = collective / "SPRINT_REPORT_2025-11-15.md"
    assert "The history could not be read" in report.read_text(encoding="utf-8")
