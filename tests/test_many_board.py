"""The many-directory screen's table without Textual: keys, filter, sort, summary lines."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from coordinator_tui.analysis import analyse
from coordinator_tui.collectives.names import collectives
from coordinator_tui.store import Store
from coordinator_tui.sync.view import LostClaim, SyncView
from coordinator_tui.tui.many.board import (
    CollectiveState,
    ManyView,
    split_key,
    summary_cells,
    sync_text,
)
from coordinator_tui.tui.rows import RowBuilder
from tests.collective import NOW, build_collective


def _state(name: str, root: Path) -> CollectiveState:
    store = Store(root)
    store.scan()
    analysis = analyse(store.snapshot(), NOW)
    return CollectiveState(name, str(root), analysis, RowBuilder().rows(analysis))


def test_names_holding_a_slash_split_keys_to_the_right_collective(tmp_path: Path) -> None:
    roots = [tmp_path / "p" / "a" / "c", tmp_path / "q" / "c", tmp_path / "r" / "a"]
    names = [c.name for c in collectives(roots)]
    assert names == ["a/c", "q/c", "a"]
    states = [CollectiveState(name, str(root)) for name, root in zip(names, roots, strict=True)]
    found = split_key(states, "a/c/sessions/session-1.json")
    assert found is not None and found[0].name == "a/c" and found[1] == "sessions/session-1.json"
    found = split_key(states, "a/sessions/session-1.json")
    assert found is not None and found[0].name == "a" and found[1] == "sessions/session-1.json"
    assert split_key(states, "elsewhere/sessions/x.json") is None


def test_filter_matches_the_collective_and_sorts_group_by_it(tmp_path: Path) -> None:
    states = [
        _state("zeta", build_collective(tmp_path / "z")),
        _state("alpha", build_collective(tmp_path / "a")),
    ]
    rows = ManyView().rows(states)
    names = [row.collective for row in rows]
    assert names == sorted(names) and set(names) == {"alpha", "zeta"}
    assert all(row.key == f"{row.collective}/{row.row.key}" for row in rows)
    only = ManyView(filter_text="ZETA").rows(states)
    assert only and {row.collective for row in only} == {"zeta"}
    by_id = ManyView(sort="id").rows(states)
    ids = [(row.row.id, row.key) for row in by_id]
    assert ids == sorted(ids)
    shown_gone = ManyView(show_gone=True).rows(states)
    assert len(shown_gone) > len(rows)


def test_summary_cells_count_each_collective_and_say_its_sync(tmp_path: Path) -> None:
    state = _state("alpha", build_collective(tmp_path / "a"))
    assert state.analysis is not None
    counts = state.analysis.counts
    at = datetime(2025, 11, 15, 19, 59, 30, tzinfo=timezone.utc)
    state.sync = SyncView("pushed", at, "", (LostClaim("claims/x", "b", "a", at, ""),))
    cells = dict(zip(("name", "sessions", "working"), summary_cells(state, NOW), strict=False))
    assert cells["sessions"] == str(counts.total) and cells["working"] == str(counts.working)
    assert summary_cells(state, NOW)[9] == "pushed 30s ago · 1 lost claim(s)"
    assert sync_text(None, NOW) == ""
    missing = CollectiveState("later", "/nowhere")
    assert summary_cells(missing, NOW)[1] == "—"
