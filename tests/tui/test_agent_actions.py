"""``S``, ``w`` and ``X`` through their dialogs and workers (``tui.agent_actions``), driven
by the Pilot against a private tmux server and real git, with stand-in agents."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar

import pytest
from rich.console import Console
from textual.app import App
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Checkbox, SelectionList, Static

from coordinator_tui.agents import receipts
from coordinator_tui.analysis.receipts import Receipt
from coordinator_tui.clock import system_clock
from coordinator_tui.commands.common import analyse_once
from coordinator_tui.files.records import Message
from coordinator_tui.settings import Settings
from coordinator_tui.tui.agent_actions import GROUP, AgentActions
from coordinator_tui.tui.app import create_app, styles_folder
from coordinator_tui.tui.dialogs.start_agent import StartAgentScreen, preselect
from coordinator_tui.tui.dialogs.stop_agent import StopAgentScreen
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.widgets.receipts import ReceiptsPanel, receipts_table
from coordinator_tui.write.messages import Draft, write_message
from tests.launchkit import Lab, alive, children, make_lab, needs_tmux
from tests.tui.conftest import ready, screen_text, shown, wait_for

pytestmark = pytest.mark.anyio

PRIORITIES = "90:fix_login:Fix the [b]login[/b]\n80:docs:Write the docs\n70:taken:Held\n"


class Harness(App[None]):
    """A screen with the three keys, as the dashboard binds them."""

    CSS_PATH: ClassVar = [styles_folder() / "dialogs.tcss"]
    BINDINGS: ClassVar = [
        Binding("S", "start", "Start"),
        Binding("w", "wake", "Wake"),
        Binding("X", "stop", "Stop"),
    ]

    def __init__(self, root: Path, selected: str | None = None, advice: int = 0) -> None:
        super().__init__()
        self.root = root
        self.selected = selected
        self.advice = advice
        self.session = ""

    def on_mount(self) -> None:
        self.actions = AgentActions(self.screen, Settings())

    def action_start(self) -> None:
        _, analysis = analyse_once(self.root, Settings(), system_clock)
        chosen = preselect(analysis.priorities, self.selected, self.advice)
        self.actions.start(self.root, analysis.priorities, chosen)

    def action_wake(self) -> None:
        self.actions.wake(self.root, self.session)

    def action_stop(self) -> None:
        self.actions.stop(self.root, self.session)


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    yield from make_lab(tmp_path, PRIORITIES, monkeypatch)


def sessions(lab: Lab) -> list[dict]:
    return [json.loads(p.read_text()) for p in (lab.coord / "sessions").glob("session-*.json")]


def hold(lab: Lab, priority: str) -> None:
    """A live session working on ``priority``: it is not available."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {"session_id": "session-holder", "current_work": priority, "last_heartbeat": now}
    (lab.coord / "sessions" / "session-holder.json").write_text(json.dumps(document))


async def open_start(pilot: Pilot[None]) -> None:
    await pilot.press("S")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, StartAgentScreen), "the dialog")


@needs_tmux
async def test_s_starts_the_selected_priority(lab: Lab) -> None:
    hold(lab, "taken")
    app = Harness(lab.coord, selected="docs")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_start(pilot)
        listed = app.screen.query_one("#priorities", SelectionList)
        assert listed.selected == ["docs"]
        assert [listed.get_option_at_index(i).value for i in range(listed.option_count)] == [
            "fix_login",
            "docs",
        ]  # the taken one is not offered
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(app.actions.done), "the start", 30)
        await app.workers.wait_for_complete()
    (notice,) = app.actions.done
    assert notice.startswith("started claude on docs: session ")
    (started,) = [s for s in sessions(lab) if s.get("priority") == "docs"]
    assert started["state"] == "starting" and started["tmux_pane"].startswith("%")
    assert any(started["tmux_pane"] in line for line in lab.windows())
    assert lab.argv(started["session_id"])[-1].startswith("Priority docs (score 80)")


@needs_tmux
async def test_s_from_the_advice_starts_n_in_worktrees(lab: Lab) -> None:
    app = Harness(lab.coord, advice=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_start(pilot)
        assert app.screen.query_one("#priorities", SelectionList).selected == ["fix_login", "docs"]
        app.screen.query_one("#worktree", Checkbox).value = True
        app.screen.query_one("#agent-codex").value = True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(app.actions.done) == 2, "both starts", 30)
        await app.workers.wait_for_complete()
    started = {s["priority"]: s for s in sessions(lab)}
    assert {s["agent"] for s in started.values()} == {"codex"}
    assert started["fix_login"]["branch"] == "agent/fix_login"
    assert (lab.base / "project-agent-docs").is_dir()


@needs_tmux
async def test_the_start_dialog_checks_before_it_closes(lab: Lab) -> None:
    app = Harness(lab.coord, advice=2)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_start(pilot)
        app.screen.query_one("#window").value = "mine"
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#error", Static)
        assert "A window name is for one priority" in str(error.content)
        app.screen.query_one("#priorities", SelectionList).deselect_all()
        await pilot.press("ctrl+s")
        assert "No priority ticked" in str(app.screen.query_one("#error", Static).content)
        await pilot.press("escape")
        assert not isinstance(app.screen, StartAgentScreen)
        await app.workers.wait_for_complete()
    assert app.actions.done == [] and sessions(lab) == []


@needs_tmux
async def test_x_shows_the_plan_and_stops_on_y(lab: Lab) -> None:
    app = Harness(lab.coord, selected="fix_login")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_start(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(app.actions.done), "the start", 30)
        (started,) = sessions(lab)
        app.session = started["session_id"]
        agent = lab.argv(app.session) and children(started["pid"])[0]
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, StopAgentScreen), "the question", 30)
        lines = [str(line.content) for line in app.screen.query(".plan-line").results(Static)]
        assert lines[0].startswith(f"• end the agent in pane {started['tmux_pane']} (process")
        await pilot.press("n")
        assert not isinstance(app.screen, StopAgentScreen) and alive(agent)
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, StopAgentScreen), "the question", 30)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.actions.done) == 2, "the stop", 30)
        await app.workers.wait_for_complete()
    assert app.actions.done[1].startswith(f"stopped {app.session}: ended process")
    assert not alive(agent)
    assert lab.session_file(app.session)["state"] == "ended"
    assert all(started["tmux_pane"] not in line for line in lab.windows())


@needs_tmux
async def test_w_says_why_it_does_not_wake_a_starting_agent(lab: Lab) -> None:
    app = Harness(lab.coord, selected="docs")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("S", "ctrl+s")
        await wait_for(pilot, lambda: bool(app.actions.done), "the start", 30)
        app.session = sessions(lab)[0]["session_id"]
        await pilot.press("w")
        await wait_for(pilot, lambda: len(app.actions.done) == 2, "the wake", 30)
        await app.workers.wait_for_complete()
    assert app.actions.done[1] == f"{app.session}: not woken: the session is starting, not idle"


def _message(path: str, sender: str, to: str, subject: str) -> Message:
    return Message(path=path, kind="direct", sender=sender, to=to, subject=subject)


def test_the_receipts_table_shows_each_stage() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    messages = {
        "messages/direct/s1/a.json": _message(
            "messages/direct/s1/a.json", "boss", "s1", "[b]Do[/b] it"
        ),
        "messages/direct/s2/b.json": _message("messages/direct/s2/b.json", "s1", "s2", "Reply"),
        "messages/direct/s3/c.json": _message("messages/direct/s3/c.json", "x", "s3", "Other"),
    }
    receipts = [
        Receipt("messages/direct/s1/a.json", "s1", moment, True, moment, moment),
        Receipt("messages/direct/s2/b.json", "s2", moment, True, None, None),
        Receipt("messages/direct/s3/c.json", "s3", moment, False, None, None),
    ]
    console = Console(width=160, record=True)
    console.print(receipts_table(receipts, messages, "s1"))
    text = console.export_text()
    assert "[b]Do[/b] it" in text and "acted on" in text and "03:04:05Z" in text
    assert "s1 → s2" in text and "yes, time not recorded" in text
    assert "Other" not in text
    assert "No message receipts" in str(receipts_table(receipts, messages, "s9"))


async def test_the_receipts_panel_updates() -> None:
    class One(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield ReceiptsPanel("s1", id="receipts")

    app = One()
    async with app.run_test(size=(120, 20)) as pilot:
        panel = app.query_one(ReceiptsPanel)
        moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        message = _message("messages/direct/s1/a.json", "boss", "s1", "Hello")
        panel.show(
            [Receipt(message.path, "s1", moment, False, None, None)], {message.path: message}
        )
        await pilot.pause()
        assert panel.border_title == "Messages: written → delivered → acted on"
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "Hello" in shown and "written" in shown and "boss → s1" in shown


@needs_tmux
async def test_the_dashboard_binds_s_w_x(lab: Lab) -> None:
    """The real dashboard: S ticks the advice's three priorities (nothing is idle), one is
    started and its row shows up, w says why it is not woken, X stops it after asking."""
    app = create_app(lab.coord, Settings(), poll_ms=100)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, StartAgentScreen), "the dialog")
        listed = app.screen.query_one("#priorities", SelectionList)
        assert listed.selected == ["fix_login", "docs", "taken"]  # the advice: start 3
        listed.deselect("docs").deselect("taken")
        await pilot.press("ctrl+s")
        agents = app.dashboard.agents
        await wait_for(pilot, lambda: bool(agents.done), "the start", 30)
        (started,) = sessions(lab)
        await wait_for(pilot, lambda: len(shown(app)) == 1, "the new row", 30)
        app.dashboard.table.focus()
        await pilot.press("w")
        await wait_for(pilot, lambda: len(agents.done) == 2, "the wake", 30)
        assert agents.done[1].endswith("not woken: the session is starting, not idle")
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, StopAgentScreen), "the question", 30)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(agents.done) == 3, "the stop", 30)
        # The stop's own worker, if still there: the dashboard's file watcher runs until
        # the app ends (and an empty list would make wait_for_complete wait for it too).
        stopping = [worker for worker in app.workers if worker.group == GROUP]
        if stopping:
            await app.workers.wait_for_complete(stopping)
    assert agents.done[2].startswith(f"stopped {started['session_id']}")
    assert lab.session_file(started["session_id"])["state"] == "ended"


async def test_the_detail_shows_a_delivered_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "coordination"
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    (root / "sessions").mkdir(parents=True)
    document = {"session_id": "s1", "agent": "claude", "state": "idle", "last_heartbeat": stamp}
    (root / "sessions" / "session-s1.json").write_text(json.dumps(document))
    path = write_message(root, Draft("s1", "Rebase first", "main moved", "boss"), now)
    receipts.note(str(root), "s1", "UserPromptSubmit", [{"kind": "direct", "file": path.name}],
                  now.timestamp())  # fmt: skip
    app = create_app(root, Settings(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        app.dashboard.table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
    assert "Messages: written → delivered → acted on" in text
    assert "Rebase first" in text and "boss → s1" in text and "delivered" in text
