"""Message receipts: when a message reached a session's context, and when it was acted on.

A message is *written* when its file appears; *delivered* when a hook put it into the
agent's context (or ``session inbox`` printed it); *acted on* when the agent's next turn
ran to its end after that (a ``Stop``, Gemini's ``AfterAgent``, Codex's turn-complete
``notify``). The hook records the last two in ``.coordinator/receipts/<session>.json``::

    {"version": 1, "messages": {"direct/<file>": ["<delivered at>Z", "<acted on at>Z" | null]}}

keyed by the message's folder kind and file name (a session's direct messages all lie in
``messages/direct/<session>/``). Standard library and ``agents/`` only: ``note`` runs in
the hook, once per event, and costs nothing for an event that delivers nothing and ends
no turn. The file is ours but lies in the coordination directory: ``read`` coerces
everything, and adds the names the inbox cursor holds as delivered at an unknown time
(messages read before receipts existed, or by a hook of an older version).
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

FOLDER = "receipts"
TURN_ENDS = frozenset({"Stop", "notify"})
"""Events (as the hook names them: Gemini's ``AfterAgent`` is ``Stop``) that end a turn."""
KEEP = 300
"""Receipts kept per session (the hook rewrites them all at a delivery: 300 take ~20 KB);
the oldest acted-on ones go first."""
MAX_KEY = 300
LOCK_WAIT_S = 2.0
KINDS = ("broadcast", "direct")

Delivery = tuple["float | None", "float | None"]
"""(delivered at, acted on at) in epoch seconds; delivered at None: at a time not known."""


def key_of(kind: object, file_name: object) -> str | None:
    """``direct/<file>`` or ``broadcast/<file>``; None for anything else."""
    if kind not in KINDS or not isinstance(file_name, str) or not file_name:
        return None
    if "/" in file_name or len(file_name) > MAX_KEY:
        return None
    return f"{kind}/{file_name}"


def note(
    root: str, session_id: str, event: str, delivered: list[dict[str, Any]], now: float
) -> None:
    """Record what this event delivered (messages with ``kind`` and ``file``) and, at the
    end of a turn, mark everything delivered before as acted on. Raises OSError only."""
    keys = [key for key in (key_of(m.get("kind"), m.get("file")) for m in delivered) if key]
    ends_turn = event in TURN_ENDS
    if not keys and not ends_turn:
        return
    folder = os.path.join(root, fsio.PRIVATE, FOLDER)
    name = f"{session_id}.json"
    if not keys and not os.path.lexists(os.path.join(folder, name)):
        return  # a turn ended with nothing ever delivered: no file to read
    folder = fsio.ensure_folder(root, fsio.PRIVATE, FOLDER)
    lock = _lock(folder, session_id)
    try:
        document = fsio.read_json(os.path.join(folder, name), 4 << 20)
        entries = _entries(document)
        stamp = fsio.utc_stamp(now)
        changed = False
        for key in keys:
            if key not in entries:
                entries[key] = [stamp, None]
                changed = True
        if ends_turn:
            for entry in entries.values():
                if entry[1] is None:
                    entry[1] = stamp
                    changed = True
        if changed:
            document = {"version": 1, "messages": _pruned(entries)}
            data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
            fsio.replace_file(folder, name, data, durable=False)  # compact: C encoder
    finally:
        if lock >= 0:
            os.close(lock)


def _lock(folder: fsio.Folder, session_id: str) -> int:
    """An ``flock`` on ``<session>.lock`` beside the receipts (two hooks of one session
    never lose each other's marks); -1 when it cannot be had within ``LOCK_WAIT_S``, and
    the write then goes ahead unlocked rather than lose the receipt."""
    import fcntl

    dir_fd = fsio.open_folder(folder.root, "/".join(folder.parts))
    try:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        fd = os.open(f"{session_id}.lock", flags, 0o644, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                os.close(fd)
                return -1
        time.sleep(0.01)


def _entries(document: object) -> dict[str, list[str | None]]:
    """The receipts of a file as written by ``note``; anything else is dropped."""
    messages = document.get("messages") if isinstance(document, dict) else None
    if not isinstance(messages, dict):
        return {}
    kept: dict[str, list[str | None]] = {}
    for key, entry in messages.items():
        if not isinstance(key, str) or len(key) > MAX_KEY or not isinstance(entry, list):
            continue
        pair = [*entry[:2], None, None][:2]
        kept[key] = [value if isinstance(value, str) else None for value in pair]
    return kept


def _pruned(entries: dict[str, list[str | None]]) -> dict[str, list[str | None]]:
    if len(entries) <= KEEP:
        return entries
    order = sorted(entries, key=lambda key: (entries[key][1] is None, entries[key][0] or ""))
    dropped = set(order[: len(entries) - KEEP])
    return {key: value for key, value in entries.items() if key not in dropped}


def read(root: str, session_id: str) -> dict[str, Delivery]:
    """Every message delivered to ``session_id``: key → (delivered at, acted on at). The
    receipts first; names in the inbox cursor's read lists count as delivered (time not
    known) when no receipt names them. Never raises: what cannot be read is not there."""
    if not fsio.is_safe_id(session_id):
        return {}
    private = os.path.join(root, fsio.PRIVATE)
    found: dict[str, Delivery] = {}
    cursor = fsio.read_json(os.path.join(private, "inbox", f"{session_id}.json"), 4 << 20)
    if isinstance(cursor, dict):
        for kind in KINDS:
            state = cursor.get(kind)
            seen = state.get("seen") if isinstance(state, dict) else None
            for name in seen if isinstance(seen, list) else ():
                key = key_of(kind, name)
                if key is not None:
                    found[key] = (None, None)
    document = fsio.read_json(os.path.join(private, FOLDER, f"{session_id}.json"), 4 << 20)
    for key, (delivered, acted) in _entries(document).items():
        found[key] = (fsio.parse_stamp(delivered), fsio.parse_stamp(acted))
    return found


def book(root: str, session_ids: list[str]) -> dict[str, dict[str, Delivery]]:
    """``read`` for each of ``session_ids`` (sessions with nothing delivered left out)."""
    result = {}
    for session_id in session_ids:
        deliveries = read(root, session_id)
        if deliveries:
            result[session_id] = deliveries
    return result
