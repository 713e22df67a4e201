"""Decisions: written by whoever answers, taken once by the hook that waits.

A decision is ``decisions/<id>.json`` in the private state folder, created (never
replaced: a second answer to one request is refused) holding the request's id and
digest. The hook takes it (``take``) only when it is a regular file of this user (in a
folder no one else may enter), is not a link, is fresh, names this very request and this very
tool and input; whatever it reads it deletes, so a decision is used once, and a refused
one is only audited. Nothing is ever read from the coordination directory or a project.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass

from coordinator_tui.approvals.requests import Request, is_id
from coordinator_tui.approvals.state import Place
from coordinator_tui.files import fsio

BEHAVIOURS = ("allow", "deny")
ANSWERERS = ("dashboard", "cli", "web", "rule", "demo")
"""Who may write a decision; ``timeout`` and ``pane`` are audited, never written."""
MAX_DECISION_BYTES = 64 * 1024
MAX_AGE_S = 60.0
"""A decision older than this when the hook first sees it is refused (the hook looks
every 100 ms: an old file was not written for the request now waiting)."""
CLOCK_SKEW_S = 2.0
MAX_MESSAGE_CHARS = 2000


class AlreadyAnswered(Exception):
    """A decision for this request exists (someone answered first)."""


@dataclass(frozen=True)
class Decision:
    request_id: str
    digest: str
    behavior: str
    message: str
    by: str
    decided_at: float


@dataclass(frozen=True)
class Refused:
    """A decision file the hook would not use, and why."""

    reason: str


def write(
    place: Place, request: Request, behavior: str, message: str, by: str, now: float
) -> Decision:
    """Answer ``request``: ``AlreadyAnswered`` when a decision is there already."""
    if behavior not in BEHAVIOURS:
        raise ValueError(f"behavior must be one of {', '.join(BEHAVIOURS)}, got {behavior!r}")
    if by not in ANSWERERS:
        raise ValueError(f"by must be one of {', '.join(ANSWERERS)}, got {by!r}")
    decision = Decision(request.id, request.digest, behavior, message[:MAX_MESSAGE_CHARS], by, now)
    document = {
        "request_id": decision.request_id,
        "digest": decision.digest,
        "behavior": decision.behavior,
        "message": decision.message,
        "by": decision.by,
        "decided_at": decision.decided_at,
    }
    data = json.dumps(document, ensure_ascii=True).encode("ascii")
    try:
        fsio.create_exclusive(place.folder("decisions"), f"{request.id}.json", data)
    except FileExistsError:
        raise AlreadyAnswered(request.id) from None
    return decision


def _read_once(path: str) -> bytes | Refused | None:
    """The file's bytes, checked on its open descriptor; the name is unlinked after the
    read whatever it held (a link's name too: never followed)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as error:
        _unlink(path)
        if error.errno == errno.ELOOP:
            return Refused("the decision file is a symbolic link")
        return Refused(f"the decision file cannot be opened: {error.strerror}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return Refused("the decision file is not a regular file")
        if info.st_uid != os.geteuid():
            return Refused("the decision file belongs to another user")
        if info.st_size > MAX_DECISION_BYTES:
            return Refused("the decision file is too large")
        return os.read(fd, MAX_DECISION_BYTES + 1)
    finally:
        os.close(fd)
        _unlink(path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return


def check(document: object, request: Request, now: float) -> Decision | Refused:
    """The decision in ``document`` if it answers ``request`` now, else why not."""
    if not isinstance(document, dict):
        return Refused("the decision is not a JSON object")
    if not is_id(document.get("request_id")) or document.get("request_id") != request.id:
        return Refused("the decision is for another request")
    if document.get("digest") != request.digest:
        return Refused("the decision is for another tool or input")
    behavior, by = document.get("behavior"), document.get("by")
    if behavior not in BEHAVIOURS or by not in ANSWERERS:
        return Refused("the decision's behavior or answerer is unknown")
    decided = document.get("decided_at")
    if isinstance(decided, bool) or not isinstance(decided, (int, float)):
        return Refused("the decision has no time")
    if decided < request.created_at - CLOCK_SKEW_S or decided > now + CLOCK_SKEW_S:
        return Refused("the decision was not made while this request waited")
    if now - decided > MAX_AGE_S:
        return Refused("the decision is too old")
    message = document.get("message")
    text = message[:MAX_MESSAGE_CHARS] if isinstance(message, str) else ""
    return Decision(request.id, request.digest, str(behavior), text, str(by), float(decided))


def take(place: Place, request: Request, now: float) -> Decision | Refused | None:
    """The decision for ``request``, read and removed (so used once); None when there is
    none yet."""
    data = _read_once(place.decision_path(request.id))
    if data is None or isinstance(data, Refused):
        return data
    try:
        document = json.loads(data)
    except ValueError:
        return Refused("the decision is not JSON")
    return check(document, request, now)


def exists(place: Place, request_id: str) -> bool:
    """A decision is there, not yet taken."""
    return os.path.lexists(place.decision_path(request_id))
