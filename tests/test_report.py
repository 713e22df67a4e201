"""The sprint report: golden Markdown from the standard fixture, escaping, and the command."""

from __future__ import annotations

import errno
import os
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.cli import main
from coordinator_tui.files import fsio
from coordinator_tui.render.report import render_report
from coordinator_tui.store import Store
from coordinator_tui.write.reports import write_report
from coordinator_tui.write.trend_log import Sample
from tests.collective import NOW, ago, session

GOLDEN = Path(__file__).parent / "golden" / "sprint_report.md"


def analysis_of(root: Path) -> Analysis:
    store = Store(root)
    store.scan()
    return analyse(store.snapshot(), NOW)


def history() -> list[Sample]:
    """A day of samples: utilization climbing, two milestones completed along the way."""
    samples = []
    for hour in range(25):
        samples.append(
            Sample(
                time=NOW - timedelta(hours=24 - hour),
                total=12,
                live=8,
                working=hour // 4,
                idle=8 - hour // 4,
                stale=1,
                gone=3,
                utilization=(hour // 4) / 8,
                milestones_total=6,
                milestones_completed=0 if hour < 10 else (1 if hour < 20 else 2),
            )
        )
    return samples


def test_report_matches_golden(collective: Path) -> None:
    text = render_report(analysis_of(collective), history())
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_report_says_what_is_really_there(collective: Path) -> None:
    text = render_report(analysis_of(collective))
    assert "No duplicate work detected" not in text
    assert "| consciousness-loop-build | 2 | session-1001, session-1002 |" in text
    assert "session-1009 | gone | 3 days ago" in text  # a ghost the old report counted active
    assert "No history yet" in text


def test_no_duplicates_is_stated_with_the_counts(tmp_path: Path) -> None:
    session(tmp_path, "session-1", "alpha", ago(minutes=1))
    session(tmp_path, "session-2", "beta", ago(minutes=1))
    session(tmp_path, "session-3", "session initialization", ago(minutes=1))
    text = render_report(analysis_of(tmp_path))
    assert "None found: 2 live sessions with work, 2 distinct works" in text
    assert "1 idle sessions with placeholder work" in text


def test_file_text_cannot_break_tables_or_inject(tmp_path: Path) -> None:
    hostile = (
        "a | b | c\n## heading [link](http://x) <script>x</script> `code` \x1b]52;c;aGk=\x07*bold*"
    )
    session(tmp_path, "session-1", hostile, ago(minutes=1))
    session(tmp_path, "session-2", hostile, ago(minutes=1))
    text = render_report(analysis_of(tmp_path))
    assert "\x1b" not in text and "\x07" not in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "[link](" not in text and "\\[link\\](" in text
    work_rows = [line for line in text.splitlines() if "a \\| b \\| c" in line]
    assert work_rows
    for line in work_rows:
        unescaped = line.replace("\\|", "")
        assert unescaped.count("|") == line.count("|") - line.count("\\|")
    active = next(line for line in text.splitlines() if line.startswith("| session-1 |"))
    assert active.replace("\\|", "").count("|") == 5  # four columns, intact


def test_large_tables_are_cut_with_a_count(tmp_path: Path) -> None:
    for number in range(80):
        session(tmp_path, f"session-{number:03d}", f"work {number}", ago(minutes=1))
    text = render_report(analysis_of(tmp_path))
    assert "… and 30 more" in text


def test_write_report_replaces_the_days_file(collective: Path) -> None:
    analysis = analysis_of(collective)
    first = write_report(collective, analysis)
    assert first == collective / "SPRINT_REPORT_2025-11-15.md"
    first.write_text("old", encoding="utf-8")
    second = write_report(collective, analysis, history())
    assert second == first
    assert second.read_text(encoding="utf-8") == render_report(analysis, history())
    assert sorted(p.name for p in collective.glob("SPRINT_REPORT_*")) == [
        "SPRINT_REPORT_2025-11-15.md"
    ]


def test_report_command_default_stdout_and_output(
    collective: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = ["--now", "2025-11-15T20:00:00Z"]
    assert main(["report", str(collective), *now]) == 0
    assert capsys.readouterr().out.strip() == str(collective / "SPRINT_REPORT_2025-11-15.md")
    assert main(["report", str(collective), "-o", "-", *now]) == 0
    printed = capsys.readouterr().out
    assert printed == render_report(analysis_of(collective))
    target = tmp_path / "elsewhere.md"
    assert main(["report", str(collective), "-o", str(target), *now]) == 0
    assert target.read_text(encoding="utf-8") == printed


def test_report_uses_the_stored_history(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(collective), "--cycles", "1", "--now", "2025-11-15T20:00:00Z"]) == 0
    capsys.readouterr()
    assert main(["report", str(collective), "-o", "-", "--now", "2025-11-15T20:00:00Z"]) == 0
    assert "1 sample from 2025-11-15T20:00:00Z" in capsys.readouterr().out


def test_report_write_failure_is_exit_1_and_no_partial_file(
    collective: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = collective / "SPRINT_REPORT_2025-11-15.md"
    old.write_text("the old report\n", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fsio.os, "fsync", full)
    code = main(["report", str(collective), "--now", "2025-11-15T20:00:00Z"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("coordinator-tui: could not write the report") and err.count("\n") == 1
    assert old.read_text(encoding="utf-8") == "the old report\n"
    assert not [p for p in collective.iterdir() if p.name.startswith(".tmp")]


def test_an_unreadable_history_is_said_on_stderr_and_in_the_report(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = collective / ".coordinator" / "history.jsonl"
    history.mkdir(parents=True)
    assert main(["report", str(collective), "--now", "2025-11-15T20:00:00Z"]) == 0
    out, err = capsys.readouterr()
    reason = ".coordinator/history.jsonl: not a regular file (directory)"
    assert err == f"coordinator-tui: history not read: {reason}\n"
    report = Path(out.strip()).read_text(encoding="utf-8")
    assert "The history could not be read, so there are no trends this time: " in report
    assert "history.jsonl: not a regular file (directory)." in report
    assert str(collective) not in report
    assert "No history yet" not in report
