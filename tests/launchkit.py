"""A private tmux server, a git repository with a coordination directory, and stand-in
agents on the server's PATH: what ``start``, ``wake`` and ``stop`` are tested against.

The stand-ins (``claude``, ``codex``, ``gemini``) write their argv, NUL-separated, to
``$STANDIN_OUT/<session>.argv`` and wait until killed. The server is started with its own
socket and ``TMUX_TMPDIR`` in the test's folder, so the person's tmux is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

STANDIN = """#!/bin/sh
printf '%s\\0' "$0" "$@" > "$STANDIN_OUT/$COORDINATOR_SESSION.argv"
trap 'exit 143' TERM
while :; do sleep 1; done
"""
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com"]

needs_tmux = pytest.mark.skipif(
    shutil.which("tmux") is None or shutil.which("git") is None, reason="needs tmux and git"
)


@dataclass
class Lab:
    base: Path
    repo: Path
    coord: Path
    socket: Path
    out: Path
    bin: Path

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    def windows(self) -> list[str]:
        """``window_id pane_id name`` of every window."""
        text = self.tmux("list-windows", "-a", "-F", "#{window_id} #{pane_id} #{window_name}")
        return text.splitlines()

    def argv(self, session: str, timeout: float = 10.0) -> list[str]:
        """What the stand-in agent of ``session`` was started with (waits for it)."""
        path = self.out / f"{session}.argv"
        wait_for(lambda: path.is_file() and path.stat().st_size > 0, timeout, f"{path}")
        time.sleep(0.05)  # printf may still be writing
        return path.read_bytes().decode().split("\0")[:-1]

    def session_file(self, session: str) -> dict[str, Any]:
        return json.loads((self.coord / "sessions" / f"session-{session}.json").read_text())

    def git(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            [*GIT, *args], cwd=cwd or self.repo, capture_output=True, text=True, check=True
        )
        return done.stdout


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what}")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().decode().split("\0")[:-1]
    except OSError:
        return []


def make_lab(base: Path, priorities: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    repo = base / "project"
    coord = repo / "docs" / "coordination"
    (coord / "sessions").mkdir(parents=True)
    (coord / "priorities.txt").write_text(priorities, encoding="utf-8")
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("x = 1\n")
    subprocess.run([*GIT, "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "init"], cwd=repo, check=True)
    stand_ins = base / "bin"
    stand_ins.mkdir()
    for name in ("claude", "codex", "gemini"):
        (stand_ins / name).write_text(STANDIN)
        (stand_ins / name).chmod(0o755)
    out = base / "argv"
    out.mkdir()
    socket = base / "tmux.sock"
    env = {
        "PATH": f"{stand_ins}:/usr/bin:/bin",
        "HOME": str(base / "home"),
        "STANDIN_OUT": str(out),
        "TMUX_TMPDIR": str(base),
        "TERM": "xterm-256color",
    }
    (base / "home").mkdir()
    subprocess.run(
        ["tmux", "-S", str(socket), "new-session", "-d", "-s", "lab", "-x", "160", "-y", "40"],
        env=env,
        check=True,
    )
    monkeypatch.setenv("TMUX", f"{socket},1,0")
    monkeypatch.setenv("PATH", f"{stand_ins}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    monkeypatch.setenv("STANDIN_OUT", str(out))  # a new pane takes PATH from its client
    monkeypatch.delenv("TMUX_PANE", raising=False)
    monkeypatch.setenv("TMUX_TMPDIR", str(base))
    monkeypatch.setenv("HOME", str(base / "home"))
    monkeypatch.delenv("COORDINATOR_SESSION", raising=False)
    monkeypatch.chdir(repo)
    lab = Lab(base, repo, coord, socket, out, stand_ins)
    try:
        yield lab
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], capture_output=True)
