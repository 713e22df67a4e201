"""A pending request: what an agent asks to do, written by its hook, read by everyone.

The hook writes ``pending/<id>.json`` (created, never replaced) and removes it when it
stops waiting; readers take a request as gone once its hook's process is gone or its
wait is over (``alive``), and ``sweep`` tidies what a killed hook left. The id is ours
(80 random bits): the agents' own input has no id for a permission request. ``digest``
binds a decision to the exact tool and input it answers.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field

from coordinator_tui.approvals.ids import is_id, process_start
from coordinator_tui.approvals.state import Place
from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_REQUEST_BYTES = 512 * 1024
MAX_INPUT_CHARS = 384 * 1024
MAX_STRING_CHARS = 128 * 1024
GRACE_S = 5.0
"""A request outlives its wait by this much before readers call it gone (the hook's own
cleanup comes first)."""


@dataclass(frozen=True)
class Request:
    """One permission request. ``answerable`` False: shown only ("answer in the pane"),
    for Gemini CLI or when the state folder is not private from the agent's project."""

    id: str
    root: str
    session: str
    agent: str
    tool: str
    tool_input: dict[str, Any]
    cwd: str
    digest: str
    created_at: float
    expires_at: float
    answerable: bool = True
    note: str = ""
    pid: int | None = None
    pid_start: int | None = None
    host: str = ""
    tmux_pane: str | None = None
    tmux_socket: str | None = None
    clipped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def alive(self, now: float, host: str | None = None) -> bool:
        """Still waiting: its wait not over (plus ``GRACE_S``) and, on this machine, its
        hook's process still the one that wrote it."""
        if now > self.expires_at + GRACE_S:
            return False
        if self.pid is None or self.host != (host or os.uname().nodename):
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True
        return self.pid_start is None or process_start(self.pid) in (None, self.pid_start)


def clip_input(tool_input: object) -> tuple[dict[str, Any], bool]:
    """The input as stored: a dict, each long string cut so the file stays under
    ``MAX_REQUEST_BYTES`` (the digest is taken over the whole input before this)."""
    if not isinstance(tool_input, dict):
        tool_input = {"value": tool_input}
    clipped = False
    kept: dict[str, Any] = {}
    for key, value in tool_input.items():
        if isinstance(value, str) and len(value) > MAX_STRING_CHARS:
            value, clipped = value[:MAX_STRING_CHARS], True
        kept[str(key)] = value
    text = json.dumps(kept, default=str)
    if len(text) > MAX_INPUT_CHARS:
        return {"value": text[:MAX_STRING_CHARS]}, True
    return kept, clipped


def write(place: Place, request: Request) -> str:
    """Create ``pending/<id>.json``; ``FileExistsError`` if the id is taken."""
    folder = place.folder("pending")
    data = json.dumps(request.to_json(), ensure_ascii=True, default=str).encode("ascii")
    return fsio.create_exclusive(folder, f"{request.id}.json", data)


def remove(place: Place, request_id: str) -> bool:
    """Take the request out of the inbox; False when it was already gone."""
    try:
        os.unlink(place.pending_path(request_id))
    except FileNotFoundError:
        return False
    return True


def _text(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return fsio.finite_seconds(value)


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def from_document(document: object, place: Place) -> Request | str:
    """The request in a pending file, or why it is not one."""
    if not isinstance(document, dict):
        return "not a JSON object"
    request_id = document.get("id")
    if not is_id(request_id):
        return "no valid id"
    created, expires = _number(document.get("created_at")), _number(document.get("expires_at"))
    if created is None or expires is None:
        return "no valid created_at/expires_at"
    tool_input = document.get("tool_input")
    return Request(
        id=str(request_id),
        root=place.root,
        session=_text(document.get("session"), "?"),
        agent=_text(document.get("agent"), "?"),
        tool=_text(document.get("tool"), "?"),
        tool_input=tool_input if isinstance(tool_input, dict) else {},
        cwd=_text(document.get("cwd")),
        digest=_text(document.get("digest")),
        created_at=created,
        expires_at=expires,
        answerable=document.get("answerable") is True,
        note=_text(document.get("note")),
        pid=_whole(document.get("pid")),
        pid_start=_whole(document.get("pid_start")),
        host=_text(document.get("host")),
        tmux_pane=_text(document.get("tmux_pane")) or None,
        tmux_socket=_text(document.get("tmux_socket")) or None,
        clipped=document.get("clipped") is True,
    )


def load(place: Place, request_id: str) -> Request | None:
    """One pending request by id, or None (absent, unreadable, not a request)."""
    if not is_id(request_id):
        return None
    data = fsio.read_bytes(place.pending_path(request_id), MAX_REQUEST_BYTES)[0]
    if data is None:
        return None
    try:
        found = from_document(json.loads(data), place)
    except ValueError:
        return None
    return found if isinstance(found, Request) and found.id == request_id else None


def read_all(place: Place) -> tuple[list[Request], list[tuple[str, str]]]:
    """Every request file of ``place``, oldest first, and (path, reason) of those that
    could not be read — living or not (see ``alive``)."""
    try:
        names = os.listdir(place.pending)
    except OSError:
        return [], []
    found: list[Request] = []
    problems: list[tuple[str, str]] = []
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        path = os.path.join(place.pending, name)
        data, why, _, _ = fsio.read_bytes(path, MAX_REQUEST_BYTES)
        if data is None:
            problems.append((path, why or "unreadable"))
            continue
        try:
            request = from_document(json.loads(data), place)
        except ValueError as error:
            problems.append((path, f"not JSON: {error}"))
            continue
        if isinstance(request, str):
            problems.append((path, request))
        elif f"{request.id}.json" != name:
            problems.append((path, "its id differs from its name"))
        else:
            found.append(request)
    found.sort(key=lambda request: (request.created_at, request.id))
    return found, problems


def pending(place: Place, now: float | None = None) -> list[Request]:
    """The requests still waiting, oldest first."""
    moment = time.time() if now is None else now
    host = os.uname().nodename
    return [request for request in read_all(place)[0] if request.alive(moment, host)]
