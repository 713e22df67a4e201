"""What ``start`` remembers of a launch (``.coordinator/launch/<session>.json``) and the
one line each action adds to the session's timeline.

The launch record holds what ``stop`` needs and the session file does not say: the
tmux window ``start`` opened, the pane's first process and its start time, the worktree,
its branch and the commit it started at. It lies in the coordination directory, so
``stop`` trusts none of it blindly: a process is signalled only when tmux itself says
it runs in that pane and its start time matches, a worktree removed only when git says
it is one of the repository's and has no changes.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from coordinator_tui.agents import launched
from coordinator_tui.files import fsio
from coordinator_tui.files.timeparse import format_utc

TIMELINE_FOLDER = "heartbeats"


def save(root: Path, session_id: str, record: dict[str, Any]) -> None:
    folder = fsio.ensure_folder(str(root), fsio.PRIVATE, launched.FOLDER)
    fsio.replace_file(folder, f"{session_id}.json", fsio.dumps(record))


def load(root: Path, session_id: str) -> dict[str, Any]:
    """The launch record, or an empty dict (not launched by ``start``, or unreadable)."""
    if not fsio.is_safe_id(session_id):
        return {}
    record = fsio.read_json(launched.record_path(str(root), session_id), 65536)
    return record if isinstance(record, dict) else {}


def forget(root: Path, session_id: str) -> None:
    for path in (
        launched.record_path(str(root), session_id),
        launched.owner_path(str(root), session_id),
    ):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def timeline(root: Path, session_id: str, action: str, detail: str, now: datetime) -> Path:
    """One line in the session's timeline: a heartbeat event naming the action
    (``heartbeats/<stamp>-<session>.json``; never overwrites, a clash gets ``-2``)."""
    document = {
        "session_id": session_id,
        "timestamp": format_utc(now),
        "action": action,
        "by": "coordinator-tui",
        "detail": detail,
    }
    name = f"{now:%Y-%m-%d_%H-%M-%S}-{session_id}.json"
    data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return fsio.create_new_in(root, TIMELINE_FOLDER, name, data)
