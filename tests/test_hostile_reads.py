"""Hostile round 3 (issue 26): reads that skipped the guarded reader, and commands that
printed a traceback or raw control characters. Each case is run as the user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from tests.hookkit import fire, install

SESSION = "5f1c6a2e-0d3b-4c47-9a39-3f0e2b7d9c11"
REPO = Path(__file__).resolve().parents[1]
STRICT = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8:strict"}


@pytest.fixture
def hooked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A project with the Claude hooks installed for an empty coordination directory."""
    project, coord = tmp_path / "project", tmp_path / "coordination"
    for folder in (project / ".git", project / "src", coord / "sessions"):
        folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COORDINATOR_SESSION", raising=False)
    install(project, coord, "claude")
    return project, coord


@pytest.fixture
def coord(tmp_path: Path) -> Path:
    (tmp_path / "coordination" / "sessions").mkdir(parents=True)
    return tmp_path / "coordination"


def _path_claim(holder: str) -> str:
    return json.dumps(
        {
            "claimed_by": holder,
            "resource_type": "path",
            "resource_name": "src/*.py",
            "expires_at": "2999-01-01T00:00:00Z",
        }
    )


def test_a_claim_holder_with_dot_dots_never_names_a_file(
    hooked: tuple[Path, Path], tmp_path: Path
) -> None:
    """``claimed_by: "session/../../../outside/secret"`` used to become a session file name:
    the hook showed the outside file's ``current_work``."""
    project, coord = hooked
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.json").write_text('{"current_work": "TOPSECRET"}')
    (coord / "sessions" / "session").mkdir()  # so that the walk out resolves
    (coord / "claims").mkdir()
    holder = "session/../../../outside/secret"
    (coord / "claims" / "path-src-1.claim").write_text(_path_claim(holder))
    result = fire(project, "claude", "PreToolUse", SESSION, "Edit")
    assert result.code == 0
    reason = result.json["hookSpecificOutput"]["permissionDecisionReason"]
    assert "src/login.py is claimed by session" in reason  # the claim still counts
    assert "TOPSECRET" not in result.stdout


def test_a_linked_claims_folder_is_not_read_by_the_hook(
    hooked: tuple[Path, Path], tmp_path: Path
) -> None:
    project, coord = hooked
    outside = tmp_path / "outside-claims"
    outside.mkdir()
    (outside / "path-src-1.claim").write_text(_path_claim("session-elsewhere"))
    (coord / "claims").symlink_to(outside)
    started = fire(project, "claude", "SessionStart", SESSION)
    assert started.code == 0 and "session-elsewhere" not in started.stdout
    edit = fire(project, "claude", "PreToolUse", SESSION, "Edit")
    assert (edit.code, edit.stdout) == (0, "")


def test_release_with_a_bad_name_is_one_line_and_exit_2(
    coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["session", "start", str(coord), "--id", "me"]) == 0
    capsys.readouterr()
    assert main(["session", "release", str(coord), "--id", "me", "--name", "../x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("coordinator-tui: claim name '../x'")


def test_inbox_json_escapes_surrogates_and_controls(coord: Path) -> None:
    assert main(["session", "start", str(coord), "--id", "me"]) == 0
    folder = coord / "messages" / "broadcast"
    folder.mkdir(parents=True)
    body = '"lone \\ud800 nel \\u0085 csi \\u009b[2J del \\u007f bell \\u0007"'
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5))
    (folder / "2999-01-01_00-00-00-other.json").write_text(
        f'{{"from": "other", "to": "broadcast", "timestamp": "{stamp}",'
        f' "subject": "s", "message": {body}}}'
    )
    inbox = ["session", "inbox", str(coord), "--id", "me", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "coordinator_tui", *inbox],
        capture_output=True,
        env=STRICT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    text = done.stdout.decode("utf-8")
    assert not [char for char in text if "\x7f" <= char <= "\x9f" or char in "\x07\x1b"]
    (message,) = json.loads(text)
    assert message["message"] == "lone \ud800 nel \x85 csi \x9b[2J del \x7f bell \x07"


def test_a_sessions_folder_given_as_the_directory_says_so(
    coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["session", "start", str(coord), "--id", "me"]) == 0
    capsys.readouterr()
    assert main(["status", str(coord), str(coord / "sessions"), "--json"]) == 1  # nothing read
    collectives = json.loads(capsys.readouterr().out)["collectives"]
    (wrong,) = [c for c in collectives if c["root"].endswith("sessions")]
    (error,) = wrong["errors"]
    assert "sessions/ folder" in error["reason"] and str(coord) in error["reason"]
    assert main(["status", str(coord / "sessions")]) == 1
    assert "sessions/ folder" in capsys.readouterr().out
