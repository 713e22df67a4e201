"""``coordinator-tui DIR1 DIR2 …``: every collective in one screen.

Each directory keeps its own store and its own watcher (the dashboard's
``DirectoryWatcher``, one worker each); a change in one directory analyses that
directory again, in a thread, and only its rows and its summary line change.
The screen shows one summary line per collective (counts, alerts, errors, the
last sync round), one session table with a collective column, and the alerts
of every collective labelled with its name. Keys act on *one* collective: the
selected row's (``b`` broadcasts there and nowhere else, ``r`` reports on it,
``enter`` opens the session in its own directory).

A whole analysis per change is fine for the tens to thousands of sessions a few
collectives hold; the incremental path of the single-directory dashboard
(``analysis/live``) is for one directory of ten thousand.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.clock import Clock
from coordinator_tui.collectives.names import Collective
from coordinator_tui.files.records import FileError
from coordinator_tui.render.health import HEALTH
from coordinator_tui.settings import Settings
from coordinator_tui.store import Snapshot, Store
from coordinator_tui.sync.view import read_sync_view, state_mtime
from coordinator_tui.tui.dialogs.compose import ComposeScreen
from coordinator_tui.tui.events import DirectoryChanged, WatchStatus
from coordinator_tui.tui.keys import bindings, catch_up_filter
from coordinator_tui.tui.many.board import (
    SUMMARY_COLUMNS,
    CollectiveState,
    ManyView,
    headline,
    split_key,
    summary_cells,
)
from coordinator_tui.tui.many.lost import alert_lines
from coordinator_tui.tui.rows import RowBuilder, SessionRow, cell_text
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.errors import ErrorsScreen
from coordinator_tui.tui.watcher import DirectoryWatcher
from coordinator_tui.write.messages import BROADCAST, Draft, write_message
from coordinator_tui.write.reports import write_report

SESSION_COLUMNS = (("collective", 18), ("", 2), ("session", 24), ("health", 9), ("work", 40))
TAIL_COLUMNS = (("age", 16), ("flags", 14))
TICK_S = 1.0
AGAIN_S = 15.0
"""A collective with no file events is analysed again this often: stale and gone follow
the clock."""


class CollectiveEvent(Message):
    """A watcher's message, with the collective it is about."""

    def __init__(self, index: int, event: Message) -> None:
        super().__init__()
        self.index = index
        self.event = event


class ManyScreen(Screen[None]):
    KEY_OWNER = "many"
    BINDINGS: ClassVar = bindings("many")

    def __init__(
        self,
        found: list[Collective],
        settings: Settings,
        clock: Clock,
        poll_ms: int | None = None,
        watch: bool = True,
    ) -> None:
        super().__init__()
        self.settings, self.clock, self.poll_ms = settings, clock, poll_ms
        self.watching = watch
        self.collectives = found
        self.states = [CollectiveState(c.name, str(c.root)) for c in found]
        self.stores = [Store(c.root, settings) for c in found]
        self.builders = [RowBuilder() for _ in found]
        self.snapshots: list[Snapshot | None] = [None] * len(found)
        self.busy = [False] * len(found)
        self.dirty = [False] * len(found)
        self.sync_seen: list[float | None] = [None] * len(found)
        self.analysed_at = [0.0] * len(found)
        self.analyses = 0
        """Analyses shown so far (tests wait on it)."""
        self.first_seen: dict[str, datetime] = {}
        self.view = ManyView()
        self.shown_keys: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="many-summary")
        collectives: DataTable[Text] = DataTable(id="collectives", cursor_type="row")
        collectives.border_title = "Collectives"
        yield collectives
        yield Input(placeholder="filter: collective, id, work or health", id="filter")
        table: DataTable[Text] = DataTable(id="many-sessions", cursor_type="row")
        yield table
        alerts = Static(id="many-alerts")
        alerts.border_title = "Alerts"
        yield alerts
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        collectives = self.query_one("#collectives", DataTable)
        for column in SUMMARY_COLUMNS:
            collectives.add_column(column, key=column)
        table = self.query_one("#many-sessions", DataTable)
        names = max(len(cell_text(state.name, 18)) for state in self.states)
        for label, width in (*SESSION_COLUMNS, *TAIL_COLUMNS):
            width = max(names, len(label)) if label == "collective" else width
            table.add_column(label, key=label or "symbol", width=width)
        for index in range(len(self.collectives)):
            if self.watching:
                self.run_worker(self._watch(index), group=f"watch-{index}", exit_on_error=False)
            else:
                self.run_worker(self._read_once(index), group=f"watch-{index}")
        self.set_interval(TICK_S, self.tick)
        self._read_sync()
        table.focus()
        self._show()

    # --- data: watchers → snapshots → analyses -----------------------------------------

    async def _watch(self, index: int) -> None:
        watcher = DirectoryWatcher(
            self.stores[index],
            lambda message: self.post_message(CollectiveEvent(index, message)),
            self.poll_ms,
        )
        watcher.shown.set()  # no first screen to wait for: every collective starts at once
        await watcher.run()

    async def _read_once(self, index: int) -> None:
        store = self.stores[index]
        await asyncio.to_thread(store.scan)
        self.post_message(CollectiveEvent(index, DirectoryChanged(store.snapshot())))

    def on_collective_event(self, message: CollectiveEvent) -> None:
        index, event = message.index, message.event
        if isinstance(event, WatchStatus):
            self.states[index].watch, self.states[index].note = event.mode, event.note
            self._show_summary()
        elif isinstance(event, DirectoryChanged):
            self.snapshots[index] = event.snapshot
            self._analyse(index)

    def _analyse(self, index: int) -> None:
        snapshot = self.snapshots[index]
        if snapshot is None:
            return
        if self.busy[index]:
            self.dirty[index] = True
            return
        self.busy[index], self.dirty[index] = True, False
        self.analysed_at[index] = time.monotonic()
        now, settings, builder = self.clock(), self.settings, self.builders[index]

        def work() -> tuple[int, Analysis, list[SessionRow]]:
            analysis = analyse(snapshot, now, settings)
            return index, analysis, builder.rows(analysis)

        self.run_worker(work, thread=True, group=f"analyse-{index}", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if not group.startswith("analyse-"):
            return
        index = int(group.removeprefix("analyse-"))
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            assert isinstance(result, tuple)
            _, analysis, rows = result
            self.states[index].analysis, self.states[index].rows = analysis, rows
            self.busy[index] = False
            self.analyses += 1
            self._show()
        elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.busy[index] = False
            error = event.worker.error
            self.notify(f"{self.states[index].name}: analysis failed: {error}", markup=False)
        if not self.busy[index] and self.dirty[index]:
            self._analyse(index)

    def _read_sync(self) -> bool:
        """Read the sync state files that changed since last time; whether any did."""
        changed = False
        for index, collective in enumerate(self.collectives):
            mtime = state_mtime(collective.root)
            if mtime != self.sync_seen[index]:
                self.sync_seen[index] = mtime
                self.states[index].sync = read_sync_view(collective.root)
                changed = True
        return changed

    def tick(self) -> None:
        """A sync round's outcome shows when its state file changes; stale and gone follow
        the clock."""
        if self._read_sync():
            self._show()
        for index in range(len(self.collectives)):
            if time.monotonic() - self.analysed_at[index] >= AGAIN_S:
                self._analyse(index)  # stale and gone follow the clock without file events

    # --- drawing ---------------------------------------------------------------------

    def _show(self) -> None:
        self._show_summary()
        self._show_table()
        self._show_alerts()

    def _show_summary(self) -> None:
        now = self.clock()
        self.query_one("#many-summary", Static).update(Text(headline(self.states)))
        table = self.query_one("#collectives", DataTable)
        for state in self.states:
            cells = [Text(cell) for cell in summary_cells(state, now)]
            if state.name in table.rows:
                for column, cell in zip(SUMMARY_COLUMNS, cells, strict=True):
                    table.update_cell(state.name, column, cell)
            else:
                table.add_row(*cells, key=state.name)

    def _show_table(self) -> None:
        table = self.query_one("#many-sessions", DataTable)
        selected = self.selected_key()
        rows = self.view.rows(self.states)
        table.clear()
        for item in rows:
            row, look = item.row, HEALTH[item.row.health]
            table.add_row(
                Text(cell_text(item.collective, 18), style="bold"),
                Text(look.symbol, style=look.style),
                Text(row.id),
                Text(look.word, style=look.style),
                Text(row.work),
                Text(row.age),
                Text(row.flags, style="yellow"),
                key=item.key,
            )
        self.shown_keys = [item.key for item in rows]
        if selected in self.shown_keys:
            table.move_cursor(row=self.shown_keys.index(selected), animate=False)
        total = sum(len(state.rows) for state in self.states)
        table.border_title = self.view.title(len(rows), total)

    def _show_alerts(self) -> None:
        lines, count = alert_lines(self.states, self.first_seen, self.clock())
        alerts = self.query_one("#many-alerts", Static)
        alerts.border_subtitle = str(count) if count else ""
        alerts.update(lines if count else Text("No alerts in any collective.", style="dim"))

    # --- keys -------------------------------------------------------------------------

    def selected_key(self) -> str | None:
        table = self.query_one("#many-sessions", DataTable)
        if not self.shown_keys or not 0 <= table.cursor_row < len(self.shown_keys):
            return None
        return self.shown_keys[table.cursor_row]

    def current(self) -> CollectiveState:
        """The collective keys act on: the selected row's, else the summary cursor's."""
        key = self.selected_key()
        found = split_key(self.states, key) if key else None
        if found is not None and self.focused is not self.query_one("#collectives"):
            return found[0]
        cursor = self.query_one("#collectives", DataTable).cursor_row
        return self.states[min(max(cursor, 0), len(self.states) - 1)]

    @on(DataTable.RowSelected, "#many-sessions")
    def _row_selected(self) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        key = self.selected_key()
        found = split_key(self.states, key) if key else None
        state = found[0] if found else None
        view = state.analysis.session(found[1]) if state and state.analysis and found else None
        if view is None or state is None or state.analysis is None:
            self.notify("No session selected", severity="warning", timeout=3)
            return
        if view.heartbeat is not None:
            view = view._replace(heartbeat_age_s=(self.clock() - view.heartbeat).total_seconds())
        self.app.push_screen(SessionDetailScreen(view, state.analysis))

    def action_errors(self) -> None:
        errors = []
        for state in self.states:
            problems = list(state.analysis.errors) if state.analysis else []
            if state.sync is not None and state.sync.problem is not None:
                problems.append(state.sync.problem)
            errors += [replace_path(error, state.name) for error in problems]
        self.app.push_screen(ErrorsScreen(errors))

    def action_broadcast(self) -> None:
        state = self.current()
        self.app.push_screen(ComposeScreen(BROADCAST, self._sender(state), where=state.name))

    def action_message(self) -> None:
        key = self.selected_key()
        found = split_key(self.states, key) if key else None
        view = found[0].analysis.session(found[1]) if found and found[0].analysis else None
        if view is None or found is None:
            self.notify("Select a session to message", severity="warning", timeout=3)
            return
        self.app.push_screen(ComposeScreen(view.id, self._sender(found[0]), where=found[0].name))

    def _sender(self, state: CollectiveState) -> Callable[[Draft], Path]:
        root = Path(state.root)

        def send(draft: Draft) -> Path:
            if not root.is_dir():
                raise OSError(f"{root} does not exist")
            path = write_message(root, draft, now=self.clock())
            shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else path
            self.notify(f"Sent to {state.name}: {shown}", markup=False)
            return path

        return send

    def action_report(self) -> None:
        state = self.current()
        if state.analysis is None or not Path(state.root).is_dir():
            self.notify(f"Nothing to report: {state.root} is not there", severity="error")
            return
        try:
            path = write_report(Path(state.root), state.analysis, [])
        except OSError as error:
            self.notify(f"Report not written: {error}", severity="error", markup=False)
            return
        self.notify(f"Report for {state.name} written: {path.name}", markup=False)

    def on_key(self, event: events.Key) -> None:
        catch_up_filter(self, self.query_one("#filter", Input), event)  # see keys.py

    def action_filter(self) -> None:
        search = self.query_one("#filter", Input)
        search.display = True
        self.set_focus(search)  # at once: keys typed right after "/" must reach the box

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.view = replace(self.view, filter_text=event.value)
        self._show_table()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#many-sessions", DataTable).focus()

    def action_clear_filter(self) -> None:
        search = self.query_one("#filter", Input)
        search.value = ""
        search.display = False
        self.view = replace(self.view, filter_text="")
        self._show_table()
        self.query_one("#many-sessions", DataTable).focus()

    def action_cycle_sort(self) -> None:
        self.view = self.view.next_sort()
        self._show_table()

    def action_toggle_gone(self) -> None:
        self.view = replace(self.view, show_gone=not self.view.show_gone)
        self._show_table()


def replace_path(error: FileError, name: str) -> FileError:
    """A file problem named with its collective (``projA: sessions/x.json``)."""
    return replace(error, path=f"{name}: {error.path}")
