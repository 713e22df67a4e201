"""Which process is the agent, and is it still alive (stdlib only, Linux ``/proc``).

An agent runs a hook as ``/bin/sh -c COMMAND``: the hook's parent is that shell, gone
a moment later, so the agent is found by walking up the parents to the nearest
process whose executable names the agent (``claude``, ``codex``, ``gemini``).
A pid alone is not an identity — pids are reused — so the agent is recorded as its pid
and its start time (field 22 of ``/proc/PID/stat``, clock ticks since boot): the same
pid with another start time is another process. Where ``/proc`` is missing nothing is
recorded and liveness falls back to heartbeat age.
"""

from __future__ import annotations

import os

MAX_DEPTH = 8
_HOST: list[str] = []


def stat(pid: int) -> tuple[str, int, int] | None:
    """(command name, parent pid, start time in ticks) of ``pid``, or None when there is
    no such process or it has exited (a zombie waiting for its parent is gone too)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read(4096)
    except OSError:
        return None
    head, _, tail = raw.rpartition(b")")
    fields = tail.split()
    if len(fields) < 20 or fields[0] in (b"Z", b"X"):
        return None
    try:
        return head.partition(b"(")[2].decode("utf-8", "replace"), int(fields[1]), int(fields[19])
    except ValueError:
        return None


def _names(pid: int, command: str) -> list[str]:
    """The names a process goes by: its command name and the base names of its first two
    arguments (``node …/gemini.js`` is Gemini)."""
    names = [command]
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read(8192).split(b"\0")[:2]
    except OSError:
        return names
    return names + [os.path.basename(arg.decode("utf-8", "replace")) for arg in argv]


def agent_process(agent: str, start_pid: int | None = None) -> tuple[int, int] | None:
    """(pid, start time) of the nearest ancestor whose name starts with ``agent``."""
    pid = os.getppid() if start_pid is None else start_pid
    for _ in range(MAX_DEPTH):
        if pid <= 1:
            return None
        found = stat(pid)
        if found is None:
            return None
        command, parent, started = found
        if any(name.startswith(agent) for name in _names(pid, command)):
            return pid, started
        pid = parent
    return None


def host() -> str:
    if not _HOST:
        _HOST.append(os.uname().nodename)
    return _HOST[0]


def is_gone(host_name: object, pid: object, started: object) -> bool:
    """True when a process recorded on this host as (``pid``, ``started``) no longer runs:
    no such pid, or the pid now belongs to a process started at another time. False
    when the record is incomplete or names another host (nothing can be told here)."""
    if host_name != host() or type(pid) is not int or type(started) is not int or pid <= 1:
        return False
    if not os.path.isdir("/proc/self"):
        return False
    now = stat(pid)
    return now is None or now[2] != started
