"""Agent hooks, run exactly as the agents run them from the installed settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.cli import main
from coordinator_tui.write.messages import Draft, write_message
from tests.hookkit import commands, fire, fixture, install, run

SESSION = "5f1c6a2e-0d3b-4c47-9a39-3f0e2b7d9c11"
OTHER = "session-alpha"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    (folder / ".git").mkdir(parents=True)
    (folder / "src").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    monkeypatch.delenv("COORDINATOR_SESSION", raising=False)
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,123,0")
    monkeypatch.setenv("TMUX_PANE", "%7")
    return folder


@pytest.fixture
def coord(tmp_path: Path) -> Path:
    folder = tmp_path / "coordination"
    (folder / "sessions").mkdir(parents=True)
    return folder


def status(coord: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["status", str(coord), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def health_of(coord: Path, capsys: pytest.CaptureFixture[str], session: str) -> dict[str, Any]:
    document = status(coord, capsys)
    (view,) = [view for view in document["sessions"] if view["id"] == session]
    return {**view, "_counts": document["counts"]}


def context_of(result: Any) -> str:
    assert result.code == 0, result.stderr
    if not result.stdout:
        return ""
    return str(result.json["hookSpecificOutput"]["additionalContext"])


def test_claude_session_goes_working_waiting_idle_ended(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert install(project, coord, "claude") == 0
    started = fire(project, "claude", "SessionStart", SESSION)
    assert SESSION in context_of(started) and str(coord) in context_of(started)
    view = health_of(coord, capsys, SESSION)
    assert (view["health"], view["agent"], view["tmux_pane"]) == ("idle", "claude", "%7")
    assert view["cwd"] == str(project)

    assert fire(project, "claude", "UserPromptSubmit", SESSION).stdout == ""
    view = health_of(coord, capsys, SESSION)
    assert (view["health"], view["current_work"]) == ("working", "Fix the login bug")

    assert fire(project, "claude", "PermissionRequest", SESSION, "Bash").stdout == ""
    view = health_of(coord, capsys, SESSION)
    assert view["health"] == "waiting" and view["_counts"]["waiting"] == 1
    assert view["_counts"]["live"] == 1

    assert fire(project, "claude", "PostToolUse", SESSION, "Edit").stdout == ""
    assert health_of(coord, capsys, SESSION)["health"] == "working"
    fire(project, "claude", "Notification", SESSION, "permission_prompt")
    assert health_of(coord, capsys, SESSION)["health"] == "waiting"

    assert fire(project, "claude", "Stop", SESSION).stdout == ""
    view = health_of(coord, capsys, SESSION)
    assert (view["health"], view["current_work"]) == ("idle", "Fix the login bug")

    own = coord / "claims" / "task-login.claim"
    own.parent.mkdir()
    own.write_text(json.dumps({"claimed_by": SESSION, "expires_at": "2999-01-01T00:00:00Z"}))
    assert fire(project, "claude", "SessionEnd", SESSION).stdout == ""
    view = health_of(coord, capsys, SESSION)
    assert view["health"] == "ended" and view["_counts"]["ended"] == 1
    assert view["_counts"]["live"] == 0
    assert not own.exists()


def test_broadcast_and_direct_message_reach_the_context_once(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "claude")
    fire(project, "claude", "SessionStart", SESSION)
    write_message(coord, Draft("broadcast", "Deploy freeze", "No deploys until 18:00", OTHER))
    write_message(coord, Draft(SESSION, "Take the API?", 'Can you "take" it', OTHER))
    first = context_of(fire(project, "claude", "UserPromptSubmit", SESSION))
    # each message one line, its fields quoted (the body's own quotes escaped)
    assert 'subject "Deploy freeze": "No deploys until 18:00"' in first
    assert 'subject "Take the API?": "Can you \\"take\\" it"' in first
    assert first.count('from "session-alpha"') == 2
    assert fire(project, "claude", "UserPromptSubmit", SESSION).stdout == ""
    assert fire(project, "claude", "SessionStart", SESSION).stdout.count("Deploy freeze") == 0


def test_urgent_direct_message_arrives_after_a_tool_call(project: Path, coord: Path) -> None:
    install(project, coord, "claude")
    fire(project, "claude", "SessionStart", SESSION)
    write_message(coord, Draft(SESSION, "later", "not urgent", OTHER))
    write_message(coord, Draft(SESSION, "URGENT: stop editing login.py", "I am on it", OTHER))
    urgent = fire(project, "claude", "PostToolUse", SESSION, "Edit")
    assert urgent.json["hookSpecificOutput"]["hookEventName"] == "PostToolUse"
    assert "stop editing login.py" in context_of(urgent) and "not urgent" not in context_of(urgent)
    rest = context_of(fire(project, "claude", "UserPromptSubmit", SESSION))
    assert "not urgent" in rest and "stop editing" not in rest


def test_context_stays_under_the_cap_and_the_rest_comes_next_time(
    project: Path, coord: Path
) -> None:
    install(project, coord, "claude")
    fire(project, "claude", "SessionStart", SESSION)
    for number in range(40):
        write_message(coord, Draft(SESSION, f"note {number:02d}", "x" * 1500, OTHER))
    seen: list[str] = []
    for _ in range(10):
        text = context_of(fire(project, "claude", "UserPromptSubmit", SESSION))
        assert len(text) < 10_000
        seen += [line for line in text.splitlines() if "note " in line]
    numbers = sorted(line.split("note ")[1][:2] for line in seen)
    assert numbers == [f"{number:02d}" for number in range(40)]


def claim_as_other(project: Path, coord: Path, work: str = "rewrite login") -> None:
    here = os.getcwd()
    os.chdir(project)
    try:
        assert main(["session", "start", str(coord), "--id", OTHER, "--work", work]) == 0
        assert main(["session", "claim", str(coord), "--id", OTHER, "--path", "src/*.py"]) == 0
    finally:
        os.chdir(here)


@pytest.mark.parametrize("mode", ["ask", "deny"])
def test_edit_of_a_claimed_path_asks_or_denies_naming_the_holder(
    project: Path, coord: Path, mode: str
) -> None:
    install(project, coord, "claude", "--on-conflict", mode)
    claim_as_other(project, coord)
    fire(project, "claude", "SessionStart", SESSION)
    result = fire(project, "claude", "PreToolUse", SESSION, "Edit")
    decision = result.json["hookSpecificOutput"]
    assert decision["hookEventName"] == "PreToolUse"
    assert decision["permissionDecision"] == mode
    assert OTHER in decision["permissionDecisionReason"]
    assert "rewrite login" in decision["permissionDecisionReason"]
    assert result.code == 0
    payload = fixture("claude", "PreToolUse", SESSION, project).replace("src/login.py", "README.md")
    (command,) = commands(project, "claude", "PreToolUse", "Edit")
    free = run(command, payload, project)
    assert (free.code, free.stdout) == (0, "")


def test_claims_of_ended_sessions_and_own_claims_do_not_stop_an_edit(
    project: Path, coord: Path
) -> None:
    install(project, coord, "claude")
    claim_as_other(project, coord)
    assert main(["session", "end", str(coord), "--id", OTHER]) == 0
    assert fire(project, "claude", "PreToolUse", SESSION, "Edit").stdout == ""


def test_codex_notify_turn_registers(
    project: Path, coord: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    assert install(project, coord, "codex", "--scope", "user") == 0
    config = tmp_path / "home" / ".codex" / "config.toml"
    argv = tomllib.loads(config.read_text())["notify"]
    payload = fixture("codex", "notify", "019a-thread-7", project)
    done = subprocess.run([*argv, payload], cwd=project, capture_output=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, b"")
    view = health_of(coord, capsys, "019a-thread-7")
    assert (view["health"], view["agent"]) == ("idle", "codex")
    assert view["current_work"] == "Also update its tests"
    assert (tmp_path / "home" / ".codex" / "hooks.json").is_file()


def test_codex_hooks_map_like_claude(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "codex")
    claim_as_other(project, coord)
    fire(project, "codex", "SessionStart", SESSION)
    fire(project, "codex", "UserPromptSubmit", SESSION)
    assert health_of(coord, capsys, SESSION)["health"] == "working"
    decision = fire(project, "codex", "PreToolUse", SESSION, "apply_patch").json
    # Codex has no ask (its binary: "unsupported permissionDecision:ask"): the default denies
    assert decision["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert OTHER in decision["hookSpecificOutput"]["permissionDecisionReason"]
    fire(project, "codex", "PermissionRequest", SESSION)
    assert health_of(coord, capsys, SESSION)["health"] == "waiting"
    fire(project, "codex", "PostToolUse", SESSION)
    fire(project, "codex", "Stop", SESSION)
    assert health_of(coord, capsys, SESSION)["health"] == "idle"


def test_gemini_events_map_onto_the_same_states(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "gemini", "--on-conflict", "deny")
    settings = json.loads((project / ".gemini" / "settings.json").read_text())
    assert settings["hooks"]["BeforeAgent"][0]["hooks"][0]["timeout"] == 10000
    claim_as_other(project, coord)
    started = context_of(fire(project, "gemini", "SessionStart", SESSION))
    assert "path src/*.py claimed by session-alpha" in started
    fire(project, "gemini", "BeforeAgent", SESSION)
    view = health_of(coord, capsys, SESSION)
    assert (view["health"], view["current_work"]) == ("working", "Add rate limiting to the API")
    denied = fire(project, "gemini", "BeforeTool", SESSION, "replace").json
    assert denied["decision"] == "deny" and OTHER in denied["reason"]
    fire(project, "gemini", "Notification", SESSION)
    assert health_of(coord, capsys, SESSION)["health"] == "waiting"
    fire(project, "gemini", "AfterTool", SESSION)
    assert health_of(coord, capsys, SESSION)["health"] == "working"
    fire(project, "gemini", "AfterAgent", SESSION)
    assert health_of(coord, capsys, SESSION)["health"] == "idle"
    fire(project, "gemini", "SessionEnd", SESSION)
    assert health_of(coord, capsys, SESSION)["health"] == "ended"


def _log(coord: Path) -> str:
    path = coord / ".coordinator" / "hooks.log"
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("payload", ["", "not json", "[1, 2]", '{"session_id": "../../etc"}'])
def test_bad_stdin_exits_0_silently_with_a_log_line(
    project: Path, coord: Path, payload: str
) -> None:
    install(project, coord, "claude")
    (command,) = commands(project, "claude", "UserPromptSubmit")
    result = run(command, payload, project)
    assert (result.code, result.stdout) == (0, "")
    assert len(_log(coord).splitlines()) == 1
    assert list((coord / "sessions").iterdir()) == []


def test_missing_directory_exits_0_silently(project: Path, coord: Path, tmp_path: Path) -> None:
    install(project, coord, "claude")
    (command,) = commands(project, "claude", "UserPromptSubmit")
    moved = tmp_path / "moved"
    coord.rename(moved)
    result = run(command, fixture("claude", "UserPromptSubmit", SESSION, project), project)
    assert (result.code, result.stdout) == (0, "")
    assert "does not exist" in result.stderr
    assert not coord.exists()


def test_unwritable_directory_exits_0_silently(project: Path, coord: Path) -> None:
    install(project, coord, "claude")
    (coord / "sessions").rmdir()
    (coord / "sessions").write_text("a file where the folder should be")
    for event in ("SessionStart", "UserPromptSubmit", "Stop", "SessionEnd"):
        result = fire(project, "claude", event, SESSION)
        assert (result.code, result.stdout) == (0, ""), event
    assert len(_log(coord).splitlines()) >= 3
    if os.geteuid() != 0:  # root writes anywhere: only a real user sees a read-only folder
        (coord / "sessions").unlink()
        (coord / "sessions").mkdir()
        (coord / "sessions").chmod(0o555)
        try:
            result = fire(project, "claude", "UserPromptSubmit", SESSION)
            assert (result.code, result.stdout) == (0, "")
        finally:
            (coord / "sessions").chmod(0o755)


def test_a_sessions_folder_linking_out_is_not_written_through(
    project: Path, coord: Path, tmp_path: Path
) -> None:
    install(project, coord, "claude")
    outside = tmp_path / "outside"
    outside.mkdir()
    (coord / "sessions").rmdir()
    (coord / "sessions").symlink_to(outside)
    result = fire(project, "claude", "SessionStart", SESSION)
    assert (result.code, result.stdout) == (0, "")
    assert list(outside.iterdir()) == []
    assert "outside the coordination directory" in _log(coord)


def test_the_hook_imports_only_the_standard_library(project: Path, coord: Path) -> None:
    install(project, coord, "claude")
    write_message(coord, Draft("broadcast", "hello", "world", OTHER))
    payload = fixture("claude", "UserPromptSubmit", SESSION, project)
    code = (
        "import sys\n"
        "from coordinator_tui.agents import hook\n"
        "import io\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({payload.encode()!r}))\n"
        f"hook.main(['--dir', {str(coord)!r}, '--agent', 'claude'])\n"
        "heavy = ('pydantic', 'textual', 'rich', 'coordinator_tui.settings',"
        " 'coordinator_tui.store', 'coordinator_tui.analysis', 'typing', 'dataclasses')\n"
        "print(sorted(name for name in heavy if name in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=project, capture_output=True, text=True
    )
    assert done.stderr.strip().splitlines()[-1] == "[]"
    context = json.loads(done.stdout)["hookSpecificOutput"]["additionalContext"]
    assert 'subject "hello": "world"' in context


def test_install_twice_changes_nothing_and_uninstall_keeps_other_hooks(
    project: Path, coord: Path
) -> None:
    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir()
    theirs = {
        "permissions": {"allow": ["Bash(ls:*)"]},
        "env": {"X": "1"},
        "hooks": {
            "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}
            ],
        },
    }
    settings.write_text(json.dumps(theirs, indent=4))
    assert install(project, coord, "claude") == 0
    once = settings.read_bytes()
    assert len(list(settings.parent.glob("settings.json.*.bak"))) == 1
    assert install(project, coord, "claude") == 0
    assert settings.read_bytes() == once
    assert len(list(settings.parent.glob("settings.json.*.bak"))) == 1
    installed = json.loads(once)
    assert installed["permissions"] == theirs["permissions"] and installed["env"] == {"X": "1"}
    assert installed["hooks"]["Stop"][0] == theirs["hooks"]["Stop"][0]
    assert len(installed["hooks"]["Stop"]) == 2
    command = installed["hooks"]["Stop"][1]["hooks"][0]["command"]
    assert str(coord.resolve()) in command and command.startswith(sys.executable)
    here = os.getcwd()
    os.chdir(project)
    try:
        assert main(["hooks", "uninstall", "--agent", "claude"]) == 0
    finally:
        os.chdir(here)
    assert json.loads(settings.read_text()) == theirs


def test_codex_user_install_keeps_config_and_refuses_a_foreign_notify(
    project: Path, coord: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "home" / ".codex" / "config.toml"
    config.parent.mkdir(parents=True)
    original = 'model = "gpt-5-codex"\n\n[features]\ncodex_hooks = true\n'
    config.write_text(original)
    assert install(project, coord, "codex", "--scope", "user") == 0
    once = config.read_text()
    assert once.endswith(original) and once.startswith("notify = [")
    assert install(project, coord, "codex", "--scope", "user") == 0
    assert config.read_text() == once
    here = os.getcwd()
    os.chdir(project)
    try:
        assert main(["hooks", "uninstall", "--agent", "codex", "--scope", "user"]) == 0
        assert config.read_text() == original
        config.write_text('notify = ["terminal-notifier"]\n' + original)
        capsys.readouterr()
        assert main(["hooks", "install", str(coord), "--agent", "codex", "--scope", "user"]) == 1
    finally:
        os.chdir(here)
    assert "terminal-notifier" in capsys.readouterr().err
    assert config.read_text().startswith('notify = ["terminal-notifier"]')


def test_dry_run_writes_nothing(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert install(project, coord, "gemini", "--dry-run") == 0
    assert "would become" in capsys.readouterr().out
    assert not (project / ".gemini").exists()


def test_settings_that_are_not_json_are_left_alone(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text("{ // a comment\n}")
    assert install(project, coord, "claude") == 1
    assert settings.read_text() == "{ // a comment\n}"
    assert "not valid JSON" in capsys.readouterr().err
