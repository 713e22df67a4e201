"""Predictive scheduling: when each milestone and each session's current work will end.

Pure: a function of the ``Analysis``, optional progress history and the settings.
A milestone's velocity (percentage points per hour) comes from, best first:

- ``history``: recorded (time, progress) samples of that milestone, from the
  moment its progress began to move until now;
- ``steps``: the completion times of its steps (from ``created_at``, else from the
  first completed step, until now);
- ``created``: its progress now over the time since ``created_at``.

The ETA is ``now + remaining / velocity``: a milestone 40 % done 2 h after it
was created moves at 20 points an hour and is due 3 h from now. No ETA is
given, and ``why_not`` says why, for a completed, abandoned, blocked or stalled
milestone, one with no progress yet, or when the data span less than
``predict_min_span_s``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from coordinator_tui.analysis.results import (
    Analysis,
    MilestoneView,
    SessionView,
    Suggestion,
)
from coordinator_tui.analysis.work import take_best, unoffered
from coordinator_tui.files.worktext import names_match, work_words
from coordinator_tui.settings import Settings

ProgressHistory = Mapping[str, Sequence[tuple[datetime, float]]]
"""Milestone id → (time, progress 0–100) samples, in any order."""

DONE_STEP_STATUSES = frozenset({"completed", "complete", "done"})
# More than this many hours ahead is not a forecast worth a date (and would overflow).
MAX_HOURS = 24.0 * 365 * 50


@dataclass(frozen=True, slots=True)
class MilestoneForecast:
    milestone_id: str
    title: str
    progress: float
    """0–100, as the analysis reads it."""
    velocity_per_h: float | None
    """Percentage points per hour; None without an estimate."""
    eta: datetime | None
    """When it should reach 100 % (serialise as ISO 8601 ``eta``)."""
    method: str | None
    """``history``, ``steps`` or ``created``: how the estimate is made."""
    basis: str
    """The estimate in words (``40 % in 2.0 h since created_at``), or why there is none."""
    why_not: str | None
    """Why no ETA: ``completed``, ``abandoned``, ``blocked``, ``stalled``, ``no progress``
    or ``too little data``; None when there is one."""


@dataclass(frozen=True, slots=True)
class SessionForecast:
    session: str
    milestone_id: str
    """The milestone taken as its current work (one it owns, or one its work names)."""
    eta: datetime
    method: str
    finishing_soon: bool
    """Due within ``finishing_within_s``: give it its next suggestion now."""


def forecast_milestones(
    analysis: Analysis,
    history: ProgressHistory | None = None,
    settings: Settings | None = None,
) -> tuple[MilestoneForecast, ...]:
    """A forecast for every milestone, in the analysis's order."""
    settings = settings or analysis.settings
    history = history or {}
    return tuple(
        forecast_milestone(
            item, analysis.now, history.get(item.milestone.milestone_id, ()), settings
        )
        for item in analysis.milestones.items
    )


def forecast_milestone(
    item: MilestoneView,
    now: datetime,
    samples: Sequence[tuple[datetime, float]] = (),
    settings: Settings | None = None,
) -> MilestoneForecast:
    """One milestone's velocity and ETA, or why there is none."""
    settings = settings or Settings()
    milestone = item.milestone
    status = milestone.status

    def without(why: str, basis: str = "") -> MilestoneForecast:
        return MilestoneForecast(
            milestone.milestone_id,
            milestone.title,
            item.progress,
            None,
            None,
            None,
            basis or why,
            why,
        )

    if status == "completed" or item.progress >= 100:
        return without("completed")
    if status in ("abandoned", "blocked"):
        return without(status)
    if item.stalled:
        return without("stalled", "no update for longer than the stalled threshold")
    if item.progress <= 0:
        return without("no progress", "0 % done: no rate to extrapolate")
    estimate = (
        _from_history(samples, item.progress, now, settings.predict_min_span_s)
        or _from_steps(item, now, settings.predict_min_span_s)
        or _from_created(item, now, settings.predict_min_span_s)
    )
    if estimate is None:
        return without("too little data", "no history, step times or created_at spanning enough")
    method, velocity, basis = estimate
    hours = (100.0 - item.progress) / velocity
    if hours > MAX_HOURS:
        return without("too little data", f"{basis}: due more than 50 years ahead")
    eta = now + timedelta(hours=hours)
    return MilestoneForecast(
        milestone.milestone_id, milestone.title, item.progress, velocity, eta, method, basis, None
    )


Estimate = tuple[str, float, str]


def _rate(gained: float, start: datetime, now: datetime, min_span_s: float) -> float | None:
    span_s = (now - start).total_seconds()
    if span_s < min_span_s or gained <= 0:
        return None
    return gained / (span_s / 3600.0)


def _from_history(
    samples: Sequence[tuple[datetime, float]], progress: float, now: datetime, min_span_s: float
) -> Estimate | None:
    points = sorted((moment, value) for moment, value in samples if moment <= now)
    if len(points) < 2:
        return None
    first_value = points[0][1]
    start = points[0][0]
    for moment, value in points:
        if value != first_value:
            break
        start = moment
    gained = progress - first_value
    velocity = _rate(gained, start, now, min_span_s)
    if velocity is None:
        return None
    hours = (now - start).total_seconds() / 3600.0
    return "history", velocity, f"{gained:.0f} points in {hours:.1f} h of recorded progress"


def _from_steps(item: MilestoneView, now: datetime, min_span_s: float) -> Estimate | None:
    steps = item.milestone.steps
    times = sorted(
        step.completed_at
        for step in steps
        if step.completed_at is not None and step.status.lower() in DONE_STEP_STATUSES
    )
    if not steps or not times:
        return None
    done = sum(1 for step in steps if step.status.lower() in DONE_STEP_STATUSES)
    share = 100.0 / len(steps)
    created = item.milestone.created_at
    if created is not None and created <= times[0]:
        start, gained, since = created, done * share, "created_at"
    elif len(times) >= 2:
        start, gained, since = times[0], (done - 1) * share, "the first completed step"
    else:
        return None
    velocity = _rate(gained, start, now, min_span_s)
    if velocity is None:
        return None
    hours = (now - start).total_seconds() / 3600.0
    return "steps", velocity, f"{done} of {len(steps)} steps in {hours:.1f} h since {since}"


def _from_created(item: MilestoneView, now: datetime, min_span_s: float) -> Estimate | None:
    created = item.milestone.created_at
    if created is None:
        return None
    velocity = _rate(item.progress, created, now, min_span_s)
    if velocity is None:
        return None
    hours = (now - created).total_seconds() / 3600.0
    return "created", velocity, f"{item.progress:.0f} % in {hours:.1f} h since created_at"


def forecast_sessions(
    analysis: Analysis,
    milestones: Sequence[MilestoneForecast],
    settings: Settings | None = None,
) -> tuple[SessionForecast, ...]:
    """Expected finish of each working session's current work, where a milestone with
    an ETA stands for it: one it owns that its work names, else any it owns, else an
    unowned one its work names. Sorted by ETA."""
    settings = settings or analysis.settings
    owners = {
        item.milestone.milestone_id: item.milestone.owner for item in analysis.milestones.items
    }
    timed = [forecast for forecast in milestones if forecast.eta is not None]
    result = []
    for view in _working(analysis.sessions):
        chosen = _current_milestone(view, timed, owners)
        if chosen is None or chosen.eta is None or chosen.method is None:
            continue
        soon = (chosen.eta - analysis.now).total_seconds() <= settings.finishing_within_s
        result.append(
            SessionForecast(view.id, chosen.milestone_id, chosen.eta, chosen.method, soon)
        )
    result.sort(key=lambda item: (item.eta, item.session))
    return tuple(result)


def _working(sessions: Sequence[SessionView]) -> list[SessionView]:
    seen: set[str] = set()
    result = []
    for view in sessions:
        if view.health.value == "working" and view.id not in seen:
            seen.add(view.id)
            result.append(view)
    return result


def _current_milestone(
    view: SessionView,
    timed: Sequence[MilestoneForecast],
    owners: Mapping[str, str | None],
) -> MilestoneForecast | None:
    words = work_words(view.session.current_work)

    def named(forecast: MilestoneForecast) -> bool:
        title = work_words(forecast.title) or work_words(forecast.milestone_id)
        return names_match(title, words) or names_match(words, title)

    owned = [forecast for forecast in timed if owners.get(forecast.milestone_id) == view.id]
    unowned = [
        forecast
        for forecast in timed
        if (owners.get(forecast.milestone_id) or "available").lower() == "available"
    ]
    for candidates in ([f for f in owned if named(f)], owned, [f for f in unowned if named(f)]):
        if candidates:
            return min(candidates, key=lambda forecast: (forecast.eta, forecast.milestone_id))
    return None


def early_suggestions(
    analysis: Analysis, sessions: Sequence[SessionForecast]
) -> tuple[Suggestion, ...]:
    """The next priority for each session about to finish, before it goes idle: the
    best available one not already suggested to an idle session, one per session."""
    views = {view.id: view for view in reversed(analysis.sessions)}
    free = unoffered(analysis)
    result = []
    for forecast in sessions:
        view = views.get(forecast.session)
        if not forecast.finishing_soon or view is None:
            continue
        suggestion = take_best(view, free)
        if suggestion is None:
            break
        minutes = max((forecast.eta - analysis.now).total_seconds() / 60.0, 0.0)
        due = f"{forecast.milestone_id} due in ~{minutes:.0f} min"
        result.append(replace(suggestion, reason=f"{due}; {suggestion.reason}"))
    return tuple(result)
