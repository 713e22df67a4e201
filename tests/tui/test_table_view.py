"""The table's view (filter, gone toggle, sort) and the trend state, without an App."""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from coordinator_tui.analysis import Health
from coordinator_tui.tui.rows import SessionRow
from coordinator_tui.tui.table_view import MANY_SORTS, SORTS, TableView, VisibleOrder
from coordinator_tui.tui.trend import SAMPLE_EVERY_S, SPARK_POINTS, Sampler, Trend
from tests.collective import NOW


def row(
    key: str,
    health: Health,
    attention: int,
    beat: float | None,
    work: str = "",
    collective: str = "",
) -> SessionRow:
    return SessionRow(
        key=key,
        collective=collective,
        health=health,
        attention=attention,
        id=key,
        work=work,
        age="",
        short_age="",
        age_due=math.inf,
        heartbeat=beat,
        beats="",
        capabilities="",
        started="",
        flags="",
        search=f"{key} {work} {health.value} {collective}".rstrip().lower(),
    )


ROWS = [
    row("b", Health.WORKING, 2, 100.0, "deploy docs"),
    row("a", Health.STALE, 1, 50.0, "build"),
    row("c", Health.GONE, 9, 10.0, "deploy"),
    row("d", Health.IDLE, 3, None),
]


def keys(rows: list[SessionRow]) -> list[str]:
    return [item.key for item in rows]


def test_default_view_hides_gone_and_orders_by_attention() -> None:
    assert keys(TableView().visible(ROWS)) == ["a", "b", "d"]


def test_each_sort_in_turn_and_back() -> None:
    view = TableView().toggled_gone()
    seen = []
    for _ in SORTS:
        seen.append((view.sort, keys(view.visible(ROWS))))
        view = view.next_sort()
    assert seen == [
        ("attention", ["a", "b", "d", "c"]),
        ("id", ["a", "b", "c", "d"]),
        ("heartbeat", ["b", "a", "c", "d"]),  # newest heartbeat first, none last
    ]
    assert view.sort == "attention"


def test_over_several_collectives_the_sort_starts_grouped_by_collective() -> None:
    rows = [
        row("zeta/b", Health.WAITING, 0, 5.0, "x", "zeta"),
        row("alpha/a", Health.WORKING, 2, 9.0, "y", "alpha"),
        row("alpha/c", Health.STALE, 1, 1.0, "z", "alpha"),
    ]
    view = TableView.for_collectives(2)
    assert view.sort == "collective" and view.sorts == MANY_SORTS
    assert keys(view.visible(rows)) == ["alpha/c", "alpha/a", "zeta/b"]  # attention within
    view = view.next_sort()
    assert view.sort == "attention" and keys(view.visible(rows))[0] == "zeta/b"
    for _ in range(3):
        view = view.next_sort()
    assert view.sort == "collective"
    assert keys(view.filtered("ZETA").visible(rows)) == ["zeta/b"]  # the name is searched
    assert TableView.for_collectives(1) == TableView()


def test_filter_matches_work_and_health_words() -> None:
    assert keys(TableView().filtered(" DEPLOY ").visible(ROWS)) == ["b"]
    assert keys(TableView(show_gone=True).filtered("deploy").visible(ROWS)) == ["b", "c"]
    assert keys(TableView().filtered("stale").visible(ROWS)) == ["a"]


def test_title_and_subtitle_say_what_is_hidden() -> None:
    view = TableView()
    assert view.title(3, 4) == "Sessions 3/4 · sort: attention · gone hidden"
    assert view.subtitle(3, 4) == "1 gone hidden — g shows them"
    assert view.subtitle(0, 2) == "all 2 are gone — g shows gone sessions"
    filtered = view.filtered("x\x1b[2Jy").toggled_gone()  # a control sequence typed in
    assert filtered.title(0, 4) == "Sessions 0/4 · sort: attention · filter: xy"
    assert filtered.subtitle(0, 4) == "nothing matches the filter"
    assert view.toggled_gone().subtitle(4, 4) == ""


def test_trend_keeps_history_then_one_live_point_per_ten_seconds() -> None:
    trend = Trend()
    trend.record(NOW, 0.5)
    trend.record(NOW + timedelta(seconds=5), 0.9)  # too soon: not a new point
    trend.record(NOW + timedelta(seconds=10), 0.25)
    assert trend.points() == [0.5, 0.25]
    for index in range(SPARK_POINTS):
        trend.record(NOW + timedelta(seconds=20 + 10 * index), 1.0)
    assert len(trend.points()) == SPARK_POINTS and set(trend.points()) == {1.0}


def test_sampler_waits_a_minute_and_stops_after_a_failure() -> None:
    sampler = Sampler()
    assert sampler.due(NOW, exists=True) is False  # starts the minute
    assert sampler.due(NOW + timedelta(seconds=SAMPLE_EVERY_S - 1), exists=True) is False
    assert sampler.due(NOW + timedelta(seconds=SAMPLE_EVERY_S), exists=True) is True
    assert sampler.due(NOW + timedelta(seconds=3 * SAMPLE_EVERY_S), exists=False) is False
    sampler.failed = True
    assert sampler.due(NOW + timedelta(days=1), exists=True) is False


# --- the incremental order --------------------------------------------------------------

HEALTHS = [Health.WORKING, Health.IDLE, Health.STALE, Health.GONE, Health.WAITING]
row_change = st.tuples(
    st.integers(0, 11),  # which row
    st.sampled_from(HEALTHS),
    st.integers(0, 4),  # attention
    st.one_of(st.none(), st.floats(0, 1000)),
    st.sampled_from(["deploy docs", "build", "", "audit"]),
    st.booleans(),  # removed instead
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(row_change, max_size=40),
    st.sampled_from(MANY_SORTS),
    st.booleans(),
    st.sampled_from(["", "d", "build", "one"]),
)
def test_visible_order_kept_one_row_at_a_time_equals_sorting_all(
    changes: list[tuple[int, Health, int, float | None, str, bool]],
    sort: str,
    show_gone: bool,
    needle: str,
) -> None:
    view = TableView(filter_text=needle, show_gone=show_gone, sort=sort, sorts=MANY_SORTS)
    rows = {item.key: item for item in ROWS}
    order = VisibleOrder(view, rows.values())
    for number, health, attention, beat, work, removed in changes:
        key = f"k{number:02d}"
        if removed:
            rows.pop(key, None)
            order.update([], [key])
        else:
            rows[key] = row(key, health, attention, beat, work, ("one", "two")[number % 2])
            order.update([rows[key]])
        assert order.keys == keys(view.visible(rows.values()))
        assert len(order) == len(order.keys)
