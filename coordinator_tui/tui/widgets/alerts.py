"""Alerts: escalated incidents, who keeps duplicated work, claims lost to another machine,
then duplicates, overlaps, claim conflicts and stale sessions, newest first; over several
collectives each line is led by its collective. Focusable: enter reads one in full."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive

from coordinator_tui.render.health import ALERT_KINDS
from coordinator_tui.tui.panels import Alert
from coordinator_tui.tui.rows import cell_text
from coordinator_tui.tui.widgets.selectable import Reading, SelectablePanel

KIND_STYLE = {kind: (look.label, look.style) for kind, look in ALERT_KINDS.items()}


class AlertsPanel(SelectablePanel):
    """Shows ``window`` alerts around the cursor and counts the rest.

    ``alerts`` is bound to the screen's (``data_bind``); None until the first analysis.
    """

    alerts: reactive[Sequence[Alert] | None] = reactive(None, repaint=False)

    def __init__(self, *, limit: int = 10, id: str | None = None) -> None:
        super().__init__(window=limit, id=id)
        self._lines = -1
        """Lines the last table drew (-1: not a table): the panel's height follows them."""

    def reserved_lines(self, lines: int) -> int:
        """A line for "… and N more" when the alerts do not fit (not in a small box)."""
        return 1 if self.item_count() > lines > 3 else 0

    def watch_alerts(self) -> None:
        self.draw()

    def item_count(self) -> int:
        return len(self.alerts or ())

    def draw(self) -> None:
        alerts = self.alerts
        if alerts is None:
            return
        self.border_subtitle = self.position() or (f"{len(alerts)}" if alerts else "")
        if not alerts:
            self._lines = -1
            self.update(
                Text(
                    "No alerts: no duplicate work, overlap, conflict or stale session.", style="dim"
                )
            )
            return
        # No padding: the blank after the label is part of the label's span (an SVG
        # export drops a blank that starts the next, unstyled span: "incidentmilestone").
        table = Table.grid(padding=(0, 0), expand=True)
        shown = self.in_window()
        several = any(alerts[index].collective for index in shown)
        if several:
            table.add_column(no_wrap=True, max_width=16, overflow="ellipsis")
        table.add_column(no_wrap=True)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for index in shown:
            alert = alerts[index]
            label, style = KIND_STYLE.get(alert.kind, (alert.kind, ""))
            cells = [Text(label + " ", style=style), Text(alert.text)]
            if several:
                cells.insert(0, Text(cell_text(alert.collective, 15) + " ", style="bold"))
            table.add_row(*cells, style=self.row_style(index))
        room = self.reserved_lines(self.content_size.height) if self.fitted else self.window > 3
        if shown.stop < len(alerts) and room:
            more = len(alerts) - shown.stop
            words = Text(f"… and {more} more (tab here, j/k)", style="dim")
            table.add_row(*([Text("")] * (2 if several else 1)), words)
        # One line a row: the same count keeps the height, and a reflow of the whole
        # screen (a tenth of the main thread under 200 changes a second) is not needed.
        lines, self._lines = self._lines, table.row_count
        self.update(table, layout=lines != table.row_count)

    def reading(self) -> Reading | None:
        if not self.alerts:
            return None
        alert = self.alerts[self.cursor]
        label = ALERT_KINDS[alert.kind].word if alert.kind in ALERT_KINDS else alert.kind
        where = f" in {alert.collective}" if alert.collective else ""
        since = f"since {alert.since:%Y-%m-%d %H:%M} UTC"
        return Reading(f"Alert: {label}{where}", f"{alert.full}\n\n{since}")
