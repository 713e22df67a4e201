"""The overlap search, kept off the dashboard's GIL: spaced, and in a child process.

The child speaks one JSON line in, one JSON line out.

At 10,000 sessions the similarity search over every distinct work takes a
fifth of a second of pure Python; in a thread it holds the GIL the dashboard
needs for keys and paint. A plain child process (``python -m`` this module,
pipes only: it never touches the terminal) runs it on the other core. It
exits when its input closes.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from types import SimpleNamespace
from typing import cast

from coordinator_tui.analysis.results import Health, Overlap, SessionView
from coordinator_tui.analysis.sessions import OverlapResult, find_overlaps


class _Work:
    """What the overlap search reads of a session view, and nothing else (cheap to send)."""

    __slots__ = ("health", "id", "placeholder", "session", "work_key")

    def __init__(self, session_id: str, work_key: str, work: str) -> None:
        self.id = session_id
        self.work_key = work_key
        self.session = SimpleNamespace(current_work=work)
        self.health = Health.WORKING
        self.placeholder = False


def overlap_items(views: Iterable[SessionView]) -> list[tuple[str, str, str]]:
    """The live views as plain (id, work key, work) tuples for ``search_items``."""
    return [(view.id, view.work_key, view.session.current_work or "") for view in views]


def search_items(items: list[tuple[str, str, str]], threshold: float) -> OverlapResult:
    """``find_overlaps`` over plain tuples: runs in another process for big directories,
    so the search does not hold the dashboard's GIL."""
    works = [_Work(*item) for item in items]
    return find_overlaps(cast("list[SessionView]", works), threshold)


def encode(threshold: float, items: list[tuple[str, str, str]]) -> str:
    return json.dumps([threshold, items]) + "\n"


def decode(line: str) -> OverlapResult:
    overlaps, found, capped = json.loads(line)
    return tuple(Overlap(**item) for item in overlaps), int(found), bool(capped)


def main() -> int:
    for line in sys.stdin:
        threshold, items = json.loads(line)
        overlaps, found, capped = search_items([tuple(item) for item in items], threshold)
        sys.stdout.write(json.dumps([[asdict(o) for o in overlaps], found, capped]) + "\n")
        sys.stdout.flush()
    return 0


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
        """The search itself (in the worker); over ``PROCESS_ABOVE`` live works in a
        process of its own, so the search does not hold the GIL the screen needs."""
        started = time.perf_counter()
        result = None
        if len(live) > PROCESS_ABOVE:
            with contextlib.suppress(OSError, ValueError):  # no child: search here instead
                result = _SEARCH.run(overlap_items(live), threshold)
        if result is None:
            result = find_overlaps(live, threshold)
        self.cost = time.perf_counter() - started
        self._next = self.monotonic() + OVERLAP_GAP * self.cost
        return result


PROCESS_ABOVE = 2000
"""Live works above which overlaps are searched in a separate process."""


class SearchProcess:
    """The overlap search's child process (``analysis.live.search``), started on first use
    and kept for the app's life; pipes only, stderr discarded."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()

    def run(self, items: list[tuple[str, str, str]], threshold: float) -> OverlapResult:
        with self.lock:
            process = self.process
            if process is None or process.poll() is not None:
                command = [sys.executable, "-m", "coordinator_tui.analysis.live.search"]
                process = self.process = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
                atexit.register(process.kill)
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(encode(threshold, items))
            process.stdin.flush()
            line = process.stdout.readline()
            if not line:
                raise OSError("the overlap search process ended")
            return decode(line)


_SEARCH = SearchProcess()


if __name__ == "__main__":
    raise SystemExit(main())
