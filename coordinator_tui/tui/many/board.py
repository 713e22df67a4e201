"""Many collectives in one dashboard, without Textual: the collectives' summary lines and
the one session table (a collective column, filter, sort) built from their analyses.

Each directory keeps its own store, watcher and analysis; this module only puts
their results side by side. A row's key is ``<collective>/<file key>``, so two
collectives' ``sessions/session-1.json`` stay two rows, and ``/`` finds rows by
the collective's name as well as by id, work and health.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from coordinator_tui.analysis import Analysis, Health
from coordinator_tui.render.timetext import short_age
from coordinator_tui.sync.view import SyncView
from coordinator_tui.tui.rows import SessionRow, cell_text
from coordinator_tui.tui.table_view import HIDDEN, TableView

SORTS = ("collective", "attention", "id", "heartbeat")
"""``s`` cycles these; ``collective`` groups rows by directory, attention first within."""
SEPARATOR = "/"


@dataclass
class CollectiveState:
    """What the screen knows of one directory."""

    name: str
    root: str
    analysis: Analysis | None = None
    rows: list[SessionRow] = field(default_factory=list)
    sync: SyncView | None = None
    watch: str = "starting"
    """``native``, ``polling``, ``waiting`` (the directory is not there) or ``starting``."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ManyRow:
    key: str
    collective: str
    row: SessionRow


def row_key(collective: str, key: str) -> str:
    return f"{collective}{SEPARATOR}{key}"


def split_key(states: Sequence[CollectiveState], key: str) -> tuple[CollectiveState, str] | None:
    """The collective and the file key of a row key (names may themselves hold ``/``)."""
    for state in sorted(states, key=lambda item: -len(item.name)):
        prefix = state.name + SEPARATOR
        if key.startswith(prefix):
            return state, key[len(prefix) :]
    return None


@dataclass(frozen=True, slots=True)
class ManyView:
    """The table's filter, gone toggle and sort for many collectives."""

    filter_text: str = ""
    show_gone: bool = False
    sort: str = SORTS[0]

    def next_sort(self) -> ManyView:
        return replace(self, sort=SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)])

    def rows(self, states: Iterable[CollectiveState]) -> list[ManyRow]:
        needle = self.filter_text.strip().lower()
        chosen = [
            ManyRow(row_key(state.name, row.key), state.name, row)
            for state in states
            for row in state.rows
            if (self.show_gone or row.health not in HIDDEN)
            and (not needle or needle in row.search or needle in state.name.lower())
        ]
        single = TableView(sort=self.sort if self.sort != "collective" else "attention")

        def order(item: ManyRow) -> tuple[Any, ...]:
            within = single.sort_key(item.row)
            return (item.collective, *within) if self.sort == "collective" else (*within, item.key)

        chosen.sort(key=order)
        return chosen

    def title(self, shown: int, total: int) -> str:
        parts = [f"Sessions {shown}/{total}", f"sort: {self.sort}"]
        if not self.show_gone:
            parts.append("gone hidden")
        if self.filter_text:
            parts.append(f"filter: {cell_text(self.filter_text, 30)}")
        return " · ".join(parts)


SUMMARY_COLUMNS = (
    "collective",
    "sessions",
    "working",
    "waiting",
    "idle",
    "stale",
    "gone",
    "alerts",
    "errors",
    "sync",
    "directory",
)


def sync_text(sync: SyncView | None, now: datetime) -> str:
    """``pushed 12s ago``, ``rejected 3m ago: …``, ``state unreadable``; empty: not synced."""
    if sync is None:
        return ""
    if sync.problem is not None:
        return "state unreadable"
    if not sync.outcome:
        return "no round yet"
    age = f" {short_age((now - sync.at).total_seconds())} ago" if sync.at else ""
    text = f"{sync.outcome}{age}"
    if sync.error:
        text += f": {cell_text(sync.error, 60)}"
    if sync.lost_claims:
        text += f" · {len(sync.lost_claims)} lost claim(s)"
    return text


def summary_cells(state: CollectiveState, now: datetime) -> tuple[str, ...]:
    """One collective's line in the summary table (every string plain text)."""
    name, root = cell_text(state.name, 40), cell_text(state.root, 80)
    analysis = state.analysis
    if analysis is None or not analysis.exists:
        waiting = f"{root} (not there: waiting for it)" if analysis is not None else root
        return (name, "—", "", "", "", "", "", "", "", sync_text(state.sync, now), waiting)
    counts = analysis.counts
    alerts = len(analysis.duplicates) + len(analysis.overlaps) + len(analysis.conflicts)
    alerts += counts.stale  # the alerts panel lists each stale session too
    errors = len(analysis.errors) + (1 if state.sync and state.sync.problem else 0)
    return (
        name,
        str(counts.total),
        str(counts.working),
        str(counts.waiting),
        str(counts.idle),
        str(counts.stale),
        str(counts.gone + counts.ended),
        str(alerts + (len(state.sync.lost_claims) if state.sync else 0)),
        str(errors),
        sync_text(state.sync, now),
        root,
    )


def headline(states: Sequence[CollectiveState]) -> str:
    """The summary bar: totals over every collective."""
    total = sum(s.analysis.counts.total for s in states if s.analysis)
    waiting = sum(s.analysis.counts.waiting for s in states if s.analysis)
    stale = sum(s.analysis.counts.stale for s in states if s.analysis)
    missing = sum(1 for s in states if s.analysis is None or not s.analysis.exists)
    parts = [f"{len(states)} collectives", f"{total} sessions"]
    if waiting:
        parts.append(f"{waiting} {Health.WAITING.value}")
    if stale:
        parts.append(f"{stale} stale")
    if missing:
        parts.append(f"{missing} not there")
    return " · ".join(parts)
