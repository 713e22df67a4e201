"""What the dashboard shows of ``.coordinator/sync-state.json``: the last round and the
claims this machine lost to another one.

The file is untrusted like everything in the directory: read through the guarded
reader (regular file, inside the directory, size-capped, opened once), every
field coerced, and a file that cannot be read or does not parse is a ``FileError``
with its path and reason rather than an empty state. No file: no sync, ``None``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from coordinator_tui.files.reader import parse_json_text, read_bytes
from coordinator_tui.files.records import FileError
from coordinator_tui.files.timeparse import parse_timestamp
from coordinator_tui.render.sanitize import display
from coordinator_tui.sync.state import MAX_ENTRIES, MAX_STATE_BYTES, STATE_FILE

TEXT_WIDTH = 200
"""Characters kept of any string from the file."""


@dataclass(frozen=True, slots=True)
class LostClaim:
    path: str
    lost_by: str
    held_by: str
    at: datetime | None
    message: str


@dataclass(frozen=True, slots=True)
class SyncView:
    """The parts of the sync state a person needs; every string already plain text."""

    outcome: str
    """The last round's outcome (``pushed``, ``rejected``…), or empty."""
    at: datetime | None
    error: str
    lost_claims: tuple[LostClaim, ...]
    problem: FileError | None = None
    """Why the file could not be read (then the rest is empty)."""
    mtime: float = 0.0


def _text(value: Any) -> str:
    return display(value, TEXT_WIDTH) if isinstance(value, str) else ""


def _lost(item: Any) -> LostClaim | None:
    if not isinstance(item, dict):
        return None
    return LostClaim(
        path=_text(item.get("path")),
        lost_by=_text(item.get("lost_by")),
        held_by=_text(item.get("held_by")),
        at=parse_timestamp(item.get("at")),
        message=_text(item.get("message")),
    )


def _broken(reason: str, mtime: float = 0.0) -> SyncView:
    problem = FileError(path=STATE_FILE.as_posix(), reason=reason, kind="sync")
    return SyncView("", None, "", (), problem, mtime)


def state_mtime(root: Path) -> float | None:
    """The state file's mtime (not following a link), or None when there is none: the
    dashboard reads the file again only when this changes."""
    try:
        return os.lstat(root / STATE_FILE).st_mtime
    except OSError:
        return None


def read_sync_view(root: Path) -> SyncView | None:
    """The sync state of ``root``; None when the directory is not synced (no file)."""
    if not os.path.lexists(root / STATE_FILE):
        return None
    try:
        within = str(root.resolve())
    except (OSError, RuntimeError) as unresolved:
        return _broken(f"directory not resolved: {unresolved}")
    data, error, mtime, _size = read_bytes(root / STATE_FILE, MAX_STATE_BYTES, within=within)
    if data is None:
        return _broken(error or "not read")
    document, _recovered, parse_problem = parse_json_text(data.decode("utf-8", "replace"))
    if not isinstance(document, dict):
        return _broken(parse_problem or "not a JSON object", mtime)
    last = document.get("last_round")
    last = last if isinstance(last, dict) else {}
    items = document.get("lost_claims")
    lost = [_lost(item) for item in (items if isinstance(items, list) else ())[-MAX_ENTRIES:]]
    return SyncView(
        outcome=_text(last.get("outcome")),
        at=parse_timestamp(last.get("at")),
        error=_text(last.get("error")),
        lost_claims=tuple(item for item in lost if item is not None),
        mtime=mtime,
    )
