"""A month of a busy collective, generated in the real shapes (FORMATS.md), for the history
benchmark and anyone who wants to look at one.

``generate(root, scale)`` writes, at scale 1.0: 30 sessions, 250,000 heartbeat event
files (``heartbeats/<YYYY-MM-DD_HH-MM-SS>-<session>.json``), 50,000 broadcasts
(``messages/broadcast/<stamp>-<from>.json``), 5,000 direct messages, one
``sessions/HEARTBEATS/<session>.json`` each, claims, milestones and ``priorities.txt``.
One history file in ten is broken the way the shell scripts break them: most
recoverable (a raw newline, ``\\!``, an unescaped quote), some cut short (errors).
``copy_without_history(root, other)`` copies everything but the history.

    python bench/history_month.py DIR [--scale 0.1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

END = datetime.now(timezone.utc).replace(microsecond=0)
"""The month ends now, so the dashboard (which reads the real clock) shows live sessions."""
MONTH_S = 30 * 24 * 3600
SESSIONS = 30
HEARTBEATS = 250_000
BROADCASTS = 50_000
DIRECTS = 5_000
HISTORY_FOLDERS = ("heartbeats", "sessions/HEARTBEATS", "messages")
WORDS = ("build", "deploy", "dashboard", "registry", "orchestrator", "spec", "payments", "docs")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d_%H-%M-%S")


def _write(path: Path, text: str, moment: datetime) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def _broken(fields: list[tuple[str, str]], rng: random.Random) -> str:
    """One key a line as the scripts write it, broken one of the real ways."""
    roll = rng.random()
    lines = [f'  "{key}": "{value}"' for key, value in fields]
    if roll < 0.3:
        lines[-1] = lines[-1][:-1] + '\nsecond line"'
    elif roll < 0.6:
        lines[-1] = lines[-1][:-1] + ' done\\!"'
    elif roll < 0.8:
        lines[-1] = lines[-1][:-1] + ' said "hi" twice"'
    else:
        return "{\n" + ",\n".join(lines)[: rng.randint(10, 40)]  # cut short: an error
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _document(fields: list[tuple[str, str]], rng: random.Random) -> str:
    if rng.random() < 0.1:
        return _broken(fields, rng)
    return json.dumps(dict(fields), indent=2) + "\n"


def _sessions(root: Path, rng: random.Random, count: int) -> list[str]:
    ids = [f"session-{1763200000 + index * 977}" for index in range(count)]
    for index, session_id in enumerate(ids):
        beat = END - timedelta(seconds=rng.choice((20, 60, 300, 900, 4000, 90000)))
        document = {
            "session_id": session_id,
            "started_at": _iso(END - timedelta(days=30)),
            "status": "active",
            "current_work": "session initialization" if index % 5 == 0 else f"{WORDS[index % 8]}",
            "capabilities": ["general-purpose", "build"],
            "last_heartbeat": _iso(beat),
            "heartbeat_count": 8000 + index,
        }
        _write(root / "sessions" / f"{session_id}.json", json.dumps(document, indent=2), beat)
        hb = {"session_id": session_id, "timestamp": _iso(beat), "status": "active", "pid": 4000}
        _write(root / "sessions" / "HEARTBEATS" / f"{session_id}.json", json.dumps(hb), beat)
    return ids


def _small_files(root: Path, ids: list[str]) -> None:
    claim = {
        "claimed_by": ids[1],
        "claimed_at": _iso(END - timedelta(hours=1)),
        "resource_type": "droplet",
        "resource_name": "dashboard",
        "duration_hours": 2,
        "expires_at": _iso(END + timedelta(hours=1)),
    }
    _write(root / "claims" / "droplet-dashboard.claim", json.dumps(claim), END)
    milestone = {"milestone_id": "m-1", "title": "Ship it", "status": "in_progress", "progress": 40}
    _write(root / "sessions" / "MILESTONES" / "m-1.json", json.dumps(milestone), END)
    _write(root / "priorities.txt", "90:ship:Ship the dashboard\n50:docs:Write docs\n", END)


def _events(
    root: Path, rng: random.Random, ids: list[str], count: int, folder: str, kind: str
) -> int:
    """``count`` files spread over the month, newest at END; names unique per second."""
    step = MONTH_S / max(count, 1)
    written = 0
    for index in range(count):
        moment = END - timedelta(seconds=int(index * step) + 1)
        sender = ids[index % len(ids)]
        if kind == "heartbeat":
            fields = [
                ("session_id", sender),
                ("timestamp", _iso(moment)),
                ("action", "working"),
                ("target", WORDS[index % 8]),
            ]
            path = root / folder / f"{_stamp(moment)}-{sender}.json"
        else:
            to = "broadcast" if kind == "broadcast" else ids[(index * 7 + 3) % len(ids)]
            fields = [
                ("from", sender),
                ("to", to),
                ("timestamp", _iso(moment)),
                ("subject", f"{WORDS[index % 8]} update {index}"),
                ("message", f"Progress on {WORDS[(index * 3) % 8]}: step {index % 17} done."),
            ]
            target = root / folder if kind == "broadcast" else root / folder / to
            target.mkdir(parents=True, exist_ok=True)
            path = target / f"{_stamp(moment)}-{sender}.json"
        if path.exists():
            continue
        _write(path, _document(fields, rng), moment)
        written += 1
    return written


def generate(root: Path, scale: float = 1.0, sessions: int = SESSIONS, seed: int = 12) -> int:
    """Write the month under ``root``; the number of history files written."""
    rng = random.Random(seed)
    for folder in ("sessions/HEARTBEATS", "sessions/MILESTONES", "heartbeats", "claims"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "messages" / "broadcast").mkdir(parents=True, exist_ok=True)
    ids = _sessions(root, rng, sessions)
    _small_files(root, ids)
    written = _events(root, rng, ids, int(HEARTBEATS * scale), "heartbeats", "heartbeat")
    written += _events(root, rng, ids, int(BROADCASTS * scale), "messages/broadcast", "broadcast")
    written += _events(root, rng, ids, int(DIRECTS * scale), "messages/direct", "direct")
    return written + sessions


def copy_without_history(root: Path, other: Path) -> None:
    """The same sessions, claims, milestones and priorities, and no history at all."""
    shutil.copytree(
        root,
        other,
        ignore=lambda folder, names: [
            name
            for name in names
            if os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            in HISTORY_FOLDERS
            or name == ".coordinator"
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    written = generate(args.dir, args.scale)
    print(f"{written} history files under {args.dir}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
