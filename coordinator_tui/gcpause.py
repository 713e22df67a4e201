"""Pausing the cyclic garbage collector around bulk work.

A cold scan builds tens of thousands of records that live on. None of them
form reference cycles, yet each burst of allocations triggers collector passes
that walk every young object again (about a tenth of a cold scan at 10,000
sessions). Reference
counting still frees everything as usual while the pause lasts.

The collector's switch is process-wide and the dashboard scans and analyses
from worker threads, so pauses are counted under a lock: the first pause
switches the collector off, the last one to end switches it back on (if it
was on before the first began). Overlapping pauses from two threads therefore
never leave it off, nor switch it on under a pause still running.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """How many pauses are running, and what to restore when the last one ends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.restore = False

    def begin(self) -> None:
        with self.lock:
            if self.depth == 0:
                self.restore = gc.isenabled()
                gc.disable()
            self.depth += 1

    def end(self) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth == 0 and self.restore:
                gc.enable()


_PAUSES = _Pauses()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block; the last pause to end restores the state
    the collector had before the first began (a caller's own ``gc.disable()`` is kept)."""
    _PAUSES.begin()
    try:
        yield
    finally:
        _PAUSES.end()


FREEZE_FROM_RECORDS = 2000
"""Below this many records a full collection is quick: nothing is frozen."""


def freeze_survivors(records: int) -> None:
    """Move every object alive now out of the collector's sight (``gc.freeze``), when
    ``records`` (the store's) make it worth it.

    Called by the dashboard once its first analysis is on screen: the records, rows
    and views of a big directory (hundreds of thousands of objects at 10,000
    sessions) live on, and each full collection would walk them all again — a pause
    of tens of milliseconds between a key and its effect. Reference counting still
    frees them when they are replaced; what is frozen is only never searched for
    reference cycles, and records and views have none.
    """
    if records >= FREEZE_FROM_RECORDS:
        gc.freeze()
