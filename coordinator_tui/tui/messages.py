"""Messages the watcher and the analysis worker send up to the dashboard screen."""

from __future__ import annotations

from textual.message import Message

from coordinator_tui.core.store import Snapshot


class DirectoryChanged(Message):
    """The store changed; ``snapshot`` is its whole new state.

    A newer one makes an older one still in the queue pointless, so a storm of
    file events collapses into one analysis and one repaint.
    """

    def __init__(self, snapshot: Snapshot, files: int) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.files = files
        """How many changed paths the batch held (for the status line and the bench)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DirectoryChanged)


class WatchStatus(Message):
    """How the directory is being watched: ``native``, ``polling`` or ``waiting``."""

    def __init__(self, mode: str, note: str = "") -> None:
        super().__init__()
        self.mode = mode
        self.note = note
