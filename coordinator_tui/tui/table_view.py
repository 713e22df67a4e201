"""What the session table shows: the ``/`` filter, the gone toggle and the sort.

One small frozen object instead of three loose attributes on the screen: the
analysis worker takes a copy when it starts and the screen compares it when
the result lands, so rows filtered for an old view are never shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from coordinator_tui.analysis import Health
from coordinator_tui.tui.rows import SessionRow, cell_text

SORTS = ("attention", "id", "heartbeat")
HIDDEN = (Health.GONE, Health.ENDED)
"""Hidden unless ``g`` shows them."""


@dataclass(frozen=True, slots=True)
class TableView:
    filter_text: str = ""
    show_gone: bool = False
    sort: str = SORTS[0]

    def filtered(self, text: str) -> TableView:
        return replace(self, filter_text=text)

    def next_sort(self) -> TableView:
        return replace(self, sort=SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)])

    def toggled_gone(self) -> TableView:
        return replace(self, show_gone=not self.show_gone)

    def visible(self, rows: Iterable[SessionRow]) -> list[SessionRow]:
        """Rows after the filter and the gone toggle, in the chosen order.

        Every order ends with the id and the file key, so rows never swap places
        between updates unless what they are sorted by changed.
        """
        needle = self.filter_text.strip().lower()
        chosen = [
            row
            for row in rows
            if (self.show_gone or row.health not in HIDDEN) and (not needle or needle in row.search)
        ]
        if self.sort == "id":
            chosen.sort(key=lambda row: (row.id, row.key))
        elif self.sort == "heartbeat":
            chosen.sort(key=lambda row: (-(row.heartbeat or -math.inf), row.id, row.key))
        else:
            # Waiting for a human comes first, before duplicates and conflicts.
            chosen.sort(
                key=lambda row: (row.attention, row.health is not Health.WAITING, row.id, row.key)
            )
        return chosen

    def title(self, shown: int, total: int) -> str:
        """The table's border title: how many rows of how many, and the view."""
        parts = [f"Sessions {shown}/{total}", f"sort: {self.sort}"]
        if not self.show_gone:
            parts.append("gone hidden")
        if self.filter_text:
            parts.append(f"filter: {cell_text(self.filter_text, 30)}")
        return " · ".join(parts)

    def subtitle(self, shown: int, total: int) -> str:
        """The border subtitle: why rows are missing, and the key that brings them back."""
        hidden = total - shown
        if total and not shown:
            hint = "nothing matches the filter" if self.filter_text else f"all {total} are gone"
            return f"{hint} — g shows gone sessions" if not self.show_gone else hint
        if hidden and not self.show_gone and not self.filter_text:
            return f"{hidden} gone hidden — g shows them"
        return ""
