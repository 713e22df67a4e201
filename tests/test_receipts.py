"""Message receipts (written → delivered → acted on), as the hooks record them and as
``status --json`` and the escalation read them; launched sessions adopted by their agent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.agents import receipts
from coordinator_tui.analysis.acting.escalate import EscalationState, step
from coordinator_tui.cli import main
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.write.messages import Draft, write_message
from tests.hookkit import commands, fire, fixture, install, run

SESSION = "5f1c6a2e-0d3b-4c47-9a39-3f0e2b7d9c11"
OTHER = "session-alpha"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    (folder / ".git").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    monkeypatch.delenv("COORDINATOR_SESSION", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("TMUX_PANE", raising=False)
    return folder


@pytest.fixture
def coord(tmp_path: Path) -> Path:
    folder = tmp_path / "coordination"
    (folder / "sessions").mkdir(parents=True)
    return folder


def status(coord: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["status", str(coord), "--json", *extra]) in (0, 1)
    return json.loads(capsys.readouterr().out)


def receipts_of(document: dict[str, Any], subject: str) -> list[dict[str, Any]]:
    (message,) = [m for m in document["messages"]["latest"] if m["subject"] == subject]
    return list(message["receipts"])


def test_a_direct_message_goes_written_delivered_acted_on(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "claude")
    fire(project, "claude", "SessionStart", SESSION)
    write_message(coord, Draft(SESSION, "Rebase first", "main moved", OTHER))
    (written,) = receipts_of(status(coord, capsys), "Rebase first")
    assert written["session"] == SESSION and written["stage"] == "written"
    assert written["delivered"] is False and written["delivered_at"] is None
    assert written["written_at"] is not None
    fire(project, "claude", "PostToolUse", SESSION, "Edit")  # not urgent: not delivered
    assert receipts_of(status(coord, capsys), "Rebase first")[0]["stage"] == "written"
    prompt = fire(project, "claude", "UserPromptSubmit", SESSION)
    assert "Rebase first" in prompt.stdout and "main moved" in prompt.stdout
    (delivered,) = receipts_of(status(coord, capsys), "Rebase first")
    assert delivered["stage"] == "delivered" and delivered["delivered_at"] is not None
    assert delivered["acted_at"] is None
    fire(project, "claude", "Stop", SESSION)
    (acted,) = receipts_of(status(coord, capsys), "Rebase first")
    assert acted["stage"] == "acted on" and acted["acted_at"] >= acted["delivered_at"]
    fire(project, "claude", "Stop", SESSION)  # a later turn changes nothing
    assert receipts_of(status(coord, capsys), "Rebase first") == [acted]


def test_delivered_at_session_start_is_acted_on_only_after_a_turn(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "claude")
    write_message(coord, Draft(SESSION, "Welcome", "take the API", OTHER))
    assert "take the API" in fire(project, "claude", "SessionStart", SESSION).stdout
    assert receipts_of(status(coord, capsys), "Welcome")[0]["stage"] == "delivered"
    fire(project, "claude", "UserPromptSubmit", SESSION)
    assert receipts_of(status(coord, capsys), "Welcome")[0]["stage"] == "delivered"
    fire(project, "claude", "Stop", SESSION)
    assert receipts_of(status(coord, capsys), "Welcome")[0]["stage"] == "acted on"


def test_a_broadcast_lists_the_sessions_that_received_it(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(project, coord, "claude")
    second = "0a0b0c0d-1111-2222-3333-444455556666"
    fire(project, "claude", "SessionStart", SESSION)
    fire(project, "claude", "SessionStart", second)
    write_message(coord, Draft("broadcast", "Freeze", "no deploys", OTHER))
    assert receipts_of(status(coord, capsys), "Freeze") == []
    fire(project, "claude", "UserPromptSubmit", second)
    (only,) = receipts_of(status(coord, capsys), "Freeze")
    assert only["session"] == second and only["stage"] == "delivered"


def test_codex_turn_end_and_gemini_after_agent_count_as_acted_on(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for agent, start, prompt, end in (
        ("codex", "SessionStart", "UserPromptSubmit", "Stop"),
        ("gemini", "SessionStart", "BeforeAgent", "AfterAgent"),
    ):
        install(project, coord, agent)
        session = f"{agent}-thread-1"
        fire(project, agent, start, session)
        write_message(coord, Draft(session, f"For {agent}", "hello", OTHER))
        fire(project, agent, prompt, session)
        assert receipts_of(status(coord, capsys), f"For {agent}")[0]["stage"] == "delivered"
        fire(project, agent, end, session)
        assert receipts_of(status(coord, capsys), f"For {agent}")[0]["stage"] == "acted on"


def test_session_inbox_is_a_delivery(coord: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", "start", str(coord), "--id", "worker-1"]) == 0
    write_message(coord, Draft("worker-1", "Read me", "text", OTHER))
    assert main(["session", "inbox", str(coord), "--id", "worker-1", "--peek"]) == 0
    assert receipts_of(status(coord, capsys), "Read me")[0]["stage"] == "written"
    assert main(["session", "inbox", str(coord), "--id", "worker-1"]) == 0
    assert receipts_of(status(coord, capsys), "Read me")[0]["stage"] == "delivered"


def test_the_inbox_cursor_counts_as_delivered_at_an_unknown_time(coord: Path) -> None:
    cursor = coord / ".coordinator" / "inbox"
    cursor.mkdir(parents=True)
    seen = {"direct": {"since": "", "seen": ["2025-01-01_00-00-00-x.json", 7, "a/b"]}}
    (cursor / "s1.json").write_text(json.dumps(seen))
    assert receipts.read(str(coord), "s1") == {"direct/2025-01-01_00-00-00-x.json": (None, None)}


@pytest.mark.parametrize(
    "text",
    [
        "not json {",
        "[1, 2]",
        '{"messages": []}',
        '{"messages": {"direct/a.json": 5, "direct/b.json": [7], "direct/e.json": {}}}',
        '{"messages": {"direct/c.json": ["1e400", "NaN", "extra"]}}',
        '{"messages": {"' + "x" * 400 + '": []}}',
    ],
)
def test_a_broken_receipts_file_is_read_as_what_it_holds(coord: Path, text: str) -> None:
    folder = coord / ".coordinator" / "receipts"
    folder.mkdir(parents=True)
    (folder / "s1.json").write_text(text)
    found = receipts.read(str(coord), "s1")
    assert all(key.startswith("direct/") and len(key) <= 300 for key in found)
    for delivered, acted in found.values():
        assert delivered is None and acted is None
    receipts.note(str(coord), "s1", "Stop", [{"kind": "direct", "file": "d.json"}], 1.7e9)
    assert receipts.read(str(coord), "s1")["direct/d.json"][1] == 1.7e9


def test_receipts_keep_the_newest(coord: Path) -> None:
    delivered = [{"kind": "direct", "file": f"m{i:05}.json"} for i in range(receipts.KEEP + 50)]
    receipts.note(str(coord), "s1", "UserPromptSubmit", delivered, 1.7e9)
    found = receipts.read(str(coord), "s1")
    assert len(found) == receipts.KEEP


def _late_message(coord: Path, to: str, subject: str, when: datetime) -> None:
    write_message(coord, Draft(to, subject, "please", OTHER), when)


def test_an_undelivered_direct_message_is_one_incident(
    project: Path,
    coord: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COORDINATOR_TUI_DELIVER_WITHIN_S", "600")
    install(project, coord, "claude")
    fire(project, "claude", "SessionStart", SESSION)  # registered; never runs a turn
    assert main(["session", "start", str(coord), "--id", "script-1"]) == 0  # no hooks
    written = datetime.now(timezone.utc)
    _late_message(coord, SESSION, "First", written)
    _late_message(coord, SESSION, "Second", written + timedelta(seconds=1))
    _late_message(coord, "script-1", "To a script", written)
    soon = format_utc(written + timedelta(minutes=5))
    assert [i for i in status(coord, capsys, "--now", soon)["incidents"]] == []
    later = written + timedelta(minutes=15)
    incidents = status(coord, capsys, "--now", format_utc(later))["incidents"]
    assert [(i["id"], i["kind"]) for i in incidents] == [(f"undelivered:{SESSION}", "undelivered")]
    assert "2 direct messages" in incidents[0]["title"] and "'First'" in incidents[0]["title"]
    fire(project, "claude", "UserPromptSubmit", SESSION)
    assert status(coord, capsys, "--now", format_utc(later))["incidents"] == []


def test_the_incident_is_escalated_once(
    project: Path, coord: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coordinator_tui.analysis.acting.act import act
    from coordinator_tui.analysis.receipts import hook_driven
    from coordinator_tui.clock import frozen_clock
    from coordinator_tui.commands.common import analyse_once
    from coordinator_tui.settings import Settings

    install(project, coord, "claude")
    fire(project, "claude", "SessionStart", SESSION)
    written = datetime.now(timezone.utc)
    _late_message(coord, SESSION, "Ping", written)
    state = EscalationState()
    raised = []
    for minutes in (16, 17, 18):
        moment = written + timedelta(minutes=minutes)
        _, analysis = analyse_once(coord, Settings(), frozen_clock(moment))
        book = receipts.book(str(coord), hook_driven(analysis.sessions))
        events, state = step(state, act(analysis, receipts=book).incidents, moment)
        raised += [event for event in events if event.action == "raised"]
    assert [event.incident_id for event in raised] == [f"undelivered:{SESSION}"]


def test_a_launched_session_is_adopted_by_the_first_codex_hook_only(
    project: Path, coord: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    launched = "7d7c1c9e-0b7a-4a53-9d2e-0c6bb5c3c0a1"
    (coord / ".coordinator" / "launch").mkdir(parents=True)
    (coord / ".coordinator" / "launch" / f"{launched}.json").write_text("{}")
    (coord / "sessions" / f"session-{launched}.json").write_text(
        json.dumps({"session_id": launched, "state": "starting", "agent": "codex"})
    )
    install(project, coord, "codex")
    (command,) = commands(project, "codex", "SessionStart")
    env = {"COORDINATOR_SESSION": launched}
    run(command, fixture("codex", "SessionStart", "thread-one", project), project, env)
    document = json.loads((coord / "sessions" / f"session-{launched}.json").read_text())
    assert document["state"] == "idle" and document["agent"] == "codex"
    assert document["model"] == "gpt-5-codex"  # its transcript and model, for its costs
    assert document["transcript_path"] == str(project / ".codex-rollout.jsonl")
    assert not (coord / "sessions" / "session-thread-one.json").exists()
    run(command, fixture("codex", "SessionStart", "thread-two", project), project, env)
    assert (coord / "sessions" / "session-thread-two.json").exists()  # its own, not ours
    (prompt,) = commands(project, "codex", "UserPromptSubmit")
    write_message(coord, Draft(launched, "Yours", "hello", OTHER))
    reply = run(prompt, fixture("codex", "UserPromptSubmit", "thread-one", project), project, env)
    assert "Yours" in reply.stdout and "hello" in reply.stdout
    assert receipts_of(status(coord, capsys), "Yours")[0]["stage"] == "delivered"


def test_the_variable_alone_adopts_nothing(project: Path, coord: Path) -> None:
    install(project, coord, "claude")
    (command,) = commands(project, "claude", "SessionStart")
    env = {"COORDINATOR_SESSION": "someone-else"}  # set by a person for the session CLI
    run(command, fixture("claude", "SessionStart", SESSION, project), project, env)
    assert (coord / "sessions" / f"session-{SESSION}.json").exists()
    assert not (coord / "sessions" / "session-someone-else.json").exists()


def test_a_claude_launch_is_owned_from_the_start(coord: Path) -> None:
    """``start`` gives Claude Code the id and claims the launch for it: an agent Claude runs
    itself (or Claude after ``/clear``, a new id) inherits the variable but keeps its id."""
    from coordinator_tui.agents import launched

    (coord / ".coordinator" / "launch").mkdir(parents=True)
    (coord / ".coordinator" / "launch" / "s-1.json").write_text("{}")
    launched.claim_for(str(coord), "s-1", "s-1")
    env = {launched.ENV: "s-1"}
    assert launched.session_for(str(coord), "s-1", env) == "s-1"
    assert launched.session_for(str(coord), "nested-9", env) == "nested-9"
    assert launched.session_for(str(coord), "nested-9", {}) == "nested-9"
    assert launched.session_for(str(coord), "x", {launched.ENV: "../../etc"}) == "x"


def test_a_session_s_receipts_are_its_messages_both_ways() -> None:
    from coordinator_tui.analysis.receipts import session_receipts
    from coordinator_tui.files.records import Message

    def message(name: str, kind: str, sender: str, to: str) -> Message:
        folder = "broadcast" if kind == "broadcast" else f"direct/{to}"
        return Message(path=f"messages/{folder}/{name}", kind=kind, sender=sender, to=to)

    messages = [
        message("a.json", "direct", "boss", "s1"),
        message("b.json", "direct", "s1", "s2"),
        message("c.json", "broadcast", "boss", "broadcast"),
        message("d.json", "direct", "x", "s3"),
    ]
    readers, _ = session_receipts(messages, {}, "s1")
    assert readers == ["s1", "s2"]
    book = {"s1": {"broadcast/c.json": (1.0, None)}, "s2": {"direct/b.json": (2.0, 3.0)}}
    _, found = session_receipts(messages, book, "s1")
    assert [(r.message.rpartition("/")[2], r.session, r.stage) for r in found] == [
        ("a.json", "s1", "written"),
        ("b.json", "s2", "acted on"),
        ("c.json", "s1", "delivered"),
    ]
