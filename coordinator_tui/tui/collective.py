"""One coordination directory on the dashboard, without Textual: a ``Collective``.

The dashboard shows one directory or several; each is a ``Collective`` holding
what belongs to it alone: its store and watcher (the one owner of its background
I/O), the live analysis fed from its changed files, the schedulers of its full
analyses and of the coordinator's decisions, its alerts' memory, the history of
samples behind its trend, its open incidents, and its sync state. The screen
runs the workers and timers; this object decides what each result changes and
words it, so it can be tested with plain values.

The work of a live update follows the change, not the directory: the live
analysis re-reads the changed sessions and rows are built for the views that
changed (``live_update``); full analyses (the first load, mass changes) run in a
worker (``analyse_for_screen``) and land whole (``install``).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.analysis.acting.escalate import EscalationEvent, EscalationState, step
from coordinator_tui.analysis.acting.quality import QualityRecord
from coordinator_tui.analysis.changes import Changes
from coordinator_tui.analysis.deadlines import next_deadline
from coordinator_tui.analysis.incremental import IncrementalAnalysis
from coordinator_tui.analysis.overlap_search import OverlapSearch
from coordinator_tui.collectives.names import Collective as Named
from coordinator_tui.files.records import FileError
from coordinator_tui.history.index import HistoryIndex
from coordinator_tui.history.pages import HistoryPages
from coordinator_tui.render.costs_text import budget_text
from coordinator_tui.render.trends import sparkline
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot, Store, StoreChange
from coordinator_tui.sync.view import SyncView, read_sync_view, state_mtime
from coordinator_tui.tui import decisions as words
from coordinator_tui.tui import panels
from coordinator_tui.tui.costs import (
    NO_COST,
    NO_WORDS,
    BudgetWatch,
    CostCell,
    CostWriter,
    UsageFeed,
    same_usage,
)
from coordinator_tui.tui.decisions import Decisions
from coordinator_tui.tui.panels import (
    NEWEST_FIRST,
    Alert,
    BroadcastLine,
    MilestoneBoard,
    PriorityLine,
    StaleAlerts,
    SummaryLine,
)
from coordinator_tui.tui.rows import RowBuilder, SessionRow, cell_text
from coordinator_tui.tui.scheduler import Scheduler
from coordinator_tui.tui.table_view import FirstPage, TableView, VisibleOrder, first_page
from coordinator_tui.tui.trend import Sampler, Trend
from coordinator_tui.usage.tokens import UsageSnapshot
from coordinator_tui.write.messages import Draft, write_message
from coordinator_tui.write.reports import write_report
from coordinator_tui.write.trend_log import Sample, TrendLog, TrendLogError

if TYPE_CHECKING:
    from coordinator_tui.tui.watcher import DirectoryWatcher

REBASE_ABOVE = 2000
"""More changed paths than this at once go to a full analysis in a worker."""
DECIDE_GAP = 9.0
"""After a run of the coordinator's decisions of t seconds, the next starts no sooner than
this × t later: decisions, ETAs and quality need not follow every beat."""
SAMPLES_KEPT = 240
"""History samples kept for the resource advice (it reads the last hour)."""
PAINT_WAIT_S = 0.5
"""The worker waits this long at most for the first page to be drawn."""


@dataclass
class Result:
    """What one full analysis worker hands back to the screen."""

    collective: int
    engine: IncrementalAnalysis
    rows: dict[str, SessionRow]
    alerts: list[Alert]
    first_seen: dict[str, datetime]
    deadline: datetime | None
    seconds: float
    view: TableView
    order: VisibleOrder
    """The keys ``view`` shows of these rows, in order."""
    generation: int
    stale_alerts: StaleAlerts
    """The stale sessions' alerts in order, for the screen to keep up to date."""

    @property
    def analysis(self) -> Analysis:
        return self.engine.analysis


def analyse_for_screen(
    snapshot: Snapshot,
    now: datetime,
    settings: Settings,
    builder: RowBuilder,
    first_seen: dict[str, datetime],
    view: TableView,
    generation: int,
    early: Callable[[FirstPage], object] | None = None,
    page: int = 0,
    collective: int = 0,
) -> Result:
    """A full analysis and every display string, in a worker thread (``first_seen`` is
    copied). Overlaps are left to their own worker: rows first.

    ``early`` (the screen's first load) receives the first ``page`` rows as soon as the
    analysis is known, before the other rows are built (a fifth of a second at 10,000
    sessions); not when a filter is set, since it reads every row's words."""
    started = time.perf_counter()
    label = builder.collective
    if early is not None and view.ordered_by_place:
        # The page first, from a whole analysis of its own; then the engine kept for updates.
        quick = analyse(snapshot, now, settings, overlaps=False)
        found = panels.alerts(quick, dict(first_seen), collective=label)
        first = first_page(quick, builder, view, page, found)
        if first is not None:
            early(first)
            first.painted.wait(PAINT_WAIT_S)
    engine = IncrementalAnalysis(snapshot, now, settings, overlaps=False)
    analysis = engine.analysis
    seen = dict(first_seen)
    stale_alerts = StaleAlerts(label)
    found = stale_alerts.alerts(analysis, seen, engine.stale)
    rows = {row.key: row for row in builder.rows(analysis)}
    return Result(
        collective=collective,
        engine=engine,
        rows=rows,
        alerts=found,
        first_seen=seen,
        deadline=next_deadline(analysis),
        seconds=time.perf_counter() - started,
        view=view,
        order=VisibleOrder(view, rows.values()),
        generation=generation,
        stale_alerts=stale_alerts,
    )


def changed_paths(change: StoreChange | None) -> list[str] | None:
    """The paths a store change touched; None when it does not say (compare everything)."""
    if not change:
        return None
    return [*change.added, *change.updated, *change.removed]


@dataclass
class Delta:
    """What one live update changed, before the table places it."""

    previous: Analysis | None
    analysis: Analysis
    news: Changes
    fresh: list[SessionRow]
    """The rows of the sessions that changed (or appeared)."""
    removed: list[str]
    """Row keys of the sessions whose files went."""


class Collective:
    """One directory's state and decisions; the screen holds one per directory given."""

    def __init__(self, index: int, name: str, root: Path, settings: Settings, several: bool):
        self.index = index
        self.name = name
        self.label = name if several else ""
        """The name as rows, alerts and panels carry it: empty when it is the only one."""
        self.prefix = f"{name}/" if several else ""
        """What leads its row keys, so two collectives' ``sessions/x.json`` stay two rows."""
        self.root = root
        self.settings = settings
        self.store = Store(root, settings)
        self.store.history_index = HistoryIndex(root)  # first paint without listing history
        self.pages = HistoryPages(root, self.store.history, settings.max_file_bytes)
        self.builder = RowBuilder(self.label, self.prefix)
        self.history = TrendLog(root, settings.history_limit)
        self.watcher: DirectoryWatcher | None = None
        """Set by the screen when it watches (its worker runs it)."""
        self.snapshot: Snapshot | None = None
        self.engine: IncrementalAnalysis | None = None
        self.analysis: Analysis | None = None
        self.scheduler = Scheduler()
        self.pending: set[str] | None = set()
        """Paths changed since the running full analysis took its snapshot (None: unknown)."""
        self.deferred: frozenset[str] | None = frozenset()
        """Changed paths waiting for a pause in typing; None: compare everything."""
        self.deferring = False
        self.defer_started = 0.0
        self.overlaps = OverlapSearch()
        self.first_seen: dict[str, datetime] = {}
        self.stale_alerts = StaleAlerts(self.label)
        self.base_alerts: tuple[Alert, ...] = ()
        """The analysis's alerts (duplicates, overlaps, conflicts, stale), newest first."""
        self.priorities: tuple[PriorityLine, ...] = ()
        self.broadcasts: tuple[BroadcastLine, ...] = ()
        self.board = MilestoneBoard((), 0.0)
        self.trend = Trend()
        self.sampler = Sampler()
        self.samples: list[Sample] = []
        self.decisions: Decisions | None = None
        self.deciding = Scheduler(gap=DECIDE_GAP)
        self.decided_generation = 0
        self.escalation = EscalationState()
        self.waiting: frozenset[str] = frozenset()
        self.usage_feed: UsageFeed | None = None
        """Follows its sessions' transcripts in a thread (set and run by the screen)."""
        self.usage: UsageSnapshot | None = None
        """The totals the follower last handed up (None: its first look is not in yet)."""
        self.decided_usage: UsageSnapshot | None = None
        """The totals the latest run of the decisions was given."""
        self.cost_keys: frozenset[str] = frozenset()
        """Row keys given a cost cell by the last decisions."""
        self.budget_watch = BudgetWatch()
        self.cost_writer = CostWriter()
        self.sync_view: SyncView | None = None
        self.sync_seen: float | None = None
        self.lost_seen: dict[str, datetime] = {}
        self.watch_mode = "starting"
        self.watch_note = ""
        self.analyses = 0
        """Analyses applied so far (tests wait on this)."""
        self.acted = 0
        """Runs of the decisions applied so far (tests wait on this)."""

    def file_key(self, row_key: str) -> str:
        return row_key[len(self.prefix) :]

    @property
    def up_to_date(self) -> bool:
        """A full analysis of the newest snapshot is shown, its overlaps searched."""
        engine = self.engine
        return self.scheduler.up_to_date and (engine is None or engine.overlaps_current)

    # --- file changes -----------------------------------------------------------------

    def remember(self, paths: list[str] | None) -> None:
        """Paths changed while a full analysis runs: applied on top when it lands."""
        if paths is None or self.pending is None:
            self.pending = None
        else:
            self.pending.update(paths)

    def take_pending(self) -> set[str] | None:
        pending, self.pending = self.pending, set()
        return pending

    def defer(self, paths: Iterable[str] | None) -> None:
        """Keep ``paths`` for later (None: compare everything then)."""
        if paths is None or self.deferred is None:
            self.deferred = None
        else:
            self.deferred = self.deferred.union(paths)

    def take_deferred(self) -> list[str] | None:
        paths, self.deferred, self.deferring = self.deferred, frozenset(), False
        return None if paths is None else sorted(paths)

    def analysis_work(
        self,
        generation: int,
        now: datetime,
        view: TableView,
        early: Callable[[FirstPage], object] | None,
        page: int,
    ) -> Callable[[], Result]:
        """The full analysis of the newest snapshot, for a worker thread."""
        snapshot, settings, builder, seen = (
            self.snapshot,
            self.settings,
            self.builder,
            self.first_seen,
        )
        assert snapshot is not None
        self.take_pending()  # what changes from here on is applied when it lands
        index = self.index
        return lambda: analyse_for_screen(
            snapshot, now, settings, builder, seen, view, generation, early, page, index
        )

    def live_update(self, now: datetime, paths: Iterable[str] | None) -> Delta | None:
        """Apply changed files to the live analysis; None before the first full analysis."""
        engine, snapshot = self.engine, self.snapshot
        if engine is None or snapshot is None:
            return None
        previous = engine.analysis
        update = engine.update(snapshot, now, paths, overlaps=False)
        fresh = []
        for key in update.touched:
            view = engine.view(key)
            if view is not None:
                fresh.append(self.builder.row(view, now))
        removed = [self.prefix + key for key in update.removed]
        self.analysis = update.analysis
        if not self.scheduler.busy:
            self.scheduler.applied_result(self.scheduler.generation, next_deadline(update.analysis))
        self.analyses += 1
        return Delta(previous, update.analysis, update.news, fresh, removed)

    def install(self, result: Result) -> Analysis | None:
        """A full analysis landed; the analysis it replaces (for what changed)."""
        previous = self.analysis
        self.engine = result.engine
        self.analysis = result.analysis
        self.scheduler.applied_result(result.generation, result.deadline)
        self.first_seen = result.first_seen
        self.stale_alerts = result.stale_alerts
        self.trend.record(result.analysis.now, result.analysis.counts.utilization)
        self.analyses += 1
        return previous

    # --- what the panels show ---------------------------------------------------------

    def refresh_panels(
        self,
        previous: Analysis | None,
        analysis: Analysis,
        stale_moved: bool,
        found: list[Alert] | None = None,
    ) -> set[str]:
        """Word again only the parts of the analysis that changed; which panels did
        (``alerts``, ``priorities``, ``broadcasts``, ``milestones``)."""
        changed: set[str] = set()
        engine = self.engine
        if (
            found is None
            and engine is not None
            and (
                previous is None
                or stale_moved
                or previous.duplicates != analysis.duplicates
                or previous.overlaps != analysis.overlaps
                or previous.conflicts != analysis.conflicts
            )
        ):
            found = self.stale_alerts.alerts(analysis, self.first_seen, engine.stale)
        if found is not None:
            self.base_alerts = tuple(found)
            changed.add("alerts")
        if previous is None or (previous.priorities, previous.suggestions) != (
            analysis.priorities,
            analysis.suggestions,
        ):
            self.priorities = tuple(panels.priority_lines(analysis, self.label))
            changed.add("priorities")
        if previous is None or previous.messages is not analysis.messages:
            self.broadcasts = tuple(panels.broadcast_lines(analysis, collective=self.label))
            changed.add("broadcasts")
        if previous is None or previous.milestones != analysis.milestones:
            self._word_board()
            changed.add("milestones")
        return changed

    def _word_board(self) -> None:
        if self.analysis is not None:
            forecasts = self.decisions.acting.milestone_forecasts if self.decisions else ()
            costs = self.decisions.acting.costs if self.decisions else None
            self.board = panels.milestone_board(self.analysis, forecasts, self.label, costs)

    def lost_alerts(self, now: datetime) -> list[Alert]:
        return panels.lost_claim_alerts(self.sync_view, self.lost_seen, now, self.label)

    def decision_alerts(self) -> tuple[list[Alert], list[Alert]]:
        """(open incidents, who keeps and who yields) from the last decisions."""
        if self.decisions is None:
            return [], []
        return (
            words.incident_alerts(self.decisions, self.label),
            words.resolution_alerts(self.decisions, self.label),
        )

    def advice(self) -> str:
        """The resource advice in one line, led by the collective's name among several."""
        line = words.advice_line(self.decisions.acting.resources) if self.decisions else ""
        return f"{self.label}: {line}" if line and self.label else line

    def summary(self, compact: bool) -> SummaryLine | None:
        """Its line of the summary strip; None while there is nothing to show yet. A
        compact strip draws the last ten points of the utilization trend."""
        analysis = self.analysis
        if self.watch_mode == "waiting" or (analysis is not None and not analysis.exists):
            return SummaryLine(waiting=f"waiting for {self.root} to appear…", name=self.label)
        if analysis is None:
            return None
        advice = words.advice_short(self.decisions.acting.resources if self.decisions else None)
        costs = self.decisions.costs if self.decisions else NO_WORDS
        problems = len(analysis.errors) + len(costs.problems)
        notes = (
            " · ".join(part for part in (advice, panels.sync_note(self.sync_view)) if part),
            f"{problems} file problem{'s' if problems != 1 else ''}" if problems else "",
            "polling" if self.watch_mode == "polling" else "",
        )
        points = self.trend.points()
        return SummaryLine(
            counts=panels.summary_counts(analysis),
            utilization=analysis.counts.utilization,
            sparkline=sparkline(points[-10:] if compact else points),
            note="  ".join(note for note in notes if note),
            short=compact,
            name=self.label,
            spend=costs.strip_short if compact else costs.strip,
            over_budget=costs.over,
        )

    def labelled(self, note: str) -> str:
        """A notification's words, led by the collective's name among several."""
        return f"{self.label}: {note}" if self.label else note

    # --- what calls for a human -------------------------------------------------------

    def newly_waiting(self, analysis: Analysis) -> list[str]:
        """The sessions that started waiting for a human since the last analysis (ids)."""
        waiting = words.waiting_keys(analysis) if analysis.counts.waiting else frozenset()
        started = sorted(waiting - self.waiting)
        self.waiting = waiting
        return [cell_text(view.id, 40) for key in started if (view := analysis.session(key))]

    def decide_work(self, generation: int) -> Callable[[], tuple[int, Decisions]] | None:
        """The coordinator's decisions about the analysis shown, for a worker thread."""
        analysis = self.analysis
        if analysis is None:
            return None
        self.decided_generation = generation
        samples, index, root, usage = tuple(self.samples), self.index, self.root, self.usage
        self.decided_usage = usage
        return lambda: (index, words.decide(analysis, samples, root, usage))

    def take_usage(self, usage: UsageSnapshot) -> bool:
        """The follower's newest totals; True when the decisions must run again for them."""
        self.usage = usage
        return not same_usage(self.decided_usage, usage)

    def cost_rows(self, rows: Mapping[str, SessionRow]) -> list[SessionRow]:
        """The rows whose cost cell is not the last decisions' (those that gained, changed
        or lost one), made again with it: after the decisions, and after a full analysis
        whose rows were built while newer costs came."""
        costs = self.decisions.costs if self.decisions else NO_WORDS
        wanted: dict[str, CostCell] = {}
        for session, cell in costs.cells.items():
            for key in costs.keys.get(session, ()):
                wanted[self.prefix + key] = cell
        changed = []
        for key in self.cost_keys | wanted.keys():
            row = rows.get(key)
            cell = wanted.get(key, NO_COST)
            if row is not None and (row.cost, row.cost_rank) != cell:
                changed.append(replace(row, cost=cell.text, cost_rank=cell.rank))
        self.cost_keys = frozenset(wanted)
        return changed

    def apply_decisions(self, decisions: Decisions) -> Sequence[EscalationEvent]:
        """The decisions landed; the incidents raised or resolved since the last ones."""
        self.decisions = decisions
        self.builder.costs = decisions.costs.cells
        self.deciding.applied_result(self.decided_generation, None)
        self._word_board()
        events, self.escalation = step(self.escalation, decisions.acting.incidents, decisions.now)
        self.acted += 1
        return events

    def quality(self) -> list[tuple[str, QualityRecord]]:
        records = self.decisions.acting.quality if self.decisions else ()
        return [(self.name, record) for record in records]

    def incidents_text(self, text: Text) -> None:
        """Its open incidents and resource advice, appended to the ``i`` reader's text."""
        opened = sorted(self.escalation.open.items(), key=lambda item: item[1][2])
        heading = f"{self.label}: open incidents" if self.label else "Open incidents"
        text.append(f"{heading} ({len(opened)})\n", style="bold")
        if not opened:
            text.append("None: nothing is stuck past its threshold.\n", style="dim")
        for _, (kind, title, raised) in opened:
            text.append(f"{raised:%m-%d %H:%M}  ", style="dim")
            text.append(f"{cell_text(kind, 30)}  ", style="bold red")
            text.append(f"{words.full_text(title)}\n")
        budgets = self.decisions.acting.costs.budgets if self.decisions else ()
        if budgets:
            text.append("\nBudgets at 80 % or more\n", style="bold")
            for check in budgets:
                style = "bold red" if check.level == "over" else "yellow"
                text.append(f"{budget_text(check)}\n", style=style)
        text.append("\nResource advice\n", style="bold")
        if self.decisions is None:
            text.append("Not computed yet.\n", style="dim")
        else:
            advice = self.decisions.acting.resources
            text.append(words.advice_line(advice) or f"Nothing to do: {advice.reason}")
            text.append("\n")

    # --- the clock, the history, the sync state ---------------------------------------

    def sample_due(self, now: datetime) -> Sample | None:
        """A history sample once a minute while the directory exists."""
        if self.analysis is None or not self.sampler.due(now, self.analysis.exists):
            return None
        sample = Sample.from_analysis(self.analysis)
        self.samples = [*self.samples[-SAMPLES_KEPT + 1 :], sample]
        return sample

    def load_history(self) -> None:
        """In a worker thread: the samples behind the trend and the resource advice."""
        samples = self.history.load()
        self.trend.load_history(samples)
        self.samples = samples[-SAMPLES_KEPT:]

    def check_sync(self) -> bool:
        """Read ``.coordinator/sync-state.json`` again when it changed; whether it did."""
        mtime = state_mtime(self.root)
        if mtime == self.sync_seen:
            return False
        self.sync_seen = mtime
        self.sync_view = read_sync_view(self.root)
        return True

    def send(self, draft: Draft, now: datetime) -> Path:
        """Write a message into its directory (the compose dialog shows what it raises)."""
        if not self.root.is_dir():
            raise OSError(f"{self.root} does not exist")
        return write_message(self.root, draft, now=now)

    def report(self, analysis: Analysis) -> Path:
        """In a worker thread: its sprint report; a history it cannot read is said in it."""
        samples: list[Sample] = []
        problem: str | None = None
        try:
            samples = self.history.load()
        except TrendLogError as error:  # the report still goes out, and says why
            problem = error.describe(self.root)
        return write_report(self.root, analysis, samples, history_problem=problem)

    def relative(self, path: Path) -> str:
        """``path`` as a notification shows it: relative to the directory when inside."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def errors(self) -> list[FileError]:
        """Its file problems (and an unreadable sync state), named with it among several."""
        problems = list(self.analysis.errors) if self.analysis else []
        problems += self.decisions.costs.problems if self.decisions else ()
        if self.sync_view is not None and self.sync_view.problem is not None:
            problems.append(self.sync_view.problem)
        if self.label:
            problems = [replace(error, path=f"{self.label}: {error.path}") for error in problems]
        return problems


class Collectives:
    """Every collective the screen shows, and what their panels say together: each
    panel's lines of every collective, in the collectives' order (alerts by kind, then
    newest first; broadcasts newest first)."""

    def __init__(self, found: Sequence[Named], settings: Settings) -> None:
        several = len(found) > 1
        self.members = [
            Collective(index, named.name, named.root, settings, several)
            for index, named in enumerate(found)
        ]
        self.several = several

    def __iter__(self) -> Iterator[Collective]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def __getitem__(self, index: int) -> Collective:
        return self.members[index]

    def owner(self, key: str) -> Collective:
        """The collective a row key belongs to (names may hold ``/``: the longest prefix)."""
        found = [c for c in self.members if key.startswith(c.prefix)]
        return max(found, key=lambda c: len(c.prefix))

    @property
    def analyses(self) -> int:
        return sum(c.analyses for c in self.members)

    @property
    def acted(self) -> int:
        return sum(c.acted for c in self.members)

    @property
    def up_to_date(self) -> bool:
        return all(c.up_to_date for c in self.members)

    @property
    def settled(self) -> bool:
        """Each analysed, its transcripts looked at, its decisions on screen."""
        return all(
            c.analyses and c.usage is not None and c.deciding.up_to_date for c in self.members
        )

    @property
    def costs_shown(self) -> bool:
        """Some session of some collective has a cost cell."""
        return any(c.builder.costs for c in self.members)

    def alerts(self, now: datetime) -> tuple[Alert, ...]:
        """Incidents, then who keeps and who yields, then claims lost to another machine,
        then the analyses' alerts, newest first."""
        incidents: list[Alert] = []
        resolutions: list[Alert] = []
        lost: list[Alert] = []
        for collective in self.members:
            raised, keeps = collective.decision_alerts()
            incidents += raised
            resolutions += keeps
            lost += collective.lost_alerts(now)
        parts = [c.base_alerts for c in self.members]
        base = parts[0] if len(parts) == 1 else heapq.merge(*parts, key=NEWEST_FIRST, reverse=True)
        return (*incidents, *resolutions, *lost, *base)

    def priorities(self) -> tuple[PriorityLine, ...]:
        return tuple(line for c in self.members for line in c.priorities)

    def broadcasts(self) -> tuple[BroadcastLine, ...]:
        lines = [line for c in self.members for line in c.broadcasts]
        if self.several:
            lines.sort(key=lambda line: line.moment, reverse=True)
        return tuple(lines)

    def board(self) -> MilestoneBoard:
        return panels.joined_board([c.board for c in self.members])

    def advice(self) -> str:
        return "\n".join(line for c in self.members if (line := c.advice()))

    def summary(self, compact: bool) -> tuple[SummaryLine, ...] | None:
        """A line each; None while none is analysed (the strip says "starting…")."""
        lines = [c.summary(compact) for c in self.members]
        if all(line is None for line in lines):
            return None
        return tuple(
            line or SummaryLine(name=c.label, waiting="starting…")
            for c, line in zip(self.members, lines, strict=True)
        )

    def quality(self) -> tuple[tuple[str, QualityRecord], ...]:
        return tuple(pair for c in self.members for pair in c.quality())

    def errors(self) -> tuple[list[FileError], int]:
        """Every file problem, and how many files are being rewritten."""
        errors = [error for c in self.members for error in c.errors()]
        return errors, sum(c.analysis.pending_errors for c in self.members if c.analysis)

    def incidents_text(self) -> Text:
        text = Text()
        for number, collective in enumerate(self.members):
            if number:
                text.append("\n")
            collective.incidents_text(text)
        return text
