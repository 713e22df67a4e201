"""What a real Claude Code run spent, as the mock model API reported it (issue 28): the
usage in ``status --json`` is exactly the sum of what the mock sent, each response
counted once, across ``--resume``, and priced by genai-prices response by response;
the dashboard (in tmux) shows the same dollars in the summary, the row and the detail.

Claude Code writes a response of several content blocks as several transcript lines
with the same ``message.id``, each with the whole usage; ``--resume`` appends to the
same file; a subagent writes its own file beside it. The mock's usage differs per
response and per kind of token, and every other response's whole input is over 200k
tokens (the upper price tier of the model), with part of its cache write for an hour.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from harness import PYTHON, Agent, Pane, World, have_tmux
from mock_api import Call, MockAPI, Say, Sent

PRICED_MODEL = "claude-sonnet-4-5"
"""Known to genai-prices, with a tier above 200k input tokens."""
UNKNOWN_MODEL = "claude-house-model-7"
ROUNDING = Decimal("0.0000005")
"""USD in ``status --json`` are rounded to 6 places."""


def usage_of(number: int) -> dict[str, Any]:
    """The usage of the mock's response ``number``: distinct in every count."""
    upper = number % 2 == 0
    write = 2_100 * number + 9
    hour = 1_000 * number if upper else 0
    return {
        "input_tokens": 1_200 * number + 3,
        "output_tokens": 211 * number + 1,
        "cache_read_input_tokens": 230_000 + 7 * number if upper else 40_000 * number + 5,
        "cache_creation_input_tokens": write,
        "cache_creation": {
            "ephemeral_5m_input_tokens": write - hour,
            "ephemeral_1h_input_tokens": hour,
        },
    }


def tokens_of(sent: list[Sent]) -> dict[str, int]:
    """What ``status --json`` should say these responses hold, in its ``Tokens`` shape."""
    total = Counter[str]()
    for response in sent:
        usage = response.usage
        total["input"] += usage["input_tokens"]
        total["cache_write"] += usage["cache_creation_input_tokens"]
        total["cache_read"] += usage["cache_read_input_tokens"]
        total["output"] += usage["output_tokens"]
        total["cache_write_1h"] += usage["cache_creation"]["ephemeral_1h_input_tokens"]
        total["responses"] += 1
    keys = ("input", "cache_write", "cache_read", "output", "cache_write_1h", "responses")
    return {key: total[key] for key in keys}


def price_of(sent: list[Sent]) -> Decimal:
    """genai-prices' price of each response on its own, summed (its ``input_tokens`` is
    the whole input, where Anthropic's excludes the cache reads and writes)."""
    from genai_prices import Usage, calc_price

    total = Decimal(0)
    for response in sent:
        usage = response.usage
        read, write = usage["cache_read_input_tokens"], usage["cache_creation_input_tokens"]
        counts = Usage(
            input_tokens=usage["input_tokens"] + read + write,
            cache_read_tokens=read,
            cache_write_tokens=write,
            cache_write_1h_tokens=usage["cache_creation"]["ephemeral_1h_input_tokens"],
            output_tokens=usage["output_tokens"],
        )
        total += calc_price(counts, response.model, provider_id="anthropic").total_price
    return total


def assert_money(shown: object, exact: Decimal) -> None:
    assert isinstance(shown, float | int), shown
    assert abs(Decimal(str(shown)) - exact) <= ROUNDING, (shown, exact)


def usage_in_status(world: World, sid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The session's ``usage`` and the collective's, from ``status --json``."""
    status = world.status()
    for session in status["sessions"]:
        if session["id"] == sid:
            assert session["usage"] is not None, "the session's transcript was not read"
            return session["usage"], status["usage"]
    raise AssertionError(f"session {sid} not in status --json")


def assert_priced_usage(world: World, sid: str, sent: list[Sent]) -> dict[str, Any]:
    usage, collective = usage_in_status(world, sid)
    tokens, price = tokens_of(sent), price_of(sent)
    assert usage["problems"] == []
    assert usage["complete"] is True
    for spend in (usage["total"], usage["last_hour"], collective["total"]):
        assert spend["tokens"] == tokens
        assert spend["priced"] is True and spend["price_unknown"] == []
        assert_money(spend["usd"], price)
    by_model = {model: [r for r in sent if r.model == model] for model in {r.model for r in sent}}
    assert {entry["model"]: entry["tokens"] for entry in usage["by_model"]} == {
        model: tokens_of(responses) for model, responses in by_model.items()
    }
    last = usage["last_turn"]
    assert (last["model"], last["tokens"]) == (sent[-1].model, tokens_of(sent[-1:]))
    assert_money(last["usd"], price_of(sent[-1:]))
    return usage


def money(usd: Decimal) -> str:
    """As the dashboard shows dollars: to the cent, half up."""
    return f"${usd.quantize(Decimal('0.01'), ROUND_HALF_UP)}"


def assert_dashboard_shows(world: World, sid: str, sent: list[Sent]) -> None:
    """``coordinator-tui DIR`` in tmux: the summary's spend today and the session's row
    say its cost; its detail (enter) the total, the model's share and the last turn's."""
    total, last = money(price_of(sent)), money(price_of(sent[-1:]))
    assert total != last
    pane = Pane(world.base / "dashboard.sock", world.env, world.project)
    try:
        pane.start([PYTHON, "-m", "coordinator_tui", str(world.coord)])

        def row() -> list[str]:
            return [line for line in pane.text().splitlines() if sid[:8] in line]

        try:
            world.wait_for(lambda: f"today {total}" in pane.text(), 30, "the summary's spend")
            pane.keys("g")  # the run has ended: its session is among the gone ones
            world.wait_for(lambda: any(total in line for line in row()), 10, "the row's cost")
        except AssertionError as error:
            raise AssertionError(f"{error}: {total} not on the screen\n{pane.text()}") from None
        pane.keys("Enter")
        world.wait_for(lambda: f"spent {total}" in pane.text(), 10, "the detail's cost")
        screen = pane.text()
        assert f"{PRICED_MODEL}: {total}" in screen, screen
        assert f"{PRICED_MODEL} · {last} ·" in screen, screen  # the last turn
    finally:
        pane.close()


def assistant_lines(transcript: Path) -> Counter[str]:
    """How many lines of the transcript each response id is written on."""
    lines = Counter[str]()
    for raw in transcript.read_text().splitlines():
        line = json.loads(raw)
        if line.get("type") == "assistant":
            lines[line["message"]["id"]] += 1
    return lines


def test_claude_code_usage_is_what_the_api_reported_once_per_response_across_a_resume(
    world: World, api: MockAPI, make_agent: Any
) -> None:
    agent: Agent = make_agent("claude")
    agent.env["ANTHROPIC_MODEL"] = PRICED_MODEL
    world.install_hooks("claude")
    api.usage = usage_of
    agent.script(replace(agent.edit("src/a.py", "a = 1\n"), text="I will write it."), Say("Done."))
    done = agent.run("Write src/a.py")
    assert done.returncode == 0, done.stderr[-2000:]
    session = world.agent_session()
    sid = str(session["session_id"])
    transcript = Path(session["transcript_path"])
    first = api.sent_main()
    assert [response.model for response in first] == [PRICED_MODEL] * 2
    assert_priced_usage(world, sid, first)  # this look's state is where the next one starts

    helper = {
        "description": "read x",
        "prompt": "Read src/x.py",
        "subagent_type": "general-purpose",
        "run_in_background": False,
    }
    agent.script(Call("Agent", helper, "I will ask a helper."), Say("x is 1."), Say("Done."))
    done = agent.run("Go on", resume=sid)
    assert done.returncode == 0, done.stderr[-2000:]
    sent = api.sent_main()
    assert len(sent) == 5, [response.message_id for response in sent]
    # The shapes counted once: two-block responses on two lines each, the resume in the
    # same file, the helper's response in its own file.
    lines = assistant_lines(transcript)
    assert lines[first[0].message_id] == 2 and lines[sent[2].message_id] == 2
    helpers = list(transcript.with_suffix("").glob("subagents/agent-*.jsonl"))
    assert [set(assistant_lines(path)) for path in helpers] == [{sent[3].message_id}]
    assert set(lines) == {response.message_id for response in sent} - {sent[3].message_id}

    usage = assert_priced_usage(world, sid, sent)
    assert usage_in_status(world, sid)[0] == usage  # a look with nothing new: the same
    if not have_tmux():
        pytest.skip("the dashboard's part needs tmux")
    assert_dashboard_shows(world, sid, sent)


def test_a_model_genai_prices_does_not_know_shows_tokens_and_no_price(
    world: World, api: MockAPI, make_agent: Any
) -> None:
    from genai_prices import Usage, calc_price

    try:
        calc_price(Usage(input_tokens=1), UNKNOWN_MODEL, provider_id="anthropic")
        raise AssertionError(f"genai-prices knows {UNKNOWN_MODEL}: pick another name")
    except LookupError:
        pass
    agent: Agent = make_agent("claude")
    agent.env["ANTHROPIC_MODEL"] = UNKNOWN_MODEL
    world.install_hooks("claude")
    api.usage = usage_of
    agent.script(Say("Nothing to do."))
    done = agent.run("Say hello")
    assert done.returncode == 0, done.stderr[-2000:]
    sid = str(world.agent_session()["session_id"])
    sent = api.sent_main()
    assert [response.model for response in sent] == [UNKNOWN_MODEL]

    usage, _ = usage_in_status(world, sid)
    spend = usage["total"]
    assert spend["tokens"] == spend["unpriced_tokens"] == tokens_of(sent)
    # usd is what the priced tokens cost: none here, and priced false says it is not all
    assert (spend["usd"], spend["priced"], spend["price_unknown"]) == (0, False, [UNKNOWN_MODEL])
    assert usage["last_turn"]["usd"] is None
