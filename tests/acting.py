"""Small directories for the "coordinator acts" tests (issue 13), relative to ``NOW``."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from tests.collective import NOW, ago, iso, utc_words, write_json, write_text


def analysed(root: Path, now: datetime = NOW, settings: Settings | None = None) -> Analysis:
    store = Store(root, settings)
    store.scan()
    return analyse(store.snapshot(), now, settings)


def claim(root: Path, name: str, holder: str, claimed: datetime, hours: float = 2.0) -> Path:
    return write_json(
        root / "claims" / f"task-{name}.claim",
        {
            "claimed_by": holder,
            "claimed_at": iso(claimed),
            "resource_type": "task",
            "resource_name": name,
            "duration_hours": hours,
            "expires_at": iso(claimed + timedelta(hours=hours)),
        },
    )


def milestone(root: Path, milestone_id: str, **fields: Any) -> Path:
    data: dict[str, Any] = {"milestone_id": milestone_id, "title": milestone_id, "steps": []}
    for key, value in fields.items():
        data[key] = utc_words(value) if isinstance(value, datetime) else value
    return write_json(root / "sessions" / "MILESTONES" / f"{milestone_id}.json", data)


def heartbeat_event(root: Path, session_id: str, moment: datetime, **fields: Any) -> Path:
    stamp = moment.strftime("%Y-%m-%d_%H-%M-%S")
    data = {"session_id": session_id, "timestamp": iso(moment), **fields}
    return write_json(root / "heartbeats" / f"{stamp}-{session_id}.json", data)


def priorities(root: Path, *lines: str) -> Path:
    return write_text(root / "priorities.txt", "".join(line + "\n" for line in lines))


__all__ = ["NOW", "ago", "analysed", "claim", "heartbeat_event", "milestone", "priorities"]
