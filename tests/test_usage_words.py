"""The words every view uses for spend (the dashboard's cost column, detail and strip),
and the status line's optional ``$`` field."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from coordinator_tui.analysis.costs import LastTurn, SessionCost, Spend
from coordinator_tui.render.costs_text import (
    cost_cell,
    detail_lines,
    money,
    spend_text,
    strip_text,
    token_count,
)
from coordinator_tui.statusline.line import main as status_line
from coordinator_tui.usage.tokens import Tokens
from tests.collective import NOW

TOKENS = Tokens(input=1200, cache_read=45_000, output=800, responses=3)


def cost(spend: Spend, complete: bool = True, **fields: object) -> SessionCost:
    values: dict = {
        "session": "session-a",
        "agent": "claude",
        "spend": spend,
        "today": spend,
        "last_hour": spend,
        "by_model": (("claude-sonnet-4-5", spend),),
        "by_hour": ((NOW.replace(minute=0), spend),),
        "last_turn": None,
        "complete": complete,
    }
    values.update(fields)
    return SessionCost(**values)


@pytest.mark.parametrize(
    ("spend", "complete", "cell"),
    [
        (Spend(Decimal("1.234"), TOKENS), True, "$1.23"),
        (Spend(Decimal("1.234"), TOKENS), False, "≥$1.23"),
        (Spend(Decimal("0.004"), TOKENS), True, "<$0.01"),
        (Spend(Decimal(0), TOKENS, TOKENS, ("house-model",)), True, "47k tok"),
        (Spend(Decimal(2), TOKENS, Tokens(output=5, responses=1), ("house",)), True, "$2.00+"),
        (Spend(), True, ""),
    ],
)
def test_the_cost_column_shows_money_or_tokens_when_there_is_no_price(
    spend: Spend, complete: bool, cell: str
) -> None:
    assert cost_cell(cost(spend, complete)) == cell


def test_words_for_money_and_tokens() -> None:
    assert [money(Decimal(v)) for v in ("0", "0.001", "12.345", "12345.6")] == [
        "$0.00",
        "<$0.01",
        "$12.35",
        "$12,346",
    ]
    assert money(None) == "price unknown"
    assert [token_count(n) for n in (830, 45_000, 1_234_567, 12_000_000)] == [
        "830",
        "45k",
        "1.2M",
        "12M",
    ]
    unpriced = Spend(Decimal(0), TOKENS, TOKENS, ("house-model",))
    assert spend_text(unpriced) == "47k tok, price unknown"


def test_the_detail_breaks_spend_down_by_model_hour_and_last_turn() -> None:
    spend = Spend(Decimal("3.5"), TOKENS)
    last = LastTurn(
        datetime(2025, 11, 15, 19, 58, 12, tzinfo=timezone.utc),
        "claude-sonnet-4-5",
        Tokens(input=400, output=120, responses=1),
        None,
    )
    lines = detail_lines(cost(spend, last_turn=last, problems=("t.jsonl: not found",)))
    assert lines[0] == "spent $3.50 · 1.2k in · 45k cached · 800 out"
    assert "  claude-sonnet-4-5: $3.50 · 1.2k in · 45k cached · 800 out" in lines
    assert "  20:00 $3.50" in lines
    assert lines[-2] == (
        "last turn 19:58:12 UTC · claude-sonnet-4-5 · price unknown · 400 in · 120 out"
    )
    assert lines[-1] == "! t.jsonl: not found"


def test_the_strip_says_today_and_the_rate_per_hour() -> None:
    from coordinator_tui.analysis.costs import Costs

    assert strip_text(Costs()) == ""
    costs = Costs(
        sessions={"session-a": cost(Spend(Decimal(9), TOKENS))},
        today=Spend(Decimal("12.5"), TOKENS),
        last_hour=Spend(Decimal("3.1"), TOKENS),
    )
    assert strip_text(costs) == "today $12.50 · $3.10/h"
    unpriced = Tokens(output=2_500_000, responses=4)
    mixed = Costs(
        sessions=costs.sessions,
        today=Spend(Decimal("12.5"), TOKENS.plus(unpriced), unpriced, ("house-model",)),
        last_hour=Spend(Decimal(0), unpriced, unpriced, ("house-model",)),
        complete=False,
    )
    assert strip_text(mixed) == "today ≥$12.50 + ≥2.5M tok, price unknown · 2.5M tok/h"
    assert strip_text(mixed, short=True) == "today ≥$12.50+ · 2.5M tok/h"


def summary(root: Path, **fields: object) -> None:
    folder = root / ".coordinator" / "usage"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps({"version": 1, **fields}))


RECENT = "2025-11-15T19:55:00Z"
"""Five minutes before the line's ``--now``."""


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"day": "2025-11-15", "today_usd": 12.34, "over_budget": 0}, " $12.34"),
        ({"day": "2025-11-15", "today_usd": 80.0, "over_budget": 1}, " $80.00"),
        ({"day": "2025-11-15", "today_usd": 12.34, "complete": False}, " ≥$12.34"),
        ({"day": "2025-11-14", "today_usd": 12.34}, None),  # yesterday's: left out
        ({"day": "2025-11-15", "today_usd": "lots"}, None),
        ({"day": "2025-11-15", "today_usd": 1e400}, None),
        ({"day": "2025-11-15", "today_usd": 1.0, "at": "2025-11-15T19:40:00Z"}, None),  # old
        ({"day": "2025-11-15", "today_usd": 1.0, "at": "2025-11-15T21:00:00Z"}, None),  # ahead
        ({"day": "2025-11-15", "today_usd": 1.0, "at": None}, None),  # when: not said
    ],
)
def test_the_status_line_shows_todays_spend_when_a_look_left_it_recently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fields: dict, shown: str | None
) -> None:
    (tmp_path / "sessions").mkdir()
    summary(tmp_path, **{"at": RECENT, **fields})
    assert status_line([str(tmp_path), "--now", "2025-11-15T20:00:00Z"]) == 0
    line = capsys.readouterr().out.strip()
    if shown is None:
        assert "$" not in line
    else:
        assert line.endswith(shown)
    assert status_line([str(tmp_path), "--tmux", "--now", "2025-11-15T20:00:00Z"]) == 0
    tmux = capsys.readouterr().out
    if fields.get("over_budget"):
        assert "#[fg=red]$80.00" in tmux


def test_status_leaves_todays_spend_for_the_status_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.collective import iso, session
    from tests.test_acting_run import cli

    transcript = tmp_path / "t.jsonl"
    message = {
        "id": "msg_1",
        "model": "claude-sonnet-4-5",
        "usage": {"input_tokens": 0, "output_tokens": 1_000_000},  # $15
    }
    line = {"type": "assistant", "timestamp": "2025-11-15T19:50:00Z", "message": message}
    transcript.write_text(json.dumps(line) + "\n")
    root = tmp_path / "coordination"
    beat = "2025-11-15T19:59:00Z"
    session(root, "session-a", "x", beat, agent="claude", transcript_path=str(transcript))
    now = iso(NOW)
    assert status_line([str(root), "--now", now]) == 0
    assert "$" not in capsys.readouterr().out  # nobody has looked at the usage yet
    done = cli("status", str(root), "--json", "--now", now)
    assert done.returncode == 0, done.stderr
    written = json.loads((root / ".coordinator" / "usage" / "summary.json").read_text())
    assert (written["today_usd"], written["at"], written["complete"]) == (15.0, now, True)
    assert status_line([str(root), "--now", now]) == 0
    assert capsys.readouterr().out.strip().endswith(" $15.00")
    assert status_line([str(root), "--now", "2025-11-15T20:30:00Z"]) == 0  # half an hour on
    assert "$" not in capsys.readouterr().out
    later = "2025-11-15T20:30:00Z"  # the report is a look too
    done = cli("report", str(root), "-o", "-", "--now", later)
    assert done.returncode == 0, done.stderr
    written = json.loads((root / ".coordinator" / "usage" / "summary.json").read_text())
    assert written["at"] == later
    assert status_line([str(root), "--now", later]) == 0
    assert capsys.readouterr().out.strip().endswith(" $15.00")
