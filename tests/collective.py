"""Build coordination directories for tests, modelled on the real corpus.

``build_collective(root)`` writes a directory holding one of each thing real
collectives do: ghosts that say ``active``, placeholder work that is not
duplicate work, near-duplicate work, broken message JSON of each kind the
shell scripts produce, timestamps in three formats, JSON and Markdown
milestones, active and expired claims and a priorities file with comments and
CRLF. Everything is relative to ``NOW`` so tests freeze the clock at it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

NOW = datetime(2025, 11, 15, 20, 0, 0, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_words(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def ago(**kwargs: float) -> datetime:
    return NOW - timedelta(**kwargs)


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def session(
    root: Path,
    session_id: str,
    work: str | None,
    heartbeat: datetime | float | str | None,
    status: str = "active",
    capabilities: list[str] | None = None,
    count: int = 5,
    started: datetime | None = None,
    **extra: Any,
) -> Path:
    if isinstance(heartbeat, datetime):
        beat: Any = iso(heartbeat)
    else:
        beat = heartbeat
    data = {
        "session_id": session_id,
        "started_at": iso(started or ago(hours=1)),
        "status": status,
        "current_work": work,
        "capabilities": capabilities
        if capabilities is not None
        else ["general-purpose", "build", "debug", "deploy"],
        "last_heartbeat": beat,
        "heartbeat_count": count,
    }
    data.update(extra)
    return write_json(root / "sessions" / f"{session_id}.json", data)


def broken_message(root: Path, stamp: str, sender: str, subject: str, body: str) -> Path:
    """A message the way the real send script writes it: text pasted between quotes."""
    text = (
        "{\n"
        f'  "from": "{sender}",\n'
        '  "to": "broadcast",\n'
        f'  "timestamp": "{stamp}",\n'
        f'  "subject": "{subject}",\n'
        f'  "message": "{body}"\n'
        "}\n"
    )
    name = stamp.replace("T", "_").replace(":", "-").rstrip("Z")
    return write_text(root / "messages" / "broadcast" / f"{name}-{sender}.json", text)


def build_collective(root: Path) -> Path:
    """The standard fixture directory; returns ``root``."""
    # Working sessions, two on the same work written differently (a duplicate).
    session(root, "session-1001", "consciousness-loop-build", ago(minutes=2), count=42)
    session(
        root,
        "session-1002",
        "Consciousness Loop Build",
        ago(minutes=3),
        capabilities=["build", "deploy"],
    )
    # Near-duplicates: similar, not equal.
    session(root, "session-1003", "multi-session orchestration", ago(minutes=1))
    session(root, "session-1004", "12-session orchestration", ago(minutes=4))
    # Idle: the placeholder the start script writes, and null work; three formats.
    session(
        root,
        "session-1005",
        "session initialization",
        ago(minutes=1),
        started=ago(hours=3),
        capabilities=["general-purpose", "docs"],
    )
    session(
        root,
        "session-1006",
        None,
        (NOW - timedelta(minutes=2)).timestamp(),
        started=ago(hours=2),
        capabilities=["deploy", "ops"],
    )
    session(
        root,
        "session-1007",
        "session initialization",
        utc_words(ago(minutes=5)),
        started=ago(minutes=30),
    )
    # Stale: heartbeat 30 minutes old. Ghost: says active, heartbeat days old.
    session(root, "session-1008", "spec_generation", ago(minutes=30))
    session(root, "session-1009", "church-guidance-ministry BUILD", ago(days=3))
    # Gone by status even with a fresh heartbeat; placeholder ghost (not a duplicate).
    session(root, "session-1010", "orchestrator restart", ago(minutes=1), status="ended")
    session(root, "session-1011", "session initialization", ago(days=2))
    # A long status summary and extra fields kept for the detail view.
    session(
        root,
        "session-1012",
        "Session #4: I MATCH Phase 1 launch package complete. All infrastructure verified "
        "ready. Service live at :8401. Created PHASE_1_LAUNCH_NOW.md with a 7-day plan.",
        ago(minutes=6),
        name="Launch Builder",
        role="Revenue",
        specialization=["marketing", "launch"],
        active_services=[{"name": "I MATCH"}],
    )

    # Milestones: JSON with steps, JSON with progress, completed, Markdown old style.
    write_json(
        root / "sessions" / "MILESTONES" / "deploy-dashboard.json",
        {
            "milestone_id": "deploy-dashboard",
            "title": "Deploy Dashboard to Server",
            "priority": "HIGH",
            "owner": "available",
            "status": "in_progress",
            "created_at": utc_words(ago(days=2)),
            "updated_at": utc_words(ago(days=2)),
            "steps": [
                {
                    "step": 1,
                    "description": "Review deployment script",
                    "status": "completed",
                    "completed_by": "session-1001",
                    "completed_at": iso(ago(days=2)),
                },
                {"step": 2, "description": "Test dashboard locally", "status": "completed"},
                {"step": 3, "description": "Deploy", "status": "pending"},
                {"step": 4, "description": "Verify endpoints", "status": "pending"},
            ],
            "next_session_should": ["Start from step 3"],
            "blockers": [],
            "handoff_notes": "Prerequisites met.",
        },
    )
    write_json(
        root / "sessions" / "MILESTONES" / "treasury.json",
        {
            "milestone_id": "treasury",
            "title": "Treasury manager",
            "priority": "MEDIUM",
            "owner": "session-1003",
            "status": "in_progress",
            "progress": 40,
            "updated_at": utc_words(ago(hours=1)),
            "steps": [],
        },
    )
    write_json(
        root / "sessions" / "MILESTONES" / "registry.json",
        {
            "milestone_id": "registry",
            "title": "Registry live",
            "status": "completed",
            "progress": 100,
            "owner": "session-1002",
        },
    )
    write_json(
        root / "sessions" / "MILESTONES" / "old-idea.json",
        {
            "milestone_id": "old-idea",
            "title": "Old idea",
            "status": "abandoned",
            "progress": 10,
        },
    )
    write_text(
        root / "sessions" / "MILESTONES" / "SPRINT_1.md",
        "# Sprint 1 foundations\n\nStatus: COMPLETE\n\n- [x] registry\n- [x] heartbeat\n",
    )
    write_text(
        root / "sessions" / "MILESTONES" / "SPRINT_2.md",
        "# Sprint 2 deployment\n\n**Status:** IN_PROGRESS\n\n- [x] build\n- [ ] ship\n",
    )

    # Messages: valid, raw newlines, shell escapes, pasted JSON with bare quotes, direct.
    write_json(
        root / "messages" / "broadcast" / "2025-11-15_19-30-31-session-1001.json",
        {
            "from": "session-1001",
            "to": "broadcast",
            "timestamp": iso(ago(minutes=30)),
            "subject": "New session started",
            "message": "session-1001 is online",
        },
    )
    broken_message(
        root,
        iso(ago(minutes=20)),
        "session-1003",
        "Plan",
        "\nSESSION PLAN:\n\n- Session 1-3: deploy\nReady!",
    )
    broken_message(
        root,
        iso(ago(minutes=15)),
        "session-1004",
        "🎉 Monitoring Ready",
        "Dashboards now available\\! Costs \\$0.",
    )
    broken_message(
        root,
        iso(ago(minutes=10)),
        "session-1012",
        "🧠 COLLECTIVE MIND",
        '{\n  "type": "system",\n  "message": "Connect now.\\n\\nWe are ONE.",\n'
        '  "timestamp": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"\n}',
    )
    write_json(
        root / "messages" / "direct" / "session-1005" / "2025-11-15_19-55-00-session-1001.json",
        {
            "from": "session-1001",
            "to": "session-1005",
            "timestamp": iso(ago(minutes=5)),
            "subject": "Pick up spec generation?",
            "message": "It is free.",
        },
    )

    # Claims: one active held by a live session, one expired, one a live session
    # works against (a conflict).
    write_json(
        root / "claims" / "droplet-dashboard.claim",
        {
            "claimed_by": "session-1003",
            "claimed_at": iso(ago(minutes=30)),
            "resource_type": "droplet",
            "resource_name": "dashboard",
            "duration_hours": 2,
            "expires_at": iso(ago(minutes=30) + timedelta(hours=2)),
            "allow_coordination": True,
        },
    )
    write_json(
        root / "claims" / "service-i-proactive.claim",
        {
            "claimed_by": "session-1002",
            "claimed_at": iso(ago(hours=5)),
            "resource_type": "service",
            "resource_name": "i-proactive",
            "duration_hours": 2,
            "expires_at": iso(ago(hours=3)),
        },
    )
    write_json(
        root / "claims" / "script-consciousness-loop.claim",
        {
            "claimed_by": "session-1003",
            "claimed_at": iso(ago(minutes=10)),
            "resource_type": "script",
            "resource_name": "consciousness-loop",
            "duration_hours": 1,
        },
    )

    # Priorities: best first, comment, blank line, CRLF, colons in the description.
    write_text(
        root / "priorities.txt",
        "# priority queue\r\n90:consciousness_loop:Build automated consciousness loop\r\n"
        "72:spec_generation:Generate SPEC.md for services: all of them\r\n\r\n"
        "64:orchestrator_restart:Restart Orchestrator service\r\n"
        "55:deploy_docs:Deploy docs site (ops)\r\n"
        "not a priority line\r\n",
    )

    # Heartbeat events: one valid, one with a bash-escaped target.
    write_json(
        root / "heartbeats" / "2025-11-15_11-58-00-session-1001.json",
        {
            "session_id": "session-1001",
            "timestamp": iso(ago(minutes=2)),
            "action": "building",
            "target": "consciousness-loop",
            "phase": "tests",
            "progress": "60%",
            "next_action": "",
        },
    )
    write_text(
        root / "heartbeats" / "2025-11-15_11-50-00-session-1003.json",
        '{\n  "session_id": "session-1003",\n  "timestamp": "'
        + iso(ago(minutes=10))
        + '",\n  "action": "done",\n  "target": "All good\\! 🌙",\n  "phase": "",\n'
        '  "progress": "",\n  "next_action": ""\n}\n',
    )
    return root
