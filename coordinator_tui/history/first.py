"""Sessions first: the dashboard's first pass over a large history."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coordinator_tui.store import Snapshot, Store


def sessions_first(store: Store) -> Snapshot | None:
    """``store.scan_sessions_first()``."""
    return store.scan_sessions_first()
