"""The dashboard's read-ahead: a child forked before Textual loads reads the first scan.

Figure it serves: the dashboard's first rows at 10,000 sessions (``bench/bench_live.py``,
first rows ≤ 2× of 100 sessions); not measured again in issue 24 (its machine ran at load
averages of 40-260).

Reading one session file is a few system calls, ``json.loads`` and building its
record, all under one interpreter lock. The dashboard forks before it imports Textual
(``fork_first_scan``; ``os.fork``: the child starts with every module already
imported): the child lists the directory and reads it with the very same
``files.load.load`` while the parent loads the interface, and hands the results back
through a pipe in frames of ``FRAME_FILES`` files as it goes (a thread of the parent
drains the pipe, so the child never waits). The first ``Store`` made for that directory
claims it (``claim``) and its first scan takes the results. Changes made after the
child read a file are caught by the watcher's catch-up rescan, as for any scan.

The child reads its list from the first file on and the parent, once it is free, from
the last file back (``steal``), until they meet: neither waits for the other whatever
their speeds (the child also pickles; the parent joins late). Two numbers in memory
both processes share say how far each has got (``SharedProgress``): the child stops before
the first file the parent has claimed, and the parent stops at the first file the
child has read. A file both took where they met
is read twice, never not at all.

A process that already runs threads never forks (a lock held by another thread
would stay locked in the child). Whatever goes wrong — no ``fork``, a child that
fails, dies or is killed, a frame that does not unpickle — ``take`` returns only
what arrived in whole frames, and the store reads everything else itself: nothing is lost,
only the speed-up. The pickle is our own child's output through our own pipe,
never data from the directory. The child writes nothing to the terminal and
leaves with ``os._exit`` (no atexit handlers, no flushing of the parent's
buffers).
"""

from __future__ import annotations

import gc
import mmap
import os
import pickle
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from coordinator_tui.files.fsio import Folders
from coordinator_tui.files.layout import Place, classify, list_folders
from coordinator_tui.files.load import Loaded, load

_STARTED: dict[str, Prefetch] = {}
"""``fork_first_scan``'s children by resolved directory, until a ``Store`` claims one."""
FORK_MIN_FILES = 2000
"""Below this many files to read, a fork costs more than it saves."""
_CHUNK = 1 << 16


class Prefetch:
    """Files a forked child is reading, handed over in frames as it goes.

    A thread drains the pipe into memory from the start (so the child never waits on a
    full pipe); ``absorb`` unpickles the frames that have arrived, ``take`` waits for
    the rest. Each frame is a whole pickle of ``(path, Loaded)`` pairs, so what came in
    whole frames is kept even when the child fails later; a frame that does not
    unpickle ends the taking (the caller reads whatever is missing itself).
    """

    def __init__(
        self,
        pid: int,
        fd: int,
        paths: frozenset[str],
        items: Sequence[tuple[str, Place]] = (),
        shared: SharedProgress | None = None,
    ) -> None:
        self.pid = pid
        self.paths = paths
        """The relative paths given to the child (the parent reads any others)."""
        self._items = items
        self._progress = shared
        self._fd = fd
        self._arrived = threading.Condition()
        self._frames: list[bytes] = []
        self._ended = False
        self._broken = False
        self._taken: dict[str, Loaded] = {}
        threading.Thread(target=self._drain, name="prefetch", daemon=True).start()

    def _drain(self) -> None:
        pending = bytearray()
        try:
            while chunk := os.read(self._fd, _CHUNK):
                pending += chunk
                frames = []
                while len(pending) >= _HEADER.size:
                    (size,) = _HEADER.unpack_from(pending)
                    if len(pending) < _HEADER.size + size:
                        break
                    frames.append(bytes(pending[_HEADER.size : _HEADER.size + size]))
                    del pending[: _HEADER.size + size]
                if frames:
                    with self._arrived:
                        self._frames += frames
                        self._arrived.notify_all()
        except OSError:
            pass
        finally:
            os.close(self._fd)
            _exit_status(self.pid)  # reap it; frames that came whole are whole anyway
            with self._arrived:
                self._ended = True
                self._arrived.notify_all()

    def steal(self) -> Iterator[tuple[str, Place]]:
        """The child's files from the last one back, each claimed (the child will not
        start it) before it is yielded, until the child has read the next one."""
        progress = self._progress
        if progress is None:
            return
        index = len(self._items)
        while True:
            index -= 1
            if index < progress.read():
                return
            progress.claim(index)
            yield self._items[index]

    def absorb(self) -> None:
        """Unpickle the frames that have arrived (never waits)."""
        self._take(wait=False)

    def take(self) -> dict[str, Loaded]:
        """The child's results by relative path (what came whole: {} when it failed at
        once). Blocks until the child is done."""
        self._take(wait=True)
        return self._taken

    def _take(self, wait: bool) -> None:
        while True:
            with self._arrived:
                while wait and not self._frames and not self._ended:
                    self._arrived.wait()
                if not self._frames:
                    return
                frames, self._frames = self._frames, []
            for frame in frames:
                if not self._broken:
                    self._unpickle(frame)

    def _unpickle(self, frame: bytes) -> None:
        try:
            pairs = pickle.loads(frame)
        except Exception:
            pairs = None
        if not isinstance(pairs, list):
            self._broken = True
            return
        for pair in pairs:
            if isinstance(pair, tuple) and len(pair) == 2:
                relative, loaded = pair
                if isinstance(relative, str) and isinstance(loaded, Loaded):
                    self._taken[relative] = loaded


def _exit_status(pid: int) -> int:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status)


class SharedProgress:
    """How far the child has read (from the first file on) and the first file the parent
    has claimed (from the last back): two integers in an anonymous shared mapping, made
    before the fork; where they meet, both stop.

    Each is written by one process only, as one aligned 8-byte machine word (a native
    ``memoryview`` item: ``struct.pack_into`` writes byte by byte, and the child once
    read a half-written 0 and stopped). Were a value ever seen half-written, nothing
    would be lost: a child that stops early leaves its files to ``steal``, and a file
    neither took is read by the store itself.
    """

    def __init__(self, count: int) -> None:
        self._memory = mmap.mmap(-1, 16)
        self._words = memoryview(self._memory).cast("q")
        self._words[0] = count
        self._words[1] = 0

    def limit(self) -> int:
        """The first file the parent has claimed (the child stops before it)."""
        return int(self._words[0])

    def claim(self, index: int) -> None:
        self._words[0] = index

    def read(self) -> int:
        """How many files, from the first, the child has read."""
        return int(self._words[1])

    def done(self, count: int) -> None:
        self._words[1] = count


def claim(root: str) -> Prefetch | None:
    """The child ``fork_first_scan`` started for ``root``, once (the first store claims it)."""
    return _STARTED.pop(os.path.realpath(root), None) if _STARTED else None


def fork_first_scan(root: Path, max_bytes: int) -> Prefetch | None:
    """The files a first scan of ``root`` reads (all but the history folders), read by a
    child while the caller does other work, for the first ``Store`` of ``root`` to
    ``claim``; None for a small directory (or no fork)."""
    if not can_fork():
        return None
    root_text = str(root)
    try:
        within = os.path.realpath(root)
        listing = list_folders(root_text, "", {}, history=False)
    except OSError:
        return None
    if len(listing.files) < FORK_MIN_FILES:
        return None
    items = [(path, classify(path)) for path in listing.files]
    started = _fork(root_text, items, max_bytes, within)
    if started is not None:
        _STARTED[within] = started
    return started


def _fork(
    root: str, items: Iterable[tuple[str, Place | None]], max_bytes: int, within: str
) -> Prefetch | None:
    wanted = [(path, place) for path, place in items if place is not None]
    progress = SharedProgress(len(wanted))
    spawned = spawn(lambda fd: _load_in_frames(root, wanted, max_bytes, within, fd, progress))
    if spawned is None:
        return None
    return Prefetch(*spawned, frozenset(path for path, _ in wanted), wanted, progress)


FRAME_FILES = 500
"""Files per frame the child hands over: the parent unpickles each as it comes."""
_HEADER = struct.Struct("<Q")


def _load_in_frames(
    root: str,
    wanted: list[tuple[str, Place]],
    max_bytes: int,
    within: str,
    fd: int,
    progress: SharedProgress,
) -> None:
    """The child: read ``wanted`` in order until a file the parent has claimed, handing
    the results over ``FRAME_FILES`` at a time."""
    pairs: list[tuple[str, Loaded]] = []
    with Folders(within) as folders:
        for index, (path, place) in enumerate(wanted):
            if index >= progress.limit():
                break
            pairs.append((path, load(root, path, place, max_bytes, within, folders)))
            progress.done(index + 1)
            if len(pairs) == FRAME_FILES:
                _send(fd, pairs)
                pairs = []
    if pairs:
        _send(fd, pairs)


def _send(fd: int, pairs: list[tuple[str, Loaded]]) -> None:
    data = pickle.dumps(pairs, protocol=pickle.HIGHEST_PROTOCOL)
    write_all(fd, _HEADER.pack(len(data)) + data)


# --- forking ---------------------------------------------------------------------------


def can_fork() -> bool:
    """The platform forks and no other thread runs (a lock another thread holds would
    stay locked in the child)."""
    return hasattr(os, "fork") and threading.active_count() == 1


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
