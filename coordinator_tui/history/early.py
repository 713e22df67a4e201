"""The first milliseconds of ``status`` and ``report``: the biggest history folder listed on
another core before anything else loads. Standard library only.

On a first run (no history index yet) listing a month of heartbeat events — a quarter
of a million names, a tenth of a second of the kernel's time — and choosing each
session's newest is most of the run. ``__main__`` calls ``start_for_command`` before the
command line's parser loads: with this module, ``heapq`` and ``pickle`` loaded (15 ms
into the process), a forked child lists the folder and sends back only its summary —
its mtime, its count and the window's names (``quick_summary``) — while the parent
loads the parser, the settings and the analysis. ``history.elsewhere`` takes the
children over (``taken``) and judges an existing index (sqlite; loaded only then).

Everything imported here delays the fork, so nothing is but the standard library's
smallest modules; a child whose folder holds a name of another shape imports the rest
(``history.elsewhere.summarise``).
"""

from __future__ import annotations

import gc
import heapq
import os
import pickle
import sys
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from operator import itemgetter

HEARTBEATS_PER_SESSION = 20
"""Heartbeat events parsed per session (the newest); the analyses that look back (work
started, time spent waiting) see this many."""
NEWEST_MESSAGES = 200
"""Messages parsed at start (the newest, broadcast and direct together)."""
HEARTBEAT_FOLDERS = ("heartbeats", "sessions/HEARTBEATS")
"""Folders of heartbeat event files (``sessions/HEARTBEATS`` holds one per session)."""
BIG_FOLDERS = ("heartbeats", "messages/broadcast")
"""The folders that grow with time (one file per beat, per broadcast)."""
FORK_FROM_BYTES = 256 * 1024
"""A folder whose own size (``st_size``: on ext4 about 80 bytes a name) is below this
is listed here: a few thousand names list quicker than a fork."""
INDEX_FILE = ".coordinator/history-index.sqlite"

Key = tuple[str, str, int, int]
STARTED: dict[Key, tuple[int, int]] = {}
"""Children forked and not yet taken (pid, read end of the pipe), by resolved root,
folder and the window's sizes."""
LOOKED: set[tuple[str, int, int]] = set()
"""Directories (and window sizes) an early start looked at, until the store's listing
takes the children: ``__main__`` and ``cli`` both ask, the index is read once."""

# --- the command line, read before its parser loads ---------------------------------

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
    """``status …`` or ``report …`` with its directory given (DIR or ``$COORDINATOR_DIR``):
    the children start now. Only a command line read with certainty: an option not
    known here, ``--``, several directories or none given, and the parser's own call
    (``cli``) starts them instead, once the directory is resolved."""
    if not arguments or arguments[0] not in OPTIONS:
        return
    given = _directory_given(arguments[1:], *OPTIONS[arguments[0]])
    if given is None:
        return
    root = given or os.environ.get("COORDINATOR_DIR", "")
    if not root or not os.path.isdir(root):
        return
    root = os.path.abspath(root)
    if os.path.lexists(os.path.join(root, INDEX_FILE)):
        from coordinator_tui.history.elsewhere import start_early

        start_early(root, HEARTBEATS_PER_SESSION, NEWEST_MESSAGES)  # is the index fresh?
        return
    LOOKED.add((os.path.realpath(root), HEARTBEATS_PER_SESSION, NEWEST_MESSAGES))
    start_children(root, list(BIG_FOLDERS), HEARTBEATS_PER_SESSION, NEWEST_MESSAGES)


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


# --- the children ------------------------------------------------------------------------


def start_children(root: str, folders: list[str], per_session: int, newest_messages: int) -> None:
    """A child for each of the biggest of ``folders`` (big ones only, one per spare core,
    counting those already started for ``root``); the caller summarises the others."""
    real = os.path.realpath(root)
    started = sum(1 for key in STARTED if key[0] == real)
    room = spare_cores() - started
    todo = [
        folder
        for folder in folders
        if folder in BIG_FOLDERS and (real, folder, per_session, newest_messages) not in STARTED
    ]
    if room <= 0 or not todo or not can_fork():
        return
    sizes = sorted(((_size(os.path.join(root, folder)), folder) for folder in todo), reverse=True)
    for size, folder in sizes[:room]:
        if size >= FORK_FROM_BYTES:
            child = fork_summary(root, folder, per_session, newest_messages)
            if child is not None:
                STARTED[(real, folder, per_session, newest_messages)] = child


def taken(
    root: str, folders: Sequence[str], per_session: int, newest_messages: int
) -> dict[str, tuple[int, int]]:
    """The children started for these folders of ``root``, handed over (once)."""
    real = os.path.realpath(root)
    found = {}
    for folder in folders:
        child = STARTED.pop((real, folder, per_session, newest_messages), None)
        if child is not None:
            found[folder] = child
    return found


def spare_cores() -> int:
    """Children worth running beside this process: one per core it may use but its own
    (at least one). On two cores a second child only slowed the first."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def can_fork() -> bool:
    """The platform forks and no other thread runs (a lock another thread holds would
    stay locked in the child)."""
    threading = sys.modules.get("threading")
    return hasattr(os, "fork") and (threading is None or threading.active_count() == 1)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def fork_summary(
    root: str, folder: str, per_session: int, newest_messages: int
) -> tuple[int, int] | None:
    """(pid, read end) of a child sending ``child_summary`` pickled; None: no child."""
    return fork_call(child_summary, root, folder, per_session, newest_messages)


def fork_call(function: Callable[..., object], *args: object) -> tuple[int, int] | None:
    """(pid, read end) of a child sending ``function(*args)`` pickled, then leaving (exit 0
    once all is sent, 1 when anything failed); None when no child could be forked.
    ``prefetch.Forked`` reads it. Only call where ``can_fork()``."""
    return spawn(
        lambda fd: write_all(fd, pickle.dumps(function(*args), protocol=pickle.HIGHEST_PROTOCOL))
    )


def spawn(work: Callable[[int], None]) -> tuple[int, int] | None:
    """(pid, read end of its pipe) of a forked child that runs ``work(write end)`` and
    leaves; None when no child could be forked."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: work, hand over, leave
        os.close(read_end)
        _child(work, write_end)
    os.close(write_end)
    return pid, read_end


def _child(work: Callable[[int], None], fd: int) -> None:
    """Never returns. Exit 0 only when the work was all handed over."""
    code = 1
    try:
        gc.disable()  # a short life that only allocates: no cycles worth finding
        work(fd)
        code = 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def child_summary(root: str, folder: str, per_session: int, newest_messages: int) -> object:
    """What a child sends: ``quick_summary``'s tuple, or ``history.elsewhere.summarise``'s
    answer when the folder holds a name of another shape."""
    quick = quick_summary(root, folder, per_session, newest_messages)
    if quick is not None:
        return quick
    from coordinator_tui.history.elsewhere import summarise

    return summarise(root, folder, per_session, newest_messages)


# --- what a listing tells ------------------------------------------------------------------


def quick_summary(
    root: str, folder: str, per_session: int, newest_messages: int
) -> tuple[int, int, tuple[str, ...]] | None:
    """``(mtime_ns, count, window names)`` of a big folder straight from its listing when
    every name has the usual shape; None otherwise (a folder that leads out of the root
    or cannot be listed included: the window's own listing says why)."""
    if folder not in BIG_FOLDERS:
        return None
    within = os.path.realpath(root)
    path = os.path.join(root, folder)
    if not os.path.realpath(path).startswith(within.rstrip(os.sep) + os.sep):
        return None  # never list someone else's folder
    try:
        mtime_ns = os.stat(path).st_mtime_ns
        names = os.listdir(path)
    except OSError:
        return None
    if folder in HEARTBEAT_FOLDERS:
        groups = newest_of_each(names, per_session)
        if groups is None:
            return None
        window = sorted(name for group in groups.values() for name in group)
    else:
        newest = newest_names(names, newest_messages)
        if newest is None:
            return None
        window = sorted(newest)
    return mtime_ns, len(names), tuple(window)


def newest_of_each(names: Collection[str], count: int) -> dict[str, list[str]] | None:
    """The ``count`` newest names of each session, by session, when every name has the
    usual shape (a digit first, ``-``/``_`` where ``2025-11-15_19-30-31-`` has them, a
    session, ``.json``); None when one has not (then each name must be looked at on its
    own).

    A month of heartbeat events is a quarter of a million names: the shape is looked at
    by passes that run in C (``map`` with an ``itemgetter`` into a set: 22 ms where a
    loop over the names took 32), then one loop groups them by what follows the stamp,
    which is then the session.
    """
    if not names:
        return {}
    if not _stamped_alike(names):
        return None
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for name in names:
        groups[name[20:]].append(name)
    if not all(rest.endswith(".json") for rest in groups):
        return None
    return {
        rest[:-5]: group if len(group) <= count else heapq.nlargest(count, group)
        for rest, group in groups.items()
    }


def newest_names(names: Collection[str], count: int) -> list[str] | None:
    """The ``count`` newest names of a message folder (the largest: their stamps sort by
    time), when every name has the usual shape (as ``newest_of_each``); else None."""
    if not names:
        return []
    if not _stamped_alike(names) or set(map(_SUFFIX, names)) != {".json"}:
        return None
    return heapq.nlargest(count, names)


def _stamped_alike(names: Collection[str]) -> bool:
    """Every name is longer than a stamp and its dash, starts with a digit and has ``-`` and
    ``_`` where ``2025-11-15_19-30-31-`` has them (passes that run in C)."""
    return (
        min(map(len, names)) > 25
        and set(map(_SEPARATORS, names)) == {"--_---"}
        and _DIGITS.issuperset(map(_FIRST, names))
    )


_SEPARATORS = itemgetter(slice(4, 20, 3))
"""Characters 4, 7, 10, 13, 16 and 19 of a name: ``--_---`` in the usual shape."""
_FIRST = itemgetter(0)
_SUFFIX = itemgetter(slice(-5, None))
_DIGITS = frozenset("0123456789")
