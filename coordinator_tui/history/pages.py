"""Older history, a page at a time: what the broadcast feed and a session's timeline show
beyond the window the store parsed.

The names come from the store's ``HistoryWindow`` (under its lock: the watcher's thread
may be adding names meanwhile), newest first and paged by a cursor (the oldest entry
shown), so new files arriving between two pages neither repeat nor skip an entry. Only
the page's files are read, with the same guarded reader as everything else; a file that
cannot be read is an entry that says why, never a gap. Archived history (``archive``)
is searched in the tar files, for one session's timeline.

Called from worker threads: nothing here touches the store's records.
"""

from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from coordinator_tui.files.layout import classify
from coordinator_tui.files.load import load
from coordinator_tui.files.records import Heartbeat, Message
from coordinator_tui.history.archive import search
from coordinator_tui.history.names import DIRECT_FOLDER, split_name
from coordinator_tui.history.window import HistoryWindow

PAGE = 50
"""Entries a page: a few screens of the feed, read in a few milliseconds."""
ARCHIVED_LIMIT = 500
"""Archived entries listed for one session (newest first); the rest: ``archive --list``."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One history file of a page: where it is, its stamp and what it holds."""

    path: str
    stamp: str
    """``YYYY-MM-DD_HH-MM-SS`` from the name (``""`` without one)."""
    record: Heartbeat | Message | None = None
    error: str = ""
    """Why the file could not be read (``record`` is None)."""
    archive: str = ""
    """The archive holding it (archived entries only)."""
    text: str = ""
    """An archived file's text as stored (archived entries are not parsed)."""

    @property
    def cursor(self) -> tuple[str, str]:
        return (self.stamp, self.path)


def cursor_of(path: str) -> tuple[str, str]:
    """The paging cursor of a history file already shown (its stamp from the name)."""
    return (split_name(path.rpartition("/")[2])[0], path)


class HistoryPages:
    """Pages of one directory's history, read off the UI thread."""

    def __init__(self, root: Path, window: HistoryWindow, max_bytes: int) -> None:
        self.root = str(root)
        self.window = window
        self.max_bytes = max_bytes

    def older(
        self,
        kinds: tuple[str, ...],
        who: str | None = None,
        before: tuple[str, str] | None = None,
        limit: int = PAGE,
    ) -> list[Entry]:
        """Up to ``limit`` entries older than ``before``, newest first; fewer: the end."""
        within = os.path.realpath(self.root)
        entries = []
        for stamp, path in self.window.older(kinds, who, before, limit):
            place = classify(path)
            if place is None:
                continue
            loaded = load(self.root, path, place, self.max_bytes, within)
            if loaded.error is not None:
                entries.append(Entry(path, stamp, error=loaded.error))
            elif isinstance(loaded.record, Heartbeat | Message):
                entries.append(Entry(path, stamp, record=loaded.record))
        return entries

    def archived(self, who: str, limit: int = ARCHIVED_LIMIT) -> list[Entry]:
        """Session ``who``'s archived heartbeat events and messages (sent, or sent to it),
        newest first; an unreadable archive is one entry saying so."""
        found: list[Entry] = []
        try:
            for archive, member, text in search(Path(self.root)):
                name = member.rpartition("/")[2]
                stamp, owner = split_name(name)
                if owner == who or member.startswith(f"{DIRECT_FOLDER}/{who}/"):
                    found.append(Entry(member, stamp, archive=archive, text=text))
        except (OSError, EOFError, ValueError, tarfile.TarError) as error:
            found.append(Entry("", "", error=f"archive unreadable: {error}", archive="?"))
        found.sort(key=lambda entry: entry.cursor, reverse=True)
        return found[:limit]


def summary_of(entry: Entry) -> str:
    """One line for an entry: a message's subject, a heartbeat's fields, an error."""
    if entry.error:
        return f"(could not be read: {entry.error})"
    record = entry.record
    if isinstance(record, Message):
        return record.subject or "(no subject)"
    if isinstance(record, Heartbeat):
        return ", ".join(f"{key}={value}" for key, value in record.extra.items() if value) or "beat"
    return _archived_summary(entry.text)


def _archived_summary(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip().splitlines()[0] if text.strip() else "(empty)"
    if isinstance(data, dict):
        for key in ("subject", "status", "current_work", "message"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
    return text.strip()[:200]
