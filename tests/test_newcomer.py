"""The first ten minutes of a new user (issue 14): mistyped commands, no terminal, the
demo's exit, ``init``'s sample directory."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.commands import common, demo
from coordinator_tui.commands.init import FIRST_ID

CHILD_ENV = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATOR")}


def child(*args: str, cwd: Path | None = None, **options: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "coordinator_tui", *args],
        capture_output=True,
        text=True,
        env=CHILD_ENV,
        cwd=cwd,
        timeout=60,
        stdin=subprocess.DEVNULL,
        **options,  # type: ignore[call-overload]
    )


# --- item 3: mistyped commands and no terminal ---------------------------------------------


def test_a_mistyped_command_says_did_you_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["stauts"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "coordinator-tui: unknown command 'stauts' (did you mean 'status'?); "
        "'coordinator-tui --help' lists the commands\n"
    )
    assert main(["raport", "--json"]) == 2
    assert "did you mean 'report'?" in capsys.readouterr().err


def test_an_existing_folder_named_like_a_command_is_still_the_dashboards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``stauts`` exists here: it is a DIR, so the dashboard is asked for (and, with no
    terminal under pytest, refuses to start: exit 2 with its own line)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stauts").mkdir()
    monkeypatch.setattr(common, "no_terminal", lambda: "no terminal here")
    assert main(["stauts"]) == 2
    assert capsys.readouterr().err == "no terminal here\n"
    assert main(["some/new/dir"]) == 2  # a path with a '/' is never a command
    assert capsys.readouterr().err == "no terminal here\n"


@pytest.mark.parametrize("command", [["DIR"], ["demo"], ["dashboard", "DIR"]])
def test_the_dashboard_refuses_to_start_without_a_terminal(
    collective: Path, command: list[str]
) -> None:
    args = [str(collective) if word == "DIR" else word for word in command]
    result = child(*args)
    assert result.returncode == 2
    assert result.stdout == ""  # no escape codes written anywhere
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("coordinator-tui: the dashboard needs a terminal")
    assert "\x1b" not in result.stderr


# --- item 5: the demo keeps what the user exported, cleans up on SIGTERM -----------------


def test_quitting_the_demo_keeps_the_report_the_user_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dashboard's ``r`` writes DIR/SPRINT_REPORT_<date>.md into the demo's temporary
    folder; quitting copies it out to the current folder (never over a file) and says so."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    (here / "SPRINT_REPORT_2025-01-01.md").write_text("mine")
    monkeypatch.setattr(demo, "no_terminal", lambda: None)
    demo_roots: list[Path] = []

    def dashboard(root: Path, settings: object, compact: bool = False, **_: object) -> int:
        demo_roots.append(root)
        (root / "SPRINT_REPORT_2025-01-01.md").write_text("the demo's report")
        return 0

    monkeypatch.setattr("coordinator_tui.tui.app.run_dashboard", dashboard)
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    assert main(["demo", "--seed", "1"]) == 0
    err = capsys.readouterr().err
    assert (here / "SPRINT_REPORT_2025-01-01.md").read_text() == "mine"  # not overwritten
    assert (here / "SPRINT_REPORT_2025-01-01-2.md").read_text() == "the demo's report"
    assert f"kept the report you wrote: {here / 'SPRINT_REPORT_2025-01-01-2.md'}" in err
    assert not demo_roots[0].exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_sigterm_ends_the_headless_demo_with_0_and_removes_its_folder(tmp_path: Path) -> None:
    environment = {**CHILD_ENV, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "coordinator_tui", "demo", "--headless", "--cycles", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    for line in process.stdout:
        if "next in" in line or time.monotonic() > deadline:
            break
    assert list(tmp_path.iterdir())  # the demo's folder is there while it runs
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Coordinator stopped after 1 cycle\n" in out
    assert "demo directory removed" in err
    assert list(tmp_path.iterdir()) == []


# --- item 6: init ------------------------------------------------------------------------------


def test_init_writes_a_sample_with_one_of_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    root = tmp_path / "docs" / "coordination"
    out = capsys.readouterr().out
    sessions = sorted(p.name for p in (root / "sessions").glob("session-*.json"))
    assert out.startswith(
        "wrote a sample coordination directory to docs/coordination "
        f"({len(sessions)} session files)"
    )
    assert len(sessions) >= 7
    assert f"session-{FIRST_ID}.json" in sessions and f"session-{FIRST_ID + 4}.json" in sessions
    assert main(["status", "--json"]) == 0  # found without DIR, as the README's examples are
    import json

    document = json.loads(capsys.readouterr().out)
    assert document["duplicates"] and document["claims"] and document["priorities"]
    assert document["milestones"]["total"] >= 3 and document["messages"]["broadcast"] >= 2
    assert document["messages"]["direct"] >= 1
    assert {s["health"] for s in document["sessions"]} >= {"working", "idle", "stale", "gone"}


def test_init_refuses_a_folder_that_holds_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    assert main(["init", str(tmp_path / "busy")]) == 2
    err = capsys.readouterr().err
    assert err == f"coordinator-tui: {tmp_path / 'busy'} is not empty; give a new or empty folder\n"
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    assert main(["init", str(tmp_path / "file")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["init", str(tmp_path / "empty")]) == 0


def test_the_web_driver_may_run_the_dashboard_over_pipes(monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` (textual-serve) runs the dashboard on pipes with Textual's web driver."""
    from coordinator_tui.commands.common import no_terminal

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    assert no_terminal() is not None and "standard input" in str(no_terminal())
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    assert no_terminal() is None
