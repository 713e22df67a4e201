"""The words of the headless coordinator's log about one analysis, no I/O.

Each function turns one part of an analysis into the lines the old Bash
coordinator logged (sessions, duplicates, distribution, milestones) plus the
file problems found; ``headless.coordinator`` stamps them with the time and
cycle and hands them to the printer. Text is sanitised and clipped here;
``data`` carries the raw values for ``--log-format json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.results import Health
from coordinator_tui.files.records import FileError
from coordinator_tui.render.health import HEALTH
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.timetext import age_text, count_of

LOG_LIMIT = 10
"""Lines a step logs per kind of finding; the rest are counted (10,000 sessions stay readable)."""
EXAMPLES = 3
"""Possible overlaps and claim conflicts logged a cycle: a hint, the report has them all."""
_WORK = 80


@dataclass(frozen=True)
class LogLine:
    """One line before it gets a time and a cycle; ``text`` is sanitised."""

    step: str
    level: str
    """``info``, ``warn`` or ``error``."""
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)


def file_problems(errors: Sequence[FileError]) -> list[LogLine]:
    """The files that newly failed (or recovered with a warning) this cycle."""
    lines = [
        LogLine(
            "data",
            "warn" if error.severity == "error" else "info",
            f"{error.severity}: {display(error.path, 80)}: {display(error.reason, 160)}",
            {"path": error.path, "reason": error.reason, "severity": error.severity},
        )
        for error in errors[:LOG_LIMIT]
    ]
    if len(errors) > LOG_LIMIT:
        more = len(errors) - LOG_LIMIT
        lines.append(LogLine("data", "info", f"… and {more} more file problems (see status)"))
    return lines


def sessions(analysis: Analysis) -> list[LogLine]:
    c = analysis.counts
    words = {health: HEALTH[health].word for health in Health}
    summary = LogLine(
        "sessions",
        "info",
        f"Sessions: {count_of(c.total, 'file')} · {c.working} {words[Health.WORKING]} · "
        f"{c.idle} {words[Health.IDLE]} · {c.stale} {words[Health.STALE]} · "
        f"{c.gone} {words[Health.GONE]} · utilization {c.utilization:.0%} of {c.live} live",
        {
            "total": c.total,
            "live": c.live,
            "working": c.working,
            "idle": c.idle,
            "stale": c.stale,
            "gone": c.gone,
            "utilization": round(c.utilization, 4),
        },
    )
    stale = [
        LogLine(
            "sessions",
            "warn",
            f"{words[Health.STALE]}: {display(view.id, 60)} "
            f"last heartbeat {age_text(view.heartbeat_age_s)}",
            {"session": view.id},
        )
        for view in analysis.stale_sessions[:LOG_LIMIT]
    ]
    return [summary, *stale]


def duplicates(analysis: Analysis) -> list[LogLine]:
    """Duplicate groups, then a few possible overlaps and claim conflicts."""
    groups = analysis.duplicates
    lines: list[LogLine] = []
    if not groups:
        with_work = sum(1 for v in analysis.sessions if v.health.live and not v.placeholder)
        text = f"No duplicate work among {count_of(with_work, 'live session')} with work"
        lines.append(LogLine("duplicates", "info", text, {"groups": 0}))
    for group in groups[:LOG_LIMIT]:
        text = (
            f"Duplicate work: {display(group.work, _WORK)!r} "
            f"by {display(', '.join(group.sessions), 200)}"
        )
        data = {"work": group.work, "sessions": list(group.sessions)}
        lines.append(LogLine("duplicates", "warn", text, data))
    if len(groups) > LOG_LIMIT:
        text = f"… and {len(groups) - LOG_LIMIT} more duplicate groups"
        lines.append(LogLine("duplicates", "warn", text))
    return lines + _overlaps_and_conflicts(analysis)


def _overlaps_and_conflicts(analysis: Analysis) -> list[LogLine]:
    lines: list[LogLine] = []
    for overlap in analysis.overlaps[:EXAMPLES]:
        text = (
            f"possible overlap ({overlap.score:.2f}): {display(overlap.first, 40)} "
            f"{display(overlap.first_work, 40)!r} ~ {display(overlap.second, 40)} "
            f"{display(overlap.second_work, 40)!r}"
        )
        data = {"sessions": [overlap.first, overlap.second], "score": overlap.score}
        lines.append(LogLine("duplicates", "info", text, data))
    for conflict in analysis.conflicts[:EXAMPLES]:
        text = (
            f"claim conflict: {display(conflict.session, 40)} works on "
            f"{display(conflict.work, 40)!r} claimed by {display(conflict.claimed_by, 40)}"
        )
        data = {
            "session": conflict.session,
            "claim": conflict.claim,
            "claimed_by": conflict.claimed_by,
        }
        lines.append(LogLine("duplicates", "warn", text, data))
    return lines


def distribution(analysis: Analysis) -> list[LogLine]:
    """Who is idle, what is available, and the suggested assignments."""
    idle = analysis.idle_sessions
    available = [p for p in analysis.priorities if p.available]
    lines: list[LogLine] = []
    if not analysis.counts.live:
        lines.append(
            LogLine("distribution", "info", "No live sessions to distribute work to", {"idle": 0})
        )
    elif not idle:
        text = f"All {analysis.counts.live} live sessions are working"
        lines.append(LogLine("distribution", "info", text, {"idle": 0}))
    else:
        names = ", ".join(display(v.id, 40) for v in idle[:LOG_LIMIT])
        more = f" … and {len(idle) - LOG_LIMIT} more" if len(idle) > LOG_LIMIT else ""
        text = (
            f"{count_of(len(idle), 'idle session')}: {names}{more}; "
            f"{count_of(len(available), 'priority', 'priorities')} available"
        )
        data = {"idle": [v.id for v in idle], "available": len(available)}
        lines.append(LogLine("distribution", "warn", text, data))
    for s in analysis.suggestions[:LOG_LIMIT]:
        text = (
            f"suggest {display(s.session, 40)} → {display(s.priority, 60)} "
            f"({s.score:g}; {display(s.reason, 60)})"
        )
        data = {"session": s.session, "priority": s.priority}
        lines.append(LogLine("distribution", "info", text, data))
    return lines


def milestones(analysis: Analysis) -> list[LogLine]:
    m = analysis.milestones
    if not m.total:
        return [LogLine("milestones", "info", "Milestones: none", {"total": 0})]
    completed = m.by_status.get("completed", 0)
    text = (
        f"Milestones: {completed}/{m.total} complete ({m.completion_pct:.0f}%), "
        f"{m.by_status.get('in_progress', 0)} in progress, "
        f"{m.by_status.get('blocked', 0)} blocked, "
        f"{m.stalled} stalled; mean progress {m.mean_progress:.0f}%"
    )
    data = {
        "total": m.total,
        "by_status": m.by_status,
        "completion_pct": m.completion_pct,
        "stalled": m.stalled,
    }
    return [LogLine("milestones", "info", text, data)]
