"""One key table feeds the bindings, the command palette and the help screen."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from coordinator_tui.tui.app import CoordinatorApp
from coordinator_tui.tui.keys import KEYS, TEXTUAL_KEYS
from coordinator_tui.tui.palette import DashboardCommands
from coordinator_tui.tui.screens.help import HelpScreen
from tests.tui.conftest import ready, screen_text, wait_for

pytestmark = pytest.mark.anyio
WIDE = (160, 50)


def _bindings(app: CoordinatorApp) -> list[Binding]:
    found = [*app.dashboard.BINDINGS, *app.BINDINGS]
    assert all(isinstance(binding, Binding) for binding in found)
    return found  # type: ignore[return-value]


async def test_every_binding_has_an_action_and_a_description(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        found = _bindings(frozen_app)
        assert [(binding.key, binding.action) for binding in found] == [
            (item.key, item.action) for item in KEYS
        ]
        for binding in found:
            owner = frozen_app.dashboard if binding in frozen_app.dashboard.BINDINGS else frozen_app
            assert callable(getattr(owner, f"action_{binding.action}", None)), binding.action
            assert binding.description, binding.action


async def test_every_binding_is_in_the_help_screen(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(frozen_app.screen, HelpScreen), "the help")
        await pilot.pause()
        lines = screen_text(frozen_app).splitlines()
        keys = {item.key: item for item in KEYS}
        for binding in _bindings(frozen_app):
            item = keys[binding.key]
            # The key and its meaning on one line of the help table.
            assert any(f" {item.label} " in line and item.meaning in line for line in lines), (
                item.label
            )
        for label, meaning in TEXTUAL_KEYS:
            assert any(label in line and meaning in line for line in lines), label


async def test_every_binding_is_in_the_palette(frozen_app: CoordinatorApp) -> None:
    async with frozen_app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        provider = DashboardCommands(frozen_app.dashboard)
        hits = {hit.text: hit.help async for hit in provider.discover()}
        for binding in _bindings(frozen_app):
            item = next(key for key in KEYS if key.key == binding.key)
            assert hits.get(item.command) == f"{item.label}: {item.meaning}", item.command
        assert len(hits) == len(KEYS)
