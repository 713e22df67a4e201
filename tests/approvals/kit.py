"""Requests made the way the hook makes them, and real hooks waiting in the background,
for the approval tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from coordinator_tui.approvals import ids, requests
from coordinator_tui.approvals.inbox import Inbox
from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.state import Place, open_state
from tests.hookkit import commands

SESSION = "5f1c6a2e-0d3b-4c47-9a39-3f0e2b7d9c11"


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


def decision_document(request: Request, **changes: Any) -> dict[str, Any]:
    """A decision as ``decisions.write`` makes it (for tests that forge one)."""
    document: dict[str, Any] = {
        "request_id": request.id,
        "digest": request.digest,
        "behavior": "allow",
        "message": "",
        "by": "cli",
        "decided_at": time.time(),
    }
    document.update(changes)
    return document


def payload(project: Path, event: str = "PermissionRequest", **given: Any) -> str:
    document = {
        "session_id": SESSION,
        "transcript_path": str(project / ".t.jsonl"),
        "cwd": str(project),
        "permission_mode": "default",
        "hook_event_name": event,
        "tool_name": "Bash",
        "tool_input": {"command": "npm test", "description": "run the tests"},
    }
    document.update(given)
    return json.dumps(document)


class Waiting:
    """A PermissionRequest hook running in the background."""

    def __init__(self, command: str, data: str, cwd: Path, wait_s: float) -> None:
        with tempfile.TemporaryFile() as stdin:
            stdin.write(data.encode())
            stdin.seek(0)
            self.process = subprocess.Popen(
                command,
                shell=True,
                cwd=cwd,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "COORDINATOR_TUI_APPROVAL_WAIT_S": str(wait_s)},
                start_new_session=True,
            )

    def result(self, timeout: float = 30) -> tuple[int, str]:
        stdout, _ = self.process.communicate(timeout=timeout)
        return self.process.returncode, stdout.decode()

    def hook_pid(self) -> int:
        """The hook's own process (the shell may have run it as a child)."""
        for pid in [self.process.pid, *_children(self.process.pid)]:
            if b"coordinator_tui.agents.hook" in Path(f"/proc/{pid}/cmdline").read_bytes().split(
                b"\0"
            ):
                return pid
        raise AssertionError("the hook's process is not found")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(text.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry))
    return found


def start(
    hooks: list[Waiting], project: Path, wait_s: float = 20, agent: str = "claude", **given: Any
) -> Waiting:
    (command,) = commands(project, agent, "PermissionRequest")
    hook = Waiting(command, payload(project, **given), project, wait_s)
    hooks.append(hook)
    return hook


def arrived(coord: Path, timeout: float = 10) -> Request:
    inbox = Inbox([str(coord)])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = inbox.read().requests
        if found:
            return found[0]
        time.sleep(0.02)
    raise AssertionError("no request arrived")
