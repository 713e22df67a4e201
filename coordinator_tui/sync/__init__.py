"""Beyond one machine: git as the transport.

Textual-free. ``sync_round`` runs one round over a ``Target`` (``open_target``);
``wait_for_claim`` tells a claimer whether its claim won across machines. Creating a
file safely on network filesystems is ``files.fsio.create_exclusive``.
"""

from __future__ import annotations

from coordinator_tui.sync.claims import claim_outcome, wait_for_claim
from coordinator_tui.sync.engine import SyncBlocked, Target, open_target
from coordinator_tui.sync.rounds import RoundResult, sync_round
from coordinator_tui.sync.state import STATE_FILE, SyncState, load_state

__all__ = [
    "STATE_FILE",
    "RoundResult",
    "SyncBlocked",
    "SyncState",
    "Target",
    "claim_outcome",
    "load_state",
    "open_target",
    "sync_round",
    "wait_for_claim",
]
