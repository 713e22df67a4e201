"""Timestamps and numbers as real collectives write them, converted totally.

Seen in one directory: ``2025-11-15T19:30:28Z``, ``2025-11-14 23:57:57 UTC``,
``1763234880.566482`` (epoch seconds) and epoch milliseconds. Naive times are
UTC. Anything else is "unknown" (``None``), never an exception.

Numbers too: JSON allows integers of any size (``10**400``), Python's ``json``
reads ``1e400`` as infinity and ``NaN`` as NaN, ``float()`` of a huge ``int``
raises ``OverflowError`` and ``datetime.fromtimestamp`` raises past the year
9999. Every numeric coercion of a value read from the coordination directory
goes through ``to_float``/``finite_float``/``utc_from_epoch``, so one hostile
field is a problem noted for its file, never a crash. Standard library only:
``statusline/`` uses this module too.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

_UTC_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)
_NUMERIC = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# Epoch values above this are milliseconds (1e11 s is the year 5138).
_MS_THRESHOLD = 1e11

MAX_TEXT_DIGITS = 64
"""A numeric string longer than this is out of range (and never worth parsing)."""
NOT_A_NUMBER = "is not a number"
OUT_OF_RANGE = "is out of range"
EPOCH_MAX = 253402300799.0
"""9999-12-31T23:59:59Z: the last second ``datetime`` can hold."""
EPOCH_MIN = -62135596800.0
"""0001-01-01T00:00:00Z."""


def to_float(value: object) -> tuple[float | None, str | None]:
    """(number, None) for a finite int, float or numeric string; (None, why) otherwise.

    ``why`` is ``NOT_A_NUMBER`` (a boolean, text that is no number, another type) or
    ``OUT_OF_RANGE`` (infinite, NaN, or too large for a float).
    """
    if isinstance(value, bool):
        return None, NOT_A_NUMBER
    if isinstance(value, int):
        try:
            number = float(value)
        except OverflowError:
            return None, OUT_OF_RANGE
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT_DIGITS:
            return (None, OUT_OF_RANGE) if _looks_numeric(text) else (None, NOT_A_NUMBER)
        try:
            number = float(text)
        except (ValueError, OverflowError):
            return None, NOT_A_NUMBER
    else:
        return None, NOT_A_NUMBER
    if not math.isfinite(number):
        return None, OUT_OF_RANGE
    return number, None


def finite_float(value: object) -> float | None:
    """``to_float`` without the reason: a finite float or None."""
    return to_float(value)[0]


def utc_from_epoch(value: float) -> datetime | None:
    """The UTC moment of epoch seconds, None outside what ``datetime`` can hold."""
    if not math.isfinite(value) or not EPOCH_MIN <= value <= EPOCH_MAX:
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _looks_numeric(text: str) -> bool:
    body = text.lstrip("+-")
    return bool(body) and all(char.isdigit() or char in ".eE+-_" for char in body)


def _from_epoch(value: object) -> datetime | None:
    number = finite_float(value)  # 10**400 or 1e400 is no moment, and never an exception
    if number is None:
        return None
    if abs(number) >= _MS_THRESHOLD:
        number /= 1000.0
    return utc_from_epoch(number)


def parse_timestamp(value: object) -> datetime | None:
    """Parse any timestamp form seen in the wild into an aware UTC datetime, or None."""
    if type(value) is str and len(value) == 20 and value[19] == "Z" and value[10] == "T":
        # The form we and the scripts write, ``2025-11-15T19:30:28Z``: parsed with an
        # explicit offset, which is several times faster than ``replace(tzinfo=…)`` and
        # gives the same moment (a test compares both paths on random text).
        try:
            return datetime.fromisoformat(value[:19] + "+00:00")
        except ValueError:
            pass
    return _parse_any(value)


def _parse_any(value: object) -> datetime | None:
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
    utc = moment if moment.tzinfo is timezone.utc else moment.astimezone(timezone.utc)
    if utc.year >= 1000:  # ``isoformat`` pads the year, ``strftime`` does not: same text
        return utc.isoformat()[:19] + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
