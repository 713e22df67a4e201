"""Benchmark what following transcripts costs (issue 28).

1. **Following**: a 200 MB Claude Code transcript, its state saved, followed by a
   ``UsageFollower`` thread (a step every 2 s, as ``run`` and the dashboard do) while
   another process appends a response every 0.25 s (a busy agent, tool output
   included). The follower's process CPU over the wall time is the figure; goal
   below 5 % of one core. The one full read that makes the state is timed too.
2. **Opening on 100 sessions**, as a user sees it: ``status`` and ``status --json`` as
   whole processes on a 100-session directory, without transcripts, then with each
   session naming a 200 MB transcript (hard links of one file, so 20 GB of transcripts
   take 200 MB of disk): at a **first look** (nothing saved: only tails read), and
   **after a look** (what ``run`` or an earlier ``status`` left: saved states, and
   whatever else that version keeps). The user's rate table (``usage.rate_table``) is
   warm, as after any earlier use on the machine (a temporary ``XDG_CACHE_HOME``).
   Goal: with/without at most 1.2×. (The dashboard's first rows: ``bench_live.py
   --transcripts 200 --off costs``.)

``--against REF`` runs the same commands with the package as it was at a git ref
(``git archive`` into a temporary folder, first on ``PYTHONPATH``), interleaved with this
tree's, so before and after print in one run. Medians of interleaved runs, wall and CPU
(user + system of the child: steadier on a loaded machine), printed side by side with
their ratios. The machine is shared and noisy: quote ratios. ``--runs N`` (default 7),
``--megabytes M`` (200), ``--skip-follow`` (only the opening figures).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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


COMMANDS = {"status": ("status",), "status --json": ("status", "--json")}
SCENARIOS = ("without", "first look", "after a look")


@dataclass
class Version:
    """A version of the package to time: this tree, or one taken from a git ref."""

    name: str
    path: str | None
    """Put first on ``PYTHONPATH`` (None: this tree, as installed)."""
    times: dict[tuple[str, str], list[tuple[float, float]]] = field(default_factory=dict)
    """(command, scenario) → (wall, CPU) seconds of each run."""


def version_at(ref: str, work: Path) -> Version:
    """The package as it was at ``ref``, compiled as an installed wheel has it."""
    repo = Path(__file__).resolve().parents[1]
    folder = work / f"at-{ref.replace('/', '_')}"
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", ref, "coordinator_tui"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    compileall.compile_dir(folder / "coordinator_tui", quiet=1)
    label = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", ref],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Version(f"{ref} ({label})" if label != ref else ref, str(folder))


def run_command(
    version: Version, words: tuple[str, ...], root: Path, env: dict[str, str], cwd: Path
) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole ``coordinator-tui`` process."""
    if version.path is not None:
        env = {**env, "PYTHONPATH": version.path}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "coordinator_tui", *words, str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{version.name}: {' '.join(words)} failed: {done.stderr[-500:]!r}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def forget_usage(root: Path) -> None:
    shutil.rmtree(root / ".coordinator", ignore_errors=True)


def after_a_look(
    version: Version, root: Path, template: Path, env: dict[str, str], cwd: Path
) -> None:
    """What a reader of every transcript leaves (the saved states), then one look by this
    version (which leaves whatever else it keeps)."""
    forget_usage(root)
    shutil.copytree(template, root / ".coordinator" / "usage")
    run_command(version, COMMANDS["status --json"], root, env, cwd)


def open_figures(
    versions: list[Version],
    plain: Path,
    linked: Path,
    template: Path,
    env: dict[str, str],
    cwd: Path,
    runs: int,
) -> None:
    for version in versions:  # warm: the rate table, the page cache, the bytecode
        run_command(version, COMMANDS["status"], linked, env, cwd)
    for _ in range(runs):
        for version in versions:
            for command, words in COMMANDS.items():
                timed = version.times
                timed.setdefault((command, "without"), []).append(
                    run_command(version, words, plain, env, cwd)
                )
                forget_usage(linked)
                timed.setdefault((command, "first look"), []).append(
                    run_command(version, words, linked, env, cwd)
                )
                after_a_look(version, linked, template, env, cwd)
                timed.setdefault((command, "after a look"), []).append(
                    run_command(version, words, linked, env, cwd)
                )


def print_open_figures(versions: list[Version], runs: int) -> None:
    print(
        f"opening {SESSIONS} sessions of {SESSIONS} transcripts, whole process, median of "
        f"{runs} (wall s / CPU s; ratio to the same command without transcripts, wall / "
        f"CPU; goal ≤ {OPEN_GOAL}×):"
    )
    print(f"  {'version':<20} {'command':<14} " + " | ".join(f"{s:<26}" for s in SCENARIOS))
    for version in versions:
        for command in COMMANDS:
            medians = {
                scenario: (
                    statistics.median(wall for wall, _ in version.times[(command, scenario)]),
                    statistics.median(cpu for _, cpu in version.times[(command, scenario)]),
                )
                for scenario in SCENARIOS
            }
            base_wall, base_cpu = medians["without"]
            cells = []
            for scenario in SCENARIOS:
                wall, cpu = medians[scenario]
                cell = f"{wall:.3f} / {cpu:.3f}"
                if scenario != "without":
                    cell += f" ({wall / base_wall:.2f}× / {cpu / base_cpu:.2f}×)"
                cells.append(f"{cell:<26}")
            print(f"  {version.name:<20} {command:<14} " + " | ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--follow-seconds", type=float, default=20.0)
    parser.add_argument("--against", metavar="REF", help="also time the package at this git ref")
    parser.add_argument("--skip-follow", action="store_true", help="only the opening figures")
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
        if not args.skip_follow:
            shares = [follow_once(root, big, args.follow_seconds) for _ in range(3)]
            share = statistics.median(shares)
            verdict = "ok" if share < CPU_GOAL else "OVER"
            print(
                f"following while appended (a response every 0.25 s), 3 runs of "
                f"{args.follow_seconds:.0f} s: median {share:.2%} of one core "
                f"(runs {', '.join(f'{s:.2%}' for s in shares)}; goal < {CPU_GOAL:.0%}: "
                f"{verdict})"
            )

        plain, linked = work / "plain", work / "linked"
        build_directory(plain, None)
        build_directory(linked, big)
        template = work / "states"
        states_for_links(root, linked, template)
        cache, config, cwd = work / "cache", work / "config", work / "elsewhere"
        for folder in (cache, config, cwd):
            folder.mkdir()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("COORDINATOR_")},
            "XDG_CACHE_HOME": str(cache),
            "XDG_CONFIG_HOME": str(config),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode cached, as a user has it
        versions = [Version("this tree", None)]
        if args.against:
            versions.append(version_at(args.against, work))
        open_figures(versions, plain, linked, template, env, cwd, args.runs)
        print_open_figures(versions, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
