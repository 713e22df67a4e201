"""What the collective spends: per session, per milestone, per priority, against budgets.

Pure: ``compute_costs(analysis, usage, forecasts)`` reads the analysis, the usage totals
the follower read (``usage.tokens.UsageSnapshot``, plain data, like the snapshot) and
the milestone forecasts, and returns one immutable ``Costs``. Every view (status, the
report, ``run``, the dashboard) reads that value; ``act`` computes it.

Money is ``Decimal`` USD. A ``Spend`` keeps the tokens of models with no price apart
(``unpriced``): shown as tokens with "price unknown", never folded into a sum.

Windows are the analysis' clock's: "today" is the UTC day of ``analysis.now``; the rate
per hour is the spend of the last hour.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any

from coordinator_tui.analysis.acting.predict import MilestoneForecast
from coordinator_tui.analysis.costs.attribution import (
    Matcher,
    bucket_middle,
    claims_by_session,
    timeline_of,
)
from coordinator_tui.analysis.costs.prices import Pricer
from coordinator_tui.analysis.results import Analysis, SessionView
from coordinator_tui.files.worktext import normalise_work
from coordinator_tui.usage.tokens import (
    BUCKET_S,
    NO_TOKENS,
    Response,
    SessionUsage,
    Tokens,
    UsageSnapshot,
    band_of,
)

ZERO = Decimal(0)
HOUR_S = 3600
DAY_S = 86400
HOURS_SHOWN = 24
"""The detail's per-hour breakdown covers this many hours."""
RATE_WINDOW_S = 3 * HOUR_S
"""A milestone's burn rate is its spend over (at most) this long."""
MIN_RATE_SPAN_S = 900.0
WARN_SHARE = 0.8
UNATTRIBUTED = ""


@dataclass(frozen=True, slots=True)
class Spend:
    """Money and tokens; the tokens of models with no price are kept apart."""

    usd: Decimal = ZERO
    """What the priced tokens cost."""
    tokens: Tokens = NO_TOKENS
    """Every token, priced or not."""
    unpriced: Tokens = NO_TOKENS
    unknown_models: tuple[str, ...] = ()

    @property
    def priced(self) -> bool:
        """Everything in it has a price (so ``usd`` is the whole cost)."""
        return self.unpriced.responses == 0 and self.unpriced.total == 0

    @property
    def empty(self) -> bool:
        return self.tokens.responses == 0 and self.tokens.total == 0

    def plus(self, other: Spend) -> Spend:
        models = self.unknown_models + tuple(
            model for model in other.unknown_models if model not in self.unknown_models
        )
        return Spend(
            self.usd + other.usd,
            self.tokens.plus(other.tokens),
            self.unpriced.plus(other.unpriced),
            models,
        )


NO_SPEND = Spend()


@dataclass(frozen=True, slots=True)
class LastTurn:
    time: datetime
    model: str
    tokens: Tokens
    usd: Decimal | None


@dataclass(frozen=True)
class SessionCost:
    session: str
    agent: str
    spend: Spend
    today: Spend
    last_hour: Spend
    by_model: tuple[tuple[str, Spend], ...]
    """Most expensive first (unpriced models last, by tokens)."""
    by_hour: tuple[tuple[datetime, Spend], ...]
    """The last ``HOURS_SHOWN`` hours with spend, oldest first."""
    last_turn: LastTurn | None
    complete: bool
    """False while only the transcripts' tails are read: the totals are at least these."""
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkCost:
    """Spend attributed to one piece of work (a milestone, a priority, or none)."""

    key: str
    spend: Spend
    last_hour: Spend
    sessions: tuple[str, ...]


@dataclass(frozen=True)
class MilestoneCost:
    milestone_id: str
    title: str
    priority: str | None
    spend: Spend
    rate_usd_h: Decimal | None
    """Its burn rate over the last ``RATE_WINDOW_S`` (None: nothing spent then)."""
    eta: datetime | None
    to_finish_usd: Decimal | None
    """Burn rate × the hours until its ETA; None when either is missing."""
    to_finish_basis: str
    """How ``to_finish_usd`` is made, or why there is none, in words."""
    sessions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """A budget at or past 80 %."""

    scope: str
    """``session``, ``collective-day`` or ``milestone``."""
    subject: str
    """The session id, the UTC day (``YYYY-MM-DD``) or the milestone id."""
    spent: Decimal
    limit: Decimal
    level: str
    """``warn`` (80 % or more) or ``over`` (100 % or more)."""
    complete: bool = True
    """False: ``spent`` is at least this (only transcript tails read yet)."""

    @property
    def share(self) -> float:
        return float(self.spent / self.limit) if self.limit else 0.0


@dataclass(frozen=True)
class Costs:
    sessions: Mapping[str, SessionCost] = field(default_factory=dict)
    total: Spend = NO_SPEND
    today: Spend = NO_SPEND
    last_hour: Spend = NO_SPEND
    """The collective's spend in the last hour: its rate per hour."""
    milestones: tuple[MilestoneCost, ...] = ()
    priorities: tuple[WorkCost, ...] = ()
    unattributed: Spend = NO_SPEND
    budgets: tuple[BudgetCheck, ...] = ()
    complete: bool = True
    day: str = ""
    """The UTC day "today" is (``YYYY-MM-DD``)."""

    def of_session(self, session: str) -> SessionCost | None:
        return self.sessions.get(session)

    def of_milestone(self, milestone_id: str) -> MilestoneCost | None:
        return next((item for item in self.milestones if item.milestone_id == milestone_id), None)


NO_COSTS = Costs()


@lru_cache(maxsize=4)
def pricer_for(prices: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]) -> Pricer:
    """One pricer per price configuration, kept: its rates are probed once."""
    return Pricer.from_settings(prices)


class _Sums:
    """Token sums per (group, model, band), priced once each at the end: cost is linear
    within a size band, so this prices every response exactly at a fraction of the work."""

    def __init__(self) -> None:
        self.cells: dict[tuple[Any, str, int], list[int]] = {}

    def add(self, group: tuple[Any, ...], model: str, band: int, tokens: Tokens) -> None:
        known = self.cells.get((group, model, band))
        if known is None:
            self.cells[(group, model, band)] = list(tokens)
        else:
            for index, value in enumerate(tokens):
                known[index] += value

    def priced(self, pricer: Pricer) -> Iterator[tuple[tuple[Any, str, int], Spend]]:
        for (group, model, band), counts in self.cells.items():
            yield (group, model, band), _priced(pricer, model, band, Tokens(*counts))


def _priced(pricer: Pricer, model: str, band: int, tokens: Tokens) -> Spend:
    usd = pricer.cost(model, band, tokens)
    if usd is None:
        return Spend(ZERO, tokens, tokens, (model,))
    return Spend(usd, tokens, NO_TOKENS, ())


def compute_costs(
    analysis: Analysis,
    usage: UsageSnapshot | None,
    forecasts: Sequence[MilestoneForecast] = (),
    pricer: Pricer | None = None,
) -> Costs:
    """Everything the collective spent, as ``analysis.now`` sees it."""
    if usage is None or not usage.sessions:
        return NO_COSTS
    settings = analysis.settings
    pricer = pricer or pricer_for(settings.prices)
    now = analysis.now.timestamp()
    day_start = now - now % DAY_S
    hour_ago = now - HOUR_S
    views: dict[str, SessionView] = {}
    for view in analysis.sessions:
        views.setdefault(view.id, view)
    matcher = Matcher(analysis, frozenset(normalise_work(item) for item in settings.placeholders))
    claims = claims_by_session(analysis)
    # One sum per (session, milestone, priority) a bucket goes to, one per window for the
    # recent buckets only; priced once each (``_Sums``), then added up per view.
    sums = _Sums()
    recent = min(day_start, now - HOURS_SHOWN * HOUR_S, now - RATE_WINDOW_S)
    for session, used in usage.sessions.items():
        timeline = timeline_of(
            views.get(session),
            used,
            analysis.heartbeats.get(session, ()),
            claims.get(session, ()),
            None,
        )
        for start, model, band, tokens in used.cells:
            work = matcher.match(session, timeline.at(bucket_middle(start)))
            sums.add(("work", session, *work), model, band, tokens)
            if start < recent:
                continue
            if start >= day_start:
                sums.add(("today", session), model, band, tokens)
            if start + BUCKET_S > hour_ago and start <= now:
                sums.add(("hour", session), model, band, tokens)
            if start >= now - HOURS_SHOWN * HOUR_S:
                sums.add(("by-hour", session, int(start // HOUR_S) * HOUR_S), model, band, tokens)
            if start + BUCKET_S > now - RATE_WINDOW_S:
                sums.add(("milestone-recent", work[0]), model, band, tokens)
                if start + BUCKET_S > hour_ago:
                    sums.add(("priority-hour", work[1]), model, band, tokens)
    spends: dict[object, Spend] = {}
    hours: dict[str, dict[int, Spend]] = {}
    workers: dict[tuple[str, str | None], set[str]] = {}
    for (group, model, _), spend in sums.priced(pricer):
        if group[0] == "work":
            _, session, milestone, priority = group
            for key in (
                ("session", session),
                ("model", session, model),
                ("milestone", milestone),
                ("priority", priority),
            ):
                spends[key] = spends.get(key, NO_SPEND).plus(spend)
            workers.setdefault(("milestone", milestone), set()).add(session)
            workers.setdefault(("priority", priority), set()).add(session)
        elif group[0] == "by-hour":
            of_session = hours.setdefault(group[1], {})
            of_session[group[2]] = of_session.get(group[2], NO_SPEND).plus(spend)
        else:
            spends[group] = spends.get(group, NO_SPEND).plus(spend)
    sessions = {
        session: _session_cost(used, spends, hours.get(session, {}), pricer)
        for session, used in usage.sessions.items()
    }
    total = today = last_hour = NO_SPEND
    for cost in sessions.values():
        total, today = total.plus(cost.spend), today.plus(cost.today)
        last_hour = last_hour.plus(cost.last_hour)
    milestones = _milestones(analysis, spends, workers, forecasts, usage, now)
    priorities = tuple(
        WorkCost(
            name,
            spends.get(("priority", name), NO_SPEND),
            spends.get(("priority-hour", name), NO_SPEND),
            tuple(sorted(workers.get(("priority", name), ()))),
        )
        for name in dict.fromkeys(view.item.name for view in analysis.priorities)
        if ("priority", name) in spends
    )
    unattributed = spends.get(("milestone", None), NO_SPEND)
    complete = all(used.complete for used in usage.sessions.values())
    costs = Costs(
        sessions=sessions,
        total=total,
        today=today,
        last_hour=last_hour,
        milestones=milestones,
        priorities=priorities,
        unattributed=unattributed,
        complete=complete,
        day=datetime.fromtimestamp(day_start, tz=timezone.utc).strftime("%Y-%m-%d"),
    )
    return _with_budgets(costs, analysis)


def _session_cost(
    used: SessionUsage, spends: Mapping[object, Spend], hours: Mapping[int, Spend], pricer: Pricer
) -> SessionCost:
    session = used.session
    by_model = sorted(
        (
            (model, spends[("model", session, model)])
            for model in {cell.model for cell in used.cells}
        ),
        key=lambda item: (not item[1].priced, -item[1].usd, -item[1].tokens.total, item[0]),
    )
    by_hour = sorted(
        (datetime.fromtimestamp(start, tz=timezone.utc), spend) for start, spend in hours.items()
    )
    return SessionCost(
        session=session,
        agent=used.agent,
        spend=spends.get(("session", session), NO_SPEND),
        today=spends.get(("today", session), NO_SPEND),
        last_hour=spends.get(("hour", session), NO_SPEND),
        by_model=tuple(by_model),
        by_hour=tuple(by_hour),
        last_turn=_last_turn(used.last, pricer),
        complete=used.complete,
        problems=used.problems,
    )


def _last_turn(last: Response | None, pricer: Pricer) -> LastTurn | None:
    if last is None:
        return None
    usd = pricer.cost(last.model, band_of(last.tokens.whole_input), last.tokens)
    moment = datetime.fromtimestamp(last.time, tz=timezone.utc)
    return LastTurn(moment, last.model, last.tokens, usd)


def _milestones(
    analysis: Analysis,
    spends: Mapping[object, Spend],
    workers: Mapping[tuple[str, str | None], set[str]],
    forecasts: Sequence[MilestoneForecast],
    usage: UsageSnapshot,
    now: float,
) -> tuple[MilestoneCost, ...]:
    by_id = {forecast.milestone_id: forecast for forecast in forecasts}
    first_seen = min(
        (cell.start for used in usage.sessions.values() for cell in used.cells), default=now
    )
    span_s = max(min(RATE_WINDOW_S, now - first_seen), MIN_RATE_SPAN_S)
    result = []
    for item in analysis.milestones.items:
        milestone = item.milestone
        spend = spends.get(("milestone", milestone.milestone_id))
        if spend is None:
            continue
        recent = spends.get(("milestone-recent", milestone.milestone_id), NO_SPEND)
        rate = recent.usd / Decimal(span_s / HOUR_S) if recent.usd else None
        forecast = by_id.get(milestone.milestone_id)
        eta = forecast.eta if forecast is not None else None
        to_finish, basis = _to_finish(rate, eta, analysis.now, forecast)
        result.append(
            MilestoneCost(
                milestone.milestone_id,
                milestone.title,
                milestone.priority,
                spend,
                rate,
                eta,
                to_finish,
                basis,
                tuple(sorted(workers.get(("milestone", milestone.milestone_id), ()))),
            )
        )
    result.sort(key=lambda cost: (-cost.spend.usd, cost.milestone_id))
    return tuple(result)


def _to_finish(
    rate: Decimal | None,
    eta: datetime | None,
    now: datetime,
    forecast: MilestoneForecast | None,
) -> tuple[Decimal | None, str]:
    if eta is None:
        why = forecast.why_not if forecast is not None and forecast.why_not else "no ETA"
        return None, f"no ETA ({why})"
    if rate is None:
        return None, "nothing spent on it in the last 3 h"
    hours = Decimal(max((eta - now).total_seconds(), 0.0) / HOUR_S)
    return rate * hours, f"${rate:.2f}/h for {hours:.1f} h until its ETA"


def _with_budgets(costs: Costs, analysis: Analysis) -> Costs:
    settings = analysis.settings
    checks: list[BudgetCheck] = []

    def check(scope: str, subject: str, spent: Decimal, limit: float | None, whole: bool) -> None:
        if limit is None or limit <= 0:
            return
        cap = Decimal(str(limit))
        if spent >= cap:
            checks.append(BudgetCheck(scope, subject, spent, cap, "over", whole))
        elif spent >= cap * Decimal(str(WARN_SHARE)):
            checks.append(BudgetCheck(scope, subject, spent, cap, "warn", whole))

    for session, cost in sorted(costs.sessions.items()):
        check("session", session, cost.spend.usd, settings.budget_session_usd, cost.complete)
    check(
        "collective-day",
        costs.day,
        costs.today.usd,
        settings.budget_collective_day_usd,
        costs.complete,
    )
    for milestone in costs.milestones:
        check(
            "milestone",
            milestone.milestone_id,
            milestone.spend.usd,
            settings.budget_milestone_usd,
            costs.complete,
        )
    if not checks:
        return costs
    return Costs(
        sessions=costs.sessions,
        total=costs.total,
        today=costs.today,
        last_hour=costs.last_hour,
        milestones=costs.milestones,
        priorities=costs.priorities,
        unattributed=costs.unattributed,
        budgets=tuple(checks),
        complete=costs.complete,
        day=costs.day,
    )


__all__ = [
    "NO_COSTS",
    "BudgetCheck",
    "Costs",
    "LastTurn",
    "MilestoneCost",
    "SessionCost",
    "Spend",
    "WorkCost",
    "compute_costs",
    "pricer_for",
]
