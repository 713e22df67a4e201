"""Each private ``DataTable`` member ``KeyedTable`` relies on, tested on its own.

Textual is pinned to the minor range these pass with; an upgrade that renames or
changes one of them fails here, in one place, before it reaches a screen.
"""

from __future__ import annotations

import inspect
import re

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

from coordinator_tui.tui.widgets import session_table
from coordinator_tui.tui.widgets.table_internals import BULK, PRIVATE_MEMBERS, KeyedTable

pytestmark = pytest.mark.anyio
SIZE = (40, 12)


class TableApp(App[None]):
    def __init__(self, rows: int, auto_width: bool = False) -> None:
        super().__init__()
        self.count = rows
        self.auto_width = auto_width

    def compose(self) -> ComposeResult:
        yield KeyedTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(KeyedTable)
        table.add_column("id", key="id", width=None if self.auto_width else 8)
        table.add_column("value", key="value", width=10)
        for index in range(self.count):
            table.add_row(Text(f"r{index:03}"), Text(f"v{index}"), key=f"r{index:03}")


def table_of(app: TableApp) -> KeyedTable:
    return app.query_one(KeyedTable)


def line(table: KeyedTable, y: int) -> str:
    """The text of screen line ``y`` of the table (0 is the header)."""
    return table.render_line(y).text


def test_every_private_member_exists_on_this_textual() -> None:
    table = DataTable[Text]()
    missing = [name for name in PRIVATE_MEMBERS if not hasattr(table, name)]
    assert missing == []


def test_session_table_touches_no_datatable_internals_itself() -> None:
    """Only ``table_internals`` may use DataTable's private members."""
    source = inspect.getsource(session_table)
    used = set(re.findall(r"self\.(_[a-z]\w*)", source))
    table = DataTable[Text]()
    assert sorted(name for name in used if hasattr(table, name)) == []
    assert "textual._" not in source


async def test_set_cell_quietly_writes_data_and_repaints_without_relayout() -> None:
    app = TableApp(5)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await pilot.pause()
        assert "v2" in line(table, 3)
        before = table._update_count
        table.set_cell_quietly("r002", "value", Text("changed"))
        assert table._data[RowKey("r002")][ColumnKey("value")] == Text("changed")
        assert table._update_count == before  # row offsets are not recomputed
        # render_line drops the row, cell, renderable and line caches once.
        assert "changed" in line(table, 3)
        assert len(table._line_cache) >= 1


async def test_put_in_order_reorders_by_key_through_row_locations() -> None:
    app = TableApp(4)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        table.put_in_order(["r003", "r001", "r000", "r002"])
        await pilot.pause()
        assert [table.get_row_index(key) for key in ("r003", "r001", "r000", "r002")] == [
            0,
            1,
            2,
            3,
        ]
        assert "r003" in line(table, 1) and "r002" in line(table, 4)
        assert table.get_row_at(0) == [Text("r003"), Text("v3")]


@pytest.mark.parametrize("removed", [BULK, BULK + 10])
async def test_remove_rows_small_and_bulk_paths_agree(removed: int) -> None:
    """``BULK`` rows go through ``remove_row``; more take the one-pass path."""
    total = 2 * BULK + 20
    app = TableApp(total)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        table.move_cursor(row=total - 1)
        await pilot.pause()
        doomed = [f"r{index:03}" for index in range(0, 2 * removed, 2)]  # every other row
        table.remove_rows(doomed)
        await pilot.pause()
        kept = [f"r{index:03}" for index in range(total) if f"r{index:03}" not in set(doomed)]
        assert table.row_count == total - removed
        assert [table.get_row_index(key) for key in kept] == list(range(len(kept)))
        assert not any(RowKey(key) in table._data for key in doomed)
        assert not any(RowKey(key) in table.rows for key in doomed)
        assert not any(cell.row_key in set(map(RowKey, doomed)) for cell in table._updated_cells)
        assert not table._new_rows & set(map(RowKey, doomed))
        assert table.cursor_row == len(kept) - 1  # clamped into the shorter table
        assert table.virtual_size.height == len(kept) + 1  # rows and the header
        assert table.get_row_at(0) == [Text("r001"), Text("v1")]
        table.scroll_home(animate=False)
        await pilot.pause()
        assert "r001" in line(table, 1) and "r003" in line(table, 2)
        # The table still takes new rows after a removal.
        table.add_row(Text("new"), Text("n"), key="new")
        await pilot.pause()
        assert table.get_row_index("new") == len(kept)


async def test_bulk_removal_forgets_cells_pending_a_dimension_update() -> None:
    app = TableApp(BULK + 5)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await pilot.pause()
        table.update_cell("r000", "value", Text("pending"), update_width=True)  # queued
        assert CellKey(RowKey("r000"), ColumnKey("value")) in (table._updated_cells)
        table.remove_rows([f"r{index:03}" for index in range(BULK + 1)])
        assert table._updated_cells == set()
        assert table._require_update_dimensions
        await pilot.pause()
        assert table.row_count == 4


async def test_update_dimensions_skips_measuring_with_fixed_widths() -> None:
    app = TableApp(30)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await pilot.pause()
        widths = sum(column.get_render_width(table) for column in table.columns.values())
        assert table.virtual_size.width == widths + table._row_label_column_width
        assert table.virtual_size.height == table._total_row_height + 1 == 31


async def test_update_dimensions_measures_when_a_column_fits_its_content() -> None:
    app = TableApp(3, auto_width=True)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await pilot.pause()
        table.add_row(Text("a much longer id"), Text("x"), key="long")
        await pilot.pause()
        id_column = table.columns[ColumnKey("id")]
        assert id_column.content_width == len("a much longer id")


async def test_relayout_applies_a_hand_set_column_width() -> None:
    app = TableApp(3)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await pilot.pause()
        before = table._update_count
        table.columns[ColumnKey("value")].width = 20
        table.relayout()
        assert table._require_update_dimensions and table._update_count == before + 1
        await pilot.pause()
        widths = sum(column.get_render_width(table) for column in table.columns.values())
        assert table.virtual_size.width == widths
        assert widths == 8 + 20 + 4 * table.cell_padding


async def test_one_line_rows_answer_where_a_row_lies_as_datatable_does() -> None:
    """``_total_row_height``, ``_get_offsets`` and the row and cell regions follow from
    the row's index here; DataTable's own versions sum every row above. Both must agree
    for every row, before and after a re-ordering."""
    app = TableApp(30)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        await pilot.pause()
        for order in (None, [f"r{index:03}" for index in reversed(range(30))]):
            if order is not None:
                table.put_in_order(order)
                await pilot.pause()
            assert table._total_row_height == DataTable._total_row_height.fget(table) == 30  # type: ignore[attr-defined]
            for y in range(31):
                assert table._get_offsets(y) == DataTable._get_offsets(table, y)
            for row in range(-1, 31):
                assert table._get_row_region(row) == DataTable._get_row_region(table, row)
                for column in range(3):
                    place = Coordinate(row, column)
                    assert table._get_cell_region(place) == DataTable._get_cell_region(table, place)
        with pytest.raises(LookupError):
            table._get_offsets(40)


async def test_move_within_reindexes_only_the_stretch_that_moved() -> None:
    app = TableApp(10)
    async with app.run_test(size=SIZE) as pilot:
        table = table_of(app)
        order = [f"r{index:03}" for index in range(10)]
        moved = [*order[:3], order[7], *order[3:7], *order[8:]]  # r007 moves up to 3
        before = table._update_count
        assert table.move_within(moved, 3, 8)
        assert table._update_count == before + 1
        await pilot.pause()
        assert [table.get_row_index(key) for key in moved] == list(range(10))
        assert "r007" in line(table, 4) and "r006" in line(table, 8)
        # A stretch that does not hold the same rows is refused, nothing touched.
        assert not table.move_within([*order[:2], "r009", "r008", *order[4:]], 2, 4)
        assert [table.get_row_index(key) for key in moved] == list(range(10))


def test_the_changed_span_of_two_orders() -> None:
    span = session_table._changed_span
    assert span(["a", "b", "c", "d"], ["a", "b", "c", "d"]) is None
    assert span(["a", "b", "c", "d"], ["a", "c", "b", "d"]) == (1, 3)
    assert span(["a", "b", "c", "d"], ["d", "a", "b", "c"]) == (0, 4)
    assert span(["a", "b", "c", "d"], ["a", "b", "d", "c"]) == (2, 4)
