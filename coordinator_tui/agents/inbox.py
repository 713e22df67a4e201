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

Exactly once: the caller holds ``lock()`` from reading the cursor until the hook's
reply is written and the cursor saved, so two hooks of one session running at once
never deliver one message twice, and a reply that could not be written marks nothing.
A message file that cannot be read (nested too deeply, not JSON, not a regular file)
is delivered as a notice naming it, once, and never stops the others. A message over
``MESSAGE_MAX_BYTES`` (256 KiB) is delivered as a notice with its first characters.
"""

from __future__ import annotations

import errno
import json
import os
import time

from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BROADCAST_BACKLOG_S = 3600.0
BROADCAST_HORIZON_S = 86400.0
MESSAGE_MAX_BYTES = 256 * 1024
LOCK_WAIT_S = 3.0
HEAD_CHARS = 600
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
            message = _read_message(os.path.join(folder, name))
            if message is None:
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
        """Write the cursor (the caller holds ``lock()``: it was read under the same lock)."""
        if not self.changed:
            return
        folder = fsio.ensure_folder(self.root, fsio.PRIVATE, "inbox")
        data = fsio.dumps(self.cursor)
        fsio.replace_file(folder, f"{self.session_id}.json", data, durable=False)
        self.changed = False


class Lock:
    """``flock`` on ``.coordinator/inbox/<session>.lock``: one hook of a session at a time
    between reading the cursor and saving it. ``held`` is False when another hook kept it
    past ``LOCK_WAIT_S``: that hook then delivers nothing (never twice)."""

    def __init__(self, root: str, session_id: str) -> None:
        import fcntl

        self._fcntl = fcntl
        self.fd = -1
        self.held = False
        folder = fsio.ensure_folder(root, fsio.PRIVATE, "inbox")
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            self.fd = os.open(f"{session_id}.lock", flags, 0o644, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.held = True
                return
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    return
            time.sleep(0.01)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing drops the lock
            self.fd = -1
            self.held = False


def _read_message(path: str) -> dict[str, Any] | None:
    """The message in ``path``; a notice in its place when it cannot be read (too big,
    nested too deeply, not an object); None when it is gone or not a regular file."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if (info.st_mode & 0o170000) != 0o100000:
        return {"_notice": "is not a regular file; not read."}
    if info.st_size > MESSAGE_MAX_BYTES:
        head = _head(path)
        return {
            "_notice": f"is {info.st_size // 1024} KiB, over the {MESSAGE_MAX_BYTES // 1024} KiB"
            f" limit for a message; its first characters: {head!r}"
        }
    data = fsio.read_bytes(path, MESSAGE_MAX_BYTES)[0]
    if data is None:
        return None
    try:
        message = json.loads(data.decode("utf-8", "replace"))
    except RecursionError:
        return {"_notice": "is nested too deeply to read; skipped."}
    except ValueError:
        message = fsio.loads(data)  # the collective's broken JSON, through the lenient reader
    if not isinstance(message, dict):
        return {"_notice": "is not a JSON object; skipped."}
    return message


def _head(path: str) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        if (os.fstat(fd).st_mode & 0o170000) != 0o100000:
            return ""
        return os.read(fd, HEAD_CHARS * 4).decode("utf-8", "replace")[:HEAD_CHARS]
    finally:
        os.close(fd)


def _looks(name: str) -> bool:
    head = name[:19]
    return len(head) == 19 and head[:4].isdigit()
