"""``a`` on a permission request: the rule it would add, shown before anything is written.

A ``ModalScreen[bool]``: ``y`` or ``enter`` adds the rule to the user's config file and
allows the request; ``n`` or ``escape`` goes back with nothing done.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from coordinator_tui.approvals.rules import Rule
from coordinator_tui.render.approval_text import plain


class RuleDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    RuleDialog { align: center middle; background: $background 60%; }
    RuleDialog #rule { width: 90; max-width: 95%; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1; }
    RuleDialog #rule-text { margin: 1 0; padding: 0 1; background: $boost; }
    RuleDialog #rule-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar = [
        Binding("y,enter", "add", "Add and allow", priority=True),
        Binding("n,escape", "cancel", "Back", priority=True),
    ]

    def __init__(self, rule: Rule, config_path: str) -> None:
        super().__init__()
        self.rule = rule
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with Vertical(id="rule"):
            yield Label(Text("Allow this now and, from now on, every request it matches:"))
            yield Static(Text(plain(self.rule.toml(), keep_newlines=True)), id="rule-text")
            yield Label(Text(f"added to {plain(self.config_path)}", style="dim"))
            yield Label(Text("y add the rule and allow · n back"), id="rule-hint")

    def on_mount(self) -> None:
        self.query_one("#rule").border_title = "Allow always"

    def action_add(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
