"""The broadcast feed: latest broadcasts (time, from, subject); recovered ones marked."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from coordinator_tui.tui.panels import BroadcastLine


class BroadcastFeed(Static):
    """``lines`` is bound to the screen's (``data_bind``); None until the first analysis."""

    lines: reactive[Sequence[BroadcastLine] | None] = reactive(None, repaint=False)

    def watch_lines(self, lines: Sequence[BroadcastLine] | None) -> None:
        if lines is None:
            return
        if not lines:
            self.update(Text("No broadcasts yet.", style="dim"))
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(no_wrap=True, max_width=20, overflow="ellipsis", style="cyan")
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for line in lines:
            subject = Text(line.subject)
            if line.recovered:
                subject.append(" (recovered)", style="italic dim")
            table.add_row(Text(line.time), Text(line.sender), subject)
        self.update(table)
