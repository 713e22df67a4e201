"""Benchmark the headless coordinator: one ``run`` cycle, and ``run`` under a write storm.

1. One cycle at 1,000 sessions (plus milestones, messages, claims, heartbeats),
   cold (a fresh process state reading everything) and warm (the next cycle,
   nothing changed), median of several runs, and ``coordinator-tui run
   --cycles 1`` as a whole process; each as a ratio against the old Bash
   loop's 16 s per cycle at 1,000 sessions (FORMATS.md, same kind of machine).
2. Issue 5's load case for ``run``: 10,000 sessions, a separate writer process
   rewriting session files in place (open, truncate, write) 200 times a second
   for 60 s while ``run`` cycles; afterwards one more cycle, whose analysis must
   equal the disk (every session's work and heartbeat as its file says).

``--quick`` shrinks everything (for a smoke run). Figures are wall-clock on
whatever machine runs this; ours is a 2-core shared VM.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from compiled import compile_package

from coordinator_tui.analysis import Analysis
from coordinator_tui.clock import system_clock
from coordinator_tui.files.timeparse import parse_timestamp
from coordinator_tui.headless.coordinator import Coordinator, LogEvent, RunOptions
from coordinator_tui.settings import Settings

OLD_BASH_CYCLE_S = 16.0
WORKS = ("consciousness-loop-build", "spec_generation", "deploy dashboard", "registry sync")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def session_text(session_id: str, work: str | None, beat: datetime, count: int) -> str:
    return json.dumps(
        {
            "session_id": session_id,
            "started_at": iso(beat - timedelta(hours=1)),
            "status": "active",
            "current_work": work,
            "capabilities": ["general-purpose", "build"],
            "last_heartbeat": iso(beat),
            "heartbeat_count": count,
        },
        indent=2,
    )


def generate(root: Path, sessions: int, seed: int = 1) -> None:
    """A collective of ``sessions`` sessions shaped like the corpus (ghosts, idle, duplicates)."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    for folder in ("sessions/MILESTONES", "messages/broadcast", "claims", "heartbeats"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for number in range(sessions):
        roll = rng.random()
        if roll < 0.2:
            work, age = "session initialization", rng.randint(0, 300)
        elif roll < 0.3:
            work, age = f"{rng.choice(WORKS)}", rng.randint(0, 300)  # duplicates
        else:
            work, age = f"task {number} {rng.choice(WORKS)} part {number % 7}", rng.randint(0, 900)
        if rng.random() < 0.15:
            age = rng.randint(8000, 300000)  # ghosts that still say active
        sid = f"session-{1_763_000_000 + number}"
        beat = now - timedelta(seconds=age)
        (root / "sessions" / f"{sid}.json").write_text(session_text(sid, work, beat, number))
    for number in range(max(10, sessions // 20)):
        steps = [
            {"step": s, "description": f"step {s}", "status": rng.choice(("completed", "pending"))}
            for s in range(1, 6)
        ]
        milestone = {
            "milestone_id": f"m{number}",
            "title": f"Milestone {number}",
            "status": rng.choice(("pending", "in_progress", "completed")),
            "updated_at": iso(now),
            "steps": steps,
        }
        (root / "sessions" / "MILESTONES" / f"m{number}.json").write_text(json.dumps(milestone))
    for number in range(sessions // 2):
        stamp = (now - timedelta(seconds=number)).strftime("%Y-%m-%d_%H-%M-%S")
        body = "Ready\\!\nline two" if number % 3 == 0 else "ok"
        text = (
            f'{{\n  "from": "session-{number}",\n  "to": "broadcast",\n  "timestamp": '
            f'"{iso(now)}",\n  "subject": "hello {number}",\n  "message": "{body}"\n}}\n'
        )
        (root / "messages" / "broadcast" / f"{stamp}-session-{number}.json").write_text(text)
    for number in range(max(5, sessions // 50)):
        claim = {
            "claimed_by": f"session-{1_763_000_000 + number}",
            "resource_type": "service",
            "resource_name": f"task {number}",
            "expires_at": iso(now + timedelta(hours=rng.choice((-1, 1)))),
        }
        (root / "claims" / f"service-task-{number}.claim").write_text(json.dumps(claim))
    lines = [f"{90 - n}:priority_{n}:Priority number {n}" for n in range(30)]
    (root / "priorities.txt").write_text("\n".join(lines) + "\n")


def quiet(_: LogEvent) -> None:
    return None


def coordinator(root: Path) -> Coordinator:
    options = RunOptions(report_every=0, heartbeat_every=0)
    return Coordinator(root, Settings(), system_clock, options, quiet)


def one_cycle(root: Path, repeats: int) -> None:
    cold, warm = [], []
    for _ in range(repeats):
        runner = coordinator(root)
        started = time.perf_counter()
        runner.run_cycle()
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        runner.run_cycle()
        warm.append(time.perf_counter() - started)
    process = []
    command = [sys.executable, "-m", "coordinator_tui", "run", str(root), "--cycles", "1"]
    for _ in range(max(1, repeats // 2)):
        started = time.perf_counter()
        subprocess.run([*command, "--report-every", "0"], check=True, capture_output=True)
        process.append(time.perf_counter() - started)
    for label, values in (
        ("cold cycle (everything read)", cold),
        ("warm cycle (nothing changed)", warm),
        ("whole process: run --cycles 1", process),
    ):
        median = statistics.median(values)
        print(
            f"  {label:34s} median {median * 1000:8.1f} ms  "
            f"({len(values)} runs)  → {OLD_BASH_CYCLE_S / median:6.0f}× faster than 16 s"
        )


def writer(root: str, sessions: int, rate: float, seconds: float, seed: int) -> None:
    """Rewrite random session files in place, non-atomically, ``rate`` times a second."""
    rng = random.Random(seed)
    base = Path(root) / "sessions"
    started = time.monotonic()
    done = 0
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(elapsed * rate)
        while done < due:
            number = rng.randrange(sessions)
            sid = f"session-{1_763_000_000 + number}"
            work = rng.choice((None, "session initialization", f"load work {done}", WORKS[0]))
            text = session_text(sid, work, datetime.now(timezone.utc), done)
            with open(base / f"{sid}.json", "w") as handle:  # open, truncate, write
                handle.write(text)
            done += 1
        time.sleep(0.002)


def disk_mismatches(root: Path, analysis: Analysis) -> list[str]:
    shown = {view.key: view for view in analysis.sessions}
    problems = []
    for path in sorted((root / "sessions").glob("session-*.json")):
        key = f"sessions/{path.name}"
        data = json.loads(path.read_text())
        view = shown.get(key)
        if view is None:
            problems.append(f"{key}: missing from the analysis")
            continue
        if view.session.current_work != data["current_work"]:
            problems.append(
                f"{key}: work {view.session.current_work!r} != {data['current_work']!r}"
            )
        if view.session.last_heartbeat != parse_timestamp(data["last_heartbeat"]):
            problems.append(f"{key}: heartbeat differs")
    if len(shown) != len(list((root / "sessions").glob("session-*.json"))):
        problems.append("session counts differ")
    return problems


def load_case(root: Path, sessions: int, rate: float, seconds: float, interval: float) -> None:
    generate(root, sessions, seed=2)
    runner = coordinator(root)
    started = time.perf_counter()
    runner.run_cycle()
    print(f"  first (cold) cycle at {sessions:,} sessions: {time.perf_counter() - started:.2f} s")
    process = multiprocessing.Process(
        target=writer, args=(str(root), sessions, rate, seconds, 3), daemon=True
    )
    process.start()
    durations = []
    errors = 0
    while process.is_alive():
        started = time.perf_counter()
        try:
            runner.run_cycle()
        except Exception as error:  # a crash is the figure we want to report, not hide
            errors += 1
            print(f"  cycle crashed: {error!r}")
        duration = time.perf_counter() - started
        durations.append(duration)
        time.sleep(max(0.0, interval - duration))
    process.join()
    time.sleep(0.05)
    final = runner.run_cycle()
    assert final is not None
    mismatches = disk_mismatches(root, final)
    durations.sort()
    p95 = durations[min(len(durations) - 1, int(0.95 * len(durations)))]
    print(
        f"  {len(durations)} cycles during {seconds:.0f} s of {rate:.0f} writes/s: "
        f"median {statistics.median(durations) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {durations[-1] * 1000:.0f} ms, crashes {errors}"
    )
    errors_shown = [e for e in final.errors if e.kind == "sessions" and e.severity == "error"]
    print(f"  session files shown as errors after the storm: {len(errors_shown)}")
    if mismatches:
        print(f"  LAST ANALYSIS != DISK: {len(mismatches)} differences, e.g. {mismatches[:3]}")
    else:
        print(f"  last analysis equals the disk: all {final.counts.total:,} sessions match")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--skip-load", action="store_true", help="only the one-cycle figures")
    args = parser.parse_args()
    compile_package()  # as an installed wheel has it
    sessions = 200 if args.quick else 1000
    repeats = 3 if args.quick else 7
    work = Path(tempfile.mkdtemp(prefix="bench-run-"))
    try:
        root = work / "one"
        generate(root, sessions)
        print(f"run: one cycle at {sessions:,} sessions (old Bash loop: {OLD_BASH_CYCLE_S:.0f} s)")
        one_cycle(root, repeats)
        if not args.skip_load:
            big, seconds = (2000, 5.0) if args.quick else (10_000, 60.0)
            print(f"run under load: {big:,} sessions, 200 in-place rewrites/s for {seconds:.0f} s")
            load_case(work / "load", big, 200.0, seconds, interval=1.0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
