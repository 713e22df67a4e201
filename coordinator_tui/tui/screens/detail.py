"""``enter``: one session in full — every field (unknown ones too), what it cost (by
model, per hour, the last turn; kept up to date while open), its heartbeats, the messages
from and to it, and its claims. Long text is cut for display only.

The heartbeats and messages are one timeline reaching back through the whole history
and the archive of the session's directory (``widgets.timeline``), focused at once:
j/↓ pages back, enter opens an entry whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from coordinator_tui.agents import receipts
from coordinator_tui.analysis import Analysis, SessionView
from coordinator_tui.analysis.costs import SessionCost
from coordinator_tui.analysis.receipts import session_receipts
from coordinator_tui.files.records import Message
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.history.pages import HistoryPages
from coordinator_tui.render.costs_text import detail_lines
from coordinator_tui.render.health import FLAG_STYLE, HEALTH, session_flags
from coordinator_tui.render.sanitize import clip, strip_control
from coordinator_tui.render.timetext import age_text
from coordinator_tui.tui.dialogs.reader import ReaderScreen
from coordinator_tui.tui.keys import bindings
from coordinator_tui.tui.rows import cell_text
from coordinator_tui.tui.widgets.receipts import ReceiptsPanel
from coordinator_tui.tui.widgets.timeline import SessionTimeline

LONG_TEXT = 2000


def _when(moment: datetime | None) -> str:
    return format_utc(moment) if moment else "—"


def _value(value: Any) -> str:
    if isinstance(value, str):
        return cell_text(value, 300)
    return cell_text(json.dumps(value, ensure_ascii=False, default=str), 300)


def _grid() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    return table


TMUX_FIELDS = ("tmux_pane", "tmux_socket")


def tmux_text(extra: dict[str, Any]) -> Text:
    """Where the agent runs in tmux (``%3`` on a socket), and the key that jumps there."""
    pane, socket = extra.get("tmux_pane"), extra.get("tmux_socket")
    if not pane:
        return Text("— (not run in tmux)", style="dim")
    text = Text(cell_text(pane, 40), style="bold")
    if socket:
        text.append(f" on {cell_text(socket, 200)}")
    # The blanks end the plain span: an SVG export drops a styled span's leading blanks.
    text.append("  ")
    text.append("t jumps there", style="dim")
    return text


def fields_table(view: SessionView) -> RenderableType:
    session = view.session
    table = _grid()
    look = HEALTH[view.health]
    health = Text(look.label)
    health.stylize(look.style)
    work = strip_control(session.current_work or "")
    count = session.heartbeat_count
    rows: list[tuple[str, Text]] = [
        ("session_id", Text(cell_text(session.session_id))),
        ("health", health),
        ("tmux pane", tmux_text(session.extra)),
        ("heartbeat", Text(f"{_when(view.heartbeat)} ({age_text(view.heartbeat_age_s)})")),
        ("current_work", Text(clip(work, LONG_TEXT) if work else "— (none / placeholder)")),
        ("status", Text(cell_text(session.status or "—"))),
        ("capabilities", Text(cell_text(", ".join(session.capabilities)) or "—")),
        ("specialization", Text(cell_text(", ".join(session.specialization)) or "—")),
        ("name", Text(cell_text(session.name or "—"))),
        ("role", Text(cell_text(session.role or "—"))),
        ("started_at", Text(_when(session.started_at))),
        ("last_heartbeat", Text(_when(session.last_heartbeat))),
        ("heartbeat_count", Text("—" if count is None else str(count))),
        ("file", Text(cell_text(session.path))),
    ]
    flags = session_flags(view)
    if flags:
        rows.append(("flags", Text(", ".join(flag.words for flag in flags), style=FLAG_STYLE)))
    for key in sorted(session.extra):
        if key in TMUX_FIELDS:
            continue
        rows.append((cell_text(key, 40), Text(_value(session.extra[key]))))
    for label, text in rows:
        table.add_row(Text(label), text)
    return table


def claims_table(view: SessionView, analysis: Analysis) -> RenderableType:
    held = [claim for claim in analysis.claims if claim.claim.claimed_by == view.id]
    if not held:
        return Text("No claims held.", style="dim")
    table = _grid()
    for item in held:
        state = Text("active", style="green") if item.active else Text("expired", style="dim")
        state.append(f"  expires {_when(item.claim.expires_at)}", style="dim")
        table.add_row(Text(cell_text(item.claim.name, 60)), state)
    return table


NOT_READ = (
    "Not read: no transcript of this session is known (the hooks record it for Claude "
    "Code, Codex and Gemini CLI)."
)


def cost_text(cost: SessionCost | None) -> Text:
    """``render.costs_text.detail_lines``, a problem in yellow; why there is none."""
    if cost is None:
        return Text(NOT_READ, style="dim")
    text = Text()
    for number, line in enumerate(detail_lines(cost)):
        if number:
            text.append("\n")
        text.append(line, style="yellow" if line.startswith("! ") else "")
    return text


class SessionDetailScreen(Screen[None]):
    KEY_OWNER = "detail"
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Back"),
        Binding("q", "close", "Back", show=False),
        *bindings("detail"),
    ]

    cost: reactive[SessionCost | None] = reactive(None, init=False)
    """What the session cost; the dashboard sets it again as new costs come."""

    def __init__(
        self,
        view: SessionView,
        analysis: Analysis,
        jump: Callable[[SessionView], None],
        pages: HistoryPages,
        collective: str = "",
        cost: SessionCost | None = None,
    ) -> None:
        """``collective``: its name, when the dashboard shows several."""
        super().__init__()
        self.set_reactive(SessionDetailScreen.cost, cost)
        self.view = view
        self.analysis = analysis
        self.jump = jump
        self.pages = pages
        self.collective = collective

    def _section(self, ident: str, title: str, body: RenderableType) -> Static:
        section = Static(body, id=f"detail-{ident}", classes="section")
        section.border_title = title
        return section

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail"):
            yield self._section("fields", "Session", fields_table(self.view))
            yield self._section("cost", "Cost", cost_text(self.cost))
            timeline = SessionTimeline(self.pages, self.view.id, id="detail-timeline")
            yield timeline.add_class("section")
            yield self._section("claims", "Claims", claims_table(self.view, self.analysis))
            receipts_panel = ReceiptsPanel(self.view.id, id="detail-receipts")
            _, written = session_receipts(self.analysis.messages.latest, {}, self.view.id)
            receipts_panel.show(written, self._messages_by_path())  # delivery: read_receipts
            yield receipts_panel.add_class("section")
        yield Footer()

    def on_mount(self) -> None:
        where = f"{cell_text(self.collective, 40)} · " if self.collective else ""
        self.sub_title = where + cell_text(self.view.id, 60)
        for timeline in self.query(SessionTimeline):
            timeline.focus()
            # Focus given while the screen is being pushed may arrive before the widget
            # can draw itself as focused; draw again once the screen is on.
            self.call_after_refresh(timeline.draw)
        self.read_receipts()

    @work(thread=True, group="receipts", exit_on_error=False)
    def read_receipts(self) -> None:
        """The receipts of this session's messages both ways (a few small files)."""
        messages = self.analysis.messages.latest
        readers, _ = session_receipts(messages, {}, self.view.id)
        book = receipts.book(str(self.analysis.root), readers)
        _, found = session_receipts(messages, book, self.view.id)
        panel = self.query_one(ReceiptsPanel)
        self.app.call_from_thread(panel.show, found, self._messages_by_path())

    def _messages_by_path(self) -> dict[str, Message]:
        return {message.path: message for message in self.analysis.messages.latest}

    def watch_cost(self, cost: SessionCost | None) -> None:
        self.query_one("#detail-cost", Static).update(cost_text(cost))

    def action_open(self) -> None:
        """Enter: the focused timeline's entry in full, in the reader."""
        focused = self.focused
        reading = focused.reading() if isinstance(focused, SessionTimeline) else None
        if reading is None:
            self.notify("Nothing to open here: tab to the timeline", severity="warning")
        else:
            self.app.push_screen(ReaderScreen(reading.title, reading.text))

    def action_jump(self) -> None:
        self.jump(self.view)

    def action_close(self) -> None:
        self.dismiss(None)
