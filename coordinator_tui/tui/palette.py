"""The command palette (ctrl+p) offers every key's action through one provider (``keys``)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from coordinator_tui.tui.keys import Key, keys_for


class DashboardCommands(Provider):
    """Every key's action, searchable by its wording."""

    def _available(self) -> list[Key]:
        # A screen names the keys it binds with ``KEY_OWNER`` (``screen`` is the dashboard).
        owner = getattr(self.screen, "KEY_OWNER", "app")
        return keys_for(owner, read_only=getattr(self.app, "read_only", False))

    async def _run(self, item: Key) -> None:
        # Screen actions go to the screen the palette was opened over.
        if item.owner != "app":
            await self.app.run_action(item.action, self.screen)
        else:
            await self.app.run_action(item.action)

    async def discover(self) -> Hits:
        for item in self._available():
            yield DiscoveryHit(item.command, partial(self._run, item), help=_help(item))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for item in self._available():
            score = matcher.match(item.command)
            if score > 0:
                command = partial(self._run, item)
                yield Hit(
                    score, matcher.highlight(item.command), command, item.command, _help(item)
                )


def _help(item: Key) -> str:
    return f"{item.label}: {item.meaning}"
