"""The headless commands on the hostile directory (issue 5): ``status``, ``report``, ``run``.

Each runs as a real process whose standard output is strict UTF-8 (a terminal
in a UTF-8 locale): it must finish with exit 0, show every valid session,
name the bad files, print nothing a terminal would act on, cut long text, and
write nothing outside the coordination directory.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import BIG_WORK, VALID_SESSIONS, build_hostile

REPO = Path(__file__).resolve().parents[1]
NOW_ARG = ("--now", "2025-11-15T20:00:00Z")
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ENV = {
    **os.environ,
    "PYTHONPATH": str(REPO),
    "PYTHONIOENCODING": "utf-8:strict",
    "COLUMNS": "120",
}


def _command_exists(name: str) -> bool:
    return (REPO / "coordinator_tui" / "commands" / f"{name}.py").exists()


def cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coordinator_tui", *argv],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=ENV,
        cwd=cwd,
        timeout=120,
    )


def listing(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


@pytest.fixture
def hostile_dir(tmp_path: Path) -> Path:
    build_hostile(tmp_path / "coordination")
    return tmp_path / "coordination"


def test_status_survives_a_strict_utf8_terminal(hostile_dir: Path) -> None:
    """A lone surrogate (non-UTF-8 file name, ``\\ud800`` escape) used to crash here."""
    result = cli("status", str(hostile_dir), *NOW_ARG)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not UNSAFE.search(result.stdout)
    for valid in VALID_SESSIONS:
        assert valid in result.stdout
    json_result = cli("status", str(hostile_dir), "--json", *NOW_ARG)
    assert json_result.returncode == 0, json_result.stderr
    document = json.loads(json_result.stdout)
    assert {s["id"] for s in document["sessions"]} >= set(VALID_SESSIONS)


@pytest.mark.skipif(not _command_exists("report"), reason="the 'report' command is missing")
def test_report_on_the_hostile_directory(hostile_dir: Path) -> None:
    before = listing(hostile_dir.parent)
    result = cli("report", str(hostile_dir), "-o", "-", *NOW_ARG)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    report = result.stdout
    assert not UNSAFE.search(report)
    for valid in VALID_SESSIONS[:2]:  # the working ones are listed by name
        assert valid in report
    assert "x" * 200 not in report  # the 100 KB work is cut for display
    # Markup is escaped for Markdown and never becomes a live link.
    assert "[@click=app.quit]" not in report and r"\[@click=app.quit\]" in report
    assert "](https://evil.example" not in report
    assert listing(hostile_dir.parent) == before  # -o - writes nothing

    written = cli("report", str(hostile_dir), *NOW_ARG)
    assert written.returncode == 0, written.stderr
    new = listing(hostile_dir.parent) - before
    assert new == {"coordination/SPRINT_REPORT_2025-11-15.md"}, new
    text = (hostile_dir / "SPRINT_REPORT_2025-11-15.md").read_text(encoding="utf-8")
    assert not UNSAFE.search(text)


@pytest.mark.skipif(not _command_exists("run"), reason="the 'run' command is missing")
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_run_one_cycle_on_the_hostile_directory(hostile_dir: Path, log_format: str) -> None:
    before = listing(hostile_dir.parent)
    result = cli("run", str(hostile_dir), "--cycles", "1", "--log-format", log_format, *NOW_ARG)
    assert result.returncode == 0, result.stderr
    for output in (result.stdout, result.stderr):
        assert not UNSAFE.search(output)
        assert "Traceback" not in output
        assert BIG_WORK[:200] not in output
    if log_format == "json":
        for line in result.stdout.splitlines():
            json.loads(line)
    else:
        # The bad files are named, one line each, with their reason.
        assert re.search(r"error: sessions/session-[\w.-]+\.json: \w", result.stdout)
        assert "utilization" in result.stdout
    # Everything written is inside the directory, in its own places, and valid.
    new = listing(hostile_dir.parent) - before
    assert all(path.startswith("coordination/") for path in new), new
    for path in new:
        full = hostile_dir.parent / path
        if full.is_file() and path.startswith("coordination/messages/"):
            document = json.loads(full.read_text(encoding="utf-8"))
            assert document["from"] == "coordinator"
            # Never addressed to a hostile id: it would have become a path.
            assert "/" not in document["to"] and "[" not in document["to"]
    assert not any("etc" in path.split("/") for path in new)


@pytest.mark.skipif(not _command_exists("run"), reason="the 'run' command is missing")
def test_run_counts_every_valid_session(hostile_dir: Path) -> None:
    status = json.loads(cli("status", str(hostile_dir), "--json", *NOW_ARG).stdout)
    result = cli("run", str(hostile_dir), "--cycles", "1", "--dry-run", *NOW_ARG)
    assert result.returncode == 0, result.stderr
    counts = status["counts"]
    assert (
        f"{counts['working']} working · {counts['idle']} idle · {counts['stale']} stale"
        in result.stdout
    )
