"""``e``: the files that could not be read or look wrong, with the reason for each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from coordinator_tui.files.records import FileError
from coordinator_tui.tui.rows import cell_text

LIMIT = 500


class ErrorsScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [
        Binding("escape", "close", "Close"),
        Binding("e", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, errors: Sequence[FileError], pending: int = 0) -> None:
        super().__init__()
        self.errors = errors
        self.pending = pending

    def compose(self) -> ComposeResult:
        if not self.errors:
            # Only when nothing failed: an unlisted folder is an entry (kind ``folder``).
            body: Text | Table = Text(
                "No problems: every folder was listed and every file in it was read.",
                style="green",
            )
        else:
            # Two lines an entry (severity and path, then the reason, wrapped): readable
            # in a 50-column tmux pane as well as full screen.
            body = Table.grid()
            body.add_column(ratio=1)
            for error in self.errors[:LIMIT]:
                severity = "bold red" if error.severity == "error" else "yellow"
                body.add_row(
                    Text.assemble((error.severity, severity), "  ", (cell_text(error.path), "cyan"))
                )
                body.add_row(Text("   " + cell_text(error.reason)))
            if len(self.errors) > LIMIT:
                body.add_row(Text(f"… and {len(self.errors) - LIMIT} more", style="dim"))
        with VerticalScroll(id="errors"):
            yield Static(body)

    def on_mount(self) -> None:
        box = self.query_one("#errors")
        box.border_title = f"File problems ({len(self.errors)})"
        note = f"{self.pending} being rewritten · " if self.pending else ""
        box.border_subtitle = note + "escape closes"

    def action_close(self) -> None:
        self.dismiss(None)
