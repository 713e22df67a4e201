"""A collective's live path: changed files → rows and the visible order of every
collective's rows (``TableRows``), equal to building everything again."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.tui.collective import Collective, analyse_for_screen, changed_paths
from coordinator_tui.tui.rows import RowBuilder, SessionRow
from coordinator_tui.tui.table_view import FirstPage, TableRows, TableView, first_page
from tests.collective import NOW, build_collective, session, write_json


def _fresh(
    store: Store, view: TableView, builder: RowBuilder | None = None
) -> tuple[list[str], dict[str, object]]:
    """The visible keys and rows a full analysis and a fresh row builder give."""
    fresh = RowBuilder(builder.collective, builder.prefix) if builder else RowBuilder()
    rows = {row.key: row for row in fresh.rows(analyse(store.snapshot(), NOW))}
    return [row.key for row in view.visible(rows.values())], dict(rows)


def _installed(
    root: Path, view: TableView, rows: TableRows, name: str = "c", several: bool = False
) -> Collective:
    """A collective over ``root`` whose full analysis is installed in ``rows``."""
    collective = Collective(0, name, root, Settings(), several)
    collective.store.scan()
    collective.snapshot = collective.store.snapshot()
    result = analyse_for_screen(
        collective.snapshot, NOW, Settings(), collective.builder, {}, view, 1
    )
    collective.install(result)
    rows.install(collective.label, result.rows, None if several else result.order)
    if several:
        rows.reorder(view)
    return collective


def _apply(collective: Collective, rows: TableRows, path: Path):  # type: ignore[no-untyped-def]
    change = collective.store.apply([str(path)])
    collective.snapshot = collective.store.snapshot()
    delta = collective.live_update(NOW, changed_paths(change))
    assert delta is not None
    return rows.apply(delta.fresh, delta.removed)


def test_each_change_reaches_exactly_the_rows_a_full_rebuild_gives(tmp_path: Path) -> None:
    build_collective(tmp_path)
    view = TableView(filter_text="s")
    table = TableRows()
    collective = _installed(tmp_path, view, table)
    store = collective.store
    beat = NOW - timedelta(minutes=1)
    edits = [
        lambda: session(tmp_path, "session-0001", "spec_generation", beat),  # a new duplicate
        lambda: session(tmp_path, "session-1004", "treasury audit", beat),  # moves in the order
        lambda: session(tmp_path, "session-1001", "x", NOW - timedelta(hours=5)),  # turns gone
        lambda: (tmp_path / "sessions" / "session-0001.json").unlink(),
    ]
    for edit in edits:
        path = edit() or tmp_path / "sessions" / "session-0001.json"
        applied = _apply(collective, table, path)
        keys, rows = _fresh(store, view)
        assert table.order is not None and table.order.keys == keys
        assert table.rows == rows
        assert {row.key for row in applied.rows} <= set(keys)
        assert not set(applied.leaving) & set(keys)


def test_two_collectives_rows_stay_apart_and_equal_a_full_rebuild_of_each(
    tmp_path: Path,
) -> None:
    """Two directories with the same file names: their rows are keyed by collective, an
    edit in one changes its rows only, and the whole order equals sorting every row of
    both built again, for each sort."""
    first, second = build_collective(tmp_path / "alpha"), build_collective(tmp_path / "beta")
    view = TableView.for_collectives(2)
    table = TableRows()
    alpha = _installed(first, view, table, "alpha", several=True)
    beta = _installed(second, view, table, "beta", several=True)
    beta.index = 1
    assert len(table.rows) == 2 * len(alpha.analysis.sessions)  # type: ignore[union-attr]
    assert {row.collective for row in table.rows.values()} == {"alpha", "beta"}
    before = {key: row for key, row in table.rows.items() if key.startswith("alpha/")}
    path = session(second, "session-1004", "treasury audit", NOW - timedelta(minutes=1))
    applied = _apply(beta, table, path)
    assert [row.key for row in applied.rows] == ["beta/sessions/session-1004.json"]
    assert {k: r for k, r in table.rows.items() if k.startswith("alpha/")} == before
    for sort in view.sorts:
        sorted_view = TableView(sort=sort, sorts=view.sorts)
        table.reorder(sorted_view)
        _, alpha_rows = _fresh(alpha.store, sorted_view, alpha.builder)
        _, beta_rows = _fresh(beta.store, sorted_view, beta.builder)
        every = {**alpha_rows, **beta_rows}
        assert table.rows == every
        wanted = [row.key for row in sorted_view.visible(every.values())]  # type: ignore[arg-type]
        assert table.order is not None and table.order.keys == wanted
    grouped = [key.split("/")[0] for key in table.reorder(view).keys]
    assert grouped == sorted(grouped)  # "collective": each directory's rows together


def test_a_session_that_leaves_the_view_is_named_as_leaving(tmp_path: Path) -> None:
    build_collective(tmp_path)
    table = TableRows()
    collective = _installed(tmp_path, TableView(), table)
    key = "sessions/session-1004.json"
    assert table.order is not None and key in table.order
    path = session(tmp_path, "session-1004", "still here", NOW - timedelta(hours=9))  # gone
    applied = _apply(collective, table, path)
    assert applied.leaving == [key]
    assert key not in table.order and key in table.rows


def test_without_a_full_analysis_there_is_nothing_to_update(tmp_path: Path) -> None:
    collective = Collective(0, "c", build_collective(tmp_path), Settings(), False)
    collective.store.scan()
    collective.snapshot = collective.store.snapshot()
    assert collective.live_update(NOW, None) is None


def test_stale_alerts_are_made_once_per_session_and_beat(tmp_path: Path) -> None:
    """Under a stream of edits the alerts are listed again per batch: a stale session's
    alert is the same object until its beat moves, and the list stays newest first."""
    from coordinator_tui.tui import panels

    root = tmp_path / "c"
    for number in range(6):
        session(root, f"session-{number}", f"work {number}", NOW - timedelta(minutes=20 + number))
    store = Store(root)
    store.scan()
    first = panels.alerts(analyse(store.snapshot(), NOW, Settings()), {})
    again = panels.alerts(analyse(store.snapshot(), NOW, Settings()), {})
    assert [alert.kind for alert in first] == ["stale"] * 6
    assert all(a is b for a, b in zip(first, again, strict=True))
    assert [alert.key for alert in first] == [f"stale:sessions/session-{n}.json" for n in range(6)]
    assert first[0].since == NOW - timedelta(minutes=20) + timedelta(seconds=600)
    session(root, "session-3", "work 3", NOW - timedelta(minutes=12))  # a newer beat
    store.scan()
    moved = panels.alerts(analyse(store.snapshot(), NOW, Settings()), {})
    assert moved[0].key == "stale:sessions/session-3.json"
    assert moved[0] is not first[3] and moved[0].since == NOW - timedelta(minutes=2)


@pytest.mark.parametrize("seed", range(3))
def test_kept_stale_alerts_equal_the_whole_list_after_every_change(
    tmp_path: Path, seed: int
) -> None:
    """``StaleAlerts`` re-places only the stale sessions that changed; after each of many
    random changes — sessions going stale, beating again, leaving, replaced by an equal
    view, sharing one beat (ties go by key), a big batch, a new stale threshold — its
    list equals ``alerts`` made from scratch, the duplicate and conflict alerts among
    them, object for object where the alert stayed."""
    import random

    from coordinator_tui.analysis import Health
    from coordinator_tui.analysis.results import SessionView
    from coordinator_tui.files.records import Session
    from coordinator_tui.tui import panels

    rng = random.Random(seed)
    store = Store(build_collective(tmp_path))
    store.scan()
    analyses = [analyse(store.snapshot(), NOW, Settings(stale_after_s=s)) for s in (600, 900)]
    assert analyses[0].duplicates and analyses[0].conflicts  # work alerts to merge in

    def view(number: int) -> SessionView:
        key = f"sessions/session-{number:03d}.json"
        beat = None if rng.random() < 0.05 else NOW - timedelta(minutes=rng.choice([20, 21, 22]))
        record = Session(path=key, session_id=f"session-{number:03d}")
        return SessionView(key, record.session_id, record, Health.STALE, beat, 60.0, False, "w")

    book = panels.StaleAlerts()
    stale: dict[str, SessionView] = {}
    seen_book: dict = {}
    seen_whole: dict = {}
    previous: dict[str, panels.Alert] = {}
    for step in range(120):
        analysis = analyses[1 if step > 100 else 0]
        changes = 60 if step % 40 == 0 else rng.randint(0, 4)
        for _ in range(changes):
            number = rng.randrange(90)
            key = f"sessions/session-{number:03d}.json"
            roll = rng.random()
            if roll < 0.3:
                stale.pop(key, None)
            elif roll < 0.4 and key in stale:
                stale[key] = stale[key]._replace()  # equal, another object
            else:
                stale[key] = view(number)
        got = book.alerts(analysis, seen_book, stale)
        whole = panels.alerts(analysis, seen_whole, stale.values())
        assert got == whole
        assert [alert.key for alert in got] == [alert.key for alert in whole]
        for alert in got:
            if alert.kind == "stale" and alert.key in previous and previous[alert.key] == alert:
                assert previous[alert.key] is alert  # made once per session and beat
        previous = {alert.key: alert for alert in got}
    assert any(alert.kind == "duplicate" for alert in got)


@pytest.mark.parametrize("sort", ["attention", "id", "heartbeat", "collective"])
@pytest.mark.parametrize("show_gone", [False, True])
def test_a_first_page_is_the_top_of_the_order_the_whole_rows_give(
    tmp_path: Path, sort: str, show_gone: bool
) -> None:
    """``first_page`` chooses its rows from their places alone; they are the first rows
    of the order every row gives, equal row for row, whatever the sort (ids with control
    characters and repeated ids among them; keys led by a collective's name for its
    sort)."""
    build_collective(tmp_path)
    for index in range(40):
        age = timedelta(minutes=index % 9) if index % 5 else timedelta(hours=index)
        ident = f"s\x1b[31m{index % 13:02d}" if index % 4 == 0 else f"session-{index % 17:02d}"
        path = session(tmp_path, f"session-p{index:02d}", f"job {index % 6}", NOW - age)
        data = json.loads(path.read_text(encoding="utf-8"))
        write_json(path, {**data, "session_id": ident})  # odd and repeated ids
    store = Store(tmp_path)
    store.scan()
    several = sort == "collective"
    sorts = TableView.for_collectives(2 if several else 1).sorts
    view = TableView(sort=sort, show_gone=show_gone, sorts=sorts)
    built: list[int] = []

    class Counting(RowBuilder):
        def rows(self, analysis: Analysis) -> list[SessionRow]:
            built.append(len(analysis.sessions))
            return super().rows(analysis)

    builder = Counting("c", "c/") if several else Counting()
    found: list[tuple[FirstPage, int]] = []

    def early(page: FirstPage) -> None:
        found.append((page, len(built)))
        page.painted.set()  # as the screen does once the page is drawn

    result = analyse_for_screen(store.snapshot(), NOW, Settings(), builder, {}, view, 1, early, 25)
    assert len(found) == 1 and built == [len(result.analysis.sessions)]
    page, built_before = found[0]
    assert built_before == 0  # sent before any other row was built
    assert page.analysis == result.analysis  # the plain analysis tells what the engine does
    assert [row.key for row in page.rows] == result.order.keys[:25]
    assert all(row.key.startswith(builder.prefix) for row in page.rows)
    assert page.rows == [result.rows[key] for key in result.order.keys[:25]]
    assert page.shown == len(result.order) and page.alerts == result.alerts
    filtered = TableView(filter_text="job")
    assert first_page(result.analysis, builder, filtered, 25, []) is None  # reads the words
    sent: list[FirstPage] = []
    analyse_for_screen(store.snapshot(), NOW, Settings(), builder, {}, filtered, 2, sent.append, 25)
    assert sent == []  # no page, and no plain analysis made for one
