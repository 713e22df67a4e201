"""Small generated histories for the history tests: a few sessions, stamped event files,
broadcasts and direct messages, some broken the way the shell scripts break them."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

END = datetime(2025, 12, 15, 12, 0, 0, tzinfo=timezone.utc)
SESSIONS = ("session-a", "session-b", "session-c")


def _write(path: Path, text: str, moment: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def beat_name(moment: datetime, session: str) -> str:
    return f"{moment:%Y-%m-%d_%H-%M-%S}-{session}.json"


def build_history(root: Path, beats: int = 30, broadcasts: int = 250, directs: int = 12) -> Path:
    """Sessions beating every ten minutes over ``beats`` beats, one broadcast an hour,
    direct messages to ``session-b``; every 9th file cut short, every 7th recoverable."""
    for index, session in enumerate(SESSIONS):
        last = END - timedelta(minutes=index)
        document = {
            "session_id": session,
            "status": "active",
            "current_work": f"task-{index}",
            "last_heartbeat": (last - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        _write(root / "sessions" / f"{session}.json", json.dumps(document), last)
        for beat in range(beats):
            moment = last - timedelta(minutes=10 * beat)
            text = json.dumps({"session_id": session, "timestamp": moment.isoformat()})
            if beat % 9 == 8:
                text = text[:15]  # cut short: an error, when read
            _write(root / "heartbeats" / beat_name(moment, session), text, moment)
    for index in range(broadcasts):
        moment = END - timedelta(hours=index, seconds=30)
        sender = SESSIONS[index % 3]
        _write(
            root / "messages" / "broadcast" / beat_name(moment, sender),
            message_text(sender, "broadcast", moment, f"note {index}", broken=index % 7 == 3),
            moment,
        )
    for index in range(directs):
        moment = END - timedelta(days=index, seconds=45)
        _write(
            root / "messages" / "direct" / "session-b" / beat_name(moment, "session-a"),
            message_text("session-a", "session-b", moment, f"direct {index}"),
            moment,
        )
    return root


def message_text(sender: str, to: str, moment: datetime, subject: str, broken: bool = False) -> str:
    if broken:  # a raw newline inside a string, as the send script writes it
        return (
            f'{{\n  "from": "{sender}",\n  "to": "{to}",\n  "timestamp": "{moment.isoformat()}",'
            f'\n  "subject": "{subject}",\n  "message": "two\nlines"\n}}\n'
        )
    document = {
        "from": sender,
        "to": to,
        "timestamp": moment.isoformat(),
        "subject": subject,
        "message": "hello",
    }
    return json.dumps(document, indent=2)


def files_with_bytes(root: Path) -> dict[str, bytes]:
    """Every history file under ``root``: relative path → bytes."""
    found = {}
    for folder in ("heartbeats", "sessions/HEARTBEATS", "messages"):
        for path in (root / folder).rglob("*.json"):
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found
