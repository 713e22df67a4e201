"""Live at any size, measured the way a user sees it: the whole process in a real terminal.

Starts ``coordinator-tui DIR`` in a detached tmux (160×50, a private tmux
socket) over generated directories of 100, 1,000 and 10,000 sessions. The timed
waits read the pane's output as tmux receives it (``pipe-pane`` into a file, read
every millisecond); ``tmux capture-pane -p`` reads the screen where nothing is
timed (the counts, the final comparison). Earlier versions timed by polling
``capture-pane`` every 2 ms: a tmux client started that often keeps about a core
busy, which slowed the 10,000-session start (two busy processes) more than the
100-session one.

* first rows: from launching the process to the rendered pane showing the table's
  title counting rows and a row under it, polled every 20 ms from outside as a person
  timing it does (the goal's method), three starts a size, the sizes taking turns; and,
  in other starts with nobody polling, to the title in the pane's output. The two
  differ at 10,000 sessions: that start keeps both cores busy (the read-ahead child
  and the parent loading Textual) and the observer's tmux client every 20 ms takes
  its share of them, while the 100-session start is short and on one core. What a user
  sees is the rendered pane, so that is the headline, and the quiet figure is printed
  beside it. Also: whether the summary counts on the first screen are the final ones;
* write → screen: the table is filtered (``/benchw``) so a new row is visible;
  once the typing is over (changes arriving while a user types wait for a pause,
  1 s at most), a new session file is written atomically (temporary file, then
  rename) and timed until its row is on screen (20 writes per size: median, p95,
  max);
* key → screen: ``s`` (next sort) until the table title names the new sort,
  idle, then at 10,000 sessions while a second process rewrites sessions
  (atomically) at 200 a second; after it stops, the screen filtered to the
  rewritten sessions must show as many as the disk holds, each with the
  disk's work and heartbeat count.

    python bench/bench_live.py                  # 100, 1k, 10k and the load run
    python bench/bench_live.py --sizes 100,1000 --no-load
    python bench/bench_live.py --sizes 100 --no-load --transcripts 200 --off costs

``--transcripts MB``: every session names a Claude Code transcript of ``MB`` MiB (hard
links of one file) and no follower state is kept between starts, so each start is a first
look (the tails at once, then every transcript read from its start in the background):
the dashboard's costs at their heaviest; ``--off costs`` measures it without them.

Ratios are printed from this one run; quote them with the load average printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_dashboard import generate, iso, pct  # noqa: E402
from bench_usage import make_transcript  # noqa: E402
from compiled import compile_package  # noqa: E402

SOCKET = f"bench16-{os.getpid()}"
WIDTH, HEIGHT = 160, 50
SORTS = ("attention", "id", "heartbeat")
TRANSCRIPTS = False
PRESSES = 12
"""``s`` presses timed on an idle dashboard (``--presses``)."""
"""``--transcripts``: the sessions name transcripts."""
ROW = re.compile(r"(session-\d{5})")
OUTSIDE_POLL_S = 0.02
SHOWING = rb"Sessions [1-9][0-9]*/[0-9]"
"""The table's title once it holds rows (drawn in the frame that adds them). A session id
alone is no sign: the alerts panel names stale sessions, and is drawn a frame earlier."""

WRITER = r"""
import json, os, random, sys, time
root, count, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
random.seed(11)
sessions = os.path.join(root, "sessions")
start = time.monotonic()
done = 0
while time.monotonic() - start < seconds:
    target = int((time.monotonic() - start) * rate)
    while done < target:
        i = random.randrange(count)
        path = os.path.join(sessions, f"session-{i:05d}.json")
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        data["heartbeat_count"] = int(data.get("heartbeat_count") or 0) + 1
        data["current_work"] = f"load {i} step {data['heartbeat_count']}"
        data["last_heartbeat"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        temporary = os.path.join(sessions, f".load-{i}.tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(data))
        os.replace(temporary, path)
        done += 1
    time.sleep(0.002)
print(done)
"""


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False
    ).stdout


def screen(name: str) -> str:
    return tmux("capture-pane", "-p", "-t", name)


class Pane:
    """A tmux pane whose output is copied to a file as tmux receives it (``pipe-pane``):
    the timed waits read that file, where a ``capture-pane`` loop would start a tmux
    client every few milliseconds and keep a core busy while the dashboard (and, at
    10,000 sessions, its read-ahead child) wants both."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.path = folder / f"{name}.out"
        self.path.write_bytes(b"")
        self._offset = 0
        self.sorts = SORTS
        """What ``s`` cycles through (``cost`` too when the dashboard shows costs)."""
        # A placeholder program until ``start``: the pipe is in place before any output.
        tmux("new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT), "cat")
        tmux("pipe-pane", "-t", name, f"cat >> {self.path}")

    def start(self, command: str) -> float:
        """Replace the placeholder with ``command``; when it started."""
        self.mark()
        begin = time.perf_counter()
        tmux("respawn-pane", "-k", "-t", self.name, command)
        return begin

    def mark(self) -> None:
        """Later waits look at output from here on."""
        self._offset = self.path.stat().st_size

    def wait(self, pattern: bytes, since: float, timeout: float = 60.0) -> float:
        """Seconds from ``since`` until output after the mark matches ``pattern``."""
        needle = re.compile(pattern)
        with self.path.open("rb") as stream:
            stream.seek(self._offset)
            seen = b""
            while True:
                seen += stream.read()
                if needle.search(seen):
                    return time.perf_counter() - since
                if time.perf_counter() - since > timeout:
                    raise TimeoutError(
                        f"no {pattern!r} in the output; screen:\n{screen(self.name)}"
                    )
                time.sleep(0.001)


def wait_screen(
    name: str, predicate, timeout: float = 60.0, every: float = 0.002
) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    """(seconds until ``predicate(screen)`` held, that screen), looking ``every`` seconds."""
    start = time.perf_counter()
    while True:
        text = screen(name)
        if predicate(text):
            return time.perf_counter() - start, text
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"screen never matched; last screen:\n{text}")
        time.sleep(every)


def summary_line(text: str) -> str:
    """The summary strip's counts (not its trend sparkline, which grows by itself)."""
    line = next((line for line in text.splitlines() if "live" in line and "working" in line), "")
    return " ".join(re.findall(r"\d+ (?:live|working|idle|stale|gone)", line))


def with_transcripts(root: Path, transcript: Path) -> None:
    """Each session of ``root`` names a hard link of ``transcript`` (Claude Code's)."""
    for path in (root / "sessions").glob("session-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        link = transcript.parent / f"{root.name}-{data['session_id']}.jsonl"
        os.link(transcript, link)
        data.update(agent="claude", transcript_path=str(link), model="claude-sonnet-4-5")
        path.write_text(json.dumps(data), encoding="utf-8")


def launch(root: Path, pane: Pane, off: str = "") -> float:
    """Start the dashboard as a user does (``coordinator-tui DIR``); with ``off``, through
    ``bench/mechanisms_off.py`` with those performance mechanisms switched off. What an
    earlier start's usage follower saved goes first: each start is a first look."""
    shutil.rmtree(root / ".coordinator" / "usage", ignore_errors=True)
    if off:
        command = f"{sys.executable} {REPO / 'bench' / 'mechanisms_off.py'} {off} {root}"
    else:
        command = f"{Path(sys.executable).parent / 'coordinator-tui'} {root}"
    return pane.start(f"cd {REPO} && exec {command}")


def press_sort(pane: Pane, current: int) -> tuple[float, int]:
    """Press ``s``; seconds until the title naming the next sort is drawn."""
    sorts = pane.sorts
    wanted = f"sort: {sorts[(current + 1) % len(sorts)]}".encode()
    pane.mark()
    begin = time.perf_counter()
    tmux("send-keys", "-t", pane.name, "s")
    return pane.wait(re.escape(wanted), begin, 30), (current + 1) % len(sorts)


def key_latencies(pane: Pane, presses: int, sort: int, during=None) -> tuple[list[float], int]:  # type: ignore[no-untyped-def]
    found = []
    for _ in range(presses):
        if during is not None and during():
            break
        seconds, sort = press_sort(pane, sort)
        found.append(seconds)
        time.sleep(0.25)
    return found, sort


def write_new(root: Path, number: int, pane: Pane) -> tuple[str, float]:
    """A new session file, written atomically; (the text its row shows, when renamed)."""
    token = f"benchw {number:02d} {random.random():.6f}"
    data = {
        "session_id": f"bw-{99 - number:02d}",  # newest first in the id order
        "started_at": iso(datetime.now(timezone.utc)),
        "status": "active",
        "current_work": token,
        "last_heartbeat": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "heartbeat_count": 1,
    }
    sessions = root / "sessions"
    temporary = sessions / f".bw-{number}.tmp"
    temporary.write_text(json.dumps(data), encoding="utf-8")
    pane.mark()
    begin = time.perf_counter()
    os.replace(temporary, sessions / f"session-bw-{number:02d}.json")
    return token, begin


def type_filter(name: str, text: str) -> None:
    tmux("send-keys", "-t", name, "/")
    wait_screen(name, lambda screen_text: "filter by id" in screen_text, 30)
    tmux("send-keys", "-t", name, "-l", text)
    tmux("send-keys", "-t", name, "Enter")
    wait_screen(name, lambda screen_text: f"filter: {text}" in screen_text, 30)


def shows_rows(text: str) -> bool:
    """The rendered pane shows the table's title counting rows, and a row under it."""
    return bool(re.search(SHOWING.decode(), text)) and any(
        ROW.search(line) for line in table_lines(text)
    )


def first_rows_only(root: Path, name: str, off: str, poll: bool) -> float:
    """One start: seconds until the rendered pane shows rows, polled every 20 ms from
    outside as a person timing it would (``poll``), or else until the output stream holds
    the table's title, with nobody polling; then quit."""
    pane = Pane(name, root.parent)
    begin = launch(root, pane, off)
    if poll:
        seconds, _ = wait_screen(name, shows_rows, 120, OUTSIDE_POLL_S)
        seconds = time.perf_counter() - begin
    else:
        seconds = pane.wait(SHOWING, begin, 120)
    tmux("send-keys", "-t", name, "C-q")
    time.sleep(0.5)
    tmux("kill-session", "-t", name)
    return seconds


def measure(
    root: Path, count: int, writes: int, load: tuple[float, float] | None, off: str = ""
) -> dict:  # type: ignore[type-arg]
    name = f"s{count}{off.replace(',', '-')}"
    pane = Pane(name, root.parent)
    if TRANSCRIPTS and "costs" not in off.split(","):
        pane.sorts = (*SORTS, "cost")
    launch(root, pane, off)
    _, first = wait_screen(name, shows_rows, 120)  # the counts drawn with the first rows
    time.sleep(2.5)  # the watcher settles; overlaps are searched
    settled = summary_line(screen(name))
    result: dict = {"sessions": count, "off": off}  # type: ignore[type-arg]
    result["counts_right_at_first_paint"] = summary_line(first) == settled and bool(settled)
    type_filter(name, "benchw")
    # Files arriving while someone types wait for a pause in typing (keys first, at most
    # 1 s): the timed writes start once the filter's typing is over, as a user's would.
    time.sleep(1.2)
    latencies = []
    for number in range(writes):
        token, started = write_new(root, number, pane)
        latencies.append(pane.wait(re.escape(token.encode()), started, 30))
        time.sleep(random.uniform(0.2, 0.4))
    result["write"] = latencies
    idle, sort = key_latencies(pane, PRESSES, 0)
    result["key_idle"] = idle
    if load is not None:
        result.update(load_run(root, pane, count, load, sort))
    tmux("kill-session", "-t", name)
    return result


def load_run(root: Path, pane: Pane, count: int, load: tuple[float, float], sort: int) -> dict:  # type: ignore[type-arg]
    name = pane.name
    rate, seconds = load
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), str(count), str(rate), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    busy, sort = key_latencies(pane, 1000, sort, during=lambda: writer.poll() is not None)
    written = int((writer.communicate()[0] or "0").strip() or 0)
    # Nothing lost: the rows filtered to the rewritten sessions equal the disk.
    tmux("send-keys", "-t", name, "Escape")
    wait_screen(name, lambda text: "filter:" not in text, 30)
    while pane.sorts[sort] != "id":
        _, sort = press_sort(pane, sort)
    on_disk = {}
    for path in (root / "sessions").glob("session-?????.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if str(data.get("current_work", "")).startswith("load "):
            on_disk[data["session_id"]] = data
    type_filter(name, "load ")
    settle_start = time.perf_counter()
    while True:  # the screen catches up with the disk: how long, and does it at all
        text = screen(name)
        shown, checked, mismatches = compare(text, on_disk)
        settle = time.perf_counter() - settle_start
        if (shown == len(on_disk) and not mismatches) or settle > 30:
            break
        time.sleep(0.2)
    return {
        "writes": written,
        "rate": written / seconds,
        "key_load": busy,
        "rewritten_on_disk": len(on_disk),
        "rewritten_on_screen": shown,
        "rows_checked": checked,
        "row_mismatches": mismatches,
        "settle_s": settle,
    }


def table_lines(text: str) -> list[str]:
    """The session table's lines only: from its title to its bottom border. (The alerts
    panel below names sessions too, as in "session-01001 keeps load 1001 step 367; …":
    those lines are not rows and must not be compared with the files.)"""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "Sessions " in line and "╭" in line), None)
    if start is None:
        return []
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("╰")), None)
    return lines[start + 1 : end]


def compare(text: str, on_disk: dict[str, dict]) -> tuple[int, int, int]:  # type: ignore[type-arg]
    """(rows the title says are shown, rows on screen compared, rows unlike their file)."""
    title = re.search(r"Sessions (\d+)/(\d+)", text)
    shown = int(title.group(1)) if title else -1
    mismatches, checked = 0, 0
    for line in table_lines(text):
        match = ROW.search(line)
        if not match or match.group(1) not in on_disk:
            continue
        data = on_disk[match.group(1)]
        checked += 1
        if data["current_work"] not in line or f" {data['heartbeat_count']} " not in line:
            mismatches += 1
    return shown, checked, mismatches


def figures(values: list[float]) -> tuple[float, float, float]:
    return (statistics.median(values) * 1000, pct(values, 0.95) * 1000, max(values) * 1000)


def report(results: list[dict]) -> None:  # type: ignore[type-arg]
    """One table per variant (all mechanisms on, then each ``--off`` set)."""
    for off in dict.fromkeys(r["off"] for r in results):
        mine = [r for r in results if r["off"] == off]
        print(f"\n== {'mechanisms off: ' + off if off else 'as shipped'}")
        report_variant(mine)


def report_variant(results: list[dict]) -> None:  # type: ignore[type-arg]
    print(
        f"{'sessions':>8} | first rows: on screen / in the stream | counts ok | "
        "write→screen median / p95 / max | key idle median / p95"
    )
    for r in results:
        med, p95, top = figures(r["write"])
        kmed, kp95, _ = figures(r["key_idle"])
        counts = str(r["counts_right_at_first_paint"])
        screen_s, stream_s = (statistics.median(r[kind]) for kind in ("on_screen", "in_stream"))
        print(
            f"{r['sessions']:>8} | {screen_s:8.2f} s / {stream_s:8.2f} s          | "
            f"{counts:>9} | {med:6.0f} / {p95:4.0f} / {top:4.0f} ms            | "
            f"{kmed:5.0f} / {kp95:4.0f} ms"
        )
    small, large = results[0], results[-1]
    write_ratio = figures(large["write"])[1] / figures(small["write"])[1]
    ratio = {
        kind: statistics.median(large[kind]) / statistics.median(small[kind])
        for kind in ("on_screen", "in_stream")
    }
    for r in results:
        for kind, words in (
            ("on_screen", "on screen, polled every 20 ms"),
            ("in_stream", "in the output, nobody polling"),
        ):
            shown = ", ".join(f"{seconds:.2f}" for seconds in r[kind])
            print(f"  first rows at {r['sessions']} {words}: {shown} s")
    print(
        f"ratios {large['sessions']}/{small['sessions']}: write→screen p95 {write_ratio:.2f}× "
        f"(goal ≤ 1.5×), first rows on screen {ratio['on_screen']:.2f}× of the medians "
        f"(goal ≤ 2×; in the output with nobody polling {ratio['in_stream']:.2f}×)"
    )
    if "key_load" in large:
        idle, busy = figures(large["key_idle"]), figures(large["key_load"])
        print(
            f"load at {large['sessions']}: {large['writes']} rewrites ({large['rate']:.0f}/s); "
            f"key→screen median/p95/max idle {idle[0]:.0f}/{idle[1]:.0f}/{idle[2]:.0f} ms, "
            f"under load {busy[0]:.0f}/{busy[1]:.0f}/{busy[2]:.0f} ms "
            f"({len(large['key_load'])} presses): p95 {busy[1] / idle[1]:.2f}× idle (goal ≤ 1.5×)"
        )
        print(
            f"  nothing lost: {large['rewritten_on_screen']} rewritten sessions on screen, "
            f"{large['rewritten_on_disk']} on disk; {large['rows_checked']} rows compared, "
            f"{large['row_mismatches']} differ from their file; screen equal to disk "
            f"{large['settle_s']:.1f} s after the writer stopped"
        )


def main() -> int:
    global TRANSCRIPTS, PRESSES
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--load-rate", type=float, default=200.0)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--starts", type=int, default=3, help="starts per size for first rows")
    parser.add_argument(
        "--off",
        action="append",
        default=[],
        help="also measure with these mechanisms off, taking turns (mechanisms_off.py: "
        "freeze, hold, defer, costs; comma-separated; repeatable)",
    )
    parser.add_argument(
        "--transcripts",
        type=int,
        default=0,
        metavar="MB",
        help="every session names a transcript of MB MiB (hard links of one file)",
    )
    parser.add_argument("--no-rest", action="store_true", help="first rows only")
    parser.add_argument("--presses", type=int, default=PRESSES, help="s presses timed idle")
    args = parser.parse_args()
    compile_package()  # as an installed wheel has it
    sizes = [int(size) for size in args.sizes.split(",")]
    random.seed(5)
    load = os.getloadavg()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; tmux {WIDTH}×{HEIGHT}; first rows timed "
        f"on the rendered pane (polled every {OUTSIDE_POLL_S * 1000:.0f} ms) and in its output"
    )
    results = []
    # A session that lives for the whole run: the server would exit with its last
    # session, and a new-session racing that exit fails ("server exited unexpectedly").
    tmux("new-session", "-d", "-s", "keeper", "cat")
    try:
        with tempfile.TemporaryDirectory() as temp:
            roots = {count: Path(temp) / f"c{count}" for count in sizes}
            transcript = Path(temp) / "transcript.jsonl"
            TRANSCRIPTS, PRESSES = args.transcripts > 0, args.presses
            if args.transcripts:
                responses = make_transcript(transcript, args.transcripts)
                size = f"{args.transcripts} MiB"
                print(f"each session names a {size} transcript ({responses} responses)")
            for count, root in roots.items():
                generate(root, count)
                if args.transcripts:
                    with_transcripts(root, transcript)
            variants = ["", *args.off]
            # First rows vary with the machine from one start to the next: the sizes
            # (and variants) take turns, several times, and the median of each is compared.
            starts: dict[tuple[str, int, bool], list[float]] = {
                (off, count, poll): []
                for off in variants
                for count in sizes
                for poll in (True, False)
            }
            for turn in range(args.starts):
                for off in variants:
                    for poll in (True, False):
                        for count, root in roots.items():
                            name = f"f{count}-{turn}{int(poll)}{off.replace(',', '-')}"
                            seconds = first_rows_only(root, name, off, poll)
                            starts[off, count, poll].append(seconds)
            for off in variants:
                for count, root in roots.items():
                    heavy = (
                        None
                        if args.no_load or count != max(sizes)
                        else (args.load_rate, args.load_seconds)
                    )
                    if args.no_rest:
                        result = {"sessions": count, "off": off, "write": [0.0], "key_idle": [0.0]}
                        result["counts_right_at_first_paint"] = None
                    else:
                        result = measure(root, count, args.writes, heavy, off)
                    result["on_screen"] = starts[off, count, True]
                    result["in_stream"] = starts[off, count, False]
                    results.append(result)
                    print(f"  {count} {off} done", flush=True)
    finally:
        tmux("kill-server")
    report(results)
    after = os.getloadavg()
    print(f"load average after: {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
