"""Milestone gauges: one bar per milestone and an overall completion gauge."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from coordinator_tui.tui.panels import MilestoneBoard


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


class MilestonePanel(Static):
    """``board`` and ``compact`` are bound to the screen's (``data_bind``).

    In a side pane (``compact``) only the overall gauge is shown.
    """

    board: reactive[MilestoneBoard | None] = reactive(None, repaint=False)
    compact: reactive[bool] = reactive(False, repaint=False)

    def watch_board(self) -> None:
        self._draw()

    def watch_compact(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.board is None:
            return
        lines = self.board.lines
        counted = [line for line in lines if line.status != "abandoned"]
        done = sum(1 for line in counted if line.status == "completed")
        stalled = sum(1 for line in lines if line.stalled)
        self.border_subtitle = f"{stalled} stalled" if stalled else ""
        if not lines:
            self.update(Text("No milestones (sessions/MILESTONES/).", style="dim"))
            return
        overall = _overall(self.board.completion_pct, done, len(counted))
        if self.compact:
            self.update(overall)
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=3, no_wrap=True, overflow="ellipsis")
        table.add_column(no_wrap=True, overflow="ellipsis", style="dim", max_width=20)
        table.add_column(ratio=2, min_width=8)
        table.add_column(no_wrap=True, justify="right")
        for line in lines:
            title = Text(line.title)
            if line.stalled:
                title.append(" stalled", style="bold yellow")
            bar_style = "yellow" if line.stalled else ("green" if line.progress >= 100 else "cyan")
            table.add_row(
                Text(line.symbol, style=line.style),
                title,
                Text(line.owner),
                ProgressBar(total=100, completed=line.progress, complete_style=bar_style),
                Text(f"{line.progress:.0f}%"),
            )
        self.update(Group(overall, table))
