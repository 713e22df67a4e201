"""Read one item in full: a truncated alert, a broadcast's body, a milestone, the incidents.

A ``ModalScreen[None]`` over plain text: what it shows came from files, so it is
wrapped in ``rich.Text`` (never parsed as markup) and scrolls when long.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from coordinator_tui.tui.rows import cell_text


class ReaderScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, title: str, text: str | Text) -> None:
        super().__init__()
        self.heading = cell_text(title, 100)
        self.body = text if isinstance(text, Text) else Text(text)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="reader"):
            yield Static(self.body, id="reader-text")

    def on_mount(self) -> None:
        box = self.query_one("#reader", VerticalScroll)
        box.border_title = Text(self.heading)  # from a file: never markup
        box.border_subtitle = "escape closes"
        box.focus()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#reader", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
