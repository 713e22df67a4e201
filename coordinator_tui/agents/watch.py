"""Leaving ``waiting`` when the person answers: a short-lived watcher of the transcript.

An agent asks for permission and the hook marks the session ``waiting``; but when the
person answers "No" (or presses Esc) Claude Code fires no further event, so nothing
would ever clear it. The hook therefore starts this watcher, detached, which reads
what the agent appends to its transcript (``transcript_path``) from that moment on.
It ends at the first of: a tool result or an interruption in the transcript (the
state becomes ``working``, or ``idle`` for a rejection or an interruption), any later
event of the session (the state or its moment changed), the agent's exit, or six
hours. It polls five times a second and reads only new lines.
"""

from __future__ import annotations

import json
import os
import time

from coordinator_tui.agents import client, process
from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

POLL_S = 0.2
MAX_WAIT_S = 6 * 3600.0
MAX_CHUNK = 1 << 20
REFUSALS = ("doesn't want to proceed", "[Request interrupted", "rejected")


def transcript_size(path: object) -> int | None:
    """The size of the transcript file now, or None when it is not a readable file."""
    if not isinstance(path, str) or not os.path.isabs(path):
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size if (info.st_mode & 0o170000) == 0o100000 else None


def verdict(lines: list[str], tool_use_id: str | None) -> str | None:
    """``idle`` when the transcript lines show the request refused or the turn
    interrupted, ``working`` when it was answered (a tool result, for ``tool_use_id``
    when the agent named it), else None. Claude Code's transcript and Codex's rollout
    are read; lines of any other shape say nothing."""
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        found = _claude(entry, tool_use_id) or _codex(entry) if isinstance(entry, dict) else None
        if found:
            return found
    return None


def _claude(entry: dict[str, Any], tool_use_id: str | None) -> str | None:
    message = entry.get("message")
    if entry.get("type") != "user" or not isinstance(message, dict):
        return None
    content = message.get("content")
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text" and str(part.get("text")).startswith("[Request interrupted"):
            return "idle"
        if part.get("type") == "tool_result" and tool_use_id in (None, part.get("tool_use_id")):
            refused = part.get("is_error") and any(
                word in str(part.get("content")) for word in REFUSALS
            )
            return "idle" if refused else "working"
    return None


def _codex(entry: dict[str, Any]) -> str | None:
    payload = entry.get("payload")
    if not isinstance(payload, dict):
        return None
    kind = payload.get("type")
    if entry.get("type") == "event_msg" and kind == "turn_aborted":
        return "idle"
    if entry.get("type") == "response_item" and kind in (
        "function_call_output",
        "custom_tool_call_output",
    ):
        return "working"
    return None


def read_new(path: str, offset: int) -> tuple[list[str], int]:
    """Complete lines appended to ``path`` since ``offset``, and the offset after them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return [], offset
    try:
        if (os.fstat(fd).st_mode & 0o170000) != 0o100000:
            return [], offset
        os.lseek(fd, offset, os.SEEK_SET)
        data = os.read(fd, MAX_CHUNK)
    finally:
        os.close(fd)
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    text = data[: end + 1].decode("utf-8", "replace")
    return text.splitlines(), offset + end + 1


class Wait:
    """What one watcher waits on: the moment ``since`` its session started waiting, the
    transcript and its size then, the agent process, and the tool use asked about."""

    def __init__(
        self,
        root: str,
        session_id: str,
        since: str,
        transcript: str,
        offset: int,
        agent: tuple[int, int] | None,
        tool_use_id: str | None,
    ) -> None:
        self.root, self.session_id, self.since = root, session_id, since
        self.transcript, self.offset = transcript, offset
        self.agent, self.tool_use_id = agent, tool_use_id


def watch(wait: Wait) -> str | None:
    """Wait for the answer; the state written, or None when something else ended the wait."""
    deadline = time.monotonic() + MAX_WAIT_S
    offset = wait.offset
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        document = client.load(wait.root, wait.session_id)
        if document is None or not still_waiting(document, wait.since):
            return None
        if wait.agent is not None and process.is_gone(process.host(), *wait.agent):
            return None
        lines, offset = read_new(wait.transcript, offset)
        state = verdict(lines, wait.tool_use_id)
        if state is not None:
            document = client.load(wait.root, wait.session_id)
            if document is None or not still_waiting(document, wait.since):
                return None
            client.beat(wait.root, wait.session_id, state=state, agent=str(document.get("agent")))
            return state
    return None


def still_waiting(document: dict[str, object], since: str) -> bool:
    return document.get("state") == "waiting" and document.get("state_since") == since


def spawn(wait: Wait) -> None:
    """Start ``watch`` detached (double fork, own session, standard streams on
    /dev/null so the agent is not kept waiting for the hook's output to close)."""
    try:
        child = os.fork()
    except OSError:
        return
    if child:
        os.waitpid(child, 0)
        return
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        watch(wait)
    except Exception as error:  # detached: the log is the only place left to say it
        fsio.log_line(wait.root, f"waiting watcher: {type(error).__name__}: {error}")
    finally:
        os._exit(0)
