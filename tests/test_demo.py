"""``coordinator-tui demo --headless``: simulation plus headless coordinator, no Textual."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.write.trend_log import TrendLog


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
    assert len(TrendLog(root).load()) == 3
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


def test_headless_demo_logs_the_simulations_failed_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A write the simulation cannot do is an error line in the log, not silence."""
    root = tmp_path / "demo"
    (root / "messages").mkdir(parents=True)
    (root / "messages" / "direct").write_text("a file where the direct messages' folder goes")
    argv = ["demo", "--headless", "--cycles", "2", "--speed", "20", "--seed", "5"]
    assert main([*argv, "--dir", str(root)]) == 0
    out, err = capsys.readouterr()
    failed = [
        line for line in (out + err).splitlines() if "demo simulation could not write" in line
    ]
    assert failed, out
    # The direct message the setup sends, logged as an error line with its reason.
    assert re.search(
        r"✗ demo simulation could not write messages/direct/session-\d+/\S+\.json: "
        r"Not a directory$",
        out,
        re.MULTILINE,
    ), out
    # The coordinator reports the folder it cannot list, too.
    assert "messages/direct: folder not listed: Not a directory" in out


def test_failed_writes_left_over_are_printed_when_the_demo_ends(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from datetime import datetime, timezone

    from coordinator_tui.commands.demo import _print_left_over
    from coordinator_tui.demo.simulate import Problem

    moment = datetime(2025, 11, 15, tzinfo=timezone.utc)
    problems = [Problem(moment, f"sessions/session-{n}.json", "No space left") for n in range(7)]
    _print_left_over(problems)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        *(
            f"coordinator-tui: demo simulation could not write sessions/session-{n}.json: "
            "No space left"
            for n in range(5)
        ),
        "coordinator-tui: … and 2 more failed demo writes",
    ]
