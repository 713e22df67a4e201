"""The compose dialog for a broadcast (``b``) or a direct message (``m``).

A ``ModalScreen[Draft | None]``: it validates inline and hands the draft to
the caller's ``send`` function (which writes the file through the core
writer). If that raises, the dialog stays open with the text and the error,
so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from coordinator_tui.tui.rows import cell_text
from coordinator_tui.write.messages import BROADCAST, Draft, MessageError


class ComposeScreen(ModalScreen[Draft | None]):
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(
        self,
        to: str,
        send: Callable[[Draft], Path],
        sender: str = "coordinator",
        where: str = "",
    ) -> None:
        """``where``: the collective the message goes to, when the dashboard shows several."""
        super().__init__()
        self.to = to
        self.where = where
        self.send = send
        self.sender = sender
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        heading = (
            "Broadcast to every session"
            if self.to == BROADCAST
            else f"Message to {cell_text(self.to, 60)}"
        )
        if self.where:
            heading = heading.replace("every session", "every session of", 1)
            heading += ("" if self.to == BROADCAST else " in") + f" {cell_text(self.where, 60)}"
        with Vertical(id="dialog"):
            yield Label(Text(heading, style="bold"), id="heading")
            yield Label("Subject", classes="field-label")
            yield Input(placeholder="what it is about (required)", id="subject", max_length=200)
            yield Label("Message", classes="field-label")
            yield TextArea(id="body", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="error")
            yield Label(Text("ctrl+s send · escape cancel", style="dim"), id="hint")

    def on_mount(self) -> None:
        self.query_one("#dialog").border_title = "Compose"
        blink = not self.app.is_headless  # steady cursor for snapshots and screenshots
        self.query_one("#subject", Input).cursor_blink = blink
        self.query_one("#body", TextArea).cursor_blink = blink
        self.query_one("#subject", Input).focus()

    def _error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        error.update(Text(message, style="bold red"))
        error.display = True

    def action_send(self) -> None:
        subject = self.query_one("#subject", Input).value
        body = self.query_one("#body", TextArea).text
        if not subject.strip():
            self._error("The subject is empty: write one before sending.")
            self.query_one("#subject", Input).focus()
            return
        draft = Draft(to=self.to, subject=subject.strip(), body=body, sender=self.sender)
        try:
            self.written = self.send(draft)
        except (OSError, MessageError) as error:
            self._error(f"Not sent: {cell_text(str(error), 200)}")
            return
        self.dismiss(draft)

    def action_cancel(self) -> None:
        self.dismiss(None)
