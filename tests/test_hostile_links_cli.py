"""Issue 10 end to end: the hostile directory plus ``tests.hostile.build_links`` (links
out of the directory, a FIFO as private state) through every headless command, as real
processes: nothing hangs, crashes, shows the outside file, or writes outside."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile import VALID_SESSIONS, build_hostile, build_links

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8:strict"}
CLI = (sys.executable, "-m", "coordinator_tui")
NOW_ARG = ("--now", "2025-11-15T20:00:00Z")


def _state(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("round2")
    root, outside = base / "coordination", base / "outside"
    build_hostile(root)
    build_links(root, outside)
    return root, outside


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["status"], 0),
        (["status", "--json"], 0),
        (["report", "-o", "-"], 0),
        (["report"], 0),
        (["run", "--cycles", "2", "--interval", "0.01", "--report-every", "1"], 0),
        (["send", "--to", "broadcast", "--subject", "hi", "--message", "m"], 0),
        (["send", "--to", "session-out", "--subject", "hi", "--message", "m"], 1),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_every_command_on_links_and_special_state(
    world: tuple[Path, Path], argv: list[str], code: int
) -> None:
    root, outside = world
    before = _state(outside)
    result = subprocess.run(
        [*CLI, *argv[:1], str(root), *argv[1:], *NOW_ARG],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=ENV,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert "LEAKED-OUTSIDE-WORK" not in result.stdout
    assert _state(outside) == before
    if argv[0] == "status":
        assert all(session in result.stdout for session in VALID_SESSIONS)
        assert "sessions/session-leak.json" in result.stdout
    if code == 1:
        assert "refused to write into messages/direct/session-out" in result.stderr
