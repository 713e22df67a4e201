"""The dashboard screen: layout, wiring and actions; the data flow runs through it.

Watcher → ``DirectoryChanged`` → the live analysis, updated from the changed
files on this thread (``live.LiveFeed``: work follows the change, not the
directory) → the changed rows, re-placed in the visible order → reactive
attributes on this screen, which ``data_bind`` hands down to the widgets, each
assigned only when its value differs. The session table is the exception, fed
imperatively: it adds, patches or moves single rows, which a reactive (compare
the whole list, repaint on change) cannot do cheaply. Full analyses run in a
worker thread (``live.Scheduler`` decides when): the first load and mass
changes; the first load shows its first page before
the rest of the rows stream in. The once-a-second tick passes the clock to the
live analysis when a deadline has passed and refreshes the age cells whose
wording changed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import var
from textual.widgets import Footer, Header, Input
from textual.worker import Worker, WorkerState

from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.changes import changes
from coordinator_tui.analysis.live.search import OverlapSearch
from coordinator_tui.clock import Clock
from coordinator_tui.history.index import HistoryIndex
from coordinator_tui.history.pages import HistoryPages
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot, Store
from coordinator_tui.tui import panels
from coordinator_tui.tui.events import DirectoryChanged, FirstPageReady, WatchStatus
from coordinator_tui.tui.keys import bindings
from coordinator_tui.tui.live import (
    REBASE_ABOVE,
    LiveFeed,
    Result,
    Scheduler,
    Start,
    Wait,
    analyse_for_screen,
    changed_paths,
)
from coordinator_tui.tui.panels import Alert, BroadcastLine, MilestoneBoard, PriorityLine
from coordinator_tui.tui.rows import RowBuilder, SessionRow
from coordinator_tui.tui.screens.dashboard_attention import SAMPLES_KEPT, ProblemSource
from coordinator_tui.tui.screens.dashboard_flow import FIRST_PAGE, DashboardFlow
from coordinator_tui.tui.table_view import TableView
from coordinator_tui.tui.trend import Sampler, Trend
from coordinator_tui.tui.watcher import DirectoryWatcher
from coordinator_tui.tui.widgets.alerts import AlertsPanel
from coordinator_tui.tui.widgets.broadcasts import BroadcastFeed
from coordinator_tui.tui.widgets.key_strip import FULL_FOOTER_FROM, KeyStrip
from coordinator_tui.tui.widgets.milestones import MilestonePanel
from coordinator_tui.tui.widgets.priorities import PriorityPanel
from coordinator_tui.tui.widgets.session_table import SessionTable
from coordinator_tui.tui.widgets.summary import SummaryLine, SummaryStrip, summary_line
from coordinator_tui.write.trend_log import Sample, TrendLog

FINISHED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)
FIRST_OVERLAPS_AFTER_S = 1.0
"""Over ``HOLD_OVERLAPS_ABOVE`` sessions the first overlap search waits this long: the
first rows paint and stream in first (below, the search takes milliseconds)."""
HOLD_OVERLAPS_ABOVE = 1000


class DashboardScreen(DashboardFlow):
    KEY_OWNER = "screen"
    BINDINGS: ClassVar = bindings("screen")

    # State bound down to the widgets (None: nothing analysed yet).
    alert_items: var[tuple[Alert, ...] | None] = var(None)
    priority_lines: var[tuple[PriorityLine, ...] | None] = var(None)
    milestone_board: var[MilestoneBoard | None] = var(None)
    broadcast_lines: var[tuple[BroadcastLine, ...] | None] = var(None)
    summary: var[SummaryLine | None] = var(None)
    compact: var[bool] = var(False, init=False)
    advice: var[str] = var("")
    """The resource advice in one line (the priority panel shows it)."""
    table_view: var[TableView] = var(TableView(), init=False)

    def __init__(
        self,
        root: Path,
        settings: Settings,
        clock: Clock,
        compact: bool | None,
        poll_ms: int | None,
        watch: bool,
        problems: ProblemSource | None = None,
    ) -> None:
        super().__init__()
        self.problem_source = problems
        self.acting_note = ""
        self.root = root
        self.settings = settings
        self.clock = clock
        self.forced_compact = compact
        self.set_reactive(DashboardScreen.compact, bool(compact))
        self.watching = watch
        self.store = Store(root, settings)
        self.store.history_index = HistoryIndex(root)  # first paint without listing history
        self.history_pages = HistoryPages(root, self.store.history, settings.max_file_bytes)
        self.watcher = DirectoryWatcher(self.store, self.post_message, poll_ms)
        self.builder = RowBuilder()
        self.feed = LiveFeed(self.builder)
        self.scheduler: Scheduler[SessionRow] = Scheduler()
        self.trend = Trend()
        self.sampler = Sampler()
        self.snapshot: Snapshot | None = None
        self.analysis: Analysis | None = None
        self._shown_limit = 0
        self._title: tuple[str, str] | None = None
        """How many rows of the order the table holds (the first page first, then the rest)."""
        self._overlaps = OverlapSearch()
        self.watch_mode = "starting"
        self.watch_note = ""
        self.analyses = 0
        """Analyses applied so far (tests wait on this)."""
        self._first_seen: dict[str, datetime] = {}
        self._stale_alerts = panels.StaleAlerts()
        self._history = TrendLog(root, settings.history_limit)

    # --- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        screen = DashboardScreen
        yield Header()
        yield SummaryStrip("starting…", id="summary").data_bind(summary=screen.summary)
        yield AlertsPanel(limit=3, id="top-alerts").data_bind(alerts=screen.alert_items)
        yield Input(placeholder="filter by id, work or health — escape clears", id="filter")
        yield SessionTable(id="sessions", compact=self.compact)
        with Horizontal(id="side"):
            yield AlertsPanel(limit=9, id="alerts").data_bind(alerts=screen.alert_items)
            yield PriorityPanel(id="priorities").data_bind(
                lines=screen.priority_lines, advice=screen.advice
            )
        with Horizontal(id="bottom"):
            yield MilestonePanel(id="milestones").data_bind(
                screen.compact, board=screen.milestone_board
            )
            yield BroadcastFeed(id="broadcasts", pages=self.history_pages).data_bind(
                lines=screen.broadcast_lines
            )
        yield KeyStrip(id="keystrip")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#alerts").border_title = "Alerts"
        self.query_one("#top-alerts").border_title = "Alerts"
        self.query_one("#priorities").border_title = "Priority queue → suggested idle session"
        self.query_one("#milestones").border_title = "Milestones"
        self.query_one("#broadcasts").border_title = "Broadcasts"
        self.query_one("#filter").display = False
        self.watch_compact(self.compact)
        self._update_title()
        self.table.focus()
        if self.watching:
            self.run_watcher()
        else:
            self.load_once()
        self.load_history()
        self.set_interval(1.0, self.tick)

    def on_resize(self) -> None:
        if self.forced_compact is None:
            self.compact = self.app.size.width < 100
        self.set_class(self.app.size.width < FULL_FOOTER_FROM, "-short-footer")

    def watch_compact(self, compact: bool) -> None:
        self.set_class(compact, "-compact")
        self.table.set_compact(compact)
        self._refresh_summary()

    def watch_table_view(self) -> None:
        if self.feed.engine is not None:
            self._show_table()

    @property
    def rows(self) -> dict[str, SessionRow]:
        return self.feed.rows

    # --- background work --------------------------------------------------------------

    @work(exclusive=True, group="watcher", exit_on_error=False)
    async def run_watcher(self) -> None:
        await self.watcher.run()

    @work(thread=True, group="loader", exit_on_error=False)
    def load_once(self) -> None:
        """Without watching (snapshots, screenshots): read the directory once."""
        if self.store.exists:
            self.store.scan()
        self.post_message(DirectoryChanged(self.store.snapshot()))
        if not self.store.exists:
            self.post_message(WatchStatus("waiting", f"waiting for {self.root}"))

    @work(thread=True, group="history", exit_on_error=False)
    def load_history(self) -> None:
        samples = self._history.load()
        self.trend.load_history(samples)
        self.samples = samples[-SAMPLES_KEPT:]

    def on_directory_changed(self, message: DirectoryChanged) -> None:
        """Changed files go straight through the live analysis to the rows that show them;
        only the first load and mass changes wait for a full analysis in a worker."""
        self.snapshot = message.snapshot
        self.query_one(BroadcastFeed).history_state(message.snapshot)  # progress, counts
        self.scheduler.snapshot_arrived()
        paths = changed_paths(message.change)
        self.feed.remember(paths)
        if self.feed.engine is None and self.scheduler.busy:
            return  # the first full analysis is under way; applied on top when it lands
        if self.feed.engine is None or (paths is not None and len(paths) > REBASE_ABOVE):
            self.request_analysis()
        elif not self.defer_while_typing(paths):
            self._live_update(paths)

    def _live_update(self, paths: list[str] | set[str] | None) -> None:
        if self.snapshot is None:
            return
        delta = self.feed.update(self.snapshot, self.clock(), paths)
        if delta is None:
            return
        if not self.scheduler.busy:
            self.scheduler.applied_result(self.scheduler.generation, delta.deadline)
        self.analysis = delta.analysis
        self._toast(panels.change_notes(delta.news))
        if self._streaming or self.feed.order is None or self.feed.order.view != self.table_view:
            self._show_table(
                reorder=self.feed.order is None or self.feed.order.view != self.table_view
            )
        else:
            self.table.apply_changes(delta.rows, delta.leaving, self.feed.order.keys)
            self._update_title()
        self._refresh_panels(delta.previous, delta.analysis, delta.stale_moved)
        self.analyses += 1
        self._search_overlaps()

    def request_analysis(self) -> None:
        """Analyse the newest snapshot when the scheduler says so."""
        if self.snapshot is None:
            return
        decision = self.scheduler.request()
        if isinstance(decision, Wait):
            self.set_timer(decision.seconds, self._start_pending)
        elif isinstance(decision, Start):
            snapshot, now, view, seen = (
                self.snapshot,
                self.clock(),
                self.table_view,
                self._first_seen,
            )
            self.feed.take_pending()  # what changes from here on is applied when it lands
            settings, builder, generation = self.settings, self.builder, decision.generation
            early = None
            if self.feed.engine is None and not self.table.shown_keys:
                early = lambda page: self.post_message(FirstPageReady(page))  # noqa: E731
            self.run_worker(
                lambda: analyse_for_screen(
                    snapshot, now, settings, builder, seen, view, generation, early, FIRST_PAGE
                ),
                thread=True,
                group="analysis",
                exit_on_error=False,
            )

    def _start_pending(self) -> None:
        if self.scheduler.pending_due():
            self.request_analysis()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR:
            self.notify(
                f"{worker.group} failed: {worker.error}",
                severity="error",
                markup=False,
                timeout=10,
            )
        super().on_worker_state_changed(event)  # the acting runs (dashboard_attention)
        if worker.group == "overlaps" and event.state in FINISHED:
            self._overlaps_found(worker.result if event.state is WorkerState.SUCCESS else None)
        if worker.group != "analysis" or event.state not in FINISHED:
            return
        result = worker.result if event.state is WorkerState.SUCCESS else None
        again = self.scheduler.finished(result.seconds if isinstance(result, Result) else None)
        if isinstance(result, Result):
            self._apply(result)
        if again:
            self.request_analysis()

    @property
    def up_to_date(self) -> bool:
        """The screen shows a full analysis of the newest snapshot (tests, the bench)."""
        engine = self.feed.engine
        return self.scheduler.up_to_date and (engine is None or engine.overlaps_current)

    def _apply(self, result: Result) -> None:
        """A full analysis landed; changes made since it started are applied on top."""
        previous = self.analysis  # the first page's analysis, if any: an equal one
        first = self.feed.engine is None
        self.feed.install(result)
        analysis = self.analysis = result.analysis
        self.scheduler.applied_result(result.generation, result.deadline)
        self._first_seen = result.first_seen
        self._stale_alerts = result.stale_alerts
        self._toast(panels.change_notes(changes(previous, analysis)))
        self.trend.record(analysis.now, analysis.counts.utilization)
        self._refresh_panels(previous, analysis, True, result.alerts)  # counts before rows
        self._show_table(reorder=result.view != self.table_view)
        self.analyses += 1
        if first and analysis.counts.total > HOLD_OVERLAPS_ABOVE:
            self._overlaps.hold(FIRST_OVERLAPS_AFTER_S)
        self.watcher.shown.set()
        if result.generation != self.scheduler.generation:
            self._live_update(self.feed.take_pending())
        self._search_overlaps()

    def _refresh_summary(self) -> None:
        self.summary = summary_line(
            self.analysis,
            waiting_for=str(self.root),
            watch_mode=self.watch_mode,
            points=self.trend.points(),
            compact=self.compact,
            acting_note=" · ".join(note for note in (self.acting_note, self.sync_note) if note),
        )

    # --- the clock --------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: health and ages move on with the clock, without file events
        (past a deadline, the live analysis reads again only the sessions it concerns)."""
        if self.analysis is None:
            return
        now = self.clock()
        deadline = self.scheduler.deadline
        due_now = deadline is not None and now >= deadline and self.feed.engine is not None
        if due_now and not self.defer_while_typing([]):
            self._live_update([])  # the sessions whose stale or gone moment came, read again
        due = self.feed.aged(now)
        if due:
            self.table.patch(due)
        if self.sampler.due(now, self.analysis.exists):
            sample = Sample.from_analysis(self.analysis)
            self.samples = [*self.samples[-SAMPLES_KEPT + 1 :], sample]
            self.append_sample(sample)
        self.show_problems()
        self.check_sync()

    @work(thread=True, group="history-append", exit_on_error=False)
    def append_sample(self, sample: Sample) -> None:
        try:
            self._history.append(sample)
        except OSError as error:
            self.sampler.failed = True
            self.app.call_from_thread(
                self.notify,
                f"Trend history not saved: {error}",
                severity="warning",
                markup=False,
            )
