"""The files the demo's simulated sessions write, byte for byte the way the real scripts do.

Kept apart from the simulation's logic (``simulate.py``) so the shapes are
easy to compare with FORMATS.md: the heartbeat event and the pasted message
are heredocs with the text between quotes and no escaping (so some are
broken JSON, as in the wild); session and milestone files are ``json.dump``
rewritten in place (open, truncate, write), not atomically.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def utc_words(moment: datetime) -> str:
    """The ``2025-11-15 00:20:00 UTC`` style the milestone scripts use."""
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def session_text(
    session_id: str,
    started: datetime | None,
    status: str,
    work: str | None,
    capabilities: list[str],
    beat: datetime | None,
    beats: int,
    state: str | None = None,
    state_since: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    data: dict[str, Any] = {
        "session_id": session_id,
        "started_at": iso(started),
        "status": status,
        "current_work": work,
        "capabilities": capabilities,
        "last_heartbeat": iso(beat),
        "heartbeat_count": beats,
    }
    if state is not None:
        data["state"] = state  # what a connected agent's hooks write (issue 11)
    if state_since is not None:
        data["waiting_since"] = iso(state_since)
    data.update(extra or {})  # what the hooks record: agent, transcript_path, model
    return json.dumps(data, indent=2)


def heartbeat_event_text(
    session_id: str, now: datetime, action: str, target: str, progress: int
) -> str:
    """``session-heartbeat.sh``'s heredoc: values pasted between quotes."""
    return (
        "{\n"
        f'  "session_id": "{session_id}",\n'
        f'  "timestamp": "{iso(now)}",\n'
        f'  "action": "{action}",\n'
        f'  "target": "{target}",\n'
        '  "phase": "",\n'
        f'  "progress": "{progress}%",\n'
        '  "next_action": ""\n'
        "}\n"
    )


def message_text(sender: str, to: str, subject: str, body: str, now: datetime) -> str:
    data = {"from": sender, "to": to, "timestamp": iso(now), "subject": subject, "message": body}
    return json.dumps(data, indent=2, ensure_ascii=False)


def pasted_message_text(sender: str, subject: str, body: str, now: datetime) -> str:
    """A broadcast as the real send script writes it: text pasted between quotes, unescaped."""
    return (
        "{\n"
        f'  "from": "{sender}",\n'
        '  "to": "broadcast",\n'
        f'  "timestamp": "{iso(now)}",\n'
        f'  "subject": "{subject}",\n'
        f'  "message": "{body}"\n'
        "}\n"
    )


def claim_text(kind: str, name: str, holder: str, when: datetime, hours: float) -> str:
    data = {
        "claimed_by": holder,
        "claimed_at": iso(when),
        "resource_type": kind,
        "resource_name": name,
        "duration_hours": hours,
        "expires_at": iso(when + timedelta(hours=hours)),
        "allow_coordination": True,
    }
    return json.dumps(data, indent=2)


def new_milestone(
    name: str, title: str, priority: str, steps: int, now: datetime
) -> dict[str, Any]:
    return {
        "milestone_id": name.replace("_", "-"),
        "title": title,
        "priority": priority,
        "owner": "available",
        "status": "pending",
        "progress": 0,
        "created_at": utc_words(now),
        "updated_at": utc_words(now),
        "steps": [
            {"step": n, "description": f"{title}: part {n}", "status": "pending"}
            for n in range(1, steps + 1)
        ],
        "next_session_should": [f"Start from step 1 of {name}"],
        "blockers": [],
    }


def blocked_milestone_text(updated: datetime) -> str:
    """A milestone blocked since ``updated`` (it escalates to a human after an hour)."""
    data = {
        "milestone_id": "payments-gateway",
        "title": "Payments gateway integration",
        "priority": "HIGH",
        "owner": "available",
        "status": "blocked",
        "progress": 30,
        "created_at": utc_words(updated - timedelta(hours=5)),
        "updated_at": utc_words(updated),
        "steps": [],
        "blockers": ["waiting for the provider's API keys"],
    }
    return json.dumps(data, indent=2)


def completed_milestone_text(owner: str, updated: datetime) -> str:
    data = {
        "milestone_id": "registry-live",
        "title": "Registry live on port 8000",
        "priority": "HIGH",
        "owner": owner,
        "status": "completed",
        "progress": 100,
        "updated_at": utc_words(updated),
        "steps": [
            {"step": 1, "description": "Build the registry", "status": "completed"},
            {"step": 2, "description": "Deploy it", "status": "completed"},
        ],
    }
    return json.dumps(data, indent=2)


MARKDOWN_MILESTONE = (
    "# Sprint 1 foundations\n\n**Status:** IN_PROGRESS\n\n"
    "- [x] session registry\n- [x] heartbeat script\n- [ ] message checker\n"
)
"""The older Markdown style, the only one the old coordinator counted."""


def write_in_place(path: Path, text: str) -> None:
    """Open, truncate, write: what the real scripts do (readers may catch it half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
