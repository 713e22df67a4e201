"""``status DIR1 DIR2 …``: every collective at once; one DIR stays as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.collectives.names import collectives, unique_names
from tests.collective import ago, session

NOW_ARG = ["--now", "2025-11-15T20:00:00Z"]


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    """Two repositories' ``docs/coordination``: same basename, one stale, one duplicated."""
    first = tmp_path / "alpha" / "docs" / "coordination"
    second = tmp_path / "beta" / "docs" / "coordination"
    session(first, "session-a1", "build the parser", ago(minutes=1))
    session(first, "session-a2", "old work", ago(minutes=30))
    session(second, "session-b1", "ship the docs", ago(minutes=1))
    session(second, "session-b2", "ship the docs", ago(minutes=2))
    return first, second


def test_names_grow_until_unique() -> None:
    roots = [Path("/x/alpha/docs/coordination"), Path("/y/beta/docs/coordination"), Path("/z/t")]
    assert unique_names(roots) == ["alpha/docs/coordination", "beta/docs/coordination", "t"]
    assert unique_names([Path("/a/c"), Path("/b/c"), Path("/d")]) == ["a/c", "b/c", "d"]
    # The same path twice is one collective; equal names still come out unique.
    assert [c.name for c in collectives([Path("/a/c"), Path("/a/c")])] == ["c"]
    assert unique_names([Path("/a/c"), Path("/a/c")]) == ["a/c", "a/c#2"]


def test_text_lists_both_collectives_with_a_column(
    two: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(two[0]), str(two[1]), *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 collectives at 2025-11-15T20:00:00Z")
    assert f"▸ alpha/docs/coordination  {two[0]}" in out
    assert f"▸ beta/docs/coordination  {two[1]}" in out
    assert "2 sessions: 1 working, 0 idle, 1 stale, 0 gone" in out
    rows = [line.split() for line in out.splitlines() if "session-" in line and "│" in line]
    by_session = {row[5]: row[3] for row in rows if len(row) > 5 and row[5].startswith("s")}
    assert by_session == {
        "session-a1": "alpha/docs/coordination",
        "session-a2": "alpha/docs/coordination",
        "session-b1": "beta/docs/coordination",
        "session-b2": "beta/docs/coordination",
    }
    assert any(
        "beta/docs/coordination" in line and "duplicate" in line for line in out.splitlines()
    )


def test_json_holds_each_directory_document(
    two: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(two[0]), str(two[1]), "--json", *NOW_ARG]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == 3
    names = [c["name"] for c in document["collectives"]]
    assert names == ["alpha/docs/coordination", "beta/docs/coordination"]
    first, second = document["collectives"]
    assert first["root"] == str(two[0]) and second["root"] == str(two[1])
    assert sorted(s["id"] for s in first["sessions"]) == ["session-a1", "session-a2"]
    assert first["check"]["code"] == 32 and second["check"]["code"] == 4
    # Each entry is exactly the single directory's document, with its name in front.
    assert main(["status", str(two[1]), "--json", *NOW_ARG]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in second.items() if k != "name"} == alone


def test_check_ors_the_codes_and_names_the_collective(
    two: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(two[0]), "--check", *NOW_ARG]) == 32
    assert main(["status", str(two[1]), "--check", *NOW_ARG]) == 4
    capsys.readouterr()
    assert main(["status", str(two[0]), str(two[1]), "--check", *NOW_ARG]) == 36
    err = capsys.readouterr().err
    assert "coordinator-tui: alpha/docs/coordination: 1 stale session(s): session-a2" in err
    assert "coordinator-tui: beta/docs/coordination: 1 duplicate work group(s)" in err
    assert main(["status", str(two[0]), str(two[1]), "--check", "--json", *NOW_ARG]) == 36


def test_a_missing_directory_among_several_is_exit_2(
    two: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(two[0]), str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere" in err and "does not exist" in err


def test_one_directory_prints_what_it_always_did(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(collective), *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert "collective" not in out.split("Sessions")[1].splitlines()[2]
    assert not out.startswith("1 collective")
