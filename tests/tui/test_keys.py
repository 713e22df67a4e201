"""One key table feeds the bindings, the command palette and the help screen."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from coordinator_tui.tui.app import CoordinatorApp
from coordinator_tui.tui.keys import KEYS, TEXTUAL_KEYS, compact_footer
from coordinator_tui.tui.palette import DashboardCommands
from coordinator_tui.tui.screens.dashboard import DashboardScreen
from coordinator_tui.tui.screens.detail import SessionDetailScreen
from coordinator_tui.tui.screens.help import HelpScreen
from coordinator_tui.tui.screens.quality import QualityScreen
from coordinator_tui.tui.widgets.key_strip import strip_text
from tests.tui.conftest import ready, screen_text, wait_for

pytestmark = pytest.mark.anyio
WIDE = (160, 50)


OWNERS = {
    "screen": DashboardScreen,
    "app": CoordinatorApp,
    "quality": QualityScreen,
    "detail": SessionDetailScreen,
}


def _ours(owner: str) -> list[Binding]:
    """The bindings ``owner``'s class takes from the key table (without local close keys)."""
    actions = {(item.key, item.action) for item in KEYS if item.owner == owner}
    found = [
        binding
        for binding in OWNERS[owner].BINDINGS
        if isinstance(binding, Binding) and (binding.key, binding.action) in actions
    ]
    return found


def test_every_key_is_bound_by_its_owner_with_an_action_and_a_description() -> None:
    assert {item.owner for item in KEYS} == set(OWNERS)
    for owner, cls in OWNERS.items():
        found = _ours(owner)
        assert [(binding.key, binding.action) for binding in found] == [
            (item.key, item.action) for item in KEYS if item.owner == owner
        ]
        for binding in found:
            assert callable(getattr(cls, f"action_{binding.action}", None)), binding.action
            assert binding.description, binding.action


def test_the_app_binds_exactly_the_app_keys() -> None:
    app_keys = [(item.key, item.action) for item in KEYS if item.owner == "app"]
    assert [(b.key, b.action) for b in CoordinatorApp.BINDINGS if isinstance(b, Binding)] == (
        app_keys
    )


async def test_every_key_is_in_the_help_screen(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(frozen_app.screen, HelpScreen), "the help")
        await pilot.pause()
        lines = screen_text(frozen_app).splitlines()
        for item in KEYS:
            # The key and its meaning on one line of the help table.
            assert any(f" {item.label} " in line and item.meaning in line for line in lines), (
                item.label
            )
        for label, meaning in TEXTUAL_KEYS:
            assert any(label in line and meaning in line for line in lines), label


async def test_every_key_is_in_the_palette_of_its_screen(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(frozen_app.screen, QualityScreen), "quality")
        for screen in (frozen_app.dashboard, frozen_app.screen):
            owner = screen.KEY_OWNER  # type: ignore[attr-defined]
            provider = DashboardCommands(screen)
            hits = {hit.text: hit.help async for hit in provider.discover()}
            wanted = [item for item in KEYS if item.owner in (owner, "app")]
            for item in wanted:
                assert hits.get(item.command) == f"{item.label}: {item.meaning}", item.command
            assert len(hits) == len(wanted)


def test_the_compact_footer_keeps_help_quit_gone_and_errors_first() -> None:
    words = [label for label, _ in compact_footer()]
    assert words[:4] == ["?", "q", "g", "e"]
    strip = strip_text(58).plain  # a 60-column pane, less its padding
    assert strip.startswith("? help  q quit  g gone  e errors") and len(strip) <= 58
    assert "palette" not in strip  # no room: left out whole, never cut into "^ppa lette"
    assert strip_text(200).plain.endswith("^p palette")


async def test_keys_typed_in_one_burst_after_slash_go_to_the_filter(
    frozen_app: CoordinatorApp,
) -> None:
    """``/beta⏎`` arriving at once (a paste, tmux send-keys): the text lands in the box,
    ``b`` does not open the broadcast dialog and enter does not open a session."""
    from textual import events
    from textual.widgets import Input

    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        for key, character in [("slash", "/"), *((c, c) for c in "beta"), ("enter", None)]:
            frozen_app.post_message(events.Key(key, character))
        await wait_for(
            pilot,
            lambda: frozen_app.dashboard.query_one("#filter", Input).value == "beta",
            "the burst in the filter box",
        )
        await pilot.pause()
        assert frozen_app.screen is frozen_app.dashboard
        assert frozen_app.dashboard.table_view.filter_text == "beta"
        assert frozen_app.focused is frozen_app.dashboard.table
