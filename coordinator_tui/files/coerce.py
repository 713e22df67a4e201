"""Coercion helpers for the builders: the right type where the meaning is clear,
a problem noted where it is not; and ``construct`` for already-coerced values."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from coordinator_tui.files.records import RecordError
from coordinator_tui.files.timeparse import OUT_OF_RANGE, parse_timestamp, to_float

# --- construction ----------------------------------------------------------------------

_RecordT = TypeVar("_RecordT")


def construct(cls: type[_RecordT], **values: Any) -> _RecordT:
    """A record from values the builders have already coerced to the right types (the
    records are plain dataclasses: nothing validates them again)."""
    return cls(**values)


# --- coercion helpers -------------------------------------------------------------


class Problems(list[str]):
    def add(self, field: str, value: Any, meaning: str) -> None:
        self.append(f"{field} {_shown(value)} {meaning}")


def _shown(value: Any) -> str:
    """A value as a problem quotes it: short, and never an exception (``repr`` of an
    integer of more than 4,300 digits raises)."""
    if isinstance(value, str):
        return json.dumps(value[:40])
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            text = str(value)
        except ValueError:
            return "(an integer of more than 4,300 digits)"
        return text if len(text) <= 24 else f"(an integer of {len(text):,} digits)"
    return repr(value)


def as_text(value: Any, field: str, problems: Problems) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        problems.add(field, value, "is a boolean; shown as text")
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    problems.add(field, type(value).__name__, "is not text; shown as JSON")
    return json.dumps(value, ensure_ascii=False, default=str)


def as_text_list(value: Any, field: str, problems: Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            text = item if isinstance(item, str) else as_text(item, field, problems)
            if text:
                out.append(text)
        return tuple(out)
    problems.add(field, type(value).__name__, "is not a list; ignored")
    return ()


def as_time(value: Any, field: str, problems: Problems) -> datetime | None:
    if value is None or value == "":
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        problems.add(field, value, "is not a timestamp; treated as unknown")
    return parsed


def as_number(value: Any, field: str, problems: Problems) -> float | None:
    """A finite float, or None with the problem noted: never raises, whatever the value
    (``10**400``, ``1e400``, ``NaN``, a 5,000-digit string)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip().rstrip("%").strip()
    elif not isinstance(value, (int, float)) or isinstance(value, bool):
        shown = value if isinstance(value, bool) else type(value).__name__
        problems.add(field, shown, "is not a number; ignored")
        return None
    number, why = to_float(value)
    if number is None:
        if why == OUT_OF_RANGE:
            problems.add(field, value, "is out of range (not a finite number); ignored")
        else:
            problems.add(field, value, "is not a number; ignored")
    return number


def as_int(value: Any, field: str, problems: Problems) -> int | None:
    number = as_number(value, field, problems)
    if number is None:
        return None
    if abs(number) > 2**53:
        problems.add(field, value, "is out of range; ignored")
        return None
    return int(number)


def as_bool(value: Any, field: str, problems: Problems) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "false", "no", "0"}:
        return value.strip().lower() in {"true", "yes", "1"}
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    problems.add(field, value, "is not true/false; ignored")
    return None


def extra_fields(data: dict[str, Any], known: set[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in known}


def require_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        kind = "an array" if isinstance(data, list) else f"a {type(data).__name__}"
        raise RecordError(f"expected a JSON object, found {kind}")
    return data
