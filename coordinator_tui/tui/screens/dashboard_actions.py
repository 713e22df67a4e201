"""What the dashboard's keys open and write: the detail, the errors, the dialogs, reports.

The base class of ``DashboardScreen``, apart so the screen's module is about the
data flow. Every write goes through a core function: ``write_message``,
``write_report`` (and ``TrendLog`` for samples, in the screen); this module only
checks the directory is there and words the outcome.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual import on, work
from textual.screen import Screen
from textual.widgets import DataTable

from coordinator_tui.analysis import Analysis
from coordinator_tui.clock import Clock
from coordinator_tui.tui.dialogs.compose import ComposeScreen
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.errors import ErrorsScreen
from coordinator_tui.tui.widgets.session_table import SessionTable
from coordinator_tui.write.messages import BROADCAST, Draft, write_message
from coordinator_tui.write.reports import write_report
from coordinator_tui.write.trend_log import Sample, TrendLog, TrendLogError


class DashboardActions(Screen[None]):
    """The actions; ``DashboardScreen`` sets the attributes below."""

    root: Path
    clock: Clock
    analysis: Analysis | None
    _history: TrendLog

    @property
    def table(self) -> SessionTable:
        return self.query_one("#sessions", SessionTable)

    @on(DataTable.RowSelected, "#sessions")
    def _row_selected(self) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        key = self.table.selected_key()
        view = self.analysis.session(key) if self.analysis and key else None
        if view is None or self.analysis is None:
            self.notify("No session selected", severity="warning", timeout=3)
            return
        if view.heartbeat is not None:  # the live analysis reads a view again only on change
            view = replace(view, heartbeat_age_s=(self.clock() - view.heartbeat).total_seconds())
        self.app.push_screen(SessionDetailScreen(view, self.analysis))

    def action_errors(self) -> None:
        if self.analysis is None:
            return
        errors = list(self.analysis.errors)
        sync = getattr(self, "sync_view", None)
        if sync is not None and sync.problem is not None:
            errors.append(sync.problem)
        self.app.push_screen(ErrorsScreen(errors, self.analysis.pending_errors))

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
        """``path`` as the notification shows it: relative to the directory when inside."""
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
        samples: list[Sample] = []
        problem: str | None = None
        try:
            samples = self._history.load()
        except TrendLogError as error:  # the report still goes out, and says why
            problem = error.describe(self.root)
        try:
            path = write_report(self.root, analysis, samples, history_problem=problem)
        except OSError as error:
            self.app.call_from_thread(
                self.notify, f"Report not written: {error}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(
            self.notify, f"Report written: {self._relative(path)}", markup=False
        )
