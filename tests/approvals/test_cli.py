"""``approvals``, ``approve`` and ``deny`` against real hooks waiting in the background."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coordinator_tui.approvals import audit, rules
from coordinator_tui.approvals.inbox import Inbox
from coordinator_tui.approvals.state import Place, open_state
from coordinator_tui.cli import main
from tests.approvals.kit import SESSION, Waiting, arrived, start


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_approvals_lists_requests_for_people_and_scripts(
    hooks: list[Waiting], project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "approvals", str(coord)) == (
        0,
        f"No permission request is waiting in {coord.resolve()}.\n",
        "",
    )
    start(hooks, project, tool_input={"command": "npm test\x1b]52;c;aGk=\x07 && echo ok"})
    request = arrived(coord)
    code, out, _ = cli(capsys, "approvals", str(coord))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"1 permission request waiting in {coord.resolve()}, oldest first:"
    assert lines[1].startswith(f"  {request.id[:8]}  ")
    assert f"{SESSION} (claude)  Bash  npm test && echo ok" in lines[1]
    assert "\x1b" not in out and "\x07" not in out
    code, out, _ = cli(capsys, "approvals", str(coord), "--json")
    document = json.loads(out)
    assert document["directories"] == [str(coord.resolve())]
    (shown,) = document["requests"]
    assert shown["id"] == request.id and shown["answerable"] is True
    assert shown["tool_input"]["command"].startswith("npm test\x1b]52")  # whole, escaped
    assert "\\u001b" in out and "\x1b" not in out
    code, out, _ = cli(capsys, "approvals", "--all", "--json")
    assert [r["id"] for r in json.loads(out)["requests"]] == [request.id]


def test_approve_lets_the_agent_go_on(
    hooks: list[Waiting], project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = start(hooks, project)
    request = arrived(coord)
    code, out, err = cli(capsys, "approve", request.id[:6])
    assert (code, err) == (0, "")
    assert out == f"allowed {request.id[:8]} ({SESSION}: Bash npm test)\n"
    decision = json.loads(hook.result()[1])["hookSpecificOutput"]["decision"]
    assert decision == {"behavior": "allow"}
    code, _, err = cli(capsys, "approve", request.id, "--dir", str(coord))
    assert code == 1 and "no request" in err and "is waiting" in err


def test_deny_sends_the_reason(
    hooks: list[Waiting], project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = start(hooks, project)
    request = arrived(coord)
    code, out, _ = cli(capsys, "deny", request.id, "--dir", str(coord), "--reason", "use make")
    assert code == 0 and out.startswith(f"denied {request.id[:8]}")
    decision = json.loads(hook.result()[1])["hookSpecificOutput"]["decision"]
    assert decision["behavior"] == "deny" and decision["message"].endswith(": use make")
    lines = audit.read(Place(open_state(), str(coord)))
    assert [(line["event"], line.get("by")) for line in lines] == [
        ("request", None),
        ("decided", "cli"),
        ("applied", "cli"),
    ]
    assert lines[1]["message"] == "use make"


def test_approve_always_adds_the_rule_that_answers_next_time(
    hooks: list[Waiting],
    project: Path,
    coord: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("# mine\n")
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", str(config))
    hook = start(hooks, project)
    request = arrived(coord)
    code, out, _ = cli(capsys, "approve", request.id, "--always")
    assert code == 0
    assert out.splitlines()[:2] == [f"rule added to {config}:", "[[approval_rules]]"]
    assert 'command = "npm test"' in out and f'directory = "{coord.resolve()}"' in out
    assert hook.result()[0] == 0
    assert rules.load(str(coord))[0] == [rules.rule_for(request)]
    assert config.read_text().startswith("# mine\n\n[[approval_rules]]\n")
    again = start(hooks, project)
    assert json.loads(again.result(timeout=15)[1])["hookSpecificOutput"]["decision"] == {
        "behavior": "allow"
    }
    assert Inbox([str(coord)]).read().requests == ()


def test_answers_that_cannot_be_given_say_why(
    hooks: list[Waiting], project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "approve", "ab")
    assert code == 1 and "at least 4 characters" in err
    assert cli(capsys, "deny")[0] == 2
    hook = start(hooks, project, tool_name="mcp__db__query", tool_input={"sql": "select 1"})
    request = arrived(coord)
    code, _, err = cli(capsys, "approve", request.id, "--always")
    assert code == 1 and "no command, path or URL" in err
    assert Inbox([str(coord)]).read().requests == (request,)  # nothing answered
    assert cli(capsys, "deny", request.id)[0] == 0
    code, _, err = cli(capsys, "deny", request.id)
    assert code == 1 and "is waiting" in err
    assert hook.result()[0] == 0


def test_a_hook_that_stopped_waiting_is_said(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.approvals.kit import make, pending, place_for

    place = place_for(coord)
    request = pending(place, make(place))  # nobody takes its decision
    code, _, err = cli(capsys, "approve", request.id)
    assert code == 1 and "has not taken the answer within 2 s" in err
