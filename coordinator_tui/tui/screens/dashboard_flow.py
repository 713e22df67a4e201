"""The dashboard's side of the live path: the table shown a page first, panels worded
again only when their part of the analysis changed, overlaps searched in a worker.

A base class of ``DashboardScreen`` (which owns the reactive state and the data
flow's entry points), apart so each module stays small.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.live import LiveAnalysis
from coordinator_tui.analysis.live.search import OverlapSearch
from coordinator_tui.tui import panels
from coordinator_tui.tui.events import WatchStatus
from coordinator_tui.tui.live import LiveFeed
from coordinator_tui.tui.panels import Alert
from coordinator_tui.tui.screens.dashboard_attention import DashboardAttention
from coordinator_tui.tui.table_view import TableView

FIRST_PAGE = 120
"""Rows put in an empty table before the first paint (more than a tall terminal shows)."""
STREAM_CHUNK = 1000
"""Rows added after each paint until the table holds them all."""
STREAM_PAUSE_S = 0.03
"""Between two chunks: time for a frame and for waiting keys."""


def _assign(screen: Any, name: str, value: object) -> None:
    """Set a bound reactive only when the value differs (no repaint otherwise)."""
    if getattr(screen, name) != value:
        setattr(screen, name, value)


class DashboardFlow(DashboardAttention):
    """Table streaming, panel refreshes and the overlap worker; the screen sets these."""

    feed: LiveFeed
    table_view: TableView
    _first_seen: dict[str, datetime]
    _shown_limit: int
    _stream_next = False
    """A chunk of the first load is due after the next paint."""
    _overlaps: OverlapSearch
    _title: tuple[str, str] | None
    watch_mode: str
    watch_note: str

    def _update_title(self) -> None:
        """Set only when the words change: each assignment repaints the whole table."""
        shown, total = len(self.feed.order or ()), len(self.feed.rows)
        title = self.table_view.title(shown, total), self.table_view.subtitle(shown, total)
        if title != self._title:
            self._title = title
            self.table.border_title, self.table.border_subtitle = title

    def _toast(self, notes: list[str]) -> None:
        """What changed, as toasts; in a side pane one short toast, not a stack."""
        if self.compact and len(notes) > 1:
            notes = [f"{notes[0]} (+{len(notes) - 1} more)"]
        for note in notes:
            self.notify(note, severity="warning", markup=False, timeout=3 if self.compact else 5)

    def _refresh_summary(self) -> None:
        raise NotImplementedError

    def _refresh_panels(
        self,
        previous: Analysis | None,
        analysis: Analysis,
        stale_moved: bool,
        found: list[Alert] | None = None,
    ) -> None:
        """Word again only the panels whose part of the analysis changed; assign only
        what differs (each assignment repaints a bound widget)."""
        engine = self.feed.engine
        fresh = previous is None
        if (
            found is None
            and engine is not None
            and (
                fresh
                or stale_moved
                or previous.duplicates != analysis.duplicates  # type: ignore[union-attr]
                or previous.overlaps != analysis.overlaps  # type: ignore[union-attr]
                or previous.conflicts != analysis.conflicts  # type: ignore[union-attr]
            )
        ):
            found = panels.alerts(analysis, self._first_seen, engine.stale.values())
        if found is not None:
            self._base_alerts = tuple(found)
            self._show_alerts()  # with the acting step's incidents and resolutions
        if fresh or (previous.priorities, previous.suggestions) != (  # type: ignore[union-attr]
            analysis.priorities,
            analysis.suggestions,
        ):
            _assign(self, "priority_lines", tuple(panels.priority_lines(analysis)))
        if fresh or previous.messages is not analysis.messages:  # type: ignore[union-attr]
            _assign(self, "broadcast_lines", tuple(panels.broadcast_lines(analysis)))
        if fresh or previous.milestones != analysis.milestones:  # type: ignore[union-attr]
            forecasts = self.acting.forecasts if self.acting else ()
            _assign(self, "milestone_board", panels.milestone_board(analysis, forecasts))
        self._refresh_summary()
        self.attend(analysis)

    def on_watch_status(self, message: WatchStatus) -> None:
        changed = (message.mode, message.note) != (self.watch_mode, self.watch_note)
        self.watch_mode, self.watch_note = message.mode, message.note
        if changed and message.mode == "polling" and message.note:
            self.notify(message.note, title="Polling", severity="warning", markup=False)
        self._refresh_summary()

    # --- the table: the first page first, the rest streamed in -------------------------

    @property
    def _streaming(self) -> bool:
        return self.feed.order is not None and self._shown_limit < len(self.feed.order)

    def _show_table(self, reorder: bool = True) -> None:
        """Show the whole order (a new view, a full analysis). An empty table gets the
        first page at once and the rest in chunks after each paint."""
        if reorder or self.feed.order is None:
            self.feed.reorder(self.table_view)
        total = len(self.feed.order or ())
        if not self.table.shown_keys:
            self._shown_limit = min(total, FIRST_PAGE)
        elif not self._stream_next:
            self._shown_limit = total
        self._show_prefix()

    def _show_prefix(self) -> None:
        self.table.show(self.feed.visible_rows(self._shown_limit))
        self._update_title()
        if self._streaming and not self._stream_next:
            # A timer, not call_after_refresh: the first page must reach the terminal
            # (and keys be served) before the next chunk is added.
            self._stream_next = True
            self.set_timer(STREAM_PAUSE_S, self._stream_more)

    def _stream_more(self) -> None:
        self._stream_next = False
        self._shown_limit += STREAM_CHUNK
        self._show_prefix()

    # --- overlaps: a search over every distinct work, in a worker ----------------------

    def _search_overlaps(self) -> None:
        engine = self.feed.engine
        if engine is None or engine.overlaps_current:
            return
        wait = self._overlaps.wait()
        if wait is None:
            return
        if wait > 0:
            self.set_timer(wait, self._overlaps_due)
            return
        live, threshold, version = engine.overlap_input()
        self.run_worker(
            lambda: (engine, version, self._overlaps.run(live, threshold)),
            thread=True,
            group="overlaps",
            exit_on_error=False,
        )

    def _overlaps_found(self, result: object) -> None:
        self._overlaps.busy = False
        if not isinstance(result, tuple):
            return
        engine, version, found = result
        if not isinstance(engine, LiveAnalysis) or engine is not self.feed.engine:
            return
        if engine.install_overlaps(found, version):
            previous = self.analysis
            self.analysis = engine.analysis
            self._refresh_panels(previous, engine.analysis, False)
        self._search_overlaps()

    def _overlaps_due(self) -> None:
        self._overlaps.timer = False
        self._search_overlaps()
