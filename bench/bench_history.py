"""History at any size: whole-process figures on a month of a busy collective.

Generates (``history_month.py``) a month of a 30-session collective — 250k heartbeat
events, 50k broadcasts, 5k direct messages, one in ten broken — and a copy of the same
directory without history, then prints side by side, each a separate process as a
user would run it:

* ``status --json``: the median of first runs (no history index; ``--runs`` of them)
  and of the runs after, with and without history, and the ratio (goal: ≤ 2× after);
  peak RSS (goal ≤ 150 MB);
* the listing floor: listing the history folders' names, and the ratio of the first
  ``status --json`` to (no-history status + listing) (goal ≤ 1.5×, issue 24);
* the dashboard's first row, whole process in tmux, with and without history
  (goal ≤ 2×), and its peak RSS (goal ≤ 200 MB);
* 10k sessions (``bench_core``'s generator): ``status --json`` against a plain
  read-and-``json.loads`` loop over the same files, both whole processes taking turns
  (goal ≤ 4×, issue 24: pydantic's import and models are paid here).

    python bench/bench_history.py                 # the month (~300k files, ~1.2 GB, minutes)
    python bench/bench_history.py --scale 0.1     # a quick run
    python bench/bench_history.py --scale 3.3     # the 1M-file case
    python bench/bench_history.py --keep          # keep what was generated, and later:
    python bench/bench_history.py --reuse /tmp/bench-history-XXXX   # measure it again
Generated under /tmp and deleted afterwards (``--keep`` keeps them; ``--reuse`` never
deletes).
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))

from compiled import compile_package  # noqa: E402
from history_month import END, copy_without_history, generate  # noqa: E402

PYTHON = sys.executable
NOW = END.strftime("%Y-%m-%dT%H:%M:%SZ")
PLAIN_LOOP = """
import json, os, sys
root = sys.argv[1]
for folder in ("", "sessions", "sessions/MILESTONES", "messages/broadcast", "heartbeats", "claims"):
    base = os.path.join(root, folder)
    if not os.path.isdir(base):
        continue
    for entry in os.scandir(base):
        if entry.is_file() and not entry.name.endswith(".txt"):
            with open(entry.path, "rb") as handle:
                data = handle.read()
            try:
                json.loads(data)
            except ValueError:
                pass
"""
LISTING = """
import os, sys
root = sys.argv[1]
count = 0
for folder in ("heartbeats", "sessions/HEARTBEATS", "messages/broadcast"):
    count += len(os.listdir(os.path.join(root, folder)))
direct = os.path.join(root, "messages/direct")
for name in os.listdir(direct) if os.path.isdir(direct) else []:
    count += len(os.listdir(os.path.join(direct, name)))
"""


def run(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(
            f"{command} failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    return elapsed, usage.ru_maxrss / 1024


def status(root: Path, runs: int) -> tuple[float, float, float]:
    """(median of ``runs`` first runs, median of the runs after, peak RSS MB) of
    ``status --json``. A first run is one without the history index: it is removed
    before each (the folders' names stay in the page cache, as on a second look)."""
    command = [PYTHON, "-m", "coordinator_tui", "status", str(root), "--json", "--now", NOW]
    index = root / ".coordinator" / "history-index.sqlite"
    firsts, after, rss = [], [], 0.0
    for _ in range(runs):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{index}{suffix}").unlink(missing_ok=True)
        elapsed, peak = run(command)
        firsts.append(elapsed)
        rss = max(rss, peak)
    for _ in range(runs):
        elapsed, peak = run(command)
        after.append(elapsed)
        rss = max(rss, peak)
    return statistics.median(firsts), statistics.median(after), rss


_SERVERS = itertools.count()


def dashboard(root: Path, marker: str, timeout: float = 120.0) -> tuple[float, float]:
    """(seconds to the first session row, peak RSS MB) of the dashboard in tmux (a tmux
    server of its own each time: a server still exiting from the last run refused the
    next session once)."""
    name = "bench"
    tmux = ["tmux", "-L", f"bench-history-{os.getpid()}-{next(_SERVERS)}"]
    command = f"{PYTHON} -m coordinator_tui {root}"
    start = time.perf_counter()
    subprocess.run([*tmux, "new-session", "-d", "-s", name, "-x", "200", "-y", "50", command])
    try:
        pane_pid = subprocess.run(
            [*tmux, "display-message", "-p", "-t", name, "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        while time.perf_counter() - start < timeout:
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", name], capture_output=True, text=True
            ).stdout
            if marker in screen:
                elapsed = time.perf_counter() - start
                time.sleep(1.0)  # let it settle: the peak RSS includes the first seconds
                return elapsed, _peak_rss_mb(pane_pid)
            time.sleep(0.02)
        raise SystemExit(f"the dashboard showed no {marker!r} within {timeout} s")
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


def _peak_rss_mb(pid: str) -> float:
    """VmHWM of the process (the pane runs the Python process itself)."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def ten_thousand(base: Path, runs: int) -> tuple[float, float]:
    """(status --json median, plain loop median) at 10k sessions, whole processes."""
    from bench_core import generate as generate_sessions

    root = base / "ten-thousand"
    if not root.is_dir():
        root.mkdir()
        generate_sessions(root, 10_000)
    command = [PYTHON, "-m", "coordinator_tui", "status", str(root), "--json", "--now", NOW]
    plain = [PYTHON, "-c", PLAIN_LOOP, str(root)]
    run(command), run(plain)  # warm the page cache
    ours, loop = [], []
    for _ in range(runs):  # in turns: the machine's pace drifts between runs
        ours.append(run(command)[0])
        loop.append(run(plain)[0])
    ours, loop = statistics.median(ours), statistics.median(loop)
    return ours, loop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the generated folders")
    parser.add_argument("--reuse", type=Path, help="a folder --keep kept: measure it again")
    parser.add_argument("--no-dashboard", action="store_true")
    parser.add_argument("--no-10k", action="store_true")
    args = parser.parse_args()
    compile_package()  # as an installed wheel has it
    if args.reuse is not None:
        month, empty = args.reuse / "month", args.reuse / "empty"
        folders = ("heartbeats", "messages/broadcast")
        files = sum(len(os.listdir(month / folder)) for folder in folders)
        print(f"reusing {args.reuse} ({files:,} heartbeat and broadcast files)")
        report(month, empty, files, args)
        return 0
    base = Path(tempfile.mkdtemp(prefix="bench-history-", dir="/tmp"))
    try:
        month, empty = base / "month", base / "empty"
        start = time.perf_counter()
        files = generate(month, args.scale)
        copy_without_history(month, empty)
        print(f"generated {files:,} history files in {time.perf_counter() - start:.0f} s ({base})")
        report(month, empty, files, args)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


def report(month: Path, empty: Path, files: int, args: argparse.Namespace) -> None:
    os.sync()  # the generator's gigabyte of writeback must not land in the first timed run
    run([PYTHON, "-c", LISTING, str(month)])  # the names into the cache, as after a while
    floor = statistics.median(run([PYTHON, "-c", LISTING, str(month)])[0] for _ in range(3))
    bare = statistics.median(run([PYTHON, "-c", "pass"])[0] for _ in range(3))
    with_first, with_after, with_rss = status(month, args.runs)
    without_first, without_after, without_rss = status(empty, args.runs)
    listing = floor - bare
    print(f"\n{'':34}{'with history':>14}{'without':>10}{'ratio':>8}  goal")
    print(
        f"{'status --json, first run (s)':34}{with_first:14.2f}{without_first:10.2f}"
        f"{with_first / without_first:7.1f}×"
    )
    print(
        f"{'status --json, after (s)':34}{with_after:14.2f}{without_after:10.2f}"
        f"{with_after / without_after:7.1f}×  ≤ 2×"
    )
    print(f"{'status --json, peak RSS (MB)':34}{with_rss:14.0f}{without_rss:10.0f}{'':8}  ≤ 150")
    print(f"{'listing the names alone (s)':34}{listing:14.2f}   ({files:,} files)")
    print(
        f"{'first run / (no-history + listing)':34}"
        f"{with_first / (without_first + listing):13.1f}×  ≤ 1.5× (the floor: 1×)"
    )
    print(f"{'status / (no-history + listing)':34}{with_after / (without_after + listing):13.1f}×")
    if not args.no_dashboard and shutil.which("tmux"):
        marker = "session-17632"
        dash_with, rss_with = dashboard(month, marker)
        dash_without, rss_without = dashboard(empty, marker)
        print(
            f"{'dashboard first row (s)':34}{dash_with:14.2f}{dash_without:10.2f}"
            f"{dash_with / dash_without:7.1f}×  ≤ 2×"
        )
        print(f"{'dashboard peak RSS (MB)':34}{rss_with:14.0f}{rss_without:10.0f}{'':8}  ≤ 200")
    if not args.no_10k:
        ours, loop = ten_thousand(month.parent, args.runs)
        print(
            f"{'10k sessions: status --json (s)':34}{ours:14.2f}  plain loop {loop:.2f}"
            f"{ours / loop:7.1f}×  ≤ 4×"
        )


if __name__ == "__main__":
    raise SystemExit(main())
