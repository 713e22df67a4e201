"""Dashboard figures: first paint, write→table latency, idle CPU, peak RSS, and a load run.

Runs the real app headless (``App.run_test``) over generated directories:

* first full paint: from starting the app to the table holding every live row;
* write→table: rewrite one session file, time until its row shows the new work
  (p50/p95 over many writes);
* idle CPU: share of one core the whole process uses over a quiet window
  (real clock, so ages keep moving);
* peak RSS of the process;
* load (issue 5): 10,000 sessions, a separate writer process rewriting session
  files in place at 200 a second for 60 seconds, while keys are pressed; key
  latency p95; when the writes stop, every session's shown work and heartbeat
  count must equal its file.

    python bench/bench_dashboard.py            # the defaults (a few minutes)
    python bench/bench_dashboard.py --quick    # a smoke run (under a minute)

Figures depend on the machine; quote them with the machine they came from.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from compiled import compile_package  # noqa: E402
from textual import events  # noqa: E402

from coordinator_tui.render.sanitize import display  # noqa: E402
from coordinator_tui.settings import Settings  # noqa: E402
from coordinator_tui.tui.app import CoordinatorApp, create_app  # noqa: E402
from coordinator_tui.tui.rows import WORK_WIDTH  # noqa: E402

WORDS = (
    "build deploy dashboard treasury loop spec docs monitor orchestrate registry audit "
    "marketing launch billing search index cache api auth migrate schema review test"
).split()
SIZE = (160, 50)

WRITER = r"""
import json, os, random, sys, time
root, count, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
random.seed(7)
sessions = os.path.join(root, "sessions")
start = time.monotonic()
done = 0
while True:
    elapsed = time.monotonic() - start
    if elapsed >= seconds:
        break
    target = int(elapsed * rate)
    while done < target:
        i = random.randrange(count)
        path = os.path.join(sessions, f"session-{i:05d}.json")
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        data["heartbeat_count"] = int(data.get("heartbeat_count") or 0) + 1
        data["current_work"] = f"load {i} step {data['heartbeat_count']}"
        data["last_heartbeat"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with open(path, "w", encoding="utf-8") as handle:  # in place, not atomic
            handle.write(json.dumps(data))
        done += 1
    time.sleep(0.002)
print(done)
"""


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(root: Path, count: int, seed: int = 1, all_live: bool = False) -> None:
    """``count`` sessions: most live, some stale and gone, works mostly distinct."""
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    sessions = root / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        roll = rng.random()
        if all_live or roll < 0.8:
            age = rng.uniform(0, 300)
        elif roll < 0.9:
            age = rng.uniform(700, 3000)
        else:
            age = rng.uniform(8000, 90000)
        work = (
            "session initialization"
            if rng.random() < 0.1
            else f"{rng.choice(WORDS)} {rng.choice(WORDS)} {index}"
        )
        data = {
            "session_id": f"session-{index:05d}",
            "started_at": iso(now - timedelta(seconds=age + 3600)),
            "status": "active",
            "current_work": work,
            "capabilities": ["general-purpose", rng.choice(WORDS)],
            "last_heartbeat": iso(now - timedelta(seconds=age)),
            "heartbeat_count": rng.randrange(1, 500),
        }
        (sessions / f"session-{index:05d}.json").write_text(json.dumps(data), encoding="utf-8")
    (root / "priorities.txt").write_text(
        "".join(f"{90 - i}:{word}:do {word}\n" for i, word in enumerate(WORDS[:8])),
        encoding="utf-8",
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


async def until(predicate, timeout: float, step: float = 0.005) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``predicate()`` holds (raises after ``timeout``)."""
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(step)
    return time.perf_counter() - start


def expected_visible(app: CoordinatorApp) -> int:
    analysis = app.dashboard.collectives[0].analysis
    return 0 if analysis is None else analysis.counts.total - analysis.counts.gone


async def measure_size(count: int, writes: int, idle_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "coordination"
        generate(root, count)
        started = time.perf_counter()
        app = create_app(root, Settings())
        async with app.run_test(size=SIZE) as pilot:
            table = app.dashboard.table
            await until(
                lambda: (
                    app.dashboard.analyses >= 1
                    and len(table.shown_keys) == expected_visible(app)
                    and len(table.shown_keys) > 0
                ),
                120,
            )
            await pilot.pause()
            first_paint = time.perf_counter() - started
            await asyncio.sleep(2.0)  # let the watcher settle (its first rescan)

            live = [key for key in table.shown_keys]
            rng = random.Random(3)
            latencies = []
            for number in range(writes):
                key = rng.choice(live)
                path = root / key
                data = json.loads(path.read_text(encoding="utf-8"))
                token = f"bench write {number} {rng.random():.6f}"
                data["current_work"] = token
                data["last_heartbeat"] = iso(datetime.now(timezone.utc))
                begin = time.perf_counter()
                path.write_text(json.dumps(data), encoding="utf-8")
                await until(
                    lambda key=key, token=token: (
                        (table.shown_cells(key) or {}).get("work") == token
                    ),
                    30,
                )
                latencies.append(time.perf_counter() - begin)
                await asyncio.sleep(0.05)

            await asyncio.sleep(2.0)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            await asyncio.sleep(idle_s)
            cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        return {
            "sessions": count,
            "first_paint_s": first_paint,
            "write_p50_ms": statistics.median(latencies) * 1000,
            "write_p95_ms": pct(latencies, 0.95) * 1000,
            "idle_cpu_pct": cpu * 100,
            "peak_rss_mb": rss_mb(),
        }


async def load_run(count: int, rate: float, seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "coordination"
        generate(root, count, all_live=True)
        app = create_app(root, Settings())
        async with app.run_test(size=SIZE) as pilot:
            table = app.dashboard.table
            await until(lambda: len(table.shown_keys) == count, 120)
            await pilot.press("g")  # show every session, gone or not, for the final check
            await asyncio.sleep(2.0)
            writer = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(root), str(count), str(rate), str(seconds)],
                stdout=subprocess.PIPE,
                text=True,
            )
            key_latencies = []
            driver = app._driver
            assert driver is not None
            batches_before = app.dashboard.analyses
            keys = ("down", "down", "up", "down")
            number = 0
            while writer.poll() is None:
                before = table.cursor_row
                key = keys[number % len(keys)]
                number += 1
                begin = time.perf_counter()
                # What a terminal does: the driver hands the key to the app's queue.
                driver.send_message(events.Key(key, None))
                await until(lambda before=before: table.cursor_row != before, 10, step=0.001)
                key_latencies.append(time.perf_counter() - begin)
                await asyncio.sleep(0.2)
            written = int((writer.communicate()[0] or "0").strip() or 0)
            analyses = app.dashboard.analyses - batches_before
            # Quiet: wait until nothing is being analysed and the last batch is in.
            quiet_start = time.perf_counter()
            settled = app.dashboard.analyses
            while True:
                await asyncio.sleep(1.0)
                if app.dashboard.analyses == settled and app.dashboard.up_to_date:
                    break
                settled = app.dashboard.analyses
            settle_s = time.perf_counter() - quiet_start
            mismatches = 0
            for index in range(count):
                key = f"sessions/session-{index:05d}.json"
                data = json.loads((root / key).read_text(encoding="utf-8"))
                cells = table.shown_cells(key) or {}
                work = display(data["current_work"], WORK_WIDTH)
                if cells.get("work") != work or cells.get("beats") != str(data["heartbeat_count"]):
                    mismatches += 1
            running = app.is_running
        return {
            "sessions": count,
            "writes": written,
            "write_rate": written / seconds,
            "analyses": analyses,
            "key_presses": len(key_latencies),
            "key_p50_ms": statistics.median(key_latencies) * 1000,
            "key_p95_ms": pct(key_latencies, 0.95) * 1000,
            "key_max_ms": max(key_latencies) * 1000,
            "settle_s": settle_s,
            "mismatches": mismatches,
            "still_running": float(running),
            "peak_rss_mb": rss_mb(),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--sizes", default=None, help="comma-separated session counts")
    parser.add_argument("--idle", type=float, default=None, help="idle CPU window (s)")
    parser.add_argument("--load-seconds", type=float, default=None)
    parser.add_argument("--load-rate", type=float, default=200.0)
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--only-load", action="store_true")
    args = parser.parse_args()
    compile_package()  # as an installed wheel has it
    sizes = [int(s) for s in (args.sizes or ("1000" if args.quick else "1000,10000")).split(",")]
    idle = args.idle if args.idle is not None else (5.0 if args.quick else 30.0)
    load_seconds = args.load_seconds or (10.0 if args.quick else 60.0)
    writes = 15 if args.quick else 40
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; headless App.run_test")
    if not args.only_load:
        for count in sizes:
            # A fresh interpreter per size would isolate RSS; here sizes run smallest first.
            result = asyncio.run(measure_size(count, writes, idle))
            print(
                f"{result['sessions']:>6} sessions: first paint {result['first_paint_s']:.2f} s, "
                f"write→table p50 {result['write_p50_ms']:.0f} ms p95 "
                f"{result['write_p95_ms']:.0f} ms, idle CPU {result['idle_cpu_pct']:.1f} % "
                f"of a core over {idle:.0f} s, peak RSS {result['peak_rss_mb']:.0f} MB",
                flush=True,
            )
    if not args.no_load:
        count = 2000 if args.quick else 10000
        result = asyncio.run(load_run(count, args.load_rate, load_seconds))
        print(
            f"load: {result['sessions']:.0f} sessions, {result['writes']:.0f} in-place rewrites "
            f"in {load_seconds:.0f} s ({result['write_rate']:.0f}/s), "
            f"{result['analyses']:.0f} analyses; key press p50 {result['key_p50_ms']:.0f} ms "
            f"p95 {result['key_p95_ms']:.0f} ms max {result['key_max_ms']:.0f} ms "
            f"({result['key_presses']:.0f} presses); settled {result['settle_s']:.1f} s after; "
            f"screen ≠ disk for {result['mismatches']:.0f} sessions; "
            f"{'still running' if result['still_running'] else 'NOT RUNNING'}; "
            f"peak RSS {result['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
