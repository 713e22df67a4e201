"""``coordinator-tui DIR1 DIR2``: the one dashboard over several collectives.

Every feature of one directory works on the rows of each: the coordinator's
decisions, incidents, ETAs, quality, tmux, the detail, filter (by collective too),
sort, gone, messages and reports, each acting on the selected row's collective.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from textual import events

from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import CoordinatorApp, create_app
from coordinator_tui.tui.dialogs.compose import ComposeScreen
from coordinator_tui.tui.dialogs.reader import ReaderScreen
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.errors import ErrorsScreen
from coordinator_tui.tui.screens.quality import QualityScreen
from tests.collective import NOW, ago, build_collective, iso, session, write_json
from tests.tui.attention import PANE, WAITING_ID, add_attention, fake_tmux
from tests.tui.conftest import MovableClock, ready, screen_text, shown, wait_for

pytestmark = pytest.mark.anyio
SIZE = (160, 50)
BETA_PANE = "%7"
BETA_WAITING = "session-2003"


def add_beta(root: Path) -> Path:
    """A smaller collective beside the standard one: a duplicate (one keeps, one yields),
    a session waiting for a human for 15 minutes in tmux pane %7 (an incident), a
    milestone half done in an hour (an ETA) and one stalled for two days (an incident)."""
    session(root, "session-2001", "ledger-export", ago(minutes=1), count=30)
    session(root, "session-2002", "Ledger Export", ago(minutes=2))
    session(
        root,
        BETA_WAITING,
        "Payments: approve the refund batch",
        ago(minutes=1),
        state="waiting",
        waiting_since=iso(ago(minutes=15)),
        tmux_pane=BETA_PANE,
        tmux_socket="/tmp/tmux-1000/default",
    )
    write_json(
        root / "sessions" / "MILESTONES" / "payments-api.json",
        {
            "milestone_id": "payments-api",
            "title": "Payments API",
            "owner": "session-2001",
            "status": "in_progress",
            "progress": 50,
            "created_at": iso(ago(hours=1)),
            "updated_at": iso(ago(minutes=5)),
            "steps": [],
        },
    )
    write_json(
        root / "sessions" / "MILESTONES" / "ledger-audit.json",
        {
            "milestone_id": "ledger-audit",
            "title": "Ledger audit",
            "owner": "session-2002",
            "status": "in_progress",
            "progress": 20,
            "created_at": iso(ago(days=3)),
            "updated_at": iso(ago(days=2)),
            "steps": [],
        },
    )
    return root


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    return add_attention(build_collective(tmp_path / "alpha")), add_beta(tmp_path / "beta")


def _app(*roots: Path, watch: bool = False, clock: MovableClock | None = None) -> CoordinatorApp:
    return create_app(list(roots), Settings(), clock=clock or MovableClock(), watch=watch)


def _lines(app: CoordinatorApp, *words: str) -> list[str]:
    """The screen's lines holding every one of ``words``."""
    return [line for line in screen_text(app).splitlines() if all(w in line for w in words)]


def _select(app: CoordinatorApp, key: str) -> None:
    table = app.dashboard.table
    table.move_cursor(row=table.get_row_index(key))


async def _compose(pilot, key: str, press: str, heading: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select ``key``'s row, open the dialog with ``press``, check its heading, send."""
    app = pilot.app
    _select(app, key)
    await pilot.press(press)
    await wait_for(pilot, lambda: isinstance(app.screen, ComposeScreen), "the dialog")
    assert heading in screen_text(app)
    await pilot.press(*text, "ctrl+s")
    await wait_for(pilot, lambda: not isinstance(app.screen, ComposeScreen), "sent")


def _messages(app: CoordinatorApp) -> list[str]:
    return [str(note.message) for note in app._notifications]


# --- done when: the decisions of each on screen, and t, v, i, enter on rows of both ----


async def test_incidents_etas_and_who_keeps_of_each_collective_are_on_screen(
    two: tuple[Path, Path],
) -> None:
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        # The bell: once for each collective's waiting session, once for the incidents
        # each one's first decisions raised (raised together, they share a ring).
        assert app.dashboard.bells == 4
        notes = _messages(app)
        assert "alpha: 3 incidents escalated — i lists them" in notes
        assert "beta: 2 incidents escalated — i lists them" in notes
        app.clear_notifications()
        await pilot.pause()
        assert app.dashboard.settled
        for name in ("alpha", "beta"):
            assert _lines(app, f"│ {name} ", "incident"), name
        assert _lines(app, "alpha", "incident", "milestone deploy-dashboard stalled")
        assert _lines(app, "beta", "incident", "milestone ledger-audit stalled")
        assert _lines(app, "beta", "incident", BETA_WAITING)
        assert _lines(app, "alpha", "keeps", "session-1001 keeps consciousness-loop-build")
        assert _lines(app, "beta", "keeps", "session-2001 keeps ledger-export; session-2002 yields")
        assert _lines(app, "alpha", "Docs site", "ETA 11-15 23:00 (3h)")  # 40 % in 2 h
        assert _lines(app, "beta", "Payments API", "ETA 11-15 21:00 (1h)")  # 50 % in 1 h
        assert _lines(app, "beta", "Ledger audit", "no ETA: stalled")


async def test_t_v_i_and_enter_work_on_rows_of_both(
    two: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_tmux(tmp_path, monkeypatch)
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        rows = {
            "alpha": (f"alpha/sessions/{WAITING_ID}.json", PANE, "Docs site: confirm the DNS"),
            "beta": (f"beta/sessions/{BETA_WAITING}.json", BETA_PANE, "Payments: approve"),
        }
        for name, (key, pane, work) in rows.items():
            _select(app, key)
            await pilot.press("t")
            await app.workers.wait_for_complete()
            await pilot.pause()
            argv = log.read_text().splitlines()
            assert argv[2:5] == ["switch-client", "-t", pane] and argv.count(pane) == 3, argv
            assert f"Switched to {key.split('/')[-1][:-5]} (pane {pane})" in _messages(app)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "detail")
            detail = app.screen
            assert isinstance(detail, SessionDetailScreen)
            assert detail.view.session.current_work.startswith(work)  # type: ignore[union-attr]
            assert detail.sub_title.startswith(f"{name} · ")
            assert detail.pages is app.dashboard.collectives[0 if name == "alpha" else 1].pages
            await pilot.press("escape")
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, QualityScreen), "the quality view")
        quality = app.screen
        assert isinstance(quality, QualityScreen)
        table = quality.query_one("#quality")
        names = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}  # type: ignore[attr-defined]
        assert names == {"alpha", "beta"}
        beta_ids = {
            str(table.get_row_at(i)[1])  # type: ignore[attr-defined]
            for i in range(table.row_count)  # type: ignore[attr-defined]
            if str(table.get_row_at(i)[0]) == "beta"  # type: ignore[attr-defined]
        }
        assert beta_ids == {"session-2001", "session-2002", BETA_WAITING}
        await pilot.press("escape", "i")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen), "the incidents")
        text = app.screen.body.plain  # type: ignore[attr-defined]
        assert "alpha: open incidents (3)" in text and "beta: open incidents (2)" in text
        assert text.index("beta: open incidents") > text.index("alpha: open incidents")
        assert "ledger-audit" in text.split("beta: open incidents")[1]


# --- the table: keys, counts, filter, sort ------------------------------------------------


async def test_each_collective_has_its_rows_and_its_line_of_counts(
    two: tuple[Path, Path],
) -> None:
    from coordinator_tui.analysis import analyse
    from coordinator_tui.store import Store

    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        summary = app.dashboard.summary
        assert summary is not None and [line.name for line in summary] == ["alpha", "beta"]
        for line, root in zip(summary, two, strict=True):
            store = Store(root, Settings())
            store.scan()
            counts = analyse(store.snapshot(), NOW, Settings()).counts
            assert ("live", counts.live, "bold") in line.counts
            shown_line = _lines(app, f" {root.name} ", f"{counts.live} live")
            assert shown_line and screen_text(app).splitlines().index(shown_line[0]) in (1, 2)
        keys = shown(app)
        assert keys[0] == f"alpha/sessions/{WAITING_ID}.json"  # sort: collective, attention
        assert "beta/sessions/session-2001.json" in keys
        assert "alpha/sessions/session-2001.json" not in keys
        assert (app.dashboard.table.shown_cells(keys[0]) or {}).get("collective") == "alpha"


async def test_two_directories_with_the_same_files_keep_their_rows_apart(
    tmp_path: Path,
) -> None:
    """Same file names in both (the usual case: every repository's coordination
    directory): the keys carry the collective, and a change in one directory changes
    only its rows and its line."""
    first, second = build_collective(tmp_path / "alpha"), build_collective(tmp_path / "beta")
    (second / "sessions" / "session-1012.json").unlink()
    app = _app(first, second, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        assert "alpha/sessions/session-1012.json" in shown(app)
        assert "beta/sessions/session-1012.json" not in shown(app)
        before = app.dashboard.summary
        assert before is not None
        session(second, "session-3001", "new work in beta", NOW - timedelta(minutes=1))
        await wait_for(
            pilot, lambda: "beta/sessions/session-3001.json" in shown(app), "the new row in beta"
        )
        after = app.dashboard.summary
        assert after is not None and after[0] == before[0]
        live = {label: value for label, value, _ in after[1].counts}["live"]
        assert live == {label: value for label, value, _ in before[1].counts}["live"] + 1
        assert "alpha/sessions/session-3001.json" not in shown(app)


async def test_filter_by_collective_name_and_sort_by_collective(two: tuple[Path, Path]) -> None:
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        assert app.dashboard.table_view.sort == "collective"
        names = [key.split("/")[0] for key in shown(app)]
        assert names == sorted(names) and set(names) == {"alpha", "beta"}
        await pilot.press("slash", *"beta", "enter")
        await pilot.pause()
        assert shown(app) and all(key.startswith("beta/") for key in shown(app))
        await pilot.press("escape")
        await pilot.pause()
        assert any(key.startswith("alpha/") for key in shown(app))
        await pilot.press("s")
        await pilot.pause()
        assert app.dashboard.table_view.sort == "attention"
        assert "sort: attention" in screen_text(app)
        waiting = [f"alpha/sessions/{WAITING_ID}.json", f"beta/sessions/{BETA_WAITING}.json"]
        assert sorted(shown(app)[:2]) == waiting  # waiting for a human first, in both
        await pilot.press("g")
        await pilot.pause()
        assert "alpha/sessions/session-1009.json" in shown(app)  # gone, shown with g


async def test_a_burst_after_slash_filters_by_collective(two: tuple[Path, Path]) -> None:
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        for key, character in [("slash", "/"), *((c, c) for c in "beta"), ("enter", None)]:
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.dashboard.table_view.filter_text == "beta", "filter")
        await pilot.pause()
        assert app.screen is app.dashboard
        assert all(key.startswith("beta/") for key in shown(app))


async def test_names_holding_a_slash_find_the_right_collective(tmp_path: Path) -> None:
    """Two directories named ``c`` get ``a/c`` and ``q/c``; a third is ``a``: a row key
    ``a/c/sessions/x.json`` belongs to ``a/c``, not to ``a``."""
    roots = [tmp_path / "p" / "a" / "c", tmp_path / "q" / "c", tmp_path / "r" / "a"]
    for index, root in enumerate(roots):
        session(root, f"session-{index}", f"work {index}", ago(minutes=1))
    app = _app(*roots)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=3)
        names = [c.name for c in app.dashboard.collectives]
        assert names == ["a/c", "q/c", "a"]
        for index, name in enumerate(names):
            key = f"{name}/sessions/session-{index}.json"
            _select(app, key)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "detail")
            assert app.screen.view.session.current_work == f"work {index}"  # type: ignore[attr-defined]
            await pilot.press("escape")


# --- keys that write act on the selected row's collective ---------------------------------


async def test_broadcast_goes_to_the_selected_rows_collective_and_says_which(
    two: tuple[Path, Path],
) -> None:
    alpha, beta = two
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        key, heading = "beta/sessions/session-2001.json", "Broadcast to every session of beta"
        await _compose(pilot, key, "b", heading, "hello beta")
        assert any(m.startswith("Sent to beta: messages/broadcast/") for m in _messages(app))
    written = [json.loads(p.read_text()) for p in (beta / "messages" / "broadcast").iterdir()]
    assert [message["subject"] for message in written] == ["hello beta"]
    assert not any(
        "hello beta" in path.read_text() for path in (alpha / "messages" / "broadcast").iterdir()
    )


async def test_m_and_r_write_into_the_selected_rows_directory(two: tuple[Path, Path]) -> None:
    alpha, beta = two
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        key, heading = "beta/sessions/session-2002.json", "Message to session-2002 in beta"
        await _compose(pilot, key, "m", heading, "yield to 2001")
        await pilot.press("r")
        report = beta / "SPRINT_REPORT_2025-11-15.md"
        await wait_for(pilot, report.exists, "the report in beta")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(m.startswith("beta: Report written: SPRINT_REPORT") for m in _messages(app))
    assert "session-2001" in report.read_text(encoding="utf-8")
    assert not (alpha / "SPRINT_REPORT_2025-11-15.md").exists()
    direct = beta / "messages" / "direct" / "session-2002"
    assert json.loads(next(direct.iterdir()).read_text())["subject"] == "yield to 2001"
    assert not (alpha / "messages" / "direct" / "session-2002").exists()


async def test_without_a_selected_row_b_says_to_select_one(two: tuple[Path, Path]) -> None:
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        await pilot.press("slash", *"nothing matches this", "enter")
        await pilot.pause()
        assert shown(app) == []
        await pilot.press("b")
        await pilot.pause()
        assert app.screen is app.dashboard
        assert "Select a session of the collective first" in _messages(app)


# --- directories that come later, sync state, errors, compact ----------------------------


async def test_a_missing_directory_waits_while_the_others_work(tmp_path: Path) -> None:
    present = build_collective(tmp_path / "alpha")
    later = tmp_path / "later"
    app = _app(present, later, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any(k.startswith("alpha/") for k in shown(app)), "alpha")
        await wait_for(
            pilot,
            lambda: bool(_lines(app, "later", f"waiting for {later} to appear")),
            "the missing collective's line",
        )
        build_collective(later)
        await wait_for(
            pilot,
            lambda: any(key.startswith("later/") for key in shown(app)),
            "the directory's sessions once it exists",
        )


def _sync_state(root: Path, text: str) -> None:
    (root / ".coordinator").mkdir(exist_ok=True)
    (root / ".coordinator" / "sync-state.json").write_text(text)


async def test_a_claim_lost_to_another_machine_is_an_alert(
    two: tuple[Path, Path],
) -> None:
    state = {
        "version": 1,
        "last_round": {"at": "2025-11-15T19:59:00Z", "outcome": "pushed", "error": None},
        "lost_claims": [
            {
                "path": "claims/feature-x.claim",
                "lost_by": "session-[bold]b",
                "held_by": "session-a",
                "at": "2025-11-15T19:58:00Z",
                "commit": "abc",
                "message": "messages/direct/session-b/x.json",
            },
            "not an object",
            {"path": 10**400, "lost_by": ["x"], "at": 1e400},
        ],
    }
    _sync_state(two[1], json.dumps(state).replace("1e+400", "1e400"))
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        await wait_for(pilot, lambda: bool(_lines(app, "beta", "lost")), "the lost claim alert")
        assert _lines(app, "beta", "session-[bold]b lost claims/feature-x.claim to session-a")
        beta_line = _lines(app, " beta ", "live")[0]
        assert "sync pushed 19:59 UTC, 2 lost claim(s)" in beta_line
        assert "sync" not in _lines(app, " alpha ", "live")[0]


@pytest.mark.parametrize("kind", ["fifo", "link", "garbage"])
async def test_a_hostile_sync_state_is_an_error_not_a_crash(
    two: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    target = two[1] / ".coordinator" / "sync-state.json"
    target.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "link":
        secret = tmp_path / "secret.json"
        secret.write_text(json.dumps({"last_round": {"outcome": "SECRET"}}))
        target.symlink_to(secret)
    else:
        target.write_text("{not json")
    app = _app(*two)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, analyses=2)
        await wait_for(
            pilot, lambda: bool(_lines(app, " beta ", "sync state unreadable")), "the note"
        )
        assert "SECRET" not in screen_text(app)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ErrorsScreen)
        paths = [error.path for error in app.screen.errors]
        assert "beta: .coordinator/sync-state.json" in paths
        assert all(path.startswith(("alpha: ", "beta: ")) for path in paths)


async def test_the_single_dashboard_shows_lost_claims_and_the_last_round(
    coordination: Path,
) -> None:
    app = create_app(coordination, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "sync" not in str(app.dashboard.summary)
        _sync_state(
            coordination,
            json.dumps(
                {
                    "last_round": {"at": "2025-11-15T19:59:00Z", "outcome": "rejected"},
                    "lost_claims": [
                        {"path": "claims/x.claim", "lost_by": "session-1001", "held_by": "b"}
                    ],
                }
            ),
        )
        await wait_for(
            pilot,
            lambda: any(alert.kind == "lost" for alert in app.dashboard.alert_items or ()),
            "the lost claim among the alerts",
        )
        await pilot.pause()
        text = screen_text(app)
        assert "session-1001 lost claims/x.claim to b" in text
        assert "sync rejected 19:59 UTC, 1 lost claim(s)" in text


async def test_compact_with_several_collectives(two: tuple[Path, Path]) -> None:
    app = create_app(list(two), Settings(), clock=MovableClock(), compact=True, watch=False)
    async with app.run_test(size=(60, 30)) as pilot:
        await ready(pilot, analyses=2)
        lines = screen_text(app).splitlines()
        assert lines[1].startswith(" alpha ") and lines[2].startswith(" beta ")
        assert app.dashboard.table.column_keys[0] == "collective"
        assert _lines(app, "│ alpha", "◉", WAITING_ID)
