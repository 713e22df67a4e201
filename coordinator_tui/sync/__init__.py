"""Beyond one machine: git as the transport, and file creation safe on network filesystems.

Textual-free. ``sync_round`` runs one round over a ``Target`` (``open_target``);
``wait_for_claim`` tells a claimer whether its claim won across machines;
``create_exclusive`` is the link-based create that holds on old NFS too.
"""

from __future__ import annotations

from coordinator_tui.sync.claims import claim_outcome, wait_for_claim
from coordinator_tui.sync.engine import SyncBlocked, Target, open_target
from coordinator_tui.sync.nfs import create_exclusive
from coordinator_tui.sync.rounds import RoundResult, sync_round
from coordinator_tui.sync.state import STATE_FILE, SyncState, load_state

__all__ = [
    "STATE_FILE",
    "RoundResult",
    "SyncBlocked",
    "SyncState",
    "Target",
    "claim_outcome",
    "create_exclusive",
    "load_state",
    "open_target",
    "sync_round",
    "wait_for_claim",
]
