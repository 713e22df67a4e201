"""The history index: ``.coordinator/history-index.sqlite`` (stdlib ``sqlite3``, WAL).

For each history folder it keeps the folder's mtime when it was last listed, how many
files it held and the names that can be in the window (the newest per session, the
newest messages). A one-shot command (``status``) whose folders have not changed
since then reads these instead of listing a quarter of a million names again.

Never required: a directory that cannot be written, an index that is missing, locked
by another writer, stale or corrupt only means the folders are listed (a corrupt file
is deleted and rebuilt). A folder is trusted only when its mtime is the recorded one
and was at least ``SETTLED_NS`` older than the moment it was recorded (a file added
in the same clock tick as the listing cannot hide behind an unchanged mtime).
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

INDEX_FILE = ".coordinator/history-index.sqlite"
SCHEMA_VERSION = 1
SETTLED_NS = 2_000_000_000
MIN_FILES = 2000
"""A history smaller than this lists in a few milliseconds: no index is made for it."""
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
        self.path = Path(root) / INDEX_FILE
        self._db: sqlite3.Connection | None = None

    @classmethod
    def open(cls, root: Path) -> HistoryIndex:
        return cls(root)

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        if not create and not os.path.lexists(self.path):
            return None
        if not _safe_place(self.path, create):
            return None
        for attempt in (1, 2):
            try:
                self._db = _connect(self.path)
                return self._db
            except sqlite3.Error:
                if attempt == 2 or not os.access(self.path.parent, os.W_OK):
                    return None
                _remove(self.path)  # corrupt (or not a database): rebuilt from the listing
        return None

    def load(self) -> dict[str, FolderSummary]:
        """Every folder summary; an unreadable index is rebuilt (and says nothing)."""
        db = self._connection(create=False)
        if db is None:
            return {}
        try:
            rows = db.execute(
                "SELECT folder, mtime_ns, recorded_ns, count, names FROM folders"
            ).fetchall()
        except sqlite3.Error:
            return {}
        summaries = {}
        for folder, mtime_ns, recorded_ns, count, names in rows:
            try:
                listed = json.loads(names)
            except ValueError:
                continue
            if isinstance(folder, str) and isinstance(listed, list) and isinstance(count, int):
                names_ok = tuple(n for n in listed if isinstance(n, str) and "/" not in n)
                summaries[folder] = FolderSummary(mtime_ns, count, names_ok, recorded_ns)
        return summaries

    def save(self, summaries: dict[str, FolderSummary], gone: set[str]) -> bool:
        """Store the folders just listed, drop those gone; False when another writer holds
        the index (or it cannot be written): the next run lists again."""
        total = sum(summary.count for summary in summaries.values())
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


def _safe_place(path: Path, create: bool) -> bool:
    """``.coordinator`` a real folder (made if missing and ``create``), the file regular."""
    try:
        info = os.lstat(path.parent)
    except FileNotFoundError:
        if not create:
            return False
        try:
            os.mkdir(path.parent, 0o755)
        except OSError:
            return False
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False


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
