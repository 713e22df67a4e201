"""Benchmark what following transcripts costs (issue 28).

1. **Following**: a 200 MB Claude Code transcript, its state saved, followed by a
   ``UsageFollower`` thread (a step every 2 s, as ``run`` and the dashboard do) while
   another process appends a response every 0.25 s (a busy agent, tool output
   included). The follower's process CPU over the wall time is the figure; goal
   below 5 % of one core. The one full read that makes the state is timed too.
2. **Opening on 100 sessions**: a fresh process reads a 100-session directory and
   analyses it (store scan, ``analyse``, ``act``), without transcripts, then with each
   session naming a 200 MB transcript (hard links of one file, so 20 GB of
   transcripts take 200 MB of disk): with saved states (every run after the first),
   and at a first look with none (only tails read). Goal: with/without at most 1.2×.

Medians of interleaved runs, printed side by side with their ratios. The machine is
shared and noisy: quote ratios. ``--runs N`` (default 7), ``--megabytes M`` (200).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from compiled import compile_package

from coordinator_tui.usage.follower import UsageFollower, Watched
from coordinator_tui.write.usage_state import saver

CPU_GOAL = 0.05
OPEN_GOAL = 1.2
SESSIONS = 100


def response_lines(index: int, moment: datetime, tool_bytes: int) -> bytes:
    """One response as Claude Code writes it: two content-block lines sharing an id, and
    the tool result that follows (most of a real transcript's bytes)."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    usage = {
        "input_tokens": 40 + index % 50,
        "cache_creation_input_tokens": 500,
        "cache_read_input_tokens": 60_000,
        "output_tokens": 300,
    }
    lines = []
    for block in ("text", "tool_use"):
        message = {
            "id": f"msg_{index:08d}",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [{"type": block, "text": "x" * 200}],
            "usage": usage,
        }
        lines.append({"type": "assistant", "timestamp": stamp, "message": message})
    result = {"type": "tool_result", "tool_use_id": f"toolu_{index}", "content": "y" * tool_bytes}
    lines.append(
        {"type": "user", "timestamp": stamp, "message": {"role": "user", "content": [result]}}
    )
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def make_transcript(path: Path, megabytes: int) -> int:
    start = datetime.now(timezone.utc) - timedelta(days=3)
    size = index = 0
    with path.open("wb") as handle:
        while size < megabytes << 20:
            chunk = response_lines(index, start + timedelta(seconds=20 * index), 18_000)
            handle.write(chunk)
            size += len(chunk)
            index += 1
    return index


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


APPENDER = """
import sys, time
sys.path.insert(0, {bench!r})
from bench_usage import response_lines
from datetime import datetime, timezone
path, seconds = sys.argv[1], float(sys.argv[2])
end = time.monotonic() + seconds
index = 10**7
with open(path, "ab", buffering=0) as handle:
    while time.monotonic() < end:
        handle.write(response_lines(index, datetime.now(timezone.utc), 4000 + index % 30000))
        index += 1
        time.sleep(0.25)
"""


def follow_once(root: Path, transcript: Path, seconds: float) -> float:
    """The follower's CPU share of one core while the transcript grows for ``seconds``."""
    follower = UsageFollower(root, saver(root))
    follower.watch([Watched("session-1", "claude", str(transcript), None, "bench", None)])
    follower.step()  # resumes from the saved state: nothing to read
    appender = subprocess.Popen(
        [
            sys.executable,
            "-c",
            APPENDER.format(bench=str(Path(__file__).parent)),
            str(transcript),
            str(seconds),
        ]
    )
    before, started = cpu_seconds(), time.monotonic()
    follower.start(interval=2.0)
    appender.wait()
    follower.stop()
    share = (cpu_seconds() - before) / (time.monotonic() - started)
    if follower.error is not None:
        raise follower.error
    return share


OPEN = """
import sys, time
started = time.perf_counter()
from datetime import datetime, timezone
from pathlib import Path
from coordinator_tui.analysis import analyse
from coordinator_tui.analysis.acting.act import act
from coordinator_tui.store import Store
from coordinator_tui.write.usage_state import usage_once
root = Path(sys.argv[1])
store = Store(root)
store.scan()
analysis = analyse(store.snapshot(), datetime.now(timezone.utc))
usage = usage_once(root, analysis) if sys.argv[2] == "usage" else None
acting = act(analysis, usage=usage)
total = acting.costs.total
print(time.perf_counter() - started, total.tokens.responses)
"""


def build_directory(root: Path, transcript: Path | None) -> None:
    now = datetime.now(timezone.utc)
    (root / "sessions").mkdir(parents=True)
    for index in range(SESSIONS):
        session_id = f"session-{1000 + index}"
        data = {
            "session_id": session_id,
            "started_at": (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": "active",
            "current_work": f"task {index % 12} build",
            "last_heartbeat": (now - timedelta(minutes=index % 9)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "heartbeat_count": index,
            "agent": "claude",
        }
        if transcript is not None:
            link = transcript.parent / f"{session_id}.jsonl"
            if not link.exists():
                os.link(transcript, link)
            data["transcript_path"] = str(link)
        (root / "sessions" / f"{session_id}.json").write_text(json.dumps(data))


def states_for_links(root: Path, linked: Path, template: Path) -> None:
    """The saved state of the one transcript, as each of the 100 sessions would have it
    (the links share its inode and bytes): what a coordinator that ran before leaves."""
    from coordinator_tui.usage.state import state_name

    (saved,) = (root / ".coordinator" / "usage").glob("session-1-*.json")
    document = json.loads(saved.read_bytes())
    template.mkdir()
    for index in range(SESSIONS):
        session_id = f"session-{1000 + index}"
        document["session"] = session_id
        document["transcripts"][0]["path"] = str(
            linked.parent / "transcripts" / f"{session_id}.jsonl"
        )
        (template / state_name(session_id)).write_text(json.dumps(document))


def open_once(root: Path, usage: bool) -> tuple[float, int]:
    done = subprocess.run(
        [sys.executable, "-c", OPEN, str(root), "usage" if usage else "none"],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, responses = done.stdout.split()
    return float(seconds), int(responses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--follow-seconds", type=float, default=20.0)
    args = parser.parse_args()
    compile_package()
    work = Path(tempfile.mkdtemp(prefix="bench-usage-"))
    try:
        transcripts = work / "transcripts"
        transcripts.mkdir()
        big = transcripts / "big.jsonl"
        responses = make_transcript(big, args.megabytes)
        print(f"transcript: {big.stat().st_size / 2**20:.0f} MiB, {responses} responses")

        root = work / "follow"
        (root / "sessions").mkdir(parents=True)
        started, cpu = time.monotonic(), cpu_seconds()
        maker = UsageFollower(root, saver(root), whole_below=1 << 62)
        maker.watch([Watched("session-1", "claude", str(big), None, "bench", None)])
        while maker.step():
            pass
        maker.flush()
        wall = time.monotonic() - started
        read = maker.snapshot().sessions["session-1"].total.responses
        print(
            f"one full read (the saved state's making): {wall:.1f} s wall, "
            f"{cpu_seconds() - cpu:.1f} s CPU, {args.megabytes / wall:.0f} MiB/s, "
            f"{read} responses counted of {responses}"
        )
        shares = [follow_once(root, big, args.follow_seconds) for _ in range(3)]
        share = statistics.median(shares)
        verdict = "ok" if share < CPU_GOAL else "OVER"
        print(
            f"following while appended (a response every 0.25 s), 3 runs of "
            f"{args.follow_seconds:.0f} s: median {share:.2%} of one core "
            f"(runs {', '.join(f'{s:.2%}' for s in shares)}; goal < {CPU_GOAL:.0%}: {verdict})"
        )

        plain, linked = work / "plain", work / "linked"
        build_directory(plain, None)
        build_directory(linked, big)
        template = work / "states"
        states_for_links(root, linked, template)
        first_looks, with_state, without = [], [], []
        counted = 0
        for _ in range(args.runs):
            without.append(open_once(plain, usage=False)[0])
            shutil.rmtree(linked / ".coordinator", ignore_errors=True)
            seconds, _ = open_once(linked, usage=True)  # tails only, nothing saved
            first_looks.append(seconds)
            shutil.rmtree(linked / ".coordinator", ignore_errors=True)
            shutil.copytree(template, linked / ".coordinator" / "usage")
            seconds, counted = open_once(linked, usage=True)
            with_state.append(seconds)
        base = statistics.median(without)
        print(
            f"opening {SESSIONS} sessions ({args.runs} runs, median s): without transcripts "
            f"{base:.3f} | first look (tails) {statistics.median(first_looks):.3f} "
            f"({statistics.median(first_looks) / base:.2f}×) | saved states "
            f"{statistics.median(with_state):.3f} ({statistics.median(with_state) / base:.2f}×; "
            f"goal ≤ {OPEN_GOAL}×) — {counted} responses counted with saved states"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
