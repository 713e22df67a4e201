"""The first load of a big directory: the first page at once, the rest streamed in,
the counts right from the first paint; then edits land in their sorted place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.analysis import Analysis
from coordinator_tui.settings import Settings
from coordinator_tui.tui import collective as collective_module
from coordinator_tui.tui.app import create_app
from coordinator_tui.tui.rows import RowBuilder, SessionRow
from coordinator_tui.tui.table_feed import FIRST_PAGE
from coordinator_tui.tui.widgets.session_table import SessionTable
from tests.collective import NOW, session
from tests.tui.conftest import MovableClock, only, ready, shown, wait_for

pytestmark = pytest.mark.anyio
COUNT = 400


def _many(root: Path) -> Path:
    for index in range(COUNT):
        age = timedelta(minutes=index % 7) if index % 10 else timedelta(hours=5)  # 10 % gone
        session(root, f"session-{index:04d}", f"task {index}", NOW - age)
    return root


async def test_first_page_first_then_every_row_and_counts_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _many(tmp_path / "coordination")
    shows: list[tuple[int, str]] = []
    real_show = SessionTable.show

    def spy(table: SessionTable, rows: Sequence[SessionRow]) -> int:
        summary = app.dashboard.summary
        shows.append((len(rows), str(summary[0].counts if summary else None)))
        return real_show(table, rows)

    monkeypatch.setattr(SessionTable, "show", spy)
    app = create_app(root, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        screen = app.dashboard
        visible = COUNT - COUNT // 10
        await wait_for(pilot, lambda: len(shown(app)) == visible, "every row")
        assert screen.feed.rows.order is not None and shown(app) == screen.feed.rows.order.keys
        assert screen.summary is not None
        assert ("live", visible, "bold") in screen.summary[0].counts
        assert f"Sessions {visible}/{COUNT}" in str(screen.table.border_title)
    sizes = [size for size, _ in shows if size]
    assert sizes[0] == FIRST_PAGE and sizes[-1] == visible and sizes == sorted(sizes)
    # The summary strip already had the final counts when the first page went in.
    counts = str(screen.summary[0].counts)
    assert shows[[size for size, _ in shows].index(FIRST_PAGE)][1] == counts


async def test_an_edit_moves_one_row_to_its_sorted_place(tmp_path: Path) -> None:
    root = _many(tmp_path / "coordination")
    app = create_app(root, Settings(), clock=MovableClock())
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(shown(app)) == COUNT - COUNT // 10, "every row")
        await pilot.press("s")  # sort by id
        # A gone session comes back with a fresh heartbeat: it reappears where its id says.
        session(root, "session-0010", "back again", NOW - timedelta(seconds=5))
        key = "sessions/session-0010.json"
        await wait_for(pilot, lambda: key in shown(app), "the returning session")
        order = shown(app)
        assert order.index(key) == order.index("sessions/session-0009.json") + 1
        assert order == sorted(order)
        cells = app.dashboard.table.shown_cells(key)
        assert cells is not None and cells["work"] == "back again"


@pytest.mark.parametrize("most", [1000, 2])
async def test_a_row_that_moves_reindexes_a_stretch_not_the_whole_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    """An edit that moves a shown row (no row added or removed) re-indexes only the
    stretch between its old and new place (``move_within``), never all 360 rows; a
    stretch longer than ``MOVE_AT_MOST`` gets a new index of every row instead, with the
    table's own key objects. Either way every row's index is its place."""
    from coordinator_tui.tui.widgets import session_table
    from coordinator_tui.tui.widgets.table_internals import KeyedTable

    monkeypatch.setattr(session_table, "MOVE_AT_MOST", most)

    root = _many(tmp_path / "coordination")
    app = create_app(root, Settings(), clock=MovableClock())
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(shown(app)) == COUNT - COUNT // 10, "every row")
        whole: list[int] = []
        stretches: list[tuple[int, int]] = []
        real_whole, real_stretch = KeyedTable.put_in_order, KeyedTable.move_within

        def spy_whole(table: KeyedTable, order: Sequence[str]) -> None:
            whole.append(len(order))
            real_whole(table, order)

        def spy_stretch(table: KeyedTable, order: Sequence[str], start: int, end: int) -> bool:
            stretches.append((start, end))
            return real_stretch(table, order, start, end)

        monkeypatch.setattr(KeyedTable, "put_in_order", spy_whole)
        monkeypatch.setattr(KeyedTable, "move_within", spy_stretch)
        key = "sessions/session-0201.json"
        before = shown(app).index(key)
        keys_before = {k.value: k for k in app.dashboard.table._row_locations}
        # Working a minute ago; now its last beat is 40 minutes old: it turns stale and
        # moves to its place by attention, no row coming or going.
        session(root, "session-0201", "task 201", NOW - timedelta(minutes=40))
        await wait_for(pilot, lambda: shown(app).index(key) != before, "the row moved")
        table = app.dashboard.table
        order = shown(app)
        if most == 2:  # the stretch is longer: one new index of every row
            assert whole == [len(order)] and stretches == []
            assert all(
                table._row_locations.get_key(i) is keys_before[k] for i, k in enumerate(order)
            )
        else:
            assert whole == [] and len(stretches) == 1
            start, end = stretches[0]
            assert start <= min(before, order.index(key)) and end > max(before, order.index(key))
            assert end - start < len(order)
        assert [table.get_row_index(key) for key in order] == list(range(len(order)))


async def test_the_first_page_is_on_screen_before_the_other_rows_are_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first analysis sends its first page ahead (``FirstPageReady``): when its worker
    starts building the other rows, the page is drawn already, in the final order, with
    the title and summary counts the full result gives, and no result applied yet."""
    root = _many(tmp_path / "coordination")
    seen: list[tuple[list[str], bool, str, str]] = []
    real_rows = RowBuilder.rows

    def spy(builder: RowBuilder, analysis: Analysis) -> list[SessionRow]:
        screen = app.dashboard
        summary = screen.summary
        seen.append(
            (
                list(screen.table.shown_keys),
                only(app).engine is None,
                str(screen.table.border_title),
                str(summary[0].counts if summary else None),
            )
        )
        return real_rows(builder, analysis)

    monkeypatch.setattr(RowBuilder, "rows", spy)
    # The worker waits for the paint half a second at most; a loaded machine may take
    # longer to paint, and the order is what is tested here, not the machine's speed.
    monkeypatch.setattr(collective_module, "PAINT_WAIT_S", 60.0)
    app = create_app(root, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        visible = COUNT - COUNT // 10
        await wait_for(pilot, lambda: len(shown(app)) == visible, "every row")
        summary = app.dashboard.summary
        final, counts = shown(app), str(summary[0].counts if summary else None)
    page, no_result_yet, title, early_counts = seen[0]
    assert no_result_yet and page == final[:FIRST_PAGE]
    assert f"Sessions {visible}/{COUNT}" in title and early_counts == counts
