"""The first ten minutes of a new user (issue 14), the words they read: ``status`` on
unreadable, empty or wrong directories and piped; ``report -o``; ``send`` to an unknown
session; refused writes; the ``run`` log and a file caught mid-rewrite; settings errors,
plurals, ages and help."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from coordinator_tui.cli import main

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

    from coordinator_tui.files import fsio

    def refuse(*args: object) -> str:
        raise PermissionError(errno.EACCES, "Permission denied", ".tmp-abc123.part")

    monkeypatch.setattr(fsio, "_write_temp", refuse)
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
        (
            ["--overlap-threshold", "3"],
            {},
            "overlap_threshold must be at most 1 (got 3 from --overlap-threshold)",
        ),
        (
            [],
            {"COORDINATOR_TUI_STALE_AFTER_S": "abc"},
            "stale_after_s must be a number (got 'abc' from COORDINATOR_TUI_STALE_AFTER_S)",
        ),
        (
            [],
            {"COORDINATOR_TUI_HISTORY_LIMIT": "0"},
            "history_limit must be greater than 0 (got '0' from COORDINATOR_TUI_HISTORY_LIMIT)",
        ),
        (
            ["--gone-after", "5"],
            {},
            "gone_after_s must be greater than stale_after_s "
            "(gone_after_s 5 from --gone-after, stale_after_s 600 by default)",
        ),
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
    assert capsys.readouterr().err == (
        f"coordinator-tui: stale_afterr_s is not a setting (in {config})\n"
    )


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
