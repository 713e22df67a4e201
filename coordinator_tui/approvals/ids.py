"""Request ids and digests: the cheap part of a request, for the hook's every event.

Kept apart from ``requests`` (a dataclass, which costs an import of ``dataclasses``) so
a PostToolUse hook that finds a request pending can match it without that.
"""

from __future__ import annotations

import json
import os

_ID_CHARS = frozenset("0123456789abcdef")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


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


def key_of(root: str) -> str:
    """The folder name of a coordination directory in the state folder: its base name (for
    people browsing the state) and a 64-bit FNV-1a of its resolved path, in plain Python
    (no ``zlib`` or ``hashlib`` import on the hook's every event). Every request names its
    directory, so a collision would only share a folder."""
    name = "".join(char if char in _KEY_CHARS else "_" for char in os.path.basename(root))
    value = 0xCBF29CE484222325
    for byte in root.encode("utf-8", "surrogateescape"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{name.lstrip('.')[:40] or 'dir'}-{value:016x}"
