"""What on the dashboard calls for a human: waiting sessions, incidents, decisions, tmux.

A layer of ``DashboardScreen`` apart from the data flow (``dashboard``) and the
writing actions (``dashboard_actions``):

- the acting analyses (who keeps duplicated work, ETAs, quality, incidents,
  resource advice) run in a worker after each analysis, spaced by a
  ``live.Scheduler`` like the analysis itself, and land in the panels;
- the terminal bell rings once when a session starts waiting for a human and
  once for the incidents an acting run raises (incidents raised together share a
  ring; one that stays open never rings again);
- ``t`` switches the tmux client to the selected session's pane;
- the focusable panels: ``j``/``k`` move in the table or the focused panel and
  ``enter`` opens the focused panel's item in full;
- the demo's failed writes, when a source of them was given, become notifications;
- a synced directory (``coordinator-tui sync``): claims lost to another machine are
  alerts, and the last round's outcome is in the summary strip.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual import events
from textual.notifications import SeverityLevel
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from coordinator_tui.agents.tmux import tmux_switch_command
from coordinator_tui.analysis import Analysis, SessionView
from coordinator_tui.analysis.acting.escalate import EscalationEvent, EscalationState, step
from coordinator_tui.history.pages import HistoryPages
from coordinator_tui.render.timetext import count_of
from coordinator_tui.sync.view import SyncView, read_sync_view, state_mtime
from coordinator_tui.tui import acting as words
from coordinator_tui.tui.acting import Acting, act
from coordinator_tui.tui.dialogs.reader import ReaderScreen
from coordinator_tui.tui.live import Scheduler, Start, Wait
from coordinator_tui.tui.many.lost import lost_claim_alerts, sync_note
from coordinator_tui.tui.panels import Alert
from coordinator_tui.tui.rows import cell_text
from coordinator_tui.tui.screens.dashboard_actions import DashboardActions
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.quality import QualityScreen
from coordinator_tui.tui.widgets.selectable import SelectablePanel
from coordinator_tui.write.trend_log import Sample

TMUX_TIMEOUT_S = 5.0
KEYS_FIRST_S = 2.0
"""After a key, the coordinator's decisions (a run of up to half a second at 10,000
sessions, in a thread) wait this long for the next key: typing stays as quick as idle."""
ACTING_GAP = 9.0
"""After an acting run of t seconds, the next starts no sooner than this × t later."""
SAMPLES_KEPT = 240
"""Trend samples kept for the resource advice (it reads the last hour)."""

ProblemSource = Callable[[], Sequence[str]]
"""Returns the problems (one line each) not shown yet; ``demo`` passes its simulation's."""


class DashboardAttention(DashboardActions):
    """The attention layer; ``DashboardScreen`` calls ``attend`` after each analysis."""

    def __init__(self) -> None:
        super().__init__()
        self.acting: Acting | None = None
        # Decisions, ETAs and quality need not follow every beat: at most a tenth of a
        # core (their thread competes with keys for the interpreter on a big directory).
        self.acting_scheduler: Scheduler[object] = Scheduler(gap=ACTING_GAP)
        self.acted = 0
        """Acting runs applied so far (tests wait on this)."""
        self.bells = 0
        """Times the bell rang (tests read this)."""
        self.samples: list[Sample] = []
        self.problem_source: ProblemSource | None = None
        self._base_alerts: tuple[Alert, ...] = ()
        self._waiting: frozenset[str] = frozenset()
        self._escalation = EscalationState()
        self._acting_generation = 0
        self.sync_view: SyncView | None = None
        self._sync_seen: float | None = None

    # --- after each analysis ----------------------------------------------------------

    def attend(self, analysis: Analysis) -> None:
        """A new analysis is on screen: ring for new waiting sessions, queue an acting run."""
        waiting = words.waiting_keys(analysis) if analysis.counts.waiting else frozenset()
        started = [key for key in sorted(waiting - self._waiting)]
        self._waiting = waiting
        if started:
            names = [
                cell_text(view.id, 40) for key in started[:3] if (view := analysis.session(key))
            ]
            more = f" and {len(started) - 3} more" if len(started) > 3 else ""
            self.ring()
            self.notify(
                f"Waiting for input: {', '.join(names)}{more}",
                severity="warning",
                markup=False,
            )
        self.acting_scheduler.snapshot_arrived()
        # After the frame that shows this analysis: the run's thread competes for the
        # interpreter, and the first page of 10,000 rows must reach the screen first.
        self.call_after_refresh(self._request_acting)

    def ring(self) -> None:
        self.bells += 1
        self.app.bell()

    def check_sync(self) -> None:
        """Once a second: read ``.coordinator/sync-state.json`` again when it changed."""
        mtime = state_mtime(self.root)
        if mtime == self._sync_seen:
            return
        self._sync_seen = mtime
        self.sync_view = read_sync_view(self.root)
        self._show_alerts()
        self._refresh_summary()

    @property
    def sync_note(self) -> str:
        return sync_note(self.sync_view)

    def _show_alerts(self) -> None:
        lost = lost_claim_alerts(self.sync_view, {}, self.clock())
        combined = words.combined_alerts(self.acting, (*lost, *self._base_alerts))
        if combined != self.alert_items:  # each assignment repaints the bound panels
            self.alert_items = combined

    def on_key(self, event: events.Key) -> None:
        """Every key reaches the screen (``DashboardScreen.on_key`` runs too)."""
        self.acting_scheduler.hold(KEYS_FIRST_S)

    def _request_acting(self) -> None:
        analysis = self.analysis
        if analysis is None:
            return
        decision = self.acting_scheduler.request()
        if isinstance(decision, Wait):
            self.set_timer(decision.seconds, self._acting_pending)
        elif isinstance(decision, Start):
            self._acting_generation = decision.generation  # one run at a time
            samples = tuple(self.samples)
            self.run_worker(
                lambda: act(analysis, samples),
                thread=True,
                group="acting",
                exit_on_error=False,
            )

    def _acting_pending(self) -> None:
        if self.acting_scheduler.pending_due():
            self._request_acting()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "acting" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        result = worker.result if event.state is WorkerState.SUCCESS else None
        again = self.acting_scheduler.finished(
            result.seconds if isinstance(result, Acting) else None
        )
        if isinstance(result, Acting):
            self._apply_acting(result)
        if again:
            self._request_acting()

    def _apply_acting(self, result: Acting) -> None:
        self.acting = result
        self.acting_scheduler.applied_result(self._acting_generation, None)
        self._show_alerts()
        if self.analysis is not None:
            from coordinator_tui.tui import panels

            self.milestone_board = panels.milestone_board(self.analysis, result.forecasts)
        self.acting_note = words.advice_short(result.advice)
        self.advice = words.advice_line(result.advice)
        self._refresh_summary()
        events, self._escalation = step(self._escalation, result.incidents, result.now)
        self._announce(events)
        for screen in self.app.screen_stack:
            if isinstance(screen, QualityScreen):
                screen.records = result.quality
        self.acted += 1

    def _announce(self, events: Sequence[EscalationEvent]) -> None:
        """The bell once for what this run raised; a toast each, or one for many.

        The first run over a directory, a side pane, or more than three events at once
        get one summary toast (``i`` lists the incidents) instead of a stack of them.
        """
        raised = sum(1 for event in events if event.action == "raised")
        if raised:
            self.ring()
        notes = words.escalation_notes(events)
        if len(notes) > 1 and (self.acted == 0 or self.compact or len(notes) > 3):
            resolved = len(notes) - raised
            summary = f"{count_of(raised, 'incident')} escalated" if raised else ""
            if resolved:
                summary += f"{', ' if summary else ''}{resolved} resolved"
            severity: SeverityLevel = "error" if raised else "information"
            self.notify(f"{summary} — i lists them", severity=severity, markup=False)
            return
        for message, level in notes:
            self.notify(message, severity=level, markup=False, timeout=8)

    # declared for the mixin; ``DashboardScreen`` defines them
    compact: Any
    history_pages: HistoryPages
    acting_note: Any
    advice: Any
    alert_items: Any
    milestone_board: Any

    def _refresh_summary(self) -> None:
        raise NotImplementedError

    # --- keys -------------------------------------------------------------------------

    def action_quality(self) -> None:
        self.app.push_screen(QualityScreen(self.acting.quality if self.acting else ()))

    def action_incidents(self) -> None:
        text = Text()
        opened = sorted(self._escalation.open.items(), key=lambda item: item[1][2])
        text.append(f"Open incidents ({len(opened)})\n", style="bold")
        if not opened:
            text.append("None: nothing is stuck past its threshold.\n", style="dim")
        for _, (kind, title, raised) in opened:
            text.append(f"{raised:%m-%d %H:%M}  ", style="dim")
            text.append(f"{cell_text(kind, 30)}  ", style="bold red")
            text.append(f"{words.full_text(title)}\n")
        text.append("\nResource advice\n", style="bold")
        if self.acting is None:
            text.append("Not computed yet.\n", style="dim")
        else:
            advice = self.acting.advice
            text.append(words.advice_line(advice) or f"Nothing to do: {advice.reason}")
            text.append("\n")
        self.app.push_screen(ReaderScreen("Incidents and advice", text))

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

    def action_detail(self) -> None:
        focused = self.focused
        if isinstance(focused, SelectablePanel):
            reading = focused.reading()
            if reading is None:
                self.notify("Nothing to open here", severity="warning", timeout=3)
            else:
                self.app.push_screen(ReaderScreen(reading.title, reading.text))
            return
        key = self.table.selected_key()
        view = self.analysis.session(key) if self.analysis and key else None
        if view is None or self.analysis is None:
            self.notify("No session selected", severity="warning", timeout=3)
            return
        detail = SessionDetailScreen(view, self.analysis, self.jump_to, self.history_pages)
        self.app.push_screen(detail)

    # --- tmux -------------------------------------------------------------------------

    def action_jump(self) -> None:
        key = self.table.selected_key()
        view = self.analysis.session(key) if self.analysis and key else None
        if view is None:
            self.notify("Select a session to jump to", severity="warning", timeout=3)
            return
        self.jump_to(view)

    def jump_to(self, view: SessionView) -> None:
        """Switch this tmux client to ``view``'s pane, or say in one line why not."""
        name = cell_text(view.id, 40)
        pane = view.session.extra.get("tmux_pane")
        socket = view.session.extra.get("tmux_socket")
        if not isinstance(pane, str) or not pane:
            self.notify(
                f"{name} has no tmux pane recorded (its agent does not run in tmux)",
                severity="warning",
                markup=False,
            )
            return
        try:
            argv = tmux_switch_command(pane, socket if isinstance(socket, str) else None)
        except ValueError as error:
            self.notify(f"Cannot jump to {name}: {error}", severity="error", markup=False)
            return
        if not os.environ.get("TMUX"):
            self.notify(
                f"Not inside tmux: run the dashboard in tmux to jump to {name} (pane {pane})",
                severity="warning",
                markup=False,
            )
            return
        self.run_tmux(argv, name, pane)

    def run_tmux(self, argv: list[str], name: str, pane: str) -> None:
        self.run_worker(
            lambda: self._tmux(argv, name, pane),
            thread=True,
            group="tmux",
            exit_on_error=False,
        )

    def _tmux(self, argv: list[str], name: str, pane: str) -> None:
        """In a worker thread: run tmux, then say what happened."""
        severity: SeverityLevel
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=TMUX_TIMEOUT_S, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            message, severity = f"tmux did not run: {error}", "error"
        else:
            if done.returncode:
                reason = cell_text(done.stderr.strip() or f"exit {done.returncode}", 200)
                message, severity = f"tmux could not switch to {pane}: {reason}", "error"
            else:
                message, severity = f"Switched to {name} (pane {pane})", "information"
        self.app.call_from_thread(self.notify, message, severity=severity, markup=False)

    # --- the demo's problems ----------------------------------------------------------

    def show_problems(self) -> None:
        """Once a second: each problem the source has not shown yet, as one notification."""
        if self.problem_source is None:
            return
        for line in self.problem_source():
            self.notify(cell_text(line, 300), severity="error", markup=False, timeout=8)
