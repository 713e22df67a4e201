"""Claims lost to another machine (``sync``'s state file) as dashboard alerts, and the
many-directory screen's alerts panel.

Shared by the single-directory dashboard and the many-directory screen: a lost
claim is an alert until the state file stops listing it (it keeps the newest 200).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from coordinator_tui.render.health import ALERT_KINDS
from coordinator_tui.sync.view import SyncView
from coordinator_tui.tui import panels
from coordinator_tui.tui.panels import Alert
from coordinator_tui.tui.rows import cell_text

if TYPE_CHECKING:
    from coordinator_tui.tui.many.board import CollectiveState

SHOWN = 20
"""Lost claims shown as alerts, newest first (the state file keeps 200)."""


def lost_claim_alerts(
    sync: SyncView | None, first_seen: dict[str, datetime], now: datetime
) -> list[Alert]:
    """One alert per lost claim, newest first; ``first_seen`` dates the ones without ``at``."""
    if sync is None:
        return []
    found = []
    for claim in reversed(sync.lost_claims[-SHOWN:]):
        key = f"lost:{claim.path}:{claim.lost_by}:{claim.at}"
        since = claim.at or first_seen.setdefault(key, now)
        text = (
            f"{cell_text(claim.lost_by, 30)} lost {cell_text(claim.path, 50)} "
            f"to {cell_text(claim.held_by, 30)} (another machine's push came first)"
        )
        detail = text + (f"; told in {claim.message}" if claim.message else "")
        found.append(Alert(key, "lost", text, since, detail))
    return found


def sync_note(sync: SyncView | None) -> str:
    """The summary strip's words for the last sync round (``sync pushed 19:59 UTC``);
    empty when the directory is not synced."""
    if sync is None:
        return ""
    if sync.problem is not None:
        return "sync state unreadable (e: errors)"
    if not sync.outcome:
        return "sync: no round yet"
    when = f" {sync.at:%H:%M} UTC" if sync.at else ""
    lost = f", {len(sync.lost_claims)} lost claim(s)" if sync.lost_claims else ""
    return f"sync {sync.outcome}{when}{lost}"


def alert_lines(
    states: Sequence[CollectiveState], first_seen: dict[str, datetime], now: datetime
) -> tuple[Text, int]:
    """Every collective's alerts, each line led by its collective's name: claims lost to
    another machine first (someone's work was taken back), then each collective's
    duplicates, overlaps, conflicts and stale sessions. (text, how many)."""
    found = [
        (state.name, alert)
        for state in states
        for alert in lost_claim_alerts(state.sync, first_seen, now)
    ]
    for state in states:
        if state.analysis is not None:
            found += [(state.name, a) for a in panels.alerts(state.analysis, first_seen)]
    width = max((len(cell_text(state.name, 18)) for state in states), default=0)
    lines = Text()
    for name, alert in found:
        look = ALERT_KINDS.get(alert.kind)
        label = f"{look.symbol} {look.word}" if look else alert.kind
        lines.append(f"{cell_text(name, 18):<{width}}  ", style="bold")
        lines.append(f"{label:<10} ", style=look.style if look else "")
        lines.append(alert.text + "\n")
    lines.rstrip()
    return lines, len(found)
