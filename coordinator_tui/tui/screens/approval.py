"""One permission request in full (``enter`` in the approval inbox), and the answer to it.

A command is shown whole with its working folder, an edit as a diff, anything else as
its input; every string came from the agent and is shown as plain ``Text`` with its
terminal controls removed (``render.approval_text``). The screen returns what the
person chose (``Answer``, ``JumpToPane``, or None for back); the caller writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Label, Static

from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.rules import Rule, rule_for
from coordinator_tui.files.config_file import config_file
from coordinator_tui.render.approval_text import Detail, detail, summary
from coordinator_tui.tui.dialogs.deny import DenyDialog, DenyReason
from coordinator_tui.tui.dialogs.rule import RuleDialog
from coordinator_tui.tui.rows import cell_text


@dataclass(frozen=True)
class Answer:
    """Allow or deny a request; ``message`` reaches the agent's model with a deny;
    ``rule`` is added to the config file before the request is allowed."""

    behavior: str
    message: str = ""
    rule: Rule | None = None


@dataclass(frozen=True)
class JumpToPane:
    """Go to the agent's tmux pane (to answer there)."""


ApprovalResult = Answer | JumpToPane | None

DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def body_text(shown: Detail) -> Text:
    """The request's body: a diff with its lines coloured, anything else as it is."""
    if shown.kind != "diff":
        return Text(shown.body)
    text = Text()
    for line in shown.body.splitlines():
        style = next((style for mark, style in DIFF_STYLES if line.startswith(mark)), "")
        text.append(line + "\n", style=style)
    return text


def fields_table(shown: Detail) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(ratio=1)
    for label, value in shown.fields:
        table.add_row(Text(label), Text(value))
    return table


def ask_reason(node: Widget, request: Request, done: Callable[[Answer], object]) -> None:
    """``n``: the reason dialog, then ``done(Answer("deny", reason))`` unless backed out."""

    def chosen(reason: DenyReason | None) -> None:
        if reason is not None:
            done(Answer("deny", reason.text))

    what = f"{cell_text(request.tool, 40)}: {summary(request)}"
    node.app.push_screen(DenyDialog(what), chosen)


def ask_rule(node: Widget, request: Request, done: Callable[[Answer], object]) -> None:
    """``a``: the rule that would be added, then ``done(Answer("allow", rule=…))`` once
    confirmed; a request with nothing to pin a rule to is said in a notification."""
    rule = rule_for(request)
    if rule is None:
        node.notify(
            "No command, path or URL to pin a rule to: allow it once (y)",
            severity="warning",
            markup=False,
        )
        return

    def chosen(confirmed: bool | None) -> None:
        if confirmed:
            done(Answer("allow", rule=rule))

    node.app.push_screen(RuleDialog(rule, config_file()[0]), chosen)


class ApprovalScreen(ModalScreen[ApprovalResult]):
    DEFAULT_CSS = """
    ApprovalScreen { align: center middle; background: $background 60%; }
    ApprovalScreen #approval { width: 110; max-width: 98%; height: auto; max-height: 95%;
        border: thick $warning; background: $surface; padding: 0 1; }
    ApprovalScreen #approval-body { height: auto; max-height: 30; margin: 1 0;
        background: $boost; padding: 0 1; }
    ApprovalScreen #approval-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar = [
        Binding("y", "allow", "Allow"),
        Binding("n", "deny", "Deny"),
        Binding("a", "always", "Allow always"),
        Binding("t", "jump", "Pane"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request
        self.shown = detail(request)

    def compose(self) -> ComposeResult:
        with Vertical(id="approval"):
            yield Static(fields_table(self.shown), id="approval-fields")
            with VerticalScroll(id="approval-body"):
                yield Static(body_text(self.shown))
            hint = "y allow · n deny · a allow always · t pane · escape back"
            if not self.request.answerable:
                hint = "answered in the agent's pane only · t pane · escape back"
            yield Label(Text(hint), id="approval-hint")

    def on_mount(self) -> None:
        session, tool = cell_text(self.request.session, 40), cell_text(self.request.tool, 40)
        self.query_one("#approval").border_title = Text(f"{session} asks to run {tool}")

    def _answerable(self) -> bool:
        if not self.request.answerable:
            self.notify(
                "This request is answered in the agent's pane: t jumps there",
                severity="warning",
                markup=False,
            )
        return self.request.answerable

    def action_allow(self) -> None:
        if self._answerable():
            self.dismiss(Answer("allow"))

    def action_deny(self) -> None:
        if self._answerable():
            ask_reason(self, self.request, self.dismiss)

    def action_always(self) -> None:
        if self._answerable():
            ask_rule(self, self.request, self.dismiss)

    def action_jump(self) -> None:
        self.dismiss(JumpToPane())

    def action_back(self) -> None:
        self.dismiss(None)
