"""A session's inbox: broadcasts and its direct messages, each delivered once (stdlib only).

The read cursor lives in ``.coordinator/inbox/<session>.json``: per folder, the
oldest message stamp still of interest (``since``), the names already delivered
at or after it (``seen``), and the folder's modification time when everything in
it had been handled, so a prompt with nothing new costs one ``stat`` per folder
instead of a listing. Message names start with their ``YYYY-MM-DD_HH-MM-SS``
stamp; a clash suffix (``-2``) or a late writer does not hide a message, because
delivery is decided by name, not by a high-water mark.

A new session sees the last hour of broadcasts and every direct message to it;
broadcasts older than a day are no longer news.
"""

from __future__ import annotations

import os
import time

from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BROADCAST_BACKLOG_S = 3600.0
BROADCAST_HORIZON_S = 86400.0
SETTLED_S = 2.0
"""A folder's mtime is trusted as "nothing new" only once it is this old (coarse clocks)."""
_DIGITS = frozenset("0123456789")


def name_stamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%d_%H-%M-%S", time.gmtime(epoch))


def _key(name: str, folder: str) -> str:
    """The message's stamp from its name, else from its modification time."""
    head = name[:19]
    if len(head) == 19 and all(head[i] in _DIGITS for i in (0, 1, 2, 3, 5, 6, 8, 9)):
        return head
    try:
        return name_stamp(os.lstat(os.path.join(folder, name)).st_mtime)
    except OSError:
        return ""


def is_urgent(message: dict[str, Any]) -> bool:
    """``"urgent": true``, ``"priority": "urgent"|"high"``, or a subject starting
    ``urgent`` or ``!``."""
    if message.get("urgent") is True:
        return True
    if str(message.get("priority", "")).strip().lower() in ("urgent", "high"):
        return True
    subject = str(message.get("subject") or "").strip().lower()
    return subject.startswith(("urgent", "!"))


class Inbox:
    """One session's unread messages and read cursor. ``unread`` lists, ``mark`` records
    what was actually delivered, ``save`` writes the cursor (skipped with ``peek``)."""

    def __init__(self, root: str, session_id: str, now: float | None = None) -> None:
        self.root = root
        self.session_id = session_id
        self.now = time.time() if now is None else now
        self.cursor_path = os.path.join(root, fsio.PRIVATE, "inbox", f"{session_id}.json")
        cursor = fsio.read_json(self.cursor_path, 4 << 20)
        self.cursor: dict[str, Any] = cursor if isinstance(cursor, dict) else {}
        self.folders = {
            "broadcast": os.path.join(root, "messages", "broadcast"),
            "direct": os.path.join(root, "messages", "direct", session_id),
        }
        self.changed = False
        self._complete: dict[str, int] = {}

    def _state(self, kind: str) -> dict[str, Any]:
        state = self.cursor.get(kind)
        if not isinstance(state, dict):
            since = name_stamp(self.now - BROADCAST_BACKLOG_S) if kind == "broadcast" else ""
            state = {"since": since, "seen": [], "mtime_ns": 0}
            self.cursor[kind] = state
            self.changed = True
        if not isinstance(state.get("seen"), list):
            state["seen"] = []
        if not isinstance(state.get("since"), str):
            state["since"] = ""
        return state

    def unread(self, urgent_only: bool = False) -> list[dict[str, Any]]:
        """Messages not yet delivered, oldest first; each with ``kind`` and ``file``."""
        found: list[dict[str, Any]] = []
        for kind, folder in self.folders.items():
            if urgent_only and kind == "broadcast":
                continue
            found.extend(self._unread_in(kind, folder, urgent_only))
        found.sort(key=lambda message: (message["_key"], message["file"]))
        return found

    def _unread_in(self, kind: str, folder: str, urgent_only: bool) -> list[dict[str, Any]]:
        state = self._state(kind)
        try:
            info = os.stat(folder)
        except OSError:
            return []
        if info.st_mtime_ns == state.get("mtime_ns"):
            return []
        try:
            fsio.inside(self.root, folder)
            names = os.listdir(folder)
        except OSError:
            return []
        seen = set(state["seen"])
        since = state["since"]
        found = []
        for name in names:
            if name.startswith(".") or not name.endswith(".json") or name in seen:
                continue
            key = _key(name, folder)
            if key < since:
                continue
            message = fsio.read_json(os.path.join(folder, name), 256 * 1024)
            if not isinstance(message, dict):
                continue
            if kind == "broadcast" and message.get("from") == self.session_id:
                continue
            if urgent_only and not is_urgent(message):
                continue
            found.append({**message, "kind": kind, "file": name, "_key": key})
        if not urgent_only and self.now - info.st_mtime_ns / 1e9 > SETTLED_S:
            self._complete[kind] = info.st_mtime_ns
        return found

    def mark(self, delivered: list[dict[str, Any]], everything: bool = False) -> None:
        """Record ``delivered`` as read. ``everything``: they were all the folder held, so
        its mtime may stand for "nothing new" next time."""
        for message in delivered:
            state = self._state(message["kind"])
            state["seen"].append(message["file"])
            self.changed = True
        if everything:
            for kind, mtime in self._complete.items():
                self._state(kind)["mtime_ns"] = mtime
                self.changed = True
        self._prune()

    def _prune(self) -> None:
        broadcast = self._state("broadcast")
        horizon = name_stamp(self.now - BROADCAST_HORIZON_S)
        if broadcast["since"] < horizon:
            broadcast["since"] = horizon
            self.changed = True
        for kind in self.folders:
            state = self._state(kind)
            kept = [
                name for name in state["seen"] if name[:19] >= state["since"] or not _looks(name)
            ]
            if len(kept) != len(state["seen"]):
                state["seen"] = kept
                self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        folder = fsio.ensure_folder(self.root, fsio.PRIVATE, "inbox")
        data = fsio.dumps(self.cursor)
        fsio.replace_file(folder, f"{self.session_id}.json", data, durable=False)
        self.changed = False


def _looks(name: str) -> bool:
    head = name[:19]
    return len(head) == 19 and head[:4].isdigit()
