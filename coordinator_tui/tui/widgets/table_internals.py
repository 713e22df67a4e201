"""Every private ``DataTable`` member the dashboard relies on, in one place.

``DataTable``'s public API makes each update cost O(rows): ``update_cell``
invalidates every row offset, ``remove_row`` rebuilds the row index once per
row, ``sort`` compares cell values, and adding rows measures every new cell.
At 10,000 sessions under a stream of edits that is the difference between a
handful of repainted cells and a frozen screen. ``KeyedTable`` adds the cheap
versions for a table whose rows are one line high and whose columns have a
fixed width. Each method says which private member it uses and why;
``tests/tui/test_table_internals.py`` tests each one, and Textual is pinned to
the minor range they were tested with, so an upgrade breaks CI, not a screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual._two_way_dict import TwoWayDict  # private: the row index DataTable keeps
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

PRIVATE_MEMBERS = (
    "_data",
    "_row_locations",
    "_updated_cells",
    "_new_rows",
    "_require_update_dimensions",
    "_update_count",
    "_row_render_cache",
    "_cell_render_cache",
    "_row_renderable_cache",
    "_line_cache",
    "_total_row_height",
    "_row_label_column_width",
    "_update_dimensions",
    "_get_offsets",
    "_get_row_region",
    "_get_cell_region",
    "_header_row_key",
)
"""The ``DataTable`` members below read, write or override (a test checks each exists)."""
BULK = 50
"""Above this many removals at once, remove in one pass (``remove_row`` is linear)."""


class KeyedTable(DataTable[Text]):
    """A ``DataTable`` with O(1) cell updates, bulk removal and re-ordering by row key."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self._cells_changed = False

    def set_cell_quietly(self, row_key: str, column_key: str, value: Text) -> None:
        """``update_cell`` without invalidating the row geometry.

        ``update_cell`` bumps ``_update_count``, which makes the next frame
        recompute every row's offset. Our rows are one line high and our columns
        fixed-width, so writing ``_data`` and dropping the rendered-line caches
        (in ``render_line``) is enough; only a visible row asks for a new frame.
        """
        key = RowKey(row_key)
        self._data[key][ColumnKey(column_key)] = value
        self._cells_changed = True
        index = self._row_locations.get(key)
        top = int(self.scroll_y)
        if index is not None and top - 1 <= index <= top + self.size.height:
            self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._cells_changed:
            self._cells_changed = False
            self._row_render_cache.clear()
            self._cell_render_cache.clear()
            self._row_renderable_cache.clear()
            self._line_cache.clear()
        return super().render_line(y)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Skip measuring every new cell when no column sizes itself to its content.

        With fixed-width columns and one-line rows, the measuring pass over new
        rows (72,000 cells for the first paint of 10,000 sessions) cannot change
        anything; the virtual size follows from the widths and the row count.
        """
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            width + self._row_label_column_width, self._total_row_height + header
        )

    def relayout(self) -> None:
        """After changing a column's width by hand: recompute sizes and offsets."""
        self._require_update_dimensions = True
        self._update_count += 1
        self.refresh(layout=True)

    def remove_rows(self, keys: Sequence[str]) -> None:
        """Remove rows by key; more than ``BULK`` at once in one pass over the index."""
        if len(keys) <= BULK:
            for key in keys:
                self.remove_row(key)
            return
        # What remove_row does for one row, done once for all of them.
        doomed = {RowKey(key) for key in keys}
        for row_key in doomed:
            for column_key in self._data.get(row_key, {}):
                self._updated_cells.discard(CellKey(row_key, column_key))
            self.rows.pop(row_key, None)
            self._data.pop(row_key, None)
            self._new_rows.discard(row_key)
        locations = self._row_locations
        kept = sorted(
            (index, row_key)
            for row_key in locations
            if row_key not in doomed and (index := locations.get(row_key)) is not None
        )
        self._row_locations = TwoWayDict({row_key: i for i, (_, row_key) in enumerate(kept)})
        self.relayout()
        self.cursor_coordinate = self.cursor_coordinate

    def put_in_order(self, order: Sequence[str]) -> None:
        """Show the rows in ``order`` (all keys): what ``sort()`` does, by key, not by value.
        The table's own key objects are kept (making 10,000 again took 5 ms)."""
        held = {row_key.value: row_key for row_key in self._row_locations}
        self._row_locations = TwoWayDict(
            {held.get(key) or RowKey(key): index for index, key in enumerate(order)}
        )
        self._update_count += 1
        self.refresh()

    def move_within(self, order: Sequence[str], start: int, end: int) -> bool:
        """Place the rows of ``order[start:end]`` at those indexes, the others staying put:
        a row that moved a few places costs a few entries, not a new index of every row.
        False (nothing changed) when those indexes do not hold the same rows now."""
        locations = self._row_locations
        keys = [RowKey(key) for key in order[start:end]]
        held = {locations.get_key(index) for index in range(start, end)}
        if len(held) != len(keys) or held != set(keys):
            return False
        for index, key in enumerate(keys, start):
            locations[key] = index
        self._update_count += 1
        self.refresh()
        return True

    # --- one line a row: where a row lies follows from its index --------------------------
    # DataTable sums the heights of every row above (``ordered_rows``, ``_y_offsets``)
    # after each change of order: O(rows) per frame at 10,000 sessions. Every row here
    # is one line high (``add_row``'s default, never changed).

    @property
    def _total_row_height(self) -> int:
        return len(self._row_locations)

    def _get_offsets(self, y: int) -> tuple[RowKey, int]:
        if self.show_header:
            if y < self.header_height:
                return self._header_row_key, y
            y -= self.header_height
        key = self._row_locations.get_key(y)
        if key is None:
            raise LookupError(f"Y coord {y!r} is greater than total height")
        return key, 0

    def _get_row_region(self, row_index: int) -> Region:
        if not self.is_valid_row_index(row_index):
            return Region(0, 0, 0, 0)
        width = sum(column.get_render_width(self) for column in self.columns.values())
        width += self._row_label_column_width
        return Region(0, self._row_top(row_index), max(self.size.width, width), 1)

    def _get_cell_region(self, coordinate: Coordinate) -> Region:
        if not self.is_valid_coordinate(coordinate):
            return Region(0, 0, 0, 0)
        row_index, column_index = coordinate
        columns = self.ordered_columns
        x = sum(column.get_render_width(self) for column in columns[:column_index])
        width = columns[column_index].get_render_width(self)
        return Region(x + self._row_label_column_width, self._row_top(row_index), width, 1)

    def _row_top(self, row_index: int) -> int:
        return row_index + (self.header_height if self.show_header else 0)
