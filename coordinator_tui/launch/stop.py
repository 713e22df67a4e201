"""``stop``: end an agent (its process, then its tmux window), mark its session ended,
release its claims, and say what became of its worktree.

``plan`` looks without touching anything (what the confirmation shows: the pane, what
runs in it, the worktree's changes); ``stop`` acts on the plan. The session file and
the launch record are untrusted, so a process is signalled only when tmux says it is
the first process of the session's pane (its whole process group is ended), or when
it is the agent process the hooks recorded (pid with its start time) and it runs
inside that pane; nothing is signalled on another host. A worktree with uncommitted
changes or untracked files is never removed; its branch always stays.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coordinator_tui.agents import claims, client, process, tmux
from coordinator_tui.launch import records, worktree
from coordinator_tui.launch.start import LaunchError

GRACE_S = 3.0
"""How long the agent has to exit after SIGTERM before SIGKILL."""


@dataclass(frozen=True)
class StopPlan:
    root: Path
    session_id: str
    document: dict[str, Any]
    here: bool
    """The session runs on this host (else nothing is signalled)."""
    pane: tmux.PaneInfo | None
    """What tmux says of the session's pane (None: no pane, or no longer there)."""
    socket: str | None
    own_window: bool
    """The window is the one ``start`` opened for this session, with no other pane."""
    agent_process: tuple[int, int] | None
    """(pid, start time) of the agent the hooks recorded, checked to run in the pane."""
    worktree: Path | None = None
    branch: str | None = None
    repository: Path | None = None
    base: str | None = None
    changes: tuple[str, ...] = field(default_factory=tuple)
    """``git status`` of the worktree: empty when clean."""

    def describe(self) -> list[str]:
        """What ``stop`` will do, one line each (the confirmation's text)."""
        lines = []
        if not self.here:
            host = self.document.get("host")
            lines.append(f"the agent runs on {host!s:.60}: it is not signalled from here")
        elif self.pane is not None:
            where = "its tmux window" if self.own_window else "its tmux pane"
            lines.append(
                f"end the agent in pane {self.pane.pane} (process group {self.pane.pid}, "
                f"running {self.pane.command or '?'}), then close {where}"
            )
        elif self.agent_process is not None:
            lines.append(f"end the agent process {self.agent_process[0]}")
        else:
            lines.append("no running agent found (no tmux pane): only the session is ended")
        lines.append("mark the session ended and release its claims")
        if self.worktree is not None:
            if self.changes:
                lines.append(
                    f"keep the worktree {self.worktree}: {len(self.changes)} uncommitted "
                    f"changes (branch {self.branch})"
                )
            else:
                lines.append(f"the worktree {self.worktree} has no changes: it may be removed")
        return lines

    @property
    def removable(self) -> bool:
        """A worktree with no changes (removing it loses nothing: its branch stays)."""
        return self.worktree is not None and not self.changes and self.worktree.is_dir()


def plan(root: Path, session_id: str) -> StopPlan:
    """Look at the session, its pane and its worktree; ``LaunchError`` if unknown."""
    try:
        client.check_id(session_id)
    except client.SessionError as error:
        raise LaunchError(str(error)) from None
    document = client.load(str(root), session_id)
    if document is None:
        raise LaunchError(f"no session {session_id} in {root}")
    record = records.load(root, session_id)
    here = document.get("host") in (None, os.uname().nodename)
    pane_id = document.get("tmux_pane") or record.get("pane")
    socket = document.get("tmux_socket") or record.get("socket")
    pane = None
    try:
        if here and pane_id:
            pane = tmux.pane_info(str(pane_id), socket if isinstance(socket, str) else None)
    except ValueError:
        pane = None  # not a pane id or socket path: never passed to tmux
    own = (
        pane is not None
        and record.get("window") == pane.window
        and record.get("pane") == pane.pane
        and pane.panes_in_window == 1
    )
    agent = _agent_process(document, pane) if here else None
    place = _worktree_of(document, record)
    return StopPlan(
        root=root,
        session_id=session_id,
        document=document,
        here=here,
        pane=pane,
        socket=socket if isinstance(socket, str) and pane is not None else None,
        own_window=own,
        agent_process=agent,
        **place,
    )


def _agent_process(document: dict[str, Any], pane: tmux.PaneInfo | None) -> tuple[int, int] | None:
    """The recorded agent process, when it still runs with its recorded start time, and,
    if the session has a pane, runs inside it."""
    pid, started = document.get("pid"), document.get("pid_start")
    if type(pid) is not int or type(started) is not int or pid <= 1:
        return None
    found = process.stat(pid)
    if found is None or found[2] != started:
        return None
    if pane is not None and not _descends(pid, pane.pid):
        return None
    return pid, started


def _descends(pid: int, ancestor: int) -> bool:
    for _ in range(64):
        if pid == ancestor:
            return True
        found = process.stat(pid)
        if found is None or found[1] <= 1:
            return False
        pid = found[1]
    return False


def _worktree_of(document: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The worktree start made (from the launch record, checked with git), if any."""
    path, repository = record.get("worktree"), record.get("repository")
    if not isinstance(path, str) or not isinstance(repository, str):
        return {}
    branch = record.get("branch") if isinstance(record.get("branch"), str) else None
    base = record.get("base") if isinstance(record.get("base"), str) else None
    found: dict[str, Any] = {"worktree": Path(path), "branch": branch, "base": base}
    found["repository"] = Path(repository)
    if not Path(path).is_dir():
        return found
    try:
        if worktree.toplevel(Path(path)) != Path(path).resolve():
            return {}  # not a work tree of its own: nothing to offer
        found["changes"] = tuple(worktree.changes(Path(path)))
    except worktree.GitError as error:
        found["changes"] = (f"git status failed: {error}",)
    return found


def stop(
    stop_plan: StopPlan, remove_worktree: bool = False, now: datetime | None = None
) -> list[str]:
    """Act on ``stop_plan``; one line per thing done (or not done, and why)."""
    done: list[str] = []
    root, session_id = stop_plan.root, stop_plan.session_id
    pane = stop_plan.pane
    targets: list[tuple[int, bool]] = []  # (pid, a process group)
    if pane is not None and not pane.dead and _leads_group(pane.pid):
        targets.append((pane.pid, True))
    agent = stop_plan.agent_process
    if agent is not None and all(agent[0] != pid for pid, _ in targets):
        targets.append((agent[0], False))
    if targets:
        done.append(_end_processes(targets))
    if pane is not None:
        where = "window" if stop_plan.own_window else "pane"
        try:
            if tmux.pane_info(pane.pane, stop_plan.socket) is None:
                done.append(f"tmux {where} closed with the agent")
            elif stop_plan.own_window:
                tmux.kill_window(pane.window, stop_plan.socket)
                done.append(f"closed tmux window {pane.window}")
            else:
                tmux.kill_pane(pane.pane, stop_plan.socket)
                done.append(f"closed tmux pane {pane.pane}")
        except tmux.TmuxError as error:
            done.append(f"tmux: {error}")
    client.end(str(root), session_id)
    released = claims.release(str(root), session_id)
    done.append(f"session {session_id} ended; {len(released)} claims released")
    done += _worktree_outcome(stop_plan, remove_worktree)
    records.forget(root, session_id)
    moment = now or datetime.now(timezone.utc)
    records.timeline(root, session_id, "stopped", "; ".join(done), moment)
    return done


def _leads_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == pid
    except OSError:
        return False


def _alive(pid: int, group: bool) -> bool:
    try:
        os.killpg(pid, 0) if group else os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return process.stat(pid) is not None or group


def _signal(pid: int, group: bool, number: int) -> None:
    try:
        os.killpg(pid, number) if group else os.kill(pid, number)
    except (ProcessLookupError, PermissionError):
        return


def _end_processes(targets: list[tuple[int, bool]]) -> str:
    """SIGTERM, up to ``GRACE_S`` to exit, then SIGKILL; says which it took."""
    for pid, group in targets:
        _signal(pid, group, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline and any(_alive(pid, group) for pid, group in targets):
        time.sleep(0.05)
    left = [(pid, group) for pid, group in targets if _alive(pid, group)]
    for pid, group in left:
        _signal(pid, group, signal.SIGKILL)
    pids = ", ".join(str(pid) for pid, _ in targets)
    return f"ended process {pids}" + (" (SIGKILL after 3 s)" if left else "")


def _worktree_outcome(stop_plan: StopPlan, remove: bool) -> list[str]:
    """Which branch holds the commits; the worktree removed when asked and clean now
    (looked at again: the agent may have written until it ended), else kept."""
    path, branch = stop_plan.worktree, stop_plan.branch
    if path is None:
        return []
    lines = []
    count = None
    if stop_plan.repository is not None and stop_plan.base and branch:
        count = worktree.commits_since(stop_plan.repository, stop_plan.base, branch)
    if branch:
        since = f" ({count} since it started)" if count is not None else ""
        lines.append(f"branch {branch} holds its commits{since}")
    if not path.is_dir():
        return lines
    try:
        changes = worktree.changes(path)
        if changes:
            return [*lines, f"worktree {path} kept: {len(changes)} uncommitted changes"]
        if remove and stop_plan.repository is not None:
            worktree.remove(path, stop_plan.repository)
            return [*lines, f"worktree {path} removed"]
    except worktree.GitError as error:
        return [*lines, f"worktree {path} kept: {error}"]
    return [*lines, f"worktree {path} kept"]
