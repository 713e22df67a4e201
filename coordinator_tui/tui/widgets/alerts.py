"""Alerts: duplicate work, overlaps, claim conflicts and stale sessions, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from coordinator_tui.render.health import ALERT_KINDS
from coordinator_tui.tui.rows import Alert

KIND_STYLE = {kind: (look.label, look.style) for kind, look in ALERT_KINDS.items()}


class AlertsPanel(Static):
    """Shows the first ``limit`` alerts and counts the rest."""

    def show_alerts(self, alerts: Sequence[Alert], now: datetime, limit: int = 40) -> None:
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
