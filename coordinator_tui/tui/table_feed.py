"""The session table fed from every collective's rows: an empty table gets a first page
at once and the rest in chunks after each paint; a live update adds, patches or moves
only the rows it changed; the title says how many rows of how many show, and why.

A plain helper of the dashboard screen: it holds the rows (``TableRows``) and drives
the one ``SessionTable`` the screen gives it, asking the screen only for timers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from coordinator_tui.tui.table_view import Applied, FirstPage, TableRows, TableView
from coordinator_tui.tui.widgets.session_table import SessionTable

FIRST_PAGE = 120
"""Rows put in an empty table before the first paint (more than a tall terminal shows)."""
STREAM_CHUNK = 1000
"""Rows added after each paint until the table holds them all."""
STREAM_PAUSE_S = 0.03
"""Between two chunks: time for a frame and for waiting keys."""


class TableFeed:
    def __init__(
        self,
        table: Callable[[], SessionTable],
        later: Callable[[float, Callable[[], object]], object],
        counted: Callable[[], object],
    ) -> None:
        """``table`` finds the widget, ``later(seconds, callback)`` sets a timer, and
        ``counted`` is told when the number of rows the view shows changed."""
        self.rows = TableRows()
        self.view = TableView()
        """What the table shows (the screen sets it: filter, sort, gone)."""
        self._table = table
        self._later = later
        self._counted = counted
        self.shown_limit = 0
        """How many rows of the order the table holds (the first page first, then the rest)."""
        self._stream_next = False
        """A chunk is due after the next paint."""
        self._first_page_only = False
        """The table holds a first page sent ahead of its analysis's other rows."""
        self._title: tuple[str, str] | None = None
        self.shown = 0
        """Rows the view shows (the title counts them)."""

    @property
    def streaming(self) -> bool:
        return self.rows.order is not None and self.shown_limit < len(self.rows.order)

    def show(self, reorder: bool = True) -> None:
        """Show the whole order (a new view, a full analysis). An empty table gets the
        first page at once and the rest in chunks after each paint."""
        if reorder or self.rows.order is None:
            self.rows.reorder(self.view)
        total = len(self.rows.order or ())
        table = self._table()
        if not table.shown_keys or self._first_page_only:
            self._first_page_only = False
            self.shown_limit = min(total, FIRST_PAGE)
        elif not self._stream_next:
            self.shown_limit = total
        self._show_prefix()

    def first_page(self, page: FirstPage) -> bool:
        """A first analysis's first rows, shown while the table is empty; whether they were."""
        table = self._table()
        if table.shown_keys:
            return False
        table.show(page.rows)
        self._first_page_only = True
        self.title((page.shown, len(page.analysis.sessions)))
        return True

    def live(self, applied: Applied) -> None:
        """A live update's rows: patched in place, unless the order is being rebuilt."""
        order = self.rows.order
        if self.streaming or order is None or order.view != self.view:
            self.show(reorder=order is None or order.view != self.view)
        else:
            self._table().apply_changes(applied.rows, applied.leaving, order.keys)
            self.title()

    def aged(self, now: datetime) -> None:
        """The age cells whose wording changed with the clock."""
        due = self.rows.aged(now)
        if due:
            self._table().patch(due)

    def title(self, counts: tuple[int, int] | None = None) -> None:
        """Set only when the words change: each assignment repaints the whole table.
        ``counts``: (shown, total) when the rows are not held yet."""
        shown, total = counts or (len(self.rows.order or ()), len(self.rows.rows))
        title = self.view.title(shown, total), self.view.subtitle(shown, total)
        if title != self._title:
            self._title, self.shown = title, shown
            table = self._table()
            table.border_title, table.border_subtitle = title
            self._counted()

    def _show_prefix(self) -> None:
        self._table().show(self.rows.visible_rows(self.shown_limit))
        self.title()
        if self.streaming and not self._stream_next:
            # A timer, not call_after_refresh: the first page must reach the terminal
            # (and keys be served) before the next chunk is added.
            self._stream_next = True
            self._later(STREAM_PAUSE_S, self._stream_more)

    def _stream_more(self) -> None:
        self._stream_next = False
        self.shown_limit += STREAM_CHUNK
        self._show_prefix()
