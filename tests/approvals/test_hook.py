"""The approval hook run as the agents run it: installed command, a shell, JSON on stdin.

Each waiting hook is a real process; the tests answer it the way the command line and
the dashboard do (``approvals.inbox.answer``), or forge what an agent could write."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from coordinator_tui.agents.approvals import OLD_INSTALL_WAIT_S, wait_seconds
from coordinator_tui.approvals import audit, decisions
from coordinator_tui.approvals.inbox import Inbox, answer
from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.state import Place, open_state
from tests.approvals.kit import SESSION, Waiting, arrived, decision_document, payload, start
from tests.hookkit import commands, install, run


def place_of(coord: Path) -> Place:
    return Place(open_state(), str(coord))


def events(coord: Path) -> list[tuple[str, str | None]]:
    return [(line["event"], line.get("by")) for line in audit.read(place_of(coord))]


def test_install_gives_the_permission_hook_its_wait_and_a_longer_timeout(
    project: Path, coord: Path
) -> None:
    assert install(project, coord, "claude", "--approval-wait", "30") == 0
    settings = json.loads((project / ".claude" / "settings.json").read_text())
    (hook,) = settings["hooks"]["PermissionRequest"][0]["hooks"]
    assert hook["command"].endswith("--approval-wait 30") and hook["timeout"] == 45
    (other,) = settings["hooks"]["Stop"][0]["hooks"]
    assert "--approval-wait" not in other["command"] and other["timeout"] == 10
    assert install(project, coord, "codex") == 0
    codex = json.loads((project / ".codex" / "hooks.json").read_text())
    (hook,) = codex["hooks"]["PermissionRequest"][0]["hooks"]
    assert hook["command"].endswith("--approval-wait 120") and hook["timeout_sec"] == 135


def test_the_wait_stays_below_the_installed_timeout() -> None:
    assert wait_seconds(120, {}) == 120
    assert wait_seconds(120, {"COORDINATOR_TUI_APPROVAL_WAIT_S": "2.5"}) == 2.5
    assert wait_seconds(120, {"COORDINATOR_TUI_APPROVAL_WAIT_S": "9999"}) == 130
    assert wait_seconds(120, {"COORDINATOR_TUI_APPROVAL_WAIT_S": "soon"}) == 120
    assert wait_seconds(None, {"COORDINATOR_TUI_APPROVAL_WAIT_S": "60"}) == OLD_INSTALL_WAIT_S
    assert wait_seconds(float("nan"), {}) == OLD_INSTALL_WAIT_S


def test_allow_from_the_inbox_reaches_the_agent(
    hooks: list[Waiting], project: Path, coord: Path
) -> None:
    hook = start(hooks, project)
    request = arrived(coord)
    assert (request.session, request.tool, request.agent) == (SESSION, "Bash", "claude")
    assert request.tool_input["command"] == "npm test" and request.cwd == str(project)
    assert request.tmux_pane == "%7" and request.answerable
    session = json.loads((coord / "sessions" / f"session-{SESSION}.json").read_text())
    assert session["state"] == "waiting"
    answered = time.monotonic()
    answer(Inbox([str(coord)]), request, "allow", "", "cli")
    code, out = hook.result()
    assert time.monotonic() - answered < 5  # the hook looks every 0.1 s (bench: figures)
    assert code == 0
    assert json.loads(out) == {
        "hookSpecificOutput": {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "allow"},
        }
    }
    assert Inbox([str(coord)]).read().requests == ()
    assert events(coord) == [("request", None), ("decided", "cli"), ("applied", "cli")]


def test_deny_carries_the_reason_to_the_model(
    hooks: list[Waiting], project: Path, coord: Path
) -> None:
    hook = start(hooks, project)
    answer(Inbox([str(coord)]), arrived(coord), "deny", "use make test", "dashboard")
    _, out = hook.result()
    decision = json.loads(out)["hookSpecificOutput"]["decision"]
    assert decision["behavior"] == "deny" and decision["message"].endswith(": use make test")


def test_no_answer_in_time_leaves_the_dialog_to_answer(
    hooks: list[Waiting], project: Path, coord: Path
) -> None:
    hook = start(hooks, project, wait_s=2)
    arrived(coord)
    assert hook.result() == (0, "")
    assert Inbox([str(coord)]).read().requests == ()
    assert events(coord)[-1] == ("ended", "timeout")


def test_sigterm_from_the_pane_ends_the_request_quietly(
    hooks: list[Waiting], project: Path, coord: Path
) -> None:
    hook = start(hooks, project)
    arrived(coord)
    os.kill(hook.hook_pid(), signal.SIGTERM)
    assert hook.result() == (0, "")
    assert Inbox([str(coord)]).read().requests == ()
    assert events(coord)[-1] == ("ended", "pane")


def test_yes_in_the_pane_shows_as_post_tool_use_and_ends_the_wait(
    hooks: list[Waiting], project: Path, coord: Path
) -> None:
    hook = start(hooks, project)
    arrived(coord)
    (post,) = commands(project, "claude", "PostToolUse")
    other = payload(project, "PostToolUse", tool_input={"command": "npm run lint"})
    assert run(post, other, project).code == 0
    assert len(Inbox([str(coord)]).read().requests) == 1  # another command ran: still waiting
    same = payload(project, "PostToolUse", tool_response={"stdout": ""}, tool_use_id="toolu_1")
    assert run(post, same, project).code == 0
    assert hook.result(timeout=5) == (0, "")
    assert events(coord)[-1] == ("ended", "pane")


# --- an agent must not approve itself --------------------------------------------------


def _forged(request: Request) -> str:
    return json.dumps(decision_document(request))


def test_a_decision_written_into_the_coordination_directory_allows_nothing(
    hooks: list[Waiting], project: Path, coord: Path
) -> None:
    hook = start(hooks, project, wait_s=4)
    request = arrived(coord)
    for folder in (coord, coord / ".coordinator", coord / ".coordinator" / "approvals"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{request.id}.json").write_text(_forged(request))
        (folder / "decisions").mkdir(exist_ok=True)
        (folder / "decisions" / f"{request.id}.json").write_text(_forged(request))
    (project / f"{request.id}.json").write_text(_forged(request))
    assert hook.result() == (0, "")
    assert ("applied", "cli") not in events(coord)


def test_a_decision_for_another_request_allows_nothing(
    hooks: list[Waiting], project: Path, coord: Path
) -> None:
    first = start(hooks, project, wait_s=20, session_id="one")
    request = arrived(coord)
    second = start(hooks, project, wait_s=4, session_id="two", tool_input={"command": "rm -rf ~"})
    deadline = time.monotonic() + 10
    while len(Inbox([str(coord)]).read().requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    (other,) = [r for r in Inbox([str(coord)]).read().requests if r.id != request.id]
    place = place_of(coord)
    # the first request's genuine decision, put under the second's name
    path = Path(place.folder("decisions")) / f"{other.id}.json"
    path.write_text(_forged(request))
    assert second.result() == (0, "")
    refused = [line for line in audit.read(place) if line["event"] == "refused"]
    assert refused and refused[0]["id"] == other.id
    assert "another request" in refused[0]["reason"]
    first.kill()


def test_a_replayed_decision_allows_nothing(
    hooks: list[Waiting], project: Path, coord: Path
) -> None:
    hook = start(hooks, project)
    request = arrived(coord)
    place = place_of(coord)
    answer(Inbox([str(coord)]), request, "allow", "", "cli")
    saved = Path(place.decision_path(request.id)).read_bytes()
    assert json.loads(hook.result()[1])["hookSpecificOutput"]["decision"]["behavior"] == "allow"
    # the same tool and input asked again: a new id; the old decision under either name
    again = start(hooks, project, wait_s=4)
    second = arrived(coord)
    assert second.id != request.id and second.digest == request.digest
    Path(place.decision_path(request.id)).write_bytes(saved)
    Path(place.decision_path(second.id)).write_bytes(saved)
    assert again.result() == (0, "")
    assert [line["by"] for line in audit.read(place) if line["event"] == "applied"] == ["cli"]
    with pytest.raises(decisions.AlreadyAnswered):
        decisions.write(place, request, "allow", "", "cli", time.time())


def test_a_decision_that_is_a_link_allows_nothing(
    hooks: list[Waiting], project: Path, coord: Path, tmp_path: Path
) -> None:
    hook = start(hooks, project, wait_s=4)
    request = arrived(coord)
    forged = tmp_path / "forged.json"
    forged.write_text(_forged(request))
    Path(place_of(coord).folder("decisions"), f"{request.id}.json").symlink_to(forged)
    assert hook.result() == (0, "")
    reasons = [line.get("reason") for line in audit.read(place_of(coord))]
    assert "the decision file is a symbolic link" in reasons


def test_state_inside_the_project_shows_the_request_but_never_waits(
    hooks: list[Waiting], project: Path, coord: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(project / ".state"))
    started = time.monotonic()
    hook = start(hooks, project, wait_s=20)
    assert hook.result() == (0, "")
    assert time.monotonic() - started < 10
    (request,) = Inbox([str(coord)]).read().requests
    assert not request.answerable and "answer in the pane" in request.note


# --- rules ---------------------------------------------------------------------------


def test_a_rule_answers_without_a_prompt_and_is_logged(
    hooks: list[Waiting],
    project: Path,
    coord: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[approval_rules]]\ntool = "Bash"\ncommand = "npm test"\ndecision = "allow"\n'
        '[[approval_rules]]\ntool = "Bash"\ncommand = "rm *"\ndecision = "deny"\nreason = "never"\n'
    )
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", str(config))
    allowed = start(hooks, project, wait_s=20)
    _, out = allowed.result(timeout=10)
    assert json.loads(out)["hookSpecificOutput"]["decision"] == {"behavior": "allow"}
    (line,) = audit.read(place_of(coord))
    assert (line["event"], line["by"], line["rule"]) == (
        "applied",
        "rule",
        'allow Bash command "npm test"',
    )
    denied = start(hooks, project, wait_s=20, tool_input={"command": "rm -rf build"})
    decision = json.loads(denied.result(timeout=10)[1])["hookSpecificOutput"]["decision"]
    assert decision["behavior"] == "deny"
    assert (
        decision["message"] == "Denied by one of the user's coordinator-tui approval rules: never"
    )
    chained = start(hooks, project, wait_s=0.3, tool_input={"command": "npm test; rm -rf ~"})
    assert chained.result() == (0, "")  # not the rule's command: to the inbox, then the dialog
    session = json.loads((coord / "sessions" / f"session-{SESSION}.json").read_text())
    assert session["state"] == "waiting"


# --- Codex and Gemini -------------------------------------------------------------------


def test_codex_is_answered_the_same_way(hooks: list[Waiting], project: Path, coord: Path) -> None:
    assert install(project, coord, "codex") == 0
    hook = start(
        hooks,
        project,
        agent="codex",
        turn_id="t1",
        model="gpt-5.5",
        tool_input={"command": "cargo test"},
    )
    request = arrived(coord)
    assert request.agent == "codex" and request.tool_input == {"command": "cargo test"}
    answer(Inbox([str(coord)]), request, "deny", "not yet", "cli")
    decision = json.loads(hook.result()[1])["hookSpecificOutput"]
    assert decision == {
        "hookEventName": "PermissionRequest",
        "decision": {"behavior": "deny", "message": decision["decision"]["message"]},
    }


def test_gemini_permission_is_shown_then_cleared_by_its_next_event(
    project: Path, coord: Path
) -> None:
    assert install(project, coord, "gemini") == 0
    notice = {
        "session_id": SESSION,
        "cwd": str(project),
        "hook_event_name": "Notification",
        "notification_type": "ToolPermission",
        "message": "Tool Shell requires execution",
        "details": {"type": "exec", "title": "Shell", "command": "ls -la", "rootCommand": "ls"},
    }
    (command,) = commands(project, "gemini", "Notification")
    assert run(command, json.dumps(notice), project).code == 0
    (request,) = Inbox([str(coord)]).read().requests
    assert (request.tool, request.answerable) == ("Shell", False)
    assert request.tool_input["command"] == "ls -la" and "requires execution" in request.note
    (after,) = commands(project, "gemini", "AfterTool", "run_shell_command")
    done = {**notice, "hook_event_name": "AfterTool", "tool_name": "run_shell_command"}
    assert run(after, json.dumps(done), project).code == 0
    assert Inbox([str(coord)]).read().requests == ()


def test_an_unusable_state_folder_leaves_the_dialog_at_once(
    hooks: list[Waiting],
    project: Path,
    coord: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    not_a_folder = tmp_path / "state-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(not_a_folder))
    started = time.monotonic()
    hook = start(hooks, project, wait_s=20)
    assert hook.result() == (0, "")
    assert time.monotonic() - started < 15
    log = (coord / ".coordinator" / "hooks.log").read_text()
    assert "approvals: cannot make the state folder" in log
    session = json.loads((coord / "sessions" / f"session-{SESSION}.json").read_text())
    assert session["state"] == "waiting"  # the agent's own dialog is up


@pytest.mark.parametrize("given", ["rm -rf ~", ["cargo", "test"], None, {"x": "y" * 600_000}])
def test_odd_tool_inputs_still_wait_and_are_shown(
    hooks: list[Waiting], project: Path, coord: Path, given: object
) -> None:
    hook = start(hooks, project, wait_s=2, tool_input=given)
    request = arrived(coord)
    assert isinstance(request.tool_input, dict)
    assert hook.result() == (0, "")
