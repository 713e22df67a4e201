"""The summary strip: counts, utilization and its sparkline, or the waiting notice."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static


class SummaryStrip(Static):
    """One line of counts; the screen hands it numbers and a ready sparkline string."""

    def show_counts(
        self,
        counts: Sequence[tuple[str, int, str]],
        utilization: float,
        sparkline: str,
        note: str = "",
        short: bool = False,
    ) -> None:
        """``short`` (a side pane): tighter spacing, the same numbers."""
        text = Text(no_wrap=True, overflow="ellipsis")
        gap = " " if short else "  "
        for label, value, style in counts:
            text.append(f"{value}", style=f"bold {style}".strip())
            text.append(f" {label}{gap}", style=style if style != "bold" else "")
        text.append("util ", style="dim")
        text.append(f"{utilization * 100:.0f}%", style="bold")
        if sparkline:
            text.append(" ")
            text.append(sparkline, style="green")
        if note:
            text.append("  ")
            text.append(note, style="italic yellow")
        self.update(text)

    def show_waiting(self, message: str) -> None:
        self.update(Text(message, style="bold yellow", no_wrap=True, overflow="ellipsis"))
