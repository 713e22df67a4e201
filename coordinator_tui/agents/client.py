"""The session client: a session's own file, written right (stdlib only).

What the collective's shell scripts did — start, heartbeat, end — with valid JSON,
atomic replacement, and the collective's own fields first so its readers keep
working. New fields say what the dashboard needs to know that the scripts never
wrote: ``agent`` (claude, codex, gemini, cli), ``state`` (working, waiting, idle,
ended: the session's own word, which decides waiting and ended; heartbeat age
still decides stale and gone), ``cwd``, ``tmux_pane``/``tmux_socket``, ``host``,
``pid`` and, for an agent, ``pid_start`` (the agent process's start time, so a dead
agent on this host is ended at once and a reused pid is not taken for it).
"""

from __future__ import annotations

import os
import time

from coordinator_tui.agents import process
from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STATES = ("working", "waiting", "idle", "ended")
WORK_WIDTH = 200
SET_BY_SESSION = "session"
"""``work_source`` when the session (``--work``) set its work: prompts then leave it."""
SET_BY_PROMPT = "prompt"


class SessionError(ValueError):
    """A request the client refuses (bad id, unknown state); says why in one line."""


def check_id(session_id: object) -> str:
    if not isinstance(session_id, str) or not fsio.is_safe_id(session_id):
        raise SessionError(
            f"session id {session_id!r} may hold only letters, digits and . _ @ + -, "
            "must start with a letter or digit and be at most 128 characters"
        )
    return session_id


def file_name(session_id: str) -> str:
    """``session-<id>.json`` (the dashboard reads ``sessions/session*.json``); an id that
    already starts with ``session`` is used as it is, as the collective's scripts do."""
    return (
        f"{session_id}.json" if session_id.startswith("session") else f"session-{session_id}.json"
    )


def session_path(root: str, session_id: str) -> str:
    return os.path.join(root, "sessions", file_name(session_id))


def load(root: str, session_id: str) -> dict[str, Any] | None:
    """The session's file as a dict, or None when absent or not an object."""
    document = fsio.read_json_in(root, "sessions", file_name(session_id))
    return document if isinstance(document, dict) else None


def save(root: str, document: dict[str, Any], durable: bool = False) -> str:
    folder = fsio.ensure_folder(root, "sessions")
    return fsio.replace_file(
        folder, file_name(document["session_id"]), fsio.dumps(document), durable
    )


def one_line(text: object, width: int = WORK_WIDTH) -> str | None:
    """The first non-blank line of ``text``, control characters dropped, clipped."""
    if not isinstance(text, str):
        return None
    for line in text.splitlines():
        clean = "".join(char for char in line if char >= " " and char != "\x7f").strip()
        if clean:
            return clean if len(clean) <= width else clean[: width - 1] + "…"
    return None


def environment(
    cwd: str | None = None, pid: int | None = None, agent: str | None = None
) -> dict[str, Any]:
    """Where the session runs: working folder, tmux pane and server socket, host, pid.

    For an ``agent`` the pid is the agent's own process (found above the shell that
    runs the hook) with its start time; otherwise ``pid`` or the parent's, and no start
    time (a script's shell may end long before its session)."""
    tmux = os.environ.get("TMUX", "")
    found = process.agent_process(agent) if agent else None
    return {
        "cwd": cwd or os.getcwd(),
        "tmux_pane": os.environ.get("TMUX_PANE") or None,
        "tmux_socket": tmux.split(",", 1)[0] or None,
        "host": process.host(),
        "pid": found[0] if found else (os.getppid() if pid is None else pid),
        "pid_start": found[1] if found else None,
    }


def new_document(
    session_id: str,
    agent: str,
    work: str | None,
    capabilities: list[str],
    now: float,
    place: dict[str, Any],
) -> dict[str, Any]:
    stamp = fsio.utc_stamp(now)
    return {
        "session_id": session_id,
        "started_at": stamp,
        "status": "active",
        "current_work": work,
        "capabilities": capabilities,
        "last_heartbeat": stamp,
        "heartbeat_count": 1,
        "agent": agent,
        "state": "working" if work else "idle",
        "state_since": stamp,
        "work_source": SET_BY_SESSION if work else None,
        **place,
    }


def start(
    root: str,
    session_id: str,
    agent: str = "cli",
    work: str | None = None,
    capabilities: list[str] | None = None,
    place: dict[str, Any] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Register ``session_id`` (or bring back an ended one). A file already there keeps
    its start time, count, fields of other writers and its work unless ``work`` is given."""
    check_id(session_id)
    moment = time.time() if now is None else now
    where = place if place is not None else environment()
    document = load(root, session_id)
    if document is None:
        document = new_document(session_id, agent, work, list(capabilities or []), moment, where)
    else:
        document.update(where)
        document["agent"] = agent
        document["status"] = "active"
        if capabilities is not None:
            document["capabilities"] = list(capabilities)
        if work:
            document["current_work"], document["work_source"] = work, SET_BY_SESSION
        state = "working" if work else "idle"
        _touch(document, moment, state)
    save(root, document)
    return document


def _touch(document: dict[str, Any], now: float, state: str | None) -> None:
    stamp = fsio.utc_stamp(now)
    document["last_heartbeat"] = stamp
    count = document.get("heartbeat_count")
    document["heartbeat_count"] = (count if isinstance(count, int) and count >= 0 else 0) + 1
    if state is not None and state != document.get("state"):
        document["state"] = state
        document["state_since"] = stamp


def beat(
    root: str,
    session_id: str,
    work: str | None = None,
    state: str | None = None,
    source: str = SET_BY_SESSION,
    throttle_s: float = 0.0,
    now: float | None = None,
    agent: str = "cli",
    place: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """A heartbeat, with new work or state when given; registers an unknown session
    (where it runs: ``place``, else ``environment()``). A ``place`` naming another agent
    process than the file (a resumed session) is written even when throttled.

    ``source`` ``prompt`` sets the work only when the session did not set its own; new
    work with no ``state`` means working.
    With ``throttle_s`` nothing is written (None returned) when neither work nor state
    changes and the last beat is younger than that."""
    check_id(session_id)
    if state is not None and state not in STATES:
        raise SessionError(f"state {state!r} is not one of {', '.join(STATES)}")
    moment = time.time() if now is None else now
    document = load(root, session_id)
    if document is None:
        document = new_document(session_id, agent, None, [], moment, place or environment())
        document["heartbeat_count"], throttle_s = 0, 0.0
    elif place and place.get("pid_start") and _process_of(place) != _process_of(document):
        document.update(place)
        throttle_s = 0.0
    new_work = work
    if source == SET_BY_PROMPT and document.get("work_source") == SET_BY_SESSION:
        new_work = None
    if new_work == document.get("current_work"):
        new_work = None
    if throttle_s > 0 and new_work is None and state in (None, document.get("state")):
        last = fsio.parse_stamp(document.get("last_heartbeat"))
        if last is not None and 0 <= moment - last < throttle_s:
            return None
    if new_work is not None:
        document["current_work"], document["work_source"] = new_work, source
        state = state or "working"  # new work without a word on state: at work
    if document.get("status") != "active" and state not in (None, "ended"):
        document["status"] = "active"
    _touch(document, moment, state)
    save(root, document)
    return document


def _process_of(document: dict[str, Any]) -> tuple[object, object, object]:
    return document.get("host"), document.get("pid"), document.get("pid_start")


def end(root: str, session_id: str, now: float | None = None) -> dict[str, Any] | None:
    """State ``ended`` (and ``status`` ``ended`` for the collective's readers); None when
    the session never registered. Claims are released by the caller."""
    check_id(session_id)
    document = load(root, session_id)
    if document is None:
        return None
    document["status"] = "ended"
    _touch(document, time.time() if now is None else now, "ended")
    save(root, document)
    return document


def is_live(document: dict[str, Any] | None, now: float, gone_after_s: float = 7200.0) -> bool:
    """Not ended, its agent process (when recorded on this host) still running, and a
    heartbeat younger than ``gone_after_s`` (the dashboard's rule)."""
    if not isinstance(document, dict) or document.get("state") == "ended":
        return False
    if process.is_gone(*_process_of(document)):
        return False
    last = fsio.parse_stamp(document.get("last_heartbeat"))
    return last is not None and now - last <= gone_after_s
