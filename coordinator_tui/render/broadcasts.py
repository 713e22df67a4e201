"""The words of what the headless coordinator broadcasts: alerts and its heartbeat.

The texts are built from sanitised, clipped strings (``display``) because the
sessions that read them often paste them into terminals and prompts; the
message writer makes them valid JSON whatever they hold. When to send them is
``headless.decide``'s business, and what was sent is ``write.alert_state``'s.
"""

from __future__ import annotations

from coordinator_tui.analysis import Analysis, DuplicateGroup
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.timetext import count_of

SUGGESTION_LINES = 20
"""Suggestions listed in one broadcast; the rest are counted."""


def duplicate_alert(group: DuplicateGroup) -> tuple[str, str]:
    """(subject, body) of the broadcast about one duplicate group."""
    members = ", ".join(display(member, 80) for member in group.sessions)
    subject = f"Duplicate work: {display(group.work, 60)}"
    body = (
        f"{len(group.sessions)} live sessions are working on the same thing: "
        f"{display(group.work, 300)!r}.\nSessions: {members}.\n"
        "Agree who continues; the others can take an available priority "
        "(see priorities.txt or the coordinator's work suggestions)."
    )
    return subject, body


def suggestion_alert(analysis: Analysis) -> tuple[str, str]:
    """(subject, body) of the work-suggestion broadcast for the current idle sessions."""
    idle = len(analysis.idle_sessions)
    available = sum(1 for p in analysis.priorities if p.available)
    lines = [
        f"{display(s.session, 60)} → {display(s.priority, 80)} (score {s.score:g}): "
        + display(s.description, 160)
        for s in analysis.suggestions[:SUGGESTION_LINES]
    ]
    if len(analysis.suggestions) > SUGGESTION_LINES:
        lines.append(f"… and {len(analysis.suggestions) - SUGGESTION_LINES} more")
    subject = (
        f"Work suggestion: {count_of(idle, 'idle session')}, "
        f"{count_of(available, 'available priority', 'available priorities')}"
    )
    body = "Idle sessions and the best available priority for each:\n" + "\n".join(lines)
    return subject, body


def heartbeat_text(analysis: Analysis, cycle: int) -> str:
    """The body of the coordination heartbeat (as the old coordinator sent, with more facts)."""
    c = analysis.counts
    return (
        f"Coordinator active: {count_of(c.total, 'session')} monitored, {c.working} working, "
        f"{c.idle} idle, {c.stale} stale, {c.gone} gone; "
        f"{count_of(len(analysis.duplicates), 'duplicate group')}; "
        f"milestones {analysis.milestones.completion_pct:.0f}% complete. Cycle {cycle}."
    )
