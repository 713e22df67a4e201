"""Resource optimisation: start more sessions, or stop idle ones, and why.

Pure: a function of the ``Analysis`` and the history samples of the last
``resources_window_s`` (an hour by default). Work "waits" when a priority is
available (unclaimed, worked by nobody) and no idle session will be suggested
it. The rules:

- start N: N priorities wait, nobody is idle now, and nobody was idle in any
  sample of the window (a moment without idle sessions is not yet a shortage);
- stop: nothing is available, and these sessions have been idle longer than
  ``resources_idle_after_s``;
- otherwise nothing, with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from coordinator_tui.analysis.results import Analysis, Health
from coordinator_tui.settings import Settings


class CountSample(Protocol):
    """What the advice reads of a history sample (``write.trend_log.Sample`` fits)."""

    @property
    def time(self) -> datetime: ...
    @property
    def idle(self) -> int: ...
    @property
    def working(self) -> int: ...
    @property
    def live(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ResourceAdvice:
    action: str
    """``start``, ``stop`` or ``none``."""
    count: int
    """How many sessions to start or stop (0 for ``none``)."""
    sessions: tuple[str, ...]
    """With ``stop``: the idle sessions that could go, longest idle first."""
    reason: str
    waiting_work: int
    """Available priorities no idle session will be suggested."""
    idle_now: int
    window_samples: int
    """Trend samples the advice looked at (0: judged on the present alone)."""


def advise_resources(
    analysis: Analysis,
    samples: Sequence[CountSample] = (),
    settings: Settings | None = None,
) -> ResourceAdvice:
    """Start, stop or leave the collective as it is."""
    settings = settings or analysis.settings
    now = analysis.now
    window = [
        sample
        for sample in samples
        if now - timedelta(seconds=settings.resources_window_s) <= sample.time <= now
    ]
    available = [view for view in analysis.priorities if view.available]
    idle = [view for view in analysis.sessions if view.health is Health.IDLE]
    waiting = max(len(available) - len(analysis.suggestions), 0)
    seen = f"{len(window)} samples in the last {_span(settings.resources_window_s)}"

    def advice(action: str, count: int, sessions: tuple[str, ...], reason: str) -> ResourceAdvice:
        return ResourceAdvice(action, count, sessions, reason, waiting, len(idle), len(window))

    if waiting and not idle:
        idle_before = max((sample.idle for sample in window), default=0)
        if idle_before:
            return advice(
                "none",
                0,
                (),
                f"{waiting} priorities wait, but a session was idle within the window ({seen})",
            )
        history = seen if window else "no history: judged on the present alone"
        return advice(
            "start",
            waiting,
            (),
            f"{waiting} priorities wait and no session is idle ({history})",
        )
    if idle and not available:
        long_idle = _long_idle(analysis, settings.resources_idle_after_s)
        if long_idle:
            return advice(
                "stop",
                len(long_idle),
                long_idle,
                f"idle for more than {_span(settings.resources_idle_after_s)} "
                "with no available priority",
            )
        return advice("none", 0, (), "idle sessions, but none idle for long yet")
    if not idle and not available:
        return advice("none", 0, (), "every live session works and nothing waits")
    return advice(
        "none", 0, (), f"{len(idle)} idle sessions for {len(available)} available priorities"
    )


def _span(seconds: float) -> str:
    """``30 min``, or ``20 s`` below two minutes (the demo's compressed windows)."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _long_idle(analysis: Analysis, after_s: float) -> tuple[str, ...]:
    """Idle sessions idle (by ``idle_since``, else ``started_at``) for more than
    ``after_s``, longest first; a session with neither time is not judged."""
    entries = []
    for view in analysis.sessions:
        if view.health is not Health.IDLE:
            continue
        since = view.idle_since or view.session.started_at
        if since is not None and (analysis.now - since).total_seconds() > after_s:
            entries.append((since, view.id))
    entries.sort()
    seen: set[str] = set()
    ordered = []
    for _, session in entries:
        if session not in seen:
            seen.add(session)
            ordered.append(session)
    return tuple(ordered)
