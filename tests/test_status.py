"""``coordinator-tui status``: directory resolution, human output, and the JSON golden file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from coordinator_tui.cli import main
from coordinator_tui.history.window import NEWEST_MESSAGES
from tests.collective import ago, session

GOLDEN = Path(__file__).parent / "golden" / "status.json"
NOW_ARG = ["--now", "2025-11-15T20:00:00Z"]


def status_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["status", *args, "--json", *NOW_ARG]) == 0
    return json.loads(capsys.readouterr().out)


def test_status_json_golden(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = status_json(capsys, str(collective))
    document["root"] = "<root>"
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_status_json_schema_fields(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = status_json(capsys, str(collective))
    assert set(document) >= {
        "counts",
        "sessions",
        "duplicates",
        "overlaps",
        "conflicts",
        "priorities",
        "suggestions",
        "milestones",
        "messages",
        "files",
        "errors",
    }
    one = document["sessions"][0]
    assert set(one) >= {"id", "health", "status", "current_work", "heartbeat_age_s", "recovered"}
    assert set(document["milestones"]) >= {"total", "by_status", "completion_pct", "items"}
    assert set(document["messages"]) >= {"broadcast", "direct", "recovered"}
    assert document["files"]["messages"] == {"found": 5, "read": 5, "recovered": 3}
    assert document["duplicates"] == [
        {
            "work": "consciousness-loop-build",
            "key": "consciousness loop build",
            "sessions": ["session-1001", "session-1002"],
        }
    ]


def test_directory_resolution_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env_dir = tmp_path / "env"
    session(env_dir, "session-env", "x", ago(minutes=1))
    docs = tmp_path / "repo" / "docs" / "coordination"
    session(docs, "session-docs", "x", ago(minutes=1))
    monkeypatch.chdir(tmp_path / "repo")
    assert [s["id"] for s in status_json(capsys)["sessions"]] == ["session-docs"]
    monkeypatch.setenv("COORDINATOR_DIR", str(env_dir))
    assert [s["id"] for s in status_json(capsys)["sessions"]] == ["session-env"]
    here = tmp_path / "plain"
    session(here, "session-here", "x", ago(minutes=1))
    monkeypatch.delenv("COORDINATOR_DIR")
    monkeypatch.chdir(here)
    assert [s["id"] for s in status_json(capsys)["sessions"]] == ["session-here"]


def test_no_directory_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "docs/coordination" in err and "COORDINATION" in err and "sessions" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--bogus"],
        ["status", "--now", "yesterday"],
        ["status", "--stale-after", "-3"],
        ["run", "--cycles", "many"],
        ["send", "--subject", "x"],
        ["status", "a", "b"],
    ],
)
def test_bad_command_lines_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("coordinator-tui")


def test_human_output_is_plain_and_safe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    session(
        tmp_path,
        "session-evil",
        "[@click=app.quit] [/ \x1b]52;c;QUJD\x07 \x1b[2J work",
        ago(minutes=1),
        capabilities=["[link=http://x]cap[/link]"],
    )
    assert main(["status", str(tmp_path), *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "[@click=app.quit] [/" in out
    assert "session-evil" in out and "1 working" in out


def test_status_counts_on_the_fixture(collective: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = status_json(capsys, str(collective))["counts"]
    assert counts == {
        "total": 12,
        "live": 8,
        "working": 5,
        "idle": 3,
        "stale": 1,
        "gone": 3,
        "waiting": 0,
        "ended": 0,
        "starting": 0,
        "utilization": 0.625,
    }


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "coordination"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the real corpus is not beside this checkout")
def test_real_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", str(CORPUS), "--json", "--now", "2026-11-24T00:00:00Z"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["counts"]["total"] == 22 and document["counts"]["live"] == 0
    assert document["duplicates"] == []
    for kind in ("sessions", "milestones", "claims", "heartbeats"):
        files = document["files"][kind]
        assert files["found"] == files["read"] > 0, kind
    # History is parsed newest first: the newest NEWEST_MESSAGES messages; all are counted.
    assert document["files"]["messages"]["found"] == document["messages"]["broadcast"] == 237
    assert document["files"]["messages"]["read"] == NEWEST_MESSAGES == 200
    assert document["files"]["messages"]["recovered"] >= 100
    assert not [e for e in document["errors"] if e["severity"] == "error"]


def test_human_output_takes_symbols_and_words_from_the_health_table(
    collective: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["status", str(collective), *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert "12 sessions: 5 working, 3 idle, 1 stale, 3 gone" in out
    stale_rows = [line for line in out.splitlines() if "│ stale" in line]
    assert len(stale_rows) == 1 and "▲" in stale_rows[0]
    assert "◐" not in out
    assert "◆ duplicate" in out and "▲ stale" in out


def test_human_status_shows_the_decisions_of_the_json(
    collective: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Who yields to whom and what needs a human: the same decisions as ``--json``."""
    document = status_json(capsys, str(collective))
    assert main(["status", str(collective), *NOW_ARG]) == 0
    out = capsys.readouterr().out
    assert document["resolutions"], "the fixture has a duplicate to resolve"
    assert "Decisions" in out
    for resolution in document["resolutions"]:
        line = next(line for line in out.splitlines() if f"{resolution['yielder']} yields" in line)
        assert f"to {resolution['keeper']}" in line
    for incident in document["incidents"]:
        assert incident["title"][:60] in out
    for item in document["milestones"]["items"]:
        row = next(line for line in out.splitlines() if item["title"] in line)
        assert (item["forecast"]["eta"] or item["forecast"]["why_not"]) in row


def test_one_shot_commands_run_with_the_collector_paused_and_restore_it(
    collective: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``status`` and ``report`` run with the cyclic collector off (a short life of
    many records and no cycles); it is on again afterwards, as it was before."""
    import gc

    from coordinator_tui.analysis import summaries

    seen: list[bool] = []
    real = summaries.unread_sessions

    def spy(analysis):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(analysis)

    monkeypatch.setattr(summaries, "unread_sessions", spy)
    assert gc.isenabled()
    assert main(["status", str(collective), "--json"]) == 0
    assert seen == [False]
    assert gc.isenabled()
    assert json.loads(capsys.readouterr().out)["counts"]["total"] > 0


def test_the_program_ends_with_its_whole_output_and_its_code(tmp_path: Path) -> None:
    """Run as a program: a document far bigger than a pipe's buffer arrives whole, the
    ``--check`` code is the exit status, and ``report``'s file is written before the path
    is printed."""
    import subprocess
    import sys

    for number in range(600):  # about 400 KB of JSON: many pipe buffers
        session(tmp_path, f"session-{number:04d}", f"task {number} " + "x" * 600, ago(minutes=1))
    session(tmp_path, "session-stale", "stuck", ago(minutes=25))
    program = [sys.executable, "-m", "coordinator_tui"]
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [*program, "status", str(tmp_path), "--json", "--check", *NOW_ARG],
        capture_output=True,
        timeout=60,
        env=buffered,
    )
    document = json.loads(done.stdout)
    assert len(done.stdout) > 300_000
    assert document["counts"]["total"] == 601
    assert document["counts"]["stale"] == 1
    assert done.returncode == document["check"]["code"] == 32
    assert b"session-stale" in done.stderr  # the reason line, flushed too
    done = subprocess.run(
        [*program, "report", str(tmp_path), *NOW_ARG],
        capture_output=True,
        timeout=60,
        env=buffered,
    )
    assert done.returncode == 0
    written = Path(done.stdout.decode().strip())
    assert written.parent == tmp_path and "session-stale" in written.read_text()
