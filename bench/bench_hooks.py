"""Benchmark the installed UserPromptSubmit hook as a whole process.

Issue 11's limit: the hook runs on every prompt, so its median must stay within 3×
a bare ``python -I -c pass`` of the same interpreter. This installs the Claude Code
hooks into a temporary project, registers a session (SessionStart), then runs the
installed UserPromptSubmit command the way Claude Code does — through ``sh -c``,
the event's JSON on stdin, in the project folder — against ``sh -c '<python> -c
pass'``, in turns (A B A B …) so a drifting machine moves both. Two cases: nothing
new (the usual prompt), and a new broadcast before every prompt (the hook lists
the folder, reads it, puts it into the context and writes the read cursor).

The directory is populated like a busy collective: 200 sessions, 500 broadcasts,
40 claims. ``--runs`` sets the runs per case (default 100). ``--before PYTHON`` also
times the same hook run by another interpreter whose ``coordinator_tui`` is older code
(a venv of another checkout), in the same turns: before and after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compiled import compile_package

from coordinator_tui.cli import main as cli
from coordinator_tui.write.messages import Draft, write_message

SESSION = "5f1c6a2e-0d3b-4c47-9a39-3f0e2b7d9c11"


def populate(coord: Path) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for number in range(200):
        document = {
            "session_id": f"session-{number}",
            "status": "active",
            "current_work": f"task {number % 50}",
            "last_heartbeat": stamp,
            "heartbeat_count": 3,
        }
        (coord / "sessions" / f"session-{number}.json").write_text(json.dumps(document))
    for number in range(500):
        write_message(coord, Draft("broadcast", f"note {number}", "x" * 200, f"session-{number}"))
    (coord / "claims").mkdir()
    for number in range(40):
        claim = {"claimed_by": f"session-{number}", "expires_at": "2999-01-01T00:00:00Z"}
        (coord / "claims" / f"task-t{number}.claim").write_text(json.dumps(claim))


def timed(command: str, payload: bytes, cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, shell=True, input=payload, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{command!r} exited {done.returncode}: {done.stderr.decode()[:300]}")
    return elapsed


def case(
    name: str,
    hooks: dict[str, str],
    payload: bytes,
    cwd: Path,
    runs: int,
    before: object = None,
) -> None:
    """Each hook command of ``hooks`` and the bare interpreter, in turns."""
    baseline = shlex.join([sys.executable, "-I", "-c", "pass"])
    times: dict[str, list[float]] = {label: [] for label in hooks}
    base_times: list[float] = []
    for _ in range(3):  # warm the page cache for all
        for hook in hooks.values():
            timed(hook, payload, cwd)
        timed(baseline, b"", cwd)
    for number in range(runs):
        for label, hook in hooks.items():
            if callable(before):
                before(number * len(hooks) + len(times[label]))
            times[label].append(timed(hook, payload, cwd))
        base_times.append(timed(baseline, b"", cwd))
    base_ms = statistics.median(base_times) * 1000
    print(f"{name} ({runs} runs each; python -I -c pass median {base_ms:5.1f} ms)")
    for label, values in times.items():
        hook_ms = statistics.median(values) * 1000
        print(f"  {label:<8} hook median {hook_ms:6.1f} ms   ratio {hook_ms / base_ms:4.2f}x")


def run(runs: int, before_python: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-hooks-") as temp:
        project, coord = Path(temp, "project"), Path(temp, "coordination")
        (coord / "sessions").mkdir(parents=True)
        project.mkdir()
        populate(coord)
        here = os.getcwd()
        os.chdir(project)
        try:
            cli(["hooks", "install", str(coord), "--agent", "claude"])
        finally:
            os.chdir(here)
        hooks = json.loads((project / ".claude" / "settings.json").read_text())["hooks"]
        command = hooks["UserPromptSubmit"][0]["hooks"][0]["command"]
        common = {"session_id": SESSION, "cwd": str(project), "permission_mode": "default"}
        start = {**common, "hook_event_name": "SessionStart", "source": "startup"}
        timed(hooks["SessionStart"][0]["hooks"][0]["command"], json.dumps(start).encode(), project)
        prompt = {**common, "hook_event_name": "UserPromptSubmit", "prompt": "Fix the login bug"}
        payload = json.dumps(prompt).encode()
        print(f"interpreter {sys.executable}; hook: {command}  (goal: ratio ≤ 3x)")
        hooks = {"after": command}
        if before_python:
            hooks = {"before": command.replace(shlex.quote(sys.executable), before_python, 1)}
            hooks["after"] = command
        case("UserPromptSubmit, nothing new", hooks, payload, project, runs)

        def new_broadcast(number: int) -> None:
            write_message(coord, Draft("broadcast", f"bench {number}", "y" * 300, "session-1"))

        case("UserPromptSubmit, one new broadcast", hooks, payload, project, runs, new_broadcast)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--before", metavar="PYTHON", help="an interpreter with older code")
    arguments = parser.parse_args()
    compile_package()  # as an installed wheel has it
    run(arguments.runs, arguments.before)
