"""When the dashboard searches overlaps: one search at a time, spaced by its cost.

At 10,000 sessions the similarity search over every distinct work takes a
fifth of a second of pure Python; it runs in a worker while the rows are on
screen, and the next search waits a multiple of the last one's cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from coordinator_tui.analysis.results import SessionView
from coordinator_tui.analysis.sessions import OverlapResult, find_overlaps

OVERLAP_GAP = 8.0
"""After an overlap search of t seconds the next waits 8 × t: overlaps are alerts, not
rows, and the search holds the GIL the table and the keys need."""


class OverlapSearch:
    """One overlap search at a time, the next no sooner than ``GAP`` × its cost later.

    The search runs in a worker thread but holds the GIL while it runs; spacing
    the searches leaves the screen most of the time under a stream of edits.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self.busy = False
        self.timer = False
        self.cost = 0.0
        self._next = 0.0

    def hold(self, seconds: float) -> None:
        """No search before ``seconds`` from now (the first screen paints first)."""
        self._next = max(self._next, self.monotonic() + seconds)

    def wait(self) -> float | None:
        """0: start now (marked busy); > 0: set a timer for that long; None: nothing to do
        (a search is running or a timer is set)."""
        if self.busy or self.timer:
            return None
        wait = self._next - self.monotonic()
        if wait > 0:
            self.timer = True
            return wait
        self.busy = True
        return 0.0

    def run(self, live: list[SessionView], threshold: float) -> OverlapResult:
        """The search itself (in the worker)."""
        started = time.perf_counter()
        result = find_overlaps(live, threshold)
        self.cost = time.perf_counter() - started
        self._next = self.monotonic() + OVERLAP_GAP * self.cost
        return result
