"""What tokens cost (prices computed by hand, and equal to genai-prices' own, response by
response), the cost of the work, budgets, and a crossed budget escalated once."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from http.server import HTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator_tui.analysis.acting.act import act
from coordinator_tui.analysis.acting.escalate import EscalationState, step
from coordinator_tui.analysis.costs import compute_costs
from coordinator_tui.analysis.costs.prices import Pricer
from coordinator_tui.settings import Settings
from coordinator_tui.usage.tokens import (
    BUCKET_S,
    EDGES,
    Cell,
    SessionUsage,
    Tokens,
    UsageSnapshot,
    band_of,
    sum_tokens,
)
from tests.acting import NOW, ago, analysed, milestone, priorities
from tests.collective import iso, session
from tests.test_acting_run import _Hook, cli, direct

PRICER = Pricer()


def test_a_claude_response_priced_by_hand() -> None:
    # claude-sonnet-4-5: $3 input, $3.75 cache write (5 min), $0.30 cache read, $15 output
    # per million. Anthropic's input_tokens (2,005) excludes the cached 16,000.
    tokens = Tokens(input=2005, cache_write=1000, cache_read=15000, output=105, responses=2)
    by_hand = (
        Decimal(2005) * 3 + Decimal(1000) * Decimal("3.75") + 15000 * Decimal("0.3") + 105 * 15
    ) / 1_000_000
    assert by_hand == Decimal("0.01584")  # what Claude Code itself reported for this run
    assert PRICER.cost("claude-sonnet-4-5", band_of(tokens.whole_input), tokens) == by_hand


def test_the_tier_above_200k_is_decided_on_the_whole_input() -> None:
    # 150k uncached + 60k read from the cache = 210k whole input: the long-context tier
    # ($6 input, $0.60 cache read, $22.50 output per million). Anthropic's input_tokens
    # alone (150k) would wrongly stay in the base tier.
    tokens = Tokens(input=150_000, cache_read=60_000, output=1_000, responses=1)
    by_hand = (Decimal(150_000) * 6 + 60_000 * Decimal("0.6") + 1_000 * Decimal("22.5")) / 10**6
    assert PRICER.cost("claude-sonnet-4-5", band_of(tokens.whole_input), tokens) == by_hand
    below = Tokens(input=150_000, cache_read=40_000, output=1_000, responses=1)
    base = (Decimal(150_000) * 3 + 40_000 * Decimal("0.3") + 1_000 * 15) / 10**6
    assert PRICER.cost("claude-sonnet-4-5", band_of(below.whole_input), below) == base


@settings(max_examples=150, deadline=None)
@given(
    model=st.sampled_from(
        ["claude-sonnet-4-5", "claude-opus-4-1", "gpt-5", "gemini-2.5-pro", "gemini-2.5-flash"]
    ),
    uncached=st.integers(0, 400_000),
    write=st.integers(0, 120_000),
    hour_share=st.integers(0, 2),
    read=st.integers(0, 300_000),
    output=st.integers(0, 40_000),
)
def test_each_response_costs_what_genai_prices_says(
    model: str, uncached: int, write: int, hour_share: int, read: int, output: int
) -> None:
    from genai_prices import Usage, calc_price

    hour = write * hour_share // 2
    tokens = Tokens(uncached, write, read, output, hour, 1)
    counts: dict[str, Any] = {
        "input_tokens": tokens.whole_input,
        "cache_write_tokens": write,
        "cache_read_tokens": read,
        "output_tokens": output,
    }
    if hour:
        counts["cache_write_1h_tokens"] = hour
    theirs = calc_price(Usage(**counts), model).total_price
    assert PRICER.cost(model, band_of(tokens.whole_input), tokens) == theirs


def test_every_tier_in_the_price_data_is_a_size_band_edge() -> None:
    from genai_prices.data import providers

    starts = set()
    for provider in providers:
        for model in provider.models:
            prices = model.prices if isinstance(model.prices, list) else [model.prices]
            for entry in prices:
                for value in vars(getattr(entry, "prices", entry)).values():
                    starts.update(tier.start for tier in getattr(value, "tiers", ()) or ())
    assert starts <= set(EDGES)


def test_an_unknown_model_has_no_price_and_the_config_can_give_one() -> None:
    tokens = Tokens(input=1000, output=100, responses=1)
    assert PRICER.cost("our-own-model", 0, tokens) is None
    assert PRICER.why_unknown("our-own-model") == "not in genai-prices"
    pricer = Pricer({"our-own-model": {"input": 2.0, "output": 8.0}})
    assert pricer.cost("our-own-model", 0, tokens) == Decimal("0.0028")
    # A kind of token with no price in the config is not guessed.
    assert pricer.cost("our-own-model", 0, Tokens(input=1, cache_read=5, responses=1)) is None


def usage_of(session_id: str, *cells: tuple[float, str, Tokens], **extra: Any) -> SessionUsage:
    return SessionUsage(
        session_id,
        "claude",
        tuple(
            Cell(int(moment // BUCKET_S) * BUCKET_S, model, band_of(tokens.whole_input), tokens)
            for moment, model, tokens in cells
        ),
        **extra,
    )


MILLION_OUT = Tokens(output=1_000_000, responses=1)
"""$15 on claude-sonnet-4-5."""


def test_spend_goes_to_the_work_the_session_was_doing_then(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "search page", ago(minutes=1), agent="claude")
    milestone(tmp_path, "search-page", title="Search page", status="in_progress", progress=50)
    milestone(tmp_path, "login-flow", title="Login flow", status="in_progress", progress=10)
    priorities(tmp_path, "90:login_flow:Fix the login flow")
    analysis = analysed(tmp_path)
    earlier, later = ago(hours=2).timestamp(), ago(minutes=20).timestamp()
    used = usage_of(
        "session-a",
        (earlier, "claude-sonnet-4-5", MILLION_OUT),
        (later, "claude-sonnet-4-5", MILLION_OUT),
        (later, "claude-sonnet-4-5", MILLION_OUT),
        work_log=((earlier - 60, "login flow fix"), (later - 60, "search page")),
    )
    costs = compute_costs(analysis, UsageSnapshot({"session-a": used}))
    spent = {item.milestone_id: item.spend.usd for item in costs.milestones}
    assert spent == {"search-page": Decimal(30), "login-flow": Decimal(15)}
    (priority,) = costs.priorities
    assert (priority.key, priority.spend.usd) == ("login_flow", Decimal(15))
    assert costs.total.usd == Decimal(45)
    assert costs.last_hour.usd == Decimal(30)
    assert costs.sessions["session-a"].by_model == (
        ("claude-sonnet-4-5", costs.sessions["session-a"].spend),
    )


def test_a_milestone_with_an_eta_shows_what_it_will_cost_to_finish(tmp_path: Path) -> None:
    started = ago(hours=5)
    session(tmp_path, "session-a", "search page", ago(minutes=1), agent="claude", started=started)
    milestone(
        tmp_path,
        "search-page",
        title="Search page",
        status="in_progress",
        progress=50,
        created_at=ago(hours=2),
        updated_at=ago(minutes=5),
    )
    analysis = analysed(tmp_path)
    spent = [
        (ago(minutes=minutes).timestamp(), "claude-sonnet-4-5", MILLION_OUT)
        for minutes in (*range(10, 180, 30), 240)
    ]
    usage = UsageSnapshot({"session-a": usage_of("session-a", *spent)})
    acting = act(analysis, usage=usage)
    (cost,) = acting.costs.milestones
    assert cost.spend.usd == 7 * 15
    # 6 × $15 in the last 3 h: $30/h; 50 % in 2 h → 2 h more to its ETA: $60.
    assert cost.rate_usd_h == Decimal(30)
    assert cost.eta is not None and abs(cost.eta - (NOW + timedelta(hours=2))) < timedelta(
        minutes=1
    )
    assert cost.to_finish_usd is not None
    assert abs(cost.to_finish_usd - Decimal(60)) < Decimal("0.5")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["session-a", "session-b"]),
            st.integers(0, 3 * 24 * 12),  # 5-minute buckets back from now
            st.sampled_from(["claude-sonnet-4-5", "gpt-5", "mystery-1"]),
            st.integers(0, 300_000),
            st.integers(0, 50_000),
        ),
        max_size=60,
    )
)
def test_the_sums_are_each_cell_priced_on_its_own_and_added(
    collective: Path, spent: list[tuple[str, int, str, int, int]]
) -> None:
    analysis = analysed(collective)
    now = NOW.timestamp()
    cells: dict[str, list[Cell]] = {"session-a": [], "session-b": []}
    for session_id, back, model, read, output in spent:
        start = int(now // BUCKET_S - back) * BUCKET_S
        tokens = Tokens(input=100, cache_read=read, output=output, responses=1)
        cells[session_id].append(Cell(start, model, band_of(tokens.whole_input), tokens))
    usage = UsageSnapshot(
        {name: SessionUsage(name, "claude", tuple(items)) for name, items in cells.items()}
    )
    costs = compute_costs(analysis, usage)
    day_start = now - now % 86400
    for name, items in cells.items():
        priced = [c for c in items if PRICER.cost(c.model, c.band, c.tokens) is not None]
        cost = costs.sessions[name]
        assert cost.spend.usd == sum(
            (PRICER.cost(c.model, c.band, c.tokens) or Decimal(0) for c in priced), Decimal(0)
        )
        assert cost.spend.tokens == sum_tokens(c.tokens for c in items)
        assert cost.spend.unpriced == sum_tokens(c.tokens for c in items if c not in priced)
        today = [c for c in items if c.start >= day_start]
        assert cost.today.tokens == sum_tokens(c.tokens for c in today)
        last_hour = [c for c in items if now - 3600 < c.start + BUCKET_S and c.start <= now]
        assert cost.last_hour.tokens == sum_tokens(c.tokens for c in last_hour)
        hours: dict[int, list[Tokens]] = {}
        for c in items:
            if c.start >= now - 24 * 3600:
                hours.setdefault(c.start - c.start % 3600, []).append(c.tokens)
        assert [(hour.timestamp(), spend.tokens) for hour, spend in cost.by_hour] == [
            (hour, sum_tokens(tokens)) for hour, tokens in sorted(hours.items())
        ]
    assert costs.total.tokens == sum_tokens(c.tokens for items in cells.values() for c in items)
    assert costs.total.usd == sum((cost.spend.usd for cost in costs.sessions.values()), Decimal(0))


@pytest.fixture(scope="module")
def collective(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("collective")
    session(root, "session-a", "search page", ago(minutes=1), agent="claude")
    session(root, "session-b", "tests", ago(minutes=1), agent="codex")
    milestone(root, "search-page", title="Search page", status="in_progress", progress=50)
    return root


def test_unknown_models_show_tokens_not_a_price(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "x", ago(minutes=1), agent="claude")
    analysis = analysed(tmp_path)
    used = usage_of("session-a", (ago(minutes=3).timestamp(), "mystery-1", MILLION_OUT))
    costs = compute_costs(analysis, UsageSnapshot({"session-a": used}))
    spend = costs.sessions["session-a"].spend
    assert (spend.usd, spend.priced, spend.unknown_models) == (Decimal(0), False, ("mystery-1",))
    assert spend.unpriced.output == 1_000_000


def test_budgets_warn_at_80_and_raise_one_incident_at_100(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "x", ago(minutes=1), agent="claude")
    session(tmp_path, "session-b", "y", ago(hours=5), agent="claude", status="ended")
    limits = Settings(budget_session_usd=18.0, budget_collective_day_usd=100.0)
    analysis = analysed(tmp_path, settings=limits)
    moment = ago(minutes=3).timestamp()
    usage = UsageSnapshot(
        {
            "session-a": usage_of("session-a", (moment, "claude-sonnet-4-5", MILLION_OUT)),
            "session-b": usage_of("session-b", *[(moment, "claude-sonnet-4-5", MILLION_OUT)] * 2),
        }
    )
    acting = act(analysis, usage=usage)
    levels = {(check.scope, check.subject): check.level for check in acting.costs.budgets}
    assert levels == {("session", "session-a"): "warn", ("session", "session-b"): "over"}
    (incident,) = [item for item in acting.incidents if item.kind.startswith("budget")]
    assert incident.id == "budget-session:session-b"  # an ended session too
    assert "$30.00, over its $18.00 budget (167%)" in incident.title
    events, state = step(EscalationState(), acting.incidents, NOW)
    again, _ = step(state, act(analysis, usage=usage).incidents, NOW + timedelta(minutes=5))
    assert [event.incident_id for event in events] == ["budget-session:session-b"]
    assert again == ()


def test_a_crossed_budget_posts_one_webhook_and_one_message_over_cycles(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    root = tmp_path / "coordination"
    transcript = tmp_path / "t.jsonl"
    lines = []
    for index in range(3):  # three responses of 1M output tokens: $45 on sonnet 4.5
        message = {
            "id": f"msg_{index}",
            "model": "claude-sonnet-4-5",
            "usage": {"input_tokens": 0, "output_tokens": 1_000_000},
        }
        moment = iso(ago(minutes=10 - index))
        lines.append(json.dumps({"type": "assistant", "timestamp": moment, "message": message}))
    transcript.write_text("\n".join(lines) + "\n")
    session(root, "session-a", "x", ago(minutes=1), agent="claude", transcript_path=str(transcript))
    url, received = webhook
    env_run = ("run", str(root), "--cycles", "1", "--report-every", "0", "--notify", url)
    os.environ["COORDINATOR_TUI_BUDGET_SESSION_USD"] = "40"
    try:
        first = cli(*env_run, "--now", iso(NOW))
        second = cli(*env_run, "--now", iso(NOW + timedelta(minutes=5)))
    finally:
        del os.environ["COORDINATOR_TUI_BUDGET_SESSION_USD"]
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    budget_events = [event for event in received if event["kind"] == "budget-session"]
    assert [event["incident"] for event in budget_events] == ["budget-session:session-a"]
    assert "$45.00, over its $40.00 budget" in budget_events[0]["title"]
    (message,) = direct(root, "session-a")
    assert message["subject"] == "Over your budget"
    assert "$45.00 of $40.00 (112%)" in message["message"]
    summary = json.loads((root / ".coordinator" / "usage" / "summary.json").read_text())
    assert summary["today_usd"] == 45.0


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_the_report_and_status_show_spend_per_session_milestone_and_priority(
    tmp_path: Path,
) -> None:
    from rich.console import Console

    from coordinator_tui.render.report import render_report
    from coordinator_tui.render.status import render_status

    session(tmp_path, "session-a", "search page", ago(minutes=1), agent="claude")
    session(tmp_path, "session-b", "tests", ago(minutes=1), agent="codex")
    milestone(tmp_path, "search-page", title="Search page", status="in_progress", progress=50)
    priorities(tmp_path, "90:search_page:Ship the search page")
    analysis = analysed(tmp_path, settings=Settings(budget_session_usd=16.0))
    moment = ago(minutes=20).timestamp()
    usage = UsageSnapshot(
        {
            "session-a": usage_of("session-a", (moment, "claude-sonnet-4-5", MILLION_OUT)),
            "session-b": usage_of("session-b", (moment, "house-model", MILLION_OUT)),
        }
    )
    acting = act(analysis, usage=usage)
    report = render_report(analysis, acting=acting)
    assert "| session-a | claude | $15.00 | claude-sonnet-4-5 | 0 in · 1.0M out |" in report
    assert "| session-b | claude | 1.0M tok, price unknown | house-model |" in report
    # $15 over the 20 minutes of spend seen so far: $45/h; no ETA without progress data.
    assert "| search-page |  | $15.00 | $45.00/h | no ETA (too little data) |" in report
    assert "| search\\_page | $15.00 | session-a |" in report
    assert "**budget**: session session-a: $15.00 of $16.00 (94%, near budget)" in report
    console = Console(width=200, record=True)
    console.print(render_status(analysis, acting=acting))
    text = console.export_text()
    assert "Spend: $15.00 + 1.0M tok, price unknown in all" in text
    assert "budget: session session-a: $15.00 of $16.00 (94%, near budget)" in text
