"""The first ten minutes of a new user (issue 14): mistyped commands, no terminal, the
demo's exit, ``init``'s sample directory."""

from __future__ import annotations

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
    monkeypatch.setattr("coordinator_tui.cli.no_terminal", lambda: "no terminal here")
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

    def dashboard(root: Path, settings: object, compact: bool = False) -> int:
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
    assert capsys.readouterr().out.startswith(
        "wrote a sample coordination directory to docs/coordination (7 session files)"
    )
    sessions = sorted(p.name for p in (root / "sessions").glob("session-*.json"))
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


# --- items 1, 7, 8: status on unreadable, empty or wrong directories; piped output ------------


def _refuse_listing(monkeypatch: pytest.MonkeyPatch, refused: set[Path]) -> None:
    """``os.scandir`` fails with EACCES on ``refused`` (as root, chmod would not stop it)."""
    import errno

    from coordinator_tui.files import layout

    real = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(str(path)) in refused:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(layout.os, "scandir", scandir)


NOW_ARG = ["--now", "2025-11-15T20:00:00Z"]


def test_status_exits_1_when_the_sessions_folder_cannot_be_listed(
    collective: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _refuse_listing(monkeypatch, {collective / "sessions"})
    assert main(["status", str(collective), *NOW_ARG]) == 1
    out = capsys.readouterr().out
    assert (
        "The sessions could not be read: sessions/ could not be listed (Permission denied); "
        "how many sessions there are is unknown, not zero." in out
    )
    assert "0 sessions" not in out and "Sessions" not in out  # no empty table
    assert "  sessions: folder not listed: Permission denied" in out
    assert main(["status", str(collective), "--json", *NOW_ARG]) == 1
    import json

    errors = json.loads(capsys.readouterr().out)["errors"]
    assert {"path": "sessions", "reason": "folder not listed: Permission denied"}.items() <= (
        errors[0].items()
    )


def test_status_exits_1_when_the_directory_cannot_be_listed(
    collective: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _refuse_listing(monkeypatch, {collective})
    assert main(["status", str(collective), *NOW_ARG]) == 1
    out = capsys.readouterr().out
    assert "Nothing could be read: the directory could not be listed (Permission denied)" in out
    assert "  .: folder not listed: Permission denied" in out


def test_a_folder_other_than_sessions_failing_is_not_exit_1(
    collective: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _refuse_listing(monkeypatch, {collective / "claims"})
    assert main(["status", str(collective), *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert "Sessions" in out and "  claims: folder not listed: Permission denied" in out


def test_a_wrong_directory_says_there_is_no_sessions_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(tmp_path), *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert (
        f"No sessions/ folder in {tmp_path}: looked for {tmp_path}/sessions/session*.json. "
        "Is this the coordination directory?" in out
    )
    assert "Sessions" not in out and "Milestones" not in out  # no empty tables


def test_an_empty_sessions_folder_says_what_was_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sessions").mkdir()
    assert main(["status", str(tmp_path), *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert f"No session files in {tmp_path}/sessions/ (looked for session*.json)." in out
    assert "┏" not in out  # no empty table


def test_piped_status_is_never_cut_to_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.collective import ago, session

    long_id = "session-" + "x" * 60
    long_work = "refactor the " + " ".join(f"module{n}" for n in range(20))  # 152 characters
    session(tmp_path, long_id, long_work, ago(minutes=1))
    session(tmp_path, "session-2", long_work + " again", ago(minutes=1))
    assert main(["status", str(tmp_path), *NOW_ARG]) == 0  # capsys: not a terminal
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if long_id in line)
    assert long_work in row and "…" not in row
    assert len(row) > 200


# --- item 4: report -o never creates folders ---------------------------------------------------


def test_report_to_a_missing_folder_is_one_line_and_creates_nothing(
    collective: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "such" / "dir" / "r.md"
    assert main(["report", str(collective), "-o", str(target), *NOW_ARG]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"coordinator-tui: cannot write the report to {target}: "
        f"the folder {target.parent} does not exist\n"
    )
    assert not (tmp_path / "no").exists()
    assert main(["report", str(collective), "-o", str(tmp_path), *NOW_ARG]) == 2
    assert "it is a folder; give a file name" in capsys.readouterr().err
    assert main(["report", str(collective), "-o", str(tmp_path / "r.md"), *NOW_ARG]) == 0
    assert (tmp_path / "r.md").read_text().startswith("#")


# --- item 11: send to an unknown session; write errors name the folder ------------------------


def test_send_to_an_unknown_session_warns_and_writes(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["send", str(collective), "--subject", "hi", "--message", "yo", *NOW_ARG]
    assert main([*args, "--to", "session-nobody"]) == 0
    out, err = capsys.readouterr()
    assert err == (
        f"coordinator-tui: warning: no session 'session-nobody' in {collective}/sessions/; "
        "writing the message anyway (--strict refuses)\n"
    )
    assert Path(out.strip()).parent == collective / "messages" / "direct" / "session-nobody"
    assert main([*args, "--to", "session-1001"]) == 0  # a known session: no warning
    assert capsys.readouterr().err == ""


def test_send_strict_refuses_an_unknown_session(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["send", str(collective), "--subject", "hi", "--message", "yo", "--strict"]
    assert main([*args, "--to", "session-nobody"]) == 1
    assert capsys.readouterr().err == (
        f"coordinator-tui: no session 'session-nobody' in {collective}/sessions/; "
        "nothing written (--strict)\n"
    )
    assert not (collective / "messages" / "direct" / "session-nobody").exists()


def test_a_session_known_by_its_id_not_its_file_name_is_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.collective import ago, session

    path = session(tmp_path, "session-7", "work", ago(minutes=1))
    path.rename(path.with_name("session-renamed.json"))
    args = ["send", str(tmp_path), "--subject", "s", "--message", "m", "--strict"]
    assert main([*args, "--to", "session-7"]) == 0
    assert capsys.readouterr().err == ""


def test_a_refused_write_names_the_folder_not_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno
    import tempfile

    def refuse(*args: object, **kwargs: object) -> object:
        folder = kwargs.get("dir")
        raise PermissionError(errno.EACCES, "Permission denied", f"{folder}/.tmp-abc123.part")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    args = ["send", str(tmp_path), "--to", "broadcast", "--subject", "s", "--message", "m"]
    assert main(args) == 1
    folder = tmp_path / "messages" / "broadcast"
    assert capsys.readouterr().err == (
        f"coordinator-tui: could not write the message: {folder}: Permission denied\n"
    )
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "r.md")]) == 1
    assert capsys.readouterr().err.endswith(
        f"could not write the report: {tmp_path}: Permission denied\n"
    )


# --- item 2: run logs the analysis' errors, not files caught mid-rewrite -----------------------


def _data_lines(events: list) -> list[str]:
    return [event.text for event in events if event.step == "data"]


def test_run_does_not_log_a_file_caught_mid_rewrite_within_the_grace_period(
    collective: Path,
) -> None:
    """Deterministic: the file is empty (truncated, not yet written) when a cycle reads it;
    the cycle within 2 s of its mtime says nothing, a cycle after 2 s says it once."""
    from datetime import datetime, timezone

    from coordinator_tui.headless.coordinator import Coordinator, RunOptions
    from coordinator_tui.settings import Settings

    moment = {"now": datetime.now(timezone.utc)}
    events: list = []
    options = RunOptions(report_every=0, dry_run=True)
    coordinator = Coordinator(collective, Settings(), lambda: moment["now"], options, events.append)
    coordinator.run_cycle()
    assert all("session-1003" not in text for text in _data_lines(events))
    before = set(_data_lines(events))
    target = collective / "sessions" / "session-1003.json"
    target.write_text("")  # a writer's truncate, its write not done yet
    stamp = moment["now"].timestamp()
    os.utime(target, (stamp, stamp))
    coordinator.run_cycle()
    assert set(_data_lines(events)) == before  # within the grace period: nothing said
    from datetime import timedelta

    moment["now"] += timedelta(seconds=3)
    coordinator.run_cycle()
    new = [t for t in _data_lines(events) if "session-1003" in t]
    assert new == ["error: sessions/session-1003.json: empty file (showing the last good read)"]
    coordinator.run_cycle()
    assert [t for t in _data_lines(events) if "session-1003" in t] == new  # said once


def test_run_racing_a_non_atomic_rewriter_logs_no_file_problem(tmp_path: Path) -> None:
    """A session rewritten in place (truncate, pause, write) while ``run`` cycles fast:
    the store catches it empty again and again, and the log must not say so."""
    import json
    import threading

    from coordinator_tui.clock import system_clock
    from coordinator_tui.headless.coordinator import Coordinator, RunOptions
    from coordinator_tui.settings import Settings
    from tests.collective import ago, session

    target = session(tmp_path, "session-1", "racing", ago(minutes=1))
    stop = threading.Event()
    rewrites = {"count": 0}

    def rewriter() -> None:
        while not stop.is_set():
            with open(target, "w", encoding="utf-8") as handle:
                handle.flush()
                time.sleep(0.004)  # the file is empty now
                data = {"session_id": "session-1", "current_work": f"racing {rewrites['count']}"}
                handle.write(json.dumps(data))
            rewrites["count"] += 1
            time.sleep(0.002)

    events: list = []
    options = RunOptions(report_every=0, dry_run=True)
    coordinator = Coordinator(tmp_path, Settings(), system_clock, options, events.append)
    thread = threading.Thread(target=rewriter, daemon=True)
    thread.start()
    try:
        caught = 0
        for _ in range(300):
            coordinator.run_cycle()
            caught += bool(coordinator.store.failures)
            if caught >= 5:
                break
    finally:
        stop.set()
        thread.join(5)
    assert caught >= 5, "the race never caught the file mid-rewrite"
    assert _data_lines(events) == []


# --- item 12: wording: settings, plurals, ages, help -------------------------------------------


@pytest.mark.parametrize(
    ("args", "environment", "expected"),
    [
        (["--overlap-threshold", "3"], {}, "overlap_threshold must be at most 1 (got 3)"),
        (
            [],
            {"COORDINATOR_TUI_STALE_AFTER_S": "abc"},
            "stale_after_s must be a number (got 'abc')",
        ),
        (
            [],
            {"COORDINATOR_TUI_HISTORY_LIMIT": "0"},
            "history_limit must be greater than 0 (got '0')",
        ),
        (["--gone-after", "5"], {}, "gone_after_s must be greater than stale_after_s"),
    ],
)
def test_invalid_settings_are_said_in_plain_words(
    collective: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    environment: dict[str, str],
    expected: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["status", str(collective), *args]) == 2
    err = capsys.readouterr().err
    assert err == f"coordinator-tui: {expected}\n"
    assert "Input should" not in err


def test_an_unknown_setting_in_the_config_file_is_named(
    collective: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("stale_afterr_s = 5\n")
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", str(config))
    assert main(["status", str(collective)]) == 2
    assert capsys.readouterr().err == "coordinator-tui: stale_afterr_s is not a setting\n"


def test_ages_follow_one_rule() -> None:
    from coordinator_tui.render.timetext import age_text
    from coordinator_tui.tui.rows import table_age

    assert [age_text(s) for s in (0, 1, 30, 59.9)] == ["just now"] * 4
    assert [age_text(s) for s in (60, 150, 7200)] == [
        "a minute ago",
        "2 minutes ago",
        "2 hours ago",
    ]
    assert [table_age(s) for s in (0, 5, 59, 60)] == [age_text(s) for s in (0, 5, 59, 60)]
    assert age_text(-30) == "just now" and age_text(-120) == "in the future"


def test_one_is_singular(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.collective import ago, session

    assert main(["run", str(collective), "--cycles", "1", "--dry-run", *NOW_ARG]) == 0
    assert "Coordinator done after 1 cycle\n" in capsys.readouterr().out
    root = collective.parent / "one"
    session(root, "session-1", "work", ago(minutes=1))
    session(root, "session-2", "other", ago(hours=1))  # stale, still says "active"
    assert main(["report", str(root), "-o", "-", *NOW_ARG]) == 0
    report = capsys.readouterr().out
    assert '1 of the sessions that say `"active"` is stale or gone' in report
    assert main(["status", str(root), *NOW_ARG]) == 0
    assert "2 sessions: 1 working" in capsys.readouterr().out


def test_every_option_has_help_and_run_shows_its_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    from coordinator_tui.cli import build_parser

    missing = [
        f"{name} {action.option_strings[0]}"
        for name, parser in build_parser().items()
        for action in parser._actions
        if action.option_strings
        and not action.help
        and not isinstance(action, argparse._HelpAction)
    ]
    assert missing == []
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for shown in ("(default: 300)", "(default: 10; 0 = never)", "(default: coordinator)"):
        assert shown in text
