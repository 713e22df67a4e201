"""The broadcast feed: latest broadcasts (time, from, subject); recovered ones marked.

Focusable: enter opens the broadcast under the cursor, body and all, as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive

from coordinator_tui.tui.panels import BroadcastLine
from coordinator_tui.tui.widgets.selectable import Reading, SelectablePanel


class BroadcastFeed(SelectablePanel):
    """``lines`` is bound to the screen's (``data_bind``); None until the first analysis."""

    lines: reactive[Sequence[BroadcastLine] | None] = reactive(None, repaint=False)

    def __init__(self, *, window: int = 10, id: str | None = None) -> None:
        super().__init__(window=window, id=id)

    def watch_lines(self) -> None:
        self.draw()

    def item_count(self) -> int:
        return len(self.lines or ())

    def draw(self) -> None:
        lines = self.lines
        if lines is None:
            return
        self.border_subtitle = self.position()
        if not lines:
            self.update(Text("No broadcasts yet.", style="dim"))
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(no_wrap=True, max_width=20, overflow="ellipsis", style="cyan")
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for index in self.in_window():
            line = lines[index]
            subject = Text(line.subject)
            if line.recovered:
                # The space belongs to the subject's span: an SVG export drops the leading
                # blank of a styled span ("Plan(recovered)").
                subject.append(" ")
                subject.append("(recovered)", style="italic dim")
            table.add_row(Text(line.time), Text(line.sender), subject, style=self.row_style(index))
        self.update(table)

    def reading(self) -> Reading | None:
        if not self.lines:
            return None
        line = self.lines[self.cursor]
        return Reading(f"Broadcast from {line.sender}", line.reading or line.subject)
