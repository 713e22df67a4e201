"""The ``usage`` parts of ``status --json``: each session's, and the collective's.

Money is USD as a number rounded to 6 places, ``null`` where there is no price: a
``Spend`` says ``priced`` false and lists the models with no price and their tokens
("price unknown", never a guess). ``complete`` false: only the transcripts' tails were
read yet, the figures are at least these.
"""

from __future__ import annotations

from decimal import Decimal

from coordinator_tui.analysis.costs import (
    BudgetCheck,
    Costs,
    MilestoneCost,
    SessionCost,
    Spend,
    WorkCost,
)
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.render import status_document as doc
from coordinator_tui.usage.tokens import Tokens


def usd(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 6)


def tokens_dict(tokens: Tokens) -> doc.Tokens:
    return {
        "input": tokens.input,
        "cache_write": tokens.cache_write,
        "cache_read": tokens.cache_read,
        "output": tokens.output,
        "cache_write_1h": tokens.cache_write_1h,
        "responses": tokens.responses,
    }


def spend_dict(spend: Spend) -> doc.Spend:
    return {
        "usd": usd(spend.usd),
        "priced": spend.priced,
        "tokens": tokens_dict(spend.tokens),
        "unpriced_tokens": tokens_dict(spend.unpriced),
        "price_unknown": list(spend.unknown_models),
    }


def session_usage(cost: SessionCost | None) -> doc.SessionUsage | None:
    """A session's ``usage``: null when none of its transcripts was read."""
    if cost is None:
        return None
    last = cost.last_turn
    return {
        "agent": cost.agent,
        "complete": cost.complete,
        "total": spend_dict(cost.spend),
        "today": spend_dict(cost.today),
        "last_hour": spend_dict(cost.last_hour),
        "by_model": [{"model": model, **spend_dict(spend)} for model, spend in cost.by_model],
        "last_turn": None
        if last is None
        else {
            "at": format_utc(last.time),
            "model": last.model,
            "tokens": tokens_dict(last.tokens),
            "usd": usd(last.usd),
        },
        "problems": list(cost.problems),
    }


def usage_dict(costs: Costs) -> doc.Usage:
    """The collective's ``usage``: totals, today, the last hour, the cost of the work."""
    return {
        "complete": costs.complete,
        "day": costs.day or None,
        "total": spend_dict(costs.total),
        "today": spend_dict(costs.today),
        "last_hour": spend_dict(costs.last_hour),
        "milestones": [_milestone(item) for item in costs.milestones],
        "priorities": [_work(item) for item in costs.priorities],
        "unattributed": spend_dict(costs.unattributed),
        "budgets": [_budget(item) for item in costs.budgets],
    }


def _milestone(item: MilestoneCost) -> doc.MilestoneCost:
    return {
        "id": item.milestone_id,
        "title": item.title,
        "priority": item.priority,
        "spent": spend_dict(item.spend),
        "rate_usd_h": usd(item.rate_usd_h),
        "eta": format_utc(item.eta) if item.eta else None,
        "to_finish_usd": usd(item.to_finish_usd),
        "to_finish_basis": item.to_finish_basis,
        "sessions": list(item.sessions),
    }


def _work(item: WorkCost) -> doc.WorkCost:
    return {
        "name": item.key,
        "spent": spend_dict(item.spend),
        "last_hour": spend_dict(item.last_hour),
        "sessions": list(item.sessions),
    }


def _budget(item: BudgetCheck) -> doc.BudgetState:
    return {
        "scope": item.scope,
        "subject": item.subject,
        "spent_usd": usd(item.spent),
        "limit_usd": usd(item.limit),
        "share": round(item.share, 4),
        "level": item.level,
        "complete": item.complete,
    }
