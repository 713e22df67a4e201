"""A big history folder listed and summarised on the other core, for one-shot commands.

``status`` and ``report`` need only each history folder's count and window (the
newest files of each session, the newest messages), which is what the index keeps
(``FolderSummary``). On a first run there is no index yet: listing a month of
heartbeat events (a quarter of a million names) and choosing its window is most of
the run. So each big folder (``heartbeats``, ``messages/broadcast``) is listed by a
forked child (``prefetch.fork_call``) with the very same ``HistoryWindow`` code, and
only its summary comes back: a count and a few hundred names. Meanwhile the parent
lists the other folders. The parent never holds the quarter of a million names.

Nothing is lost: no fork (another thread runs, no ``os.fork``), a child that fails or
dies, or a result that is not a whole summary of that folder, and the parent lists
the folder itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from coordinator_tui.history.index import FolderSummary, HistoryIndex, fresh_summary
from coordinator_tui.prefetch import Forked, can_fork, fork_call

if TYPE_CHECKING:
    from coordinator_tui.files.records import FileError
    from coordinator_tui.history.window import HistoryWindow

# Only what ``start_early`` needs is imported above: a one-shot command forks before the
# store's modules load. What a child needs it imports after the fork.
HEARTBEATS_PER_SESSION = 20
"""Heartbeat events parsed per session (the newest); the analyses that look back (work
started, time spent waiting) see this many."""
NEWEST_MESSAGES = 200
"""Messages parsed at start (the newest, broadcast and direct together)."""
BIG_FOLDERS = ("heartbeats", "messages/broadcast")
"""The folders that grow with time (one file per beat, per broadcast)."""
FORK_FROM_BYTES = 256 * 1024
"""A folder whose own size (``st_size``: on ext4 about 80 bytes a name) is below this
is listed here: a few thousand names list quicker than a fork."""


_EARLY: dict[tuple[str, str, int, int], Forked] = {}
"""Children ``start_early`` forked, until the store's listing takes them: by resolved
root, folder and the window's sizes."""


def start_early(root: str, per_session: int, newest_messages: int) -> None:
    """For a one-shot command, before the analysis modules load (a tenth of a second on
    the other core): the children of the big folders the index will not answer for."""
    if not can_fork():
        return
    index = HistoryIndex(Path(root))
    try:
        summaries = index.load()
    finally:
        index.close()
    stale = [folder for folder in BIG_FOLDERS if fresh_summary(summaries, root, folder) is None]
    for folder, child in _fork_for(root, stale, per_session, newest_messages).items():
        _EARLY[(os.path.realpath(root), folder, per_session, newest_messages)] = child


def start(root: str, folders: list[str], window: HistoryWindow) -> dict[str, Forked]:
    """A child per big folder among ``folders``, summarising it as ``window`` would (one
    ``start_early`` forked already, or a new one)."""
    sizes = (window.per_session, window.newest_messages)
    started = {}
    if _EARLY:
        real = os.path.realpath(root)
        for folder in folders:
            early = _EARLY.pop((real, folder, *sizes), None)
            if early is not None:
                started[folder] = early
    if can_fork():
        rest = [folder for folder in folders if folder not in started]
        started.update(_fork_for(root, rest, *sizes))
    return started


def _fork_for(
    root: str, folders: list[str], per_session: int, newest_messages: int
) -> dict[str, Forked]:
    started = {}
    for folder in folders:
        if folder in BIG_FOLDERS and _size(os.path.join(root, folder)) >= FORK_FROM_BYTES:
            child = fork_call(summarise, root, folder, per_session, newest_messages)
            if child is not None:
                started[folder] = child
    return started


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def summarise(
    root: str, folder: str, per_session: int, newest_messages: int
) -> FolderSummary | FileError | None:
    """``folder`` listed: its summary, why it could not be listed, or None (it is not
    there)."""
    from coordinator_tui.files.layout import leads_out
    from coordinator_tui.history.names import kind_of_folder
    from coordinator_tui.history.window import HistoryWindow

    if kind_of_folder(folder) == "heartbeat" and leads_out(root, folder) is None:
        quick = _beats_as_listed(os.path.join(root, folder), per_session)
        if quick is not None:
            return quick
    window = HistoryWindow(per_session, newest_messages)
    errors = window.relist(root, folder)
    if folder in errors:
        return errors[folder]
    return window.summaries().get(folder)


def _beats_as_listed(path: str, per_session: int) -> FolderSummary | None:
    """A heartbeat folder's summary straight from its listing when every name has the
    usual shape (no set of a quarter of a million names is built); None otherwise."""
    from coordinator_tui.history.names import newest_of_each

    try:
        mtime_ns = os.stat(path).st_mtime_ns
        names = os.listdir(path)
    except OSError:
        return None  # the window's own listing says why
    newest = newest_of_each(names, per_session)
    if newest is None:
        return None
    window = sorted(name for group in newest.values() for name in group)
    return FolderSummary(mtime_ns, len(names), tuple(window))


def collect(child: Forked, folder: str) -> FolderSummary | FileError | None:
    """What the child found for ``folder``; None when it found nothing whole (then the
    caller lists the folder itself: a folder that is not there is then found so too)."""
    from coordinator_tui.files.records import FileError

    found = child.result()
    if isinstance(found, FileError) and found.path == folder:
        return found
    if not isinstance(found, FolderSummary):
        return None
    whole = (
        type(found.mtime_ns) is int
        and type(found.count) is int
        and isinstance(found.names, tuple)
        and all(type(name) is str for name in found.names)
    )
    return found if whole else None
