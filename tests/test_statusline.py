"""status --line: the same counts as the analysis, on a stdlib-only import path."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.cli import main as cli_main
from coordinator_tui.settings import Settings
from coordinator_tui.statusline import line as statusline
from tests.acting import NOW, ago, analysed, heartbeat_event
from tests.collective import iso, session, write_text

NOW_TEXT = iso(NOW)


def _line(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = statusline.main(list(argv))
    out, err = capsys.readouterr()
    return code, out.rstrip("\n"), err.strip()


def test_defaults_are_the_settings_defaults() -> None:
    defaults = Settings()
    assert defaults.stale_after_s == statusline.STALE_AFTER_S
    assert defaults.gone_after_s == statusline.GONE_AFTER_S
    assert defaults.max_file_bytes == statusline.MAX_FILE_BYTES
    assert defaults.placeholders == statusline.PLACEHOLDERS
    assert defaults.gone_statuses == statusline.GONE_STATUSES


@pytest.mark.parametrize("minutes_later", [0, 8, 45, 200])
def test_counts_agree_with_the_analysis(collective: Path, minutes_later: int) -> None:
    now = NOW + timedelta(minutes=minutes_later)
    analysis = analysed(collective, now)
    config = statusline._config({})
    counts = statusline.summarise(str(collective), now.timestamp(), config)
    expected = {
        "working": analysis.counts.working,
        "idle": analysis.counts.idle,
        "stale": analysis.counts.stale,
        "gone": analysis.counts.gone,
        "duplicate": len(analysis.duplicates),
    }
    assert {key: counts[key] for key in expected} == expected
    assert counts["waiting"] == 0


def test_the_line_and_its_tmux_form(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _line(capsys, "--line", str(collective), "--now", NOW_TEXT)
    assert (code, err) == (0, "")
    assert out == "●5 working ◉0 waiting ○3 idle ▲1 stale ◆1 dup"
    code, out, _ = _line(capsys, str(collective), "--tmux", f"--now={NOW_TEXT}")
    assert out == (
        "#[fg=green]●5 working#[default] #[fg=colour244]◉0 waiting#[default] "
        "#[fg=cyan]○3 idle#[default] #[fg=yellow]▲1 stale#[default] #[fg=red]◆1 dup#[default]"
    )


def test_thresholds_from_the_command_line_and_environment(
    collective: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # session-1008's heartbeat is 30 minutes old: working with a 1 h stale threshold.
    _, out, _ = _line(capsys, str(collective), "--now", NOW_TEXT, "--stale-after", "3600")
    assert out.startswith("●6 working ◉0 waiting ○3 idle ▲0 stale")
    monkeypatch.setenv("COORDINATOR_TUI_STALE_AFTER_S", "3600")
    _, out, _ = _line(capsys, str(collective), "--now", NOW_TEXT)
    assert out.startswith("●6 working")
    monkeypatch.setenv("COORDINATOR_TUI_STALE_AFTER_S", "not a number")  # falls back
    _, out, _ = _line(capsys, str(collective), "--now", NOW_TEXT)
    assert out.startswith("●5 working")


def test_waiting_and_heartbeat_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session(tmp_path, "session-a", "deploy", ago(minutes=30), state="waiting")
    session(tmp_path, "session-b", "docs", ago(minutes=30))
    heartbeat_event(tmp_path, "session-b", ago(minutes=1), target="docs")
    # Broken JSON the way shell scripts write it: the fields are still found.
    write_text(
        tmp_path / "sessions" / "session-c.json",
        '{\n  "session_id": "session-c",\n  "current_work": "say "hi"",\n'
        f'  "last_heartbeat": "{iso(ago(minutes=1))}"\n}}\n',
    )
    _, out, _ = _line(capsys, str(tmp_path), "--now", NOW_TEXT)
    assert out == "●2 working ◉1 waiting ○0 idle ▲0 stale"


def test_hostile_files_are_skipped_never_followed_or_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "coord"
    session(root, "session-a", "deploy", ago(minutes=1))
    outside = session(tmp_path / "outside", "session-x", "secret", ago(minutes=1))
    (root / "sessions" / "session-link.json").symlink_to(outside)
    os.mkfifo(root / "sessions" / "session-fifo.json")
    write_text(root / "sessions" / "session-big.json", " " * (1024 * 1024 + 1))
    write_text(root / "sessions" / "session-junk.json", "\x00\x01 not json")
    _, out, _ = _line(capsys, str(root), "--now", NOW_TEXT)
    assert out == "●1 working ◉0 waiting ○0 idle ▲0 stale ✗4 unreadable"


def test_a_linked_sessions_folder_is_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session(tmp_path / "outside", "session-x", "secret", ago(minutes=1))
    (tmp_path / "coord").mkdir()
    (tmp_path / "coord" / "sessions").symlink_to(tmp_path / "outside" / "sessions")
    _, out, _ = _line(capsys, str(tmp_path / "coord"), "--now", NOW_TEXT)
    assert out == "●0 working ◉0 waiting ○0 idle ▲0 stale"


def test_never_wider_than_80() -> None:
    counts = dict.fromkeys(
        ("working", "waiting", "idle", "stale", "duplicate", "unreadable"), 99999
    )
    assert len(statusline.render(counts)) == 80


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--now"], "--now needs a value"),
        (["--now", "yesterday"], "not a timestamp: 'yesterday'"),
        (["--stale-after", "-5"], "must be greater than 0: '-5'"),
        (["--json"], "unrecognized argument for --line: --json"),
        (["a", "b"], "unrecognized argument: b"),
    ],
)
def test_bad_command_lines_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _line(capsys, "--line", *argv)
    assert (code, err) == (2, f"coordinator-tui status: {message} (see --help)")


def test_a_missing_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _line(capsys, str(tmp_path / "nope"))
    assert (code, out) == (2, "")
    assert err == f"coordinator-tui: {tmp_path / 'nope'} (argument) does not exist"


def test_the_directory_is_found_as_every_command_finds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coordinator_tui.files.locate import resolve_directory

    (tmp_path / "work" / "docs" / "coordination").mkdir(parents=True)
    (tmp_path / "bare" / "sessions").mkdir(parents=True)
    (tmp_path / "explicit").mkdir()
    for cwd, argument in (
        ("work", None),
        ("bare", None),
        ("work", str(tmp_path / "explicit")),
        ("work", "../explicit"),
    ):
        monkeypatch.chdir(tmp_path / cwd)
        expected = resolve_directory(argument)
        assert statusline.find_directory(argument) == (str(expected), "")
    monkeypatch.setenv("COORDINATOR_DIR", str(tmp_path / "explicit"))
    assert statusline.find_directory(None) == (str(tmp_path / "explicit"), "")


def test_the_cli_dispatches_to_it(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["status", str(collective), "--line", "--now", NOW_TEXT]) == 0
    assert capsys.readouterr().out.startswith("●5 working")


def test_the_import_path_is_stdlib_only(collective: Path) -> None:
    code = (
        "import sys\n"
        "from coordinator_tui.__main__ import entry\n"
        f"rc = entry(['status', '--line', {str(collective)!r}])\n"
        "heavy = sorted(m for m in ('pydantic', 'textual', 'rich', 'argparse',"
        " 'coordinator_tui.store', 'coordinator_tui.cli', 'coordinator_tui.settings')"
        " if m in sys.modules)\n"
        "print(rc, heavy, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip() == "0 []"


def test_the_status_line_draws_health_as_every_other_view_does() -> None:
    """statusline is stdlib-only and cannot import render.health: its copy must agree."""
    from coordinator_tui.analysis import Health
    from coordinator_tui.render.health import ALERT_KINDS, HEALTH

    for word in ("working", "waiting", "idle", "stale"):
        assert statusline.LOOKS[word][0] == HEALTH[Health(word)].symbol, word
    assert statusline.LOOKS["duplicate"][0] == ALERT_KINDS["duplicate"].symbol
