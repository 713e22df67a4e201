"""Milestone gauges: one bar per milestone with its ETA and (once transcripts are read)
what it has cost and will cost to finish, and an overall completion gauge.

Focusable: enter opens the milestone under the cursor in full (steps, blockers,
how its ETA was estimated or why there is none).
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive

from coordinator_tui.tui.panels import MilestoneBoard
from coordinator_tui.tui.widgets.selectable import Reading, SelectablePanel


def _overall(completion_pct: float, done: int, counted: int) -> RenderableType:
    row = Table.grid(padding=(0, 1), expand=True)
    row.add_column(no_wrap=True)
    row.add_column(ratio=1)
    row.add_column(no_wrap=True, justify="right")
    row.add_row(
        Text("overall", style="bold"),
        ProgressBar(total=100, completed=completion_pct, complete_style="green"),
        Text(f"{completion_pct:.0f}% ({done}/{counted} done)", style="bold"),
    )
    return row


class MilestonePanel(SelectablePanel):
    """``board`` and ``compact`` are bound to the screen's (``data_bind``).

    In a side pane (``compact``) only the overall gauge is shown; the cursor
    still moves through the milestones and enter opens one.
    """

    board: reactive[MilestoneBoard | None] = reactive(None, repaint=False)
    compact: reactive[bool] = reactive(False, repaint=False)

    def __init__(self, *, window: int = 9, id: str | None = None) -> None:
        super().__init__(window=window, id=id)

    def reserved_lines(self, lines: int) -> int:
        return 1  # the overall gauge

    def watch_board(self) -> None:
        self.draw()

    def watch_compact(self) -> None:
        self.draw()

    def item_count(self) -> int:
        return len(self.board.lines) if self.board else 0

    def draw(self) -> None:
        if self.board is None:
            return
        lines = self.board.lines
        counted = [line for line in lines if line.status != "abandoned"]
        done = sum(1 for line in counted if line.status == "completed")
        stalled = sum(1 for line in lines if line.stalled)
        self.border_subtitle = self.position() or (f"{stalled} stalled" if stalled else "")
        if not lines:
            self.update(Text("No milestones (sessions/MILESTONES/).", style="dim"))
            return
        overall = _overall(self.board.completion_pct, done, len(counted))
        if self.compact:
            if self.has_focus:
                line = lines[min(self.cursor, len(lines) - 1)]
                title = Text(f"{line.symbol} {line.title} ", no_wrap=True, overflow="ellipsis")
                title.append(line.eta, style="dim")
                self.update(Group(overall, title))
            else:
                self.update(overall)
            return
        table = Table.grid(padding=(0, 1), expand=True)
        several = any(line.collective for line in lines)
        if several:
            table.add_column(style="bold", no_wrap=True, overflow="ellipsis", max_width=15)
        table.add_column(ratio=3, no_wrap=True, overflow="ellipsis")
        table.add_column(no_wrap=True, overflow="ellipsis", style="dim", max_width=16)
        table.add_column(ratio=1, min_width=8)
        table.add_column(no_wrap=True, justify="right")
        table.add_column(no_wrap=True, overflow="ellipsis", max_width=20)
        costs = any(line.cost for line in lines)
        if costs:
            table.add_column(no_wrap=True, overflow="ellipsis", justify="right", max_width=24)
        for index in self.in_window():
            line = lines[index]
            # The symbol and its blank share one span (see ``alerts``: SVG exports).
            title = Text()
            title.append(f"{line.symbol} ", style=line.style)
            title.append(line.title)
            if line.stalled:
                # The space stays unstyled in the title's span: an SVG export drops the
                # leading blank of a styled span ("Server stalled").
                title.append(" ")
                title.append("stalled", style="bold yellow")
            bar_style = "yellow" if line.stalled else ("green" if line.progress >= 100 else "cyan")
            eta_style = "cyan" if line.eta.startswith("ETA") else "dim"
            table.add_row(
                *([Text(line.collective)] if several else []),
                title,
                Text(line.owner),
                ProgressBar(total=100, completed=line.progress, complete_style=bar_style),
                Text(f"{line.progress:.0f}%"),
                Text(line.eta, style=eta_style),
                *([Text(line.cost, style="cyan")] if costs else []),
                style=self.row_style(index),
            )
        self.update(Group(overall, table))

    def reading(self) -> Reading | None:
        if not self.board or not self.board.lines:
            return None
        line = self.board.lines[self.cursor]
        where = f" in {line.collective}" if line.collective else ""
        return Reading(f"Milestone: {line.title}{where}", line.detail or line.title)
