"""Health ``starting``: a session ``start`` wrote whose agent has not spoken yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from tests.collective import ago, iso, session, write_text

NOW_ARG = ["--now", iso(ago(seconds=0))]


def document(root: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["status", str(root), "--json", *NOW_ARG]) == 0
    return json.loads(capsys.readouterr().out)


def test_starting_is_live_holds_its_priority_and_goes_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_text(tmp_path / "priorities.txt", "90:fix_login:Fix the login\n80:docs:Write docs\n")
    session(tmp_path, "session-new", "fix_login: Fix the login", ago(seconds=5), state="starting")
    session(tmp_path, "session-old", "docs: Write docs", ago(minutes=30), state="starting")
    session(tmp_path, "session-idle", None, ago(seconds=5), state="idle")
    found = document(tmp_path, capsys)
    health = {view["id"]: view["health"] for view in found["sessions"]}
    assert health == {"session-new": "starting", "session-old": "stale", "session-idle": "idle"}
    assert found["counts"]["starting"] == 1 and found["counts"]["live"] == 2
    priorities = {item["name"]: item for item in found["priorities"]}
    assert priorities["fix_login"]["worked_on_by"] == ["session-new"]
    assert not priorities["fix_login"]["available"]
    assert [s["priority"] for s in found["suggestions"]] == ["docs"]  # not the one starting
    assert found["resources"]["action"] != "start"


def test_the_dashboard_has_a_look_for_every_health() -> None:
    from coordinator_tui.analysis.results import Health
    from coordinator_tui.render.health import HEALTH

    assert set(HEALTH) == set(Health)
    assert HEALTH[Health.STARTING].word == "starting"


def test_status_says_how_many_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session(tmp_path, "session-new", "fix_login", ago(seconds=5), state="starting")
    assert main(["status", str(tmp_path), *NOW_ARG]) == 0
    assert "1 starting" in capsys.readouterr().out.splitlines()[1]
