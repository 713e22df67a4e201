"""What ``run`` already did about the collective: ``.coordinator/acting.json`` and
``.coordinator/escalation.json``.

Kept on disk because a restarted coordinator must not tell a yielder twice,
suggest the same next priority again, or page a human again for an incident
already raised. Both files are untrusted like everything in the directory:
read once through the guarded reader (regular files only, size-capped, never
through a link out of the directory) and coerced totally — anything unusable
is dropped with a reason for the log, never a crash. Both are rewritten
atomically, only when they change, and re-read before every decision.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordinator_tui.analysis.acting.escalate import EscalationState
from coordinator_tui.files.fsio import read_in, replace_in
from coordinator_tui.write.trend_log import PRIVATE_FOLDER

ACTING_STATE_FILE = "acting.json"
ESCALATION_STATE_FILE = "escalation.json"
MAX_STATE_BYTES = 4 << 20
MAX_KEYS = 5000
"""Keys kept per set (the oldest early suggestions go first)."""
MAX_KEY = 2000
VERSION = 1


@dataclass
class ActingState:
    """Situations already told, duplicates counted, early suggestions already sent."""

    told: frozenset[str] = frozenset()
    """Situation keys of resolutions whose yielder has been messaged (current ones only)."""
    counted: frozenset[str] = frozenset()
    """Situation keys of duplicates already added to ``duplicate_counts`` (current ones)."""
    duplicate_counts: dict[str, int] = field(default_factory=dict)
    """Session → duplicate situations it yielded in, over the coordinator's life."""
    early: tuple[str, ...] = ()
    """``session|priority`` of early suggestions sent, oldest first (bounded)."""

    def to_json(self) -> bytes:
        document = {
            "version": VERSION,
            "told": sorted(self.told),
            "counted": sorted(self.counted),
            "duplicate_counts": dict(sorted(self.duplicate_counts.items())),
            "early": list(self.early[-MAX_KEYS:]),
        }
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> tuple[ActingState, str | None]:
        """(state, problem): whatever is not what we wrote is dropped and said."""
        try:
            document = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            return cls(), f"not JSON ({error}); starting afresh"
        if not isinstance(document, dict):
            return cls(), "not a JSON object; starting afresh"
        dropped = 0
        told, bad = _keys(document.get("told"))
        dropped += bad
        counted, bad = _keys(document.get("counted"))
        dropped += bad
        early, bad = _keys(document.get("early"))
        dropped += bad
        counts, bad = _counts(document.get("duplicate_counts"))
        dropped += bad
        state = cls(frozenset(told), frozenset(counted), counts, tuple(early))
        return state, (f"{dropped} bad or excess entries skipped" if dropped else None)


def _keys(value: Any) -> tuple[list[str], int]:
    if value is None:
        return [], 0
    if not isinstance(value, list):
        return [], 1
    kept = [item for item in value if isinstance(item, str) and 0 < len(item) <= MAX_KEY]
    bad = len(value) - len(kept)
    if len(kept) > MAX_KEYS:
        bad += len(kept) - MAX_KEYS
        kept = kept[-MAX_KEYS:]
    return kept, bad


def _counts(value: Any) -> tuple[dict[str, int], int]:
    if value is None:
        return {}, 0
    if not isinstance(value, dict):
        return {}, 1
    kept: dict[str, int] = {}
    bad = 0
    for key, number in value.items():
        usable = isinstance(number, int) and not isinstance(number, bool) and 0 <= number < 2**31
        if not usable or not isinstance(key, str) or len(key) > MAX_KEY or len(kept) >= MAX_KEYS:
            bad += 1
            continue
        kept[key] = number
    return kept, bad


def acting_state_path(root: Path) -> Path:
    return Path(root) / PRIVATE_FOLDER / ACTING_STATE_FILE


def escalation_state_path(root: Path) -> Path:
    return Path(root) / PRIVATE_FOLDER / ESCALATION_STATE_FILE


def load_acting_state(root: Path) -> tuple[ActingState, str | None]:
    data, problem = read_in(root, f"{PRIVATE_FOLDER}/{ACTING_STATE_FILE}", MAX_STATE_BYTES)
    if data is None:
        return ActingState(), problem
    return ActingState.from_json(data)


def duplicate_counts(root: Path) -> tuple[dict[str, int] | None, str | None]:
    """What ``run`` counted (None when it never ran here: quality then approximates),
    and why the state could not be read."""
    if not os.path.lexists(acting_state_path(root)):
        return None, None
    state, problem = load_acting_state(root)
    return state.duplicate_counts, problem


def load_escalation_state(root: Path) -> tuple[EscalationState, str | None]:
    data, problem = read_in(root, f"{PRIVATE_FOLDER}/{ESCALATION_STATE_FILE}", MAX_STATE_BYTES)
    if data is None:
        return EscalationState(), problem
    return EscalationState.from_json(data)


def save_acting_state(root: Path, state: ActingState) -> Path:
    """Atomically; ``OSError`` when the directory refuses."""
    return replace_in(root, f"{PRIVATE_FOLDER}/{ACTING_STATE_FILE}", state.to_json())


def save_escalation_state(root: Path, state: EscalationState) -> Path:
    return replace_in(
        root, f"{PRIVATE_FOLDER}/{ESCALATION_STATE_FILE}", (state.to_json() + "\n").encode("utf-8")
    )


def remember(keys: Iterable[str], new: Iterable[str]) -> tuple[str, ...]:
    """``keys`` plus ``new`` (not repeated), bounded to the newest ``MAX_KEYS``."""
    result = list(keys)
    present = set(result)
    for key in new:
        if key not in present:
            present.add(key)
            result.append(key)
    return tuple(result[-MAX_KEYS:])
