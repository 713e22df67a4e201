"""What git sync costs the repository: a simulated day of a collective through sync rounds.

10 sessions on one machine (by default) for 24 simulated hours: each rewrites
its session file and writes a heartbeat event file every ``--heartbeat-min``
minutes (staggered), broadcasts every 2 hours, sends a direct message every 3
hours, and claims a piece of work every 2 hours and releases it an hour later.
A sync round runs every ``--every`` simulated seconds into a local bare
repository; rounds with nothing new are skipped (they would make no commit and
no growth). Prints the commits made, the bare repository's size as pushes left
it (``du``) and after ``git gc``, and the wall time the rounds took.

``--quick`` simulates 2 hours (a smoke run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compiled import compile_package

from coordinator_tui.sync import open_target, sync_round
from coordinator_tui.sync.local import StatCache

START = datetime(2025, 11, 15, 0, 0, tzinfo=timezone.utc)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def du_kib(path: Path) -> int:
    return int(
        subprocess.run(
            ["du", "-sk", str(path)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json(path: Path, document: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def events_between(root: Path, sessions: int, beat_s: int, start: float, end: float) -> int:
    """Write every file the collective writes in simulated seconds [start, end)."""
    written = 0
    for number in range(sessions):
        sid = f"session-{1763164800 + number}"
        offset = number * beat_s // sessions
        for second in range(int(start), int(end)):
            moment = START + timedelta(seconds=second)
            if (second - offset) % beat_s == 0:
                count = (second - offset) // beat_s
                write_json(
                    root / "sessions" / f"{sid}.json",
                    {
                        "session_id": sid,
                        "started_at": stamp(START),
                        "status": "active",
                        "current_work": f"task-{number}-{second // 7200}",
                        "capabilities": ["general-purpose", "build"],
                        "last_heartbeat": stamp(moment),
                        "heartbeat_count": count,
                    },
                )
                write_json(
                    root / "heartbeats" / f"{moment:%Y%m%d-%H%M%S}-{sid}.json",
                    {
                        "session_id": sid,
                        "timestamp": stamp(moment),
                        "action": "heartbeat",
                        "progress": count % 100,
                    },
                )
                written += 2
            if (second - offset) % 7200 == 0:
                write_json(
                    root / "messages" / "broadcast" / f"{moment:%Y-%m-%d_%H-%M-%S}-{sid}.json",
                    {
                        "from": sid,
                        "to": "broadcast",
                        "timestamp": stamp(moment),
                        "subject": "progress",
                        "message": f"{sid} finished a step " * 4,
                    },
                )
                write_json(
                    root / "claims" / f"task-{number}-{second // 7200}.claim",
                    {
                        "claimed_by": sid,
                        "claimed_at": stamp(moment),
                        "resource_type": "task",
                        "resource_name": f"{number}-{second // 7200}",
                        "duration_hours": 1,
                        "expires_at": stamp(moment + timedelta(hours=1)),
                    },
                )
                written += 2
            if (second - offset) % 7200 == 3600:
                claim = root / "claims" / f"task-{number}-{second // 7200}.claim"
                if claim.exists():
                    claim.unlink()
                    written += 1
            if (second - offset) % 10800 == 1800:
                other = f"session-{1763164800 + (number + 1) % sessions}"
                write_json(
                    root / "messages" / "direct" / other / f"{moment:%Y-%m-%d_%H-%M-%S}-{sid}.json",
                    {
                        "from": sid,
                        "to": other,
                        "timestamp": stamp(moment),
                        "subject": "handoff",
                        "message": "notes for you",
                    },
                )
                written += 1
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--heartbeat-min", type=float, default=5.0)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between rounds")
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    compile_package()  # as an installed wheel has it
    hours = 2.0 if args.quick else args.hours
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder:
        base = Path(folder)
        bare = base / "remote.git"
        git(base, "init", "-q", "--bare", "-b", "main", str(bare))
        clone = base / "machine"
        git(base, "clone", "-q", str(bare), str(clone))
        git(clone, "config", "user.name", "bench")
        git(clone, "config", "user.email", "bench@example.invalid")
        root = clone / "docs" / "coordination"
        root.mkdir(parents=True)
        (root / "priorities.txt").write_text("90:loop:Build the loop\n")
        target = open_target(root, "origin")
        cache = StatCache()  # as `sync --every` keeps it from round to round
        empty_kib = du_kib(bare)
        beat_s = int(args.heartbeat_min * 60)
        rounds = commits = files = 0
        started = time.perf_counter()
        moment = 0.0
        while moment < hours * 3600:
            written = events_between(root, args.sessions, beat_s, moment, moment + args.every)
            moment += args.every
            files += written
            if not written and rounds:
                continue
            now = START + timedelta(seconds=moment)
            result = sync_round(target, now=lambda now=now: now, cache=cache)
            rounds += 1
            if not result.ok:
                print(f"round failed: {result.error}", file=sys.stderr)
                return 1
            commits += result.outcome == "pushed"
        elapsed = time.perf_counter() - started
        grown_kib = du_kib(bare) - empty_kib
        git(bare, "gc", "-q")
        packed_kib = du_kib(bare) - empty_kib
        tree_files = len(git(bare, "ls-tree", "-r", "--name-only", "main").splitlines())
        print(
            f"simulated {hours:g} h: {args.sessions} sessions, heartbeat every "
            f"{args.heartbeat_min:g} min, a sync round every {args.every:g} s"
        )
        print(
            f"  files written {files}, rounds with changes {rounds}, commits {commits}, "
            f"files in the tree at the end {tree_files}"
        )
        print(
            f"  bare repository growth: {grown_kib / 1024:.1f} MiB as pushed, "
            f"{packed_kib / 1024:.1f} MiB after git gc"
        )
        print(
            f"  sync time {elapsed:.1f} s in all, {1000 * elapsed / max(rounds, 1):.0f} ms a round"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
