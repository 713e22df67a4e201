"""Keys first: threads working for the screen step aside while a key is handled.

The dashboard's worker threads (the coordinator's decisions, the file watcher's reading)
share one interpreter with the thread that handles keys and draws, and Python hands the
interpreter from one thread to the other every ``sys.getswitchinterval()``: a key handled
while a worker computes took about twice its idle time (key → screen p95 10 ms idle,
18-26 ms under 200 rewrites a second at 10,000 sessions). The app calls
``KEYS.pressed()`` for each key it takes; a worker calls ``KEYS.step_aside()`` between
pieces of its work, and sleeps (the interpreter stays with the screen) until no key came
for ``QUIET_S``. Without a screen nobody presses: a step aside is one clock reading.
"""

from __future__ import annotations

import time

QUIET_S = 0.06
"""A key's handling and the frame that shows it, at 10,000 sessions, with room."""
ASIDE_AT_MOST_S = 0.5
"""A held key (auto-repeat) never stops a worker for longer than this at a time."""


class Keys:
    """When the last key came (``pressed``), for the workers to keep out of its way."""

    def __init__(self) -> None:
        self.last = float("-inf")

    def pressed(self) -> None:
        self.last = time.monotonic()

    def step_aside(self) -> float:
        """Sleep while a key came less than ``QUIET_S`` ago (``ASIDE_AT_MOST_S`` at most);
        the seconds slept."""
        start = now = time.monotonic()
        while (left := self.last + QUIET_S - now) > 0 and now - start < ASIDE_AT_MOST_S:
            time.sleep(min(left, 0.02))
            now = time.monotonic()
        return now - start


KEYS = Keys()
"""The process's keys (one screen a process)."""
