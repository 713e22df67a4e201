"""What the sessions cost, on the dashboard, without Textual (issue 28).

Each collective follows its sessions' transcripts (``UsageFeed``: a ``UsageFollower``
stepped every two seconds in a worker thread, never on the screen's thread); totals that
changed go to the next run of the coordinator's decisions, where ``act`` prices them as
it does for ``run``. What the decisions say about costs is worded here, in the same
worker (``cost_words``): a cost cell per session, found by its row keys, the strip's
words, and the transcripts that could not be read as entries of the errors list.

Budgets: a budget newly at 80 % is a notification (``BudgetWatch``); at 100 % it is an
incident like the others; and the session still spending is told once
(``tell_over_budget``), by the dashboard only while no ``run`` holds the directory's
lock: that ``run`` tells it, and both read and write the one record of what was told,
``.coordinator/escalation.json``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.acting.escalate import EscalationEvent, EscalationState
from coordinator_tui.analysis.costs import Costs, MilestoneCost, SessionCost
from coordinator_tui.files.layout import PRIVATE_FOLDER
from coordinator_tui.files.records import FileError
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.headless.budget_notice import budget_notices
from coordinator_tui.render.costs_text import budget_text, cost_cell, money, spend_text, strip_text
from coordinator_tui.render.sanitize import display
from coordinator_tui.snapshot import Snapshot
from coordinator_tui.usage.follower import UsageFollower, watched_from
from coordinator_tui.usage.tokens import EMPTY, UsageSnapshot
from coordinator_tui.write import run_lock
from coordinator_tui.write.acting_state import load_escalation_state, save_escalation_state
from coordinator_tui.write.messages import Draft, MessageError, write_message
from coordinator_tui.write.usage_state import saver, write_summary

STEP_EVERY_S = 2.0
"""The follower reads what the transcripts gained this often (``run``'s interval too)."""
BUSY_STEP_S = 0.05
"""…and again this soon while a large transcript is still being read from its start."""
SUMMARY_EVERY_S = 10.0
"""The status line's summary is written at most this often."""
BUDGET_KINDS = ("budget-session", "budget-collective-day", "budget-milestone")
NOT_READ = ("transcript not read", "transcript is not")
"""How ``usage.transcript`` begins the reason of a transcript it refused or could not
read (one not found yet is a warning: an agent writes it at its first response)."""


class CostCell(NamedTuple):
    """A session's cost cell and what the cost sort orders it by."""

    text: str = ""
    rank: tuple[float, int] = (0.0, 0)
    """(USD of the priced part, every token): the most expensive first."""


NO_COST = CostCell()


def cell_of(cost: SessionCost) -> CostCell:
    return CostCell(cost_cell(cost), (float(cost.spend.usd), cost.spend.tokens.total))


@dataclass(frozen=True)
class CostWords:
    """What the dashboard shows of one run's costs, worded in the decisions' worker."""

    cells: Mapping[str, CostCell] = field(default_factory=dict)
    """Session id → its cost cell (only sessions whose transcripts were read)."""
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Session id → the file keys of its rows (two files may claim one id)."""
    strip: str = ""
    """The summary strip's spend (``strip_text``): today and the rate per hour."""
    strip_short: str = ""
    """…in a compact strip (a part with no price as ``+``)."""
    over: bool = False
    """Some budget is crossed (the strip says it in red)."""
    problems: tuple[FileError, ...] = ()
    """Transcripts not read, or only partly, and why: entries of the errors list."""


NO_WORDS = CostWords()


def cost_words(costs: Costs, analysis: Analysis, usage: UsageSnapshot | None = None) -> CostWords:
    """The cells, the rows they go to, the strip's words and the transcripts' problems,
    for one ``Costs`` and the ``usage`` it was priced from. Nothing but the problems
    until some session has spent: a transcript not written yet shows no column."""
    problems = transcript_errors(usage)
    cells = {
        session: cell_of(cost) for session, cost in costs.sessions.items() if not cost.spend.empty
    }
    if not cells:
        return replace(NO_WORDS, problems=problems) if problems else NO_WORDS
    keys: dict[str, tuple[str, ...]] = {}
    for view in analysis.sessions:
        if view.id in cells:
            keys[view.id] = (*keys.get(view.id, ()), view.key)
    over = any(check.level == "over" for check in costs.budgets)
    return CostWords(cells, keys, strip_text(costs), strip_text(costs, short=True), over, problems)


def transcript_errors(usage: UsageSnapshot | None) -> tuple[FileError, ...]:
    """The follower's problems as the errors list shows files: the transcript's path (the
    follower names it by its file name) and the reason; a transcript refused or not
    read is an error, one not there yet or read in part (a line skipped) a warning."""
    if usage is None:
        return ()
    errors = []
    for session, used in sorted(usage.sessions.items()):
        paths = {os.path.basename(path): path for path in used.sources}
        for problem in used.problems:
            name, _, reason = problem.partition(": ")
            path = paths.get(name)
            if path is None:
                path, reason = f"transcripts of {session}", problem
            severity = "error" if reason.startswith(NOT_READ) else "warning"
            errors.append(FileError(path=path, reason=reason, kind="transcript", severity=severity))
    errors += [
        FileError(
            path=f"{PRIVATE_FOLDER}/usage", reason=problem, kind="transcript", severity="warning"
        )
        for problem in usage.problems
    ]
    return tuple(errors)


def milestone_cell(cost: MilestoneCost | None) -> str:
    """The milestone panel's cost: ``$30.00 · ~$60.00 to go`` (spent, and to finish)."""
    if cost is None or cost.spend.empty:
        return ""
    spent = money(cost.spend.usd) if cost.spend.priced else spend_text(cost.spend)
    if cost.to_finish_usd is None:
        return spent
    return f"{spent} · ~{money(cost.to_finish_usd)} to go"


def milestone_detail(cost: MilestoneCost | None) -> list[str]:
    """The milestone opened in full: spent, the burn rate, the estimate to finish."""
    if cost is None:
        return []
    spent = spend_text(cost.spend) or "$0.00"
    lines = [f"spent: {spent}"]
    if cost.rate_usd_h is not None:
        lines.append(f"burn rate: {money(cost.rate_usd_h)}/h over the last 3 h")
    if cost.to_finish_usd is None:
        lines.append(f"to finish: {display(cost.to_finish_basis, 200)}")
    else:
        lines.append(
            f"to finish: ~{money(cost.to_finish_usd)} ({display(cost.to_finish_basis, 200)})"
        )
    if cost.sessions:
        lines.append("spent by: " + ", ".join(display(item, 60) for item in cost.sessions))
    return lines


def same_usage(old: UsageSnapshot | None, new: UsageSnapshot) -> bool:
    """Equal totals (the follower hands out new objects while a state waits to be saved)."""
    old = old or EMPTY
    if old is new:
        return True
    if old.problems != new.problems or old.sessions.keys() != new.sessions.keys():
        return False
    return all(
        usage is old.sessions[key] or usage == old.sessions[key]
        for key, usage in new.sessions.items()
    )


class FeedStep(NamedTuple):
    """What one step of a ``UsageFeed`` found."""

    busy: bool
    """A large transcript is still being read from its start: step again soon."""
    usage: UsageSnapshot | None
    """The totals, when they changed (always on the first step); None: as before."""


class UsageFeed:
    """One collective's transcripts, followed a step at a time in a worker thread (the
    screen starts one every ``STEP_EVERY_S``, never two at once), so the follower never
    runs on the screen's thread and no worker outlives its step.

    ``watch`` is the screen's only call between steps: it keeps the newest snapshot (an
    assignment, whatever the rate of file events); the next step reads which sessions to
    follow from it. The follower's state is saved through the guarded writer as ``run``
    saves it, unless the dashboard is read-only (``save=False``)."""

    def __init__(
        self,
        root: Path,
        clock: Callable[[], float] = time.time,
        save: bool = True,
        follower: UsageFollower | None = None,
    ) -> None:
        self.follower = follower or UsageFollower(root, saver(root) if save else None, clock=clock)
        self.stepping = False
        """A step is under way (set and cleared by the screen's thread)."""
        self._snapshot: Snapshot | None = None
        self._watched: Snapshot | None = None
        self._last: UsageSnapshot | None = None

    @property
    def started(self) -> bool:
        """A snapshot came: there are sessions (or none) to follow."""
        return self._snapshot is not None

    def watch(self, snapshot: Snapshot) -> None:
        """The collective's newest snapshot (the screen's thread)."""
        self._snapshot = snapshot

    @property
    def step_wanted(self) -> bool:
        """A step may start: none is under way and a snapshot came."""
        return self.started and not self.stepping

    def step(self) -> FeedStep:
        """One step of the follower over the newest snapshot's sessions (a worker thread)."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot is not self._watched:
            self._watched = snapshot
            self.follower.watch(watched_from(snapshot.sessions))
        busy = self.follower.step()
        usage = self.follower.snapshot()
        if self._last is not None and same_usage(self._last, usage):
            return FeedStep(busy, None)
        self._last = usage
        return FeedStep(busy, usage)

    def flush(self) -> None:
        """Save what changed since the last save (at the end)."""
        self.follower.flush()


class BudgetWatch:
    """Which budgets are at 80 % or more, to say each once as it gets there."""

    def __init__(self) -> None:
        self.near: frozenset[str] = frozenset()

    def warnings(self, costs: Costs) -> list[str]:
        """The budgets newly between 80 and 100 %, in words (past 100 % is an incident)."""
        checks = {f"{check.scope}:{check.subject}": check for check in costs.budgets}
        new = [
            check
            for key, check in sorted(checks.items())
            if key not in self.near and check.level == "warn"
        ]
        self.near = frozenset(checks)
        return [f"Budget: {budget_text(check)}" for check in new]


def budget_raised(events: Iterable[EscalationEvent]) -> list[EscalationEvent]:
    return [e for e in events if e.action == "raised" and e.kind in BUDGET_KINDS]


def tell_over_budget(
    root: Path,
    events: Sequence[EscalationEvent],
    analysis: Analysis,
    costs: Costs,
    now: datetime,
    sender: str = "coordinator",
) -> list[str]:
    """The direct messages ``run`` writes for budget incidents just raised
    (``headless.budget_notice``), unless ``.coordinator/escalation.json`` already has the
    incident (told before, by ``run`` or a dashboard); what is told is recorded there, so
    neither tells it again. Returns what to say on screen (a message not written, and
    why)."""
    raised = budget_raised(events)
    if not raised:
        return []
    state, problem = load_escalation_state(root)
    notes = [f"escalation state: {display(problem, 160)}"] if problem else []
    told = dict(state.open)
    for event in raised:
        if event.incident_id in told:
            continue
        sent = True
        for notice in budget_notices([event], analysis, costs):
            draft = Draft(notice.to, notice.subject, notice.body, sender)
            try:
                write_message(root, draft, now)
            except (MessageError, OSError) as error:
                sent = False
                notes.append(f"could not tell {display(notice.to, 60)}: {display(error, 160)}")
        if sent:
            told[event.incident_id] = (event.kind, event.title, event.at)
    if len(told) != len(state.open):
        try:
            save_escalation_state(root, EscalationState(MappingProxyType(told)))
        except OSError as error:
            notes.append(f"could not record the budget messages: {display(error, 160)}")
    return notes


class CostWriter:
    """What the dashboard writes about costs while no ``run`` holds the directory's lock
    (a ``run`` writes both itself): the budget messages (``tell_over_budget``) and
    ``.coordinator/usage/summary.json`` (``status --line``'s ``$``), at most every
    ``SUMMARY_EVERY_S`` and when its figures changed. One write at a time: each runs in a
    worker thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.written_at = -float("inf")
        self.written: tuple[object, ...] | None = None
        self._lock = threading.Lock()

    def due(self, events: Sequence[EscalationEvent], costs: Costs) -> bool:
        return bool(budget_raised(events)) or self._summary_due(costs)

    def _summary_due(self, costs: Costs) -> bool:
        if not costs.sessions or self.clock() - self.written_at < SUMMARY_EVERY_S:
            return False
        return self.written != _figures(costs)

    def write(
        self,
        root: Path,
        events: Sequence[EscalationEvent],
        analysis: Analysis,
        costs: Costs,
        now: datetime,
    ) -> list[str]:
        """In a worker thread; what went wrong, in words."""
        with self._lock:
            if not analysis.exists or run_lock.held(root):
                return []
            notes = tell_over_budget(root, events, analysis, costs, now)
            if self._summary_due(costs):
                self.written_at = self.clock()
                try:
                    write_summary(root, costs, format_utc(now))
                except OSError as error:
                    notes.append(f"status line summary not written: {display(error, 160)}")
                else:
                    self.written = _figures(costs)
            return notes


def _figures(costs: Costs) -> tuple[object, ...]:
    over = sum(1 for check in costs.budgets if check.level == "over")
    return (costs.day, costs.today.usd, costs.last_hour.usd, costs.complete, over)
