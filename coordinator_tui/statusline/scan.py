"""The status line's reading of a directory: guarded, minimal, stdlib only.

Folders are opened one step at a time without following a link, and every file
once relative to its folder's descriptor (``files.fsio``: a link is skipped, a
FIFO never blocks, only a regular file under the size cap is read). Broken JSON
the shell scripts write still yields the few fields the line needs.
"""

from __future__ import annotations

import json
import os
import re
import time

from coordinator_tui.files.fsio import open_below, read_at
from coordinator_tui.files.timeparse import parse_timestamp

TYPE_CHECKING = False  # typing itself costs 2 ms: mypy reads this name as True
if TYPE_CHECKING:
    from typing import Any

MAX_SESSIONS = 5000
_EVENT_NAME = r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-(.+)\.json$"
_FIELD = (
    r'"(session_id|current_work|last_heartbeat|status|state|timestamp)"\s*:\s*'
    r'("(?:[^"\\\n]|\\.)*"|-?[\d.eE+]+)'
)


def text_of(value: Any) -> str:
    """A string field as text; anything else (a number, a list) as no text."""
    return value if isinstance(value, str) else ""


def epoch_of(value: Any) -> float | None:
    """Any timestamp form the collective writes, as epoch seconds (None if unreadable)."""
    moment = parse_timestamp(value)
    return None if moment is None else moment.timestamp()


def read_sessions(root_fd: int, cap: float, counts: dict[str, int]) -> list[dict[str, Any]]:
    folder = _open_dir("sessions", root_fd)
    if folder is None:
        return []
    sessions = []
    try:
        for name in sorted(os.listdir(folder))[:MAX_SESSIONS]:
            if not (name.startswith("session") and name.endswith(".json")):
                continue
            data = _parse_record(_read(folder, name, cap))
            if data is None:
                counts["unreadable"] += 1
                continue
            if not text_of(data.get("session_id")).strip():
                data["session_id"] = name[: -len(".json")]
            sessions.append(data)
    finally:
        os.close(folder)
    # One entry per id, as the analysis counts (the first file by name wins).
    unique: dict[str, dict[str, Any]] = {}
    for session in sessions:
        unique.setdefault(session["session_id"], session)
    return list(unique.values())


def event_beats(root_fd: int, ids: set[str], cap: float) -> dict[str, float]:
    """The newest heartbeat-event time per session id: the newest ``heartbeats/`` file by
    name (the stamp in the name sorts by time) and ``sessions/HEARTBEATS/<id>.json``."""
    beats: dict[str, float] = {}
    candidates: list[tuple[str, str]] = []
    folder = _open_dir("heartbeats", root_fd)
    if folder is not None:
        newest: dict[str, str] = {}
        event_name = re.compile(_EVENT_NAME)
        try:
            for name in os.listdir(folder):
                match = event_name.match(name)
                if match and match.group(1) in ids and name > newest.get(match.group(1), ""):
                    newest[match.group(1)] = name
            candidates = [(session, name) for session, name in newest.items()]
            _beats_from(folder, candidates, cap, beats)
        finally:
            os.close(folder)
    nested = _open_dir("sessions/HEARTBEATS", root_fd)
    if nested is not None:
        try:
            _beats_from(nested, [(session, f"{session}.json") for session in ids], cap, beats)
        finally:
            os.close(nested)
    return beats


def _beats_from(
    folder: int, files: list[tuple[str, str]], cap: float, beats: dict[str, float]
) -> None:
    for session, name in files:
        if "/" in name or name.startswith("."):
            continue
        data = _parse_record(_read(folder, name, cap))
        moment = epoch_of(data.get("timestamp")) if data else None
        if moment is not None and moment > beats.get(session, float("-inf")):
            beats[session] = moment


def _open_dir(relative: str, root_fd: int) -> int | None:
    """A folder under the root, opened without following a link at any step."""
    try:
        return open_below(root_fd, relative)
    except OSError:
        return None


def _read(folder: int, name: str, cap: float) -> bytes | None:
    """A regular file's bytes (at most ``cap``), never through a link, never blocking."""
    return read_at(folder, name, int(cap))[0]


def _parse_record(raw: bytes | None) -> dict[str, Any] | None:
    """A JSON object; for the broken JSON shell scripts write, the few fields we need."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if isinstance(data, dict):
        return data
    found: dict[str, Any] = {}
    for match in re.finditer(_FIELD, text):
        key, value = match.groups()
        if key in found:
            continue
        if value.startswith('"'):
            try:
                found[key] = json.loads(value)
            except ValueError:
                found[key] = value[1:-1]
        else:
            found[key] = value
    return found or None


SPEND_SUMMARY = (".coordinator/usage", "summary.json")
"""Written by every look that priced the usage (``write.usage_state``: ``run`` each cycle,
``status``, the report): today's spend, priced there (pricing needs genai-prices, which
the status line must not import)."""
SPEND_RECENT_S = 900.0
"""A summary older than this is left out: today's spend as of an earlier look would
understate it, and nothing on the line would say so."""
FUTURE_TOLERANCE_S = 300.0


def spend_today(root_fd: int, now: float) -> tuple[float, bool, bool] | None:
    """(today's USD, over a budget, only "at least") from the summary the last look left,
    when it was written in the last ``SPEND_RECENT_S`` of the current UTC day; None when
    there is none (the ``$`` field is then left out)."""
    folder = _open_dir(SPEND_SUMMARY[0], root_fd)
    if folder is None:
        return None
    try:
        raw = _read(folder, SPEND_SUMMARY[1], 65536)
    finally:
        os.close(folder)
    data = _parse_record(raw) if raw else None
    if not data or data.get("day") != time.strftime("%Y-%m-%d", time.gmtime(now)):
        return None
    written = epoch_of(data.get("at"))
    if written is None or not -FUTURE_TOLERANCE_S <= now - written <= SPEND_RECENT_S:
        return None
    usd = data.get("today_usd")
    if isinstance(usd, bool) or not isinstance(usd, (int, float)) or not 0 <= usd < 1e12:
        return None
    over = data.get("over_budget")
    over_budget = isinstance(over, int) and not isinstance(over, bool) and over > 0
    return float(usd), over_budget, data.get("complete") is False
