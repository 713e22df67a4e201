"""Messages the watchers and the analysis workers send up to the dashboard screen; each
names its collective (the index of the directory among those given)."""

from __future__ import annotations

from textual.message import Message

from coordinator_tui.store import Snapshot, StoreChange
from coordinator_tui.tui.table_view import FirstPage


class DirectoryChanged(Message):
    """The store changed; ``snapshot`` is its whole new state.

    A newer one makes an older one still in the queue pointless, so a storm of
    file events collapses into one analysis and one repaint.
    """

    def __init__(
        self, snapshot: Snapshot, change: StoreChange | None = None, collective: int = 0
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.change = change
        """What changed since the previous message (merged when messages collapse); None:
        not said, so the screen compares every session."""
        self.collective = collective

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, DirectoryChanged) or message.collective != self.collective:
            return False
        # The newer message takes over: it also carries what this one changed. A message
        # that did not say what changed (None) makes the merged one not say either: a
        # list of paths would hide the rest of what the first one stood for.
        if self.change is None or message.change is None:
            message.change = None
        else:
            merged = StoreChange()
            merged.merge(self.change)
            merged.merge(message.change)
            message.change = merged
        return True


class WatchStatus(Message):
    """How the directory is being watched: ``native``, ``polling`` or ``waiting``."""

    def __init__(self, mode: str, note: str = "", collective: int = 0) -> None:
        super().__init__()
        self.mode = mode
        self.note = note
        self.collective = collective


class FirstPageReady(Message):
    """The first analysis's first rows, sent by its worker before the other rows exist."""

    def __init__(self, page: FirstPage, collective: int = 0) -> None:
        super().__init__()
        self.page = page
        self.collective = collective
