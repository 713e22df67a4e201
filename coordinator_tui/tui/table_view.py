"""What the session table shows: the ``/`` filter, the gone toggle and the sort.

One small frozen object instead of three loose attributes on the screen: the
analysis worker takes a copy when it starts and the screen compares it when
the result lands, so rows filtered for an old view are never shown. The rows of
every collective are kept together (``TableRows``) and their order row by row
(``VisibleOrder``); a first analysis sends the top of it ahead of its other rows
(``first_page``).
"""

from __future__ import annotations

import heapq
import math
import threading
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from coordinator_tui.analysis import Analysis, Health
from coordinator_tui.tui.panels import Alert
from coordinator_tui.tui.rows import RowBuilder, RowPlace, SessionRow, aged, cell_text

SORTS = ("attention", "id", "heartbeat")
MANY_SORTS = ("collective", *SORTS)
"""Several collectives: ``collective`` groups the rows by directory, attention first within."""
COST_SORT = "cost"
"""Offered (last) once some session's transcripts are read: the most expensive first."""
HIDDEN = (Health.GONE, Health.ENDED)
"""Hidden unless ``g`` shows them."""


@dataclass(frozen=True, slots=True)
class TableView:
    filter_text: str = ""
    show_gone: bool = False
    sort: str = SORTS[0]
    sorts: tuple[str, ...] = SORTS
    """What ``s`` cycles through (``MANY_SORTS`` over several collectives)."""

    @classmethod
    def for_collectives(cls, count: int) -> TableView:
        return cls() if count < 2 else cls(sort=MANY_SORTS[0], sorts=MANY_SORTS)

    def filtered(self, text: str) -> TableView:
        return replace(self, filter_text=text)

    def next_sort(self) -> TableView:
        sorts = self.sorts
        return replace(self, sort=sorts[(sorts.index(self.sort) + 1) % len(sorts)])

    def with_cost_sort(self, offered: bool) -> TableView:
        """The view with the cost sort offered or not (not: a cost sort goes back to the
        first)."""
        if (COST_SORT in self.sorts) == offered:
            return self
        if offered:
            return replace(self, sorts=(*self.sorts, COST_SORT))
        sorts = tuple(sort for sort in self.sorts if sort != COST_SORT)
        return replace(self, sorts=sorts, sort=sorts[0] if self.sort == COST_SORT else self.sort)

    def toggled_gone(self) -> TableView:
        return replace(self, show_gone=not self.show_gone)

    def visible(self, rows: Iterable[SessionRow]) -> list[SessionRow]:
        """Rows after the filter and the gone toggle, in the chosen order.

        Every order ends with the id and the file key, so rows never swap places
        between updates unless what they are sorted by changed.
        """
        chosen = self._chosen(rows)
        chosen.sort(key=self.sort_key)
        return chosen

    def _chosen(self, rows: Iterable[SessionRow]) -> list[SessionRow]:
        needle = self.filter_text.strip().lower()
        show_gone = self.show_gone
        return [
            row
            for row in rows
            if (show_gone or row.health not in HIDDEN) and (not needle or needle in row.search)
        ]

    def placed(self, rows: Iterable[SessionRow]) -> list[tuple[tuple[Any, ...], str]]:
        """(sort key, row key) of the rows ``visible`` shows, in its order: each sort
        key computed once (a new sort of 10,000 rows is a key press away)."""
        key = self.sort_key
        return sorted([(key(row), row.key) for row in self._chosen(rows)])

    @property
    def ordered_by_place(self) -> bool:
        """Which rows show, and in what order, follows from their places (``RowPlace``)
        alone: no filter reads the rows' words."""
        return not self.filter_text.strip()

    def first(self, places: Iterable[RowPlace], size: int) -> tuple[list[str], int] | None:
        """The keys of the first ``size`` rows ``visible`` would show, and how many it
        shows in all, from the rows' places alone (no row need be built); None when a
        filter is set (it reads each row's words)."""
        if not self.ordered_by_place:
            return None
        shown = [place for place in places if self.show_gone or place.health not in HIDDEN]
        key = self.sort_key
        first = heapq.nsmallest(size, [(key(place), place.key) for place in shown])
        return [row_key for _, row_key in first], len(shown)

    def accepts(self, row: SessionRow) -> bool:
        """The filter and the gone toggle let ``row`` through."""
        if not self.show_gone and row.health in HIDDEN:
            return False
        needle = self.filter_text.strip().lower()
        return not needle or needle in row.search

    def sort_key(self, row: SessionRow | RowPlace) -> tuple[Any, ...]:
        """Where ``row`` stands in the chosen order (unique: it ends with the file key)."""
        if self.sort == "id":
            return (row.id, row.key)
        if self.sort == "heartbeat":
            return (-(row.heartbeat or -math.inf), row.id, row.key)
        if self.sort == COST_SORT:
            usd, tokens = row.cost_rank
            return (-usd, -tokens, row.id, row.key)
        # Waiting for a human comes first, before duplicates and conflicts.
        attention = (row.attention, row.health is not Health.WAITING, row.id, row.key)
        return (row.collective, *attention) if self.sort == "collective" else attention

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


class VisibleOrder:
    """The keys a ``TableView`` shows, in order, kept up to date one row at a time.

    A changed row is taken out of the order and put back by bisection (the
    filter is asked about that row alone), so an edit among 10,000 rows costs a
    few comparisons and a list insert, not a filter and sort of every row.
    """

    def __init__(self, view: TableView, rows: Iterable[SessionRow]) -> None:
        self.view = view
        placed = view.placed(rows)
        self.sort_keys = [sort_key for sort_key, _ in placed]
        self.keys = [key for _, key in placed]
        self._where = dict(zip(self.keys, self.sort_keys, strict=True))

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: str) -> bool:
        return key in self._where

    def update(self, changed: Iterable[SessionRow], removed: Iterable[str] = ()) -> bool:
        """Re-place ``changed`` rows and drop ``removed`` keys; True if the order moved."""
        moved = False
        for key in removed:
            moved |= self._drop(key)
        for row in changed:
            new = self.view.sort_key(row) if self.view.accepts(row) else None
            old = self._where.get(row.key)
            if old == new:
                continue
            moved = True
            self._drop(row.key)
            if new is not None:
                index = bisect_left(self.sort_keys, new)
                self.sort_keys.insert(index, new)
                self.keys.insert(index, row.key)
                self._where[row.key] = new
        return moved

    def _drop(self, key: str) -> bool:
        old = self._where.pop(key, None)
        if old is None:
            return False
        index = bisect_left(self.sort_keys, old)
        del self.sort_keys[index]
        del self.keys[index]
        return True


@dataclass
class FirstPage:
    """The top of the table a first analysis shows, sent ahead of the rest of its rows
    (``analyse_for_screen``): the counts, panels and first rows paint at once."""

    analysis: Analysis
    alerts: list[Alert]
    rows: list[SessionRow]
    """The first rows in the view's order (equal to those the full result holds)."""
    shown: int
    """How many rows the view shows in all."""
    view: TableView
    painted: threading.Event = field(default_factory=threading.Event)
    """Set by the screen once the page is drawn (or not wanted): the worker builds the
    other rows after that, so its thread does not slow the first paint."""


def first_page(
    analysis: Analysis, builder: RowBuilder, view: TableView, size: int, found: list[Alert]
) -> FirstPage | None:
    """The first ``size`` rows ``view`` shows of ``analysis``, chosen from the rows'
    places and built alone; None when the view has a filter."""
    places = {
        place.key: (place, view) for view in analysis.sessions for place in [builder.place(view)]
    }
    chosen = view.first((place for place, _ in places.values()), size)
    if chosen is None:
        return None
    keys, shown = chosen
    rows = [builder.row(places[key][1], analysis.now) for key in keys]
    return FirstPage(analysis, found, rows, shown, view)


@dataclass(frozen=True, slots=True)
class Applied:
    """What one live update changed in the table."""

    rows: list[SessionRow]
    """Changed rows the view shows (new or re-placed)."""
    leaving: list[str]
    """Keys that left the view (deleted, or filtered out now)."""
    stale_moved: bool
    """A session went stale or stopped being stale (the alerts list them)."""


class TableRows:
    """The rows of every collective, the order the view shows them in, and when each
    row's age wording is due: what the session table is fed from, without Textual.

    A full analysis of one collective replaces its rows (``install``); a live update
    passes its changed rows through ``apply``, which re-places only those.
    """

    def __init__(self) -> None:
        self.rows: dict[str, SessionRow] = {}
        self.order: VisibleOrder | None = None
        self._due: list[tuple[float, str]] = []

    def install(
        self, collective: str, rows: dict[str, SessionRow], order: VisibleOrder | None
    ) -> None:
        """A full analysis of ``collective`` (its name, empty when alone) landed; ``order``,
        when given, orders every row (one collective: the worker sorted them)."""
        if collective:  # the others' rows stay (a name may start another's: "a", "a/c")
            kept = {key: row for key, row in self.rows.items() if row.collective != collective}
            self.rows = kept | rows
        else:
            self.rows = dict(rows)
        self.order = order
        self._due = [(row.age_due, key) for key, row in self.rows.items()]
        heapq.heapify(self._due)

    def apply(self, fresh: list[SessionRow], removed: list[str]) -> Applied:
        """Changed rows in, removed keys out; what the table must do about it."""
        stale_moved = False
        for key in removed:
            old = self.rows.pop(key, None)
            stale_moved |= old is not None and old.health is Health.STALE
        for row in fresh:
            old = self.rows.get(row.key)
            stale_moved |= row.health is Health.STALE or (
                old is not None and old.health is Health.STALE
            )
            self.rows[row.key] = row
            heapq.heappush(self._due, (row.age_due, row.key))
        if self.order is None:
            return Applied(fresh, list(removed), stale_moved)
        leaving = [*removed, *(row.key for row in fresh if row.key in self.order)]
        self.order.update(fresh, removed)
        leaving = [key for key in leaving if key not in self.order]
        return Applied([row for row in fresh if row.key in self.order], leaving, stale_moved)

    def aged(self, now: datetime) -> list[SessionRow]:
        """The rows whose age wording is due at ``now``, brought up to date (a heap of
        due moments: a second's tick touches those rows only)."""
        stamp = now.timestamp()
        due: dict[str, SessionRow] = {}
        while self._due and self._due[0][0] <= stamp:
            moment, key = heapq.heappop(self._due)
            row = self.rows.get(key)
            if row is not None and row.age_due == moment and key not in due:
                due[key] = aged(row, now)
        for key, row in due.items():
            self.rows[key] = row
            heapq.heappush(self._due, (row.age_due, key))
        return list(due.values())

    def reorder(self, view: TableView) -> VisibleOrder:
        """The view changed (filter, sort, gone toggle): order every row once."""
        self.order = VisibleOrder(view, self.rows.values())
        return self.order

    def visible_rows(self, limit: int | None = None) -> list[SessionRow]:
        keys = self.order.keys if self.order is not None else []
        return [self.rows[key] for key in (keys if limit is None else keys[:limit])]
