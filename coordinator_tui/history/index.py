"""The history index: ``.coordinator/history-index.sqlite`` (stdlib ``sqlite3``, WAL).

For each history folder it keeps the folder's mtime when it was last listed, how many
files it held and the names that can be in the window (the newest per session, the
newest messages). A one-shot command (``status``) whose folders have not changed
since then reads these instead of listing a quarter of a million names again.

Never required: a directory that cannot be written, an index that is missing, locked
by another writer, stale or bad only means the folders are listed. It is untrusted
like every file in the directory: one that is not a regular file, larger than
``MAX_INDEX_BYTES``, not a database or holding rows of the wrong shape is not used,
is an entry in the errors list (``problem``), and is rebuilt by the next save. A
folder is trusted only when its mtime is the recorded one and was at least
``SETTLED_NS`` older than the moment it was recorded (a file added in the same clock
tick as the listing cannot hide behind an unchanged mtime).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from coordinator_tui.files import fsio
from coordinator_tui.files.records import FileError

INDEX_FILE = ".coordinator/history-index.sqlite"
SCHEMA_VERSION = 1
SETTLED_NS = 2_000_000_000
MIN_FILES = 2000
"""A history smaller than this lists in a few milliseconds: no index is made for it."""
MAX_INDEX_BYTES = 8 << 20
"""The index and its write-ahead log together: a window of 200,000 names (10,000
sessions × 20 beats) takes about that much. A crafted 13 MB index cost 6 s and 517 MB."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS folders (
    folder TEXT PRIMARY KEY,
    mtime_ns INTEGER NOT NULL,
    recorded_ns INTEGER NOT NULL,
    count INTEGER NOT NULL,
    names TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class FolderSummary:
    """One history folder as last listed: its mtime, its file count, its window names."""

    mtime_ns: int
    count: int
    names: tuple[str, ...]
    recorded_ns: int = 0

    def fresh(self, mtime_ns: int) -> bool:
        return mtime_ns == self.mtime_ns and self.recorded_ns - mtime_ns >= SETTLED_NS


def fresh_summary(
    summaries: dict[str, FolderSummary], root: str, folder: str
) -> FolderSummary | None:
    """``folder``'s summary when it still answers for the folder on disk, else None (no
    summary, a folder changed since, or one that cannot be looked at)."""
    summary = summaries.get(folder)
    if summary is None:
        return None
    try:
        mtime_ns = os.stat(os.path.join(root, folder)).st_mtime_ns
    except OSError:
        return None
    return summary if summary.fresh(mtime_ns) else None


class HistoryIndex:
    """The index of one directory, opened lazily: reading a directory without an index
    creates none; one is made only for a history of ``MIN_FILES`` or more."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / INDEX_FILE
        self._db: sqlite3.Connection | None = None
        self.problem: FileError | None = None
        """Why the index on disk was not used (it is rebuilt by the next ``save``)."""

    @classmethod
    def open(cls, root: Path) -> HistoryIndex:
        return cls(root)

    def _bad(self, reason: str) -> None:
        self.problem = FileError(
            path=INDEX_FILE,
            reason=f"{reason}; not used, the folders are listed instead",
            kind="folder",
        )

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        if not self._usable(create):
            return None
        try:
            self._db = _connect(self.path)
            return self._db
        except sqlite3.Error as error:
            self._bad(f"not a history index ({error})")
        if not create or not os.access(self.path.parent, os.W_OK):
            return None
        _remove(self.path)  # rebuilt from the listing
        with contextlib.suppress(sqlite3.Error):
            self._db = _connect(self.path)
        return self._db

    def _usable(self, create: bool) -> bool:
        """``.coordinator`` a real folder (made if ``create``); the index, when there, a
        regular file that fits ``MAX_INDEX_BYTES`` with its log (else ``problem``, and with
        ``create`` it is removed to be made again)."""
        try:
            folder = fsio.open_folder(self.root, fsio.PRIVATE, create)
        except OSError:
            return False
        try:
            sizes = [_size(folder, self.path.name + suffix) for suffix in ("", "-wal")]
        finally:
            os.close(folder)
        total = sum(size or 0 for size in sizes)
        if sizes[0] is None:
            return create
        if -1 in sizes:
            self._bad("not a regular file")
        elif total > MAX_INDEX_BYTES:
            self._bad(fsio.too_large(total, MAX_INDEX_BYTES))
        else:
            return True
        if create:
            _remove(self.path)  # never written through (a link) or grown further
        return create

    def load(self) -> dict[str, FolderSummary]:
        """Every folder summary; none when the index is bad (then ``problem`` says why)."""
        db = self._connection(create=False)
        if db is None:
            return {}
        summaries: dict[str, FolderSummary] = {}
        read = 0  # the file was checked before it was opened; so is what is read from it
        try:
            for row in db.execute(
                "SELECT folder, mtime_ns, recorded_ns, count, names FROM folders"
            ):
                summary = _summary(row)
                read += len(row[4]) if summary is not None else 0
                if summary is None or read > MAX_INDEX_BYTES:
                    self._bad("a row of the wrong shape" if summary is None else "too large")
                    return {}
                summaries[row[0]] = summary
        except sqlite3.Error as error:
            self._bad(f"not a history index ({error})")
            return {}
        return summaries

    def save(self, summaries: dict[str, FolderSummary], gone: set[str]) -> bool:
        """Store the folders just listed, drop those gone; False when another writer holds
        the index (or it cannot be written): the next run lists again."""
        total = sum(summary.count for summary in summaries.values())
        if self.problem is not None:
            self.close()
            _remove(self.path)
        db = self._connection(create=total >= MIN_FILES)
        if db is None:
            return False
        now = time.time_ns()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(
                    "INSERT OR REPLACE INTO folders VALUES (?, ?, ?, ?, ?)",
                    [
                        (folder, s.mtime_ns, now, s.count, json.dumps(list(s.names)))
                        for folder, s in summaries.items()
                    ],
                )
                db.executemany("DELETE FROM folders WHERE folder = ?", [(f,) for f in gone])
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _size(folder: int, name: str) -> int | None:
    """The size of ``name`` in ``folder``; None when absent, -1 when not a regular file."""
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else -1


def _summary(row: tuple[object, ...]) -> FolderSummary | None:
    """A row as a summary, or None when any field has another type than we write."""
    folder, mtime_ns, recorded_ns, count, names = row
    if not (isinstance(folder, str) and isinstance(names, str)):
        return None
    if not all(type(number) is int for number in (mtime_ns, recorded_ns, count)):
        return None
    try:
        listed = json.loads(names)
    except (ValueError, RecursionError):
        return None
    if not isinstance(listed, list) or not all(isinstance(n, str) and "/" not in n for n in listed):
        return None
    return FolderSummary(mtime_ns, count, tuple(listed), recorded_ns)  # type: ignore[arg-type]


def _connect(path: Path) -> sqlite3.Connection:
    writable = os.access(path.parent, os.W_OK)
    if not writable and not path.exists():
        raise sqlite3.OperationalError("no index and no way to write one")
    uri = f"file:{path}" + ("" if writable else "?mode=ro")
    connection = sqlite3.connect(uri, uri=True, timeout=0.05, isolation_level=None)
    try:
        if writable:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                connection.execute("DROP TABLE IF EXISTS folders")
            connection.execute(_SCHEMA)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        connection.execute("SELECT count(*) FROM folders").fetchone()
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")


LARGE_FOLDER_BYTES = 256 * 1024
"""A history folder whose directory file is this large holds thousands of names (ext4,
xfs and btrfs grow a directory with its entries): worth reading the sessions first."""


def expected_history(root: Path, index: HistoryIndex | None) -> int | None:
    """About how many history files a first scan will list: the index's count when it has
    one, 0 when unknown but a history folder is large; None when the history is small (or
    absent): then sessions and history are read in one pass."""
    summaries = index.load() if index is not None else {}
    counted = sum(summary.count for summary in summaries.values())
    if counted >= MIN_FILES:
        return counted
    for folder in ("heartbeats", "messages/broadcast"):
        try:
            if os.stat(Path(root) / folder).st_size >= LARGE_FOLDER_BYTES:
                return counted
        except OSError:
            continue
    return None
