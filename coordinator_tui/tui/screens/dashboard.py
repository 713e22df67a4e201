"""The dashboard screen: owns the store, the watcher, the analysis and the clock tick.

Data flows one way: watcher → ``DirectoryChanged`` → analysis (a worker thread,
one at a time, newest snapshot wins) → display rows → widgets. The once-a-second
tick re-analyses from the clock alone when a deadline (a session turning stale,
a claim expiring…) has passed, and otherwise only refreshes the age cells
whose wording changed.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input
from textual.worker import Worker, WorkerState

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.clock import Clock
from coordinator_tui.render.trends import sparkline, utilization_trend
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot, Store
from coordinator_tui.tui import rows as row_models
from coordinator_tui.tui.dialogs.compose import ComposeScreen
from coordinator_tui.tui.events import DirectoryChanged, WatchStatus
from coordinator_tui.tui.rows import SORTS, Alert, RowBuilder, SessionRow, display
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.errors import ErrorsScreen
from coordinator_tui.tui.watcher import DirectoryWatcher
from coordinator_tui.tui.widgets.alerts import AlertsPanel
from coordinator_tui.tui.widgets.broadcasts import BroadcastFeed
from coordinator_tui.tui.widgets.milestones import MilestonePanel
from coordinator_tui.tui.widgets.priorities import PriorityPanel
from coordinator_tui.tui.widgets.session_table import SessionTable
from coordinator_tui.tui.widgets.summary import SummaryStrip
from coordinator_tui.write.history import History, Sample
from coordinator_tui.write.messages import BROADCAST, Draft, write_message
from coordinator_tui.write.reports import write_report

SAMPLE_EVERY_S = 60.0
SPARK_POINTS = 30
ANALYSIS_CPU_SHARE = 0.02
ANALYSIS_GAP = 2.0
"""After an analysis that took t seconds, the next starts no sooner than this × t later."""
"""Clock-driven re-analysis is spaced so it costs at most this share of a core."""


@dataclass
class Result:
    """What one analysis worker hands back to the screen."""

    analysis: Analysis
    rows: dict[str, SessionRow]
    alerts: list[Alert]
    first_seen: dict[str, datetime]
    deadline: datetime | None
    seconds: float
    visible: list[SessionRow] = field(default_factory=list)
    view: tuple[str, bool, str] = ("", False, "attention")
    generation: int = 0


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar = [
        Binding("b", "broadcast", "Broadcast"),
        Binding("m", "message", "Message"),
        Binding("r", "report", "Report"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("s", "cycle_sort", "Sort"),
        Binding("g", "toggle_gone", "Gone"),
        Binding("enter", "detail", "Detail"),
        Binding("e", "errors", "Errors"),
    ]

    def __init__(
        self,
        root: Path,
        settings: Settings,
        clock: Clock,
        compact: bool | None,
        poll_ms: int | None,
        watch: bool,
    ) -> None:
        super().__init__()
        self.root = root
        self.settings = settings
        self.clock = clock
        self.forced_compact = compact
        self.compact = bool(compact)
        self.watching = watch
        self.store = Store(root, settings)
        self.watcher = DirectoryWatcher(self.store, self.post_message, poll_ms)
        self.builder = RowBuilder()
        self.snapshot: Snapshot | None = None
        self.analysis: Analysis | None = None
        self.rows: dict[str, SessionRow] = {}
        self.alerts: list[Alert] = []
        self.filter_text = ""
        self.show_gone = False
        self.sort = SORTS[0]
        self.watch_mode = "starting"
        self.watch_note = ""
        self.deadline: datetime | None = None
        self.analyses = 0
        """Analyses applied so far (tests wait on this)."""
        self._first_seen: dict[str, datetime] = {}
        self._busy = False
        self._again = False
        self._generation = 0
        self._applied_generation = -1
        """Counts snapshots; an analysis older than a quick update must not undo it."""
        self._quick: dict[str, tuple[int, SessionRow]] = {}
        self._quick_removed: dict[str, int] = {}
        self._cost = 0.0
        self._next_start = 0.0
        self._last_clock_analysis = 0.0
        self._spark: deque[float] = deque(maxlen=SPARK_POINTS)
        self._history_points: list[float] = []
        self._last_spark: datetime | None = None
        self._history = History(root, settings.history_limit)
        self._last_sample: datetime | None = None
        self._history_failed = False

    # --- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield SummaryStrip("starting…", id="summary")
        yield AlertsPanel(id="top-alerts")
        yield Input(placeholder="filter by id, work or health — escape clears", id="filter")
        yield SessionTable(id="sessions", compact=self.compact)
        with Horizontal(id="side"):
            yield AlertsPanel(id="alerts")
            yield PriorityPanel(id="priorities")
        with Horizontal(id="bottom"):
            yield MilestonePanel(id="milestones")
            yield BroadcastFeed(id="broadcasts")
        yield Footer()

    @property
    def table(self) -> SessionTable:
        return self.query_one("#sessions", SessionTable)

    def on_mount(self) -> None:
        self.query_one("#alerts").border_title = "Alerts"
        self.query_one("#top-alerts").border_title = "Alerts"
        self.query_one("#priorities").border_title = "Priority queue → suggested idle session"
        self.query_one("#milestones").border_title = "Milestones"
        self.query_one("#broadcasts").border_title = "Broadcasts"
        self.query_one("#filter").display = False
        self._set_compact(self.compact)
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
            self._set_compact(self.app.size.width < 100)

    def _set_compact(self, compact: bool) -> None:
        self.compact = compact
        self.set_class(compact, "-compact")
        self.table.set_compact(compact)
        if self.analysis is not None:
            self._show_panels()

    def _update_title(self) -> None:
        shown = len(self.table.shown_keys)
        total = len(self.rows)
        parts = [f"Sessions {shown}/{total}", f"sort: {self.sort}"]
        if not self.show_gone:
            parts.append("gone hidden")
        if self.filter_text:
            parts.append(f"filter: {display(self.filter_text, 30)}")
        self.table.border_title = " · ".join(parts)
        hidden = total - shown
        if total and not shown:
            hint = "nothing matches the filter" if self.filter_text else f"all {total} are gone"
            self.table.border_subtitle = (
                f"{hint} — g shows gone sessions" if not self.show_gone else hint
            )
        elif hidden and not self.show_gone and not self.filter_text:
            self.table.border_subtitle = f"{hidden} gone hidden — g shows them"
        else:
            self.table.border_subtitle = ""

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
        self._history_points = utilization_trend(samples, SPARK_POINTS)

    def on_directory_changed(self, message: DirectoryChanged) -> None:
        self.snapshot = message.snapshot
        self._generation += 1
        self._quick_update(message)
        self.request_analysis()

    def _quick_update(self, message: DirectoryChanged) -> None:
        """Show edited and deleted session files at once, before the full analysis.

        At 10,000 sessions an analysis takes a good part of a second; the rows a
        batch touched need not wait for it. New sessions appear with the analysis
        (their place in the order depends on it).
        """
        if self.analysis is None:
            return
        change = message.change
        removed = [key for key in change.removed if key in self.rows]
        updated = [key for key in change.updated if key in self.rows]
        if not removed and not updated:
            return
        for key in removed:
            del self.rows[key]
            self._quick_removed[key] = self._generation
        now = self.clock()
        views = row_models.quick_views(updated, message.snapshot, self.analysis, now)
        rows = [self.builder.row(view, now) for view in views]
        for row in rows:
            self.rows[row.key] = row
            self._quick[row.key] = (self._generation, row)
        self.table.drop(removed)
        self.table.patch(rows)

    def on_watch_status(self, message: WatchStatus) -> None:
        changed = (message.mode, message.note) != (self.watch_mode, self.watch_note)
        self.watch_mode, self.watch_note = message.mode, message.note
        if changed and message.mode == "polling" and message.note:
            self.notify(message.note, title="Polling", severity="warning", markup=False)
        if self.analysis is not None or message.mode == "waiting":
            self._show_summary()

    def request_analysis(self) -> None:
        """Analyse the newest snapshot; at most one analysis runs at a time."""
        if self.snapshot is None:
            return
        if self._busy:
            self._again = True
            return
        wait = self._next_start - time.monotonic()
        if wait > 0:
            # Back to back analyses would hold the GIL most of the time and make
            # keys wait; changed rows are already shown by the quick path.
            if not self._again:
                self._again = True
                self.set_timer(wait, self._start_pending)
            return
        self._busy = True
        self._again = False
        snapshot, now, generation = self.snapshot, self.clock(), self._generation
        self.run_worker(
            lambda: self._analyse(snapshot, now, generation),
            thread=True,
            group="analysis",
            exit_on_error=False,
        )

    def _start_pending(self) -> None:
        if self._again and not self._busy:
            self._again = False
            self.request_analysis()

    def _analyse(self, snapshot: Snapshot, now: datetime, generation: int) -> Result:
        """Runs in a worker thread: the analysis and every display string."""
        started = time.perf_counter()
        analysis = analyse(snapshot, now, self.settings)
        rows = {row.key: row for row in self.builder.rows(analysis)}
        first_seen = dict(self._first_seen)
        alerts = row_models.alerts(analysis, first_seen)
        view = (self.filter_text, self.show_gone, self.sort)
        visible = row_models.visible_rows(rows.values(), *view)
        return Result(
            analysis=analysis,
            rows=rows,
            alerts=alerts,
            first_seen=first_seen,
            deadline=row_models.next_deadline(analysis),
            seconds=time.perf_counter() - started,
            visible=visible,
            view=view,
            generation=generation,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR:
            self.notify(
                f"{worker.group} failed: {worker.error}",
                severity="error",
                markup=False,
                timeout=10,
            )
        if worker.group != "analysis" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        self._busy = False
        if event.state is WorkerState.SUCCESS and isinstance(worker.result, Result):
            self._next_start = time.monotonic() + ANALYSIS_GAP * worker.result.seconds
            self._apply(worker.result)
        if self._again:
            self._again = False
            self.request_analysis()

    @property
    def up_to_date(self) -> bool:
        """The screen shows a full analysis of the newest snapshot (tests, the bench)."""
        return not self._busy and not self._again and self._applied_generation == self._generation

    def _apply(self, result: Result) -> None:
        previous = self.analysis
        self._applied_generation = result.generation
        self.analysis = result.analysis
        self.rows = result.rows
        # Quick updates made after this analysis started are newer than it: keep them.
        newer = {key: row for key, (g, row) in self._quick.items() if g > result.generation}
        gone = {key for key, g in self._quick_removed.items() if g > result.generation}
        self._quick = {k: v for k, v in self._quick.items() if v[0] > result.generation}
        self._quick_removed = {
            k: g for k, g in self._quick_removed.items() if g > result.generation
        }
        if newer or gone:
            self.rows = dict(result.rows)
            self.rows.update({key: row for key, row in newer.items() if key in self.rows})
            for key in gone:
                self.rows.pop(key, None)
            result.visible = []
            result.view = ("", False, "")  # forces the visible rows to be recomputed
        self.alerts = result.alerts
        self._first_seen = result.first_seen
        self.deadline = result.deadline
        self._cost = result.seconds
        for note in row_models.news(previous, result.analysis):
            self.notify(note, severity="warning", markup=False)
        visible = (
            result.visible if result.view == (self.filter_text, self.show_gone, self.sort) else None
        )
        self._show_table(visible)
        self._record_spark(result.analysis)
        self._show_panels()
        self.analyses += 1

    # --- painting ---------------------------------------------------------------------

    def _show_table(self, visible: list[SessionRow] | None = None) -> None:
        if visible is None:
            visible = row_models.visible_rows(
                self.rows.values(), self.filter_text, self.show_gone, self.sort
            )
        self.table.show(visible)
        self._update_title()

    def _record_spark(self, analysis: Analysis) -> None:
        if (
            self._last_spark is None
            or (analysis.now - self._last_spark).total_seconds() >= 10
            or not self._spark
        ):
            self._spark.append(analysis.counts.utilization)
            self._last_spark = analysis.now

    def _show_summary(self) -> None:
        summary = self.query_one(SummaryStrip)
        if self.watch_mode == "waiting" or (self.analysis is not None and not self.analysis.exists):
            summary.show_waiting(f"waiting for {self.root} to appear…")
            return
        if self.analysis is None:
            return
        points = (self._history_points + list(self._spark))[-SPARK_POINTS:]
        note = "polling" if self.watch_mode == "polling" else ""
        problems = len(self.analysis.errors)
        if problems:
            note = f"{problems} file problem{'s' if problems != 1 else ''}  {note}".strip()
        summary.show_counts(
            row_models.summary_counts(self.analysis),
            self.analysis.counts.utilization,
            sparkline(points[-10:] if self.compact else points),
            note,
            short=self.compact,
        )

    def _show_panels(self) -> None:
        analysis = self.analysis
        if analysis is None:
            return
        self._show_summary()
        self.query_one("#alerts", AlertsPanel).show_alerts(self.alerts, analysis.now)
        self.query_one("#top-alerts", AlertsPanel).show_alerts(self.alerts, analysis.now, limit=3)
        if not self.compact:
            self.query_one(PriorityPanel).show_priorities(row_models.priority_lines(analysis))
            self.query_one(BroadcastFeed).show_broadcasts(row_models.broadcast_lines(analysis))
        self.query_one(MilestonePanel).show_milestones(
            row_models.milestone_lines(analysis),
            analysis.milestones.completion_pct,
            compact=self.compact,
        )

    # --- the clock --------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: health and ages move on with the clock, without file events."""
        if self.analysis is None:
            return
        now = self.clock()
        if self.deadline is not None and now >= self.deadline and not self._busy:
            gap = max(1.0, self._cost / ANALYSIS_CPU_SHARE)
            if time.monotonic() - self._last_clock_analysis >= gap:
                self._last_clock_analysis = time.monotonic()
                self.request_analysis()
        stamp = now.timestamp()
        due = [row_models.aged(row, now) for row in self.rows.values() if row.age_due <= stamp]
        if due:
            for row in due:
                self.rows[row.key] = row
            self.table.patch(due)
        self._maybe_sample(now)

    def _maybe_sample(self, now: datetime) -> None:
        if self._history_failed or self.analysis is None or not self.analysis.exists:
            return
        if self._last_sample is None:
            self._last_sample = now
            return
        if (now - self._last_sample).total_seconds() >= SAMPLE_EVERY_S:
            self._last_sample = now
            self.append_sample(Sample.from_analysis(self.analysis))

    @work(thread=True, group="history-append", exit_on_error=False)
    def append_sample(self, sample: Sample) -> None:
        try:
            self._history.append(sample)
        except OSError as error:
            self._history_failed = True
            self.app.call_from_thread(
                self.notify,
                f"Trend history not saved: {error}",
                severity="warning",
                markup=False,
            )

    # --- actions ----------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._show_table()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self.filter_text or box.display:
            box.value = ""
            box.display = False
            self.filter_text = ""
            self._show_table()
            self.table.focus()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._show_table()
        self.notify(f"Sorted by {self.sort}", timeout=2)

    def action_toggle_gone(self) -> None:
        self.show_gone = not self.show_gone
        self._show_table()
        self.notify("Gone sessions shown" if self.show_gone else "Gone sessions hidden", timeout=2)

    @on(DataTable.RowSelected, "#sessions")
    def _row_selected(self) -> None:
        self.action_detail()

    def selected_view(self) -> str | None:
        return self.table.selected_key()

    def action_detail(self) -> None:
        key = self.table.selected_key()
        view = self.analysis.session(key) if self.analysis and key else None
        if view is None or self.analysis is None:
            self.notify("No session selected", severity="warning", timeout=3)
            return
        self.app.push_screen(SessionDetailScreen(view, self.analysis))

    def action_errors(self) -> None:
        if self.analysis is None:
            return
        self.app.push_screen(ErrorsScreen(self.analysis.errors, self.analysis.pending_errors))

    def action_broadcast(self) -> None:
        self.app.push_screen(ComposeScreen(BROADCAST, self._send))

    def action_message(self) -> None:
        key = self.table.selected_key()
        view = self.analysis.session(key) if self.analysis and key else None
        if view is None:
            self.notify("Select a session to message", severity="warning", timeout=3)
            return
        self.app.push_screen(ComposeScreen(view.id, self._send))

    def _send(self, draft: Draft) -> Path:
        """Called by the compose dialog; raises for the dialog to show the error."""
        if not self.root.is_dir():
            raise OSError(f"{self.root} does not exist")
        path = write_message(self.root, draft, now=self.clock())
        self.notify(f"Sent: {self._relative(path)}", markup=False)
        return path

    def _relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def action_report(self) -> None:
        if self.analysis is None or not self.root.is_dir():
            self.notify(f"Nothing to report: {self.root} is not there", severity="error")
            return
        self.export_report(self.analysis)

    @work(thread=True, group="report", exit_on_error=False)
    def export_report(self, analysis: Analysis) -> None:
        try:
            path = write_report(self.root, analysis, self._history.load())
        except OSError as error:
            self.app.call_from_thread(
                self.notify, f"Report not written: {error}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(
            self.notify, f"Report written: {self._relative(path)}", markup=False
        )
