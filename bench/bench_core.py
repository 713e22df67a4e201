"""Core benchmark: how the store and the analysis scale to a big coordination directory.

Generates N sessions (default 10,000) with milestones, messages, heartbeats,
claims and priorities, some of them broken the way the real corpus is (raw
newlines and shell escapes in strings, pasted JSON, files cut short), then
prints, as medians of several runs with the page cache warm:

- a cold ``Store.scan()`` + ``analyse()`` against a plain loop that lists the
  same folders, reads every file and ``json.loads`` it — and their ratio from
  the same run (target: at most 3×);
- ``Store.apply()`` for one changed session file (target: at most 2 ms);
- ``analyse()`` alone, and one change end to end (apply + analyse);
- the analysis engine as the dashboard runs it: a whole build (with and without the
  overlap search, and the engine the dashboard keeps) and an incremental update of a
  few changed files. ``--against REV`` measures the package as it was at git revision
  REV beside the working tree's, the two taking turns in child processes over the same
  directory, and prints both columns and their ratio.

Usage: ``python bench/bench_core.py [--sessions N] [--quick] [--runs R] [--dir DIR]
[--against REV]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# A child measuring another revision imports the package from where it was unpacked.
sys.path.insert(0, os.environ.get("BENCH_PACKAGE_ROOT") or str(REPO))

from compiled import compile_package  # noqa: E402

from coordinator_tui.analysis import analyse  # noqa: E402
from coordinator_tui.analysis import sessions as analysis_sessions  # noqa: E402
from coordinator_tui.files import layout, worktext  # noqa: E402
from coordinator_tui.gcpause import paused_gc  # noqa: E402
from coordinator_tui.settings import Settings  # noqa: E402
from coordinator_tui.store import Store  # noqa: E402

NOW = datetime(2025, 11, 15, 20, 0, 0, tzinfo=timezone.utc)
VERBS = ("build", "deploy", "test", "document", "refactor", "monitor", "review", "fix", "design")
NOUNS = (
    "consciousness loop",
    "dashboard",
    "treasury manager",
    "registry",
    "orchestrator",
    "spec generation",
    "payment service",
    "search index",
    "auth gateway",
    "heartbeat monitor",
    "docs site",
    "billing",
    "notifications",
    "analytics",
    "mobile app",
    "cli",
)
PLACEHOLDERS = ("session initialization", "idle", None, "")
FOLDERS = (
    "",
    "sessions",
    "sessions/MILESTONES",
    "messages/broadcast",
    "heartbeats",
    "claims",
)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _vocabulary(rng: random.Random, size: int = 600) -> list[str]:
    """Made-up words, so that two tasks share a word about as rarely as real ones do."""
    syllables = ("ka", "lo", "mi", "ra", "tu", "sen", "vo", "dar", "pel", "qua", "zi", "nor")
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))) for _ in range(size)}
    return sorted(words) + [noun for noun in NOUNS for noun in noun.split()]


def _tasks(rng: random.Random, count: int) -> list[str]:
    """A pool of distinct task keys (``verb-noun-noun``) and a few long summaries."""
    words = _vocabulary(rng)
    tasks: set[str] = set()
    while len(tasks) < count:
        if rng.random() < 0.1:
            tasks.add(" ".join(rng.choice(words) for _ in range(rng.randint(12, 30))) + ".")
        else:
            parts = [rng.choice(VERBS), *(rng.choice(words) for _ in range(rng.randint(1, 3)))]
            tasks.add("-".join(parts))
    return sorted(tasks)


def _work(rng: random.Random, tasks: list[str]) -> str | None:
    """A fifth idle (placeholder work); the rest on a task from the pool, some shared."""
    if rng.random() < 0.2:
        return rng.choice(PLACEHOLDERS)
    return rng.choice(tasks)


def _beat(rng: random.Random) -> object:
    moment = NOW - timedelta(seconds=rng.choice((30, 90, 400, 900, 5000, 90000)))
    form = rng.random()
    if form < 0.6:
        return _iso(moment)
    if form < 0.8:
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return moment.timestamp()


def _broken_session(session_id: str, work: str) -> str:
    """The way the shell scripts break a session file: raw newline and a shell escape."""
    return (
        "{\n"
        f'  "session_id": "{session_id}",\n'
        f'  "started_at": "{_iso(NOW - timedelta(hours=2))}",\n'
        '  "status": "active",\n'
        f'  "current_work": "{work}\nsecond line \\! done",\n'
        '  "capabilities": ["general-purpose", "build"],\n'
        f'  "last_heartbeat": "{_iso(NOW - timedelta(minutes=2))}",\n'
        '  "heartbeat_count": 4\n'
        "}\n"
    )


def generate(root: Path, sessions: int, seed: int = 7) -> int:
    """Write the benchmark directory; the number of files written."""
    rng = random.Random(seed)
    tasks = _tasks(rng, max(sessions * 4 // 5, 10))
    for folder in FOLDERS[1:]:
        (root / folder).mkdir(parents=True, exist_ok=True)
    written = 0
    for index in range(sessions):
        session_id = f"session-{index:06d}"
        path = root / "sessions" / f"{session_id}.json"
        roll = rng.random()
        if roll < 0.01:
            path.write_text(_broken_session(session_id, _work(rng, tasks) or "x"))
        elif roll < 0.012:
            path.write_text(f'{{\n  "session_id": "{session_id}",\n  "current_work": "cut')
            old = (NOW - timedelta(hours=1)).timestamp()
            os.utime(path, (old, old))  # cut short long ago: listed, not a writer mid-write
        else:
            document = {
                "session_id": session_id,
                "started_at": _iso(NOW - timedelta(hours=rng.randint(1, 48))),
                "status": "ended" if rng.random() < 0.05 else "active",
                "current_work": _work(rng, tasks),
                "capabilities": rng.sample(["build", "deploy", "docs", "ops", "test", "ui"], 3),
                "last_heartbeat": _beat(rng),
                "heartbeat_count": rng.randint(0, 500),
            }
            path.write_text(json.dumps(document, indent=2))
        written += 1
    for index in range(max(sessions // 20, 1)):
        steps = [
            {"step": n, "description": f"step {n}", "status": rng.choice(("completed", "pending"))}
            for n in range(1, rng.randint(2, 8))
        ]
        document = {
            "milestone_id": f"m-{index}",
            "title": f"{rng.choice(VERBS)} {rng.choice(NOUNS)} milestone {index}",
            "status": rng.choice(("in_progress", "completed", "pending", "blocked")),
            "owner": f"session-{rng.randrange(sessions):06d}",
            "updated_at": _iso(NOW - timedelta(hours=rng.randint(1, 100))),
            "steps": steps,
        }
        (root / "sessions" / "MILESTONES" / f"m-{index}.json").write_text(json.dumps(document))
        written += 1
    for index in range(max(sessions // 5, 1)):
        moment = NOW - timedelta(seconds=index * 7)
        sender = f"session-{rng.randrange(sessions):06d}"
        name = f"{moment:%Y-%m-%d_%H-%M-%S}-{sender}-{index}.json"
        body = f"Working on {rng.choice(NOUNS)}. Ready\\!" if index % 20 == 0 else "All good."
        subject = "Status"
        # One in twenty as the send script writes it: a raw newline and a \\! in a string.
        text = (
            f'{{\n  "from": "{sender}",\n  "to": "broadcast",\n  "timestamp": "{_iso(moment)}",\n'
            f'  "subject": "{subject}",\n  "message": "{body}\nthanks"\n}}\n'
            if index % 20 == 0
            else json.dumps(
                {
                    "from": sender,
                    "to": "broadcast",
                    "timestamp": _iso(moment),
                    "subject": subject,
                    "message": body,
                },
                indent=2,
            )
        )
        (root / "messages" / "broadcast" / name).write_text(text)
        written += 1
    for index in range(max(sessions // 10, 1)):
        sender = f"session-{rng.randrange(sessions):06d}"
        document = {"session_id": sender, "timestamp": _iso(NOW - timedelta(minutes=index % 60))}
        (root / "heartbeats" / f"2025-11-15_19-00-00-{sender}-{index}.json").write_text(
            json.dumps(document)
        )
        written += 1
    for index in range(max(sessions // 50, 1)):
        document = {
            "claimed_by": f"session-{rng.randrange(sessions):06d}",
            "claimed_at": _iso(NOW - timedelta(minutes=30)),
            "resource_type": "service",
            "resource_name": f"{rng.choice(NOUNS).replace(' ', '-')}-{index}",
            "duration_hours": 2,
        }
        (root / "claims" / f"claim-{index}.claim").write_text(json.dumps(document))
        written += 1
    lines = [f"{100 - n}:{noun.replace(' ', '_')}:{noun} work" for n, noun in enumerate(NOUNS)]
    (root / "priorities.txt").write_text("\n".join(lines) + "\n")
    return written + 1


def plain_loop(root: Path) -> int:
    """The baseline: list the same folders, read every file, ``json.loads`` it."""
    parsed = 0
    for folder in FOLDERS:
        base = root / folder if folder else root
        for entry in os.scandir(base):
            if not entry.is_file():
                continue
            with open(entry.path, "rb") as handle:
                data = handle.read()
            if entry.name.endswith(".txt"):
                continue
            try:
                json.loads(data)
                parsed += 1
            except ValueError:
                pass
    return parsed


def timed(function: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    start = clock()
    function()
    return clock() - start


def forget_memos() -> None:
    """Cold means cold: drop what the analysis memoises between calls (overlaps, and the
    per-text caches of normalised work and work words)."""
    memo = getattr(analysis_sessions, "_overlap_memo", None)
    if memo is not None:
        memo.clear()
    worktext.normalise_work.cache_clear()
    worktext.work_words.cache_clear()
    layout.classify.cache_clear()


def cold_scan_and_analyse(root: Path, settings: Settings) -> tuple[float, float]:
    """(seconds for the scan, seconds for scan + analysis) from a new store, with the
    collector paused as ``status`` runs them (``cli`` pauses it for one-shot commands)."""
    forget_memos()
    with paused_gc():
        start = time.perf_counter()
        store = Store(root, settings)
        store.scan()
        scanned = time.perf_counter()
        analyse(store.snapshot(), NOW, settings)
    return scanned - start, time.perf_counter() - start


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench(root: Path, sessions: int, runs: int, apply_runs: int) -> dict[str, float]:
    settings = Settings()
    plain_loop(root)  # warm the page cache for both contenders
    cold_scan_and_analyse(root, settings)
    cold: list[float] = []
    scans: list[float] = []
    plain: list[float] = []
    for _ in range(runs):  # interleaved, so both see the same machine load
        plain.append(timed(lambda: plain_loop(root)))
        scan_time, total = cold_scan_and_analyse(root, settings)
        scans.append(scan_time)
        cold.append(total)

    store = Store(root, settings)
    store.scan()
    snapshot = store.snapshot()
    analysis = analyse(snapshot, NOW, settings)
    analysis_only = []
    for _ in range(runs):
        forget_memos()
        analysis_only.append(timed(lambda: analyse(snapshot, NOW, settings)))

    rng = random.Random(3)
    applies: list[float] = []
    end_to_end: list[float] = []
    for round_ in range(apply_runs):
        index = rng.randrange(sessions)
        path = root / "sessions" / f"session-{index:06d}.json"
        document = {
            "session_id": f"session-{index:06d}",
            "status": "active",
            "current_work": f"changed work {round_}",
            "capabilities": ["build"],
            "last_heartbeat": _iso(NOW),
            "heartbeat_count": round_,
        }
        path.write_text(json.dumps(document, indent=2))
        start = time.perf_counter()
        change = store.apply([path])
        applied = time.perf_counter()
        analyse(store.snapshot(), NOW, settings)
        done = time.perf_counter()
        assert change.updated or change.added, "apply() did not see the change"
        applies.append(applied - start)
        end_to_end.append(done - start)
    return {
        "files": float(sum(analysis.files[k].found for k in analysis.files)),
        "cold_ms": median_ms(cold),
        "plain_ms": median_ms(plain),
        "scan_ms": median_ms(scans),
        "scan_ratio": statistics.median(s / p for s, p in zip(scans, plain, strict=True)),
        "ratio": statistics.median(c / p for c, p in zip(cold, plain, strict=True)),
        "analyse_ms": median_ms(analysis_only),
        "apply_ms": median_ms(applies),
        "apply_p95_ms": statistics.quantiles(applies, n=20)[-1] * 1000,
        "end_to_end_ms": median_ms(end_to_end),
        "runs": float(runs),
        "apply_runs": float(apply_runs),
        "errors": float(len(analysis.errors)),
        "duplicates": float(len(analysis.duplicates)),
        "overlaps": float(len(analysis.overlaps)),
        "sessions_shown": float(len(analysis.sessions)),
    }


ENGINES = (
    ("coordinator_tui.analysis.incremental", "IncrementalAnalysis"),
    ("coordinator_tui.analysis.live", "LiveAnalysis"),
)
"""Where the incremental engine lives, newest name first (a revision has one of them)."""
CHANGED_FILES = 5
"""Session files rewritten for each timed incremental update (a burst of edits)."""
CPU = time.thread_time
"""The engine figures are CPU time of the measuring thread: pure computation, and on a
machine shared with other work far steadier than the wall clock (equal when idle)."""


def engine_class() -> Any:
    for module, name in ENGINES:
        try:
            return getattr(importlib.import_module(module), name)
        except ImportError:
            continue
    raise ImportError("no incremental analysis engine in this revision")


def engine_figures(root: Path, sessions: int, runs: int) -> dict[str, float]:
    """Medians (ms) of ``runs``: ``analyse()`` with and without the overlap search, the
    engine the dashboard builds, and one update of ``CHANGED_FILES`` rewritten sessions.
    The rewritten files are put back as they were, so every revision sees one directory."""
    engine_type = engine_class()
    settings = Settings()
    store = Store(root, settings)
    store.scan()
    snapshot = store.snapshot()
    analyse(snapshot, NOW, settings, overlaps=False)  # warm: caches and imports
    figures: dict[str, list[float]] = {"analyse": [], "analyse_overlaps": [], "build": []}
    figures["update"] = []
    for _ in range(runs):
        forget_memos()
        figures["analyse_overlaps"].append(timed(lambda: analyse(snapshot, NOW, settings), CPU))
        forget_memos()
        figures["analyse"].append(
            timed(lambda: analyse(snapshot, NOW, settings, overlaps=False), CPU)
        )
        forget_memos()
        figures["build"].append(
            timed(lambda: engine_type(snapshot, NOW, settings, overlaps=False), CPU)
        )
    engine = engine_type(snapshot, NOW, settings, overlaps=False)
    rng = random.Random(11)
    originals: dict[Path, bytes] = {}
    try:
        for round_ in range(max(runs, 20)):
            paths = []
            for index in rng.sample(range(sessions), CHANGED_FILES):
                path = root / "sessions" / f"session-{index:06d}.json"
                originals.setdefault(path, path.read_bytes())
                document = {
                    "session_id": f"session-{index:06d}",
                    "status": "active",
                    "current_work": f"{'build api' if index % 2 else 'edited'} {round_ % 3}",
                    "last_heartbeat": _iso(NOW),
                }
                path.write_text(json.dumps(document))
                paths.append(path)
            change = store.apply(paths)
            changed = [*change.added, *change.updated, *change.removed]
            snapshot = store.snapshot()
            started = CPU()
            engine.update(snapshot, NOW, changed, overlaps=False)
            figures["update"].append(CPU() - started)
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
    return {name: median_ms(samples) for name, samples in figures.items()}


ENGINE_ROWS = (
    ("analyse()", "analyse_overlaps"),
    ("analyse(overlaps=False)", "analyse"),
    ("engine build (the dashboard's)", "build"),
    (f"engine update of {CHANGED_FILES} files", "update"),
)


def unpack(revision: str, folder: Path) -> Path:
    """The package as it was at ``revision``, unpacked (and compiled) under ``folder``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, "coordinator_tui"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=True)
    return folder


def engine_side_by_side(root: Path, sessions: int, runs: int, against: str | None) -> str:
    """The engine figures of the working tree (and of ``against``), taking turns in child
    processes, one run each a turn; the median of the turns."""
    with tempfile.TemporaryDirectory(prefix="bench-core-rev-") as temp:
        packages = {"new": str(REPO)}
        if against is not None:
            packages = {"old": str(unpack(against, Path(temp))), **packages}
        turns: dict[str, list[dict[str, float]]] = {side: [] for side in packages}
        for _ in range(runs):
            for side, package in packages.items():
                command = [sys.executable, __file__, "--engine-child", "--dir", str(root)]
                command += ["--sessions", str(sessions)]
                env = {**os.environ, "BENCH_PACKAGE_ROOT": package}
                output = subprocess.run(command, env=env, capture_output=True, text=True)
                if output.returncode:
                    raise RuntimeError(f"{side}: {output.stderr}")
                turns[side].append(json.loads(output.stdout))
    medians = {
        side: {key: statistics.median(turn[key] for turn in found) for key in found[0]}
        for side, found in turns.items()
    }
    load = os.getloadavg()
    lines = [
        f"the engine at {sessions:,} sessions, CPU time: medians of {runs} turns (3 runs each, "
        f"20 updates); load average {load[0]:.2f} (machine shared: quote ratios)",
        f"  {'':<32} {'old ' + against if against else '':>14} {'new':>10} "
        + ("  new/old" if against else ""),
    ]
    for label, key in ENGINE_ROWS:
        new = medians["new"][key]
        row = f"  {label:<32} "
        if against:
            old = medians["old"][key]
            row += f"{old:>11.2f} ms {new:>7.2f} ms  {new / old:6.2f}x"
        else:
            row += f"{'':>14} {new:>7.2f} ms"
        lines.append(row)
    return "\n".join(lines)


def report(result: dict[str, float], sessions: int) -> str:
    def verdict(ok: bool) -> str:
        return "meets target" if ok else "MISSES target"

    runs, apply_runs = int(result["runs"]), int(result["apply_runs"])
    rows = [
        ("cold scan() + analyse()", f"{result['cold_ms']:.0f} ms", ""),
        ("  of which scan()", f"{result['scan_ms']:.0f} ms", ""),
        ("plain list + read + json.loads", f"{result['plain_ms']:.0f} ms", ""),
        ("ratio scan() alone / plain", f"{result['scan_ratio']:.2f}x", ""),
        (
            "ratio cold / plain (median of per-run ratios)",
            f"{result['ratio']:.2f}x",
            f"target <= 3x: {verdict(result['ratio'] <= 3)}",
        ),
        (
            "apply() one changed session file",
            f"{result['apply_ms']:.2f} ms (p95 {result['apply_p95_ms']:.2f})",
            f"target <= 2 ms: {verdict(result['apply_ms'] <= 2)}",
        ),
        ("analyse() alone", f"{result['analyse_ms']:.0f} ms", ""),
        ("one change end to end (apply + analyse)", f"{result['end_to_end_ms']:.0f} ms", ""),
    ]
    width = max(len(name) for name, _, _ in rows)
    lines = [
        f"core benchmark: {sessions:,} sessions, {int(result['files']):,} files "
        f"({int(result['sessions_shown']):,} sessions read, {int(result['errors']):,} "
        f"errors/warnings listed, {int(result['duplicates']):,} duplicate groups, "
        f"{int(result['overlaps']):,} overlaps)",
        f"medians of {runs} runs ({apply_runs} for apply), page cache warm; "
        f"{os.cpu_count()}-core machine, Python {sys.version.split()[0]}",
    ]
    lines += [f"  {name:<{width}}  {value:<22} {note}".rstrip() for name, value, note in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000, metavar="N")
    parser.add_argument("--quick", action="store_true", help="1,000 sessions, fewer runs")
    parser.add_argument("--runs", type=int, default=None, help="runs per median (default 7)")
    parser.add_argument("--dir", default=None, help="generate here (kept) instead of a temp dir")
    parser.add_argument("--against", metavar="REV", help="the engine figures of a git revision too")
    parser.add_argument("--engine-only", action="store_true", help="the engine figures only")
    parser.add_argument("--engine-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_child:  # one turn of ``engine_side_by_side``, in the package it was given
        print(json.dumps(engine_figures(Path(args.dir), args.sessions, 3)))
        return 0
    compile_package()  # as an installed wheel has it
    sessions = 1_000 if args.quick and args.sessions == 10_000 else args.sessions
    runs = args.runs or (3 if args.quick else 7)
    apply_runs = 50 if args.quick else 200
    if sessions < 1 or runs < 1:
        parser.error("--sessions and --runs must be positive")
    keep = args.dir is not None
    root = Path(args.dir) if keep else Path(tempfile.mkdtemp(prefix="bench-core-"))
    try:
        started = time.perf_counter()
        files = generate(root, sessions)
        print(f"generated {files:,} files in {time.perf_counter() - started:.1f} s under {root}")
        if not args.engine_only:
            print(report(bench(root, sessions, runs, apply_runs), sessions))
        print(engine_side_by_side(root, sessions, runs, args.against))
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
