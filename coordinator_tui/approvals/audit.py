"""The audit log: one JSON line per request, decision, refusal and end of a wait.

``audit.log`` in the directory's corner of the private state folder, appended through
the file layer (never through a link, never blocking on a FIFO), rotated to
``audit.log.1`` past 1 MiB.
``event`` is what happened, ``by`` who answered: ``dashboard``, ``cli``, ``web``,
``rule``, ``demo`` (decisions), ``timeout`` (no answer in time), ``pane`` (answered in
the agent's own dialog), ``gone`` (the hook's agent went away).
"""

from __future__ import annotations

import json
import os
import time

from coordinator_tui.approvals.state import APPROVALS, AUDIT, Place
from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from coordinator_tui.approvals.requests import Request

LIMIT_BYTES = 1 << 20
MAX_READ_BYTES = 4 << 20
EVENTS = ("request", "decided", "applied", "refused", "ended")
"""``request`` made, ``decided`` (a decision written), ``applied`` (taken by the hook, or
a rule's), ``refused`` (a decision the hook would not use), ``ended`` (without one)."""
NAMED = ("id", "session", "agent", "tool", "digest")


def record(
    place: Place, event: str, request: Request | dict[str, Any] | None, **fields: Any
) -> bool:
    """Append one line naming the request (a ``Request`` or its file's JSON); False when
    it cannot be written (the caller goes on: an audit failure must not hang an agent)."""
    line: dict[str, Any] = {"at": round(time.time(), 3), "event": event}
    if isinstance(request, dict):
        line.update({key: request.get(key) for key in NAMED})
    elif request is not None:
        line.update({key: getattr(request, key) for key in NAMED})
    line.update({key: value for key, value in fields.items() if value is not None})
    data = (json.dumps(line, ensure_ascii=True, default=str) + "\n").encode("ascii")
    try:
        fsio.ensure_folder(place.state, APPROVALS, place.key)
        _rotate(place.audit)
        fsio.append_in(place.state, f"{APPROVALS}/{place.key}/{AUDIT}", data)
    except OSError:
        return False
    return True


def _rotate(path: str) -> None:
    try:
        if os.lstat(path).st_size > LIMIT_BYTES:
            os.replace(path, path + ".1")
    except FileNotFoundError:
        return


def read(place: Place) -> list[dict[str, Any]]:
    """The current log's lines that are JSON objects, oldest first."""
    data = fsio.read_bytes(place.audit, MAX_READ_BYTES)[0]
    if not data:
        return []
    lines = []
    for raw in data.splitlines():
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines
