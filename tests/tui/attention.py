"""Additions to the standard fixture for what needs a human: a session waiting for input
in a tmux pane, and a milestone 40 % done two hours after it was created (ETA 3 h ahead).

The snapshots and ``make screenshots`` show these; the standard fixture itself stays as
other tests (and their golden files) expect it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

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


def fake_tmux(folder: Path, monkeypatch: pytest.MonkeyPatch, code: int = 0) -> Path:
    """A ``tmux`` first on the PATH, inside tmux: it writes its arguments, one a line, to
    the log it returns, says "no such pane" and exits ``code``."""
    bin_dir, log = folder / "bin", folder / "tmux.log"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "tmux"
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\necho "no such pane" >&2\nexit {code}\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,1,0")
    return log
