"""The engine updated after any sequence of file changes equals a fresh whole build.

Random sequences of writes, rewrites, deletions and broken files (sessions
sharing ids and works, claims, priorities, heartbeat events) are applied to a
real directory through the ``Store``; after each one the incrementally updated
engine must equal ``analyse(snapshot, now)`` (the engine fed every file at
once) field for field, and say which rows moved.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordinator_tui.analysis import Analysis, Health, analyse, incremental
from coordinator_tui.analysis.changes import changes
from coordinator_tui.analysis.incremental import IncrementalAnalysis
from coordinator_tui.analysis.overlap_search import OVERLAP_GAP, OverlapSearch
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from tests.acting import milestone
from tests.collective import NOW, build_collective, iso, session

WORKS = [
    "build api",
    "api build",
    "Build-API",
    "treasury audit",
    "treasury audit review",
    "session initialization",
    "deploy docs",
    "",
    None,
]
AGES = [None, 5.0, 120.0, 900.0, 9000.0, -4000.0, -90000.0]  # seconds; negative: future
STATES = [None, "waiting", "idle", "ended"]

session_step = st.tuples(
    st.just("session"),
    st.integers(0, 7),  # file
    st.integers(0, 4),  # session id (files share them)
    st.sampled_from(WORKS),
    st.sampled_from(AGES),
    st.sampled_from(STATES),
    st.sampled_from(["active", "completed"]),
)
other_step = st.tuples(
    st.sampled_from(["delete", "broken", "claim", "unclaim", "priorities", "beat"]),
    st.integers(0, 7),
    st.integers(0, 4),
    st.sampled_from(WORKS),
    st.sampled_from(AGES),
)
steps = st.lists(st.one_of(session_step, other_step), min_size=1, max_size=14)


def _write(path: Path, data: Any) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path.as_posix()


def _apply(root: Path, step: tuple[Any, ...]) -> str:
    """Make one change on disk; the path it touched."""
    kind, file, ident = step[0], step[1], step[2]
    target = root / "sessions" / f"session-f{file}.json"
    if kind == "session":
        work, age, state, status = step[3:]
        beat = None if age is None else NOW - timedelta(seconds=age)
        extra = {"state": state} if state else {}
        path = session(root, f"s{ident}", work, beat, status=status, **extra)
        path.rename(target)
        return str(target)
    if kind == "delete":
        target.unlink(missing_ok=True)
        return str(target)
    if kind == "broken":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text('{"session_id": "s1", "current_work": ', encoding="utf-8")
        return str(target)
    if kind in ("claim", "unclaim"):
        claim = root / "claims" / f"c{file % 3}.claim"
        if kind == "unclaim":
            claim.unlink(missing_ok=True)
            return str(claim)
        expires = NOW + timedelta(seconds=-(step[4] or 60.0))
        data = {"claimed_by": f"s{ident}", "resource_name": step[3] or "api"}
        return _write(claim, data | {"expires_at": iso(expires)} if file % 2 else data)
    if kind == "priorities":
        lines = [
            f"{90 - i}:{(work or 'api').replace(' ', '_')}:do it\n"
            for i, work in enumerate(WORKS[file % 4 : file % 4 + 3])
        ]
        (root / "priorities.txt").write_text("".join(lines), encoding="utf-8")
        return str(root / "priorities.txt")
    stamp = NOW - timedelta(seconds=abs(step[4] or 30.0))
    event = root / "heartbeats" / f"beat-{file}.json"
    return _write(event, {"session_id": f"s{ident}", "timestamp": iso(stamp), "state": "waiting"})


def _equal(live: Analysis, full: Analysis) -> None:
    for name in Analysis.__dataclass_fields__:
        assert getattr(live, name) == getattr(full, name), name


def _run(steps: list[tuple[Any, ...]], base: bool, hint: bool) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "coordination"
        root.mkdir()
        if base:
            build_collective(root)
        store = Store(root)
        store.scan()
        live = IncrementalAnalysis(store.snapshot(), NOW, Settings())
        _equal(live.analysis, analyse(store.snapshot(), NOW))
        for step in steps:
            previous = live.analysis
            change = store.apply([_apply(root, step)])
            snapshot = store.snapshot()
            changed = [*change.added, *change.updated, *change.removed] if hint else None
            update = live.update(snapshot, NOW, changed)
            full = analyse(snapshot, NOW)
            _equal(update.analysis, full)
            assert update.news == changes(previous, full)
            moved = {v.key for v in full.sessions if previous.session(v.key) != v}
            assert moved <= update.touched
            gone = {v.key for v in previous.sessions} - {v.key for v in full.sessions}
            assert update.removed == gone


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_an_updated_engine_equals_a_fresh_build_after_each_change(steps: list[Any]) -> None:
    _run(steps, base=False, hint=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_an_updated_engine_equals_a_fresh_build_over_the_collective(steps: list[Any]) -> None:
    """Over the modelled real directory, and without being told which paths changed;
    every update re-sorting the orders at once, as one of more than ``BULK`` files does."""
    with mock.patch.object(incremental, "BULK", 0):
        _run(steps, base=True, hint=False)


def test_the_clock_moving_on_changes_what_a_full_analysis_says_but_ages(tmp_path: Path) -> None:
    """Within a deadline only ages differ; past it, the sessions whose moment came
    (turning stale, turning gone) are read again and nothing else."""
    build_collective(tmp_path)
    store = Store(tmp_path)
    store.scan()
    live = IncrementalAnalysis(store.snapshot(), NOW, Settings())
    deadline = live.analysis.next_change_at
    assert deadline is not None
    later = NOW + (deadline - NOW) / 2
    update = live.update(store.snapshot(), later, [])
    assert update.touched == frozenset()
    assert _without_ages(update.analysis) == _without_ages(analyse(store.snapshot(), later))
    full = analyse(store.snapshot(), NOW)
    stale_at = min(
        view.heartbeat + timedelta(seconds=600)
        for view in full.sessions
        if view.heartbeat is not None and view.health is Health.WORKING
    )
    for moment in (stale_at + timedelta(seconds=1), NOW + timedelta(hours=3)):
        update = live.update(store.snapshot(), moment, [])
        again = analyse(store.snapshot(), moment)
        assert _without_ages(update.analysis) == _without_ages(again)
        assert update.touched  # some sessions turned stale, then gone
        assert update.analysis.next_change_at == again.next_change_at


def test_a_new_session_lands_in_its_sorted_place(tmp_path: Path) -> None:
    build_collective(tmp_path)
    store = Store(tmp_path)
    store.scan()
    live = IncrementalAnalysis(store.snapshot(), NOW, Settings())
    path = session(tmp_path, "session-0000", "brand new work", NOW - timedelta(seconds=5))
    change = store.apply([path])
    update = live.update(store.snapshot(), NOW, change.added)
    assert update.touched == {"sessions/session-0000.json"}
    keys = [view.key for view in update.analysis.sessions]
    working = [v.key for v in update.analysis.sessions if v.attention == 2]
    assert working[0] == "sessions/session-0000.json"  # first id among the plain working ones
    assert keys == [view.key for view in analyse(store.snapshot(), NOW).sessions]


def _without_ages(analysis: Analysis) -> Analysis:
    views = tuple(view._replace(heartbeat_age_s=None) for view in analysis.sessions)
    return replace(analysis, sessions=views, now=datetime.min, next_change_at=None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, st.lists(st.sampled_from([30.0, 400.0, 700.0, 3000.0, 8000.0]), max_size=4))
def test_changes_and_a_moving_clock_together(steps: list[Any], waits: list[float]) -> None:
    """Changes interleaved with the clock moving on: equal but for the ages."""
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "coordination"
        root.mkdir()
        store = Store(root)
        store.scan()
        now = NOW
        live = IncrementalAnalysis(store.snapshot(), now, Settings())
        for index, step in enumerate(steps):
            if index < len(waits):
                now += timedelta(seconds=waits[index])
            change = store.apply([_apply(root, step)])
            paths = [*change.added, *change.updated, *change.removed]
            update = live.update(store.snapshot(), now, paths)
            full = analyse(store.snapshot(), now)
            assert _without_ages(update.analysis) == _without_ages(full)
            assert update.analysis.next_change_at == full.next_change_at


def test_overlaps_searched_aside_are_installed_only_while_current(tmp_path: Path) -> None:
    """The dashboard searches overlaps in a worker (``overlap_input`` → ``OverlapSearch``
    → ``install_overlaps``): installed, they equal a whole analysis's; a search of works
    that changed meanwhile is refused; the next search waits ``OVERLAP_GAP`` × its cost."""
    build_collective(tmp_path)
    for index in range(6):  # alike works: overlaps to find
        session(tmp_path, f"session-5{index}", f"treasury audit part {index}", NOW)
    store = Store(tmp_path)
    store.scan()
    live = IncrementalAnalysis(store.snapshot(), NOW, Settings(), overlaps=False)
    assert live.analysis.overlaps == () and not live.overlaps_current
    clock = [100.0]
    search = OverlapSearch(monotonic=lambda: clock[0])
    assert search.wait() == 0.0 and search.busy
    views, threshold, version = live.overlap_input()
    found = search.run(views, threshold)
    search.busy = False
    assert search.wait() == pytest.approx(OVERLAP_GAP * search.cost) and search.timer
    change = store.apply([session(tmp_path, "session-50", "something else entirely", NOW)])
    live.update(store.snapshot(), NOW, change.updated, overlaps=False)
    assert not live.install_overlaps(found, version)  # the works moved on: search again
    views, threshold, version = live.overlap_input()
    assert live.install_overlaps(search.run(views, threshold), version) and live.overlaps_current
    whole = analyse(store.snapshot(), NOW)
    assert whole.overlaps and live.analysis.overlaps == whole.overlaps
    assert live.analysis.overlaps_found == whole.overlaps_found


def test_a_milestone_turning_stalled_shows_in_an_update_of_no_files(tmp_path: Path) -> None:
    """The engine keeps its milestone summary while no milestone can turn stalled; the
    clock passing that moment alone brings it up to date."""
    build_collective(tmp_path)
    moved = NOW - timedelta(seconds=Settings().stalled_after_s - 60)
    milestone(tmp_path, "m-late", status="in_progress", updated_at=moved)
    store = Store(tmp_path)
    store.scan()
    live = IncrementalAnalysis(store.snapshot(), NOW, Settings())

    def stalled(analysis: Analysis) -> set[str]:
        return {i.milestone.milestone_id for i in analysis.milestones.items if i.stalled}

    assert "m-late" not in stalled(live.analysis)
    for later in (NOW + timedelta(seconds=30), NOW + timedelta(seconds=90)):
        update = live.update(store.snapshot(), later, [])
        assert update.analysis.milestones == analyse(store.snapshot(), later).milestones
    assert "m-late" in stalled(update.analysis)
