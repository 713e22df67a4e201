"""The summary strip: counts, utilization and its sparkline, or the waiting notice."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from coordinator_tui.tui.panels import SummaryLine


class SummaryStrip(Static):
    """One line; ``summary`` is bound to the screen's (``data_bind``).

    None keeps what is shown (``starting…`` before the first analysis).
    """

    summary: reactive[SummaryLine | None] = reactive(None, repaint=False)

    def watch_summary(self, summary: SummaryLine | None) -> None:
        if summary is None:
            return
        if summary.waiting:
            self.update(
                Text(summary.waiting, style="bold yellow", no_wrap=True, overflow="ellipsis"),
                layout=False,
            )
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        gap = " " if summary.short else "  "
        for label, value, style in summary.counts:
            # The blank ends the number's span: an SVG export drops a span's leading blank.
            text.append(f"{value} ", style=f"bold {style}".strip())
            text.append(f"{label}{gap}", style=style if style != "bold" else "")
        text.append("util ", style="dim")
        text.append(f"{summary.utilization * 100:.0f}%", style="bold")
        if summary.sparkline:
            text.append(" ")
            text.append(summary.sparkline, style="green")
        if summary.note:
            text.append("  ")
            text.append(summary.note, style="italic yellow")
        self.update(text, layout=False)  # one line (#summary's height): no screen reflow
