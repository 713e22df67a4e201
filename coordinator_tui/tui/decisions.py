"""The coordinator's decisions for the dashboard: computed in a worker, worded here.

Who keeps duplicated work and who yields, milestone ETAs, quality per session,
escalated incidents and the resource advice come from ``analysis.acting.act``:
the one acting step ``status``, the report and ``run`` use, run in a worker
thread, never on the UI thread; this module words the result. Like ``panels``,
it decides nothing of its own and never imports Textual.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from coordinator_tui.agents import receipts
from coordinator_tui.analysis import Analysis, Health
from coordinator_tui.analysis.acting.act import Acting, HistorySample, act
from coordinator_tui.analysis.acting.escalate import EscalationEvent
from coordinator_tui.analysis.acting.quality import (
    QUALITY_COLUMNS,
    QualityRecord,
    sort_quality,
)
from coordinator_tui.analysis.acting.resources import ResourceAdvice
from coordinator_tui.analysis.receipts import hook_driven
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.timetext import short_age
from coordinator_tui.tui.costs import NO_WORDS, CostWords, cost_words
from coordinator_tui.tui.panels import Alert
from coordinator_tui.tui.rows import cell_text
from coordinator_tui.usage.tokens import UsageSnapshot

FULL_TEXT = 4000
"""An item opened in full is still cut here (a file can hold megabytes on one line)."""


@dataclass(frozen=True, slots=True)
class Decisions:
    """What the coordinator decided about the analysis of ``now``, and how long it took
    (the scheduler spaces the next run by it)."""

    now: datetime
    acting: Acting
    seconds: float
    costs: CostWords = NO_WORDS
    """What ``acting.costs`` shows: cost cells, the rows they go to, the strip's words."""


def decide(
    analysis: Analysis,
    samples: Sequence[HistorySample] = (),
    root: Path | None = None,
    usage: UsageSnapshot | None = None,
) -> Decisions:
    """The core's acting step for ``analysis`` and the sessions' ``usage`` (a worker
    thread calls this), timed; with ``root``, the hooks' message receipts are read too
    (receipts, undelivered incidents)."""
    started = time.perf_counter()
    book = receipts.book(str(root), hook_driven(analysis.sessions)) if root else None
    acting = act(analysis, samples, receipts=book, usage=usage)
    words = cost_words(acting.costs, analysis, usage)
    return Decisions(analysis.now, acting, time.perf_counter() - started, words)


def full_text(value: object) -> str:
    """A string from a file, safe and on one line, cut only at ``FULL_TEXT``."""
    return display(value, FULL_TEXT)


# --- the alerts panel ---------------------------------------------------------------------


def incident_alerts(decisions: Decisions, collective: str = "") -> list[Alert]:
    """Open incidents, oldest first: the top of the alerts panel."""
    found = [
        Alert(
            key=f"incident:{incident.id}",
            kind="incident",
            text=cell_text(incident.title, 120),
            since=incident.since or decisions.now,
            detail=f"Escalated ({incident.kind}): {full_text(incident.title)}",
            collective=collective,
        )
        for incident in decisions.acting.incidents
    ]
    found.sort(key=lambda alert: (alert.since, alert.key))
    return found


def resolution_alerts(decisions: Decisions, collective: str = "") -> list[Alert]:
    """One line per yielding session: who keeps the work, who yields, and what next."""
    found = []
    for item in decisions.acting.resolutions:
        keeper, yielder = cell_text(item.keeper, 30), cell_text(item.yielder, 30)
        text = f"{keeper} keeps {cell_text(item.work, 40)}; {yielder} yields"
        detail = (
            f"{full_text(item.keeper)} keeps {full_text(item.work)} "
            f"({full_text(item.reason)}; rule: {item.rule}). "
            f"{full_text(item.yielder)} yields its {item.kind}: {full_text(item.yielder_work)}."
        )
        if item.suggestion is not None:
            text += f" → {cell_text(item.suggestion.priority, 30)}"
            detail += f" Suggested next: {full_text(item.suggestion.priority)}"
            if item.suggestion.description:
                detail += f" ({full_text(item.suggestion.description)})"
        else:
            detail += " No free priority to suggest."
        key = f"keeps:{item.situation_key}"
        found.append(Alert(key, "resolve", text, decisions.now, detail, collective))
    return found


# --- words --------------------------------------------------------------------------------


def advice_line(advice: ResourceAdvice) -> str:
    """The resource advice in one line; empty when there is nothing to do."""
    if advice.action == "start":
        plural = "s" if advice.count != 1 else ""
        return f"Start {advice.count} more session{plural}: {display(advice.reason)}"
    if advice.action == "stop":
        names = ", ".join(cell_text(name, 30) for name in advice.sessions[:3])
        more = f" and {len(advice.sessions) - 3} more" if len(advice.sessions) > 3 else ""
        return f"Stop idle {names}{more}: {display(advice.reason)}"
    return ""


def advice_short(advice: ResourceAdvice | None) -> str:
    """The summary strip's word for the advice: ``start 2``, ``stop 1`` or empty."""
    if advice is None or advice.action not in ("start", "stop"):
        return ""
    return f"{advice.action} {advice.count}"


Severity = Literal["information", "warning", "error"]


def escalation_notes(events: Sequence[EscalationEvent]) -> list[tuple[str, Severity]]:
    """(message, severity) for each escalation event: raised ones are errors."""
    notes: list[tuple[str, Severity]] = []
    for event in events:
        if event.action == "raised":
            notes.append((f"Escalated: {cell_text(event.title, 200)}", "error"))
        else:
            notes.append((f"Resolved: {cell_text(event.title, 200)}", "information"))
    return notes


def waiting_keys(analysis: Analysis) -> frozenset[str]:
    """The sessions waiting for a human now (their file keys)."""
    return frozenset(view.key for view in analysis.sessions if view.health is Health.WAITING)


# --- the quality view ---------------------------------------------------------------------

QUALITY_LABELS = {
    "session": "session",
    "finished": "finished",
    "steps_completed": "steps",
    "milestones_completed": "milestones",
    "claims_completed": "claims done",
    "claims_expired": "claims expired",
    "duplicates_caused": "duplicates",
    "waiting_s": "waiting",
    "messages_answered": "answered",
}
"""The quality table's header for each of ``QUALITY_COLUMNS``."""


def quality_rows(
    records: Iterable[tuple[str, QualityRecord]], column: str, descending: bool
) -> list[tuple[str, ...]]:
    """The quality table's cells, sorted by ``column``, one tuple per (collective, record);
    the collective's name leads each row when there are several."""
    pairs = list(records)
    several = len({name for name, _ in pairs}) > 1
    by_record = {id(record): name for name, record in pairs}
    rows = []
    for record in sort_quality((record for _, record in pairs), column, descending):
        cells = [cell_text(by_record[id(record)], 18)] if several else []
        for name in QUALITY_COLUMNS:
            if name == "session":
                cells.append(cell_text(record.session, 40))
            elif name == "waiting_s":
                cells.append(short_age(record.waiting_s) if record.waiting_s else "—")
            elif name == "messages_answered":
                cells.append(f"{record.messages_answered}/{record.messages_received}")
            else:
                cells.append(str(record.value(name)))
        rows.append(tuple(cells))
    return rows
