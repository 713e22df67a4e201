"""The session table: one keyed row per session file, patched in place.

``show(rows)`` diffs the new rows against what is on screen and touches only
what changed: ``add_row`` for new sessions, a cell update for cells whose
text changed (``_set_cell``, which spares the row geometry), a removal for
rows that left, and a re-order only when the order differs. The cheap cell
update, removal and re-order come from ``KeyedTable`` (``table_internals``),
the one file that touches ``DataTable`` internals; this one uses only the
public API of both. A storm
of file events over 10,000 sessions therefore repaints a handful of cells,
never the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import JustifyMethod
from rich.text import Text
from textual.widgets.data_table import CellDoesNotExist, ColumnKey

from coordinator_tui.analysis import Health
from coordinator_tui.render.health import FLAG_STYLE, HEALTH
from coordinator_tui.tui.rows import SessionRow
from coordinator_tui.tui.widgets.table_internals import KeyedTable

# (column key, label, fixed width or None for "fit the content")
WIDE_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("health", "health", 9),
    ("id", "session", None),
    ("work", "work", 40),
    ("age", "heartbeat", 14),
    ("cost", "cost", 10),
    ("beats", "beats", 5),
    ("capabilities", "capabilities", 20),
    ("started", "started", 11),
    ("flags", "flags", 9),
)
MEDIUM_COLUMNS = tuple(c for c in WIDE_COLUMNS if c[0] not in ("capabilities", "started"))
COMPACT_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("symbol", " ", 1),
    ("id", "session", None),
    ("short_age", "age", 4),
    ("cost", "cost", 9),
    ("work", "work", 30),
)
TIERS = {"wide": WIDE_COLUMNS, "medium": MEDIUM_COLUMNS, "compact": COMPACT_COLUMNS}
WIDE_FROM = 118
"""A table narrower than this drops capabilities and started (the detail screen has them);
a 120-column terminal (118 inside the border) still shows them, as the README says."""
COMPACT_COST_FROM = 68
"""A compact table this wide or wider (a side pane of 70 columns, 68 inside the border)
shows the cost column; a narrower one leaves it to the detail screen (the work needs the
room more)."""


def _cells(row: SessionRow, columns: Sequence[str]) -> tuple[str, ...]:
    values = {
        "collective": row.collective,
        "health": row.health_text,
        "symbol": row.symbol,
        "id": row.id,
        "work": row.work,
        "age": row.age,
        "short_age": row.short_age,
        "beats": row.beats,
        "capabilities": row.capabilities,
        "started": row.started,
        "flags": row.flags,
        "cost": row.cost,
    }
    return tuple(values[column] for column in columns)


class SessionTable(KeyedTable):
    """A ``DataTable`` that knows how to apply a new list of ``SessionRow``s cheaply."""

    BINDINGS: ClassVar = [("enter", "select_cursor", "Detail")]

    def __init__(
        self, *, compact: bool = False, collective_width: int = 0, id: str | None = None
    ) -> None:
        """``collective_width``: the collective column's width (0: one collective, none)."""
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.compact = compact
        self.collective_width = collective_width
        self.tier = "compact" if compact else "wide"
        self.show_costs = False
        """Some session's transcripts are read (the screen says): the cost column is
        wanted where there is room."""
        self.cost_shown = False
        self._shown: dict[str, tuple[str, ...]] = {}
        self._health: dict[str, Health] = {}
        self._order: list[str] = []
        self._rows: Sequence[SessionRow] = ()
        self._objects: dict[str, SessionRow] = {}

    @property
    def columns_shown(self) -> tuple[tuple[str, str, int | None], ...]:
        """(key, label, width) of each column: the tier's (the cost only while shown), led
        by the collective's."""
        tier = TIERS[self.tier]
        if not self.cost_shown:
            tier = tuple(column for column in tier if column[0] != "cost")
        if not self.collective_width:
            return tier
        if self.tier == "compact":
            width = min(self.collective_width, 10)
        else:
            width = min(max(self.collective_width, len("collective")), 18)
        return (("collective", "collective"[:width], width), *tier)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _, _ in self.columns_shown)

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label, width in self.columns_shown:
            self.add_column(label, key=key, width=width)
        self._fit_work_column()

    def set_compact(self, compact: bool) -> None:
        self.compact = compact
        self._set_tier(self._tier_for_width())

    def set_costs(self, shown: bool) -> None:
        """Show the cost column (where there is room) once some session has a cost."""
        self.show_costs = shown
        self._set_tier(self._tier_for_width())

    def _tier_for_width(self) -> tuple[str, bool]:
        """(the tier, whether the cost column is in it) for the table's width."""
        if self.compact:
            return "compact", self.show_costs and self.size.width >= COMPACT_COST_FROM
        return ("medium" if 0 < self.size.width < WIDE_FROM else "wide"), self.show_costs

    def _set_tier(self, layout: tuple[str, bool]) -> None:
        """Switch the column set (a layout change, not a data update: rebuilds)."""
        if layout == (self.tier, self.cost_shown):
            return
        self.tier, self.cost_shown = layout
        rows = [self._objects[key] for key in self._order]
        self.clear(columns=True)
        self._shown.clear()
        self._health.clear()
        self._objects.clear()
        self._order = []
        self._add_columns()
        self.show(rows)

    def on_resize(self) -> None:
        self._set_tier(self._tier_for_width())
        self._fit_work_column()

    def _fit_id_column(self, rows: Sequence[SessionRow], grow_only: bool = False) -> None:
        """The id column is as wide as the longest id shown (at most 30)."""
        column = self.columns.get(ColumnKey("id"))
        if column is None:
            return
        width = min(30, max([len("session"), *(len(row.id) for row in rows)]))
        if grow_only and not column.auto_width and width <= column.width:
            return
        if column.auto_width or column.width != width:
            column.auto_width = False
            column.width = width
            self._fit_work_column(force=True)

    def _fit_work_column(self, force: bool = False) -> None:
        """Give the work column whatever the other columns leave (cells end in an ellipsis)."""
        work = self.columns.get(ColumnKey("work"))
        if work is None or not self.size.width:
            return
        others = sum(
            column.get_render_width(self)
            for key, column in self.columns.items()
            if key != ColumnKey("work")
        )
        width = max(12, self.size.width - others - 2 * self.cell_padding - 2)
        if width != work.width or force:
            work.width = width
            self.relayout()

    # --- data -------------------------------------------------------------------------

    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return row_key.value

    def _cell(self, column: str, text: str, health: Health) -> Text:
        style = ""
        if column == "collective":
            style = "bold"
        elif column in ("health", "symbol"):
            style = HEALTH[health].style
        elif column == "flags" and text:
            style = FLAG_STYLE
        elif health is Health.GONE or health is Health.ENDED:
            style = "dim"
        elif health is Health.WAITING:
            style = HEALTH[health].style  # needs a human: the whole row stands out
        justify: JustifyMethod = "right" if column == "cost" else "default"
        return Text(text, style=style, no_wrap=True, overflow="ellipsis", justify=justify)

    def show(self, rows: Sequence[SessionRow]) -> int:
        """Make the table show ``rows`` in this order; returns how many cells changed."""
        self._rows = rows
        self._fit_id_column(rows)
        columns = self.column_keys
        wanted = {row.key for row in rows}
        gone = [key for key in self._shown if key not in wanted]
        selected = self.selected_key()
        touched = self._remove(gone)
        for row in rows:
            touched += self._put(row, columns)
        order = [row.key for row in rows]
        if order != self._order:
            self._reorder(order)
            if selected in wanted:
                self.move_cursor(row=self.get_row_index(selected), scroll=False)
        return touched

    def _put(self, row: SessionRow, columns: tuple[str, ...]) -> int:
        """Add ``row``, or patch the cells of it that changed; how many cells it touched."""
        if self._objects.get(row.key) is row:
            return 0  # the very row object already shown: nothing changed
        self._objects[row.key] = row
        cells = _cells(row, columns)
        old = self._shown.get(row.key)
        touched = 0
        if old is None:
            rendered = [self._cell(c, t, row.health) for c, t in zip(columns, cells, strict=True)]
            self.add_row(*rendered, key=row.key)
            touched += len(cells)
        elif old != cells or self._health[row.key] is not row.health:
            health_changed = self._health[row.key] is not row.health
            for index, column in enumerate(columns):
                if old[index] != cells[index] or health_changed:
                    value = self._cell(column, cells[index], row.health)
                    self.set_cell_quietly(row.key, column, value)
                    touched += 1
        self._shown[row.key] = cells
        self._health[row.key] = row.health
        return touched

    def apply_changes(
        self, rows: Sequence[SessionRow], leaving: Sequence[str], order: Sequence[str]
    ) -> int:
        """The live path: only ``rows`` changed since the last call, ``leaving`` rows left
        the view, and ``order`` is every shown key in order. New rows are added, changed
        cells patched, leavers removed, and the order is set only if it moved: the work
        follows the change, not the number of rows (bar one list comparison)."""
        selected = self.selected_key()
        touched = self._remove([key for key in leaving if key in self._shown])
        self._fit_id_column(rows, grow_only=True)
        columns = self.column_keys
        for row in rows:
            touched += self._put(row, columns)
        if len(order) != len(self._order) or order != self._order:
            self._reorder(list(order))
            if selected is not None and selected in self._shown:
                self.move_cursor(row=self.get_row_index(selected), scroll=False)
        return touched

    def patch(self, rows: Sequence[SessionRow]) -> int:
        """Update some rows already shown (the clock tick, the quick path); order unchanged."""
        columns = self.column_keys
        touched = 0
        for row in rows:
            old = self._shown.get(row.key)
            if old is None:
                continue
            self._objects[row.key] = row
            cells = _cells(row, columns)
            health_changed = self._health[row.key] is not row.health
            for index, column in enumerate(columns):
                if old[index] != cells[index] or health_changed:
                    self.set_cell_quietly(
                        row.key, column, self._cell(column, cells[index], row.health)
                    )
                    touched += 1
            self._shown[row.key] = cells
            self._health[row.key] = row.health
        return touched

    def shown_cells(self, key: str) -> dict[str, str] | None:
        """The plain text each column shows for a row (tests and the load benchmark)."""
        cells = self._shown.get(key)
        return None if cells is None else dict(zip(self.column_keys, cells, strict=True))

    @property
    def shown_keys(self) -> list[str]:
        return list(self._order)

    def _remove(self, keys: list[str]) -> int:
        for key in keys:
            self._shown.pop(key, None)
            self._health.pop(key, None)
            self._objects.pop(key, None)
        self.remove_rows(keys)
        return len(keys)

    def _reorder(self, order: list[str]) -> None:
        """Show ``order``; when the same rows only moved, re-index just the stretch
        between the first and the last place that changed."""
        old = self._order
        span = _changed_span(old, order) if len(old) == len(order) else None
        # A long stretch costs more entry by entry than a new index (25 ms against 10
        # for 10,000 rows): a session moving from the stale block to the working one.
        if span is None or span[1] - span[0] > MOVE_AT_MOST or not self.move_within(order, *span):
            self.put_in_order(order)
        self._order = order


MOVE_AT_MOST = 1000
"""Rows re-placed one by one at most; a longer stretch gets a new index of every row."""


def _changed_span(old: list[str], new: list[str]) -> tuple[int, int] | None:
    """``(start, end)``: ``new[start:end]`` is where two orders of equal length differ
    (one list walk from each end, no dictionary built); None when they are equal."""
    start = next((i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b), None)
    if start is None:
        return None
    end = len(new)
    while end > start and old[end - 1] == new[end - 1]:
        end -= 1
    return start, end
