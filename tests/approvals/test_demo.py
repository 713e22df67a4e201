"""The demo's simulated agents ask permission in a demo-private state folder, wait for
the answer, and act on it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from coordinator_tui.approvals import audit
from coordinator_tui.approvals.inbox import Inbox, answer
from coordinator_tui.approvals.requests import Request
from coordinator_tui.cli import main
from coordinator_tui.demo.simulate import PLACEHOLDER, Simulation
from coordinator_tui.files.config_file import user_state_folder
from tests.tui.conftest import MovableClock


def simulation(tmp_path: Path, wait_s: float = 45.0) -> tuple[Simulation, MovableClock, Inbox]:
    clock = MovableClock()
    state = str(tmp_path / "demo-state" / "coordinator-tui")
    sim = Simulation(
        tmp_path / "coordination",
        sessions=8,
        seed=11,
        clock=clock,
        approvals_state=state,
        approval_wait_s=wait_s,
    )
    sim.setup()
    return sim, clock, Inbox([str(tmp_path / "coordination")], state=state)


def first_request(
    sim: Simulation, clock: MovableClock, inbox: Inbox, answerable: bool = True
) -> Request:
    for _ in range(2000):
        clock.advance(seconds=1)
        sim.tick()
        found = [r for r in inbox.read(clock().timestamp()).requests if r.answerable is answerable]
        if found:
            return found[0]
    raise AssertionError("no simulated request")


def session_file(sim: Simulation, session: str) -> dict[str, object]:
    return json.loads((sim.root / "sessions" / f"{session}.json").read_text())


def broadcasts(sim: Simulation, sender: str) -> list[dict[str, object]]:
    found = []
    for path in (sim.root / "messages" / "broadcast").glob(f"*-{sender}*.json"):
        try:
            found.append(json.loads(path.read_text()))
        except ValueError:
            continue  # the simulation's deliberately broken chatter
    return found


def test_an_allowed_request_runs_and_is_said(tmp_path: Path) -> None:
    sim, clock, inbox = simulation(tmp_path)
    request = first_request(sim, clock, inbox)
    asked = session_file(sim, request.session)
    assert asked["state"] == "waiting" and request.agent in ("claude", "codex")
    answer(inbox, request, "allow", "", "dashboard", clock().timestamp())
    clock.advance(seconds=1)
    sim.tick()
    assert request.id not in {r.id for r in inbox.read(clock().timestamp()).requests}
    document = session_file(sim, request.session)
    assert document.get("state") != "waiting"  # working: the scripts' file has no state
    assert document["current_work"] == asked["current_work"]
    subjects = [m["subject"] for m in broadcasts(sim, request.session)]
    assert any(str(s).startswith("Ran ") for s in subjects)
    events = [(line["event"], line.get("by")) for line in audit.read(inbox.places[0])]
    assert ("applied", "dashboard") in events


def test_a_denied_request_drops_the_work_with_the_reason(tmp_path: Path) -> None:
    sim, clock, inbox = simulation(tmp_path)
    request = first_request(sim, clock, inbox)
    answer(inbox, request, "deny", "not on a Friday", "cli", clock().timestamp())
    clock.advance(seconds=1)
    sim.tick()
    document = session_file(sim, request.session)
    assert document.get("state") != "waiting" and document["current_work"] == PLACEHOLDER
    bodies = [str(m.get("message")) for m in broadcasts(sim, request.session)]
    assert any("not on a Friday" in body for body in bodies)


def test_no_answer_is_answered_in_the_pane(tmp_path: Path) -> None:
    sim, clock, inbox = simulation(tmp_path, wait_s=5)
    request = first_request(sim, clock, inbox)
    for _ in range(8):
        clock.advance(seconds=1)
        sim.tick()
    assert request.session not in sim.approvals.asking  # type: ignore[union-attr]
    ended = [line for line in audit.read(inbox.places[0]) if line["event"] == "ended"]
    assert [line["by"] for line in ended if line["id"] == request.id] == ["pane"]


def test_a_gemini_request_is_shown_only(tmp_path: Path) -> None:
    sim, clock, inbox = simulation(tmp_path)
    request = first_request(sim, clock, inbox, answerable=False)
    assert request.agent == "gemini" and "answer in the pane" in request.note
    with pytest.raises(ValueError, match="pane"):
        answer(inbox, request, "allow", "", "dashboard")


def test_the_demo_never_touches_the_users_state_or_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = user_state_folder()
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", "unset")
    monkeypatch.delenv("COORDINATOR_TUI_CONFIG")
    argv = ["demo", "--headless", "--cycles", "3", "--speed", "40", "--seed", "2"]
    assert main([*argv, "--dir", str(tmp_path / "demo")]) == 0
    err = capsys.readouterr().err
    assert "XDG_STATE_HOME=" in err and mine not in err
    assert not os.path.exists(os.path.join(mine, "approvals"))
    assert user_state_folder() == mine and "COORDINATOR_TUI_CONFIG" not in os.environ
    private = err.split("XDG_STATE_HOME=", 1)[1].split()[0]
    assert not os.path.exists(private)  # removed with the demo
