"""Request ids and digests: the cheap part of a request, for the hook's every event.

Kept apart from ``requests`` (a dataclass, which costs an import of ``dataclasses``) so
a PostToolUse hook that finds a request pending can match it without that.
"""

from __future__ import annotations

import json
import os

_ID_CHARS = frozenset("0123456789abcdef")


def new_id() -> str:
    return os.urandom(10).hex()


def is_id(value: object) -> bool:
    return isinstance(value, str) and len(value) == 20 and set(value) <= _ID_CHARS


def digest(tool: str, tool_input: object) -> str:
    """SHA-256 of the tool name and its input as canonical JSON (keys sorted, ASCII)."""
    import hashlib  # only when a request is made or matched: the hook's common path skips it

    canonical = json.dumps([tool, tool_input], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def process_start(pid: int) -> int | None:
    """The process's start time in clock ticks (``/proc/PID/stat`` field 22), so a reused
    pid is not taken for the hook; None where there is no ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("ascii", "replace")
        return int(text.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None
