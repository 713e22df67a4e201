"""Keeping the history index current from what a long-running process holds.

``status`` writes the index after listing the folders; a dashboard or ``run`` that
stays up knows more: ``run`` lists every folder each cycle, and the dashboard
follows every file event. ``IndexKeeper.save`` writes that knowledge, so the next
start of any command reads the index instead of listing a quarter of a million
names again.

Correctness is the index's own rule (``FolderSummary.fresh``): a folder is trusted
only while its mtime is the recorded one, and only when that mtime was at least
``SETTLED_NS`` older than the moment it was recorded. For names followed through
file events one more condition holds: the folder's mtime must be older than the
moment up to which every event has been applied (``complete_before_ns``, which the
watcher knows); a folder changed after that is left for the next save.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from coordinator_tui.history.index import SETTLED_NS, FolderSummary, HistoryIndex
from coordinator_tui.history.names import kind_of_folder, newest_messages_of
from coordinator_tui.history.window import HistoryWindow


class IndexKeeper:
    """Writes the index of ``root`` from ``window`` when its names changed."""

    def __init__(self, window: HistoryWindow, root: str) -> None:
        self.window = window
        self.root = root
        self.saved_version = -1
        """``window.version`` when the index last took every folder (nothing to add)."""
        self.saves = 0

    def save(self, complete_before_ns: int | None = None) -> bool:
        """Write the index; False when nothing was written (no change since, a history too
        small for an index, a directory that cannot be written, another writer).

        ``complete_before_ns`` None: the last listing saw every folder (``run``'s
        cycles list them all). Otherwise the names were kept by file events, all of
        them applied up to that moment (the dashboard's watcher)."""
        version, whole = self.window.version, True
        if version == self.saved_version:
            return False
        if complete_before_ns is None:
            summaries = self.window.summaries()
        else:
            settled = time.time_ns() - SETTLED_NS  # trusted later only when this old
            summaries, whole = followed_summaries(
                self.window, self.root, min(complete_before_ns, settled)
            )
        if not summaries:
            return False
        index = HistoryIndex.open(Path(self.root))
        try:
            saved = index.save(summaries, set())
        finally:
            index.close()
        if saved:
            self.saves += 1
            if whole:
                self.saved_version = version
        return saved


def followed_summaries(
    window: HistoryWindow, root: str, complete_before_ns: int
) -> tuple[dict[str, FolderSummary], bool]:
    """The folders as file events have kept their names, as the index keeps them; and
    whether every folder could be given.

    Only folders whose mtime is at most ``complete_before_ns`` are given: every event for
    a change up to then has been applied, so the names are those the folder holds. A
    folder the window took from the index (its window names only) is left out. The
    window names are what a listing would choose: for a heartbeat folder the live
    window's (the newest of each session, and the names without a stamp); for a message
    folder its own newest messages (the window keeps the newest of all folders)."""
    with window.lock:
        selection = window.selection()
        found = {}
        whole = True
        for folder, names in window.folders.items():
            if window.summarised(folder):
                whole = False
                continue
            try:
                mtime_ns = os.stat(os.path.join(root, folder)).st_mtime_ns
            except OSError:
                whole = False
                continue
            if mtime_ns > complete_before_ns:
                whole = False  # changed too recently: the next save takes it
                continue
            if kind_of_folder(folder) == "heartbeat":
                prefix = folder + "/"
                chosen = [p[len(prefix) :] for p in selection if p.startswith(prefix)]
                chosen = [name for name in chosen if "/" not in name]
            else:
                chosen = _newest_messages(names, window.newest_messages)
            found[folder] = FolderSummary(mtime_ns, len(names), tuple(sorted(chosen)))
        return found, whole


def _newest_messages(names: set[str], limit: int) -> list[str]:
    """What ``HistoryWindow`` chooses of one message folder: its newest ``limit`` stamped
    names (the usual shape sorts by time) and every name without a stamp."""
    own, unstamped = newest_messages_of(names, limit)
    return [name for _, name in own] + unstamped
