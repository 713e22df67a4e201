"""``?``: every key the dashboard knows, with what it does."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from coordinator_tui.render.health import HEALTH

KEYS = (
    ("b", "broadcast a message to every session"),
    ("m", "message the selected session directly"),
    ("r", "write a sprint report now (SPRINT_REPORT_<date>.md)"),
    ("/", "filter by id, work or health"),
    ("escape", "clear the filter / close a dialog"),
    ("s", "cycle the sort: attention, id, heartbeat age"),
    ("g", "show or hide gone sessions"),
    ("enter", "session detail: every field, heartbeats, messages, claims"),
    ("e", "file problems: what could not be read, and why"),
    ("ctrl+p", "command palette (every action, and the themes)"),
    ("?", "this help"),
    ("q", "quit"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, meaning in KEYS:
            table.add_row(Text(key), Text(meaning))
        legend = Text.assemble(
            ("\nHealth: ", "bold"),
            *((f"{look.label}  ", look.style) for look in HEALTH.values()),
            (
                "\nFlags: dup = same work as another live session, claim = works on "
                "something another session claimed, kept = file mid-rewrite, last good read shown",
                "",
            ),
        )
        with Vertical(id="help"):
            yield Static(table)
            yield Static(legend)

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"
        self.query_one("#help").border_subtitle = "escape closes"

    def action_close(self) -> None:
        self.dismiss(None)
