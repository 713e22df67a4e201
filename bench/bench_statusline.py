"""Benchmark ``status --line`` as tmux runs it: a whole process, through the real entry.

``python -m coordinator_tui status --line DIR`` on a 30-session directory (with
heartbeat events and a few milestones, messages and claims beside them) against
a bare ``python -c pass`` of the same interpreter; the median of many runs of
each, interleaved so a noisy neighbour hits both alike, with bytecode caching on
(as a user has it; this machine's PYTHONDONTWRITEBYTECODE is dropped). Goal (issue 13): a
ratio of at most 3x. ``--runs N`` sets the number of runs (default 40).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from compiled import compile_package

GOAL = 3.0


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build(root: Path, sessions: int = 30) -> None:
    now = datetime.now(timezone.utc)
    (root / "sessions" / "MILESTONES").mkdir(parents=True)
    (root / "heartbeats").mkdir()
    (root / "claims").mkdir()
    (root / "messages" / "broadcast").mkdir(parents=True)
    for index in range(sessions):
        session_id = f"session-{1000 + index}"
        beat = now - timedelta(minutes=index % 20)
        work = ("session initialization", f"task {index % 12} build")[index % 3 != 0]
        data = {
            "session_id": session_id,
            "started_at": iso(now - timedelta(hours=2)),
            "status": "active",
            "current_work": work,
            "capabilities": ["general-purpose", "build"],
            "last_heartbeat": iso(beat),
            "heartbeat_count": index,
            "state": "waiting" if index % 10 == 7 else "working",
        }
        (root / "sessions" / f"{session_id}.json").write_text(json.dumps(data, indent=2))
        for beat_index in range(10):
            moment = beat - timedelta(minutes=5 * beat_index)
            name = f"{moment:%Y-%m-%d_%H-%M-%S}-{session_id}.json"
            event = {"session_id": session_id, "timestamp": iso(moment), "target": work}
            (root / "heartbeats" / name).write_text(json.dumps(event))
    for index in range(5):
        (root / "sessions" / "MILESTONES" / f"m{index}.json").write_text(
            json.dumps({"milestone_id": f"m{index}", "title": f"M {index}", "progress": 20})
        )


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    compile_package()  # as an installed wheel has it
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "coordination"
        build(root)
        # As a user runs it: bytecode cached (PYTHONDONTWRITEBYTECODE would make every
        # run compile the modules), kept out of the source tree by a pycache prefix.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        line = [sys.executable, "-m", "coordinator_tui", "status", "--line", str(root)]
        bare = [sys.executable, "-c", "pass"]
        output = subprocess.run(
            line, check=True, capture_output=True, text=True, env=env
        ).stdout.strip()
        for _ in range(3):  # warm the page cache and the bytecode cache
            timed(line, env)
            timed(bare, env)
        line_times, bare_times = [], []
        for _ in range(args.runs):
            line_times.append(timed(line, env))
            bare_times.append(timed(bare, env))
    line_ms = statistics.median(line_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    ratio = line_ms / bare_ms
    print(f"status --line output:   {output}")
    print(f"python -c pass:         median {bare_ms:6.1f} ms over {args.runs} runs")
    print(f"status --line (30 ses): median {line_ms:6.1f} ms over {args.runs} runs")
    verdict = "ok" if ratio <= GOAL else "OVER"
    print(f"ratio:                  {ratio:.2f}x (goal <= {GOAL:g}x) {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
