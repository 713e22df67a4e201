"""The one owner of a directory's background I/O: watch it, feed its store, report batches.

Runs inside one watcher worker per collective. Store reads go to a thread
(``asyncio.to_thread``) one batch at a time, so the store is only ever touched
from one place. The root may vanish and come back: while it is
missing we watch its nearest existing parent (not recursively) until it
reappears, then rescan. If the operating system refuses native watching (the
inotify watch limit), we fall back to polling and say so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from textual.message import Message
from watchfiles import awatch

from coordinator_tui.gcpause import freeze_survivors
from coordinator_tui.store import Snapshot, Store, StoreChange
from coordinator_tui.tui.events import DirectoryChanged, WatchStatus

DEBOUNCE_MS = 100
STEP_MS = 30
CHECK_MS = 1000
"""How often a quiet watch wakes up to check that the root is still the same folder."""
DEFAULT_POLL_MS = 500
INDEX_EVERY_S = 30.0
"""How often the names followed from file events are written to the history index."""
DELIVERY_MARGIN_NS = 500_000_000
"""Events for changes this long before a batch (or a quiet tick) arrive in it or earlier."""
CATCH_UP_WAIT_S = 10.0
"""The watch starts once the first analysis is on screen, or after this long."""

Identity = tuple[int, int]


def identity(path: Path) -> Identity | None:
    """The folder's (device, inode), or None when it is not there."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if os.path.isdir(path) else None


def nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return Path(path.anchor or "/")


class DirectoryWatcher:
    """Watches ``store.root``; ``post`` receives ``DirectoryChanged`` and ``WatchStatus``
    naming ``collective``."""

    def __init__(
        self,
        store: Store,
        post: Callable[[Message], object],
        poll_ms: int | None,
        collective: int = 0,
    ) -> None:
        self.store = store
        self.post = post
        self.collective = collective
        self.polling = poll_ms is not None
        self.poll_ms = poll_ms or DEFAULT_POLL_MS
        self.fallback_reason = ""
        self.shown = asyncio.Event()
        self.stopping = threading.Event()
        """Set by ``stop``: the native watch ends at its next step. Cancelling alone is
        not enough: the watch runs in a thread that a cancel waits for, and under heavy
        load it was seen not to come back (a test and a clean-clone CI run hung there)."""
        """Set by the screen once the first analysis is on screen: the watch's catch-up
        rescan waits for it (at most ``CATCH_UP_WAIT_S``) instead of competing with it."""

    def _scan(self) -> tuple[StoreChange, Snapshot]:
        change = self.store.scan() if self.store.exists else self.store.apply([""])
        return change, self.store.snapshot()

    def _apply(self, paths: list[str]) -> tuple[StoreChange, Snapshot]:
        return self.store.apply(paths), self.store.snapshot()

    def _changed(self, snapshot: Snapshot, change: StoreChange | None = None) -> None:
        self.post(DirectoryChanged(snapshot, change, self.collective))

    def _status(self, mode: str, note: str) -> None:
        self.post(WatchStatus(mode, note, self.collective))

    def stop(self) -> None:
        """End the watch (from any thread); ``run`` returns at the watch's next step."""
        self.stopping.set()

    async def run(self) -> None:
        """Watch until cancelled or stopped."""
        root = self.store.root
        while not self.stopping.is_set():
            # Every message carries what changed (the screen applies only that), even
            # when newer messages collapse it into theirs.
            if identity(root) is None:
                change, snapshot = await asyncio.to_thread(self._scan)
                self._changed(snapshot, change)
                self._status("waiting", f"waiting for {root}")
                await self._wait_for(root)
                continue
            started = identity(root)
            first = await asyncio.to_thread(self.store.scan_sessions_first)
            if first is not None:  # a large history: sessions paint before it is listed
                self._changed(first)
            change, snapshot = await asyncio.to_thread(self._scan)
            self._changed(snapshot, change)
            self._status("polling" if self.polling else "native", self.fallback_reason)
            try:
                await self._watch(root, started)
            except OSError as error:
                if self.polling:
                    raise
                # Typically "OS file watch limit reached": polling still works.
                self.polling = True
                self.fallback_reason = f"native file watching failed ({error}); polling instead"

    def _awatch(self, path: Path, recursive: bool) -> object:
        return awatch(
            path,
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            rust_timeout=CHECK_MS,
            yield_on_timeout=True,
            force_polling=self.polling,
            poll_delay_ms=self.poll_ms,
            recursive=recursive,
            ignore_permission_denied=True,
            stop_event=self.stopping,
        )

    async def _watch(self, root: Path, started: Identity | None) -> None:
        settled = False
        indexed_at = time.monotonic()
        # Setting up the watch holds the interpreter for a while (anyio's first use, the
        # native watcher over every entry: 60 ms at 10,000 sessions): after the first
        # analysis is on screen, not before it. The catch-up rescan below finds what
        # changed meanwhile.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.shown.wait(), CATCH_UP_WAIT_S)
        async for changes in self._awatch(root, recursive=True):  # type: ignore[attr-defined]
            delivered_ns = time.time_ns() - self._margin_ns()
            if not settled:
                # The watch is only in place once awatch has yielded (a batch, or the
                # first one-second timeout); a rescan catches what changed before that.
                settled = True
                change, snapshot = await asyncio.to_thread(self._scan)
                if change:
                    self._changed(snapshot, change)
                # bench_live --off freeze: key p95 under 200 rewrites/s at 10k 42 ms, 55 without.
                freeze_survivors(len(snapshot.sessions) + len(snapshot.heartbeats))
            gone = False
            if changes:
                paths = sorted({path for _, path in changes})
                change, snapshot = await asyncio.to_thread(self._apply, paths)
                self._changed(snapshot, change)
                # The root's own deletion, or a batch applied while it was missing: the
                # folder there now (if any) is a new one even when the file system gave
                # it the old inode number back, and this watch no longer sees it.
                gone = os.path.abspath(root) in map(os.path.abspath, paths) or not snapshot.exists
            if gone or identity(root) != started:
                return  # deleted, or replaced by a new folder: start over
            if time.monotonic() - indexed_at >= INDEX_EVERY_S:
                indexed_at = time.monotonic()
                # Every event up to ``delivered_ns`` is applied: the next start reads the
                # names from the index instead of listing them.
                await asyncio.to_thread(self.store.index_keeper.save, delivered_ns)

    def _margin_ns(self) -> int:
        """Polling sees a change up to one interval late."""
        return max(DELIVERY_MARGIN_NS, 2 * self.poll_ms * 1_000_000 if self.polling else 0)

    async def _wait_for(self, root: Path) -> None:
        while identity(root) is None and not self.stopping.is_set():
            parent = nearest_existing(root.parent)
            async for _ in self._awatch(parent, recursive=False):  # type: ignore[attr-defined]
                if identity(root) is not None or not parent.is_dir():
                    break
