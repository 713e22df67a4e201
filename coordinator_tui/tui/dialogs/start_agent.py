"""``S``: start agents on priorities (the selected one, or the "start N" advice's).

A ``ModalScreen[StartChoice | None]``: the available priorities with the chosen ones
ticked, the agent kind, whether each gets a git worktree, and a window name (one
priority only). It validates inline and returns the choice; the caller starts the
agents (``launch.start``) in a worker. Priorities come from files: every text is
plain ``Text``, never markup.
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
from textual.widgets import Checkbox, Input, Label, RadioButton, RadioSet, SelectionList, Static
from textual.widgets.selection_list import Selection

from coordinator_tui.analysis.results import PriorityView
from coordinator_tui.tui.rows import cell_text

AGENTS = ("claude", "codex", "gemini")


@dataclass(frozen=True)
class StartChoice:
    priorities: tuple[str, ...]
    agent: str
    worktree: bool
    window: str | None


def preselect(priorities: Sequence[PriorityView], selected: str | None, count: int) -> list[str]:
    """The priorities ticked when the dialog opens: the selected one when it is available,
    else the ``count`` best available ones (the "start N" advice)."""
    available = [view.item.name for view in priorities if view.available]
    if selected in available:
        return [str(selected)]
    return available[: max(count, 1)]


class StartAgentScreen(ModalScreen[StartChoice | None]):
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(
        self, priorities: Sequence[PriorityView], chosen: Sequence[str], where: str = ""
    ) -> None:
        """``where``: the collective, when the dashboard shows several."""
        super().__init__()
        self.priorities = [
            view for view in priorities if view.available or view.item.name in chosen
        ]
        self.chosen = set(chosen)
        self.where = where

    def compose(self) -> ComposeResult:
        heading = "Start agents on priorities" + (
            f" of {cell_text(self.where, 60)}" if self.where else ""
        )
        selections = [
            Selection(self._line(view), view.item.name, view.item.name in self.chosen)
            for view in self.priorities
        ]
        with Vertical(id="dialog"):
            yield Label(Text(heading, style="bold"), id="heading")
            yield Label("Priorities (space ticks)", classes="field-label")
            yield SelectionList[str](*selections, id="priorities")
            yield Label("Agent", classes="field-label")
            with RadioSet(id="agent"):
                for index, agent in enumerate(AGENTS):
                    yield RadioButton(agent, value=index == 0, id=f"agent-{agent}")
            yield Checkbox("each in its own git worktree (branch agent/<priority>)", id="worktree")
            yield Label(
                "Window name (one priority; empty: <agent>-<priority>)", classes="field-label"
            )
            yield Input(placeholder="optional", id="window", max_length=40)
            yield Static("", id="error")
            yield Label(Text("ctrl+s start · escape cancel", style="dim"), id="hint")

    @staticmethod
    def _line(view: PriorityView) -> Text:
        text = Text(f"{view.item.score:>5g}  ", style="dim")
        # The blanks stay in the styled span: an SVG export drops a plain span's leading ones.
        text.append(cell_text(view.item.name, 40) + "  ", style="bold")
        if view.item.description:
            text.append(cell_text(view.item.description, 70))
        if not view.available:
            text.append("  (taken)", style="yellow")
        return text

    def on_mount(self) -> None:
        self.query_one("#dialog").border_title = "Start"
        self.query_one("#window", Input).cursor_blink = not self.app.is_headless
        self.query_one("#priorities", SelectionList).focus()

    def _error(self, message: str) -> None:
        error = self.query_one("#error", Static)
        error.update(Text(message, style="bold red"))
        error.display = True

    def action_start(self) -> None:
        chosen = tuple(self.query_one("#priorities", SelectionList).selected)
        if not chosen:
            self._error("No priority ticked: tick one with space.")
            return
        window = self.query_one("#window", Input).value.strip() or None
        if window is not None and len(chosen) > 1:
            self._error("A window name is for one priority: clear it, or tick one.")
            return
        pressed = self.query_one("#agent", RadioSet).pressed_index
        agent = AGENTS[pressed if 0 <= pressed < len(AGENTS) else 0]
        worktree = self.query_one("#worktree", Checkbox).value
        self.dismiss(StartChoice(chosen, agent, worktree, window))

    def action_cancel(self) -> None:
        self.dismiss(None)
