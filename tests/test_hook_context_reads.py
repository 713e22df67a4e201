"""The SessionStart context reads the sessions through the guarded file layer: a
``sessions/`` folder that is a link out of the directory is not read."""

from __future__ import annotations

import json
import time
from pathlib import Path

from coordinator_tui.agents.context import duplicate_lines


def _session(folder: Path, sid: str, work: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    document = {"session_id": sid, "current_work": work, "last_heartbeat": stamp}
    (folder / f"session-{sid}.json").write_text(json.dumps(document), encoding="utf-8")


def test_two_sessions_on_one_work_are_named(tmp_path: Path) -> None:
    sessions = tmp_path / "coord" / "sessions"
    sessions.mkdir(parents=True)
    _session(sessions, "a", "Fix the login bug")
    _session(sessions, "b", "fix the login bug")
    lines = duplicate_lines(str(tmp_path / "coord"), time.time(), 2000)
    assert len(lines) == 1 and "a, b" in lines[0]


def test_a_linked_sessions_folder_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    _session(outside, "a", "Secret outside work")
    _session(outside, "b", "secret outside work")
    coord = tmp_path / "coord"
    coord.mkdir()
    (coord / "sessions").symlink_to(outside)
    assert duplicate_lines(str(coord), time.time(), 2000) == []
