"""Timestamps as real collectives write them.

Seen in one directory: ``2025-11-15T19:30:28Z``, ``2025-11-14 23:57:57 UTC``,
``1763234880.566482`` (epoch seconds) and epoch milliseconds. Naive times are
UTC. Anything else is "unknown" (``None``), never an exception.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from coordinator_tui.files.numbers import finite_float, utc_from_epoch

_UTC_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)
_NUMERIC = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# Epoch values above this are milliseconds (1e11 s is the year 5138).
_MS_THRESHOLD = 1e11


def _from_epoch(value: object) -> datetime | None:
    number = finite_float(value)  # 10**400 or 1e400 is no moment, and never an exception
    if number is None:
        return None
    if abs(number) >= _MS_THRESHOLD:
        number /= 1000.0
    return utc_from_epoch(number)


def parse_timestamp(value: object) -> datetime | None:
    """Parse any timestamp form seen in the wild into an aware UTC datetime, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    first = text[0]
    if (first.isdigit() or first in "+-") and _NUMERIC.match(text):
        return _from_epoch(text)
    last = text[-1]
    if last in "Zz":
        core, had_utc_suffix = text[:-1], True
    elif last.isalpha() and _UTC_SUFFIX.search(text):
        core, had_utc_suffix = _UTC_SUFFIX.sub("", text), True
    else:
        core, had_utc_suffix = text, False
    try:
        parsed = datetime.fromisoformat(core)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    if had_utc_suffix and parsed.utcoffset():
        return None  # "…+02:00 UTC" contradicts itself
    try:
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, second precision: the form we write."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
