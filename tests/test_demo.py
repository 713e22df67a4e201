"""``coordinator-tui demo --headless``: simulation plus headless coordinator, no Textual."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.write.history import History


def test_headless_demo_three_cycles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "demo"
    argv = [
        "demo",
        "--headless",
        "--cycles",
        "3",
        "--speed",
        "20",
        "--seed",
        "5",
        "--dir",
        str(root),
    ]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.count("=== Coordination cycle #") == 3
    assert "Coordinator done after 3 cycles" in out
    assert f"demo files kept in {root}" in err
    assert len(History(root).load()) == 3
    reports = list(root.glob("SPRINT_REPORT_*.md"))
    assert len(reports) == 1 and "## Duplicate work" in reports[0].read_text(encoding="utf-8")
    mine = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (root / "messages" / "broadcast").glob("*-coordinator*.json")
    ]
    subjects = [m["subject"] for m in mine]
    assert sum(s.startswith("Duplicate work") for s in subjects) >= 1  # the seeded duplicate
    assert subjects.count("Coordination Heartbeat") == 3
    assert all(m["from"] == "coordinator" for m in mine)
    assert len(list((root / "sessions").glob("session-*.json"))) >= 10


def test_demo_refuses_a_real_coordination_directory(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in (collective / "sessions").iterdir())
    assert main(["demo", "--headless", "--dir", str(collective)]) == 2
    assert "did not create" in capsys.readouterr().err
    assert sorted(p.name for p in (collective / "sessions").iterdir()) == before


def test_headless_demo_never_imports_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from coordinator_tui.cli import main\n"
        "code = main(['demo', '--headless', '--cycles', '1', '--speed', '50', '--seed', '1'])\n"
        "assert code == 0, code\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual imported'\n"
        "print('clean')\n"
    )
    environment = {**os.environ, "TMPDIR": str(tmp_path)}  # where the temporary demo dir goes
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=environment
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("clean")
    assert "demo directory removed" in result.stderr
    assert "coordinator-demo-" in result.stdout  # it ran in a temporary directory under TMPDIR…
    assert not list(tmp_path.iterdir())  # …and removed it afterwards
