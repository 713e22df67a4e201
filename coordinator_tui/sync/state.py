"""``DIR/.coordinator/sync-state.json``: what sync saw, for the dashboard and the analysis.

The file is private (never committed) and rewritten atomically after every
round. Its shape, version 1::

    {
      "version": 1,
      "remote": "origin", "branch": "main",
      "remote_ref": "refs/remotes/origin/main",
      "last_round": {"at": "<UTC ISO>", "outcome": "pushed|pulled|up-to-date|error",
                     "commit": "<sha>|null", "attempts": 1, "error": "<text>|null"},
      "lost_claims": [{"path": "claims/x.claim", "lost_by": "session-b",
                       "held_by": "session-a", "at": "<UTC ISO>", "why": "race|rewrite",
                       "commit": "<remote sha seen>", "message": "messages/direct/...|null"}],
      "conflicts": [{"path": "sessions/s.json", "at": "<UTC ISO>", "kept": "remote",
                     "local_blob": "<sha: git cat-file -p recovers our version>"}],
      "arrivals": {"sessions/session-1.json": {"at": "<UTC ISO, this machine's clock>",
                   "heartbeat": "<the file's own last_heartbeat/timestamp, as written>",
                   "lag_s": 12.5}},
      "refused": {"sessions/x.json": {"reason": "a symbolic link in the repository: not
                  written", "at": "<UTC ISO>"}}
    }

``arrivals`` answers clock skew: for a file another machine changed, ``at`` is
when it arrived *here*, on this machine's clock. Liveness of a remote session
is judged by how long ago (here) its file last arrived changed, plus at most one
sync interval, not by comparing its ``last_heartbeat`` with our clock; ``lag_s``
(arrival minus the file's own heartbeat) is the skew plus the transport delay,
so an analysis can accept a heartbeat "from the future" up to that tolerance.
``refused`` names the files a round would not write here (a link, an oversized
blob from the remote) or not send (a local link, FIFO or oversized file), until a
later round moves that path. A ``lost_claims`` entry's ``why`` is ``race`` (two
claims of new work, the other push first) or ``rewrite`` (an accepted claim
replaced in place). Paths are relative to DIR. Lists keep the newest
``MAX_ENTRIES``, arrivals the newest ``MAX_ARRIVALS``, refusals ``MAX_ENTRIES``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from coordinator_tui.files.fsio import replace_in
from coordinator_tui.files.reader import parse_json_text, read_bytes
from coordinator_tui.files.timeparse import format_utc, parse_timestamp

STATE_FILE = Path(".coordinator") / "sync-state.json"
MAX_ENTRIES = 200
MAX_ARRIVALS = 1000  # one heartbeat event file per beat arrives: keep the newest only
MAX_STATE_BYTES = 4 * 1024 * 1024


@dataclass
class SyncState:
    """The decoded state; unknown or malformed parts of the file are dropped, never trusted."""

    remote: str = ""
    branch: str = ""
    remote_ref: str = ""
    last_round: dict[str, Any] = field(default_factory=dict)
    lost_claims: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    arrivals: dict[str, dict[str, Any]] = field(default_factory=dict)
    refused: dict[str, dict[str, Any]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        return {
            "version": 1,
            "remote": self.remote,
            "branch": self.branch,
            "remote_ref": self.remote_ref,
            "last_round": self.last_round,
            "lost_claims": self.lost_claims[-MAX_ENTRIES:],
            "conflicts": self.conflicts[-MAX_ENTRIES:],
            "arrivals": newest_arrivals(self.arrivals),
            "refused": dict(list(self.refused.items())[-MAX_ENTRIES:]),
        }


def newest_arrivals(arrivals: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The ``MAX_ARRIVALS`` most recent arrivals (UTC ISO stamps sort as text)."""
    if len(arrivals) <= MAX_ARRIVALS:
        return arrivals
    ranked = sorted(arrivals.items(), key=lambda item: str(item[1].get("at", "")), reverse=True)
    return dict(sorted(ranked[:MAX_ARRIVALS]))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _by_path(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        return {}
    return {
        key: item for key, item in value.items() if isinstance(key, str) and isinstance(item, dict)
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def load_state(root: Path) -> SyncState:
    """The state in ``root``, or an empty one when the file is missing or unreadable."""
    path = root / STATE_FILE
    data, _error, _mtime, _size = read_bytes(path, MAX_STATE_BYTES, within=str(root.resolve()))
    if data is None:
        return SyncState()
    document, _recovered, _problem = parse_json_text(data.decode("utf-8", "replace"))
    if not isinstance(document, dict):
        return SyncState()
    arrivals = document.get("arrivals")
    refused = document.get("refused")
    last_round = document.get("last_round")
    return SyncState(
        remote=_text(document.get("remote")),
        branch=_text(document.get("branch")),
        remote_ref=_text(document.get("remote_ref")),
        last_round=last_round if isinstance(last_round, dict) else {},
        lost_claims=_dicts(document.get("lost_claims")),
        conflicts=_dicts(document.get("conflicts")),
        arrivals=_by_path(arrivals),
        refused=_by_path(refused),
    )


def save_state(root: Path, state: SyncState) -> Path:
    data = json.dumps(state.document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return replace_in(root, STATE_FILE.as_posix(), data.encode("utf-8"))


def record_arrival(state: SyncState, path: str, content: bytes | None, now: datetime) -> None:
    """Note that ``path`` (relative to DIR) arrived changed from another machine at ``now``,
    with the file's own heartbeat when it has one; a deleted file's entry goes away."""
    if content is None:
        state.arrivals.pop(path, None)
        return
    entry: dict[str, Any] = {"at": format_utc(now)}
    heartbeat = _own_heartbeat(content)
    if heartbeat is not None:
        entry["heartbeat"] = heartbeat
        moment = parse_timestamp(heartbeat)
        if moment is not None:
            entry["lag_s"] = round((now - moment).total_seconds(), 3)
    state.arrivals[path] = entry


def _own_heartbeat(content: bytes) -> str | None:
    document, _recovered, _error = parse_json_text(content.decode("utf-8", "replace"))
    if not isinstance(document, dict):
        return None
    for key in ("last_heartbeat", "timestamp"):
        value = document.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    return None
