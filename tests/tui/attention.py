"""Additions to the standard fixture for what needs a human: a session waiting for input
in a tmux pane, and a milestone 40 % done two hours after it was created (ETA 3 h ahead).

The snapshots and ``make screenshots`` show these; the standard fixture itself stays as
other tests (and their golden files) expect it.
"""

from __future__ import annotations

from pathlib import Path

from tests.collective import ago, iso, session, write_json

WAITING_ID = "session-1020"
PANE = "%3"


def add_attention(root: Path) -> Path:
    session(
        root,
        WAITING_ID,
        "Docs site: confirm the DNS change",
        ago(minutes=1),
        capabilities=["docs", "deploy"],
        state="waiting",
        agent="claude",
        tmux_pane=PANE,
        tmux_socket="/tmp/tmux-1000/default",
    )
    write_json(
        root / "sessions" / "MILESTONES" / "docs-site.json",
        {
            "milestone_id": "docs-site",
            "title": "Docs site",
            "owner": WAITING_ID,
            "status": "in_progress",
            "progress": 40,
            "created_at": iso(ago(hours=2)),
            "updated_at": iso(ago(minutes=5)),
            "steps": [],
        },
    )
    return root
