"""The summary strip: counts, utilization and its sparkline, or the waiting notice.

``summary_line`` words an analysis into the strip's state (``SummaryLine``), as
``panels`` does for the side panels; ``SummaryStrip`` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from coordinator_tui.analysis import Analysis, Health
from coordinator_tui.render.health import HEALTH
from coordinator_tui.render.trends import sparkline


def summary_counts(analysis: Analysis) -> tuple[tuple[str, int, str], ...]:
    """(label, value, style); waiting (needs a human) right after live, ended only when any."""
    counts = analysis.counts
    shown = (
        ("live", counts.live, "bold"),
        ("waiting", counts.waiting, HEALTH[Health.WAITING].style),
        ("working", counts.working, HEALTH[Health.WORKING].style),
        ("idle", counts.idle, HEALTH[Health.IDLE].style),
        ("stale", counts.stale, HEALTH[Health.STALE].style),
        ("gone", counts.gone, "dim"),
        ("ended", counts.ended, "dim"),
    )
    return tuple(item for item in shown if item[0] != "ended" or item[1])


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """The summary strip's whole state: counts and trend, or a waiting notice."""

    counts: tuple[tuple[str, int, str], ...] = ()
    """(label, value, style) in the order shown."""
    utilization: float = 0.0
    sparkline: str = ""
    note: str = ""
    short: bool = False
    """A side pane: tighter spacing, the same numbers."""
    waiting: str = ""
    """When set, the strip shows only this notice (the directory is not there)."""


def summary_line(
    analysis: Analysis | None,
    *,
    waiting_for: str,
    watch_mode: str,
    points: Sequence[float],
    compact: bool,
    acting_note: str = "",
) -> SummaryLine | None:
    """The strip for ``analysis``; None while there is nothing to show yet.

    ``points`` is the utilization trend, oldest first; a compact strip shows the last ten.
    """
    if watch_mode == "waiting" or (analysis is not None and not analysis.exists):
        return SummaryLine(waiting=f"waiting for {waiting_for} to appear…")
    if analysis is None:
        return None
    note = "polling" if watch_mode == "polling" else ""
    problems = len(analysis.errors)
    if problems:
        note = f"{problems} file problem{'s' if problems != 1 else ''}  {note}".strip()
    if acting_note:
        note = f"{acting_note}  {note}".strip()
    return SummaryLine(
        counts=summary_counts(analysis),
        utilization=analysis.counts.utilization,
        sparkline=sparkline(list(points)[-10:] if compact else points),
        note=note,
        short=compact,
    )


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
