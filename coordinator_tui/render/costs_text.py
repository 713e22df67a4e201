"""What spend looks like in words: one table of them for every view.

Plain functions returning plain strings (no Rich, no Textual), so ``status``, the sprint
report and the dashboard's widgets (the cost column, the detail screen's costs, the
summary strip's spend) all say it the same way. Tokens stand in where there is no price
("1.2M tok, price unknown"); a figure read from a transcript's tail only is "≥$1.23".
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from coordinator_tui.analysis.costs import (
    BudgetCheck,
    Costs,
    MilestoneCost,
    SessionCost,
    Spend,
)
from coordinator_tui.render.sanitize import display
from coordinator_tui.usage.tokens import Tokens

PRICE_UNKNOWN = "price unknown"
CENT = Decimal("0.01")
AT_LEAST = "≥"


def money(usd: Decimal | None) -> str:
    """``$12.34``; a cent or less of real spend is ``<$0.01``, never ``$0.00``."""
    if usd is None:
        return PRICE_UNKNOWN
    if usd == 0:
        return "$0.00"
    if usd < Decimal("0.01"):
        return "<$0.01"
    if usd >= 10_000:
        return f"${usd.quantize(Decimal(1), ROUND_HALF_UP):,}"
    return f"${usd.quantize(CENT, ROUND_HALF_UP):,}"


def token_count(count: int) -> str:
    """``830``, ``45k``, ``1.2M``, ``3.4B``."""
    for size, unit in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if count >= size:
            value = count / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(count)


def tokens_text(tokens: Tokens) -> str:
    """``12k in · 340k cached · 3.1k out`` (cache reads and writes together)."""
    cached = tokens.cache_read + tokens.cache_write
    parts = [f"{token_count(tokens.input)} in"]
    if cached:
        parts.append(f"{token_count(cached)} cached")
    parts.append(f"{token_count(tokens.output)} out")
    return " · ".join(parts)


def spend_text(spend: Spend, complete: bool = True) -> str:
    """A spend in one short phrase; empty for no spend at all."""
    if spend.empty:
        return ""
    least = "" if complete else AT_LEAST
    if spend.priced:
        return least + money(spend.usd)
    unpriced = f"{least}{token_count(spend.unpriced.total)} tok, {PRICE_UNKNOWN}"
    if spend.unpriced.total == spend.tokens.total:
        return unpriced
    return f"{least}{money(spend.usd)} + {unpriced}"


def cost_cell(cost: SessionCost | None) -> str:
    """The dashboard's cost column: money, or tokens when there is no price; "" when the
    session's transcripts are not read (an agent we cannot read, or none recorded)."""
    return "" if cost is None else short_spend(cost.spend, cost.complete)


def short_spend(spend: Spend, complete: bool = True) -> str:
    """A spend in a few characters: ``$1.23``, ``$1.23+`` (and tokens with no price),
    ``47k tok`` (none priced); "" for no spend at all."""
    if spend.empty:
        return ""
    least = "" if complete else AT_LEAST
    if spend.priced:
        return least + money(spend.usd)
    if spend.usd:
        return f"{least}{money(spend.usd)}+"
    return f"{least}{token_count(spend.tokens.total)} tok"


def strip_text(costs: Costs, short: bool = False) -> str:
    """The summary strip's spend: ``today $12.34 · $3.10/h``; "" with nothing read. The
    rate, and today too when ``short`` (a narrow strip), say a part with no price as
    ``short_spend`` does."""
    if not costs.sessions:
        return ""
    words = short_spend if short else spend_text
    today = words(costs.today, costs.complete) or "$0.00"
    return f"today {today} · {short_spend(costs.last_hour) or '$0.00'}/h"


def detail_lines(cost: SessionCost) -> list[str]:
    """The detail screen's costs: the total, each model, each hour, the last turn."""
    least = "" if cost.complete else " (at least: only the transcript's end is read yet)"
    total = spend_text(cost.spend) or "$0.00"
    today = spend_text(cost.today) or "$0.00"
    last_hour = spend_text(cost.last_hour) or "$0.00"
    lines = [f"spent {total}{least} · {tokens_text(cost.spend.tokens)}"]
    lines.append(f"today {today} · last hour {last_hour}")
    for model, spend in cost.by_model:
        lines.append(f"  {display(model, 60)}: {spend_text(spend)} · {tokens_text(spend.tokens)}")
    if cost.by_hour:
        lines.append("per hour (UTC):")
        for hour, spend in cost.by_hour:
            lines.append(f"  {hour:%H}:00 {spend_text(spend)}")
    last = cost.last_turn
    if last is not None:
        price = money(last.usd) if last.usd is not None else PRICE_UNKNOWN
        lines.append(
            f"last turn {last.time:%H:%M:%S} UTC · {display(last.model, 60)} · {price} · "
            f"{tokens_text(last.tokens)}"
        )
    lines += [f"! {display(problem, 200)}" for problem in cost.problems]
    return lines


def by_hour(cost: SessionCost) -> list[tuple[datetime, str]]:
    """(hour, spend) for a sparkline or a small table."""
    return [(hour, spend_text(spend)) for hour, spend in cost.by_hour]


def milestone_text(cost: MilestoneCost) -> str:
    """``$30.00 spent · ~$60.00 to finish`` (or why there is no estimate)."""
    spent = spend_text(cost.spend) or "$0.00"
    if cost.to_finish_usd is None:
        return f"{spent} spent · to finish: {cost.to_finish_basis}"
    return f"{spent} spent · ~{money(cost.to_finish_usd)} to finish"


def budget_text(check: BudgetCheck) -> str:
    least = "" if check.complete else AT_LEAST
    what = {"collective-day": "the collective today", "milestone": "milestone"}.get(
        check.scope, "session"
    )
    subject = "" if check.scope == "collective-day" else f" {display(check.subject, 60)}"
    state = "over budget" if check.level == "over" else "near budget"
    return (
        f"{what}{subject}: {least}{money(check.spent)} of {money(check.limit)} "
        f"({check.share:.0%}, {state})"
    )
