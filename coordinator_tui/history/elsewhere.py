"""A big history folder listed and summarised on the other core, for one-shot commands.

``status`` and ``report`` need only each history folder's count and window (the
newest files of each session, the newest messages), which is what the index keeps
(``FolderSummary``). On a first run there is no index yet: listing a month of
heartbeat events (a quarter of a million names) and choosing its window is most of
the run. So the biggest folder (``heartbeats``, ``messages/broadcast``: one per spare
core) is listed by a forked child — started by ``history.early`` before the parser
loads, or here — and only its summary comes back: a count and a few hundred names.
Meanwhile the parent summarises the others the same way itself. The parent never
holds the quarter of a million names.

Nothing is lost: no fork (another thread runs, no ``os.fork``), a child that fails or
dies, or a result that is not a whole summary of that folder, and the parent lists
the folder itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from coordinator_tui.history.early import (
    BIG_FOLDERS,
    HEARTBEATS_PER_SESSION,
    LOOKED,
    NEWEST_MESSAGES,
    STARTED,
    can_fork,
    quick_summary,
    spare_cores,
    start_children,
    taken,
)
from coordinator_tui.history.index import FolderSummary, HistoryIndex, fresh_summary
from coordinator_tui.prefetch import Forked

if TYPE_CHECKING:
    from coordinator_tui.files.records import FileError
    from coordinator_tui.history.window import HistoryWindow

__all__ = ["BIG_FOLDERS", "HEARTBEATS_PER_SESSION", "NEWEST_MESSAGES", "collect", "start"]


def start_early(root: str, per_session: int, newest_messages: int) -> None:
    """For a one-shot command, before the analysis modules load (a tenth of a second on
    the other core): the children of the big folders the index will not answer for (a
    folder already given to a child is not given again; a directory is looked at once
    until the store's listing)."""
    real = os.path.realpath(root)
    if (real, per_session, newest_messages) in LOOKED:
        return
    LOOKED.add((real, per_session, newest_messages))
    started = {key[1] for key in STARTED if key[0] == real}
    todo = [folder for folder in BIG_FOLDERS if folder not in started]
    if not todo or spare_cores() <= len(started) or not can_fork():
        return
    index = HistoryIndex(Path(root))
    try:
        summaries = index.load()
    finally:
        index.close()
    stale = [folder for folder in todo if fresh_summary(summaries, root, folder) is None]
    start_children(root, stale, per_session, newest_messages)


def start(root: str, folders: list[str], window: HistoryWindow) -> dict[str, Forked]:
    """The children summarising big folders among ``folders`` as ``window`` would: those
    started early, and new ones where a spare core is left."""
    sizes = (window.per_session, window.newest_messages)
    LOOKED.clear()
    start_children(root, folders, *sizes)
    return {folder: Forked(*child) for folder, child in taken(root, folders, *sizes).items()}


def summarise(
    root: str, folder: str, per_session: int, newest_messages: int
) -> FolderSummary | FileError | None:
    """``folder`` listed: its summary, why it could not be listed, or None (it is not
    there). From the listing alone when every name has the usual shape."""
    quick = quick_summary(root, folder, per_session, newest_messages)
    if quick is not None:
        return FolderSummary(*quick)
    from coordinator_tui.history.window import HistoryWindow

    window = HistoryWindow(per_session, newest_messages)
    errors = window.relist(root, folder)
    if folder in errors:
        return errors[folder]
    return window.summaries().get(folder)


def collect(child: Forked, folder: str) -> FolderSummary | FileError | None:
    """What the child found for ``folder``; None when it found nothing whole (then the
    caller lists the folder itself: a folder that is not there is then found so too)."""
    from coordinator_tui.files.records import FileError

    found = child.result()
    if isinstance(found, FileError) and found.path == folder:
        return found
    if isinstance(found, tuple) and len(found) == 3:
        found = FolderSummary(*found)  # ``history.early.quick_summary``'s
    if not isinstance(found, FolderSummary):
        return None
    whole = (
        type(found.mtime_ns) is int
        and type(found.count) is int
        and isinstance(found.names, tuple)
        and all(type(name) is str for name in found.names)
    )
    return found if whole else None
