"""Sessions first: the first scan of a large history shows sessions before listing it.

Listing a month of history (a quarter of a million names) and parsing its window takes
a few tenths of a second; the sessions need none of it but each session's newest beat.
So the dashboard's first pass reads everything but the history folders, plus
``sessions/HEARTBEATS`` (one file a session) and the heartbeat window the index last
saw, and paints; the full scan that follows fills the history in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coordinator_tui.history.index import expected_history

if TYPE_CHECKING:
    from coordinator_tui.store import Snapshot, Store


def sessions_first(store: Store) -> Snapshot | None:
    """The first pass's snapshot (``history_pending`` says about how many history files
    are still to come), or None when the history is small: one scan is as quick.
    ``store.scan()`` completes it."""
    store.history_pending = expected_history(store.root, store.history_index)
    if store.history_pending is None or not store.exists:
        return None
    store.sessions_only = True
    try:
        store.scan()
    finally:
        store.sessions_only = False
    return store.snapshot()
