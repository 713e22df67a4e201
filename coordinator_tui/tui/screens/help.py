"""``?``: every key the dashboard knows (``keys.KEYS``), with what it does."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from coordinator_tui.render.health import FLAGS, HEALTH
from coordinator_tui.tui.keys import help_lines


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
        for key, meaning in help_lines(getattr(self.app, "read_only", False)):
            table.add_row(Text(key), Text(meaning))
        flags = ", ".join(f"{flag.short} = {flag.meaning}" for flag in FLAGS.values() if flag.short)
        legend = Text.assemble(
            ("\nHealth: ", "bold"),
            *((f"{look.label}  ", look.style) for look in HEALTH.values()),
            ("\nFlags: " + flags, ""),
        )
        with Vertical(id="help"):
            yield Static(table)
            yield Static(legend)

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"
        self.query_one("#help").border_subtitle = "escape closes"

    def action_close(self) -> None:
        self.dismiss(None)
