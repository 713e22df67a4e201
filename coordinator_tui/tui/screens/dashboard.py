"""The dashboard screen: one or several coordination directories (collectives) at once.

Each directory is a ``Collective`` (Textual-free: its store, live analysis,
schedulers, alerts, decisions, escalation and sync state); the screen runs
their workers and timers and puts what they say on screen. Data flows one
way: each collective's watcher → ``DirectoryChanged`` → its live analysis,
updated from the changed files on this thread (work follows the change, not
the directory) → the changed rows, re-placed in the visible order of every
collective's rows (``TableRows``) → reactive attributes on this screen, which
``data_bind`` hands down to the widgets, each assigned only when its value
differs. The session table is the exception, fed imperatively: it adds,
patches or moves single rows, which a reactive (compare the whole list,
repaint on change) cannot do cheaply. Full analyses run in worker threads
(the first load and mass changes; the first load shows its first page before
the rest of the rows stream in), and so do the coordinator's decisions (who
keeps duplicated work, ETAs, quality, incidents, resource advice) and the
overlap search. The once-a-second tick passes the clock to each live analysis
when a deadline has passed, saves a history sample a minute, reads the sync
state, and refreshes the age cells whose wording changed.

With several collectives, row keys are ``<collective>/<file key>``, the table,
alerts and panels show a collective column, the summary strip a line each, and
keys that write act on the selected row's collective.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input
from textual.worker import Worker, WorkerState

from coordinator_tui.analysis import Analysis, SessionView
from coordinator_tui.analysis.acting.escalate import EscalationEvent
from coordinator_tui.analysis.changes import changes
from coordinator_tui.approvals.inbox import Inbox
from coordinator_tui.approvals.state import StateError
from coordinator_tui.clock import Clock
from coordinator_tui.collectives.names import Collective as Named
from coordinator_tui.render.timetext import count_of
from coordinator_tui.settings import Settings
from coordinator_tui.tui import decisions as words
from coordinator_tui.tui import panels, tmux_jump
from coordinator_tui.tui.agent_actions import AgentActions
from coordinator_tui.tui.collective import (
    REBASE_ABOVE,
    Collective,
    Collectives,
    Result,
    changed_paths,
)
from coordinator_tui.tui.costs import BUSY_STEP_S, STEP_EVERY_S, FeedStep, UsageFeed
from coordinator_tui.tui.decisions import Decisions
from coordinator_tui.tui.dialogs.compose import ComposeScreen
from coordinator_tui.tui.dialogs.reader import ReaderScreen
from coordinator_tui.tui.dialogs.start_agent import preselect
from coordinator_tui.tui.events import DirectoryChanged, FirstPageReady, WatchStatus
from coordinator_tui.tui.keys import bindings, catch_up_filter, is_read_only
from coordinator_tui.tui.layout import share_height
from coordinator_tui.tui.panels import (
    Alert,
    BroadcastLine,
    MilestoneBoard,
    PriorityLine,
    SummaryLine,
)
from coordinator_tui.tui.rows import cell_text
from coordinator_tui.tui.scheduler import Start, Wait
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.errors import ErrorsScreen
from coordinator_tui.tui.screens.quality import QualityScreen
from coordinator_tui.tui.table_feed import FIRST_PAGE, TableFeed
from coordinator_tui.tui.table_view import FirstPage, TableView
from coordinator_tui.tui.watcher import DirectoryWatcher
from coordinator_tui.tui.widgets.alerts import AlertsPanel
from coordinator_tui.tui.widgets.broadcasts import BroadcastFeed
from coordinator_tui.tui.widgets.inbox import ApprovalInbox
from coordinator_tui.tui.widgets.key_strip import FULL_FOOTER_FROM, KeyStrip
from coordinator_tui.tui.widgets.milestones import MilestonePanel
from coordinator_tui.tui.widgets.priorities import LIMIT as PRIORITY_LIMIT
from coordinator_tui.tui.widgets.priorities import PriorityPanel
from coordinator_tui.tui.widgets.selectable import SelectablePanel
from coordinator_tui.tui.widgets.session_table import SessionTable
from coordinator_tui.tui.widgets.summary import SummaryStrip
from coordinator_tui.write.messages import BROADCAST, Draft
from coordinator_tui.write.trend_log import Sample

FINISHED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)
FIRST_OVERLAPS_AFTER_S = 1.0
"""Over ``HOLD_OVERLAPS_ABOVE`` sessions the first overlap search waits this long: the
first rows paint and stream in first (below, the search takes milliseconds)."""
HOLD_OVERLAPS_ABOVE = 1000
TYPING_PAUSE_S = 0.4
"""Changed files wait while keys come closer than this (``_defer_while_typing``).
bench_live --off defer: key p95 under 200 rewrites/s at 10,000 sessions 42 ms, 139 without."""
MAX_DEFER_S = 1.0
"""…but never longer than this: the rows stay live while someone types on and on."""
BROADCASTS_SHOWN = 10
INBOX_ROWS = 6
"""The approval inbox's most rows on screen (its style: at most 8 lines with the border)."""
"""Broadcast lines the layout makes room for (older ones are paged through)."""
KEYS_FIRST_S = 2.0
"""After a key, the coordinator's decisions (a run of up to half a second at 10,000
sessions, in a thread) wait this long for the next key.
bench_live --off hold: key p95 under 200 rewrites/s at 10,000 sessions 42 ms, 98 without."""

ProblemSource = Callable[[], Sequence[str]]
"""Returns the problems (one line each) not shown yet; ``demo`` passes its simulation's."""


def open_inbox(found: Sequence[Named]) -> tuple[Inbox | None, str]:
    """The approval inbox of ``found``'s directories, or None and why the private state
    folder cannot hold it (the dashboard works on without one)."""
    try:
        return Inbox([str(named.root) for named in found]), ""
    except StateError as error:
        return None, f"No approval inbox: {error}"


def answerer() -> str:
    """Who the audit log says answered: ``web`` under ``serve`` (textual-serve runs the
    dashboard with Textual's web driver), else ``dashboard``."""
    return "web" if os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver") else "dashboard"


def _assign(screen: Any, name: str, value: object) -> None:
    """Set a bound reactive only when the value differs (no repaint otherwise)."""
    if getattr(screen, name) != value:
        setattr(screen, name, value)


class DashboardScreen(Screen[None]):
    KEY_OWNER = "screen"
    BINDINGS: ClassVar = bindings("screen")

    # State bound down to the widgets (None: nothing analysed yet).
    alert_items: var[tuple[Alert, ...] | None] = var(None)
    priority_lines: var[tuple[PriorityLine, ...] | None] = var(None)
    milestone_board: var[MilestoneBoard | None] = var(None)
    broadcast_lines: var[tuple[BroadcastLine, ...] | None] = var(None)
    summary: var[tuple[SummaryLine, ...] | None] = var(None)
    compact: var[bool] = var(False, init=False)
    advice: var[str] = var("")
    """The resource advice, a line per collective that has some (the priority panel)."""
    table_view: var[TableView] = var(TableView(), init=False)

    def __init__(
        self,
        found: Sequence[Named],
        settings: Settings,
        clock: Clock,
        compact: bool | None,
        poll_ms: int | None,
        watch: bool,
        problems: ProblemSource | None = None,
    ) -> None:
        super().__init__()
        self.collectives = Collectives(found, settings)
        self.clock = clock
        self.poll_ms = poll_ms
        self.watching = watch
        self.problem_source = problems
        self.forced_compact = compact
        self.set_reactive(DashboardScreen.compact, bool(compact))
        self.set_reactive(DashboardScreen.table_view, TableView.for_collectives(len(found)))
        self.agents = AgentActions(self, settings)
        self.inbox, self.inbox_problem = open_inbox(found)
        """Every agent's permission requests for these directories (None: the private state
        folder cannot be used, ``inbox_problem`` says why)."""
        """What S, w and X do (dialogs, tmux and git in workers)."""
        self.feed = TableFeed(lambda: self.table, self.set_timer, self._fit_heights)
        self.feed.view = self.table_view
        self.bells = 0
        """Times the bell rang (tests read this)."""
        self._typed_at = -float("inf")

    # --- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        screen = DashboardScreen
        several = self.collectives.several
        width = max(len(cell_text(c.name, 18)) for c in self.collectives) if several else 0
        words_filtered = "collective, id, work or health" if several else "id, work or health"
        yield Header()
        yield SummaryStrip("starting…", id="summary").data_bind(summary=screen.summary)
        yield ApprovalInbox(
            self.inbox,
            by=answerer(),
            clock=lambda: self.clock().timestamp(),  # the dashboard's one clock
            read_only=is_read_only(self),
            id="inbox",
        )
        yield AlertsPanel(limit=3, id="top-alerts").data_bind(alerts=screen.alert_items)
        yield Input(placeholder=f"filter by {words_filtered} — escape clears", id="filter")
        yield SessionTable(id="sessions", compact=self.compact, collective_width=width)
        with Horizontal(id="side"):
            yield AlertsPanel(limit=9, id="alerts").data_bind(alerts=screen.alert_items)
            yield PriorityPanel(id="priorities").data_bind(
                lines=screen.priority_lines, advice=screen.advice
            )
        with Horizontal(id="bottom"):
            yield MilestonePanel(id="milestones").data_bind(
                screen.compact, board=screen.milestone_board
            )
            pages = {c.label: c.pages for c in self.collectives}
            yield BroadcastFeed(id="broadcasts", pages=pages).data_bind(
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
        if self.inbox_problem:
            self.notify(self.inbox_problem, severity="warning", markup=False, timeout=10)
        self.query_one("#summary").styles.height = len(self.collectives)
        self.watch_compact(self.compact)
        self.feed.title()
        self.table.focus()
        for collective in self.collectives:
            if self.watching:
                watcher = DirectoryWatcher(
                    collective.store, self.post_message, self.poll_ms, collective.index
                )
                collective.watcher = watcher
                self._run(collective, "watcher", watcher.run())
            else:
                self._run(collective, "loader", partial(self._load_once, collective))
            self._run(collective, "history", collective.load_history)
            self._follow_usage(collective)
        self.set_interval(1.0, self.tick)

    def on_unmount(self) -> None:
        """What the followers read since their last save is saved (not read-only); the
        file watchers are told to stop (their native watch ends at its next step)."""
        for collective in self.collectives:
            if collective.watcher is not None:
                collective.watcher.stop()
            if collective.usage_feed is not None:
                collective.usage_feed.flush()

    def on_resize(self) -> None:
        if self.forced_compact is None:
            self.compact = self.app.size.width < 100
        self.set_class(self.app.size.width < FULL_FOOTER_FROM, "-short-footer")
        self._fit_heights()

    def watch_compact(self, compact: bool) -> None:
        self.set_class(compact, "-compact")
        self.table.set_compact(compact)
        self._refresh_summary()
        self._fit_heights()

    def _fit_heights(self) -> None:
        """Wide: the table, the alerts row and the milestones row share the height by
        what each holds (``layout.share_height``); compact: the styles decide."""
        boxes = [self.table, self.query_one("#side"), self.query_one("#bottom")]
        if self.compact:
            for box in boxes:
                box.styles.height = None
            return
        shown_filter = 3 if self.query_one("#filter").display else 0
        inbox = self.query_one(ApprovalInbox)
        requests = min(len(inbox.requests), INBOX_ROWS) + 2 if inbox.requests else 0
        height = self.size.height - 2 - len(self.collectives) - shown_filter - requests
        alerts = len(self.alert_items or ())
        priorities = len(self.priority_lines or ())
        advice = self.advice.count("\n") + 1 if self.advice else 0
        board = self.milestone_board
        feed = len(self.broadcast_lines or ())
        wanted = share_height(
            height,
            table=self.feed.shown + 3,  # the header and the borders
            side=max(alerts, advice + min(max(priorities, 1), PRIORITY_LIMIT + 1), 1) + 2,
            bottom=max(len(board.lines) + 1 if board else 1, min(feed, BROADCASTS_SHOWN)) + 2,
        )
        for box, lines in zip(boxes, wanted, strict=True):
            if box.styles.height is None or box.styles.height.value != lines:
                box.styles.height = lines

    def watch_alert_items(self) -> None:
        self._fit_heights()

    def watch_priority_lines(self) -> None:
        self._fit_heights()

    def watch_advice(self) -> None:
        self._fit_heights()

    def watch_milestone_board(self) -> None:
        self._fit_heights()

    def watch_broadcast_lines(self) -> None:
        self._fit_heights()

    def watch_table_view(self, view: TableView) -> None:
        self.feed.view = view
        if any(c.engine is not None for c in self.collectives):
            self.feed.show()

    @property
    def table(self) -> SessionTable:
        return self.query_one("#sessions", SessionTable)

    @property
    def analyses(self) -> int:
        """Analyses applied so far, over every collective (tests wait on this)."""
        return self.collectives.analyses

    @property
    def acted(self) -> int:
        """Runs of the coordinator's decisions applied so far (tests wait on this)."""
        return self.collectives.acted

    @property
    def up_to_date(self) -> bool:
        """Every collective shows a full analysis of its newest snapshot (tests, the bench)."""
        return self.collectives.up_to_date

    @property
    def settled(self) -> bool:
        """Every collective analysed and its decisions on screen (tests, screenshots)."""
        return self.collectives.settled

    # --- background work --------------------------------------------------------------

    def _run(self, collective: Collective, group: str, job: Any) -> None:
        """``job`` (a coroutine, or a function for a thread) for ``collective``; its
        outcome comes back to ``on_worker_state_changed``, named ``group:index``."""
        self.run_worker(
            job,
            name=f"{group}:{collective.index}",
            group=group,
            thread=callable(job),
            exit_on_error=False,
        )

    def _load_once(self, collective: Collective) -> None:
        """Without watching (snapshots, screenshots): read the directory once."""
        store, index = collective.store, collective.index
        if store.exists:
            store.scan()
        self.post_message(DirectoryChanged(store.snapshot(), collective=index))
        if not store.exists:
            self.post_message(WatchStatus("waiting", f"waiting for {collective.root}", index))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        name, _, index = (worker.name or "").rpartition(":")
        ours = name == worker.group and index.isdigit()
        collective = self.collectives[int(index)] if ours else None
        if event.state is WorkerState.ERROR:
            failed = f"{worker.group} failed: {worker.error}"
            failed = collective.labelled(failed) if collective else failed
            self.notify(failed, severity="error", markup=False, timeout=10)
        if collective is None or event.state not in FINISHED:
            return
        result = worker.result if event.state is WorkerState.SUCCESS else None
        if worker.group == "analysis":
            cost = result.seconds if isinstance(result, Result) else None
            again = collective.scheduler.finished(cost)
            if isinstance(result, Result):
                self._apply(collective, result)
            if again:
                self._request_analysis(collective)
        elif worker.group == "overlaps":
            self._overlaps_found(collective, result)
        elif worker.group == "usage":
            self._usage_stepped(collective, result)
        elif worker.group == "decisions":
            decided = result[1] if isinstance(result, tuple) else None
            again = collective.deciding.finished(decided.seconds if decided else None)
            if isinstance(decided, Decisions):
                self._apply_decisions(collective, decided)
            if again:
                self._request_decisions(collective)

    def on_directory_changed(self, message: DirectoryChanged) -> None:
        """Changed files go straight through the live analysis to the rows that show them;
        only the first load and mass changes wait for a full analysis in a worker."""
        collective = self.collectives[message.collective]
        collective.snapshot = message.snapshot
        if collective.usage_feed is not None:
            first = not collective.usage_feed.started
            collective.usage_feed.watch(message.snapshot)
            if first:
                self._step_usage(collective)
        feed = self.query_one(BroadcastFeed)
        feed.history_state(message.snapshot, collective.label)  # progress, counts
        collective.scheduler.snapshot_arrived()
        paths = changed_paths(message.change)
        collective.remember(paths)
        if collective.engine is None and collective.scheduler.busy:
            return  # the first full analysis is under way; applied on top when it lands
        if collective.engine is None or (paths is not None and len(paths) > REBASE_ABOVE):
            self._request_analysis(collective)
        elif not self._defer_while_typing(collective, paths):
            self._live_update(collective, paths)

    def on_watch_status(self, message: WatchStatus) -> None:
        collective = self.collectives[message.collective]
        changed = (message.mode, message.note) != (collective.watch_mode, collective.watch_note)
        collective.watch_mode, collective.watch_note = message.mode, message.note
        if changed and message.mode == "polling" and message.note:
            note = collective.labelled(message.note)
            self.notify(note, title="Polling", severity="warning", markup=False)
        self._refresh_summary()

    def _live_update(self, collective: Collective, paths: Iterable[str] | None) -> None:
        delta = collective.live_update(self.clock(), paths)
        if delta is None:
            return
        applied = self.feed.rows.apply(delta.fresh, delta.removed)
        self._toast(collective, panels.change_notes(delta.news))
        self.feed.live(applied)
        self._refresh_panels(collective, delta.previous, delta.analysis, applied.stale_moved)
        self._search_overlaps(collective)

    def _request_analysis(self, collective: Collective) -> None:
        """Analyse the collective's newest snapshot when its scheduler says so."""
        if collective.snapshot is None:
            return
        decision = collective.scheduler.request()
        if isinstance(decision, Wait):
            self.set_timer(decision.seconds, partial(self._analysis_pending, collective))
        elif isinstance(decision, Start):
            early = None
            if collective.engine is None and not self.table.shown_keys:
                index = collective.index
                early = lambda page: self.post_message(FirstPageReady(page, index))  # noqa: E731
            job = collective.analysis_work(
                decision.generation, self.clock(), self.table_view, early, FIRST_PAGE
            )
            self._run(collective, "analysis", job)

    def _analysis_pending(self, collective: Collective) -> None:
        if collective.scheduler.pending_due():
            self._request_analysis(collective)

    def _apply(self, collective: Collective, result: Result) -> None:
        """A full analysis landed; changes made since it started are applied on top."""
        first = collective.engine is None
        previous = collective.install(result)  # the first page's analysis, if any: equal
        alone = not self.collectives.several
        self.feed.rows.install(collective.label, result.rows, result.order if alone else None)
        self.feed.rows.apply(collective.cost_rows(self.feed.rows.rows), [])  # newer costs
        analysis = result.analysis
        self._toast(collective, panels.change_notes(changes(previous, analysis)))
        self._refresh_panels(collective, previous, analysis, True, result.alerts)  # counts first
        order = self.feed.rows.order
        self.feed.show(reorder=order is None or order.view != self.table_view)
        if first and analysis.counts.total > HOLD_OVERLAPS_ABOVE:
            collective.overlaps.hold(FIRST_OVERLAPS_AFTER_S)
        if collective.watcher is not None:
            collective.watcher.shown.set()
        if result.generation != collective.scheduler.generation:
            self._live_update(collective, collective.take_pending())
        self._search_overlaps(collective)

    # --- panels -----------------------------------------------------------------------

    def _refresh_panels(
        self,
        collective: Collective,
        previous: Analysis | None,
        analysis: Analysis,
        stale_moved: bool,
        found: list[Alert] | None = None,
        attend: bool = True,
    ) -> None:
        """Word again only the panels whose part of the analysis changed; assign only
        what differs (each assignment repaints a bound widget). ``attend``: ring for new
        waiting sessions and queue a run of the decisions (not for a first page)."""
        changed = collective.refresh_panels(previous, analysis, stale_moved, found)
        if "alerts" in changed:
            self._show_alerts()
        if "priorities" in changed:
            _assign(self, "priority_lines", self.collectives.priorities())
        if "broadcasts" in changed:
            _assign(self, "broadcast_lines", self.collectives.broadcasts())
        if "milestones" in changed:
            _assign(self, "milestone_board", self.collectives.board())
        self._refresh_summary()
        if attend:
            self._attend(collective, analysis)

    def _show_alerts(self) -> None:
        _assign(self, "alert_items", self.collectives.alerts(self.clock()))

    def _refresh_summary(self) -> None:
        summary = self.collectives.summary(self.compact)
        if summary is not None:
            self.summary = summary

    def _toast(self, collective: Collective, notes: list[str]) -> None:
        """What changed, as toasts; in a side pane one short toast, not a stack."""
        if self.compact and len(notes) > 1:
            notes = [f"{notes[0]} (+{len(notes) - 1} more)"]
        timeout = 3 if self.compact else 5
        for note in notes:
            self.notify(
                collective.labelled(note), severity="warning", markup=False, timeout=timeout
            )

    # --- the first page of a first analysis ---------------------------------------------

    def on_first_page_ready(self, message: FirstPageReady) -> None:
        """A first analysis's first rows, before its worker has built the others: the
        counts, the panels and the top of the table paint now. The full result lands on
        them unchanged (an equal analysis, equal rows) and streams the rest in."""
        collective, page = self.collectives[message.collective], message.page
        if collective.engine is not None or self.table.shown_keys or page.view != self.feed.view:
            page.painted.set()
            return  # the full result is here, or the view changed (it re-orders)
        collective.analysis = page.analysis
        self._refresh_panels(collective, None, page.analysis, True, page.alerts, attend=False)
        # The counts and panels are drawn first, the rows in the frame after: a frame
        # that adds rows redraws the table alone, and the counts came one frame later.
        self.call_after_refresh(self._show_first_page, collective, page)

    def _show_first_page(self, collective: Collective, page: FirstPage) -> None:
        if collective.engine is None:
            self.feed.first_page(page)
        self.call_after_refresh(page.painted.set)  # then the worker builds the other rows

    # --- overlaps: a search over every distinct work, in a worker ----------------------

    def _search_overlaps(self, collective: Collective) -> None:
        engine = collective.engine
        if engine is None or engine.overlaps_current:
            return
        wait = collective.overlaps.wait()
        if wait is None:
            return
        if wait > 0:
            self.set_timer(wait, partial(self._overlaps_due, collective))
            return
        live, threshold, version = engine.overlap_input()
        search = collective.overlaps
        self._run(collective, "overlaps", lambda: (engine, version, search.run(live, threshold)))

    def _overlaps_found(self, collective: Collective, result: object) -> None:
        collective.overlaps.busy = False
        engine = collective.engine
        if isinstance(result, tuple) and engine is not None and result[0] is engine:
            _, version, found = result
            if engine.install_overlaps(found, version):
                previous = collective.analysis
                collective.analysis = engine.analysis
                self._refresh_panels(collective, previous, engine.analysis, False)
        self._search_overlaps(collective)

    def _overlaps_due(self, collective: Collective) -> None:
        collective.overlaps.timer = False
        self._search_overlaps(collective)

    # --- keys first: while keys come, changed files wait for a pause --------------------

    def _defer_while_typing(self, collective: Collective, paths: Sequence[str] | None) -> bool:
        """True when ``paths`` wait: a key came within ``TYPING_PAUSE_S`` (or changes
        already wait). Under 200 changes a second at 10,000 sessions each batch is
        milliseconds of this thread; gathered while someone types, a key is served at
        once and the rows catch up in one update when typing pauses (``MAX_DEFER_S``
        at the latest)."""
        now = time.monotonic()
        if not collective.deferring and now - self._typed_at >= TYPING_PAUSE_S:
            return False
        collective.defer(paths)
        if not collective.deferring:
            collective.deferring, collective.defer_started = True, now
            self.set_timer(TYPING_PAUSE_S, partial(self._flush_deferred, collective))
        return True

    def _flush_deferred(self, collective: Collective) -> None:
        now = time.monotonic()
        typing = TYPING_PAUSE_S - (now - self._typed_at)
        if typing > 0 and now - collective.defer_started < MAX_DEFER_S:
            self.set_timer(typing, partial(self._flush_deferred, collective))
            return
        self._live_update(collective, collective.take_deferred())

    def on_key(self, event: events.Key) -> None:
        """``/`` and a burst typed after it (``keys.catch_up_filter``); and keys first."""
        self._typed_at = time.monotonic()
        for collective in self.collectives:
            collective.deciding.hold(KEYS_FIRST_S)
        catch_up_filter(self, self.query_one("#filter", Input), event)

    # --- what calls for a human: waiting sessions, the decisions, incidents -------------

    def _attend(self, collective: Collective, analysis: Analysis) -> None:
        """A new analysis is on screen: ring for new waiting sessions, queue the decisions."""
        started = collective.newly_waiting(analysis)
        if started:
            more = f" and {len(started) - 3} more" if len(started) > 3 else ""
            self.ring()
            note = f"Waiting for input: {', '.join(started[:3])}{more}"
            self.notify(collective.labelled(note), severity="warning", markup=False)
        collective.deciding.snapshot_arrived()
        # After the frame that shows this analysis: the run's thread competes for the
        # interpreter, and the first page of 10,000 rows must reach the screen first.
        self.call_after_refresh(self._request_decisions, collective)

    def _request_decisions(self, collective: Collective) -> None:
        if collective.analysis is None:
            return
        decision = collective.deciding.request()
        if isinstance(decision, Wait):
            self.set_timer(decision.seconds, partial(self._decisions_pending, collective))
        elif isinstance(decision, Start):
            job = collective.decide_work(decision.generation)
            if job is not None:
                self._run(collective, "decisions", job)

    def _decisions_pending(self, collective: Collective) -> None:
        if collective.deciding.pending_due():
            self._request_decisions(collective)

    def _apply_decisions(self, collective: Collective, decided: Decisions) -> None:
        events = collective.apply_decisions(decided)
        self._show_alerts()
        self.milestone_board = self.collectives.board()
        self.advice = self.collectives.advice()
        self._refresh_summary()
        self._announce(collective, events)
        self._show_costs(collective, decided, events)
        for screen in self.app.screen_stack:
            if isinstance(screen, QualityScreen):
                screen.records = self.collectives.quality()

    def _announce(self, collective: Collective, events: Sequence[EscalationEvent]) -> None:
        """The bell once for what this run raised; a toast each, or one for many.

        The first run over a directory, a side pane, or more than three events at once
        get one summary toast (``i`` lists the incidents) instead of a stack of them.
        """
        raised = sum(1 for event in events if event.action == "raised")
        if raised:
            self.ring()
        notes = words.escalation_notes(events)
        if len(notes) > 1 and (collective.acted == 1 or self.compact or len(notes) > 3):
            resolved = len(notes) - raised
            summary = f"{count_of(raised, 'incident')} escalated" if raised else ""
            if resolved:
                summary += f"{', ' if summary else ''}{resolved} resolved"
            severity: SeverityLevel = "error" if raised else "information"
            note = collective.labelled(f"{summary} — i lists them")
            self.notify(note, severity=severity, markup=False)
            return
        for message, level in notes:
            self.notify(collective.labelled(message), severity=level, markup=False, timeout=8)

    def ring(self) -> None:
        self.bells += 1
        self.app.bell()

    # --- what the sessions cost (``tui.costs``) ------------------------------------------

    def _follow_usage(self, collective: Collective) -> None:
        """Its transcripts followed a step every ``STEP_EVERY_S`` from its first snapshot
        on; a read-only dashboard saves no follower state."""
        collective.usage_feed = UsageFeed(
            collective.root,
            clock=lambda: self.clock().timestamp(),
            save=not is_read_only(self),
        )
        self.set_interval(STEP_EVERY_S, partial(self._step_usage, collective))

    def _step_usage(self, collective: Collective) -> None:
        """One step of the follower in a worker, when ``UsageFeed.step_wanted`` says so
        (``_usage_stepped`` takes what it found)."""
        feed = collective.usage_feed
        if feed is None or not feed.step_wanted:
            return
        feed.stepping = True
        self._run(collective, "usage", feed.step)

    def _usage_stepped(self, collective: Collective, found: object) -> None:
        """New totals: the decisions price them and hold them to the budgets again; a
        large transcript still read from its start: the next step soon."""
        feed = collective.usage_feed
        if feed is None:
            return
        feed.stepping = False
        if not isinstance(found, FeedStep):
            return  # failed: said by on_worker_state_changed; the interval tries again
        again = found.usage is not None and collective.take_usage(found.usage)
        if again and collective.analyses and collective.analysis is not None:
            # (Before the first full analysis, ``_attend`` asks for the first decisions.)
            collective.deciding.snapshot_arrived()
            self._request_decisions(collective)
        if found.busy:
            self.set_timer(BUSY_STEP_S, partial(self._step_usage, collective))

    def _show_costs(
        self, collective: Collective, decided: Decisions, events: Sequence[EscalationEvent]
    ) -> None:
        """The decisions' costs: the cells that changed, the cost column and sort, budgets
        newly near (a toast each), budget messages and the status line's summary (in a
        worker), and an open detail of one of its sessions."""
        changed = collective.cost_rows(self.feed.rows.rows)
        if changed:
            self.feed.live(self.feed.rows.apply(changed, []))
        shown = self.collectives.costs_shown
        self.table.set_costs(shown)
        self.table_view = self.table_view.with_cost_sort(shown)
        costs = decided.acting.costs
        for note in collective.budget_watch.warnings(costs):
            self.notify(collective.labelled(note), severity="warning", markup=False, timeout=10)
        analysis = collective.analysis
        writes = not is_read_only(self)
        if writes and analysis is not None and collective.cost_writer.due(events, costs):
            write = partial(collective.cost_writer.write, collective.root, events, analysis, costs)
            self._run(collective, "costs", partial(self._write_costs, collective, write))
        for screen in self.app.screen_stack:
            if isinstance(screen, SessionDetailScreen) and screen.collective == collective.label:
                screen.cost = costs.of_session(screen.view.id)

    def _write_costs(self, collective: Collective, write: Callable[[datetime], list[str]]) -> None:
        """In a worker thread: what the dashboard writes about costs; problems as toasts."""
        for note in write(self.clock()):
            text = collective.labelled(note)
            self.app.call_from_thread(self.notify, text, severity="warning", markup=False)

    # --- the clock --------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: health and ages move on with the clock, without file events
        (past a deadline, a live analysis reads again only the sessions it concerns);
        a history sample a minute; the sync state when it changed; the demo's problems."""
        now = self.clock()
        synced = False
        for collective in self.collectives:
            synced |= collective.check_sync()
            if collective.analysis is None:
                continue
            deadline = collective.scheduler.deadline
            due = deadline is not None and now >= deadline and collective.engine is not None
            if due and not self._defer_while_typing(collective, []):
                self._live_update(collective, [])  # the sessions whose moment came
            sample = collective.sample_due(now)
            if sample is not None:
                self._run(collective, "sample", partial(self._append_sample, collective, sample))
        self.feed.aged(now)
        if synced:
            self._show_alerts()
            self._refresh_summary()
        self.show_problems()

    def _append_sample(self, collective: Collective, sample: Sample) -> None:
        """In a worker thread: one history sample (the trend, the resource advice)."""
        try:
            collective.history.append(sample)
        except OSError as error:
            collective.sampler.failed = True
            note = collective.labelled(f"Trend history not saved: {error}")
            self.app.call_from_thread(self.notify, note, severity="warning", markup=False)

    def show_problems(self) -> None:
        """Each problem the demo's source has not shown yet, as one notification."""
        if self.problem_source is None:
            return
        for line in self.problem_source():
            self.notify(cell_text(line, 300), severity="error", markup=False, timeout=8)

    # --- the selection ------------------------------------------------------------------

    def _selected(self) -> tuple[Collective, SessionView] | None:
        key = self.table.selected_key()
        if key is None:
            return None
        collective = self.collectives.owner(key)
        analysis = collective.analysis
        view = analysis.session(collective.file_key(key)) if analysis else None
        return None if view is None else (collective, view)

    def _target(self) -> Collective | None:
        """The collective ``b`` and ``r`` act on: the only one, or the selected row's."""
        if not self.collectives.several:
            return self.collectives[0]
        selected = self._selected()
        if selected is None:
            self.notify("Select a session of the collective first", severity="warning")
            return None
        return selected[0]

    # --- keys -------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        self._fit_heights()
        self.set_focus(box)  # at once: keys typed right after "/" must reach the box

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table_view = self.table_view.filtered(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self.table_view.filter_text or box.display:
            box.value = ""
            box.display = False
            self._fit_heights()
            self.table_view = self.table_view.filtered("")
            self.table.focus()

    def action_cycle_sort(self) -> None:
        self.table_view = self.table_view.next_sort()  # the table's title names it

    def action_toggle_gone(self) -> None:
        self.table_view = self.table_view.toggled_gone()
        shown = self.table_view.show_gone
        words_gone = "Gone and ended sessions shown" if shown else "Gone and ended sessions hidden"
        self.notify(words_gone, timeout=2)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def _move(self, delta: int) -> None:
        focused = self.focused
        if isinstance(focused, SelectablePanel):
            focused.move(delta)
        elif isinstance(focused, DataTable):
            if delta > 0:
                focused.action_cursor_down()
            else:
                focused.action_cursor_up()

    @on(DataTable.RowSelected, "#sessions")
    def _row_selected(self) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        focused = self.focused
        if isinstance(focused, SelectablePanel):
            reading = focused.reading()
            if reading is None:
                self.notify("Nothing to open here", severity="warning", timeout=3)
            else:
                self.app.push_screen(ReaderScreen(reading.title, reading.text))
            return
        selected = self._selected()
        if selected is None:
            self.notify("No session selected", severity="warning", timeout=3)
            return
        collective, view = selected
        if view.heartbeat is not None:  # the live analysis reads a view again only on change
            view = view._replace(heartbeat_age_s=(self.clock() - view.heartbeat).total_seconds())
        assert collective.analysis is not None
        costs = collective.decisions.acting.costs if collective.decisions else None
        detail = SessionDetailScreen(
            view,
            collective.analysis,
            self.jump_to,
            collective.pages,
            collective.label,
            costs.of_session(view.id) if costs else None,
        )
        self.app.push_screen(detail)

    def action_quality(self) -> None:
        self.app.push_screen(QualityScreen(self.collectives.quality()))

    def action_incidents(self) -> None:
        text = self.collectives.incidents_text()
        self.app.push_screen(ReaderScreen("Incidents and advice", text))

    def action_jump(self) -> None:
        selected = self._selected()
        if selected is None:
            self.notify("Select a session to jump to", severity="warning", timeout=3)
            return
        self.jump_to(selected[1])

    def jump_to(self, view: SessionView) -> None:
        """Switch this tmux client to ``view``'s pane, or say in one line why not."""
        self._switch(tmux_jump.plan(view, bool(os.environ.get("TMUX"))))

    def _switch(self, order: tmux_jump.Switch | tmux_jump.Note) -> None:
        if isinstance(order, tmux_jump.Note):
            self.notify(order.message, severity=order.severity, markup=False)
        else:
            self.run_worker(
                lambda: self._say_from_thread(tmux_jump.switch(order)),
                thread=True,
                group="tmux",
                exit_on_error=False,
            )

    def on_approval_inbox_jump_to(self, message: ApprovalInbox.JumpTo) -> None:
        """``t`` in the inbox: the pane of the agent that asks."""
        request = message.request
        name = cell_text(request.session, 40)
        inside = bool(os.environ.get("TMUX"))
        self._switch(tmux_jump.plan_pane(name, request.tmux_pane, request.tmux_socket, inside))

    def on_approval_inbox_requests_shown(self) -> None:
        self._fit_heights()

    def action_inbox(self) -> None:
        """Focus the approval inbox, or say that nothing waits."""
        inbox = self.query_one(ApprovalInbox)
        if inbox.requests:
            inbox.query_one("#inbox-list").focus()
        elif self.inbox is None:
            self.notify(self.inbox_problem, severity="warning", markup=False)
        else:
            self.notify("No permission request is waiting", timeout=3, markup=False)

    def _say_from_thread(self, note: tmux_jump.Note) -> None:
        self.app.call_from_thread(self.notify, note.message, severity=note.severity, markup=False)

    def action_errors(self) -> None:
        self.app.push_screen(ErrorsScreen(*self.collectives.errors()))

    def action_broadcast(self) -> None:
        collective = self._target()
        if collective is not None:
            send = partial(self._send, collective)
            self.app.push_screen(ComposeScreen(BROADCAST, send, where=collective.label))

    def action_message(self) -> None:
        selected = self._selected()
        if selected is None:
            self.notify("Select a session to message", severity="warning", timeout=3)
            return
        collective, view = selected
        send = partial(self._send, collective)
        self.app.push_screen(ComposeScreen(view.id, send, where=collective.label))

    def _send(self, collective: Collective, draft: Draft) -> Path:
        """Called by the compose dialog; raises for the dialog to show the error."""
        path = collective.send(draft, self.clock())
        where = f" to {collective.label}" if collective.label else ""
        self.notify(f"Sent{where}: {collective.relative(path)}", markup=False)
        return path

    def action_start_agent(self) -> None:
        """Start agents on priorities of the target collective: the advice's N ticked when
        it says start, else the best available priority."""
        collective = self._target()
        if collective is None:
            return
        analysis = collective.analysis
        if analysis is None or not any(view.available for view in analysis.priorities):
            self.notify("No available priority to start an agent on", severity="warning")
            return
        advice = collective.decisions.acting.resources if collective.decisions else None
        count = advice.count if advice is not None and advice.action == "start" else 1
        chosen = preselect(analysis.priorities, None, count)
        self.agents.start(collective.root, analysis.priorities, chosen, collective.label)

    def action_wake(self) -> None:
        selected = self._selected()
        if selected is None:
            self.notify("Select a session to wake", severity="warning", timeout=3)
            return
        self.agents.wake(selected[0].root, selected[1].id)

    def action_stop_agent(self) -> None:
        selected = self._selected()
        if selected is None:
            self.notify("Select a session to stop", severity="warning", timeout=3)
            return
        self.agents.stop(selected[0].root, selected[1].id)

    def action_report(self) -> None:
        collective = self._target()
        if collective is None:
            return
        if collective.analysis is None or not collective.root.is_dir():
            self.notify(f"Nothing to report: {collective.root} is not there", severity="error")
            return
        self.export_report(collective, collective.analysis)

    @work(thread=True, group="report", exit_on_error=False)
    def export_report(self, collective: Collective, analysis: Analysis) -> None:
        try:
            path = collective.report(analysis)
        except OSError as error:
            note = collective.labelled(f"Report not written: {error}")
            self.app.call_from_thread(self.notify, note, severity="error", markup=False)
            return
        note = collective.labelled(f"Report written: {collective.relative(path)}")
        self.app.call_from_thread(self.notify, note, markup=False)
