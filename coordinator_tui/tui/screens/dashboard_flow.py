"""The dashboard's side of the live path: the table shown a page first, panels worded
again only when their part of the analysis changed, overlaps searched in a worker.

A base class of ``DashboardScreen`` (which owns the reactive state and the data
flow's entry points), apart so each module stays small.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from textual import events, on
from textual.widgets import Input

from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.live import LiveAnalysis
from coordinator_tui.analysis.live.search import OverlapSearch
from coordinator_tui.tui import panels
from coordinator_tui.tui.events import FirstPageReady, WatchStatus
from coordinator_tui.tui.keys import catch_up_filter
from coordinator_tui.tui.live import LiveFeed
from coordinator_tui.tui.panels import Alert
from coordinator_tui.tui.screens.dashboard_attention import DashboardAttention
from coordinator_tui.tui.table_view import FirstPage, TableView

FIRST_PAGE = 120
"""Rows put in an empty table before the first paint (more than a tall terminal shows)."""
STREAM_CHUNK = 1000
"""Rows added after each paint until the table holds them all."""
STREAM_PAUSE_S = 0.03
"""Between two chunks: time for a frame and for waiting keys."""
TYPING_PAUSE_S = 0.4
"""Changed files wait while keys come closer than this (``defer_while_typing``)."""
MAX_DEFER_S = 1.0
"""…but never longer than this: the rows stay live while someone types on and on."""


def _assign(screen: Any, name: str, value: object) -> None:
    """Set a bound reactive only when the value differs (no repaint otherwise)."""
    if getattr(screen, name) != value:
        setattr(screen, name, value)


class DashboardFlow(DashboardAttention):
    """Table streaming, panel refreshes and the overlap worker; the screen sets these."""

    feed: LiveFeed
    table_view: TableView
    _first_seen: dict[str, datetime]
    _stale_alerts: panels.StaleAlerts
    _shown_limit: int
    _stream_next = False
    """A chunk of the first load is due after the next paint."""
    _first_page_only = False
    """The table holds a first page sent ahead of its analysis's other rows."""
    _overlaps: OverlapSearch
    _title: tuple[str, str] | None
    _typed_at = -float("inf")
    _deferring = False
    _defer_started = 0.0
    _deferred: frozenset[str] | None = frozenset()
    """Changed files waiting for a pause in typing; None: compare everything."""
    watch_mode: str
    watch_note: str

    def _update_title(self, counts: tuple[int, int] | None = None) -> None:
        """Set only when the words change: each assignment repaints the whole table.
        ``counts``: (shown, total) when the feed does not hold the rows yet."""
        shown, total = counts or (len(self.feed.order or ()), len(self.feed.rows))
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

    def _live_update(self, paths: list[str] | set[str] | None) -> None:
        raise NotImplementedError

    def _refresh_panels(
        self,
        previous: Analysis | None,
        analysis: Analysis,
        stale_moved: bool,
        found: list[Alert] | None = None,
        attend: bool = True,
    ) -> None:
        """Word again only the panels whose part of the analysis changed; assign only
        what differs (each assignment repaints a bound widget). ``attend``: ring for new
        waiting sessions and queue an acting run (not for a first page)."""
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
            found = self._stale_alerts.alerts(analysis, self._first_seen, engine.stale)
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
        if attend:
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
        if not self.table.shown_keys or self._first_page_only:
            self._first_page_only = False
            self._shown_limit = min(total, FIRST_PAGE)
        elif not self._stream_next:
            self._shown_limit = total
        self._show_prefix()

    def on_first_page_ready(self, message: FirstPageReady) -> None:
        """The first analysis's first rows, before its worker has built the others: the
        counts, the panels and the top of the table paint now. The full result lands on
        them unchanged (an equal analysis, equal rows) and streams the rest in."""
        page = message.page
        if self.feed.engine is not None or self.table.shown_keys or page.view != self.table_view:
            page.painted.set()
            return  # the full result is here, or the view changed (it re-orders)
        self.analysis = page.analysis
        self._refresh_panels(None, page.analysis, True, page.alerts, attend=False)
        # The counts and panels are drawn first, the rows in the frame after: a frame
        # that adds rows redraws the table alone, and the counts came one frame later.
        self.call_after_refresh(self._show_first_page, page)

    def _show_first_page(self, page: FirstPage) -> None:
        if self.feed.engine is None and not self.table.shown_keys:
            self.table.show(page.rows)
            self._first_page_only = True
            self._update_title((page.shown, len(page.analysis.sessions)))
        self.call_after_refresh(page.painted.set)  # then the worker builds the other rows

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

    # --- keys first: while keys come, changed files wait for a pause --------------------

    def defer_while_typing(self, paths: list[str] | None) -> bool:
        """True when ``paths`` wait: a key came within ``TYPING_PAUSE_S`` (or changes
        already wait). Under 200 changes a second at 10,000 sessions each batch is
        milliseconds of this thread; gathered while someone types, a key is served at
        once and the rows catch up in one update when typing pauses (``MAX_DEFER_S``
        at the latest)."""
        now = time.monotonic()
        if not self._deferring and now - self._typed_at >= TYPING_PAUSE_S:
            return False
        if paths is None or self._deferred is None:
            self._deferred = None  # compare everything
        else:
            self._deferred = self._deferred.union(paths)
        if not self._deferring:
            self._deferring, self._defer_started = True, now
            self.set_timer(TYPING_PAUSE_S, self._flush_deferred)
        return True

    def _flush_deferred(self) -> None:
        now = time.monotonic()
        typing = TYPING_PAUSE_S - (now - self._typed_at)
        if typing > 0 and now - self._defer_started < MAX_DEFER_S:
            self.set_timer(typing, self._flush_deferred)
            return
        paths, self._deferred, self._deferring = self._deferred, frozenset(), False
        self._live_update(None if paths is None else sorted(paths))

    # --- actions ----------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        self.set_focus(box)  # at once: keys typed right after "/" must reach the box

    def on_key(self, event: events.Key) -> None:
        """``/`` and a burst typed after it (``keys.catch_up_filter``); and keys first."""
        self._typed_at = time.monotonic()
        catch_up_filter(self, self.query_one("#filter", Input), event)

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
            self.table_view = self.table_view.filtered("")
            self.table.focus()

    def action_cycle_sort(self) -> None:
        self.table_view = self.table_view.next_sort()  # the table's title names it

    def action_toggle_gone(self) -> None:
        self.table_view = self.table_view.toggled_gone()
        shown = self.table_view.show_gone
        words = "Gone and ended sessions shown" if shown else "Gone and ended sessions hidden"
        self.notify(words, timeout=2)
