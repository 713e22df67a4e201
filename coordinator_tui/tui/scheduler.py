"""When the next full analysis (or acting run) of a collective starts, without Textual.

Full analyses (the first load, mass changes) and the coordinator's decisions run in
worker threads; this decides when, with plain numbers a test can move by hand:

- one run at a time; a snapshot that arrives meanwhile is analysed next
  (newest wins, never a queue of stale ones);
- after a run that took t seconds the next starts no sooner than ``gap × t``
  later, so back-to-back runs over a big directory do not hold the interpreter
  the screen needs (the live path shows edited rows meanwhile);
- snapshots are numbered (generations), so the screen knows whether what it
  shows is a full analysis of the newest one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

GAP = 2.0
"""After an analysis that took t seconds, the next starts no sooner than this × t later."""
MAX_HOLD_S = 20.0
"""A ``hold`` (keys first) delays a wanted run at most this long."""


@dataclass(frozen=True, slots=True)
class Start:
    """Start a run over the snapshot numbered ``generation`` now."""

    generation: int


@dataclass(frozen=True, slots=True)
class Wait:
    """Ask again (``pending_due``) in ``seconds``: the previous run was too recent."""

    seconds: float


class Scheduler:
    """Decides when the next run starts; ``monotonic`` is injected for tests."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, gap: float = GAP) -> None:
        self.monotonic = monotonic
        self.gap = gap
        """After a run of t seconds, the next starts no sooner than ``gap`` × t later."""
        self.generation = 0
        """Snapshots seen so far."""
        self.applied = -1
        """The generation of the result on screen."""
        self.busy = False
        self.again = False
        """A newer snapshot is waiting for a run."""
        self.cost = 0.0
        """Seconds the last run took."""
        self.deadline: datetime | None = None
        """When the clock alone next changes what the screen shows (stale, gone)."""
        self._next_start = 0.0
        self._held_until = 0.0
        self._wanted_since: float | None = None

    def snapshot_arrived(self) -> int:
        self.generation += 1
        return self.generation

    def hold(self, seconds: float) -> None:
        """Keys first: no run starts within ``seconds`` from now (a user is typing; a run
        in a thread would slow every key), unless one has been wanted for ``MAX_HOLD_S``."""
        self._held_until = max(self._held_until, self.monotonic() + seconds)

    def request(self) -> Start | Wait | None:
        """A run is wanted: start one, wait, or (None) one is already under way."""
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
        """The run ended (``seconds`` it took, None if it failed); True: request again."""
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
        """A result of the newest snapshot is on screen (tests, the bench)."""
        return not self.busy and not self.again and self.applied == self.generation
