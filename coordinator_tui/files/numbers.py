"""Numbers from untrusted input, converted totally: a value or None, never an exception.

JSON allows integers of any size (``10**400``) and Python's ``json`` reads
``1e400`` as infinity and ``NaN`` as NaN; ``float()`` of a huge ``int`` raises
``OverflowError`` and ``datetime.fromtimestamp`` raises for years past 9999.
Every numeric coercion of a value read from the coordination directory goes
through here, so one hostile field is a problem noted for its file, never a
crash. Standard library only: ``statusline/`` and ``agents/`` use it too.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

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


def clamp_epoch(value: float) -> float:
    """A file time forced into what ``datetime`` can hold (a file system may store more)."""
    if not math.isfinite(value):
        return 0.0
    return min(max(value, EPOCH_MIN), EPOCH_MAX)


def _looks_numeric(text: str) -> bool:
    body = text.lstrip("+-")
    return bool(body) and all(char.isdigit() or char in ".eE+-_" for char in body)
