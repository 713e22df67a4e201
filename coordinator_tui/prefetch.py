"""Reading a big directory on two cores: a forked child reads and builds part of the files.

Reading one session file is a few system calls, ``json.loads`` and building its
record, all under one interpreter lock: at 10,000 sessions a scan is about a
second of one core while the machine's other cores sit idle. So a scan of many
files forks a child (``os.fork``: the child starts with every module already
imported, so it costs milliseconds) that reads its share of the files with the
very same ``files.load.load``, and hands the results back through a pipe, in
frames of ``FRAME_FILES`` files as it goes (a thread of the parent drains the pipe,
so the child never waits; the parent unpickles each frame as it comes):

- ``Store`` shares a scan's files with a child when it runs alone in its process
  (``status``, ``report``, ``run``; ``fork_share``);
- the dashboard forks before it imports Textual (``fork_first_scan``): the child
  lists the directory and reads it while the parent loads the interface; the
  first ``Store`` made for that directory claims it (``claim``) and its first
  scan takes the results. Changes made after the child read a file are caught by
  the watcher's catch-up rescan, as for any scan.

Either way the child reads its list from the first file on and the parent, once it
is free, from the last file back (``steal``), until they meet: neither waits for
the other whatever their speeds (the child also pickles; the dashboard's parent
joins late). Two numbers in memory both processes share say how far each has got:
the child stops before the first file the parent has claimed, and the parent
stops at the first file the child has read. A file both took at the meeting point
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

import mmap
import os
import pickle
import struct
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coordinator_tui.history.early import can_fork, spawn, write_all

if TYPE_CHECKING:  # loaded where used: ``history.elsewhere`` forks before they load
    from coordinator_tui.files.layout import Place
    from coordinator_tui.files.load import Loaded


def load(*args: Any) -> Loaded:
    """``files.load.load`` (imported on first use)."""
    from coordinator_tui.files.load import load as load_file

    return load_file(*args)


_STARTED: dict[str, Prefetch] = {}
"""``fork_first_scan``'s children by resolved directory, until a ``Store`` claims one."""
FORK_MIN_FILES = 2000
"""Below this many files to read, a fork costs more than it saves."""
_CHUNK = 1 << 16


class Forked:
    """A forked child computing one value (``history.early.fork_call``); ``result`` waits for
    it (once)."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self._done = False
        self._result: Any = None

    def result(self) -> Any:
        """What the child returned, or None when it failed, died or sent bytes that do not
        unpickle. Blocks until the child is done."""
        if self._done:
            return self._result
        self._done = True
        chunks = []
        try:
            while chunk := os.read(self.fd, _CHUNK):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            os.close(self.fd)
        data, code = b"".join(chunks), _exit_status(self.pid)
        if code != 0 or not data:
            return None
        try:
            self._result = pickle.loads(data)
        except Exception:
            self._result = None
        return self._result


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
        shared: Meeting | None = None,
    ) -> None:
        self.pid = pid
        self.paths = paths
        """The relative paths given to the child (the parent reads any others)."""
        self._items = items
        self._meeting = shared
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
        meeting = self._meeting
        if meeting is None:
            return
        index = len(self._items)
        while True:
            index -= 1
            if index < meeting.read():
                return
            meeting.claim(index)
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
        from coordinator_tui.files.load import Loaded

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


def fork_share(root: str, paths: Sequence[str], max_bytes: int, within: str) -> Prefetch | None:
    """A child reading ``paths`` from the first on while the caller ``steal``s from the
    last back, or None when it is not worth it (too few files) or not safe (threads) or
    possible (no fork)."""
    if len(paths) < FORK_MIN_FILES or not can_fork():
        return None
    from coordinator_tui.files.layout import classify

    return _fork(root, [(path, classify(path)) for path in paths], max_bytes, within)


class Meeting:
    """Where the child's reading (from the first file on) and the parent's (from the
    last back) meet: two integers in an anonymous shared mapping, made before the fork.

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
    from coordinator_tui.files.layout import classify, list_folders

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
    meeting = Meeting(len(wanted))
    spawned = spawn(lambda fd: _load_in_frames(root, wanted, max_bytes, within, fd, meeting))
    if spawned is None:
        return None
    return Prefetch(*spawned, frozenset(path for path, _ in wanted), wanted, meeting)


FRAME_FILES = 500
"""Files per frame the child hands over: the parent unpickles each as it comes."""
_HEADER = struct.Struct("<Q")


def _load_in_frames(
    root: str,
    wanted: list[tuple[str, Place]],
    max_bytes: int,
    within: str,
    fd: int,
    meeting: Meeting,
) -> None:
    """The child: read ``wanted`` in order until a file the parent has claimed, handing
    the results over ``FRAME_FILES`` at a time."""
    from coordinator_tui.files.fsio import Folders

    pairs: list[tuple[str, Loaded]] = []
    with Folders(within) as folders:
        for index, (path, place) in enumerate(wanted):
            if index >= meeting.limit():
                break
            pairs.append((path, load(root, path, place, max_bytes, within, folders)))
            meeting.done(index + 1)
            if len(pairs) == FRAME_FILES:
                _send(fd, pairs)
                pairs = []
    if pairs:
        _send(fd, pairs)


def _send(fd: int, pairs: list[tuple[str, Loaded]]) -> None:
    data = pickle.dumps(pairs, protocol=pickle.HIGHEST_PROTOCOL)
    write_all(fd, _HEADER.pack(len(data)) + data)
