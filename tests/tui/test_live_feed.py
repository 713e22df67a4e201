"""``LiveFeed``: changed files → rows and visible order, equal to building everything again."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.tui.live import LiveFeed, analyse_for_screen, changed_paths
from coordinator_tui.tui.rows import RowBuilder, SessionRow
from coordinator_tui.tui.table_view import FirstPage, TableView, first_page
from tests.collective import NOW, build_collective, session, write_json


def _fresh(store: Store, view: TableView) -> tuple[list[str], dict[str, object]]:
    """The visible keys and rows a full analysis and a fresh row builder give."""
    rows = {row.key: row for row in RowBuilder().rows(analyse(store.snapshot(), NOW))}
    return [row.key for row in view.visible(rows.values())], dict(rows)


def test_each_change_reaches_exactly_the_rows_a_full_rebuild_gives(tmp_path: Path) -> None:
    build_collective(tmp_path)
    store = Store(tmp_path)
    store.scan()
    view = TableView(filter_text="s")
    builder = RowBuilder()
    feed = LiveFeed(builder)
    feed.install(analyse_for_screen(store.snapshot(), NOW, Settings(), builder, {}, view, 1))
    beat = NOW - timedelta(minutes=1)
    edits = [
        lambda: session(tmp_path, "session-0001", "spec_generation", beat),  # a new duplicate
        lambda: session(tmp_path, "session-1004", "treasury audit", beat),  # moves in the order
        lambda: session(tmp_path, "session-1001", "x", NOW - timedelta(hours=5)),  # turns gone
        lambda: (tmp_path / "sessions" / "session-0001.json").unlink(),
    ]
    for edit in edits:
        path = edit() or tmp_path / "sessions" / "session-0001.json"
        change = store.apply([path])
        delta = feed.update(store.snapshot(), NOW, changed_paths(change))
        assert delta is not None
        keys, rows = _fresh(store, view)
        assert feed.order is not None and feed.order.keys == keys
        assert feed.rows == rows
        assert {row.key for row in delta.rows} <= set(keys)
        assert not set(delta.leaving) & set(keys)


def test_a_session_that_leaves_the_view_is_named_as_leaving(tmp_path: Path) -> None:
    build_collective(tmp_path)
    store = Store(tmp_path)
    store.scan()
    builder = RowBuilder()
    feed = LiveFeed(builder)
    view = TableView()
    feed.install(analyse_for_screen(store.snapshot(), NOW, Settings(), builder, {}, view, 1))
    key = "sessions/session-1004.json"
    assert feed.order is not None and key in feed.order
    path = session(tmp_path, "session-1004", "still here", NOW - timedelta(hours=9))  # gone
    change = store.apply([path])
    delta = feed.update(store.snapshot(), NOW, changed_paths(change))
    assert delta is not None and delta.leaving == [key]
    assert key not in feed.order and key in feed.rows


def test_without_a_full_analysis_there_is_nothing_to_update(tmp_path: Path) -> None:
    store = Store(build_collective(tmp_path))
    store.scan()
    assert LiveFeed(RowBuilder()).update(store.snapshot(), NOW, None) is None


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


@pytest.mark.parametrize("sort", ["attention", "id", "heartbeat"])
@pytest.mark.parametrize("show_gone", [False, True])
def test_a_first_page_is_the_top_of_the_order_the_whole_rows_give(
    tmp_path: Path, sort: str, show_gone: bool
) -> None:
    """``first_page`` chooses its rows from their places alone; they are the first rows
    of the order every row gives, equal row for row, whatever the sort (ids with control
    characters and repeated ids among them)."""
    build_collective(tmp_path)
    for index in range(40):
        age = timedelta(minutes=index % 9) if index % 5 else timedelta(hours=index)
        ident = f"s\x1b[31m{index % 13:02d}" if index % 4 == 0 else f"session-{index % 17:02d}"
        path = session(tmp_path, f"session-p{index:02d}", f"job {index % 6}", NOW - age)
        data = json.loads(path.read_text(encoding="utf-8"))
        write_json(path, {**data, "session_id": ident})  # odd and repeated ids
    store = Store(tmp_path)
    store.scan()
    view = TableView(sort=sort, show_gone=show_gone)
    built: list[int] = []

    class Counting(RowBuilder):
        def rows(self, analysis: Analysis) -> list[SessionRow]:
            built.append(len(analysis.sessions))
            return super().rows(analysis)

    builder = Counting()
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
    assert page.rows == [result.rows[key] for key in result.order.keys[:25]]
    assert page.shown == len(result.order) and page.alerts == result.alerts
    filtered = TableView(filter_text="job")
    assert first_page(result.analysis, builder, filtered, 25, []) is None  # reads the words
    sent: list[FirstPage] = []
    analyse_for_screen(store.snapshot(), NOW, Settings(), builder, {}, filtered, 2, sent.append, 25)
    assert sent == []  # no page, and no plain analysis made for one
