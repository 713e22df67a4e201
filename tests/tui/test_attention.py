"""What calls for a human on the dashboard: waiting sessions, incidents, decisions, tmux."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import CoordinatorApp, create_app
from coordinator_tui.tui.dialogs.reader import ReaderScreen
from coordinator_tui.tui.events import DirectoryChanged
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.quality import QualityScreen
from coordinator_tui.tui.widgets.alerts import AlertsPanel
from coordinator_tui.tui.widgets.broadcasts import BroadcastFeed
from coordinator_tui.tui.widgets.milestones import MilestonePanel
from tests.collective import NOW, ago, iso, session
from tests.tui.attention import PANE, WAITING_ID, fake_tmux
from tests.tui.conftest import MovableClock, only, ready, screen_text, shown, wait_for

pytestmark = pytest.mark.anyio
WIDE = (160, 50)


def _messages(app: CoordinatorApp) -> list[str]:
    return [str(note.message) for note in app._notifications]


async def _rescan(app: CoordinatorApp, analyses: int, pilot) -> None:  # type: ignore[no-untyped-def]
    assert only(app).store.scan()
    app.dashboard.post_message(DirectoryChanged(only(app).store.snapshot()))
    await ready(pilot, analyses=analyses)


async def _rescan_same(app: CoordinatorApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Analyse again without a change (a new acting run over the same state)."""
    acted = app.dashboard.acted
    app.dashboard.post_message(DirectoryChanged(only(app).store.snapshot()))
    await wait_for(pilot, lambda: app.dashboard.acted > acted, "another acting run")


async def test_waiting_is_first_counted_and_rings_once(coordination: Path) -> None:
    app = create_app(coordination, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        bells = app.dashboard.bells  # the fixture's incidents rang once at start
        session(coordination, "session-3001", "needs a yes", ago(minutes=1), state="waiting")
        await _rescan(app, 2, pilot)
        assert shown(app)[0] == "sessions/session-3001.json"
        assert app.dashboard.bells == bells + 1
        assert any("Waiting for input: session-3001" in m for m in _messages(app))
        assert "1 waiting" in screen_text(app).splitlines()[1]
        # Still waiting on the next analysis: no second ring.
        session(coordination, "session-3002", "other", ago(minutes=1))
        await _rescan(app, 3, pilot)
        assert app.dashboard.bells == bells + 1


async def test_ended_sessions_are_hidden_with_gone_and_g_shows_both(coordination: Path) -> None:
    session(coordination, "session-3003", "done", ago(minutes=1), state="ended")
    app = create_app(coordination, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert "sessions/session-3003.json" not in shown(app)
        await pilot.press("g")
        await pilot.pause()
        assert "sessions/session-3003.json" in shown(app)
        assert "sessions/session-1010.json" in shown(app)  # a gone one too


async def test_incidents_ring_once_each_and_are_listed(coordination: Path) -> None:
    clock = MovableClock()
    app = create_app(coordination, Settings(), clock=clock, watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        screen = app.dashboard
        assert screen.alert_items is not None
        incidents = [a for a in screen.alert_items if a.kind == "incident"]
        assert len(incidents) == 3 and screen.bells == 1
        assert any("3 incidents escalated" in m for m in _messages(app))
        # A session waiting for 11 minutes is a new incident: one more ring.
        since = iso(ago(minutes=1))
        session(coordination, "session-3004", "asks", ago(minutes=1), state="waiting")
        await _rescan(app, 2, pilot)
        assert screen.bells == 2  # waiting started
        clock.advance(minutes=11)
        session(
            coordination, "session-3004", "asks", clock.moment, state="waiting", waiting_since=since
        )
        await _rescan(app, 3, pilot)
        assert screen.bells == 3  # incidents raised together share one ring
        raised = [a for a in screen.alert_items if a.kind == "incident"]
        assert any("session-3004" in alert.text for alert in raised), [a.text for a in raised]
        # Nothing new on the next analysis: no ring.
        await _rescan_same(app, pilot)
        assert screen.bells == 3
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen), "the incidents")
        assert f"Open incidents ({len(raised)})" in screen_text(app)


async def test_resolutions_and_etas_reach_the_panels(attention_app: CoordinatorApp) -> None:
    async with attention_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        text = screen_text(attention_app)
        assert "session-1001 keeps consciousness-loop-build; session-1002 yields" in text
        assert "ETA 11-15 23:00 (3h)" in text  # 40 % in 2 h: 3 h to go
        assert "no ETA: stalled" in text


def _reading(app: CoordinatorApp) -> str:
    screen = app.screen
    assert isinstance(screen, ReaderScreen)
    return screen.body.plain


async def test_tab_focuses_panels_j_moves_and_enter_reads_in_full(
    attention_app: CoordinatorApp,
) -> None:
    async with attention_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("tab")
        assert isinstance(attention_app.screen.focused, AlertsPanel)
        await pilot.press("j", "j", "j", "j", "k")
        panel = attention_app.screen.focused
        assert panel.cursor == 3 and panel.border_subtitle == "4/10"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(attention_app.screen, ReaderScreen), "reader")
        body = _reading(attention_app)
        assert body.startswith("session-1001 keeps consciousness-loop-build (is further along")
        assert "session-1002 yields its duplicate: Consciousness Loop Build." in body
        await pilot.press("escape")
        await pilot.press("tab", "tab")
        assert isinstance(attention_app.screen.focused, BroadcastFeed)
        await pilot.press("j", "j", "enter")  # the Plan broadcast, body and all
        await wait_for(pilot, lambda: isinstance(attention_app.screen, ReaderScreen), "body")
        body = _reading(attention_app)
        assert "Subject: Plan\n" in body and "\nSESSION PLAN:\n" in body  # newlines kept
        await pilot.press("escape", "shift+tab")
        assert isinstance(attention_app.screen.focused, MilestonePanel)


async def test_j_and_k_move_the_table_cursor(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        table = frozen_app.dashboard.table
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1


async def test_quality_view_sorts_by_column(attention_app: CoordinatorApp) -> None:
    async with attention_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(attention_app.screen, QualityScreen), "v")
        screen = attention_app.screen
        assert isinstance(screen, QualityScreen)
        table = screen.query_one("#quality")
        first = lambda: str(table.get_row_at(0)[0])  # noqa: E731
        assert screen.column == "finished" and first() == "session-1001"
        await pilot.press("s", "s", "s", "s")  # finished → … → claims_expired
        assert screen.column == "claims_expired" and first() == "session-1002"
        await pilot.press("o")
        assert not screen.descending and first() != "session-1002"
        await pilot.press("S", "S", "S", "S", "S")
        assert screen.column == "session"


async def test_t_switches_tmux_to_the_pane(
    attention_app: CoordinatorApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_tmux(tmp_path, monkeypatch)
    async with attention_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert shown(attention_app)[0] == f"sessions/{WAITING_ID}.json"
        await pilot.press("t")
        await attention_app.workers.wait_for_complete()
        await pilot.pause()
        argv = log.read_text().split("\n")
        assert argv[:4] == ["-S", "/tmp/tmux-1000/default", "switch-client", "-t"]
        assert argv[4] == PANE and argv.count(PANE) == 3
        assert any(f"Switched to {WAITING_ID} (pane {PANE})" in m for m in _messages(attention_app))
        # The detail screen shows the pane; t works there too, and a failure is said.
        fake_tmux(tmp_path, monkeypatch, code=1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(attention_app.screen, SessionDetailScreen), "d")
        assert f"{PANE} on /tmp/tmux-1000/default" in screen_text(attention_app)
        await pilot.press("t")
        await attention_app.workers.wait_for_complete()
        await pilot.pause()
        assert any("could not switch to %3: no such pane" in m for m in _messages(attention_app))


async def test_t_without_tmux_or_pane_says_why(
    attention_app: CoordinatorApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    async with attention_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("t")
        assert any("Not inside tmux" in m for m in _messages(attention_app))
        await pilot.press("j", "t")  # session-1001 has no pane
        assert any("session-1001 has no tmux pane recorded" in m for m in _messages(attention_app))


async def test_problems_from_the_demo_are_notified_once(coordination: Path) -> None:
    pending = [["demo simulation could not write sessions/x.json: [b]disk full"]]
    app = create_app(
        coordination,
        Settings(),
        clock=MovableClock(),
        watch=False,
        problems=lambda: pending.pop() if pending else [],
    )
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: not pending, "the tick")
        await pilot.pause()
        found = [n for n in app._notifications if "could not write" in str(n.message)]
        assert len(found) == 1 and found[0].markup is False
        assert "[b]disk full" in found[0].message


async def test_compact_footer_shows_help_quit_gone_errors(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=(60, 30)) as pilot:
        await ready(pilot)
        last = screen_text(frozen_app).splitlines()[-1]
        for item in ("? help", "q quit", "g gone", "e errors"):
            assert item in last, last
        assert "palette" not in last
        assert NOW  # the frozen clock is the fixture's


async def test_a_key_holds_the_coordinators_run_until_typing_stops(
    coordination: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys first: the acting run (decisions, ETAs: half a second of a thread at 10,000
    sessions) waits ``KEYS_FIRST_S`` after the last key instead of slowing the next."""
    import time

    from coordinator_tui.tui.screens import dashboard

    monkeypatch.setattr(dashboard, "KEYS_FIRST_S", 0.8)
    app = create_app(coordination, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        acted = app.dashboard.acted
        pressed = time.monotonic()
        await pilot.press("s")
        session(coordination, "session-3001", "new work", ago(minutes=1))
        assert only(app).store.scan()
        app.dashboard.post_message(DirectoryChanged(only(app).store.snapshot()))
        await wait_for(pilot, lambda: app.dashboard.acted > acted, "the held acting run")
        assert time.monotonic() - pressed >= 0.7  # without the hold: about 0.1 s
        assert "sort: id" in screen_text(app)  # the key itself was served at once


async def test_changes_wait_while_keys_come_and_land_in_one_update(
    coordination: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys first: a changed file that arrives right after a key waits for a pause in
    typing (``TYPING_PAUSE_S``) and then shows; with no key it shows at once."""
    import time

    from coordinator_tui.tui.screens import dashboard

    monkeypatch.setattr(dashboard, "TYPING_PAUSE_S", 0.6)
    app = create_app(coordination, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        screen = app.dashboard

        def post(ident: str, work: str) -> None:
            session(coordination, ident, work, ago(minutes=1))
            change = only(app).store.scan()
            screen.post_message(DirectoryChanged(only(app).store.snapshot(), change))

        post("session-4001", "quiet work")
        await wait_for(pilot, lambda: "sessions/session-4001.json" in shown(app), "a change")
        await pilot.press("s")
        typed = time.monotonic()
        post("session-4002", "typed-over work")
        await pilot.pause(0.2)
        assert "sessions/session-4002.json" not in shown(app)  # waits for the pause
        await wait_for(pilot, lambda: "sessions/session-4002.json" in shown(app), "the pause")
        assert time.monotonic() - typed >= 0.55


async def test_the_first_acting_run_waits_for_the_first_rows_on_screen(
    coordination: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The acting run's thread competes for the interpreter: it is requested after the
    frame that shows the analysis, so the first page of rows is already on screen."""
    from coordinator_tui.tui.collective import Collective
    from coordinator_tui.tui.screens.dashboard import DashboardScreen

    seen: list[int] = []
    real = DashboardScreen._request_decisions

    def spy(screen: DashboardScreen, collective: Collective) -> None:
        seen.append(len(screen.table.shown_keys))
        real(screen, collective)

    monkeypatch.setattr(DashboardScreen, "_request_decisions", spy)
    app = create_app(coordination, Settings(), clock=MovableClock(), watch=False)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: bool(seen), "the first acting request")
        assert seen[0] == len(shown(app)) > 0


async def test_a_row_turning_stale_waits_while_keys_come(
    coordination: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock's moments (a session turning stale) wait for a pause in typing too, as
    file changes do: the second's tick does not re-read sessions under a key."""
    import time

    from coordinator_tui.tui.screens import dashboard

    monkeypatch.setattr(dashboard, "TYPING_PAUSE_S", 0.8)
    clock = MovableClock()
    app = create_app(coordination, Settings(), clock=clock, watch=False)
    key = "sessions/session-1012.json"
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        table = app.dashboard.table
        assert (table.shown_cells(key) or {}).get("health") == "● working"
        await pilot.press("s")
        typed = time.monotonic()
        clock.advance(minutes=4, seconds=30)  # its heartbeat was 6 minutes old: now 10.5
        app.dashboard.tick()
        assert (table.shown_cells(key) or {}).get("health") == "● working"  # after typing
        await wait_for(
            pilot,
            lambda: (table.shown_cells(key) or {}).get("health") == "▲ stale",
            "the pause in typing",
        )
        assert time.monotonic() - typed >= 0.7
