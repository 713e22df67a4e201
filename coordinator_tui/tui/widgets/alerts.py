"""Alerts: duplicate work, overlaps, claim conflicts and stale sessions, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from coordinator_tui.render.health import ALERT_KINDS
from coordinator_tui.tui.panels import Alert

KIND_STYLE = {kind: (look.label, look.style) for kind, look in ALERT_KINDS.items()}


class AlertsPanel(Static):
    """Shows the first ``limit`` alerts and counts the rest.

    ``alerts`` is bound to the screen's (``data_bind``); None until the first analysis.
    """

    alerts: reactive[Sequence[Alert] | None] = reactive(None, repaint=False)

    def __init__(self, *, limit: int = 40, id: str | None = None) -> None:
        super().__init__(id=id)
        self.limit = limit

    def watch_alerts(self, alerts: Sequence[Alert] | None) -> None:
        if alerts is None:
            return
        limit = self.limit
        self.border_subtitle = f"{len(alerts)}" if alerts else ""
        if not alerts:
            self.update(
                Text(
                    "No alerts: no duplicate work, overlap, conflict or stale session.", style="dim"
                )
            )
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for alert in alerts[:limit]:
            label, style = KIND_STYLE.get(alert.kind, (alert.kind, ""))
            table.add_row(Text(label, style=style), Text(alert.text))
        if len(alerts) > limit:
            table.add_row(Text(""), Text(f"… and {len(alerts) - limit} more", style="dim"))
        self.update(table)
