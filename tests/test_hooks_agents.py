"""What the real agents showed (issue 25), held without them: a stand-in ``claude`` process
runs the installed hooks as Claude Code does (``/bin/sh -c COMMAND``). ``make e2e`` holds
the same points with the real CLIs."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.agents import client, hook, process
from coordinator_tui.cli import main
from tests.hookkit import commands, fire, fixture, install, run

SESSION = "5f1c6a2e-0d3b-4c47-9a39-3f0e2b7d9c11"
STAND_IN = """#!/bin/sh
# Stands in for an agent: runs the hook command in $1 with the event on stdin, as
# Claude Code does, then stays alive as the same process.
printf '%s' "$2" | /bin/sh -c "$1"
exec sleep 60
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    (folder / ".git").mkdir(parents=True)
    (folder / "src").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    return folder


@pytest.fixture
def coord(tmp_path: Path) -> Path:
    folder = tmp_path / "coordination"
    (folder / "sessions").mkdir(parents=True)
    return folder


def session(coord: Path, sid: str = SESSION) -> dict[str, Any]:
    return dict(json.loads((coord / "sessions" / f"session-{sid}.json").read_text()))


def view(coord: Path, capsys: pytest.CaptureFixture[str], sid: str = SESSION) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["status", str(coord), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    errors = [error for error in document["errors"] if sid in error["path"]]
    (found,) = [item for item in document["sessions"] if item["id"] == sid]
    return {**found, "_errors": errors}


def stand_in(tmp_path: Path, project: Path, name: str, event: str, agent: str) -> Any:
    program = tmp_path / "bin" / name
    program.parent.mkdir(exist_ok=True)
    program.write_text(STAND_IN)
    program.chmod(0o755)
    (command,) = commands(project, agent, event)
    payload = fixture(agent, event, SESSION, project)
    return subprocess.Popen([str(program), command, payload], cwd=project)


def test_the_agent_process_is_recorded_and_its_death_ends_the_session_at_once(
    project: Path, coord: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "claude")
    agent = stand_in(tmp_path, project, "claude", "SessionStart", "claude")
    try:
        deadline = time.monotonic() + 20
        while not (coord / "sessions" / f"session-{SESSION}.json").exists():
            assert time.monotonic() < deadline, "the stand-in never registered"
            time.sleep(0.05)
        recorded = session(coord)
        assert recorded["pid"] == agent.pid  # not the /bin/sh -c that ran the hook
        assert recorded["pid_start"] == process.stat(agent.pid)[2]  # type: ignore[index]
        seen = view(coord, capsys)
        assert seen["health"] == "idle" and seen["_errors"] == []  # 8: no file problem
        assert client.is_live(session(coord), time.time())  # its claims hold
    finally:
        agent.kill()
        agent.wait()
    assert view(coord, capsys)["health"] == "ended"  # at once, not after stale_after_s
    assert not client.is_live(session(coord), time.time())  # its claims no longer hold


def test_a_reused_pid_is_not_the_agent(coord: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = process.stat(os.getpid())
    assert own is not None
    document = {
        "session_id": "session-reused",
        "status": "active",
        "current_work": "rewrite login",
        "last_heartbeat": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "state": "working",
        "host": process.host(),
        "pid": os.getpid(),
        "pid_start": own[2] + 1,  # this pid, but started at another time
    }
    (coord / "sessions" / "session-reused.json").write_text(json.dumps(document))
    assert view(coord, capsys, "session-reused")["health"] == "ended"
    document["pid_start"] = own[2]
    (coord / "sessions" / "session-reused.json").write_text(json.dumps(document))
    assert view(coord, capsys, "session-reused")["health"] == "working"
    document["host"] = "another-machine"  # elsewhere: heartbeat age decides
    document["pid_start"] = own[2] + 1
    (coord / "sessions" / "session-reused.json").write_text(json.dumps(document))
    assert view(coord, capsys, "session-reused")["health"] == "working"


@pytest.mark.parametrize(
    ("line", "state"),
    [
        (
            {
                "type": "user",
                "message": {
                    "content": [
                        {
                            "type": "tool_result",
                            "is_error": True,
                            "content": "The user doesn't want to proceed with this tool use.",
                        }
                    ]
                },
            },
            "idle",
        ),
        (
            {"type": "user", "message": {"content": [{"type": "tool_result", "content": "ok"}]}},
            "working",
        ),
        ({"type": "event_msg", "payload": {"type": "turn_aborted"}}, "idle"),
    ],
)
def test_waiting_clears_when_the_transcript_shows_the_answer(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str], line: Any, state: str
) -> None:
    install(project, coord, "claude")
    fire(project, "claude", "SessionStart", SESSION)
    transcript = project / ".transcript.jsonl"  # the fixtures' transcript_path
    transcript.write_text('{"type": "assistant"}\n')
    fire(project, "claude", "PermissionRequest", SESSION, "Bash")
    assert view(coord, capsys)["health"] == "waiting"
    time.sleep(0.5)
    assert session(coord)["state"] == "waiting"  # nothing answered yet
    with transcript.open("a") as handle:
        handle.write(json.dumps(line) + "\n")
    deadline = time.monotonic() + 5
    while session(coord)["state"] == "waiting":
        assert time.monotonic() < deadline, "waiting was never cleared"
        time.sleep(0.05)
    assert session(coord)["state"] == state


def test_a_later_event_ends_the_watch(project: Path, coord: Path) -> None:
    install(project, coord, "claude")
    transcript = project / ".transcript.jsonl"
    transcript.write_text("")
    fire(project, "claude", "PermissionRequest", SESSION, "Bash")
    fire(project, "claude", "Stop", SESSION)
    assert session(coord)["state"] == "idle"
    refused = {"type": "user", "message": {"content": [{"type": "tool_result", "content": "ok"}]}}
    transcript.write_text(json.dumps(refused) + "\n")
    time.sleep(0.6)
    assert session(coord)["state"] == "idle"  # the watcher left; nothing turned it back


def test_gemini_work_is_the_prompt_without_our_context(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "gemini")
    fire(project, "gemini", "SessionStart", SESSION)
    (command,) = commands(project, "gemini", "BeforeAgent")
    payload = json.loads(fixture("gemini", "BeforeAgent", SESSION, project))
    ours = "<hook_context>[coordinator-tui] This session is x\nmore</hook_context>\n\n"
    payload["prompt"] = ours + "Add rate limiting\nto the API"
    assert run(command, json.dumps(payload), project).code == 0
    assert view(coord, capsys)["current_work"] == "Add rate limiting"


@pytest.mark.parametrize(
    ("agent", "again"), [("claude", False), ("codex", False), ("gemini", True)]
)
def test_a_resumed_session_is_not_introduced_again(
    project: Path, coord: Path, agent: str, again: bool
) -> None:
    install(project, coord, agent)
    (command,) = commands(project, agent, "SessionStart")
    payload = json.loads(fixture(agent, "SessionStart", SESSION, project))
    first = run(command, json.dumps({**payload, "source": "startup"}), project)
    assert "This session is" in first.stdout
    resumed = run(command, json.dumps({**payload, "source": "resume"}), project)
    # Gemini CLI 0.61 resumes without the earlier turns: it is told again who it is
    assert ("This session is" in resumed.stdout) is again
    cleared = run(command, json.dumps({**payload, "source": "clear"}), project)
    assert "This session is" in cleared.stdout  # a cleared context has forgotten it


@pytest.mark.parametrize(
    ("tool_input", "paths"),
    [
        (
            {"command": "*** Begin Patch\n*** Update File: src/x.py\n@@\n-a\n+b\n*** End Patch"},
            ["src/x.py"],
        ),
        (
            {
                "command": [
                    "apply_patch",
                    "*** Begin Patch\n*** Add File: src/new.py\n+b\n*** End Patch",
                ]
            },
            ["src/new.py"],
        ),
        (
            {
                "input": "*** Begin Patch\n*** Update File: a.py\n*** Move to: src/b.py\n"
                "*** Delete File: c.py\n*** End Patch"
            },
            ["a.py", "src/b.py", "c.py"],
        ),
        ({"file_path": "/p/src/x.py", "content": "x"}, ["/p/src/x.py"]),
    ],
)
def test_edited_paths_include_every_apply_patch_target(tool_input: Any, paths: list[str]) -> None:
    assert hook.edited_paths(tool_input) == paths


def test_a_codex_edit_of_a_claimed_path_is_denied_by_default_as_a_rule(
    project: Path, coord: Path
) -> None:
    install(project, coord, "codex")
    here = os.getcwd()
    os.chdir(project)
    try:
        assert main(["session", "start", str(coord), "--id", "session-alpha", "--work", "x"]) == 0
        assert (
            main(["session", "claim", str(coord), "--id", "session-alpha", "--path", "src/*"]) == 0
        )
    finally:
        os.chdir(here)
    decision = fire(project, "codex", "PreToolUse", SESSION, "apply_patch").json
    output = decision["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    assert output["permissionDecisionReason"].startswith("Coordination rule, not a failure:")


def test_a_codex_run_that_ends_ends_its_session(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "codex")
    fire(project, "codex", "SessionStart", SESSION)
    fire(project, "codex", "Stop", SESSION)
    assert view(coord, capsys)["health"] == "idle"
    fire(project, "codex", "SessionEnd", SESSION)  # Codex 0.171 sends it when `exec` ends
    assert view(coord, capsys)["health"] == "ended"
