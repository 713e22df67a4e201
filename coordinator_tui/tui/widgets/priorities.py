"""The priority queue: available priorities, best first, with the suggested idle session,
under the resource advice (start more sessions, or stop idle ones) when there is one; over
several collectives each line is led by its collective."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from coordinator_tui.tui.panels import PriorityLine

LIMIT = 30


class PriorityPanel(Static):
    """``lines`` and ``advice`` are bound to the screen's (``data_bind``); ``lines`` is None
    until the first analysis."""

    lines: reactive[Sequence[PriorityLine] | None] = reactive(None, repaint=False)
    advice: reactive[str] = reactive("", repaint=False)

    def watch_lines(self) -> None:
        self._draw()

    def watch_advice(self) -> None:
        self._draw()

    def _draw(self) -> None:
        lines = self.lines
        if lines is None:
            return
        advice = (
            Text(self.advice, style="bold yellow", no_wrap=True, overflow="ellipsis")
            if self.advice
            else None
        )
        if not lines:
            empty = Text("No available priorities (priorities.txt).", style="dim")
            self.update(Group(advice, empty) if advice else empty)
            return
        table = Table.grid(padding=(0, 1), expand=True)
        several = any(line.collective for line in lines)
        if several:
            table.add_column(style="bold", no_wrap=True, overflow="ellipsis", max_width=15)
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column(no_wrap=True, overflow="ellipsis", max_width=24)
        for line in lines[:LIMIT]:
            who = Text(f"→ {line.suggestion}", style="cyan") if line.suggestion else Text("")
            cells = [Text(line.score), Text(line.name), who]
            table.add_row(*([Text(line.collective)] if several else []), *cells)
        if len(lines) > LIMIT:
            more = Text(f"… and {len(lines) - LIMIT} more", style="dim")
            table.add_row(*([Text("")] if several else []), Text(""), more, Text(""))
        self.update(Group(advice, table) if advice else table)
