"""The app for several directories: the same styles, palette and app keys as the
single-directory dashboard, with ``ManyScreen`` as its screen."""

from __future__ import annotations

import sys
from typing import ClassVar

from textual.app import App

from coordinator_tui.clock import Clock
from coordinator_tui.collectives.names import Collective
from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import (
    STYLE_FILES,
    KeysFirstApp,
    StylesNotFound,
    quick_switches,
    styles_folder,
)
from coordinator_tui.tui.keys import bindings, without_writes
from coordinator_tui.tui.many.screen import ManyScreen
from coordinator_tui.tui.palette import DashboardCommands
from coordinator_tui.tui.screens.help import HelpScreen


class ManyApp(KeysFirstApp):
    """One screen over every collective given."""

    TITLE = "coordinator-tui"
    COMMANDS = App.COMMANDS | {DashboardCommands}
    BINDINGS: ClassVar = bindings("app")

    def __init__(
        self,
        found: list[Collective],
        settings: Settings,
        *,
        clock: Clock,
        poll_ms: int | None = None,
        watch: bool = True,
        read_only: bool = False,
    ) -> None:
        folder = styles_folder()
        super().__init__(css_path=[str(folder / name) for name in STYLE_FILES])
        self.read_only = read_only
        screen = without_writes(ManyScreen) if read_only else ManyScreen
        self.many = screen(found, settings, clock, poll_ms, watch)
        self.found = found

    def on_mount(self) -> None:
        self.sub_title = f"{len(self.found)} collectives"
        self.push_screen(self.many)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen("many"))


def run_many(
    found: list[Collective],
    settings: Settings,
    *,
    clock: Clock,
    poll_ms: int | None,
    read_only: bool = False,
) -> int:
    """``coordinator-tui DIR1 DIR2 …`` until the user quits; 1 with one line on a broken
    install (no styles)."""
    try:
        app = ManyApp(found, settings, clock=clock, poll_ms=poll_ms, read_only=read_only)
    except StylesNotFound as error:
        print(f"coordinator-tui: {error}", file=sys.stderr)
        return 1
    with quick_switches():
        app.run()
    return app.return_code or 0
