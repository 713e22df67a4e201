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
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any, overload

from coordinator_tui.analysis.acting.predict import MilestoneForecast
from coordinator_tui.analysis.costs.attribution import (
    Matcher,
    claims_by_session,
    timeline_of,
)
from coordinator_tui.analysis.costs.prices import Pricer
from coordinator_tui.analysis.costs.windows import add_hours, add_sums
from coordinator_tui.analysis.results import Analysis, SessionView
from coordinator_tui.files.worktext import normalise_work
from coordinator_tui.usage.tokens import (
    BUCKET_S,
    NO_TOKENS,
    Cell,
    Response,
    SessionUsage,
    Tokens,
    UsageSnapshot,
    band_of,
    first_start,
    models_of,
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


class Hours(Sequence[tuple[datetime, Spend]]):
    """A session's spend per hour, priced when first read (``len``, an item, a loop).

    Pricing every session's last 24 hours was a third of a one-shot look at 100 sessions
    (``bench_usage``), and only the dashboard's detail view of one session shows them.
    Read from any thread: every model and band it prices was priced by ``compute_costs``
    already (the pricer's cache), so it reads the pricer and never writes its table."""

    def __init__(self, cells: Sequence[Cell], pricer: Pricer, since: float) -> None:
        self._cells, self._pricer, self._since = cells, pricer, since
        self._made: tuple[tuple[datetime, Spend], ...] | None = None

    def _all(self) -> tuple[tuple[datetime, Spend], ...]:
        if self._made is None:
            sums = _Sums()
            add_hours(self._cells, self._since, sums.add)
            gathered: dict[int, list[Spend]] = {}
            for (group, _, _), spend in sums.priced(self._pricer):
                gathered.setdefault(group[1], []).append(spend)
            self._made = tuple(
                (datetime.fromtimestamp(hour, tz=timezone.utc), _total(items))
                for hour, items in sorted(gathered.items())
            )
        return self._made

    @overload
    def __getitem__(self, index: int) -> tuple[datetime, Spend]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[datetime, Spend]]: ...

    def __getitem__(
        self, index: int | slice
    ) -> tuple[datetime, Spend] | Sequence[tuple[datetime, Spend]]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Hours, tuple)):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Hours({self._all()!r})"


@dataclass(frozen=True)
class SessionCost:
    session: str
    agent: str
    spend: Spend
    today: Spend
    last_hour: Spend
    by_model: tuple[tuple[str, Spend], ...]
    """Most expensive first (unpriced models last, by tokens)."""
    by_hour: Sequence[tuple[datetime, Spend]]
    """The last ``HOURS_SHOWN`` hours with spend, oldest first (``Hours``: priced when
    first read, as only the detail view shows them)."""
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
    within a size band, so this prices every response exactly at a fraction of the work.
    The sums of ranges of buckets (``windows``) are gathered and added column by column
    at the end (``summed``)."""

    def __init__(self) -> None:
        self.cells: dict[tuple[Any, str, int], list[Tokens]] = {}

    def add(self, group: tuple[Any, ...], model: str, band: int, tokens: Tokens) -> None:
        key = (group, model, band)
        known = self.cells.get(key)
        if known is None:
            self.cells[key] = [tokens]
        else:
            known.append(tokens)

    def priced(self, pricer: Pricer) -> Iterator[tuple[tuple[Any, str, int], Spend]]:
        for (group, model, band), items in self.cells.items():
            yield (group, model, band), _priced(pricer, model, band, summed(items))


def summed(items: Sequence[Tokens]) -> Tokens:
    """The sum of token counts (column by column, in C)."""
    if len(items) == 1:
        return items[0]
    return Tokens(*map(sum, zip(*items, strict=True))) if items else NO_TOKENS


def _total(spends: Sequence[Spend]) -> Spend:
    """``Spend.plus`` over all of them at once."""
    if len(spends) == 1:
        return spends[0]
    models = dict.fromkeys(model for spend in spends for model in spend.unknown_models)
    return Spend(
        sum((spend.usd for spend in spends), ZERO),
        summed([spend.tokens for spend in spends]),
        summed([spend.unpriced for spend in spends]),
        tuple(models),
    )


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
    views: dict[str, SessionView] = {}
    for view in analysis.sessions:
        views.setdefault(view.id, view)
    matcher = Matcher(analysis, frozenset(normalise_work(item) for item in settings.placeholders))
    claims = claims_by_session(analysis)
    # One sum per (session, milestone, priority) a bucket goes to, one per window for the
    # recent buckets; priced once each (``_Sums``), then added up per view. The sums are
    # taken per range of buckets (``windows``); the per-hour ones when shown (``Hours``).
    sums = _Sums()
    windows = (day_start, now - RATE_WINDOW_S - BUCKET_S, now - HOUR_S - BUCKET_S)
    for session, used in usage.sessions.items():
        timeline = timeline_of(
            views.get(session),
            used,
            analysis.heartbeats.get(session, ()),
            claims.get(session, ()),
            None,
        )
        add_sums(
            session,
            used.cells,
            timeline,
            partial(matcher.match, session),
            now,
            windows,
            sums.add,
        )
    gathered: dict[object, list[Spend]] = {}
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
                gathered.setdefault(key, []).append(spend)
            workers.setdefault(("milestone", milestone), set()).add(session)
            workers.setdefault(("priority", priority), set()).add(session)
        else:
            gathered.setdefault(group, []).append(spend)
    spends = {key: _total(items) for key, items in gathered.items()}
    hours_from = now - HOURS_SHOWN * HOUR_S
    sessions = {
        session: _session_cost(used, spends, Hours(used.cells, pricer, hours_from), pricer)
        for session, used in usage.sessions.items()
    }
    total = _total([cost.spend for cost in sessions.values()] or [NO_SPEND])
    today = _total([cost.today for cost in sessions.values()] or [NO_SPEND])
    last_hour = _total([cost.last_hour for cost in sessions.values()] or [NO_SPEND])
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
    used: SessionUsage, spends: Mapping[object, Spend], hours: Hours, pricer: Pricer
) -> SessionCost:
    session = used.session
    by_model = sorted(
        ((model, spends[("model", session, model)]) for model in models_of(used.cells)),
        key=lambda item: (not item[1].priced, -item[1].usd, -item[1].tokens.total, item[0]),
    )
    return SessionCost(
        session=session,
        agent=used.agent,
        spend=spends.get(("session", session), NO_SPEND),
        today=spends.get(("today", session), NO_SPEND),
        last_hour=spends.get(("hour", session), NO_SPEND),
        by_model=tuple(by_model),
        by_hour=hours,
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
    starts = (first_start(used.cells) for used in usage.sessions.values())
    first_seen = min((start for start in starts if start is not None), default=now)
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
    return replace(costs, budgets=tuple(checks)) if checks else costs


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
