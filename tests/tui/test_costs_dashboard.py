"""What the sessions cost, on the dashboard (issue 28): the cost column and its sort, the
spend in the summary strip, budgets (a warning once, an incident told once, not while a
``run`` holds the lock, nothing written read-only), the detail's Cost section kept up to
date, the milestones' cost, and transcripts that cannot be read.

Transcripts are Claude Code's shape with known usage: a million output tokens of
claude-sonnet-4-5 is $15 (tests/test_costs.py prices it by hand)."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Static

from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import CoordinatorApp, create_app
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.errors import ErrorsScreen
from coordinator_tui.tui.table_view import COST_SORT
from coordinator_tui.usage import transcript as transcript_module
from coordinator_tui.write import run_lock
from tests.collective import ago, write_json
from tests.test_run_lock import lock_holder, start_run
from tests.tui.conftest import MovableClock, only, ready, screen_text, shown, wait_for

pytestmark = pytest.mark.anyio

WIDE = (160, 50)
SONNET = "claude-sonnet-4-5"
MILLION = 1_000_000
REPO = Path(__file__).resolve().parents[2]


def response(ident: str, moment: datetime, output: int = MILLION, model: str = SONNET) -> str:
    """One response as Claude Code writes it: a line per content block, one message id."""
    message = {
        "id": ident,
        "model": model,
        "usage": {
            "input_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output,
        },
    }
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return "".join(
        json.dumps(
            {"type": "assistant", "timestamp": stamp, "message": {**message, "content": [block]}}
        )
        + "\n"
        for block in ({"type": "text"}, {"type": "tool_use"})
    )


def transcript_of(root: Path, session_id: str) -> Path:
    return (root.parent / "transcripts" / f"{session_id}.jsonl").absolute()


def spend(
    root: Path, session_id: str, *moments: datetime, model: str = SONNET, work: str | None = None
) -> Path:
    """The session's file names its transcript, as the hooks record it; each moment is one
    response of a million output tokens ($15 on sonnet)."""
    path = transcript_of(root, session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for number, moment in enumerate(moments):
            handle.write(
                response(f"msg_{session_id}_{moment:%H%M%S}_{number}", moment, model=model)
            )
    name = root / "sessions" / f"{session_id}.json"
    data: dict[str, Any] = json.loads(name.read_text(encoding="utf-8"))
    data.update(agent="claude", transcript_path=str(path), model=model)
    if work is not None:
        data["current_work"] = work
    write_json(name, data)
    return path


@pytest.fixture
def costly(coordination: Path) -> Path:
    """Four sessions with transcripts: $45 (two responses in the last hour), $30, $15 (in
    the last hour), and a model no price list knows (a million tokens)."""
    spend(coordination, "session-1001", ago(hours=5), ago(minutes=30), ago(minutes=10))
    spend(coordination, "session-1004", ago(hours=2), ago(hours=3))
    spend(coordination, "session-1003", ago(minutes=20))
    spend(coordination, "session-1012", ago(minutes=90), model="house-model-9")
    return coordination


def app_for(root: Path, settings: Settings | None = None, **options: Any) -> CoordinatorApp:
    return create_app(root, settings or Settings(), clock=MovableClock(), watch=False, **options)


async def costs_in(pilot: Pilot[None]) -> None:
    """Analysed, the transcripts read, the decisions that priced them on screen, and the
    writes they asked for (budget messages) done."""
    app = pilot.app
    assert isinstance(app, CoordinatorApp)
    await ready(pilot)
    await wait_for(pilot, lambda: app.dashboard.collectives.costs_shown, "the cost cells")
    await app.workers.wait_for_complete()
    await pilot.pause()


def cost_of(app: CoordinatorApp, session_id: str) -> str | None:
    return (app.dashboard.table.shown_cells(f"sessions/{session_id}.json") or {}).get("cost")


def notes(app: CoordinatorApp, words: str) -> list[str]:
    return [str(note.message) for note in app._notifications if words in str(note.message)]


def incidents(app: CoordinatorApp) -> set[str]:
    """The incidents the dashboard has raised (its bell, its notification, ``i``)."""
    return set(only(app).escalation.open)


def direct(root: Path, to: str) -> list[dict[str, Any]]:
    folder = root / "messages" / ("broadcast" if to == "broadcast" else f"direct/{to}")
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return [json.loads(path.read_text(encoding="utf-8")) for path in files]


def escalation(root: Path) -> dict[str, Any]:
    path = root / ".coordinator" / "escalation.json"
    return json.loads(path.read_text(encoding="utf-8"))["open"] if path.exists() else {}


# --- the cost column and its sort -----------------------------------------------------------


async def test_the_cost_column_shows_what_each_transcript_cost_and_sorts_by_it(
    costly: Path,
) -> None:
    app = app_for(costly)
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        table = app.dashboard.table
        assert "cost" in table.column_keys
        assert cost_of(app, "session-1001") == "$45.00"
        assert cost_of(app, "session-1004") == "$30.00"
        assert cost_of(app, "session-1003") == "$15.00"
        assert cost_of(app, "session-1012") == "1.0M tok"  # no price: tokens, never a guess
        assert cost_of(app, "session-1002") == ""  # no transcript recorded
        assert COST_SORT in app.dashboard.table_view.sorts
        while app.dashboard.table_view.sort != COST_SORT:
            await pilot.press("s")
        await wait_for(pilot, lambda: app.dashboard.up_to_date, "the sorted table")
        await pilot.pause()
        order = [key.removeprefix("sessions/").removesuffix(".json") for key in shown(app)]
        # Most expensive first; priced before tokens only; then the rest by id.
        assert order[:4] == ["session-1001", "session-1004", "session-1003", "session-1012"]
        rest = order[4:]
        assert rest == sorted(rest)
        assert all(cost_of(app, session) == "" for session in rest)
        assert "$45.00" in screen_text(app)


async def test_before_any_spend_there_is_no_cost_column_sort_or_strip(
    coordination: Path,
) -> None:
    """A session whose agent has not written its transcript yet (the hooks record the
    path at its start): nothing spent, so no column; the file not there is a warning."""
    spend(coordination, "session-1001")
    transcript_of(coordination, "session-1001").unlink()
    app = app_for(coordination)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await app.workers.wait_for_complete()
        assert "cost" not in app.dashboard.table.column_keys
        assert COST_SORT not in app.dashboard.table_view.sorts
        assert "today $" not in screen_text(app)
        errors, _ = app.dashboard.collectives.errors()
        (missing,) = [error for error in errors if error.kind == "transcript"]
        assert (missing.reason, missing.severity) == ("transcript not found", "warning")
        assert missing.path == str(transcript_of(coordination, "session-1001"))


@pytest.mark.parametrize(("width", "column"), [(70, True), (60, False)])
async def test_a_compact_table_shows_the_cost_where_there_is_room(
    costly: Path, width: int, column: bool
) -> None:
    app = app_for(costly)
    async with app.run_test(size=(width, 40)) as pilot:
        await costs_in(pilot)
        table = app.dashboard.table
        assert table.tier == "compact"
        assert ("cost" in table.column_keys) is column
        assert ("$45.00" in screen_text(app)) is column


# --- the summary strip ----------------------------------------------------------------------


def strip_style(app: CoordinatorApp, words: str) -> str:
    """The style of the strip's span that starts with ``words``."""
    content = app.dashboard.query_one("#summary", Static).content
    assert isinstance(content, Text)
    for span in content.spans:
        if content.plain[span.start : span.end].startswith(words):
            return str(span.style)
    raise AssertionError(f"{words!r} not in the strip: {content.plain!r}")


async def test_the_strip_says_the_spend_today_and_per_hour_in_red_over_a_budget(
    costly: Path,
) -> None:
    # Today: $45 + $30 + $15 and the unknown model's million tokens; in the last hour
    # session-1001's two responses and session-1003's one: $45.
    spent = "today $90.00 + 1.0M tok, price unknown · $45.00/h"
    app = app_for(costly)
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        assert spent in screen_text(app)
        assert strip_style(app, "today") == "bold cyan"
    app = app_for(costly, Settings(budget_collective_day_usd=1.0))
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        assert spent in screen_text(app)
        assert strip_style(app, "today") == "bold red"
    app = app_for(costly)
    async with app.run_test(size=(99, 40)) as pilot:  # compact: the unpriced part as "+"
        await costs_in(pilot)
        assert "today $90.00+ · $45.00/h" in screen_text(app)


# --- budgets --------------------------------------------------------------------------------


async def test_a_budget_at_80_percent_is_one_notification_not_one_a_run(costly: Path) -> None:
    app = app_for(costly, Settings(budget_session_usd=50.0))
    near = "Budget: session session-1001: $45.00 of $50.00 (90%, near budget)"
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        assert notes(app, "Budget:") == [near]
        # More spend elsewhere: the decisions run again, the budget is still at 90 %.
        spend(costly, "session-1003", ago(minutes=5))
        await wait_for(pilot, lambda: cost_of(app, "session-1003") == "$30.00", "new spend")
        await app.workers.wait_for_complete()
        assert notes(app, "Budget:") == [near]
        assert direct(costly, "session-1001") == []  # 80 % warns; it does not message
        assert "budget-session:session-1001" not in escalation(costly)


async def test_over_budget_is_an_incident_told_once_even_after_a_restart(costly: Path) -> None:
    settings = Settings(budget_session_usd=40.0)
    app = app_for(costly, settings)
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        await wait_for(pilot, lambda: len(direct(costly, "session-1001")) == 1, "the message")
        await app.workers.wait_for_complete()
        (told,) = direct(costly, "session-1001")
        assert told["subject"] == "Over your budget"
        assert "$45.00 of $40.00 (112%)" in told["message"]
        assert "budget-session:session-1001" in escalation(costly)
        assert app.dashboard.bells >= 1
        await pilot.press("i")
        await pilot.pause()
        text = screen_text(app)
        assert "budget-session" in text
        assert "session session-1001: $45.00 of $40.00 (112%, over budget)" in text
    summary = json.loads((costly / ".coordinator" / "usage" / "summary.json").read_text())
    assert summary["over_budget"] == 1 and summary["today_usd"] == 90.0
    again = app_for(costly, settings)
    async with again.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        assert "budget-session:session-1001" in incidents(again)  # raised again here…
        assert len(direct(costly, "session-1001")) == 1  # …but told once only
    assert len(direct(costly, "session-1004")) == 0  # 75 %: not over


@pytest.fixture
def holder(costly: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the directory's run lock, as a running ``run`` does."""
    process = lock_holder(costly)
    yield process
    process.kill()
    process.wait(timeout=30)


async def test_while_a_run_holds_the_lock_the_dashboard_tells_no_one(
    costly: Path, holder: subprocess.Popen[str]
) -> None:
    assert run_lock.held(costly)
    app = app_for(costly, Settings(budget_session_usd=40.0))
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        # The incident is shown as ever; the run is the one that tells and records it.
        assert "budget-session:session-1001" in incidents(app)
        assert direct(costly, "session-1001") == []
        assert escalation(costly) == {}
        assert not (costly / ".coordinator" / "usage" / "summary.json").exists()
    assert holder.poll() is None


async def test_a_real_run_and_the_dashboard_tell_the_session_once_between_them(
    costly: Path,
) -> None:
    run = start_run(costly, COORDINATOR_TUI_BUDGET_SESSION_USD="40")
    try:
        app = app_for(costly, Settings(budget_session_usd=40.0))
        async with app.run_test(size=WIDE) as pilot:
            await costs_in(pilot)
            assert "budget-session:session-1001" in incidents(app)
            await wait_for(pilot, lambda: bool(direct(costly, "session-1001")), "run's message")
            await app.workers.wait_for_complete()
            (told,) = direct(costly, "session-1001")
            assert told["subject"] == "Over your budget"
        assert "budget-session:session-1001" in escalation(costly)  # run recorded it
    finally:
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == 0
    again = app_for(costly, Settings(budget_session_usd=40.0))  # no run now: the record holds
    async with again.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        assert "budget-session:session-1001" in incidents(again)
    assert len(direct(costly, "session-1001")) == 1


async def test_a_read_only_dashboard_writes_nothing_about_costs(costly: Path) -> None:
    app = app_for(costly, Settings(budget_session_usd=40.0), read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        assert cost_of(app, "session-1001") == "$45.00"
        assert "budget-session:session-1001" in incidents(app)
        assert direct(costly, "session-1001") == []
    assert not (costly / ".coordinator" / "escalation.json").exists()
    assert not (costly / ".coordinator" / "usage").exists()  # no follower state either


# --- the detail and the milestones ----------------------------------------------------------


async def test_the_detail_cost_section_follows_a_growing_transcript(costly: Path) -> None:
    app = app_for(costly)
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        table = app.dashboard.table
        table.move_cursor(row=table.get_row_index("sessions/session-1001.json"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail")
        section = app.screen.query_one("#detail-cost", Static)
        text = str(section.content)
        assert text.startswith("spent $45.00 · 0 in · 3.0M out")
        assert "today $45.00 · last hour $30.00" in text
        assert "last turn 19:50:00 UTC · claude-sonnet-4-5 · $15.00" in text
        spend(costly, "session-1001", ago(minutes=1))
        await wait_for(
            pilot, lambda: str(section.content).startswith("spent $60.00"), "the new response"
        )
        assert "today $60.00 · last hour $45.00" in str(section.content)
        assert "last turn 19:59:00 UTC" in str(section.content)
        assert "spent $60.00" in screen_text(app)
        await pilot.press("escape")
        assert cost_of(app, "session-1001") == "$60.00"


async def test_a_milestone_shows_what_it_has_cost(coordination: Path) -> None:
    # session-1003 owns "Treasury manager"; at work on it, it spent $30.
    spend(
        coordination,
        "session-1003",
        ago(minutes=40),
        ago(minutes=15),
        work="Treasury manager: the ledger",
    )
    app = app_for(coordination)
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        board = app.dashboard.milestone_board
        assert board is not None
        (line,) = [line for line in board.lines if line.title == "Treasury manager"]
        assert line.cost.startswith("$30.00")
        assert all(not other.cost for other in board.lines if other is not line)
        assert "spent: $30.00" in line.detail
        assert "spent by: session-1003" in line.detail
        assert line.cost in screen_text(app)


# --- transcripts that cannot be read --------------------------------------------------------


async def test_broken_huge_and_linked_transcripts_are_errors_not_a_crash(
    costly: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcript_module, "MAX_LINE", 4096)
    elsewhere = costly.parent / "elsewhere.jsonl"
    elsewhere.write_text(response("msg_secret", ago(minutes=3)))
    linked = transcript_of(costly, "session-1005")
    linked.parent.mkdir(parents=True, exist_ok=True)
    linked.symlink_to(elsewhere)
    spend(costly, "session-1005")
    huge = spend(costly, "session-1006", ago(minutes=4))
    with huge.open("a", encoding="utf-8") as handle:
        handle.write('{"type":"user","text":"' + "x" * 10_000 + '"}\n')
        handle.write("not json at all\n\x00\x01\n")
        handle.write(response("msg_after", ago(minutes=2)))
    app = app_for(costly)
    async with app.run_test(size=WIDE) as pilot:
        await costs_in(pilot)
        assert cost_of(app, "session-1005") == ""  # the link is not followed
        assert cost_of(app, "session-1006") == "$30.00"  # the lines around the huge one
        assert cost_of(app, "session-1001") == "$45.00"  # the others as ever
        errors, _ = app.dashboard.collectives.errors()
        transcripts = sorted(
            (Path(error.path).name, error.severity)
            for error in errors
            if error.kind == "transcript"
        )
        assert transcripts == [("session-1005.jsonl", "error"), ("session-1006.jsonl", "warning")]
        assert f"{len(errors)} file problems" in screen_text(app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorsScreen), "the errors")
        await pilot.pause()
        text = screen_text(app)
        assert "session-1005.jsonl" in text
        assert "symbolic link; not followed" in text
        assert "session-1006.jsonl" in text and "skipped" in text
        await pilot.press("escape")
        table = app.dashboard.table
        table.move_cursor(row=table.get_row_index("sessions/session-1005.json"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the detail")
        section = str(app.screen.query_one("#detail-cost", Static).content)
        assert "! session-1005.jsonl: transcript not read: symbolic link; not followed" in section
