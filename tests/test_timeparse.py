from __future__ import annotations

from datetime import datetime, timezone

import pytest

from coordinator_tui.files.timeparse import format_utc, parse_timestamp

UTC = timezone.utc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-15T19:30:28Z", datetime(2025, 11, 15, 19, 30, 28, tzinfo=UTC)),
        ("2025-11-15T21:30:28+02:00", datetime(2025, 11, 15, 19, 30, 28, tzinfo=UTC)),
        ("2025-11-14 23:57:57 UTC", datetime(2025, 11, 14, 23, 57, 57, tzinfo=UTC)),
        ("2025-11-15T19:30:28", datetime(2025, 11, 15, 19, 30, 28, tzinfo=UTC)),  # naive = UTC
        ("2025-11-15T19:30:28.250Z", datetime(2025, 11, 15, 19, 30, 28, 250000, tzinfo=UTC)),
        (1763234880, datetime(2025, 11, 15, 19, 28, 0, tzinfo=UTC)),
        (1763234880.5, datetime(2025, 11, 15, 19, 28, 0, 500000, tzinfo=UTC)),
        ("1763234880.5", datetime(2025, 11, 15, 19, 28, 0, 500000, tzinfo=UTC)),
        (1763234880500, datetime(2025, 11, 15, 19, 28, 0, 500000, tzinfo=UTC)),  # milliseconds
        ("1763234880500", datetime(2025, 11, 15, 19, 28, 0, 500000, tzinfo=UTC)),
    ],
)
def test_every_form_seen_in_the_wild(value: object, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2025-13-45T00:00:00Z",
        None,
        True,
        [],
        {},
        float("nan"),
        float("inf"),
        "x" * 500,
        "2025-11-15T19:30:28+02:00 UTC",
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
    ],
)
def test_garbage_is_unknown_not_an_exception(value: object) -> None:
    assert parse_timestamp(value) is None


def test_format_utc_writes_z() -> None:
    moment = datetime(2025, 11, 15, 21, 30, 28, tzinfo=timezone.utc)
    assert format_utc(moment) == "2025-11-15T21:30:28Z"
