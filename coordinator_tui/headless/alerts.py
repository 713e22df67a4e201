"""What the headless coordinator broadcasts, and its memory of what it already said.

The texts are built from sanitised, clipped strings (``display``) because the
sessions that read them often paste them into terminals and prompts; the
message writer makes them valid JSON whatever they hold. ``AlertState`` is
what ``.coordinator/alerts.json`` holds, so a restarted coordinator does not
repeat itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from coordinator_tui.analysis import Analysis, DuplicateGroup
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.timetext import count_of

SUGGESTION_LINES = 20


@dataclass
class AlertState:
    """What has been broadcast already, so the same alert is never sent twice in a row."""

    duplicates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Duplicate group work key -> members when last alerted."""
    suggestions: tuple[tuple[str, str], ...] = ()
    """(session, priority) pairs of the last work suggestion."""

    def to_json(self) -> bytes:
        document = {
            "version": 1,
            "duplicates": {key: list(members) for key, members in sorted(self.duplicates.items())},
            "suggestions": [list(pair) for pair in self.suggestions],
        }
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> AlertState:
        """Parse the state file; ``ValueError`` when it is not what we wrote."""
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict) or document.get("version") != 1:
            raise ValueError("not an alert state file (version 1)")
        duplicates = document.get("duplicates", {})
        suggestions = document.get("suggestions", [])
        if not isinstance(duplicates, dict) or not isinstance(suggestions, list):
            raise ValueError("unexpected alert state layout")
        state = cls()
        for key, members in duplicates.items():
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                raise ValueError("unexpected duplicate members")
            state.duplicates[str(key)] = tuple(members)
        pairs = []
        for pair in suggestions:
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            ):
                raise ValueError("unexpected suggestion pair")
            pairs.append((pair[0], pair[1]))
        state.suggestions = tuple(pairs)
        return state


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
        f"Coordinator active: {c.total} sessions monitored, {c.working} working, {c.idle} idle, "
        f"{c.stale} stale, {c.gone} gone; {len(analysis.duplicates)} duplicate groups; "
        f"milestones {analysis.milestones.completion_pct:.0f}% complete. Cycle {cycle}."
    )
