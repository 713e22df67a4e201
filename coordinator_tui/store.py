"""The store: parsed records of one coordination directory, kept up to date.

``scan()`` reads the whole directory (skipping files whose size and mtime are
unchanged); ``apply(paths)`` reads only what changed and says what changed.
When a file that had a good record cannot be read — a writer caught
mid-rewrite — the last good record is kept and marked, not dropped; the error
becomes visible only once the file has stayed broken for a grace period (the
analysis decides, from the clock it is given). A folder that exists but cannot
be listed is a failure too, named by the folder, never a silent gap.

What lies where is ``files.layout``; what one file means is ``files.load``;
this module is the bookkeeping between them and the ``Snapshot``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coordinator_tui.files.fsio import Folders
from coordinator_tui.files.known import KnownPaths
from coordinator_tui.files.layout import (
    FAILED_SIGNATURE,
    PLACE_OF_KIND,
    PRIVATE_FOLDER,
    UNKNOWN_SIGNATURE,
    Place,
    classify,
    is_below,
    list_folders,
)
from coordinator_tui.files.load import Loaded, load
from coordinator_tui.files.records import FileError, FileKind, PriorityItem, Session
from coordinator_tui.files.worktext import normalise_work
from coordinator_tui.gcpause import paused_gc
from coordinator_tui.history.index import HistoryIndex, expected_history
from coordinator_tui.history.keep import IndexKeeper
from coordinator_tui.history.names import is_history, touches_history
from coordinator_tui.history.window import HistoryWindow
from coordinator_tui.prefetch import claim as claim_prefetch
from coordinator_tui.settings import Settings
from coordinator_tui.snapshot import Failure, Snapshot, StoreChange

ABSORB_EVERY = 250
"""Own reads between two looks at what the read-ahead child handed over."""


class Store:
    """Parsed records of one directory, keyed by relative path."""

    def __init__(
        self, root: Path, settings: Settings | None = None, *, one_shot: bool = False
    ) -> None:
        """``one_shot`` (``status``, ``report``): the first scan takes unchanged history
        folders from the history index, and of the others keeps only each one's count
        and window (``HistoryWindow.relist``'s ``window_only``)."""
        self.root = Path(root)
        self._root_text = str(self.root)
        self._root_real: str | None = None
        self.settings = settings or Settings()
        self.records: dict[FileKind, dict[str, Any]] = {kind: {} for kind in FileKind}
        self.priorities: tuple[PriorityItem, ...] = ()
        self.failures: dict[str, Failure] = {}
        self.folder_failures: dict[str, Failure] = {}
        """Folders that exist but could not be listed, by folder (``""``: the root)."""
        self.warnings: dict[str, list[FileError]] = {}
        self.work_since: dict[str, datetime] = {}
        self._signatures: dict[str, tuple[float, int]] = {}
        self._kinds = KnownPaths()
        self.history = HistoryWindow()
        """History folders are listed, not read: only the window of them is parsed."""
        self._history_read: set[str] = set()
        self.history_index = HistoryIndex(self.root) if one_shot else None
        """Set before the first full scan (or by ``one_shot``): that scan takes unchanged
        history folders from this index, then closes it."""
        self._one_shot = one_shot
        self.index_keeper = IndexKeeper(self.history, self._root_text)  # run, the dashboard
        self.history_pending: int | None = None
        """About how many history files the scan after ``scan_sessions_first`` lists."""
        self._sessions_only = False
        self.prefetch = claim_prefetch(self._root_text)
        """Set: the next scan takes the files this forked child read (the dashboard's)."""

    # --- public API -------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        return self.root.is_dir()

    def scan(self) -> StoreChange:
        """Read the whole directory; files whose size and mtime did not change are skipped."""
        with paused_gc():  # the collector's passes: a tenth of a cold scan at 10k sessions
            self._root_real = None
            return self._rescan("")

    def scan_sessions_first(self) -> Snapshot | None:
        """The dashboard's first pass over a large history: everything but the history
        folders, plus ``sessions/HEARTBEATS`` (one file a session) and the heartbeat
        window the index last saw, so sessions show before a quarter of a million names
        are listed; ``history_pending`` says about how many are to come. None (nothing
        read) when the history is small: one ``scan()`` is as quick. ``scan()`` completes
        it."""
        self.history_pending = expected_history(self.root, self.history_index)
        if self.history_pending is None or not self.exists:
            return None
        self._sessions_only = True
        try:
            self.scan()
        finally:
            self._sessions_only = False
        return self.snapshot()

    def apply(self, changed_paths: Iterable[Path | str]) -> StoreChange:
        """Update only what changed. Paths may be absolute or relative to the root."""
        self._root_real = None
        change = StoreChange()
        history = False
        for path in changed_paths:
            relative = self._relative(Path(path))
            if relative is None:
                continue
            if is_history(relative):
                history = True
                self._history_event(relative, change)
                continue
            if relative == "" or not os.path.lexists(self.root / relative):
                if touches_history(relative):
                    history = True
                    self.history.relist(self._root_text, relative)
                if relative == "" or relative.split("/")[0] in {"sessions", "messages"}:
                    # A folder may have gone: drop everything beneath it.
                    for known in self._kinds.under(relative):
                        if not os.path.lexists(self.root / known):
                            self._forget(known, change)
                if relative in self._kinds:
                    self._forget(relative, change)
                for folder in [f for f in self.folder_failures if is_below(f, relative)]:
                    if not os.path.lexists(self.root / folder):
                        del self.folder_failures[folder]  # gone: nothing left to list
                if relative == "" and self.exists:
                    change.merge(self.scan())
                continue
            if classify(relative) is None and (self.root / relative).is_dir():
                change.merge(self._rescan(relative))
                continue
            if classify(relative) is not None:
                self._read(relative, change)
        if history:
            self._reconcile(change)
        return change

    def snapshot(self) -> Snapshot:
        found: dict[str, int] = {kind.value: 0 for kind in FileKind}
        history_read = self._history_read
        for path, kind in self._kinds.items():
            if path not in history_read:
                found[kind.value] += 1
        listed = self.history.counts()
        found[FileKind.HEARTBEAT.value] += listed["heartbeat"]
        found[FileKind.MESSAGE.value] += listed["broadcast"] + listed["direct"]
        read_broadcast = sum(1 for path in history_read if path.startswith("messages/broadcast/"))
        read_direct = sum(1 for path in history_read if path.startswith("messages/direct/"))
        return Snapshot(
            root=self.root,
            exists=self.exists,
            sessions=tuple(self.records[FileKind.SESSION].values()),
            session_by_path=dict(self.records[FileKind.SESSION]),
            milestones=tuple(self.records[FileKind.MILESTONE].values()),
            messages=tuple(self.records[FileKind.MESSAGE].values()),
            claims=tuple(self.records[FileKind.CLAIM].values()),
            heartbeats=tuple(self.records[FileKind.HEARTBEAT].values()),
            priorities=self.priorities,
            failures=(*self.folder_failures.values(), *self.failures.values()),
            warnings=tuple(error for errors in self.warnings.values() for error in errors),
            kept=frozenset(path for path, f in self.failures.items() if f.kept_last_good),
            work_since=dict(self.work_since),
            found=found,
            unread_messages={
                "broadcast": max(listed["broadcast"] - read_broadcast, 0),
                "direct": max(listed["direct"] - read_direct, 0),
            },
            history_pending=self.history_pending,
        )

    # --- internals --------------------------------------------------------------------

    def _within(self) -> str:
        """The root, resolved: symbolic links may point anywhere inside it, nowhere else.
        Resolved once per ``scan()``/``apply()`` (the root may have been re-created)."""
        if self._root_real is None:
            self._root_real = os.path.realpath(self.root)
        return self._root_real

    def _relative(self, path: Path) -> str | None:
        if not path.is_absolute():
            return path.as_posix().strip("/") if path.as_posix() != "." else ""
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            # An event on a parent of the root (it was deleted or re-created).
            return "" if self.root.is_relative_to(path) else None
        text = relative.as_posix()
        if text.startswith(PRIVATE_FOLDER):
            return None
        return "" if text == "." else text

    def _rescan(self, under: str) -> StoreChange:
        """List the folders at or below ``under`` (``""``: all); read what is new or changed,
        forget what is gone. A folder that cannot be listed is reported, once."""
        change = StoreChange()
        listing = list_folders(self._root_text, under, self._signatures, history=False)
        for folder, error in self._relist_history(under).items():
            if not any(is_below(folder, reported) for reported in listing.folder_errors):
                listing.folder_errors[folder] = error  # said once: below the root's error
        for folder in [f for f in self.folder_failures if is_below(f, under)]:
            if folder not in listing.folder_errors:
                del self.folder_failures[folder]
        for folder, error in listing.folder_errors.items():
            previous = self.folder_failures.get(folder)
            if previous is None or previous.error != error:
                change.new_errors.append(error)
            self.folder_failures[folder] = Failure(error, False, 0.0, False)
        present = listing.files
        for path in self.history.selection():
            if is_below(path, under):
                present[path] = self._signature(path)
        for known in [p for p in self._kinds.under(under) if p not in present]:
            self._forget(known, change)
        wanted = [
            path
            for path, signature in present.items()
            if self._signatures.get(path) != signature or path not in self._kinds
        ]
        with Folders(self._within()) as folders:
            loaded = self._read_elsewhere(wanted, folders)
            for path in wanted:
                self._read(path, change, loaded.pop(path, None), folders)
        return change

    def _read_elsewhere(self, wanted: list[str], folders: Folders) -> dict[str, Loaded]:
        """What the dashboard's read-ahead child read of ``wanted`` (``prefetch``), with the
        parent's own share loaded meanwhile; {} without one (then ``_read`` loads each)."""
        prefetch, self.prefetch = self.prefetch, None
        limit, within = self.settings.max_file_bytes, self._within()
        if prefetch is None:
            return {}
        mine = {}
        for path in wanted:  # new since the child listed (the dashboard's read-ahead)
            place = None if path in prefetch.paths else self._place(path)
            if place is not None:
                mine[path] = load(self._root_text, path, place, limit, within, folders)
        still = set(wanted)
        for path, place in prefetch.steal():  # the child's list from the end, until we meet
            if path in still:
                mine[path] = load(self._root_text, path, place, limit, within, folders)
                if len(mine) % ABSORB_EVERY == 0:
                    prefetch.absorb()  # the child's frames so far, while it reads on
        return {**prefetch.take(), **mine}

    def _relist_history(self, under: str) -> dict[str, FileError]:
        if self._sessions_only:  # the first pass of ``scan_sessions_first``
            return self.history.first_pass(self._root_text, self.history_index)
        if under == "":
            self.history_pending = None
        index = self.history_index
        summaries = index.load() if index is not None and under == "" else None
        only = self._one_shot and summaries is not None
        errors = self.history.relist(self._root_text, under, summaries, only)
        if index is not None and index.problem is not None:
            errors[index.problem.path] = index.problem
        if index is not None and summaries is not None and self.history.listed:
            index.save(self.history.summaries(), set(summaries) - set(self.history.folders))
        if index is not None:
            index.close()
            self.history_index = None  # the first scan only: later ones list every name
        return errors

    def _history_event(self, relative: str, change: StoreChange) -> None:
        """A file event on a history file: counted or uncounted; re-read when it is in the
        window and changed (``_reconcile`` then reads what moved into the window)."""
        if os.path.lexists(self.root / relative):
            self.history.add(relative)
            if relative in self._history_read:
                self._read(relative, change)
        else:
            self.history.remove(relative)
            self._forget(relative, change)

    def _reconcile(self, change: StoreChange) -> None:
        """Parse what entered the history window, forget what left it."""
        wanted = self.history.selection()
        for path in [p for p in self._history_read if p not in wanted]:
            self._forget(path, change)
        for path in sorted(wanted - self._history_read):
            self._read(path, change)

    def _signature(self, relative: str) -> tuple[float, int]:
        """(mtime, size) of a file read before; a file never read is read anyway."""
        if relative not in self._signatures:
            return UNKNOWN_SIGNATURE
        try:
            info = os.stat(os.path.join(self._root_text, relative))
        except OSError:
            return FAILED_SIGNATURE
        return (info.st_mtime, info.st_size)

    def _forget(self, relative: str, change: StoreChange) -> None:
        self._history_read.discard(relative)
        kind = self._kinds.pop(relative, None)
        self._signatures.pop(relative, None)
        self.failures.pop(relative, None)
        self.warnings.pop(relative, None)
        self.work_since.pop(relative, None)
        if kind is None:
            return
        if kind is FileKind.PRIORITIES:
            self.priorities = ()
        self.records[kind].pop(relative, None)
        change.removed.append(relative)

    def _place(self, relative: str) -> Place | None:
        known = self._kinds.get(relative)
        return PLACE_OF_KIND[known] if known in PLACE_OF_KIND else classify(relative)

    def _read(
        self,
        relative: str,
        change: StoreChange,
        loaded: Loaded | None = None,
        folders: Folders | None = None,
    ) -> None:
        """Read one file (or take what a child read) into its record or its failure;
        ``folders``: the scan's verified folders (``guard.Folders``)."""
        place = self._place(relative)
        if place is None:
            return
        existed = relative in self._kinds
        self._kinds[relative] = place.kind
        if place.kind is FileKind.HEARTBEAT or place.kind is FileKind.MESSAGE:
            self._history_read.add(relative)
        if loaded is None:
            limit, within = self.settings.max_file_bytes, self._within()
            loaded = load(self._root_text, relative, place, limit, within, folders)
        self._signatures[relative] = (loaded.mtime, loaded.size)
        if loaded.error is not None:
            self._fail(relative, place.kind, loaded.error, loaded.transient, loaded.mtime, change)
            return
        if place.kind is FileKind.PRIORITIES:
            self.priorities = loaded.record
        self._store(relative, place.kind, loaded.record, loaded.problems, change, existed)

    def _store(
        self,
        relative: str,
        kind: FileKind,
        record: Any,
        problems: list[str],
        change: StoreChange,
        existed: bool,
    ) -> None:
        self.failures.pop(relative, None)
        if kind is FileKind.SESSION:
            self._track_work(relative, record)
        self.records[kind][relative] = record
        if problems:
            warnings = [
                FileError(path=relative, reason=reason, kind=kind.value, severity="warning")
                for reason in problems
            ]
            if self.warnings.get(relative) != warnings:
                change.new_errors += warnings
            self.warnings[relative] = warnings
        else:
            self.warnings.pop(relative, None)
        (change.updated if existed else change.added).append(relative)

    def _track_work(self, relative: str, session: Session) -> None:
        previous = self.records[FileKind.SESSION].get(relative)
        if previous is not None and normalise_work(previous.current_work) == normalise_work(
            session.current_work
        ):
            return
        if previous is None:
            since = session.started_at or datetime.fromtimestamp(session.mtime, tz=timezone.utc)
        else:
            since = datetime.fromtimestamp(session.mtime, tz=timezone.utc)
        self.work_since[relative] = since

    def _fail(
        self,
        relative: str,
        kind: FileKind,
        reason: str,
        transient: bool,
        mtime: float,
        change: StoreChange,
    ) -> None:
        kept = relative in self.records[kind]
        error = FileError(path=relative, reason=reason, kind=kind.value)
        previous = self.failures.get(relative)
        self.failures[relative] = Failure(error, transient, mtime, kept)
        self.warnings.pop(relative, None)
        if previous is None or previous.error != error:
            change.new_errors.append(error)
