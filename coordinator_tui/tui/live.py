"""The dashboard's live path without Textual: what to recompute when, and how little.

The screen owns the widgets; this owns the decisions, so they can be tested
with plain numbers instead of a running app. ``LiveFeed`` carries a file event
through the live analysis to the few rows it changed and their place in the
visible order; full analyses (the first load, mass changes, the clock passing
a deadline) run in a worker, scheduled by ``Scheduler``:

- one analysis at a time; a snapshot that arrives meanwhile is analysed next
  (newest wins, never a queue of stale ones);
- after an analysis that took t seconds the next starts no sooner than
  ``GAP × t`` later, so back-to-back analyses of a big directory do not hold
  the GIL and make keys wait (the quick path shows edited rows meanwhile);
- the clock alone re-analyses only once a deadline has passed, at most
  ``CPU_SHARE`` of a core;
- an analysis that started before a quick update must not undo it:
  snapshots are numbered (generations) and newer quick rows win.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from coordinator_tui.analysis import Analysis, Health, analyse
from coordinator_tui.analysis.changes import Changes
from coordinator_tui.analysis.deadlines import next_deadline
from coordinator_tui.analysis.live import LiveAnalysis
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot, StoreChange
from coordinator_tui.tui.panels import Alert, StaleAlerts, alerts
from coordinator_tui.tui.rows import RowBuilder, SessionRow, aged
from coordinator_tui.tui.table_view import FirstPage, TableView, VisibleOrder, first_page

GAP = 2.0
"""After an analysis that took t seconds, the next starts no sooner than this × t later."""
CPU_SHARE = 0.02
"""Clock-driven re-analysis is spaced so it costs at most this share of a core."""
MAX_HOLD_S = 20.0
"""A ``hold`` (keys first) delays a wanted run at most this long."""

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class Start:
    """Start an analysis of the snapshot numbered ``generation`` now."""

    generation: int


@dataclass(frozen=True, slots=True)
class Wait:
    """Ask again (``pending_due``) in ``seconds``: the previous analysis was too recent."""

    seconds: float


class Scheduler(Generic[Row]):
    """Decides when the next analysis starts and which quick rows outlive it.

    ``monotonic`` is injected so tests can move time by hand.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, gap: float = GAP) -> None:
        self.monotonic = monotonic
        self.gap = gap
        """After a run of t seconds, the next starts no sooner than ``gap`` × t later."""
        self.generation = 0
        """Snapshots seen so far."""
        self.applied = -1
        """The generation of the analysis on screen."""
        self.busy = False
        self.again = False
        """A newer snapshot (or a clock deadline) is waiting for an analysis."""
        self.cost = 0.0
        """Seconds the last analysis took."""
        self.deadline: datetime | None = None
        self._next_start = 0.0
        self._held_until = 0.0
        self._wanted_since: float | None = None
        self._last_clock_run = -float("inf")
        self._quick: dict[str, tuple[int, Row]] = {}
        self._quick_removed: dict[str, int] = {}

    # --- analyses ---------------------------------------------------------------------

    def snapshot_arrived(self) -> int:
        self.generation += 1
        return self.generation

    def hold(self, seconds: float) -> None:
        """Keys first: no run starts within ``seconds`` from now (a user is typing; a run
        in a thread would slow every key), unless one has been wanted for ``MAX_HOLD_S``."""
        self._held_until = max(self._held_until, self.monotonic() + seconds)

    def request(self) -> Start | Wait | None:
        """An analysis is wanted: start one, wait, or (None) one is already under way."""
        if self.busy:
            self.again = True
            return None
        now = self.monotonic()
        if self._wanted_since is None:
            self._wanted_since = now
        start_at = self._next_start
        if now - self._wanted_since < MAX_HOLD_S:
            start_at = max(start_at, self._held_until)
        wait = start_at - now
        if wait > 0:
            if self.again:
                return None  # a timer is already set
            self.again = True
            return Wait(wait)
        self.busy = True
        self.again = False
        self._wanted_since = None
        return Start(self.generation)

    def pending_due(self) -> bool:
        """The ``Wait`` timer fired: True when the caller should ``request`` again."""
        if self.again and not self.busy:
            self.again = False
            return True
        return False

    def finished(self, seconds: float | None) -> bool:
        """The analysis ended (``seconds`` it took, None if it failed); True: request again."""
        self.busy = False
        if seconds is not None:
            self.cost = seconds
            self._next_start = self.monotonic() + self.gap * seconds
        if self.again:
            self.again = False
            return True
        return False

    def applied_result(self, generation: int, deadline: datetime | None) -> None:
        self.applied = generation
        self.deadline = deadline

    @property
    def up_to_date(self) -> bool:
        """A full analysis of the newest snapshot is on screen (tests, the bench)."""
        return not self.busy and not self.again and self.applied == self.generation

    def clock_due(self, now: datetime) -> bool:
        """Once a second: has a deadline passed, and may the clock re-analyse yet?"""
        if self.deadline is None or now < self.deadline or self.busy:
            return False
        gap = max(1.0, self.cost / CPU_SHARE)
        if self.monotonic() - self._last_clock_run < gap:
            return False
        self._last_clock_run = self.monotonic()
        return True

    # --- the quick path ---------------------------------------------------------------

    def quick_rows(self, rows: Iterable[tuple[str, Row]]) -> None:
        """Rows shown ahead of the analysis for the current generation."""
        for key, row in rows:
            self._quick[key] = (self.generation, row)

    def quick_removed(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._quick_removed[key] = self.generation

    def merge(self, rows: Mapping[str, Row], generation: int) -> dict[str, Row] | None:
        """``rows`` from an analysis of ``generation`` with newer quick changes laid over.

        None when no quick change is newer (``rows`` stand as they are). Quick rows
        the analysis has caught up with are forgotten.
        """
        newer = {key: row for key, (g, row) in self._quick.items() if g > generation}
        gone = {key for key, g in self._quick_removed.items() if g > generation}
        self._quick = {k: v for k, v in self._quick.items() if v[0] > generation}
        self._quick_removed = {k: g for k, g in self._quick_removed.items() if g > generation}
        if not newer and not gone:
            return None
        merged = dict(rows)
        merged.update({key: row for key, row in newer.items() if key in merged})
        for key in gone:
            merged.pop(key, None)
        return merged


@dataclass
class Result:
    """What one full analysis worker hands back to the screen."""

    engine: LiveAnalysis
    rows: dict[str, SessionRow]
    alerts: list[Alert]
    first_seen: dict[str, datetime]
    deadline: datetime | None
    seconds: float
    view: TableView
    order: VisibleOrder
    """The keys ``view`` shows, in order."""
    generation: int
    stale_alerts: StaleAlerts
    """The stale sessions' alerts in order, for the screen to keep up to date."""

    @property
    def analysis(self) -> Analysis:
        return self.engine.analysis


PAINT_WAIT_S = 0.5
"""The worker waits this long at most for the first page to be drawn."""


def analyse_for_screen(
    snapshot: Snapshot,
    now: datetime,
    settings: Settings,
    builder: RowBuilder,
    first_seen: dict[str, datetime],
    view: TableView,
    generation: int,
    early: Callable[[FirstPage], object] | None = None,
    page: int = 0,
) -> Result:
    """A full analysis and every display string, in a worker thread (``first_seen`` is
    copied). Overlaps are left to their own worker: rows first.

    ``early`` (the screen's first load) receives the first ``page`` rows as soon as the
    analysis is known, before the other rows are built (a fifth of a second at 10,000
    sessions); not when a filter is set, since it reads every row's words."""
    started = time.perf_counter()
    if early is not None and view.ordered_by_place:
        # The page first, from a whole analysis of its own; then the engine kept for updates.
        quick = analyse(snapshot, now, settings, overlaps=False)
        first = first_page(quick, builder, view, page, alerts(quick, dict(first_seen)))
        if first is not None:
            early(first)
            first.painted.wait(PAINT_WAIT_S)
    engine = LiveAnalysis(snapshot, now, settings, overlaps=False)
    analysis = engine.analysis
    seen = dict(first_seen)
    stale_alerts = StaleAlerts()
    found = stale_alerts.alerts(analysis, seen, engine.stale)
    rows = {row.key: row for row in builder.rows(analysis)}
    return Result(
        engine=engine,
        rows=rows,
        alerts=found,
        first_seen=seen,
        deadline=next_deadline(analysis),
        seconds=time.perf_counter() - started,
        view=view,
        order=VisibleOrder(view, rows.values()),
        generation=generation,
        stale_alerts=stale_alerts,
    )


REBASE_ABOVE = 2000
"""More changed paths than this at once go to a full analysis in a worker."""


def changed_paths(change: StoreChange | None) -> list[str] | None:
    """The paths a store change touched; None when it does not say (compare everything)."""
    if not change:
        return None
    return [*change.added, *change.updated, *change.removed]


@dataclass
class Delta:
    """What one live update changed on screen."""

    previous: Analysis | None
    analysis: Analysis
    news: Changes
    rows: list[SessionRow]
    """Changed rows the view shows (new or re-placed)."""
    leaving: list[str]
    """Keys that left the view (deleted, or filtered out now)."""
    stale_moved: bool
    """A session went stale or stopped being stale (the alerts list them)."""
    deadline: datetime | None


class LiveFeed:
    """The live path without Textual: changed files → live analysis → rows → visible order.

    The screen holds one; its table and panels follow the ``Delta`` each update returns.
    Work per update follows what changed: the live analysis re-reads the changed
    sessions, rows are built for the views that changed, and the visible order
    re-places those rows only.
    """

    def __init__(self, builder: RowBuilder) -> None:
        self.builder = builder
        self.engine: LiveAnalysis | None = None
        self.rows: dict[str, SessionRow] = {}
        self.order: VisibleOrder | None = None
        self._due: list[tuple[float, str]] = []
        self.pending: set[str] | None = set()
        """Paths changed since the running full analysis took its snapshot (None: unknown)."""

    def remember(self, paths: list[str] | None) -> None:
        if paths is None or self.pending is None:
            self.pending = None
        else:
            self.pending.update(paths)

    def take_pending(self) -> set[str] | None:
        pending, self.pending = self.pending, set()
        return pending

    def install(self, result: Result) -> None:
        """A full analysis landed: its engine, rows and order replace the current ones."""
        self.engine = result.engine
        self.rows = result.rows
        self.order = result.order
        self._due = [(row.age_due, key) for key, row in self.rows.items()]
        heapq.heapify(self._due)

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

    def update(
        self, snapshot: Snapshot, now: datetime, paths: Iterable[str] | None
    ) -> Delta | None:
        """Apply changed files; None before the first full analysis."""
        engine = self.engine
        if engine is None:
            return None
        previous = engine.analysis
        update = engine.update(snapshot, now, paths, overlaps=False)
        stale_moved = False
        fresh = []
        for key in update.removed:
            old = self.rows.pop(key, None)
            stale_moved |= old is not None and old.health is Health.STALE
        for key in update.touched:
            view = engine.view(key)
            if view is None:
                continue
            old = self.rows.get(key)
            row = self.builder.row(view, now)
            stale_moved |= (old is not None and old.health is Health.STALE) or (
                row.health is Health.STALE
            )
            self.rows[key] = row
            heapq.heappush(self._due, (row.age_due, key))
            fresh.append(row)
        leaving = [key for key in update.removed]
        rows = fresh
        if self.order is not None:
            leaving += [row.key for row in fresh if row.key in self.order]
            self.order.update(fresh, update.removed)
            leaving = [key for key in leaving if key not in self.order]
            rows = [row for row in fresh if row.key in self.order]
        deadline = next_deadline(update.analysis)
        return Delta(previous, update.analysis, update.news, rows, leaving, stale_moved, deadline)
