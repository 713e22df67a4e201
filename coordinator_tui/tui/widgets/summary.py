"""The summary strip: counts, utilization and its sparkline, the spend today and per hour
(red over a budget), or the waiting notice, one line per collective
(``Collective.summary`` words each)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from coordinator_tui.tui.panels import SummaryLine
from coordinator_tui.tui.rows import cell_text

NAME_WIDTH = 18


def summary_text(summary: SummaryLine, name_width: int = 0) -> Text:
    """One collective's line; ``name_width`` pads its name (0: the only one, no name)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if name_width:
        text.append(f"{cell_text(summary.name, NAME_WIDTH):<{name_width}} ", style="bold")
    if summary.waiting:
        text.append(summary.waiting, style="bold yellow")
        return text
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
    if summary.spend:
        text.append(gap + " ")
        text.append(summary.spend, style="bold red" if summary.over_budget else "bold cyan")
    if summary.note:
        text.append("  ")
        text.append(summary.note, style="italic yellow")
    return text


class SummaryStrip(Static):
    """A line per collective; ``summary`` is bound to the screen's (``data_bind``).

    None keeps what is shown (``starting…`` before the first analysis).
    """

    summary: reactive[Sequence[SummaryLine] | None] = reactive(None, repaint=False)

    def watch_summary(self, summary: Sequence[SummaryLine] | None) -> None:
        if not summary:
            return
        several = len(summary) > 1
        width = max(len(cell_text(line.name, NAME_WIDTH)) for line in summary) if several else 0
        text = Text("\n", no_wrap=True, overflow="ellipsis")
        text = text.join(summary_text(line, width) for line in summary)
        # As many lines as collectives (#summary's height is set once): no screen reflow.
        self.update(text, layout=False)
