"""``X``: stop the selected session's agent, after saying exactly what will happen.

A ``ModalScreen[StopChoice | None]`` over a ``launch.stop.StopPlan``'s lines (which
process in which pane, the window, the claims, the worktree and its changes). The
worktree can be removed only when it has no uncommitted changes. ``y`` or ``enter``
stops, ``n`` or ``escape`` does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Label, Static

from coordinator_tui.tui.rows import cell_text


@dataclass(frozen=True)
class StopChoice:
    remove_worktree: bool


class StopAgentScreen(ModalScreen[StopChoice | None]):
    BINDINGS: ClassVar = [
        Binding("y,enter", "stop", "Stop", priority=True),
        Binding("n,escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, session: str, lines: Sequence[str], removable: bool) -> None:
        super().__init__()
        self.session = session
        self.lines = list(lines)
        self.removable = removable

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            heading = Text(f"Stop session {cell_text(self.session, 60)}?", style="bold")
            yield Label(heading, id="heading")
            for line in self.lines:
                yield Static(Text("• " + cell_text(line, 300)), classes="plan-line")
            if self.removable:
                yield Checkbox("remove its worktree (no uncommitted changes; its branch stays)",
                               id="remove")  # fmt: skip
            yield Label(Text("y / enter stop · n / escape cancel", style="dim"), id="hint")

    def on_mount(self) -> None:
        self.query_one("#dialog").border_title = "Stop"

    def action_stop(self) -> None:
        remove = self.removable and self.query_one("#remove", Checkbox).value
        self.dismiss(StopChoice(remove_worktree=remove))

    def action_cancel(self) -> None:
        self.dismiss(None)
