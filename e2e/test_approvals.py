"""The approval inbox with the real Claude Code and Codex (issue 27): a permission request
shows in ``approvals --json``, ``approve`` lets the command run, ``deny --reason`` stops
it and the reason reaches the model, no answer leaves the agent's own prompt working,
and an answer in the pane clears the request at once.

Claude Code runs interactively in tmux with ``--permission-mode default`` (the only
mode with a dialog); Codex in its TUI with ``approval_policy = "on-request"`` in a
read-only sandbox, the model asking to run outside it. Both against the mock model
API, which records what reached the model."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from harness import Agent, Codex, Pane, World, have_tmux, unique
from mock_api import Call, MockAPI, Say

pytestmark = pytest.mark.skipif(not have_tmux(), reason="tmux is not installed")

DIALOG = {"claude": "Do you want", "codex": "Would you like to run"}


def listing(world: World) -> list[dict[str, Any]]:
    return list(json.loads(world.cli("approvals", str(world.coord), "--json"))["requests"])


def audit(world: World) -> list[tuple[str, str | None]]:
    lines = []
    base = world.home / ".local" / "state" / "coordinator-tui" / "approvals"
    for log in base.glob("*/audit.log"):
        for raw in log.read_text().splitlines():
            line = json.loads(raw)
            lines.append((line["event"], line.get("by")))
    return lines


class Asking:
    """An agent in a tmux pane of its own, asking to run ``touch TARGET``."""

    def __init__(self, world: World, agent: Agent, wait_s: float | None = None) -> None:
        self.world, self.agent = world, agent
        if isinstance(agent, Codex):
            agent.trust_project()
            _ask_codex_first(world)
        world.install_hooks(agent.name)
        if wait_s is not None:
            agent.env["COORDINATOR_TUI_APPROVAL_WAIT_S"] = str(wait_s)
        self.target = world.project / f"{unique('made')}.txt"
        command = f"touch {self.target}"
        call = Call("Bash", {"command": command, "description": "make the file"})
        if isinstance(agent, Codex):
            escalate = {"sandbox_permissions": "require_escalated", "justification": "make it"}
            call = Call("exec_command", {"cmd": command, **escalate})
        agent.script(call, Say("Done."))
        self.pane = Pane(world.base / "tmux.sock", agent.env, world.project)
        self.pane.start(_interactive(agent, "Make the file"))
        self.start_up()

    def start_up(self, timeout: float = 60) -> None:
        """Codex's TUI may first offer another model: keep the configured one."""
        if not isinstance(self.agent, Codex):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.pane.text()
            if "Use existing model" in text:
                self.pane.keys("Down", "Enter")
                return
            if self.agent.api.main_requests():
                return
            time.sleep(0.1)

    def dialog(self, timeout: float = 60) -> float:
        """The moment the agent's own prompt is on screen."""
        words = DIALOG[self.agent.name]
        self.world.wait_for(lambda: words in self.pane.text(), timeout, "the agent's prompt")
        return time.monotonic()

    def request(self, timeout: float = 60) -> tuple[dict[str, Any], float]:
        """The request as ``approvals --json`` lists it, and when that listing began."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            began = time.monotonic()
            found = listing(self.world)
            if found:
                return found[0], began
            time.sleep(0.05)
        raise AssertionError(f"no request in approvals --json; the pane:\n{self.pane.text()}")

    def close(self) -> None:
        self.pane.close()


def _interactive(agent: Agent, prompt: str) -> list[str]:
    if isinstance(agent, Codex):
        return ["timeout", "--foreground", "120", agent.argv(prompt, None)[0], prompt]
    return agent.interactive(prompt)  # type: ignore[attr-defined,no-any-return]


def _ask_codex_first(world: World) -> None:
    """Codex asks before running anything outside a read-only sandbox (top-level keys,
    so before the tables)."""
    config = world.home / ".codex" / "config.toml"
    keys = 'approval_policy = "on-request"\nsandbox_mode = "read-only"\n'
    config.write_text(keys + config.read_text())


@pytest.fixture
def asking(world: World, make_agent):  # type: ignore[no-untyped-def]
    made: list[Asking] = []

    def make(name: str, wait_s: float | None = None) -> Asking:
        made.append(Asking(world, make_agent(name), wait_s))
        return made[-1]

    yield make
    for one in made:
        one.close()


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_approve_lets_the_command_run(asking, world: World, api: MockAPI, name: str) -> None:  # type: ignore[no-untyped-def]
    agent = asking(name)
    if name == "claude":
        shown = agent.dialog()
        request, began = agent.request()
        assert began - shown < 1.0, f"listed {began - shown:.2f} s after the dialog"
    else:  # Codex asks its hooks before it draws its prompt
        request, _ = agent.request()
    assert request["tool"] == "Bash" and "touch" in request["summary"]
    out = world.cli("approve", request["id"])
    assert out.startswith(f"allowed {request['id'][:8]}"), out
    world.wait_for(agent.target.exists, 15, "the command ran")
    world.wait_for(lambda: listing(world) == [], 5, "the request left the inbox")
    assert ("applied", "cli") in audit(world)


@pytest.mark.parametrize("name", ["claude", "codex"])
def test_deny_stops_it_and_the_reason_reaches_the_model(  # type: ignore[no-untyped-def]
    asking, world: World, api: MockAPI, name: str
) -> None:
    agent = asking(name)
    request, _ = agent.request()
    reason = unique("REASON")
    world.cli("deny", request["id"], "--reason", f"use make instead {reason}")
    api.wait_for_main(2, timeout=30)
    world.wait_for(lambda: reason in api.main_requests()[-1].text, 15, "the reason at the model")
    assert not agent.target.exists()
    assert ("applied", "cli") in audit(world)


def test_no_answer_leaves_the_dialog_working(asking, world: World, api: MockAPI) -> None:  # type: ignore[no-untyped-def]
    agent = asking("claude", wait_s=3)
    agent.dialog()
    agent.request()
    world.wait_for(lambda: listing(world) == [], 15, "the request left the inbox")
    assert ("ended", "timeout") in audit(world)
    assert DIALOG["claude"] in agent.pane.text()
    agent.pane.keys("Enter")  # "1. Yes", the dialog's first choice
    world.wait_for(agent.target.exists, 15, "the command ran after Yes in the pane")


@pytest.mark.parametrize("key", ["Escape", "Enter"])
def test_an_answer_in_the_pane_clears_the_request_at_once(  # type: ignore[no-untyped-def]
    asking, world: World, api: MockAPI, key: str
) -> None:
    agent = asking("claude")
    agent.dialog()
    agent.request()
    answered = time.monotonic()
    agent.pane.keys(key)
    world.wait_for(lambda: listing(world) == [], 5, "the request left the inbox")
    cleared = time.monotonic() - answered
    assert cleared < 2.5, f"{cleared:.2f} s (each approvals --json run included)"
    assert ("ended", "pane") in audit(world)
    assert agent.target.exists() is (key == "Enter")


def test_a_rule_answers_without_a_prompt(asking, world: World, api: MockAPI) -> None:  # type: ignore[no-untyped-def]
    config = world.home / ".config" / "coordinator-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[[approval_rules]]\ntool = "Bash"\ncommand = "touch *"\ndecision = "allow"\n'
    )
    agent = asking("claude")
    world.wait_for(agent.target.exists, 60, "the command ran by the rule")
    assert ("applied", "rule") in audit(world)
    assert DIALOG["claude"] not in agent.pane.text()
    assert Path(agent.target).exists()
