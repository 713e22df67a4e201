"""The approval inbox widget, the request screen and its dialogs, driven by the Pilot in a
small host app (the dashboard wires the same widget)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import OptionList

from coordinator_tui.approvals import audit, decisions, rules
from coordinator_tui.approvals.inbox import Inbox
from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.state import Place
from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import create_app
from coordinator_tui.tui.dialogs.deny import DenyDialog
from coordinator_tui.tui.dialogs.rule import RuleDialog
from coordinator_tui.tui.screens.approval import ApprovalScreen
from coordinator_tui.tui.widgets.inbox import ApprovalInbox
from tests.approvals.kit import make, pending, place_for
from tests.tui.conftest import ready, screen_text, shown, wait_for

pytestmark = pytest.mark.anyio


class Host(App[None]):
    def __init__(self, root: Path, by: str = "dashboard", read_only: bool = False) -> None:
        super().__init__()
        self.root = root
        self.by = by
        self.read_only = read_only
        self.jumps: list[Request] = []

    def compose(self) -> ComposeResult:
        inbox = Inbox([str(self.root)])
        yield ApprovalInbox(inbox, by=self.by, poll_s=0.05, read_only=self.read_only)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_approval_inbox_jump_to(self, message: ApprovalInbox.JumpTo) -> None:
        self.jumps.append(message.request)


def text_of(app: App[None]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "coordination"
    folder.mkdir()
    return folder


def decision_of(place: Place, request: Request) -> dict[str, object]:
    return json.loads(Path(place.decision_path(request.id)).read_text())


async def test_requests_show_oldest_first_with_a_notification_and_hide_when_gone(
    root: Path,
) -> None:
    place = place_for(root)
    app = Host(root)
    async with app.run_test(size=(120, 30)) as pilot:
        widget = app.query_one(ApprovalInbox)
        await pilot.pause(0.1)
        assert not widget.display
        newer = pending(place, make(place, session="beta", tool_input={"command": "make"}))
        older = pending(place, make(place, session="alpha", now=newer.created_at - 30))
        await wait_for(pilot, lambda: len(widget.requests) == 2, "the two requests")
        assert [request.id for request in widget.requests] == [older.id, newer.id]
        await pilot.pause(0.1)
        text = text_of(app)
        assert "Approvals (2)" in text
        assert text.index("alpha (claude)  Bash  npm test") < text.index(
            "beta  (claude)  Bash  make"
        )
        notes = [str(note.message) for note in app._notifications]
        assert "alpha (claude) asks to run Bash: npm test" in notes
        assert len(notes) == 2
        for request in (older, newer):
            Path(place.pending_path(request.id)).unlink()
        await wait_for(pilot, lambda: widget.requests == (), "the inbox to empty")
        await pilot.pause(0.1)
        assert not widget.display and "Approvals" not in text_of(app)


async def test_y_allows_the_selected_request_as_the_dashboard(root: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    app = Host(root)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.query_one(ApprovalInbox).requests) == 1, "request")
        await pilot.press("y")
        await pilot.pause()
        assert decision_of(place, request)["behavior"] == "allow"
        assert decision_of(place, request)["by"] == "dashboard"
        line = audit.read(place)[-1]
        assert (line["event"], line["by"]) == ("decided", "dashboard")


async def test_n_asks_a_reason_that_goes_with_the_refusal(root: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    app = Host(root, by="web")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.query_one(ApprovalInbox).requests) == 1, "request")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DenyDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert not decisions.exists(place, request.id)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"use make test", "enter")
        await pilot.pause()
        assert decision_of(place, request) | {"decided_at": 0} == {
            "request_id": request.id,
            "digest": request.digest,
            "behavior": "deny",
            "message": "use make test",
            "by": "web",
            "decided_at": 0,
        }


async def test_enter_shows_a_command_whole_and_an_edit_as_a_diff(root: Path) -> None:
    place = place_for(root)
    command = "make \\\n  test-all \x1b[2J[@click=app.quit]x[/]"
    bash = pending(place, make(place, tool_input={"command": command}, cwd="/srv/project"))
    edit = pending(
        place,
        make(
            place,
            "Edit",
            {"file_path": "/srv/project/a.py", "old_string": "x = 1", "new_string": "x = 2"},
            now=bash.created_at + 1,
        ),
    )
    app = Host(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.query_one(ApprovalInbox).requests) == 2, "requests")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ApprovalScreen)
        text = text_of(app)
        assert "s1 asks to run Bash" in text
        assert "make \\" in text and "test-all [@click=app.quit]x[/]" in text
        assert "/srv/project" in text and "\x1b" not in text
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        text = text_of(app)
        assert "-x = 1" in text and "+x = 2" in text and "a/a.py" in text
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, ApprovalScreen)
        assert decision_of(place, edit)["behavior"] == "allow"
        assert not decisions.exists(place, bash.id)


async def test_a_shows_the_rule_then_adds_it_and_allows(root: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place, tool_input={"command": "npm test"}))
    app = Host(root)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.query_one(ApprovalInbox).requests) == 1, "request")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, RuleDialog)
        text = text_of(app)
        assert "[[approval_rules]]" in text and 'command = "npm test"' in text
        await pilot.press("n")
        await pilot.pause()
        assert rules.load(str(root)) == ([], []) and not decisions.exists(place, request.id)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert rules.load(str(root))[0] == [rules.rule_for(request)]
        assert decision_of(place, request)["behavior"] == "allow"


async def test_a_request_answered_only_in_its_pane_is_never_answered_here(root: Path) -> None:
    place = place_for(root)
    shown = pending(
        place,
        make(place, agent="gemini", tool="Shell", answerable=False, note="answer in the pane"),
    )
    app = Host(root)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.query_one(ApprovalInbox).requests) == 1, "request")
        assert "answer in the pane (t)" in text_of(app)
        await pilot.press("y")
        await pilot.press("n")
        await pilot.pause()
        assert not decisions.exists(place, shown.id)
        assert not isinstance(app.screen, DenyDialog)
        await pilot.press("t")
        await pilot.pause()
        assert [request.id for request in app.jumps] == [shown.id]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert len(app.jumps) == 2


async def test_someone_answering_first_is_said_not_crashed(root: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    app = Host(root)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.query_one(ApprovalInbox).requests) == 1, "request")
        decisions.write(place, request, "deny", "", "cli", request.created_at + 1)
        await pilot.press("y")
        await pilot.pause()
        assert decision_of(place, request)["by"] == "cli"
        assert any("Already answered" in str(note.message) for note in app._notifications)


async def test_a_read_only_dashboard_shows_requests_and_answers_none(root: Path) -> None:
    place = place_for(root)
    request = pending(place, make(place))
    app = Host(root, by="web", read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.query_one(ApprovalInbox).requests) == 1, "request")
        assert "read-only" in text_of(app)
        await pilot.press("y", "n", "a")
        await pilot.pause()
        await pilot.press("enter", "y")
        await pilot.pause()
        assert not decisions.exists(place, request.id)
        assert not isinstance(app.screen, (DenyDialog, RuleDialog))


def _session(root: Path, session: str = "s1") -> None:
    """One live session, so the dashboard has a row besides the inbox."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    (root / "sessions").mkdir(exist_ok=True)
    document = {"session_id": session, "agent": "claude", "state": "working",
                "current_work": "tests", "last_heartbeat": stamp}  # fmt: skip
    (root / "sessions" / f"session-{session}.json").write_text(json.dumps(document))


async def test_the_dashboard_shows_the_inbox_above_the_table_and_p_y_answers(
    root: Path,
) -> None:
    """The real dashboard: a request appears at the top while it waits (the table keeps
    the focus), ``p`` moves to it, ``y`` allows it as ``dashboard``, and it goes."""
    _session(root)
    place = place_for(root)
    app = create_app(root, Settings(), poll_ms=100)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        assert len(shown(app)) == 1
        inbox = app.dashboard.query_one(ApprovalInbox)
        assert not inbox.display
        request = pending(place, make(place, tool_input={"command": "npm test"}))
        await wait_for(pilot, lambda: len(inbox.requests) == 1, "the request")
        await pilot.pause(0.1)
        assert inbox.display and app.focused is app.dashboard.table
        assert inbox.region.y < app.dashboard.table.region.y  # at the top
        assert "s1 (claude)  Bash  npm test" in screen_text(app)
        await pilot.press("p")
        assert app.focused is inbox.query_one(OptionList)
        pending(place, make(place, session="s2", now=request.created_at + 1))
        await wait_for(pilot, lambda: len(inbox.requests) == 2, "the second request")
        await pilot.press("j")
        assert inbox.selected() == inbox.requests[1]
        await pilot.press("k")
        assert inbox.selected() == request
        await pilot.press("y")
        await wait_for(pilot, lambda: decisions.exists(place, request.id), "the decision")
        assert decision_of(place, request)["by"] == "dashboard"
        for taken in list(Path(place.folder("pending")).iterdir()):
            taken.unlink()  # as the hooks do once answered (the test has no hook)
        await wait_for(pilot, lambda: not inbox.requests, "the inbox to empty")
        await pilot.press("p")
        await pilot.pause()
        notes = [str(note.message) for note in app._notifications]
        assert "No permission request is waiting" in notes


async def test_t_in_the_dashboards_inbox_says_why_it_cannot_jump(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    place = place_for(root)
    pending(place, make(place, session="worker-7"))
    app = create_app(root, Settings(), poll_ms=100)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        inbox = app.dashboard.query_one(ApprovalInbox)
        await wait_for(pilot, lambda: len(inbox.requests) == 1, "the request")
        await pilot.press("p", "t")
        await pilot.pause()
        notes = [str(note.message) for note in app._notifications]
        assert "worker-7 has no tmux pane recorded (its agent does not run in tmux)" in notes


async def test_the_read_only_dashboard_answers_nothing_and_starts_or_stops_no_agent(
    root: Path,
) -> None:
    """``--read-only`` (a wall display, ``serve --read-only``): the inbox shows, ``y``
    writes no decision, and S, w and X (they start, wake and stop agents) are not bound."""
    _session(root)
    place = place_for(root)
    request = pending(place, make(place))
    app = create_app(root, Settings(), poll_ms=100, read_only=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        inbox = app.dashboard.query_one(ApprovalInbox)
        await wait_for(pilot, lambda: len(inbox.requests) == 1, "the request")
        await pilot.press("p", "y")
        await pilot.pause(0.2)
        assert not decisions.exists(place, request.id)
        for action in ("start_agent", "wake", "stop_agent"):
            assert app.dashboard.check_action(action, ()) is False


async def test_an_unusable_state_folder_leaves_the_dashboard_without_an_inbox(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _session(root)
    target = tmp_path / "elsewhere"
    target.mkdir()
    state_home = tmp_path / "state-home"
    state_home.mkdir()
    (state_home / "coordinator-tui").symlink_to(target)
    monkeypatch.setenv("XDG_STATE_HOME", str(state_home))
    app = create_app(root, Settings(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        assert app.dashboard.inbox is None
        notes = [str(note.message) for note in app._notifications]
        assert any(
            note.startswith("No approval inbox: the state folder") and "link" in note
            for note in notes
        )
        assert len(shown(app)) == 1  # the sessions are still shown
