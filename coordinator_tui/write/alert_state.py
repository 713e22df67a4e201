"""What the headless coordinator already broadcast: ``DIR/.coordinator/alerts.json``.

Kept on disk as well as in memory because a coordinator restarted by systemd
(or crash-looping) must not re-broadcast the same alert each time it starts.
The file is tiny and rewritten atomically, only when the state changes. It is
untrusted like everything in the directory: anything but what we wrote is a
reason to start afresh, said to the caller, never a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from coordinator_tui.files.fsio import read_in, replace_in
from coordinator_tui.write.trend_log import PRIVATE_FOLDER

ALERT_STATE_FILE = "alerts.json"
MAX_STATE_BYTES = 4 << 20
"""A state file larger than this is not one we wrote."""


@dataclass
class AlertState:
    """What has been broadcast already, so the same alert is never sent twice in a row."""

    duplicates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Duplicate group work key -> members when last alerted."""
    suggestions: tuple[tuple[str, str], ...] = ()
    """(session, priority) pairs of the last work suggestion."""

    def to_json(self) -> bytes:
        document = {
            "version": 1,
            "duplicates": {key: list(members) for key, members in sorted(self.duplicates.items())},
            "suggestions": [list(pair) for pair in self.suggestions],
        }
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> AlertState:
        """Parse the state file; ``ValueError`` when it is not what we wrote."""
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict) or document.get("version") != 1:
            raise ValueError("not an alert state file (version 1)")
        duplicates = document.get("duplicates", {})
        suggestions = document.get("suggestions", [])
        if not isinstance(duplicates, dict) or not isinstance(suggestions, list):
            raise ValueError("unexpected alert state layout")
        state = cls()
        for key, members in duplicates.items():
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                raise ValueError("unexpected duplicate members")
            state.duplicates[str(key)] = tuple(members)
        pairs = []
        for pair in suggestions:
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            ):
                raise ValueError("unexpected suggestion pair")
            pairs.append((pair[0], pair[1]))
        state.suggestions = tuple(pairs)
        return state


def state_path(root: Path) -> Path:
    return Path(root) / PRIVATE_FOLDER / ALERT_STATE_FILE


def load_alert_state(root: Path) -> tuple[AlertState, str | None]:
    """The saved state, or a fresh one and why the file could not be used (None: no file)."""
    data, reason = read_in(root, f"{PRIVATE_FOLDER}/{ALERT_STATE_FILE}", MAX_STATE_BYTES)
    if data is None:
        return AlertState(), reason
    try:
        return AlertState.from_json(data), None
    except (ValueError, UnicodeDecodeError) as error:
        return AlertState(), str(error)


def save_alert_state(root: Path, state: AlertState) -> Path:
    """Write the state atomically; ``OSError`` when the directory refuses."""
    return replace_in(root, f"{PRIVATE_FOLDER}/{ALERT_STATE_FILE}", state.to_json())
