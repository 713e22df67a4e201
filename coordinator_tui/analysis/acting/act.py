"""Everything the coordinator decides, in one value: ``act(analysis, samples)`` → ``Acting``.

The dashboard, ``status`` (text, ``--json``, ``--check``), the sprint report
and ``run`` all call this one function, so they can never disagree. It is kept
out of ``analyse()`` because it needs the sample history (forecasts, resource
advice) and what ``run`` remembers (duplicates caused over time), and because
the dashboard's fast path must not pay for it on every file event.

Pure, like the modules it gathers: ``resolve``, ``predict``, ``resources``,
``quality``, ``escalate`` and ``checks``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from coordinator_tui.analysis.acting.checks import CheckResult, check
from coordinator_tui.analysis.acting.escalate import Incident, find_incidents
from coordinator_tui.analysis.acting.predict import (
    MilestoneForecast,
    ProgressHistory,
    SessionForecast,
    early_suggestions,
    forecast_milestones,
    forecast_sessions,
)
from coordinator_tui.analysis.acting.quality import QualityRecord, measure_quality
from coordinator_tui.analysis.acting.resolve import Resolution, resolve
from coordinator_tui.analysis.acting.resources import (
    CountSample,
    ResourceAdvice,
    advise_resources,
)
from coordinator_tui.analysis.costs import Costs, compute_costs
from coordinator_tui.analysis.receipts import (
    Receipt,
    ReceiptBook,
    message_receipts,
    undelivered_incidents,
)
from coordinator_tui.analysis.results import Analysis, Suggestion
from coordinator_tui.usage.tokens import UsageSnapshot


class HistorySample(CountSample, Protocol):
    """What ``act`` reads of a history sample (``write.trend_log.Sample`` fits): the
    counts the resource advice reads, and each milestone's progress."""

    @property
    def progress(self) -> tuple[tuple[str, float], ...]: ...


@dataclass(frozen=True, slots=True)
class Acting:
    """What the coordinator would do about the analysis, and why."""

    resolutions: tuple[Resolution, ...]
    """Every yielder of a duplicate or overlap, who keeps the work, and its next priority."""
    milestone_forecasts: tuple[MilestoneForecast, ...]
    """One per milestone, in the analysis's milestone order."""
    session_forecasts: tuple[SessionForecast, ...]
    """Working sessions whose current work has an ETA, soonest first."""
    early_suggestions: tuple[Suggestion, ...]
    """Next priorities for sessions about to finish."""
    resources: ResourceAdvice
    quality: tuple[QualityRecord, ...]
    """One per session id, by id (``quality.sort_quality`` for a view)."""
    incidents: tuple[Incident, ...]
    """Stuck work a human should look at, by id (``escalate.step`` decides what is new)."""
    check: CheckResult
    """``status --check``'s exit code and reasons."""
    costs: Costs = field(default_factory=Costs)
    """What the sessions spent, per milestone and priority, against the budgets."""
    receipts: tuple[Receipt, ...] = ()
    """Per recipient of the newest ``RECEIPT_MESSAGES`` messages: written, delivered, acted
    on (without a receipt book: a direct message's recipient, at ``written``)."""

    def forecast_of_milestone(self, milestone_id: str) -> MilestoneForecast | None:
        return next(
            (item for item in self.milestone_forecasts if item.milestone_id == milestone_id), None
        )

    def forecast_of_session(self, session_id: str) -> SessionForecast | None:
        return next((item for item in self.session_forecasts if item.session == session_id), None)


RECEIPT_MESSAGES = 100


def progress_history(samples: Iterable[HistorySample]) -> ProgressHistory:
    """Milestone id → (time, progress) from the samples that recorded it."""
    result: dict[str, list[tuple[datetime, float]]] = {}
    for sample in samples:
        for milestone_id, progress in sample.progress:
            result.setdefault(milestone_id, []).append((sample.time, progress))
    return result


def act(
    analysis: Analysis,
    samples: Sequence[HistorySample] = (),
    duplicate_counts: Mapping[str, int] | None = None,
    usage: UsageSnapshot | None = None,
    receipts: ReceiptBook | None = None,
) -> Acting:
    """Resolutions, forecasts, early suggestions, resource advice, quality, incidents, check.

    ``samples`` is the history (``.coordinator/history.jsonl``; none is fine:
    forecasts fall back to step times and ``created_at``, the resource advice
    to the present); ``duplicate_counts`` is what ``run`` counted over time; ``usage``
    the sessions' token totals the follower read (none: no costs); ``receipts`` what the
    hooks recorded of the messages they delivered (``agents.receipts.book``; none: nothing
    known delivered, and no ``undelivered`` incidents).
    """
    resolutions = resolve(analysis)
    milestones = forecast_milestones(analysis, progress_history(samples))
    sessions = forecast_sessions(analysis, milestones)
    costs = compute_costs(analysis, usage, milestones)
    late = (
        undelivered_incidents(analysis, receipts, analysis.settings.deliver_within_s)
        if receipts is not None
        else []
    )
    newest = analysis.messages.latest[:RECEIPT_MESSAGES]
    return Acting(
        resolutions=resolutions,
        milestone_forecasts=milestones,
        session_forecasts=sessions,
        early_suggestions=early_suggestions(analysis, sessions),
        resources=advise_resources(analysis, samples),
        quality=measure_quality(analysis, resolutions, duplicate_counts),
        incidents=find_incidents(analysis, budgets=costs.budgets, undelivered=late),
        check=check(analysis),
        costs=costs,
        receipts=message_receipts(newest, receipts or {}),
    )
