"""Requests made the way the hook makes them, for the approval tests."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from coordinator_tui.approvals import ids, requests
from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.state import Place, open_state


def place_for(root: Path) -> Place:
    return Place(open_state(), str(root))


def make(
    place: Place,
    tool: str = "Bash",
    tool_input: dict[str, Any] | None = None,
    session: str = "s1",
    agent: str = "claude",
    cwd: str = "/work/project",
    wait_s: float = 60.0,
    now: float | None = None,
    **changes: Any,
) -> Request:
    """A request waiting on this machine (its pid is this test's process)."""
    moment = time.time() if now is None else now
    given = {"command": "npm test"} if tool_input is None else tool_input
    values: dict[str, Any] = {
        "id": ids.new_id(),
        "root": place.root,
        "session": session,
        "agent": agent,
        "tool": tool,
        "tool_input": given,
        "cwd": cwd,
        "digest": ids.digest(tool, given),
        "created_at": moment,
        "expires_at": moment + wait_s,
        "pid": os.getpid(),
        "pid_start": ids.process_start(os.getpid()),
        "host": os.uname().nodename,
    }
    values.update(changes)
    return Request(**values)


def pending(place: Place, request: Request) -> Request:
    """``request`` written to the inbox."""
    requests.write(place, request)
    return request
