"""The reason for a refusal (``n`` on a permission request): what the agent's model reads.

A ``ModalScreen[DenyReason | None]``: ``enter`` refuses with the text typed (it may be
empty), ``escape`` goes back without refusing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from coordinator_tui.approvals.decisions import MAX_MESSAGE_CHARS


@dataclass(frozen=True)
class DenyReason:
    """The refusal's reason ("" for none)."""

    text: str


class DenyDialog(ModalScreen[DenyReason | None]):
    DEFAULT_CSS = """
    DenyDialog { align: center middle; background: $background 60%; }
    DenyDialog #deny { width: 80; max-width: 95%; height: auto; border: thick $error;
        background: $surface; padding: 0 1; }
    DenyDialog #deny-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Back", priority=True)]

    def __init__(self, what: str) -> None:
        """``what``: the request in one line (already plain text)."""
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="deny"):
            yield Label(Text(f"Deny: {self.what}"))
            yield Label(Text("Reason for the agent (optional):", style="bold"))
            yield Input(
                placeholder="e.g. use make test instead", id="reason", max_length=MAX_MESSAGE_CHARS
            )
            yield Label(Text("enter deny · escape back"), id="deny-hint")

    def on_mount(self) -> None:
        self.query_one("#deny").border_title = "Deny the request"
        field = self.query_one("#reason", Input)
        field.cursor_blink = not self.app.is_headless
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(DenyReason(event.value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
