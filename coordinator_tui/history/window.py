"""Which history files the store reads: the newest few per session, the newest messages.

The store used to parse every heartbeat event and message at start (a month of a busy
collective: 300,000 files, ten seconds, 650 MB). Here the history folders are only
*listed*; the names carry the stamps (``history.names``), so the window — the newest
``per_session`` heartbeat events of each session and the newest ``newest_messages``
messages — is chosen from the listing, and only those files are parsed. Counts (files
per kind, broadcasts, direct messages) come from the listing, so they stay whole.
Older files are paged in on demand (``newest``): the broadcast feed, a session's
timeline.
"""

from __future__ import annotations

import heapq
import os
import threading
from bisect import bisect_left
from collections.abc import Collection, Iterable

from coordinator_tui.files.layout import folder_error, is_below, leads_out
from coordinator_tui.files.records import FileError
from coordinator_tui.history.index import FolderSummary, HistoryIndex, fresh_summary
from coordinator_tui.history.names import (
    BROADCAST_FOLDER,
    DIRECT_FOLDER,
    HEARTBEAT_FOLDERS,
    kind_of_folder,
    newest_beats,
    newest_messages_of,
    newest_names,
    newest_of_each,
    split_name,
)

HEARTBEATS_PER_SESSION = 20
"""Heartbeat events parsed per session (the newest); the analyses that look back (work
started, time spent waiting) see this many."""
NEWEST_MESSAGES = 200
"""Messages parsed at start (the newest, broadcast and direct together)."""
BIG_FOLDERS = ("heartbeats", "messages/broadcast")
"""The folders that grow with time (one file per beat, per broadcast)."""


class HistoryWindow:
    """The names in the history folders, and the window of them that is parsed."""

    def __init__(
        self, per_session: int = HEARTBEATS_PER_SESSION, newest_messages: int = NEWEST_MESSAGES
    ) -> None:
        self.per_session = per_session
        self.newest_messages = newest_messages
        self.folders: dict[str, set[str]] = {}
        """History folder (relative) → the file names in it."""
        self._selection: set[str] | None = None
        self._groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._messages: list[tuple[str, str]] = []
        self._pages: dict[tuple[str, str | None], list[str]] = {}
        self._candidates: dict[str, list[str]] = {}
        """Per folder, the names that can be in the window whatever the other folders hold
        (the newest messages *of this folder*): what the index keeps."""
        self._summarised: dict[str, int] = {}
        """Folders taken from the index (their window names only), with their counts."""
        self.listed: dict[str, int] = {}
        """Folders listed by the last ``relist``, with their mtime before listing."""
        self.lock = threading.RLock()
        """Held while the names change or a page is taken: the dashboard pages older history
        from a worker thread while the watcher's thread follows file events."""
        self._ordered: dict[tuple[tuple[str, ...], str | None], list[tuple[str, str]]] = {}
        self.version = 0
        """Counts changes to the names: the index is written again only after one."""
        self._listing: dict[str, list[str]] = {}
        """A heartbeat folder's names in the order they were listed, until its window is
        chosen: walked in that order, a quarter of a million names are grouped in half
        the time they take in the set's order (the strings lie in memory as listed)."""

    # --- listing ----------------------------------------------------------------------

    def relist(
        self,
        root: str,
        under: str,
        summaries: dict[str, FolderSummary] | None = None,
        window_only: bool = False,
    ) -> dict[str, FileError]:
        """List the history folders at or below ``under`` (``""``: all); the folders
        that exist but could not be listed, with why. A folder whose ``summaries`` entry
        is fresh is not listed: its window names and count are taken from it.
        ``window_only`` (one-shot commands; paging and file events need every name): a
        big folder is summarised as it is listed (``summarise``), not kept whole."""
        with self.lock:
            return self._relist(root, under, summaries, window_only)

    def _relist(
        self,
        root: str,
        under: str,
        summaries: dict[str, FolderSummary] | None,
        window_only: bool,
    ) -> dict[str, FileError]:
        errors: dict[str, FileError] = {}
        self.listed = {}
        folders = [f for f in (*HEARTBEAT_FOLDERS, BROADCAST_FOLDER) if is_below(f, under)]
        if is_below(DIRECT_FOLDER, under) or is_below(under, DIRECT_FOLDER):
            folders += self._direct_folders(root, under, errors)
        listed = set(folders)
        for folder in [f for f in self.folders if is_below(f, under) and f not in listed]:
            del self.folders[folder]
        todo = []
        for folder in folders:
            self._summarised.pop(folder, None)
            outside = leads_out(root, folder)
            if outside is not None:  # never list (or later read) someone else's folder
                self.folders.pop(folder, None)
                errors[folder] = outside
            elif summaries is None or not self._from_summary(root, folder, summaries):
                todo.append(folder)
        for folder in todo:
            if window_only and folder in BIG_FOLDERS:
                sizes = (self.per_session, self.newest_messages)
                self._take(root, folder, summarise(root, folder, *sizes), errors)
            else:
                self._list(root, folder, errors)
        self._changed()
        return errors

    def _take(
        self,
        root: str,
        folder: str,
        summary: FolderSummary | FileError | None,
        errors: dict[str, FileError],
    ) -> None:
        """A folder's summary applied, or its error kept; None: the folder listed."""
        if summary is None:
            self._list(root, folder, errors)
        elif isinstance(summary, FileError):
            self.folders.pop(folder, None)
            errors[folder] = summary
        else:
            self._apply(folder, summary)
            self.listed[folder] = summary.mtime_ns

    def _list(self, root: str, folder: str, errors: dict[str, FileError]) -> None:
        path = os.path.join(root, folder)
        # The names listed before go first: a million of them, held while the new
        # listing is built, doubled the dashboard's peak memory on a rescan.
        self.folders.pop(folder, None)
        self._listing.pop(folder, None)
        try:
            mtime_ns = os.stat(path).st_mtime_ns
            names = os.listdir(path)
        except FileNotFoundError:
            return
        except OSError as error:
            errors[folder] = folder_error(folder, error)
            return
        self.folders[folder] = {n for n in names if n.endswith(".json") and n[0] != "."}
        self.listed[folder] = mtime_ns
        if kind_of_folder(folder) == "heartbeat" and len(names) == len(self.folders[folder]):
            self._listing[folder] = names

    def _from_summary(self, root: str, folder: str, summaries: dict[str, FolderSummary]) -> bool:
        summary = fresh_summary(summaries, root, folder)
        if summary is not None:
            self._apply(folder, summary)
        return summary is not None

    def _apply(self, folder: str, summary: FolderSummary) -> None:
        """Take a folder's window names and count from a summary (the index's, or a
        child's): only its window names are known."""
        self.folders[folder] = set(summary.names)
        self._summarised[folder] = summary.count

    def summarised(self, folder: str) -> bool:
        """The folder was taken from the index: only its window names are known."""
        return folder in self._summarised

    def summaries(self) -> dict[str, FolderSummary]:
        """The folders the last ``relist`` listed, as the index keeps them: the names
        that can be in the window (the newest per session or the newest messages of
        the folder, and every name without a stamp) and the count."""
        self.selection()
        return {
            folder: FolderSummary(
                mtime_ns,
                self._summarised.get(folder, len(self.folders.get(folder, ()))),
                tuple(sorted(self._candidates.get(folder, ()))),
            )
            for folder, mtime_ns in self.listed.items()
        }

    def first_pass(self, root: str, index: HistoryIndex | None) -> dict[str, FileError]:
        """Before a large history is listed: ``sessions/HEARTBEATS`` (one file a session)
        and the ``heartbeats`` window names the index last saw (those still there, even if
        the folder changed since), so the first paint shows each session's recent beats
        without listing a quarter of a million names. ``relist`` replaces them."""
        known = index.load() if index is not None else {}
        with self.lock:
            if "heartbeats" in known:
                base = os.path.join(root, "heartbeats")
                names = known["heartbeats"].names
                self.folders["heartbeats"] = {
                    n for n in names if os.path.lexists(os.path.join(base, n))
                }
                self._changed()
            return self.relist(root, "sessions/HEARTBEATS")

    def _direct_folders(self, root: str, under: str, errors: dict[str, FileError]) -> list[str]:
        if under.startswith(DIRECT_FOLDER + "/"):
            name = under[len(DIRECT_FOLDER) + 1 :]
            return [under] if "/" not in name and not name.startswith(".") else []
        try:
            entries = list(os.scandir(os.path.join(root, DIRECT_FOLDER)))
        except FileNotFoundError:
            return []
        except OSError as error:
            errors[DIRECT_FOLDER] = folder_error(DIRECT_FOLDER, error)
            return []
        folders = []
        for entry in entries:
            try:
                if not entry.name.startswith(".") and entry.is_dir():
                    folders.append(f"{DIRECT_FOLDER}/{entry.name}")
            except OSError:
                continue  # the entry vanished under us
        return folders

    def add(self, relative: str) -> None:
        """A history file appeared (a file event): counted, and in the window if new enough."""
        with self.lock:
            self._add(relative)

    def _add(self, relative: str) -> None:
        folder, _, name = relative.rpartition("/")
        self._listing.pop(folder, None)
        names = self.folders.setdefault(folder, set())
        if name in names:
            return
        names.add(name)
        self.version += 1
        if folder in self._summarised:
            self._summarised[folder] += 1
        self._pages.clear()
        self._ordered.clear()
        if self._selection is None:
            return
        key, who = split_name(name)
        if kind_of_folder(folder) == "heartbeat":
            self._admit(self._groups.setdefault((folder, who), []), key, relative, self.per_session)
        else:
            self._admit(self._messages, key, relative, self.newest_messages)

    def _admit(self, chosen: list[tuple[str, str]], key: str, relative: str, limit: int) -> None:
        """Put ``relative`` into a window part kept as a min-heap of at most ``limit``."""
        assert self._selection is not None
        if len(chosen) < limit or key == "":
            heapq.heappush(chosen, (key, relative))
            self._selection.add(relative)
        elif (key, relative) > chosen[0]:
            _, evicted = heapq.heapreplace(chosen, (key, relative))
            self._selection.discard(evicted)
            self._selection.add(relative)

    def remove(self, relative: str) -> None:
        """A history file went: uncounted; the window is chosen again (an older file may
        move into it)."""
        with self.lock:
            self._remove(relative)

    def _remove(self, relative: str) -> None:
        folder, _, name = relative.rpartition("/")
        self._listing.pop(folder, None)
        names = self.folders.get(folder)
        if names is not None and name in names:
            names.discard(name)
            if folder in self._summarised:
                self._summarised[folder] -= 1
            self._changed()

    def _changed(self) -> None:
        self.version += 1
        self._selection = None
        self._pages.clear()
        self._ordered.clear()

    # --- what is read -----------------------------------------------------------------

    def selection(self) -> set[str]:
        """The relative paths of the window: what the store parses."""
        with self.lock:
            if self._selection is None:
                self._choose()
            assert self._selection is not None
            return self._selection

    def _choose(self) -> None:
        self._groups = {}
        self._candidates = {}
        messages: list[tuple[str, str]] = []
        selection: set[str] = set()
        for folder, names in self.folders.items():
            if kind_of_folder(folder) == "heartbeat":
                listing = self._listing.pop(folder, None)
                self._choose_beats(folder, names if listing is None else listing, selection)
                continue
            own, unstamped = newest_messages_of(names, self.newest_messages)
            messages += [(key, f"{folder}/{name}") for key, name in own]
            selection.update(f"{folder}/{name}" for name in unstamped)  # no stamp: read
            self._candidates[folder] = [name for _, name in own] + unstamped
        self._listing.clear()  # taken, or of a folder no longer there
        self._messages = heapq.nlargest(self.newest_messages, messages)
        heapq.heapify(self._messages)
        selection.update(path for chosen in self._groups.values() for _, path in chosen)
        selection.update(path for _, path in self._messages)
        self._selection = selection

    def _choose_beats(self, folder: str, names: Collection[str], selection: set[str]) -> None:
        """The newest ``per_session`` names of each session in one heartbeat folder, and
        every name without a stamp (read, as before)."""
        groups, unstamped = newest_beats(names, self.per_session)
        selection.update(f"{folder}/{name}" for name in unstamped)
        candidates = list(unstamped)
        for who, items in groups.items():
            chosen = [(key, f"{folder}/{name}") for key, name in items]
            heapq.heapify(chosen)
            self._groups[(folder, who)] = chosen
            candidates += [name for _, name in items]
        self._candidates[folder] = candidates

    # --- counts and pages -------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Files found per history kind: ``heartbeat``, ``broadcast``, ``direct``."""
        found = {"heartbeat": 0, "broadcast": 0, "direct": 0}
        for folder, names in self.folders.items():
            kind = kind_of_folder(folder)
            if kind is not None:
                found[kind] += self._summarised.get(folder, len(names))
        return found

    def newest(
        self, kind: str, who: str | None = None, offset: int = 0, limit: int = 50
    ) -> list[str]:
        """One page of history, newest first: relative paths of ``kind`` (``heartbeat``
        or ``message``), only those of session ``who`` when given (its heartbeat events;
        the messages it sent or was sent)."""
        with self.lock:
            ordered = self._pages.get((kind, who))
            if ordered is None:
                ordered = [path for _, path in sorted(self._matching(kind, who), reverse=True)]
                self._pages[(kind, who)] = ordered
            return ordered[offset : offset + limit]

    def total(self, kind: str, who: str | None = None) -> int:
        """How many files ``newest(kind, who)`` pages through."""
        self.newest(kind, who, 0, 0)
        return len(self._pages[(kind, who)])

    def older(
        self, kinds: tuple[str, ...], who: str | None, before: tuple[str, str] | None, limit: int
    ) -> list[tuple[str, str]]:
        """One page of ``(stamp, path)``, newest first, of the folder kinds ``kinds``
        (``heartbeat``, ``broadcast``, ``direct``), strictly older than ``before`` (a
        ``(stamp, path)`` already shown; None: from the newest). Paged by that cursor,
        not by an offset, so files arriving meanwhile neither repeat nor skip a line."""
        with self.lock:
            ordered = self._ordered.get((kinds, who))
            if ordered is None:
                ordered = sorted(self._matching(kinds, who))
                self._ordered[(kinds, who)] = ordered
            end = len(ordered) if before is None else bisect_left(ordered, before)
            return ordered[max(0, end - limit) : end][::-1]

    def _matching(self, kind: str | tuple[str, ...], who: str | None) -> Iterable[tuple[str, str]]:
        for folder, names in list(self.folders.items()):
            folder_kind = kind_of_folder(folder)
            if folder_kind is None:
                continue
            if isinstance(kind, tuple):
                if folder_kind not in kind:
                    continue
            elif (folder_kind == "heartbeat") != (kind == "heartbeat"):
                continue
            to_who = who is not None and folder == f"{DIRECT_FOLDER}/{who}"
            for name in names:
                key, sender = split_name(name)
                if who is None or to_who or sender == who:
                    yield key, f"{folder}/{name}"


def summarise(
    root: str, folder: str, per_session: int, newest_messages: int
) -> FolderSummary | FileError | None:
    """A big folder listed, kept only as its summary (mtime, count, window names), or why
    it could not be listed; None when it is not there (or leads out of the root: the
    window's own listing then says why). Straight from the names when all have the usual
    shape, through a window of its own otherwise: the same summary either way."""
    quick = _summary_of_names(root, folder, per_session, newest_messages)
    if quick is not None:
        return quick
    window = HistoryWindow(per_session, newest_messages)
    errors = window.relist(root, folder)
    if folder in errors:
        return errors[folder]
    return window.summaries().get(folder)


def _summary_of_names(
    root: str, folder: str, per_session: int, newest_messages: int
) -> FolderSummary | None:
    """The summary from the listing alone when every name has the usual shape; None
    otherwise (a folder that leads out of the root or cannot be listed included)."""
    if leads_out(root, folder) is not None:
        return None  # never list someone else's folder
    path = os.path.join(root, folder)
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
    return FolderSummary(mtime_ns, len(names), tuple(window))
