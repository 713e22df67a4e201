"""What to recompute when: the dashboard's analysis scheduler, without Textual.

The screen owns the widgets; this owns the decisions, so they can be tested
with plain numbers instead of a running app:

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

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.analysis.deadlines import next_deadline
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot
from coordinator_tui.tui.panels import Alert, alerts
from coordinator_tui.tui.rows import RowBuilder, SessionRow
from coordinator_tui.tui.table_view import TableView

GAP = 2.0
"""After an analysis that took t seconds, the next starts no sooner than this × t later."""
CPU_SHARE = 0.02
"""Clock-driven re-analysis is spaced so it costs at most this share of a core."""

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

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
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
        self._last_clock_run = -float("inf")
        self._quick: dict[str, tuple[int, Row]] = {}
        self._quick_removed: dict[str, int] = {}

    # --- analyses ---------------------------------------------------------------------

    def snapshot_arrived(self) -> int:
        self.generation += 1
        return self.generation

    def request(self) -> Start | Wait | None:
        """An analysis is wanted: start one, wait, or (None) one is already under way."""
        if self.busy:
            self.again = True
            return None
        wait = self._next_start - self.monotonic()
        if wait > 0:
            if self.again:
                return None  # a timer is already set
            self.again = True
            return Wait(wait)
        self.busy = True
        self.again = False
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
            self._next_start = self.monotonic() + GAP * seconds
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
    """What one analysis worker hands back to the screen."""

    analysis: Analysis
    rows: dict[str, SessionRow]
    alerts: list[Alert]
    first_seen: dict[str, datetime]
    deadline: datetime | None
    seconds: float
    visible: list[SessionRow] | None
    """The rows for ``view``, in order; None when they must be computed again."""
    view: TableView
    generation: int


def analyse_for_screen(
    snapshot: Snapshot,
    now: datetime,
    settings: Settings,
    builder: RowBuilder,
    first_seen: dict[str, datetime],
    view: TableView,
    generation: int,
) -> Result:
    """The analysis and every display string, in a worker thread (``first_seen`` is copied)."""
    started = time.perf_counter()
    analysis = analyse(snapshot, now, settings)
    rows = {row.key: row for row in builder.rows(analysis)}
    seen = dict(first_seen)
    found = alerts(analysis, seen)
    return Result(
        analysis=analysis,
        rows=rows,
        alerts=found,
        first_seen=seen,
        deadline=next_deadline(analysis),
        seconds=time.perf_counter() - started,
        visible=view.visible(rows.values()),
        view=view,
        generation=generation,
    )
