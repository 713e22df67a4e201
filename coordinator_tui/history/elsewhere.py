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
from collections.abc import Sequence
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


_LOOKED: set[tuple[str, int, int]] = set()
"""Directories (and window sizes) ``start_early`` looked at, until the store's listing
(``start``): ``__main__`` and ``cli`` both ask, the index is read once."""


def start_early(root: str, per_session: int, newest_messages: int) -> None:
    """For a one-shot command, before the analysis modules load (a tenth of a second on
    the other core): the children of the big folders the index will not answer for (a
    folder already given to a child is not given again)."""
    real = os.path.realpath(root)
    if (real, per_session, newest_messages) in _LOOKED:
        return  # once a run: the index read again would say the same
    _LOOKED.add((real, per_session, newest_messages))
    started = [key for key in _EARLY if key[0] == real]
    todo = [folder for folder in BIG_FOLDERS if folder not in {key[1] for key in started}]
    room = spare_cores() - len(started)
    if not todo or room <= 0 or not can_fork():
        return
    index = HistoryIndex(Path(root))
    try:
        summaries = index.load()
    finally:
        index.close()
    stale = [folder for folder in todo if fresh_summary(summaries, root, folder) is None]
    for folder, child in _fork_for(root, stale, per_session, newest_messages, room).items():
        _EARLY[(real, folder, per_session, newest_messages)] = child


def spare_cores() -> int:
    """Children worth running beside this process: one per core it may use but its own
    (at least one). On two cores a second child only slowed the first."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


_COMMON = frozenset(
    {"--now", "--stale-after", "--gone-after", "--overlap-threshold", "--max-file-bytes"}
)
OPTIONS = {
    "status": (_COMMON, frozenset({"--json", "--pretty", "--check", "--line", "--tmux"})),
    "report": (_COMMON | {"-o", "--output"}, frozenset()),
}
"""By command: (the options that take a value, the flags); a test holds these to the
commands' parsers."""


def start_for_command(arguments: Sequence[str]) -> None:
    """``status ...`` or ``report ...``: ``start_early`` for its directory before even the
    command line's parser loads (``__main__``; the children then list for the 50 ms the
    parser and the settings take). Only a command line read with certainty: an option
    not known here, ``--``, or several directories, and the parser's own call (``cli``)
    starts them instead."""
    if arguments[0] not in OPTIONS:
        return
    given = _directory_given(arguments[1:], *OPTIONS[arguments[0]])
    if given is None:
        return
    from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory

    try:
        root = resolve_directory(given or None, must_exist=True)
    except (DirectoryNotFound, OSError):
        return  # the command itself says what is wrong
    start_early(str(root), HEARTBEATS_PER_SESSION, NEWEST_MESSAGES)


def _directory_given(
    tokens: Sequence[str], values: frozenset[str], flags: frozenset[str]
) -> str | None:
    """The one DIR among ``tokens`` (``""``: none given), or None when unsure."""
    positional: list[str] = []
    waiting = False
    for token in tokens:
        if waiting:
            waiting = False
        elif not token.startswith("-") or token == "-":
            positional.append(token)
        elif token in values:
            waiting = True
        elif token not in flags and not _with_value(token, values):
            return None
    if waiting or len(positional) > 1:
        return None
    return positional[0] if positional else ""


def _with_value(token: str, values: frozenset[str]) -> bool:
    """``--now=…`` or ``-oFILE``: an option and its value in one word."""
    if token.startswith("--"):
        return token.partition("=")[0] in values and "=" in token
    return token[:2] in values and len(token) > 2


def start(root: str, folders: list[str], window: HistoryWindow) -> dict[str, Forked]:
    """A child per big folder among ``folders``, summarising it as ``window`` would (one
    ``start_early`` forked already, or a new one)."""
    sizes = (window.per_session, window.newest_messages)
    _LOOKED.clear()
    started = {}
    if _EARLY:
        real = os.path.realpath(root)
        for folder in folders:
            early = _EARLY.pop((real, folder, *sizes), None)
            if early is not None:
                started[folder] = early
    room = spare_cores() - len(started)
    if room > 0 and can_fork():
        rest = [folder for folder in folders if folder not in started]
        started.update(_fork_for(root, rest, *sizes, room))
    return started


def _fork_for(
    root: str, folders: list[str], per_session: int, newest_messages: int, room: int
) -> dict[str, Forked]:
    """Children for the biggest of ``folders``, at most ``room``; the caller summarises
    the others itself (``summarise``) while they run."""
    sizes = [(_size(os.path.join(root, folder)), folder) for folder in folders]
    big = sorted(
        ((size, folder) for size, folder in sizes if folder in BIG_FOLDERS),
        reverse=True,
    )
    started = {}
    for size, folder in big[:room]:
        if size >= FORK_FROM_BYTES:
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

    kind = kind_of_folder(folder)
    if kind is not None and leads_out(root, folder) is None:
        path = os.path.join(root, folder)
        quick = (
            _beats_as_listed(path, per_session)
            if kind == "heartbeat"
            else _messages_as_listed(path, newest_messages)
        )
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


def _messages_as_listed(path: str, newest_messages: int) -> FolderSummary | None:
    """A message folder's summary straight from its listing (its newest names) when every
    name has the usual shape; None otherwise."""
    from coordinator_tui.history.names import newest_names

    try:
        mtime_ns = os.stat(path).st_mtime_ns
        names = os.listdir(path)
    except OSError:
        return None  # the window's own listing says why
    newest = newest_names(names, newest_messages)
    if newest is None:
        return None
    return FolderSummary(mtime_ns, len(names), tuple(sorted(newest)))


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
