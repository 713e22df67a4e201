"""The approval inbox: permission requests agents wait on, oldest first, answered here.

One row a request (age, session, agent, tool, one line of what it would do); hidden
while nothing waits. It polls the Textual-free reader (``approvals.inbox.Inbox``)
every quarter second — a ``stat`` per directory unless something changed — and says
each new request in a notification naming the session and the tool. ``enter`` opens
the request in full (``ApprovalScreen``), ``y`` allows, ``n`` denies with an optional
reason, ``a`` allows and adds the rule after showing it, ``t`` asks the screen to jump
to the agent's tmux pane (``JumpTo``). Answers are written through
``approvals.inbox.answer`` as ``by`` (``dashboard``, or ``web`` under ``serve``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from coordinator_tui.approvals import rules
from coordinator_tui.approvals.decisions import AlreadyAnswered
from coordinator_tui.approvals.inbox import Inbox, answer
from coordinator_tui.approvals.requests import Request
from coordinator_tui.render.approval_text import notice, summary
from coordinator_tui.render.timetext import short_age
from coordinator_tui.tui.rows import cell_text
from coordinator_tui.tui.screens.approval import (
    Answer,
    ApprovalResult,
    ApprovalScreen,
    JumpToPane,
    ask_reason,
    ask_rule,
)

POLL_S = 0.25
VISIBLE_ROWS = 6


def row_texts(requests: tuple[Request, ...], now: float) -> list[Text]:
    """One row a request, in columns: ``12s  session  (claude)  Bash  npm test``; a
    request answered only in its pane says so."""
    columns = [
        (cell_text(r.session, 36), f"({cell_text(r.agent, 10)})", cell_text(r.tool, 24))
        for r in requests
    ]
    widths = [max((len(row[index]) for row in columns), default=0) for index in range(3)]
    rows = []
    for request, (session, agent, tool) in zip(requests, columns, strict=True):
        text = Text()
        text.append(f"{short_age(max(now - request.created_at, 0.0)):>4}  ", style="dim")
        text.append(session.ljust(widths[0]) + " ", style="bold")
        text.append(agent.ljust(widths[1]) + "  ", style="dim")
        text.append(tool.ljust(widths[2]) + "  ", style="yellow")
        text.append(summary(request))
        if not request.answerable:
            text.append("  answer in the pane (t)", style="italic dim")
        rows.append(text)
    return rows


class ApprovalInbox(Widget, can_focus=False):
    """The requests of ``inbox``; answers are written as ``by``."""

    DEFAULT_CSS = """
    ApprovalInbox { height: auto; display: none; }
    ApprovalInbox.-waiting { display: block; }
    ApprovalInbox OptionList { height: auto; max-height: 8; border: round $warning;
        border-title-color: $warning; border-title-style: bold; }
    """
    BINDINGS: ClassVar = [
        Binding("enter", "open", "Open"),
        Binding("y", "allow", "Allow"),
        Binding("n", "deny", "Deny"),
        Binding("a", "always", "Allow always"),
        Binding("t", "jump", "Pane"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    requests: reactive[tuple[Request, ...]] = reactive((), always_update=True)

    class JumpTo(Message):
        """Go to the tmux pane of the agent behind ``request``."""

        def __init__(self, request: Request) -> None:
            super().__init__()
            self.request = request

    class RequestsShown(Message):
        """The rows changed (the screen fits its panels' heights again)."""

    class Answered(Message):
        """A decision was written (the hook takes it within 0.1 s)."""

        def __init__(self, request: Request, answer: Answer) -> None:
            super().__init__()
            self.request = request
            self.answer = answer

    def __init__(
        self,
        inbox: Inbox | None,
        by: str = "dashboard",
        poll_s: float = POLL_S,
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
        id: str | None = None,
    ) -> None:
        """``read_only`` (``serve --read-only``): requests are shown, never answered."""
        super().__init__(id=id)
        self.inbox = inbox
        self.by = by
        self.read_only = read_only
        self.poll_s = poll_s
        self.clock = clock
        self._seen: set[str] = set()

    def compose(self) -> ComposeResult:
        yield OptionList(id="inbox-list")

    def on_mount(self) -> None:
        if self.inbox is not None:
            self.poll()
            self.set_interval(self.poll_s, self.poll)

    def now(self) -> float:
        return self.clock()

    def poll(self) -> None:
        """Read the inbox when it may have changed (cheap otherwise)."""
        if self.inbox is None or not self.inbox.changed(self.now()):
            return
        self.requests = self.inbox.read(self.now()).requests

    def watch_requests(self, requests: tuple[Request, ...]) -> None:
        listing = self.query_one(OptionList)
        chosen = self.selected()
        now = self.now()
        listing.clear_options()
        rows = row_texts(requests, now)
        listing.add_options(
            [Option(row, id=request.id) for request, row in zip(requests, rows, strict=True)]
        )
        ids = [request.id for request in requests]
        if chosen is not None and chosen.id in ids:
            listing.highlighted = ids.index(chosen.id)
        elif requests:
            listing.highlighted = 0
        count = len(requests)
        keys = "read-only" if self.read_only else "y allow · n deny · a always"
        listing.border_title = Text(f"Approvals ({count}) · enter open · {keys} · t pane")
        self.set_class(bool(requests), "-waiting")
        for request in requests:
            if request.id not in self._seen:
                self._seen.add(request.id)
                self.notify(notice(request), title="Permission request", markup=False, timeout=8)
        self._seen &= set(ids)
        self.post_message(self.RequestsShown())

    def selected(self) -> Request | None:
        listing = self.query_one(OptionList)
        index = listing.highlighted
        if index is None or not 0 <= index < len(self.requests):
            return None
        return self.requests[index]

    def _chosen(self) -> Request | None:
        request = self.selected()
        if request is None:
            self.notify("No permission request is waiting", severity="warning", markup=False)
        return request

    # --- the keys ---------------------------------------------------------------------

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """``enter`` (or a click) on a row: the list selects it; open it."""
        event.stop()
        self.action_open()

    def action_move(self, step: int) -> None:
        """``j`` / ``k`` as in the table (the list itself takes the arrows)."""
        listing = self.query_one(OptionList)
        if step > 0:
            listing.action_cursor_down()
        else:
            listing.action_cursor_up()

    def action_open(self) -> None:
        request = self._chosen()
        if request is not None:
            self.app.push_screen(
                ApprovalScreen(request), lambda result: self.settle(request, result)
            )

    def action_allow(self) -> None:
        request = self._chosen()
        if request is not None:
            self.settle(request, Answer("allow"))

    def action_deny(self) -> None:
        request = self._chosen()
        if request is not None and self._answerable(request):
            ask_reason(self, request, lambda chosen: self.settle(request, chosen))

    def action_always(self) -> None:
        request = self._chosen()
        if request is not None and self._answerable(request):
            ask_rule(self, request, lambda chosen: self.settle(request, chosen))

    def action_jump(self) -> None:
        request = self._chosen()
        if request is not None:
            self.post_message(self.JumpTo(request))

    def _answerable(self, request: Request) -> bool:
        if self.read_only:
            self.notify(
                "Read-only: answer with coordinator-tui approve/deny, or in the agent's pane",
                severity="warning",
                markup=False,
            )
            return False
        if not request.answerable:
            self.notify(
                f"{cell_text(request.session, 40)} is answered in its pane: t jumps there",
                severity="warning",
                markup=False,
            )
        return request.answerable

    # --- answering ----------------------------------------------------------------------

    def settle(self, request: Request, result: ApprovalResult) -> None:
        """Carry out what was chosen for ``request``: write the answer (and the rule
        first), or ask for the jump; a failure is one notification."""
        if result is None:
            return
        if isinstance(result, JumpToPane):
            self.post_message(self.JumpTo(request))
            return
        if self.inbox is None or not self._answerable(request):
            return
        who = f"{cell_text(request.session, 40)}: {cell_text(request.tool, 30)}"
        try:
            if result.rule is not None:
                rules.append(result.rule)
            answer(self.inbox, request, result.behavior, result.message, self.by, self.now())
        except AlreadyAnswered:
            self.notify(f"Already answered: {who}", severity="warning", markup=False)
            return
        except (rules.RulesError, OSError, ValueError) as error:
            self.notify(
                f"Not answered ({who}): {cell_text(str(error), 200)}",
                severity="error",
                markup=False,
            )
            return
        done = "Allowed" if result.behavior == "allow" else "Denied"
        extra = " and added the rule" if result.rule is not None else ""
        self.notify(f"{done} {who}{extra}", markup=False, timeout=4)
        self.post_message(self.Answered(request, result))
        self.requests = tuple(item for item in self.requests if item.id != request.id)
