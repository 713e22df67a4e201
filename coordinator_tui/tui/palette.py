"""The command palette (ctrl+p) offers every dashboard action through one provider."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (action name on the dashboard screen or the app, palette text, help)
ACTIONS = (
    ("screen.broadcast", "Broadcast a message", "b: write to every session"),
    ("screen.message", "Message the selected session", "m: a direct message"),
    ("screen.report", "Write a sprint report", "r: SPRINT_REPORT_<date>.md in the directory"),
    ("screen.filter", "Filter sessions", "/: by id, work or health"),
    ("screen.clear_filter", "Clear the filter", "escape"),
    ("screen.cycle_sort", "Cycle the sort", "s: attention, id, heartbeat age"),
    ("screen.toggle_gone", "Show or hide gone sessions", "g"),
    ("screen.detail", "Open the selected session", "enter: every field, heartbeats, messages"),
    ("screen.errors", "Show file problems", "e: unreadable or suspicious files"),
    ("app.help", "Help: the keys", "?"),
    ("app.quit", "Quit", "q"),
)


class DashboardCommands(Provider):
    """Every key's action, searchable by its wording."""

    def _available(self) -> list[tuple[str, str, str]]:
        from coordinator_tui.tui.screens.dashboard import DashboardScreen

        on_dashboard = isinstance(self.screen, DashboardScreen)
        return [item for item in ACTIONS if on_dashboard or item[0].startswith("app.")]

    async def _run(self, action: str) -> None:
        # Screen actions go to the screen the palette was opened over.
        if action.startswith("screen."):
            await self.app.run_action(action.removeprefix("screen."), self.screen)
        else:
            await self.app.run_action(action)

    async def discover(self) -> Hits:
        for action, text, help_text in self._available():
            yield DiscoveryHit(text, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, text, help_text in self._available():
            score = matcher.match(text)
            if score > 0:
                command = partial(self._run, action)
                yield Hit(score, matcher.highlight(text), command, text, help_text)
